"""Render share pages in headless Chromium, through scrapy-playwright.

``BrowserAddon`` (in ADDONS) installs the browser's download handler
(newscrawl.addons.playwright_handler) only when NEWSCRAWL_SHARE can use a
browser and Chromium is there. Even then only requests whose meta has
``playwright`` (newscrawl.share.data's share page requests) are rendered; every other request goes
through Scrapy's own HTTP handler. Pages are kept open and reused
(newscrawl.addons.page_pool), at most PLAYWRIGHT_MAX_PAGES_PER_CONTEXT at once.

A share page is read as soon as its own request for its JSON has been
answered (newscrawl.share.page): the navigation is awaited only until the
page's response arrives, then one script in the page waits. Playwright's own
wait_for_selector, which polls, and waiting for the load event halve the
pages a second.

Every run imports this module (ADDONS, spiders), so scrapy-playwright and
Playwright are imported only where a page is rendered.
"""

import logging
import os
from newscrawl.allowlist import AllowList
from newscrawl.share.mode import ShareMode

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
        timeout_ms = settings.getfloat("NEWSCRAWL_SHARE_PAGE_TIMEOUT") * 1000
        settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", "addon")
        args = list(CHROMIUM_ARGS) + ([] if sandboxed(settings) else ["--no-sandbox"])
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {"executable_path": share.chromium, "headless": True, "args": args},
                     "addon")
        settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", timeout_ms, "addon")
        settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", 4, "addon")
        settings.set("PLAYWRIGHT_ABORT_REQUEST", PageRequestFilter(AllowList.from_settings(settings)), "addon")


def sandboxed(settings) -> bool:
    """NEWSCRAWL_CHROMIUM_SANDBOX: ``auto`` is on except as root, where Chromium refuses to start sandboxed."""
    choice = (settings.get("NEWSCRAWL_CHROMIUM_SANDBOX") or "auto").lower()
    return choice == "on" or (choice == "auto" and os.geteuid() != 0)


class PageRequestFilter:
    """scrapy-playwright's PLAYWRIGHT_ABORT_REQUEST: what a rendered page may not fetch.

    Any request to a host that is not allowed (newscrawl.middlewares.offsite,
    plus the host map's mirrors, where the page really is) is aborted, and so
    are images, fonts, media and CSS, which a page never needs for its text.
    """

    def __init__(self, allowlist: AllowList):
        self.allowlist = allowlist
        self.warned: set[str] = set()  # one WARNING a host

    def __call__(self, request) -> bool:
        if request.resource_type in ABORTED_RESOURCE_TYPES:
            return True
        allowed = self.allowlist.allows(request.url)
        host = request.url.split("/")[2] if "//" in request.url else request.url
        if not allowed and host not in self.warned:
            self.warned.add(host)
            logger.warning("A rendered share page asked for %s, off the site's hosts: aborted", request.url)
        return not allowed
