"""The report page: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched)."""

from datetime import date, datetime, timedelta
from html import escape

from newscrawl.overview.chart import legend, posts_chart
from newscrawl.overview.counts import PostCounts
from newscrawl.overview.runs import RunHistory, shanghai_time, took, verdict

STYLE = """
body{font:14px/1.4 sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top;max-width:40em}
td{overflow-wrap:anywhere}th{background:#f3f3f3;overflow-wrap:normal;hyphens:none}.num{text-align:right}.bad{color:#b00020;font-weight:bold}.ok{color:#1b7a2f}
.chart{overflow-x:auto}.key{display:inline-block;width:.9em;height:.9em;margin:0 .2em 0 .8em;vertical-align:middle}
"""


def render_page(title: str, counts: PostCounts, quiet: dict[str, list[date]], rejects: list[dict], runs: RunHistory,
                now: datetime) -> str:
    days = counts.days()
    span = f"{days[0]} to {days[-1]}" if days else "no posts yet"
    runs_said = "".join(f"<p>{escape(line[0].upper() + line[1:])}.</p>" for line in runs.lines(now))
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{counts.total} posts in {len(counts.categories())} categories, {span}.</p>",
        runs_said,
        "<h2>Posts per day per category</h2>",
        f'<div class="chart">{posts_chart(counts, quiet)}</div>',
        legend(counts),
        "<h2>Possibly missed days</h2>",
        _quiet_table(quiet, counts),
        f"<h2>Current rejects ({len(rejects)})</h2>",
        _rejects_table(rejects),
        f"<h2>Last runs ({len(runs.last)}; times in Asia/Shanghai)</h2>",
        _runs_table(runs.last),
        "</body></html>",
    ])


def _table(name: str, headers: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f'<p id="{name}">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table id="{name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def day_ranges(days: list[date]) -> list[str]:
    """Consecutive days as ranges: 2022-02-01–2022-02-03, 2022-02-07."""
    ranges: list[list[date]] = []
    for day in days:
        if ranges and day - ranges[-1][1] == timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [f"{first}" if first == last else f"{first} – {last}" for first, last in ranges]


def _quiet_table(quiet: dict[str, list[date]], counts: PostCounts) -> str:
    rows = [[escape(counts.label(category)), f'<span class="num">{len(days)}</span>', escape(", ".join(day_ranges(days)))]
            for category, days in quiet.items()]
    empty = ("None: every normally active category has posts on every day of its span." if counts.total
             else "None to tell: the archive has no posts yet.")
    return _table("missed", ["category", "days", "which"], rows, empty)


def _rejects_table(rejects: list[dict]) -> str:
    # rejects.jsonl's records say when a post was last rejected in ``last_seen`` (``time`` in older files).
    rows = [[escape(str(r.get(key) or "")) for key in ("last_seen", "reason", "info_code", "url", "detail")]
            for r in ({**r, "last_seen": shanghai_time(r.get("last_seen") or r.get("time"))} for r in rejects)]
    return _table("rejects", ["last rejected (Asia/Shanghai)", "reason", "infoCode", "url", "detail"], rows, "None.")


def _runs_table(runs: list[dict]) -> str:
    rows = []
    for run in runs:
        posts = run.get("posts") or {}
        state, why = verdict(run)
        shown = escape(f"{state}: {'; '.join(why)}" if why else state)
        arguments = " ".join(f"{name}={value}" for name, value in (run.get("arguments") or {}).items())
        numbers = (posts.get("written", 0), posts.get("skipped", 0), (posts.get("rejected") or {}).get("total", 0),
                   run.get("requests", 0), run.get("errors", 0))
        rows.append([
            escape(shanghai_time(run.get("start"))),
            escape(took(run)),
            escape(f"{run.get('spider', '')} {arguments}".strip()),
            *(f'<span class="num">{n}</span>' for n in numbers),
            escape(str(run.get("finish_reason", ""))),
            f'<span class="{"ok" if state == "ok" else "bad" if state == "bad" else ""}">{shown}</span>',
        ])
    return _table("runs", ["start", "took", "crawl", "written", "already archived", "rejected", "requests", "errors", "finish reason",
                   "verdict"], rows, "No run recorded yet.")
