"""The Redis client, from the settings, checked at start-up."""

import redis
from scrapy_redis.connection import get_redis
from scrapy_redis.defaults import REDIS_PARAMS

from newscrawl.archive.paths import without_password
from newscrawl.errors import ConfigError


def connect(url: str, setting: str) -> redis.Redis:
    """A client as scrapy-redis makes one, for the URL of a setting; a ConfigError if Redis does not answer."""
    try:
        server = get_redis(url=url, **REDIS_PARAMS)
        server.ping()
    except (redis.RedisError, ValueError) as exc:
        raise ConfigError(f"cannot use Redis at {without_password(url)} ({setting}): {exc}") from None
    return server
