"""The download handler for http and https: Scrapy's own, and Chromium for share pages.

Installed by newscrawl.addons.browser.BrowserAddon. A request whose meta has
``playwright`` is rendered by scrapy-playwright (newscrawl.addons.page_pool),
which is imported and started at the first such request: most runs render
no page (the JSON answers), and importing scrapy-playwright and Playwright
costs about a quarter of a second, starting Playwright's driver more.
"""

import asyncio

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


class ShareBrowserHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._page_handler = None
        self._start_lock = asyncio.Lock()

    async def download_request(self, request):
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        return await (await self._browser()).download_request(request)

    async def _browser(self):
        async with self._start_lock:
            if self._page_handler is None:
                from newscrawl.addons.page_pool import PagePoolHandler

                handler = PagePoolHandler(self.crawler)
                await handler.start()
                self._page_handler = handler
        return self._page_handler

    async def close(self):
        if self._page_handler is not None:
            await self._page_handler.close()
        await super().close()
