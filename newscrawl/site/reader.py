"""Post pages read, and posts loaded, in worker processes: ``await PageReader.post_page(...)``.

Reading a post page (lxml's tree, the body's HTML to Markdown) and loading
its item are about a third of the event loop's CPU in a backfill. With
``NEWSCRAWL_PARSE_WORKERS`` above 0 they run in that many worker
processes, so another core does them while the event loop goes on
downloading; with 0 (the default) they run on the event loop. What goes to a
worker and back is plain data (the page's text, SitePost, UpstreamPost, the
item's fields), and the worker runs the same functions, so the posts are
the same byte for byte either way.

The event loop itself talks to each worker, over two pipes (pickles framed
as multiprocessing's Connection frames them), with no thread in between:
concurrent.futures' ProcessPoolExecutor costs the crawl's process about
210 µs of CPU a call in its feeder and manager threads, and their fight
for the GIL delays the event loop; this costs about 60 µs.

The workers start at the first page read (a run that reads none starts no
process), as fresh interpreters (``spawn``: the crawl's process has threads
by then, so it is not forked), and are stopped and waited for when the
spider closes. A worker that dies (killed, out of memory, a crash in a C
library) fails the calls it held with ReaderCrashed, a PageError: a page
being read is fetched again, then rejected (parse_post's PageError); a
post being loaded ends in a spider error (not archived, it is fetched
again by the next run). The death is logged once, and the next call
starts another worker.
"""

import asyncio
import logging
import multiprocessing
import os
import pickle
import struct
from collections import deque
from typing import TYPE_CHECKING

from parsel import Selector
from scrapy import signals

from newscrawl.items import PostItem
from newscrawl.loading.loaders import load_post
from newscrawl.site.pages import PageError, read_post_page
from newscrawl.site.fetched import SitePost, UpstreamPost

if TYPE_CHECKING:  # a run that reads no page does not import multiprocessing.connection
    from multiprocessing.connection import Connection

    from newscrawl.source.generator_file import SourcePost

logger = logging.getLogger(__name__)

_SIZE = struct.Struct("!i")  # multiprocessing.connection's frame header: the pickle's length


class ReaderCrashed(PageError):
    """The worker process reading a page died before answering."""


def _read_post_page(text: str, url: str, info_code: str, category: str | None) -> SitePost:
    return read_post_page(Selector(text=text), url, info_code, category)


def _load_post(site: SitePost, upstream: UpstreamPost | None) -> dict:
    return dict(load_post(site, upstream))


class PageReader:
    """Reads post pages and loads posts for a spider, in worker processes or in-process."""

    def __init__(self, crawler, workers: int):
        self.crawler = crawler  # its stats exist once the crawl starts
        self.workers: list[_Worker | None] = [None] * workers

    @classmethod
    def from_crawler(cls, crawler):
        reader = cls(crawler, crawler.settings.getint("NEWSCRAWL_PARSE_WORKERS"))
        crawler.signals.connect(reader.close, signals.spider_closed)
        return reader

    async def post_page(self, text: str, url: str, info_code: str, category: str | None) -> SitePost:
        """newscrawl.site.pages.read_post_page on the page's text; raises PageError."""
        return await self._run(_read_post_page, text, url, info_code, category)

    async def source_page(self, post: "SourcePost") -> SitePost:
        """newscrawl.source.generator_file.read_source_page: a source file's post page, rendered and read."""
        from newscrawl.source.generator_file import read_source_page  # the import's alone: a crawl needs none

        return await self._run(read_source_page, post)

    async def post(self, site: SitePost, upstream: UpstreamPost | None) -> PostItem:
        """newscrawl.loading.loaders.load_post; raises ReaderCrashed if its worker dies."""
        return PostItem(await self._run(_load_post, site, upstream))

    async def _run(self, function, *args):
        if not self.workers:
            return function(*args)
        # The least busy worker; one that died is replaced.
        index = min(range(len(self.workers)), key=lambda i: self.workers[i].busy if self.workers[i] else 0)
        worker = self.workers[index]
        if worker is None or worker.dead:
            worker = self.workers[index] = _Worker(self.crawler.stats)
        return await worker.call(function, args)

    def close(self):
        """Stop the workers and wait for them (every callback has finished: none is busy)."""
        for worker in filter(None, self.workers):
            worker.stop()
        self.workers = [None] * len(self.workers)


