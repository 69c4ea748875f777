"""The Redis client, from the settings, checked at start-up."""

from urllib.parse import urlsplit

import redis
from scrapy_redis.connection import get_redis_from_settings

from newscrawl.errors import ConfigError


def connect(settings) -> redis.Redis:
    """The client scrapy-redis makes from REDIS_URL; a ConfigError if Redis does not answer."""
    try:
        server = get_redis_from_settings(settings)
        server.ping()
    except (redis.RedisError, ValueError) as exc:
        where = _without_password(settings.get("REDIS_URL"))
        raise ConfigError(f"cannot use Redis at {where} (NEWSCRAWL_REDIS_URL): {exc}") from None
    return server


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()
