"""``scrapy report -o report.html``: the archive at a glance, as one page and a few terminal lines.

The page (self-contained: it opens with no network) charts the posts per
day per category, lists the days a normally active category has no post
(possibly missed runs), the current rejects and the last runs with their
verdicts. The posts are read one at a time (newscrawl.archive.archived_posts); only
their counts per day and category are kept.
"""

import sys
from datetime import datetime, timezone
from pathlib import Path

from scrapy.commands import ScrapyCommand

from newscrawl import config
from newscrawl.archive.paths import output_dir
from newscrawl.commands.crawl import EXIT_CONFIG_ERROR
from newscrawl.commands.selection import ArchiveCommand
from newscrawl.errors import ConfigError
from newscrawl.overview.counts import PostCounts
from newscrawl.overview.history import current_rejects, run_history
from newscrawl.overview.html import render_page
from newscrawl.overview.runs import RunHistory

LAST_RUNS = 20


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "[-o report.html] [--archive DIR] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--categories slug1,slug2]"

    def short_desc(self) -> str:
        return "Write an HTML report of the archive: posts per day, missed days, rejects, last runs"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", default="report.html", help="the page to write (default: %(default)s)")
        parser.add_argument("--runs", type=int, default=LAST_RUNS, help="how many of the last runs to list (default: %(default)s)")

    def run(self, args, opts) -> None:
        if self.refused(opts):  # before config.load, whose checks are for a directory a crawl may create
            return
        try:
            config.load(self.settings, writes=False)
            rejects = current_rejects(self.settings)  # reads the archive state (a Redis may not answer)
        except ConfigError as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_CONFIG_ERROR
            return
        counts = PostCounts.of(self.selected_posts(opts))
        quiet = counts.quiet_days()
        runs = run_history(self.settings, opts.runs)
        now = datetime.now(timezone.utc)
        page = Path(opts.output)
        page.write_text(render_page(f"newscrawl archive {output_dir(self.settings)}", counts, quiet, rejects, runs, now),
                        encoding="utf-8")
        for line in summary(counts, quiet, rejects, runs, page, now):
            print(line)


def summary(counts: PostCounts, quiet: dict, rejects: list[dict], runs: RunHistory, page: Path,
            now: datetime) -> list[str]:
    """The report's gist, a few lines for the terminal (times in Asia/Shanghai)."""
    days = counts.days()
    if not counts.total:
        lines = ["the archive has no posts yet"]
    else:
        lines = [f"{counts.total} posts in {len(counts.categories())} categories, {days[0]} to {days[-1]}"]
    if quiet:
        worst = sorted(quiet.items(), key=lambda item: -len(item[1]))[:3]
        lines.append(f"{sum(map(len, quiet.values()))} possibly missed day(s) in {len(quiet)} categories: "
                     + ", ".join(f"{counts.label(category)} ({len(missing)})" for category, missing in worst))
    elif counts.total:
        lines.append("no possibly missed days")
    lines.append(f"{len(rejects)} current reject(s)")
    lines += runs.lines(now)
    lines.append(f"report written to {page}")
    return lines
