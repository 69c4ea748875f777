"""The share page in headless Chromium: how it is rendered, and how the result is read.

The share page is an empty shell whose script fetches the share JSON
(``GetNewsText.do``) and writes the article into the DOM. A script added to
the page before its own (``capture_share_data``) keeps a copy of that JSON,
as the page's own request received it, in an element of ours
(``#newscrawl-share-data``); the page is read as soon as that element, the
article or the error element is there. The copy is read as the JSON path
reads the JSON (``read_share_json``): the same fields, the old ``content``
key included, which the page's script ignores (it shows 资讯不存在). A page
whose script fetched its data some other way is read from its DOM.
"""

import weakref

from parsel import Selector

from newscrawl.site.pages import PageError, read_share_json, read_share_page
from newscrawl.site.fetched import UpstreamPost

CAPTURED_ID = "newscrawl-share-data"

#: Added to every share page before its scripts run: the page's fetch of its
#: JSON is answered as usual, and a copy of the text goes into an attribute of
#: an element of ours (an attribute, so no text of the JSON can end the element).
CAPTURE_JS = """(() => {
  const pageFetch = window.fetch;
  window.fetch = function (input) {
    const answer = pageFetch.apply(this, arguments);
    if (String((input && input.url) || input).includes("/NewsData/GetNewsText.do")) {
      answer.then(response => response.clone().text().then(text => {
        const copy = document.createElement("div");
        copy.id = "%s";
        copy.hidden = true;
        copy.setAttribute("data-status", String(response.status));
        copy.setAttribute("data-json", text);
        document.documentElement.append(copy);
      })).catch(() => {});
    }
    return answer;
  };
})();""" % CAPTURED_ID

#: What the page shows once it can be read: our copy of its JSON, its article, or its error (资讯不存在).
READABLE = f"#{CAPTURED_ID}, .news-detail, .error"

#: Resolves once the page can be read, or after the timeout; at once when the page
#: itself was answered with an error status (a share host's 5xx, the browser proxy's
#: 403 for a redirect off the site), which no script will turn into an article.
WAIT_UNTIL_READABLE_JS = """timeoutMs => new Promise(resolve => {
  const shown = () => document.querySelector(%r);
  const status = (performance.getEntriesByType("navigation")[0] || {}).responseStatus;
  if (shown() || (status && (status < 200 || status > 299))) return resolve();
  const observer = new MutationObserver(() => { if (shown()) { observer.disconnect(); resolve(); } });
  observer.observe(document, {childList: true, subtree: true});
  setTimeout(() => { observer.disconnect(); resolve(); }, timeoutMs);
})""" % READABLE

_capturing = weakref.WeakSet()  # the pages CAPTURE_JS was added to (pages are reused: newscrawl.addons.page_pool)


async def capture_share_data(page, request) -> None:
    """scrapy-playwright's page init callback (called before every navigation): add CAPTURE_JS once a page."""
    if page not in _capturing:
        await page.add_init_script(CAPTURE_JS)
        _capturing.add(page)


def share_page_meta(timeout_s: float) -> dict:
    """Request meta that renders a share page and waits until it can be read; after
    ``timeout_s`` the page is read as it is (and read_rendered_share_page says it
    shows nothing readable)."""
    from scrapy_playwright.page import PageMethod  # here: a run that renders nothing never imports it

    return {
        "playwright": True,
        "playwright_page_init_callback": capture_share_data,
        "playwright_page_goto_kwargs": {"wait_until": "commit"},
        "playwright_page_methods": [PageMethod("evaluate", WAIT_UNTIL_READABLE_JS, timeout_s * 1000)],
    }


def read_rendered_share_page(html: str) -> UpstreamPost | None:
    """The rendered share page: its JSON as the page received it, else its DOM.

    None: no article for this infoCode. Raises PageError for what cannot be read,
    and for JSON that came with an error status: the page's script would show
    资讯不存在 for it, but a host that is down says nothing of the article.
    """
    selector = Selector(text=html)
    captured = selector.css(f"#{CAPTURED_ID}::attr(data-json)").get()
    if captured is not None:
        status = selector.css(f"#{CAPTURED_ID}::attr(data-status)").get() or "200"
        if not status.startswith("2"):
            raise PageError(f"the share page's share data came with HTTP {status}")
        return read_share_json(captured)
    return read_share_page(selector)
