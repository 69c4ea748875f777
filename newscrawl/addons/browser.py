"""Render share pages in headless Chromium, through scrapy-playwright.

``BrowserAddon`` (in ADDONS) installs scrapy-playwright's download handler
only when NEWSCRAWL_SHARE can use a browser and Chromium is there. Even
then only requests whose meta has ``playwright`` (``share_page_meta()``)
open a page; every other request goes through Scrapy's own HTTP handler.
scrapy-playwright closes each page once its response is read (we never ask
for the page object) and bounds the pages per browser context.

Every run imports this module (ADDONS, spiders), so Playwright itself is
imported only where a page is rendered (newscrawl.addons.playwright_handler).
"""

import logging

from scrapy_playwright.page import PageMethod

from newscrawl.share.mode import ShareMode

logger = logging.getLogger(__name__)


#: Chromium flags for a server: no sandbox (runs as root in CI), no GPU, and
#: none of the background connections (updates, sync, safe browsing...) a
#: closed network refuses.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

#: What the share page's script writes: the article, or its error element (资讯不存在).
ARTICLE_OR_ERROR = ".news-detail, .error"

#: Resource types a page never needs for its text.
ABORTED_RESOURCE_TYPES = frozenset({"image", "font", "media", "stylesheet"})


class BrowserAddon:
    """Turns scrapy-playwright on for the ``auto`` and ``browser`` modes.

    ``browser`` mode without Chromium is a ConfigError (raised by ShareMode);
    ``auto`` mode without it logs one WARNING and installs nothing: share
    pages are then not rendered and the spiders record why.
    """

    def update_settings(self, settings) -> None:
        share = ShareMode.from_settings(settings)
        if not share.wants_browser:
            return
        if not share.uses_browser:
            logger.warning("%s: share pages will not be rendered, posts that need them are left for a later run",
                           share.chromium_missing)
            return
        handlers = settings.getdict("DOWNLOAD_HANDLERS")
        handler = "newscrawl.addons.playwright_handler.LazyPlaywrightHandler"
        handlers.update(http=handler, https=handler)
        settings.set("DOWNLOAD_HANDLERS", handlers, "addon")
        timeout_ms = settings.getfloat("NEWSCRAWL_SHARE_PAGE_TIMEOUT") * 1000
        settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", "addon")
        settings.set(
            "PLAYWRIGHT_LAUNCH_OPTIONS",
            {"executable_path": share.chromium, "headless": True, "args": list(CHROMIUM_ARGS)},
            "addon",
        )
        settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", timeout_ms, "addon")
        settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", 4, "addon")
        settings.set("PLAYWRIGHT_ABORT_REQUEST", f"{__name__}.abort_request", "addon")


def abort_request(request) -> bool:
    """scrapy-playwright's PLAYWRIGHT_ABORT_REQUEST: images, fonts, media and CSS are not fetched."""
    return request.resource_type in ABORTED_RESOURCE_TYPES


def share_page_meta(timeout_s: float) -> dict:
    """Request meta that renders a share page and waits for its article (or error) element."""
    return {
        "playwright": True,
        "playwright_page_methods": [PageMethod(_wait_for_article, timeout_ms=timeout_s * 1000)],
    }


async def _wait_for_article(page, timeout_ms: float) -> None:
    """Wait for the article or the error element; on timeout the page is read as it is
    (and newscrawl.site.pages.read_share_page says it shows neither)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError  # loaded by now: a page is open

    try:
        await page.wait_for_selector(ARTICLE_OR_ERROR, state="attached", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        pass
