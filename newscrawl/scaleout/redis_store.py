"""The archive state in Redis, shared by every worker and every run.

``newscrawl:archived`` maps each written infoCode to where and when it was
written (the SQLite store's table). ``newscrawl:claim:<infoCode>`` names
the worker writing that post. A claim is not deleted when the post is
archived: it expires after NEWSCRAWL_CLAIM_TIMEOUT, so that a worker killed
between claim and write does not block the post for good, and so that a
refresh run (which claims archived posts) rewrites a post once, not once
per duplicate. ``newscrawl:rejects`` (key -> reject record) and
``newscrawl:listings`` (listing page URL -> posts it listed) are the SQLite
store's other tables.
"""

import json
import time
from collections.abc import Sequence

from newscrawl.archive.store import ArchiveStore, ExpiringClaims
from newscrawl.scaleout.connection import connect
from newscrawl.scaleout.run import worker_name
from newscrawl.setting_registry import setting

ARCHIVED_KEY = "newscrawl:archived"
CLAIM_KEY = "newscrawl:claim:{}"
REJECTS_KEY = "newscrawl:rejects"
LISTINGS_KEY = "newscrawl:listings"

# Claim, in one step, only what is not archived (unless rewriting): a check
# then a SET could claim a post another worker archived in between.
_CLAIM = """
if ARGV[4] == '0' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'EX', ARGV[3]) then return 1 end
return 0
"""

# Release only our own claim: ours may have expired and been taken by another worker.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisArchiveStore(ArchiveStore, ExpiringClaims):
    shared = True

    def __init__(self, server, claim_seconds: int, worker: str):
        self.server = server
        self.claim_seconds = claim_seconds
        self.worker = worker
        self._claim = server.register_script(_CLAIM)
        self._release = server.register_script(_RELEASE)

    @classmethod
    def open(cls, uri: str, settings) -> "RedisArchiveStore":
        given_as = "NEWSCRAWL_STATE" if settings.get("NEWSCRAWL_STATE") else "NEWSCRAWL_REDIS_URL"  # where the URI came from
        return cls(connect(uri, given_as), setting(settings, "NEWSCRAWL_CLAIM_TIMEOUT"), worker_name())

    def archived_path(self, info_code: str) -> str | None:
        record = self.server.hget(ARCHIVED_KEY, info_code)
        return json.loads(record)["path"] if record else None

    def claim(self, info_code: str, rewrite: bool = False) -> bool:
        # Archived but its file is gone (newscrawl.archive.store.ArchiveIndex.is_archived): write it again.
        rewrite = rewrite or (self.archived_path(info_code) is not None and not self.is_archived(info_code))
        keys = [ARCHIVED_KEY, CLAIM_KEY.format(info_code)]
        return bool(self._claim(keys=keys, args=[info_code, self.worker, self.claim_seconds, int(rewrite)]))

    def claim_ends(self, info_code: str) -> float | None:
        milliseconds = self.server.pttl(CLAIM_KEY.format(info_code))
        return time.time() + milliseconds / 1000 if milliseconds > 0 else None

    def release(self, info_code: str) -> None:
        self._release(keys=[CLAIM_KEY.format(info_code)], args=[self.worker])

    def mark_archived(self, info_code: str, path: str, url: str) -> None:
        self.mark_all_archived([(info_code, path, url)])

    def mark_all_archived(self, posts: Sequence[tuple[str, str, str]]) -> None:
        """One MULTI/EXEC: all of them or none, in one round trip."""
        if not posts:
            return
        now = time.time()
        with self.server.pipeline(transaction=True) as pipe:
            pipe.hset(ARCHIVED_KEY, mapping={code: json.dumps({"path": path, "url": url, "archived_at": now})
                                             for code, path, url in posts})
            pipe.hdel(REJECTS_KEY, *(code for code, _, _ in posts))  # written: no longer rejects
            pipe.execute()

    def archived(self):
        for info_code, record in sorted(self.server.hgetall(ARCHIVED_KEY).items()):
            yield info_code.decode(), json.loads(record)["path"]

    def forget(self, info_code: str) -> None:
        self.server.hdel(ARCHIVED_KEY, info_code)

    def reject(self, key: str) -> dict | None:
        record = self.server.hget(REJECTS_KEY, key)
        return json.loads(record) if record else None

    def put_reject(self, key: str, record: dict) -> None:
        self.server.hset(REJECTS_KEY, key, json.dumps(record, ensure_ascii=False))

    def rejects(self) -> list[dict]:
        return [json.loads(record) for _, record in sorted(self.server.hgetall(REJECTS_KEY).items())]

    def listing_counts(self) -> dict[str, int]:
        return {url.decode(): int(posts) for url, posts in self.server.hgetall(LISTINGS_KEY).items()}

    def set_listing_count(self, url: str, posts: int) -> None:
        self.server.hset(LISTINGS_KEY, url, posts)
