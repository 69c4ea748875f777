"""The archive state a crawl keeps, in four small parts a backend implements:

- ArchiveIndex: which infoCodes are archived, and where their files are;
- PostClaims: which posts are being written (claimed), so each is written once;
- RejectRecords: the posts skipped and why (newscrawl.extensions.rejects);
- ListingCountRecords: how many posts each listing page listed (newscrawl.extensions.listings).

ArchiveStore is all four, opened as an extension, so the spider (which skips
archived posts before requesting them), the pipelines (which claim a post
before writing it and record it once its file is in place) and the
extensions share one store: ``crawler.get_extension(ArchiveStore)``. Each
component types the store as the part it uses (each part is runtime-checkable:
``isinstance(store, ExpiringClaims)``). The backend is the one
NEWSCRAWL_STATE names (newscrawl.archive.backends): the embedded SQLite file
by default (newscrawl.archive.sqlite_store), Redis for several workers
(newscrawl.scaleout.redis_store, whose claims also expire: ExpiringClaims);
the commands that only look at pages run on one in memory
(newscrawl.archive.scratch_store).
"""

import logging
import os
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from scrapy import signals

from newscrawl.archive.backends import open_store

logger = logging.getLogger(__name__)


@runtime_checkable
class ArchiveIndex(Protocol):
    """Which posts are archived: an infoCode -> where its file was written."""

    @abstractmethod
    def archived_path(self, info_code: str) -> str | None:
        """Where the post was written, or None if it is not archived."""

    @abstractmethod
    def archived(self) -> Iterator[tuple[str, str]]:
        """Every archived (infoCode, path)."""

    @abstractmethod
    def mark_archived(self, info_code: str, path: str, url: str) -> None:
        """The post's file is in place (and the post no longer a reject)."""

    def mark_all_archived(self, posts: Sequence[tuple[str, str, str]]) -> None:
        """mark_archived for each (infoCode, path, url) of a batch of posts in place; a backend that
        can records them all or none (SQLite: one transaction, not two commits a post)."""
        for post in posts:
            self.mark_archived(*post)

    @abstractmethod
    def forget(self, info_code: str) -> None:
        """No longer archived: the next run that lists the post fetches it again."""

    def is_archived(self, info_code: str) -> bool:
        """Whether the post is archived and its file is there to read (one ``access`` call):
        a post whose file was deleted is fetched again."""
        path = self.archived_path(info_code)
        if path is None:
            return False
        if not os.access(path, os.R_OK):
            logger.info("%s is archived, but its file %s is missing or unreadable: fetching it again", info_code, path)
            return False
        return True


@runtime_checkable
class PostClaims(Protocol):
    """Who may write a post: the first half of a two-phase write (newscrawl.pipelines.claim).

    A post is written only by whoever claims it: ``claim`` is atomic, and is
    refused while someone else holds the claim, or once the post is archived
    unless ``rewrite`` (``-a refresh=1``: an archived post is written again,
    once per run). ``release`` gives the claim up when the post could not be
    written; ArchiveIndex.mark_archived ends it when it was.
    """

    @abstractmethod
    def claim(self, info_code: str, rewrite: bool = False) -> bool: ...

    @abstractmethod
    def release(self, info_code: str) -> None: ...


@runtime_checkable
class ExpiringClaims(PostClaims, Protocol):
    """Claims that outlive a killed worker only until they expire (a shared run's)."""

    @abstractmethod
    def claim_ends(self, info_code: str) -> float | None:
        """When the claim on the post expires (a time.time()); None if nobody holds one."""


@runtime_checkable
class RejectRecords(Protocol):
    """The reject record of each post skipped, by key (newscrawl.extensions.rejects)."""

    @abstractmethod
    def reject(self, key: str) -> dict | None:
        """The record, or None."""

    @abstractmethod
    def put_reject(self, key: str, record: dict) -> None: ...

    @abstractmethod
    def rejects(self) -> list[dict]:
        """Every record, by key."""


@runtime_checkable
class ListingCountRecords(Protocol):
    """What each listing page listed (newscrawl.extensions.listings)."""

    @abstractmethod
    def listing_counts(self) -> dict[str, int]:
        """Each listing page's URL -> the posts it listed the last time it listed any."""

    @abstractmethod
    def set_listing_count(self, url: str, posts: int) -> None: ...


class RunClaims:
    """PostClaims that need hold only within this run (the crawl command's lock keeps any other
    run out): a set in memory, ``_claimed``, which the store makes empty. For a store of one run
    at a time, with ArchiveIndex's is_archived."""

    _claimed: set[str]

    def claim(self, info_code: str, rewrite: bool = False) -> bool:
        if info_code in self._claimed or (not rewrite and self.is_archived(info_code)):
            return False
        self._claimed.add(info_code)
        return True

    def release(self, info_code: str) -> None:
        self._claimed.discard(info_code)


class ArchiveStore(ArchiveIndex, PostClaims, RejectRecords, ListingCountRecords):
    """The whole archive state, as the crawl opens it (an extension).

    ``shared``: several runs may use the store at once (its claims hold across
    processes); else one run at a time, under the crawl command's lock.

    A write the store cannot make on its disk (full, an I/O error) raises
    OSError, as a file's would (newscrawl.failures.write_failed).
    """

    shared = False

    @classmethod
    def from_crawler(cls, crawler) -> "ArchiveStore":
        """The crawl's store (an extension): the one NEWSCRAWL_STATE names."""
        store = open_store(crawler.settings)
        # Not at spider_closed: the rejects and listing counts are written then.
        crawler.signals.connect(store.close, signal=signals.engine_stopped)
        return store

    @classmethod
    def open(cls, uri: str, settings) -> "ArchiveStore":
        """The store at ``uri`` (NEWSCRAWL_STATE, made whole by newscrawl.archive.paths.state_uri):
        what a backend of newscrawl.archive.backends.STORE_SCHEMES implements."""
        raise NotImplementedError

    def close(self) -> None:
        pass
