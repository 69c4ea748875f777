"""The post writer, in a directory other workers may be writing into."""

import time
from pathlib import Path

from newscrawl.pipelines.markdown import MarkdownWriterPipeline
from newscrawl.setting_registry import setting


class SharedDirWriterPipeline(MarkdownWriterPipeline):
    """Keeps other workers' writes in progress: their temporary files are
    not leftovers. Only one older than NEWSCRAWL_CLAIM_TIMEOUT is (no write
    outlives its claim).

    Writes each post before the next (no NEWSCRAWL_SYNC_BATCH): a post
    claimed and not archived waits for its claim to expire before a sweep
    (sweep.py) queues it again, so a killed worker should hold as few as
    it can."""

    @classmethod
    def from_crawler(cls, crawler):
        writer = super().from_crawler(crawler)
        writer.claim_seconds = setting(crawler.settings, "NEWSCRAWL_CLAIM_TIMEOUT")
        writer.sync_batch = 1
        return writer

    def leftovers(self) -> list[Path]:
        cutoff = time.time() - self.claim_seconds
        return [path for path in super().leftovers() if _modified(path) < cutoff]


def _modified(path: Path) -> float:
    """When the file was last written; now, if it is gone (renamed into place meanwhile)."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()
