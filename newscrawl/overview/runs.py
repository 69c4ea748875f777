"""The runs of runs.jsonl as the report shows them: times in Asia/Shanghai, how long ago,
how long a run took, and why a bad one was bad."""

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def moment(iso: str | None) -> datetime | None:
    """A runs.jsonl time (ISO 8601, UTC), or None if there is none or it is not one."""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def shanghai_time(iso: str | None) -> str:
    """``2022-02-23 18:30`` (Asia/Shanghai), as the site's posts are dated; "" for no time."""
    when = moment(iso)
    return when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if when else ""


def span(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3 h``, ``2 days``."""
    seconds = max(seconds, 0)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def ago(iso: str | None, now: datetime) -> str:
    when = moment(iso)
    return f"{span((now - when).total_seconds())} ago" if when else ""


def took(run: dict) -> str:
    """How long a run took, from its start to its end; "" if a time is missing."""
    start, end = moment(run.get("start")), moment(run.get("end"))
    return span((end - start).total_seconds()) if start and end else ""


def verdict(run: dict) -> tuple[str, list[str]]:
    """``ok``, ``bad`` or ``not recorded`` (a line from before verdicts were kept), and why:
    the failed pages' causes, then the monitors' problems."""
    return run.get("verdict") or "not recorded", [*(run.get("causes") or []), *(run.get("problems") or [])]


@dataclass
class RunHistory:
    """The newest runs (newest first), and the newest good one, which may be older."""

    last: list[dict]
    last_good: dict | None

    def lines(self, now: datetime) -> list[str]:
        """The last run and the last good run, a line each, for the terminal and the page."""
        if not self.last:
            return ["no run recorded yet"]
        newest = self.last[0]
        state, why = verdict(newest)
        lines = [f"last run {shanghai_time(newest.get('start'))} ({ago(newest.get('start'), now)}), took "
                 f"{took(newest) or '?'}: {newest.get('spider')}, {state}" + (f": {'; '.join(why)}" if why else "")]
        if state != "ok":
            good = self.last_good
            lines.append(f"last good run {shanghai_time(good.get('start'))} ({ago(good.get('start'), now)})"
                         if good else "no good run recorded")
        return lines
