"""scrapy-playwright's download handler, keeping its pages open for the next request.

Opening a Chromium page costs more than rendering a share page in it: each
request in a new page gave 3 to 4 share pages a second on 2 cores, pages
reused more than twice that (docs/performance.md, "Share data: JSON vs browser"). At most
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT pages render at once; a page whose request
failed is closed, not reused. Chromium's every connection goes through
the crawl's filtering proxy (newscrawl.addons.browser_proxy), started before
it and closed after it; as root, Chromium runs as nobody
(newscrawl.addons.unprivileged). Uses private methods of the pinned
scrapy-playwright version (``_launch``, ``_download_request``).
"""

import asyncio
import contextlib

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from newscrawl.addons.browser_proxy import BrowserProxy, chromium_args
from newscrawl.addons.unprivileged import ChromiumAsNobody, runs_as_root
from newscrawl.allowlist import AllowList


class PagePoolHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._idle_pages = []
        self._rendering = asyncio.Semaphore(self.config.max_pages_per_context)
        self._proxy = BrowserProxy(AllowList.from_settings(crawler.settings), crawler.stats)
        self._as_nobody = None

    async def start(self) -> None:
        """Start the proxy, then Playwright (made after engine_started, the base class's own start never runs)."""
        options = dict(self.config.launch_options)
        options["args"] = [*options.get("args", ()), *chromium_args(await self._proxy.start())]
        if runs_as_root():
            self._as_nobody = ChromiumAsNobody(options["executable_path"])
            options["executable_path"] = str(self._as_nobody.path)
        self.config.launch_options = options
        await self._launch()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self._proxy.close()
            if self._as_nobody is not None:
                self._as_nobody.close()

    async def _download_request(self, request, spider=None):
        async with self._rendering:
            while self._idle_pages:
                page = self._idle_pages.pop()
                if not page.is_closed():
                    request.meta["playwright_page"] = page
                    break
            # Keeps scrapy-playwright from closing the page once read.
            request.meta["playwright_include_page"] = True
            try:
                response = await super()._download_request(request, spider)
            except BaseException:
                await _close(request.meta.pop("playwright_page", None))
                raise
            finally:
                del request.meta["playwright_include_page"]
            self._idle_pages.append(request.meta.pop("playwright_page"))
            return response


async def _close(page) -> None:
    if page is not None and not page.is_closed():
        with contextlib.suppress(Exception):
            await page.close()
