"""Render share pages in headless Chromium, through scrapy-playwright.

``BrowserAddon`` (in ADDONS) installs the browser's download handler
(newscrawl.addons.playwright_handler) only when NEWSCRAWL_SHARE can use a
browser and Chromium is there. Even then only requests whose meta has
``playwright`` (newscrawl.sharedata.data's share page requests) are rendered; every other request goes
through Scrapy's own HTTP handler. Pages are kept open and reused
(newscrawl.addons.page_pool), at most PLAYWRIGHT_MAX_PAGES_PER_CONTEXT at once.

A share page is read as soon as its own request for its JSON has been
answered (newscrawl.sharedata.page): the navigation is awaited only until the
page's response arrives, then one script in the page waits. Playwright's own
wait_for_selector, which polls, and waiting for the load event halve the
pages a second.

Chromium connects only through the crawl's filtering proxy
(newscrawl.addons.browser_proxy) and, as root, runs as nobody
(newscrawl.addons.unprivileged); both are set up when the browser starts
(newscrawl.addons.page_pool).

Every run imports this module (ADDONS, spiders), so scrapy-playwright and
Playwright are imported only where a page is rendered.
"""

import logging

from newscrawl.setting_registry import setting
from newscrawl.sharedata.mode import ShareMode

logger = logging.getLogger(__name__)


#: Chromium flags for a server: no GPU, and none of the background
#: connections (updates, sync, safe browsing...) a closed network refuses.
CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

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
        handler = "newscrawl.addons.playwright_handler.ShareBrowserHandler"
        handlers.update(http=handler, https=handler)
        settings.set("DOWNLOAD_HANDLERS", handlers, "addon")
        timeout_ms = setting(settings, "NEWSCRAWL_SHARE_PAGE_TIMEOUT") * 1000
        settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", "addon")
        # Playwright's own default is --no-sandbox, whoever runs it.
        sandbox = setting(settings, "NEWSCRAWL_CHROMIUM_SANDBOX") == "on"
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {"executable_path": share.chromium, "headless": True,
                                                   "args": list(CHROMIUM_ARGS), "chromium_sandbox": sandbox}, "addon")
        settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", timeout_ms, "addon")
        settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", 4, "addon")
        settings.set("PLAYWRIGHT_ABORT_REQUEST", abort_unneeded_resource, "addon")


def abort_unneeded_resource(request) -> bool:
    """scrapy-playwright's PLAYWRIGHT_ABORT_REQUEST: images, fonts, media and CSS,
    which a page never needs for its text, are not fetched. Where a page may
    connect at all is the proxy's to say (newscrawl.addons.browser_proxy)."""
    return request.resource_type in ABORTED_RESOURCE_TYPES
