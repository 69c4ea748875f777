"""Post pages read, and posts loaded, in worker processes: ``await ParseWorkers.load_post(...)``.

Reading a post page (lxml's tree, the body's HTML to Markdown) and loading
its item are about a third of the event loop's CPU in a backfill. With
``NEWSCRAWL_PARSE_WORKERS`` above 0 they run in a pool of that many worker
processes (the standard library's ProcessPoolExecutor, awaited with
``loop.run_in_executor``), so another core does them while the event loop
goes on downloading; with 0 they run on the event loop. ``auto`` (the
default) is what the spider asks for: 0 for a crawl, 1 for the source import
on a machine of two cores or more. What
goes to a worker and back is plain data (the page's text, SitePost,
UpstreamPost, the item's fields), and the worker runs the same functions,
so the posts are the same byte for byte either way.

The pool starts at the first page read (a run that reads none starts no
process), its workers as fresh interpreters (``spawn``: the crawl's process
has threads by then, so it is not forked), and is shut down, its workers
waited for, when the spider closes. A worker that dies (killed, out of
memory, a crash in a C library) breaks the pool: the calls it held fail
with ReaderCrashed, a PageError (a page being read is fetched again, then
rejected: parse_post's PageError; a post being loaded ends in a spider
error, not archived, fetched again by the next run). The death is logged
once, and the next call starts another pool.
"""

import asyncio
import concurrent.futures
import logging
import multiprocessing
import pickle

from parsel import Selector
from scrapy import signals

from newscrawl.items import PostItem
from newscrawl.loading.loaders import load_post
from newscrawl.site.fetched import SitePost, UpstreamPost
from newscrawl.site.pages import PageError, read_post_page
from newscrawl.setting_registry import setting
from newscrawl.stats import READER_CRASHED

logger = logging.getLogger(__name__)


class ReaderCrashed(PageError):
    """A worker process died before answering."""


class ParseWorkers:
    """Reads post pages and loads posts for a spider, in worker processes or in-process."""

    def __init__(self, crawler, workers: int):
        self.crawler = crawler  # its stats exist once the crawl starts
        self.workers = workers
        self.pool: concurrent.futures.Executor | None = None
        self.busy = 0  # calls sent to the pool and not yet answered

    @classmethod
    def from_crawler(cls, crawler, auto: int = 0):
        """``auto``: the spider's number of workers where NEWSCRAWL_PARSE_WORKERS is ``auto``."""
        workers = setting(crawler.settings, "NEWSCRAWL_PARSE_WORKERS")
        parse_workers = cls(crawler, auto if workers == "auto" else workers)
        crawler.signals.connect(parse_workers.close, signals.spider_closed)
        return parse_workers

    async def read_post_page(self, text: str, url: str, info_code: str, category: str | None) -> SitePost:
        """newscrawl.site.pages.read_post_page on the page's text; raises PageError."""
        if not self.workers:
            return read_post_page(Selector(text=text), url, info_code, category)
        return await self._run(_read_post_page, text, url, info_code, category)

    async def load_post(self, site: SitePost, upstream: UpstreamPost | None) -> PostItem:
        """newscrawl.loading.loaders.load_post; raises ReaderCrashed if its worker dies."""
        if not self.workers:
            return load_post(site, upstream)
        return PostItem(await self._run(_load_post_fields, site, upstream))

    async def call(self, function, *args):
        """``function(*args)`` in a worker (a module-level function, its arguments and result
        picklable), or in-process without workers; raises ReaderCrashed if its worker dies."""
        if not self.workers:
            return function(*args)
        return await self._run(function, *args)

    async def _run(self, function, *args):
        if self.pool is None:  # (the process pool's module is imported here: a run that reads no page, never)
            spawn = multiprocessing.get_context("spawn")
            self.pool = concurrent.futures.ProcessPoolExecutor(self.workers, mp_context=spawn)
        pool = self.pool
        self.busy += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _answer, function, *args)
        except concurrent.futures.BrokenExecutor:  # BrokenProcessPool
            self._broken(pool)
            raise ReaderCrashed("a parse worker process died") from None
        finally:
            self.busy -= 1

    def _broken(self, pool: concurrent.futures.Executor) -> None:
        """A worker died: every call the pool held fails; the next call starts another pool."""
        if pool is not self.pool:  # told already, by another of its calls
            return
        logger.error("A parse worker process died with %d page(s) unread; starting others", self.busy)
        self.crawler.stats.inc_value(READER_CRASHED)
        self.pool = None
        pool.shutdown(wait=False)

    def close(self):
        """Stop the workers and wait for them (every callback has finished: none is busy)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _read_post_page(text: str, url: str, info_code: str, category: str | None) -> SitePost:
    return read_post_page(Selector(text=text), url, info_code, category)


def _load_post_fields(site: SitePost, upstream: UpstreamPost | None) -> dict:
    return dict(load_post(site, upstream))


def _answer(function, *args):
    """In the worker: ``function(*args)``; an exception that would not pickle back is a PageError."""
    try:
        return function(*args)
    except Exception as exc:
        try:
            pickle.dumps(exc, pickle.HIGHEST_PROTOCOL)
        except Exception:
            raise PageError(f"{type(exc).__name__}: {exc}") from None
        raise
