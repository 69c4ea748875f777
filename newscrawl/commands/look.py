"""Scrapy's commands that look at pages (parse, shell, fetch, view, check), made no run of the archive.

They crawl with the project's settings, so without this they would open
the archive state (from another thread, in ``shell``: SQLite refuses),
record rejects and listing counts in it, add a line to runs.jsonl and run
the monitors. Here they run on a state in memory (ScratchArchiveStore),
log their rejects without keeping them, and write nothing: the archive is
left as the last ``scrapy crawl`` left it.
"""

#: The settings a look runs with, set over the project's (and -s).
LOOK_SETTINGS = {
    "EXTENSIONS": {
        "newscrawl.archive.store.ArchiveStore": None,
        "newscrawl.archive.store.ScratchArchiveStore": 0,
        "newscrawl.extensions.rejects.RejectLog": None,
        "newscrawl.extensions.rejects.UnkeptRejects": 0,
        "newscrawl.extensions.runlog.RunReport": None,
        "newscrawl.extensions.progress.Progress": None,
    },
    "SPIDERMON_ENABLED": False,
}


class LookCommand:
    """Mixed into a Scrapy command: its crawler looks at pages, and is no run of the archive."""

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        self.settings.setdict(LOOK_SETTINGS, priority="cmdline")
