"""scrapy-playwright's download handler, started at the first page a run renders.

Installed by newscrawl.addons.browser.BrowserAddon for http and https.
"""

import asyncio

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """Starts Playwright at the first page instead of with the engine.

    Most runs render no page (the JSON answers), and Scrapy builds one handler
    per scheme: started with the engine, each would spawn a Playwright driver
    for nothing (about 1.5 s a run). Overrides two private methods of the
    pinned scrapy-playwright version.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self._start_lock = asyncio.Lock()

    async def _maybe_launch_in_thread(self) -> None:
        """Connected to engine_started by the base class: nothing to do yet."""

    async def _download_request(self, request, spider=None):
        async with self._start_lock:
            if getattr(self, "browser_provider", None) is None:
                await self._launch()
        return await super()._download_request(request, spider)
