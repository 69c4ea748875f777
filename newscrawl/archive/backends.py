"""Which archive store NEWSCRAWL_STATE names: the registry of backends.

As Scrapy's FilesPipeline picks its store, by the URI's scheme: a path or
``sqlite:///path``, a SQLite file; ``redis://``, a Redis database that
several workers share (newscrawl.scaleout). The backends are named, not
imported: a run on its own never imports redis.
"""

from scrapy.utils.misc import load_object

from newscrawl.archive.paths import state_scheme, state_uri
from newscrawl.errors import ConfigError

#: NEWSCRAWL_STATE's scheme -> the store kept there.
STORE_SCHEMES = {
    "": "newscrawl.archive.sqlite_store.SqliteArchiveStore",
    "sqlite": "newscrawl.archive.sqlite_store.SqliteArchiveStore",
    "redis": "newscrawl.scaleout.redis_store.RedisArchiveStore",
    "rediss": "newscrawl.scaleout.redis_store.RedisArchiveStore",
}


def store_class(uri: str) -> type:
    """The store class (a newscrawl.archive.store.ArchiveStore) of a state URI; a
    ConfigError for a scheme it is not."""
    scheme = state_scheme(uri)
    if scheme not in STORE_SCHEMES:
        known = ", ".join(f"{s}://" for s in STORE_SCHEMES if s)
        raise ConfigError(f"NEWSCRAWL_STATE={uri!r}: give a path, or a URI of {known}")
    return load_object(STORE_SCHEMES[scheme])


def open_store(settings):
    """The archive store NEWSCRAWL_STATE names, opened: the one place that chooses the backend."""
    uri = state_uri(settings)
    return store_class(uri).open(uri, settings)
