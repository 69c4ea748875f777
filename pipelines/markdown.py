"""Write each post as ``<output>/_posts/YYYY-MM-DD-<info_code>.md``, atomically.

A post goes to a temporary file beside its path; the file is flushed to disk
(newscrawl.archive.files.sync_files), renamed into place, and only then is the post marked archived: a
crash leaves a post to be fetched again, never marked but missing or
half-written.

The file system is the slow part: fsync waits for the disk, and creating
a file waits for the journal while any fsync is under way, each longer than
the rest of a post's processing when the machine is busy. So in a crawl
the rendered posts are written, synced and renamed in batches of
``sync_batch`` (NEWSCRAWL_SYNC_BATCH) by a thread, off the event loop, and
marked archived on the event loop (SQLite connections stay in their
thread) once their batch is in place. A crash loses at most the unfinished
batches, which the next run fetches again. With ``sync_batch=1`` each post
is in place and archived before process_item returns.
"""

import contextlib
import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from newscrawl.archive.files import TEMP_SUFFIX, open_directory, rename_into_place, sync_files, write_temporary
from newscrawl.archive.paths import posts_dir
from newscrawl.archive.postfile import post_filename, render_post
from newscrawl.archive.store import ArchiveStore
from newscrawl.failures import write_failed
from newscrawl.items import PostItem
from newscrawl.setting_registry import setting
from newscrawl.stats import WRITTEN

logger = logging.getLogger(__name__)

#: Sent with ``posts``, a list of (path, item), once those posts are in place and archived
#: (the search index adds them: newscrawl.search.indexer). The item is what the file holds:
#: newscrawl.archive.postfile reads a post file back as the item it was rendered from.
posts_written = object()


@dataclass(frozen=True)
class _Rendered:
    """A post's file as it is to be written."""

    path: Path
    text: str
    item: PostItem


class MarkdownWriterPipeline:
    def __init__(self, directory, site_url: str, store: ArchiveStore, stats, sync_batch: int = 1, signals=None):
        self.directory = directory
        self.signals = signals
        self.site_url = site_url
        self.store = store
        self.stats = stats
        self.sync_batch = max(1, sync_batch)
        self._unwritten: list[_Rendered] = []
        self._syncing: list[tuple[list[_Rendered], Future]] = []  # batches and their put_in_place, oldest first
        self._syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="post-sync")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            posts_dir(crawler.settings),
            setting(crawler.settings, "NEWSCRAWL_SITE_URL"),
            crawler.get_extension(ArchiveStore),
            crawler.stats,
            sync_batch=setting(crawler.settings, "NEWSCRAWL_SYNC_BATCH"),
            signals=crawler.signals,
        )

    def open_spider(self):
        self._fd = open_directory(self.directory)  # newscrawl.archive.files: not through a link
        leftovers = self.leftovers()
        for leftover in leftovers:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover.name, dir_fd=self._fd)
        if leftovers:
            logger.info("Removed %d temporary file(s) left by an interrupted run", len(leftovers))

    def leftovers(self) -> list[Path]:
        """Temporary files of writes that will never finish.

        A run killed mid-write leaves its temporary files; the run lock
        guarantees no other run is writing one now.
        """
        return [self.directory / name for name in os.listdir(self._fd)
                if name.startswith(".") and name.endswith(TEMP_SUFFIX)]

    def process_item(self, item):
        """Write the post claimed by ClaimPostPipeline; if it cannot be written, give up the claim."""
        try:
            path = self.directory / post_filename(item)  # checked: a plain name inside the directory
            post = _Rendered(path, render_post(item, self.site_url), item)
        except BaseException:
            self.store.release(item["info_code"])
            raise
        self._unwritten.append(post)
        if self.sync_batch == 1:
            self._archive(self._unwritten, put_in_place(self._fd, self._unwritten))
            self._unwritten = []
        elif len(self._unwritten) >= self.sync_batch:
            self._syncing.append((self._unwritten, self._syncer.submit(put_in_place, self._fd, self._unwritten)))
            self._unwritten = []
        while self._syncing and self._syncing[0][1].done():
            batch, placed = self._syncing.pop(0)
            self._archive(batch, placed.result())
        return item

    def close_spider(self):
        """Write what is left and wait for it (the crawl is over: the event loop may block)."""
        self._archive(self._unwritten, put_in_place(self._fd, self._unwritten))
        self._unwritten = []
        for batch, placed in self._syncing:
            self._archive(batch, placed.result())
        self._syncing = []
        self._syncer.shutdown()
        os.close(self._fd)

    def _archive(self, batch: list[_Rendered], errors: dict[str, OSError]) -> None:
        """Mark the posts now in place archived, together; count the others' errors and give up their claims.

        A post in place that the state could not record is fetched again by the
        next run, and written again, the same.
        """
        placed = []
        for post in batch:
            info_code = post.item["info_code"]
            if info_code in errors:
                write_failed(self.stats, post.path, errors[info_code])
                self.store.release(info_code)
            else:
                placed.append(post)
        if not placed:
            return
        previous = {post.item["info_code"]: self.store.archived_path(post.item["info_code"]) for post in placed}
        try:
            self.store.mark_all_archived([(post.item["info_code"], str(post.path), post.item["url"])
                                          for post in placed])
        except OSError as exc:
            for post in placed:
                write_failed(self.stats, exc.filename, exc)
                self.store.release(post.item["info_code"])
            return
        for post in placed:
            old_path = previous[post.item["info_code"]]
            if old_path and old_path != str(post.path) and Path(old_path).parent == self.directory:
                # A rewrite under another date (e.g. after a parser fix): one file per post.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(Path(old_path).name, dir_fd=self._fd)
            self.stats.inc_value(WRITTEN)
            logger.debug("Wrote %s", post.path)
        if self.signals:
            self.signals.send_catch_log(posts_written, posts=[(post.path, post.item) for post in placed])


def put_in_place(directory: int, batch: list[_Rendered]) -> dict[str, OSError]:
    """Write each post to a temporary file in ``directory`` (a descriptor), sync them
    (newscrawl.archive.files.sync_files), rename them into place.

    Returns the error of each post that could not be written, by infoCode
    (its temporary file removed): recorded on the event loop, not in this thread.
    A batch that cannot be synced is an error of each of its posts.
    """
    errors, written = {}, []
    for post in batch:
        try:
            written.append((post, write_temporary(directory, post.path.name, post.text)))
        except OSError as exc:
            errors[post.item["info_code"]] = exc
    try:
        sync_files(directory, [temporary for _, temporary in written])
    except OSError as exc:
        for post, temporary in written:
            errors[post.item["info_code"]] = exc
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=directory)
        return errors
    for post, temporary in written:
        try:
            rename_into_place(directory, temporary, post.path.name)
        except OSError as exc:
            errors[post.item["info_code"]] = exc
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=directory)
    return errors
