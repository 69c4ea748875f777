"""NEWSCRAWL_HOST_MAP: fetch a host's URLs from another base URL (a mirror, or the test site)."""

from scrapy import Request
from scrapy.http import Response

from newscrawl.mirrors import HostMap
from newscrawl.setting_registry import setting
from newscrawl.site.urls import CANONICAL_URL_KEY


class HostMapMiddleware:
    """Applies NEWSCRAWL_HOST_MAP to every request.

    A request for a mapped host is replaced by one for the mirror (so
    robots.txt, retries and redirects all work on what is really fetched);
    its response is handed to the spider under the canonical URL.
    """

    def __init__(self, host_map: HostMap):
        self.host_map = host_map

    @classmethod
    def from_crawler(cls, crawler):
        return cls(setting(crawler.settings, "NEWSCRAWL_HOST_MAP"))

    def process_request(self, request: Request):
        if CANONICAL_URL_KEY in request.meta:
            return None
        mirror_url = self.host_map.to_mirror(request.url)
        if mirror_url is None:
            return None
        meta = {**request.meta, CANONICAL_URL_KEY: request.url}
        # The canonical request already passed the dupefilter.
        return request.replace(url=mirror_url, meta=meta, dont_filter=True)

    def process_response(self, request: Request, response: Response):
        canonical_url = request.meta.get(CANONICAL_URL_KEY)
        if canonical_url is None:
            return response
        scheme = canonical_url.split(":", 1)[0]
        return response.replace(url=self.host_map.to_canonical(response.url, scheme))
