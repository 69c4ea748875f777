"""Fetch only from the site's hosts (newscrawl.allowlist): no other scheme, host
or port, and no connection to a private address by name.

A request the AllowList does not allow is not fetched: the post it was for
is rejected (``offsite``, one WARNING), or, for another page, one WARNING.
Unlike Scrapy's OffsiteMiddleware (which this replaces), the check is made
in the downloader on every request, ``dont_filter`` or not, so the
request's errback still runs; redirects come back through it too. It sits
before NEWSCRAWL_HOST_MAP, so it sees the canonical URL, and a redirect's
URL as the mirror gave it (the map's base URLs are allowed).

PublicAddressResolver (the TWISTED_DNS_RESOLVER) refuses to connect an
allowed name to a private, loopback or link-local address (say a subdomain
pointed at 127.0.0.1, where Redis listens, or at a cloud metadata
endpoint), one WARNING a host, unless it is where the user sent the crawl
on purpose: a host of NEWSCRAWL_HOST_MAP's mirrors, NEWSCRAWL_SITE_URL or
NEWSCRAWL_SHARE_URL.
"""

import logging

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from newscrawl.allowlist import AllowList
from newscrawl.extensions.rejects import RejectLog
from newscrawl.site.urls import INFO_CODE_KEY
from newscrawl.stats import OFFSITE_FILTERED

logger = logging.getLogger(__name__)


class OffsiteRequest(IgnoreRequest):
    """A request for a scheme, host or port the crawl does not fetch from."""


class SiteOffsiteMiddleware:
    def __init__(self, crawler, allowlist: AllowList):
        self.crawler = crawler
        self.allowlist = allowlist

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, AllowList.from_settings(crawler.settings))

    def process_request(self, request, spider=None):
        if request.meta.get("allow_offsite") or self.allowlist.allows(request.url):
            return None
        self.crawler.stats.inc_value(OFFSITE_FILTERED)
        why = (f"{urlparse_cached(request).netloc!r} is not one of the site's hosts "
               "(NEWSCRAWL_ALLOWED_HOSTS: http on 80, https on 443; a configured URL: its own scheme, host and port)")
        if info_code := request.meta.get(INFO_CODE_KEY):
            self.crawler.get_extension(RejectLog).record("offsite", request.url, info_code, why)
        else:
            logger.warning("Not fetched: %s: %s", request.url, why)
        raise OffsiteRequest(f"not fetched: {why}")


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing the private addresses the AllowList refuses."""

    def __init__(self, reactor, cache_size: int, timeout: float, allowlist: AllowList | None = None):
        super().__init__(reactor, cache_size, timeout)
        self.allowlist = allowlist
        self.warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.allowlist = AllowList.from_settings(crawler.settings)
        return resolver

    def getHostByName(self, name: str, timeout=()):
        return super().getHostByName(name, timeout).addCallback(self._refuse_private, name)

    def _refuse_private(self, address: str, name: str) -> str:
        if self.allowlist.refuses_address(name, address):
            if name not in self.warned:
                self.warned.add(name)
                logger.warning("Not connecting to %s: it resolves to %s, a private address "
                               "(NEWSCRAWL_HOST_MAP can send a host there on purpose)", name, address)
            raise DNSLookupError(f"{name} resolves to a private address")
        return address
