"""Fetch only from the site's hosts: Scrapy's OffsiteMiddleware on NEWSCRAWL_ALLOWED_HOSTS,
and no connection to a private address by name.

The spiders' ``allowed_domains`` are the hosts of NEWSCRAWL_SITE_URL and
NEWSCRAWL_SHARE_URL and those in NEWSCRAWL_ALLOWED_HOSTS (a host allows its
subdomains: ``eastmoney.com`` allows ``hk.eastmoney.com``). A request for
any other host is not fetched: the post it was for is rejected
(``offsite``, one WARNING), or, for another page, one WARNING. Unlike
Scrapy's own, the check is made in the downloader on every request,
``dont_filter`` or not, so the request's errback still runs; and before
NEWSCRAWL_HOST_MAP, on the canonical URL (the map's mirrors are allowed too,
for the robots.txt requests Scrapy sends them).

An allowed host is a name, not an address: PublicAddressResolver (the
TWISTED_DNS_RESOLVER) refuses to connect to a private, loopback or
link-local address (say a subdomain pointed at 127.0.0.1, where Redis
listens, or at a cloud metadata endpoint), one WARNING a host, unless it
is where the user sent the crawl on purpose: a host of NEWSCRAWL_HOST_MAP's
mirrors, NEWSCRAWL_SITE_URL or NEWSCRAWL_SHARE_URL.
"""

import ipaddress
import logging
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from newscrawl.extensions.rejects import RejectLog
from newscrawl.middlewares.hostmap import HostMap
from newscrawl.site.urls import INFO_CODE_KEY

logger = logging.getLogger(__name__)


class OffsiteRequest(IgnoreRequest):
    """A request for a host the crawl does not fetch from."""


def allowed_hosts(settings) -> list[str]:
    """The site's and share hosts, then NEWSCRAWL_ALLOWED_HOSTS."""
    hosts = [urlsplit(settings.get(name) or "").hostname for name in ("NEWSCRAWL_SITE_URL", "NEWSCRAWL_SHARE_URL")]
    hosts += settings.get("NEWSCRAWL_ALLOWED_HOSTS", "").replace(",", " ").split()
    return list(dict.fromkeys(host.lower() for host in hosts if host))


class SiteOffsiteMiddleware(OffsiteMiddleware):
    def __init__(self, stats, hosts: list[str]):
        super().__init__(stats)
        self.hosts = hosts

    @classmethod
    def from_crawler(cls, crawler):
        # The host map's mirrors too: robots.txt is asked of the mirror a request was sent to.
        mirrors = HostMap.from_json(crawler.settings.get("NEWSCRAWL_HOST_MAP")).mirror_hosts()
        middleware = cls(crawler.stats, allowed_hosts(crawler.settings) + sorted(mirrors))
        middleware.crawler = crawler
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider):
        spider.allowed_domains = list(dict.fromkeys([*(getattr(spider, "allowed_domains", None) or []), *self.hosts]))
        super().spider_opened(spider)

    def process_request(self, request, spider=None):
        if request.meta.get("allow_offsite") or self.should_follow(request, self.crawler.spider):
            return None
        self.stats.inc_value("offsite/filtered")
        host = urlparse_cached(request).hostname
        why = f"{host!r} is not one of the site's hosts (NEWSCRAWL_ALLOWED_HOSTS)"
        if info_code := request.meta.get(INFO_CODE_KEY):
            self.crawler.get_extension(RejectLog).record("offsite", request.url, info_code, why)
        else:
            logger.warning("Not fetched: %s: %s", request.url, why)
        raise OffsiteRequest(f"not fetched: {why}")


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_reserved


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing private, loopback and link-local addresses
    except for the hosts the settings name (``intended``)."""

    def __init__(self, reactor, cache_size: int, timeout: float, intended: frozenset[str] = frozenset()):
        super().__init__(reactor, cache_size, timeout)
        self.intended = intended
        self.warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        settings = crawler.settings
        configured = {urlsplit(settings.get(name) or "").hostname for name in ("NEWSCRAWL_SITE_URL", "NEWSCRAWL_SHARE_URL")}
        mirrors = HostMap.from_json(settings.get("NEWSCRAWL_HOST_MAP")).mirror_hosts()
        resolver.intended = frozenset(host.lower() for host in configured | mirrors if host)
        return resolver

    def getHostByName(self, name: str, timeout=()):
        resolved = super().getHostByName(name, timeout)
        if name.lower() in self.intended:
            return resolved
        return resolved.addCallback(self._refuse_private, name)

    def _refuse_private(self, address: str, name: str) -> str:
        if _is_private(address):
            if name not in self.warned:
                self.warned.add(name)
                logger.warning("Not connecting to %s: it resolves to %s, a private address "
                               "(NEWSCRAWL_HOST_MAP can send a host there on purpose)", name, address)
            raise DNSLookupError(f"{name} resolves to a private address")
        return address