class _Worker:
    """One worker process and the event loop's pipes to it; calls are answered in order."""

    def __init__(self, stats):
        self.stats = stats
        self.dead = False
        self.waiting: deque[asyncio.Future] = deque()  # the calls sent, oldest first
        self.unsent: list[bytes] = []  # calls made before the pipes were connected
        self.requests = self.answers = None  # the pipes' transports, once connected
        context = multiprocessing.get_context("spawn")
        requests_out, requests_in = context.Pipe(duplex=False)
        answers_out, answers_in = context.Pipe(duplex=False)
        self.process = context.Process(target=_serve, args=(requests_out, answers_in), daemon=True,
                                       name="newscrawl-reader")
        self.process.start()
        requests_out.close()
        answers_in.close()
        self._connecting = asyncio.ensure_future(self._connect(requests_in, answers_out))
        self._connecting.add_done_callback(self._connected)

    def _connected(self, connecting: asyncio.Future) -> None:
        if not connecting.cancelled() and connecting.exception() is not None:
            logger.error("Could not connect to a page reader process: %r", connecting.exception())
            self.process.kill()
            self.died()

    async def _connect(self, requests_in: "Connection", answers_out: "Connection"):
        loop = asyncio.get_running_loop()
        requests, _ = await loop.connect_write_pipe(asyncio.Protocol, _file(requests_in, "wb"))
        self.answers, _ = await loop.connect_read_pipe(lambda: _Answers(self), _file(answers_out, "rb"))
        for frame in self.unsent:
            requests.write(frame)
        self.requests, self.unsent = requests, []

    @property
    def busy(self) -> int:
        return len(self.waiting)

    def call(self, function, args) -> asyncio.Future:
        """The future of ``function(*args)`` in the worker."""
        data = pickle.dumps((function, args), pickle.HIGHEST_PROTOCOL)
        answer = asyncio.get_running_loop().create_future()
        self.waiting.append(answer)
        if self.requests is None:
            self.unsent.append(_SIZE.pack(len(data)) + data)
        else:
            self.requests.write(_SIZE.pack(len(data)) + data)
        return answer

    def answered(self, ok: bool, value) -> None:
        answer = self.waiting.popleft()
        if not answer.done():
            answer.set_result(value) if ok else answer.set_exception(value)

    def died(self) -> None:
        """The answers pipe closed: the process ended, with calls unanswered, or was stopped."""
        if self.dead:
            return
        self.dead = True
        self.process.join(1)
        why = f"exit status {self.process.exitcode}"
        logger.error("A page reader process died (%s) with %d page(s) unread; starting another",
                     why, len(self.waiting))
        self.stats.inc_value("newscrawl/reader_crashed")
        for answer in self.waiting:
            if not answer.done():
                answer.set_exception(ReaderCrashed(f"the page reader process died ({why})"))
        self.waiting.clear()

    def stop(self) -> None:
        """Close its input (it reads the end and exits) and wait for it."""
        self.dead = True
        self._connecting.cancel()
        for transport in (self.requests, self.answers):
            if transport is not None:
                transport.close()
                transport.get_extra_info("pipe").close()  # now, not at the event loop's next turn
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _file(connection: "Connection", mode: str):
    """The connection's pipe as a file, for the event loop's pipe transports (which close it)."""
    file = os.fdopen(os.dup(connection.fileno()), mode, buffering=0)
    connection.close()
    return file


class _Answers(asyncio.Protocol):
    """Reads the worker's framed answers and hands each to its call."""

    def __init__(self, worker: _Worker):
        self.worker = worker
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= _SIZE.size:
            (size,) = _SIZE.unpack_from(self.buffer)
            if len(self.buffer) < _SIZE.size + size:
                return
            answer = pickle.loads(self.buffer[_SIZE.size:_SIZE.size + size])
            del self.buffer[:_SIZE.size + size]
            self.worker.answered(*answer)

    def connection_lost(self, exc) -> None:
        self.worker.died()


def _serve(requests: "Connection", answers: "Connection") -> None:
    """The worker: answers each (function, args) with (True, result) or (False, exception), until its input ends."""
    while True:
        try:
            function, args = pickle.loads(requests.recv_bytes())
        except EOFError:
            return
        try:
            answer = pickle.dumps((True, function(*args)), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            try:
                answer = pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle
                answer = pickle.dumps((False, PageError(f"{type(exc).__name__}: {exc}")), pickle.HIGHEST_PROTOCOL)
        answers.send_bytes(answer)
