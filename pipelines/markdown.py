"""Write each post as ``<output>/_posts/YYYY-MM-DD-<info_code>.md``, atomically."""

import logging
import os
import tempfile
from pathlib import Path

from newscrawl.paths import posts_dir
from newscrawl.postfile import post_filename, render_post
from newscrawl.store import ArchiveStore

logger = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"


class MarkdownWriterPipeline:
    def __init__(self, directory, site_url: str, store: ArchiveStore, stats):
        self.directory = directory
        self.site_url = site_url
        self.store = store
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            posts_dir(crawler.settings),
            crawler.settings.get("NEWSCRAWL_SITE_URL"),
            crawler.get_extension(ArchiveStore),
            crawler.stats,
        )

    def open_spider(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        leftovers = self.leftovers()
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        if leftovers:
            logger.info("Removed %d temporary file(s) left by an interrupted run", len(leftovers))

    def leftovers(self) -> list[Path]:
        """Temporary files of writes that will never finish.

        A run killed mid-write leaves its temporary file; the run lock
        guarantees no other run is writing one now.
        """
        return list(self.directory.glob(f".*{TEMP_SUFFIX}"))

    def process_item(self, item):
        """Write the post claimed by DedupePipeline; if it cannot be written, give up the claim."""
        try:
            path = self.directory / post_filename(item)  # checked: a plain name inside the directory
            previous = self.store.archived_path(item["info_code"])
            write_atomically(path, render_post(item, self.site_url))
        except BaseException:
            self.store.release(item["info_code"])
            raise
        # Only now is the post archived: a crash before this line leaves it
        # to be fetched again, never marked but missing.
        self.store.mark_archived(item["info_code"], str(path), item["url"])
        if previous and previous != str(path):
            # A rewrite under another date (e.g. after a parser fix): one file per post.
            Path(previous).unlink(missing_ok=True)
        self.stats.inc_value("newscrawl/written")
        logger.debug("Wrote %s", path)
        return item


def write_atomically(path, text: str) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
