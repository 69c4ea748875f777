"""An archive state in memory: what the commands that only look at pages run on (newscrawl.commands.look)."""

from collections.abc import Iterator

from newscrawl.archive.store import ArchiveStore, RunClaims


class ScratchArchiveStore(RunClaims, ArchiveStore):
    """An archive state in memory, empty when the crawler starts and gone when it ends.

    What ``scrapy parse``, ``shell``, ``fetch``, ``view`` and ``check`` run on
    (newscrawl.commands.look): they look at pages; the archive's own state is
    neither read nor written.
    """

    def __init__(self):
        self._archived: dict[str, str] = {}
        self._claimed: set[str] = set()  # RunClaims
        self._rejects: dict[str, dict] = {}
        self._listings: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler) -> "ScratchArchiveStore":
        return cls()

    def archived_path(self, info_code: str) -> str | None:
        return self._archived.get(info_code)

    def archived(self) -> Iterator[tuple[str, str]]:
        yield from sorted(self._archived.items())

    def forget(self, info_code: str) -> None:
        self._archived.pop(info_code, None)

    def reject(self, key: str) -> dict | None:
        return self._rejects.get(key)

    def put_reject(self, key: str, record: dict) -> None:
        self._rejects[key] = record

    def rejects(self) -> list[dict]:
        return [self._rejects[key] for key in sorted(self._rejects)]

    def listing_counts(self) -> dict[str, int]:
        return dict(self._listings)

    def set_listing_count(self, url: str, posts: int) -> None:
        self._listings[url] = posts

    def mark_archived(self, info_code: str, path: str, url: str) -> None:
        self._archived[info_code] = path
        self._rejects.pop(info_code, None)
