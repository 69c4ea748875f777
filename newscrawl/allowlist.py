"""Where the crawl may connect: one AllowList for Scrapy's downloads
(newscrawl.middlewares.offsite) and for Chromium's (newscrawl.addons.browser_proxy).

A URL is allowed by its scheme, host and port:

- a configured URL (NEWSCRAWL_SITE_URL, NEWSCRAWL_SHARE_URL, each base URL of
  NEWSCRAWL_HOST_MAP) allows its own scheme, host and port, and nothing else;
- a host of NEWSCRAWL_ALLOWED_HOSTS allows http on 80 and https on 443, for
  itself and its subdomains (``eastmoney.com`` allows ``hk.eastmoney.com``).

An allowed host is a name, not an address: a name that resolves to a
private, loopback or link-local address is not connected to
(``refuses_address``), unless it is the host of a configured URL, which the
user points there on purpose (a mirror on 127.0.0.1, the mock site).
"""

import ipaddress
from urllib.parse import urlsplit

from newscrawl.setting_registry import setting

DEFAULT_PORTS = {"http": 80, "https": 443}


def is_private(address: str) -> bool:
    """A private, loopback, link-local, unspecified or reserved IP address."""
    ip = ipaddress.ip_address(address)
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_reserved


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the port filled in; None for any other URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number, or out of range
        return None
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port


class AllowList:
    def __init__(self, origins, domains, intended):
        self.origins = frozenset(origins)  # (scheme, host, port) of the configured URLs
        self.domains = tuple(domain.lower() for domain in domains)  # http:80 and https:443, subdomains too
        self.intended = frozenset(host.lower() for host in intended)  # hosts that may be private addresses

    @classmethod
    def from_settings(cls, settings) -> "AllowList":
        configured = [setting(settings, name) for name in ("NEWSCRAWL_SITE_URL", "NEWSCRAWL_SHARE_URL")]
        configured += setting(settings, "NEWSCRAWL_HOST_MAP").mirror_urls()
        origins = {found for found in map(origin, configured) if found}
        domains = setting(settings, "NEWSCRAWL_ALLOWED_HOSTS")
        return cls(origins, domains, {host for _, host, _ in origins})

    def allows(self, url: str) -> bool:
        """Whether ``url``'s scheme, host and port are allowed."""
        found = origin(url)
        if found is None:
            return False
        if found in self.origins:
            return True
        scheme, host, port = found
        return port == DEFAULT_PORTS[scheme] and any(host == d or host.endswith(f".{d}") for d in self.domains)

    def allows_tunnel(self, host: str, port: int) -> bool:
        """A CONNECT to ``host:port``: https, or a WebSocket (ws or wss), which Chromium tunnels too."""
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return self.allows(f"https://{netloc}/") or self.allows(f"http://{netloc}/")

    def refuses_address(self, host: str, address: str) -> bool:
        """Whether ``host``, resolved to ``address``, must not be connected to."""
        return host.lower() not in self.intended and is_private(address)
