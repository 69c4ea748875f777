"""Redirects: Scrapy's, with a loop or a long chain failing the request instead of vanishing.

Scrapy's RedirectMiddleware hands the redirected request back to the
scheduler, whose duplicate filter drops a URL it has seen: a page that
redirects to itself (A -> A) or back (A -> B -> A) was dropped without a
word, its errback never called. Here a redirect hop is part of fetching the
request that passed the duplicate filter, so it is not filtered again
(``dont_filter``); a hop to a URL already in the request's chain
(``redirect_urls``) fails it with RedirectLoop, and a chain longer than
REDIRECT_MAX_TIMES with TooManyRedirects. Either reaches the request's
errback (a post page's reject: ``redirect_loop``, ``too_many_redirects``)
or, for share data fetched with ``engine.download_async``, its caller.
Meta refreshes are redirects too.
"""

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from w3lib.url import canonicalize_url


class RedirectLoop(IgnoreRequest):
    """A redirect to a URL the request was already at."""

    reject_reason = "redirect_loop"


class TooManyRedirects(IgnoreRequest):
    """More redirects than REDIRECT_MAX_TIMES."""

    reject_reason = "too_many_redirects"


class _CheckedRedirects:
    """Overrides BaseRedirectMiddleware._redirect, the one step both Scrapy's redirect middlewares take."""

    max_redirect_times: int

    def _redirect(self, redirected: Request, request: Request, reason) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if canonicalize_url(redirected.url) in {canonicalize_url(url) for url in chain}:
            raise RedirectLoop(f"redirect loop: {' -> '.join([*chain, redirected.url])}")
        try:
            redirected = super()._redirect(redirected, request, reason)
        except IgnoreRequest:  # "max redirections reached"
            raise TooManyRedirects(f"more than {self.max_redirect_times} redirects (REDIRECT_MAX_TIMES): "
                                   f"{chain[0]} -> ... -> {redirected.url}") from None
        # The chain's first request passed the duplicate filter; its hops are bounded above.
        redirected.dont_filter = True
        return redirected


class SiteRedirectMiddleware(_CheckedRedirects, RedirectMiddleware):
    """Scrapy's 3xx redirects, loops and long chains failing the request."""


class SiteMetaRefreshMiddleware(_CheckedRedirects, MetaRefreshMiddleware):
    """Scrapy's meta refresh redirects, loops and long chains failing the request."""
