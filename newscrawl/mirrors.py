"""NEWSCRAWL_HOST_MAP: which base URL (a mirror, or the test site) fetches a host's URLs."""

import json
from urllib.parse import urlsplit, urlunsplit

from newscrawl.errors import ConfigError


class HostMapError(ConfigError):
    """NEWSCRAWL_HOST_MAP is not a JSON object of host -> http(s) base URL."""


class HostMap:
    """Rewrites canonical URLs to mirror URLs and back.

    ``{"finews.withounder.com": "http://127.0.0.1:8000"}`` makes
    ``https://finews.withounder.com/a.html`` fetched as
    ``http://127.0.0.1:8000/a.html``; the response is given back its
    canonical URL, so spiders and items never see the mirror.
    """

    def __init__(self, mapping: dict[str, str]):
        self._to_mirror: dict[str, tuple[str, str, str]] = {}
        for host, base in mapping.items():
            parts = urlsplit(base) if isinstance(base, str) else None
            if not host or parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
                raise HostMapError(f"NEWSCRAWL_HOST_MAP: {host!r} must map to an http(s) base URL, not {base!r}")
            self._to_mirror[host.lower()] = (parts.scheme, parts.netloc, parts.path.rstrip("/"))

    @classmethod
    def from_json(cls, text: str) -> "HostMap":
        try:
            mapping = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            raise HostMapError(f"NEWSCRAWL_HOST_MAP is not valid JSON: {exc}") from None
        if not isinstance(mapping, dict):
            raise HostMapError("NEWSCRAWL_HOST_MAP must be a JSON object of host -> base URL")
        return cls(mapping)

    def __bool__(self) -> bool:
        return bool(self._to_mirror)

    def mirror_urls(self) -> list[str]:
        """The base URLs the map sends requests to (whose hosts may be private addresses, on purpose)."""
        return [f"{scheme}://{netloc}{prefix}/" for scheme, netloc, prefix in self._to_mirror.values()]

    def to_mirror(self, url: str) -> str | None:
        """The URL to fetch instead of ``url``, or None if its host is not mapped."""
        parts = urlsplit(url)
        target = self._to_mirror.get(parts.netloc.lower())
        if target is None:
            return None
        scheme, netloc, prefix = target
        return urlunsplit((scheme, netloc, prefix + parts.path, parts.query, parts.fragment))

    def to_canonical(self, url: str, scheme: str) -> str:
        """The canonical form of a mirror URL (unchanged if no mirror serves it)."""
        parts = urlsplit(url)
        for host, (m_scheme, m_netloc, prefix) in self._to_mirror.items():
            if parts.netloc == m_netloc and parts.scheme == m_scheme and parts.path.startswith(prefix):
                return urlunsplit((scheme, host, parts.path[len(prefix):], parts.query, parts.fragment))
        return url
