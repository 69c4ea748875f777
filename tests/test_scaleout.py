"""Scale-out: several ``scrapy crawl`` workers share one crawl through a real Redis."""

import json
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from redis import Redis

from newscrawl.scaleout.run import SharedRun
from newscrawl.scaleout.redis_store import ARCHIVED_KEY, CLAIM_KEY, RedisArchiveStore
from newscrawl.scaleout.sweep import MAX_SWEEPS
from newscrawl.mocksite import SITE_HOST, MockSite, generate_posts
from newscrawl.stats import SWEEPS, WRITTEN
from tests.conftest import CommandRun, crawl, read_posts, start_crawl
from tests.local_servers import refusing_port
from tests.redis_server import redis_server

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

POSTS = 600
#: How long a lost worker's claim outlives the start of a crawl that meets it (a crawl starts in
#: seconds; on a busy machine, in more than ten).
CLAIM_SECONDS = 30


@pytest.fixture(scope="module")
def site_posts():
    """The posts of the site the multi-worker crawls share: one site, built by Jekyll once
    (newscrawl.mocksite.jekyll.cached_build), served anew to each test."""
    return generate_posts(POSTS, seed=7)


@pytest.fixture
def redis(tmp_path):
    with redis_server(tmp_path) as server:
        yield server


@pytest.fixture
def redis_url(redis):
    return redis.url


def worker_env(redis_url: str, **settings) -> dict:
    return {"NEWSCRAWL_REDIS_URL": redis_url, "NEWSCRAWL_REDIS_IDLE_TIMEOUT": "0", **settings}


def start_workers(site, output, logs: Path, numbers: range, env: dict, categories: list[str]) -> list[subprocess.Popen]:
    """Workers ``numbers``, each logging to ``logs/<number>.log``."""
    logs.mkdir(exist_ok=True)
    return [
        start_crawl(site, output, "finews", "-a", "categories=" + ",".join(categories), env=env, log=logs / f"{i}.log")
        for i in numbers
    ]


def wait_for(condition, workers: list[subprocess.Popen], logs: Path, timeout: float = 120) -> None:
    """Until ``condition()``, while every worker runs."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert all(w.poll() is None for w in workers) and time.monotonic() < deadline, [
            log.read_text()[-3000:] for log in sorted(logs.iterdir())]
        time.sleep(0.05)


def archived(client: Redis) -> dict[str, dict]:
    """The shared archive state: infoCode -> its record (path, url, archived_at)."""
    return {code.decode(): json.loads(record) for code, record in client.hgetall(ARCHIVED_KEY).items()}


def claimed_by(client: Redis) -> Counter:
    """The live claims (newscrawl.scaleout.redis_store), by worker."""
    keys = client.keys(CLAIM_KEY.format("*"))
    return Counter(owner.decode() for owner in client.mget(keys) if owner) if keys else Counter()


def worker_name(worker: subprocess.Popen) -> str:
    """How the worker names itself in Redis (newscrawl.scaleout.run.worker_name)."""
    return f"{socket.gethostname()}:{worker.pid}"


def stat(log: Path, name: str) -> int:
    return stat_of(log.read_text(encoding="utf-8"), name)


def stat_of(log: str, name: str) -> int:
    """A count from the stats a worker's log ends with (0 if it has none)."""
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found[1]) if found else 0


def assert_every_post_on_disk_once(output: Path, client: Redis, posts, killed_writers: int = 0) -> None:
    """Every post on disk, in one file, which the shared state records archived; no temporary file left,
    but one a writer killed mid-write may leave (hidden: Jekyll and the archive's readers skip it)."""
    on_disk = read_posts(output)
    files = Counter(p.meta["info_code"] for p in on_disk)
    assert set(files) == {p.info_code for p in posts}
    assert set(files.values()) == {1}, [code for code, n in files.items() if n > 1][:5]
    assert {code: record["path"] for code, record in archived(client).items()} == {
        p.meta["info_code"]: str(p.path) for p in on_disk}
    assert len(list((output / "_posts").glob(".*.tmp"))) <= killed_writers


def assert_every_post_written_once(output: Path, client: Redis, logs: Path, posts) -> None:
    """Every post on disk once, and written once: the workers' stats count one write a post."""
    assert_every_post_on_disk_once(output, client, posts)
    assert sum(stat(log, WRITTEN) for log in logs.iterdir()) == len(posts)


def test_three_workers_share_the_crawl_and_write_every_post_once(tmp_path, redis_url, site_posts):
    posts = site_posts
    categories = sorted({p.category for p in posts})
    output, logs = tmp_path / "output", tmp_path / "logs"
    env = worker_env(redis_url)
    client = Redis.from_url(redis_url)
    with MockSite(posts, include_seed=False).serve() as site:
        # The first worker, frozen once the run is under way, keeps what it has
        # in hand: the others must take the rest from the shared queue. (Frozen
        # for less than run.DEAD_AFTER, it is not taken for dead.)
        workers = start_workers(site, output, logs, range(1), env, categories)
        wait_for(lambda: client.hlen(ARCHIVED_KEY) >= 10, workers, logs)
        workers[0].send_signal(signal.SIGSTOP)
        workers += start_workers(site, output, logs, range(1, 3), env, categories)
        others = {worker_name(worker) for worker in workers[1:]}
        wait_for(lambda: others & set(claimed_by(client)), workers[1:], logs)
        workers[0].send_signal(signal.SIGCONT)
        for number, worker in enumerate(workers):
            assert worker.wait(timeout=240) == 0, (logs / f"{number}.log").read_text()

        assert_every_post_written_once(output, client, logs, posts)
        assert sum(1 for log in logs.iterdir() if stat(log, WRITTEN)) >= 2, "the workers shared the posts"
        assert [stat(log, SWEEPS) for log in logs.iterdir()] == [0, 0, 0], "no worker was lost"
        assert not [log for log in logs.iterdir() if "Deprecat" in log.read_text()]
        # What one worker alone would ask for: each category page and each post page once.
        category_pages = Counter(p for p in site.paths(SITE_HOST) if p.startswith("/category/"))
        assert category_pages == Counter({f"/category/{c}.html": 1 for c in categories})
        assert Counter(r.path for r in site.post_page_requests()) == Counter(
            {p.url_path: 1 for p in posts})
        assert not (output / "state.sqlite3").exists()

        # The next run (cron): the finished run's dupefilter does not hide the category pages.
        site.clear_requests()
        again = crawl(site, output, "finews", "-a", "categories=" + ",".join(categories),
                      env={"NEWSCRAWL_REDIS_URL": redis_url, "NEWSCRAWL_REDIS_IDLE_TIMEOUT": "0"})
        assert again.returncode == 0, again.log
        assert sorted(p for p in site.paths(SITE_HOST) if p.startswith("/category/")) == sorted(
            f"/category/{c}.html" for c in categories)
        assert site.post_page_requests() == []


def test_a_killed_worker_loses_no_post(tmp_path, redis_url, site_posts):
    posts = site_posts
    categories = sorted({p.category for p in posts})
    output, logs = tmp_path / "output", tmp_path / "logs"
    # A worker that finds the run quiet for a moment at its start (the others
    # pushed the start requests first) waits a little before it ends.
    env = worker_env(redis_url, NEWSCRAWL_CLAIM_TIMEOUT="10", NEWSCRAWL_REDIS_IDLE_TIMEOUT="2")
    client = Redis.from_url(redis_url)
    with MockSite(posts, include_seed=False).serve() as site:
        workers = start_workers(site, output, logs, range(3), env, categories)
        # The victim, once a fifth of the posts is archived: the worker holding the most
        # claims (the last NEWSCRAWL_CLAIM_TIMEOUT seconds' posts: it has work in hand).
        wait_for(lambda: client.hlen(ARCHIVED_KEY) >= POSTS // 5 and claimed_by(client), workers, logs)
        claims = claimed_by(client)
        victim = max(range(3), key=lambda n: claims[worker_name(workers[n])])
        survivors = [n for n in range(3) if n != victim]
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait()
        # What was archived at the kill, and the files it was archived in.
        at_kill = archived(client)
        inodes = {code: Path(record["path"]).stat().st_ino for code, record in at_kill.items()}
        for number in survivors:
            assert workers[number].wait(timeout=240) == 0, (logs / f"{number}.log").read_text()

        assert_every_post_on_disk_once(output, client, posts, killed_writers=1)
        # Written once: no post archived by the kill was written again (a write puts a new
        # file in place, and records it anew), and the survivors wrote every other.
        after = archived(client)
        assert [code for code in at_kill if after[code] != at_kill[code]] == []
        assert [code for code, inode in inodes.items() if Path(after[code]["path"]).stat().st_ino != inode] == []
        assert sum(stat(logs / f"{n}.log", WRITTEN) for n in survivors) >= POSTS - len(at_kill)
        # One sweep queues again what the victim had in hand; a post it was writing when
        # killed (its claim held, not archived) waits for the claim to expire, then a second.
        sweeps = [stat(logs / f"{n}.log", SWEEPS) for n in survivors]
        assert sum(sweeps) in (1, 2), sweeps
        assert not [n for n in survivors if "Deprecat" in (logs / f"{n}.log").read_text()]
        # Refetched: only what the victim had in hand: the requests in its downloader, the posts its
        # writer had not yet marked archived (8 to 14 more fetches in seven runs, not the whole site again).
        assert POSTS <= len(site.post_page_requests()) <= POSTS + 32

    client = Redis.from_url(redis_url)
    assert client.keys("newscrawl:finews:*") == [], "the finished run leaves no queue, busy mark or dupefilter behind"


def crawl_after_lost_workers(tmp_path, redis_url: str, posts, sweeps: int,
                             claimed: str | None = None) -> tuple[CommandRun, Counter]:
    """One worker's crawl of a run that lost a busy worker, and had swept ``sweeps`` times
    (each time, a worker was lost); the post pages it fetched. ``claimed``: the infoCode
    the lost worker was writing, its claim set for CLAIM_SECONDS as the crawl starts."""
    client = Redis.from_url(redis_url)
    client.zadd("newscrawl:finews:busy", {"lost:1": time.time() - 1})  # its busy mark outlived it
    client.set("newscrawl:finews:sweeps", sweeps)
    with MockSite(posts, include_seed=False).serve() as site:
        if claimed:  # once the site is built: the claim must outlive the crawl's start
            client.set(CLAIM_KEY.format(claimed), "lost:1", ex=CLAIM_SECONDS)
        result = crawl(site, tmp_path / "output", "finews", "-a", "categories=" + ",".join({p.category for p in posts}),
                       env={"NEWSCRAWL_REDIS_URL": redis_url, "NEWSCRAWL_REDIS_IDLE_TIMEOUT": "0"})
        return result, Counter(r.path for r in site.post_page_requests())


def test_a_sweep_waits_for_a_lost_workers_claim_and_one_after_too_many_gives_up(tmp_path, redis_url):
    posts = generate_posts(30, seed=11)
    poisoned = posts[0].info_code
    client = Redis.from_url(redis_url)
    # The last sweep that may queue posts again; the lost worker was writing the poisoned post.
    result, post_pages = crawl_after_lost_workers(tmp_path, redis_url, posts, sweeps=MAX_SWEEPS - 1, claimed=poisoned)

    assert result.returncode == 1, result.log  # a post given up is a failure
    assert {p.meta["info_code"] for p in read_posts(tmp_path / "output")} == {p.info_code for p in posts[1:]}
    [reject] = [json.loads(line) for line in (tmp_path / "output" / "rejects.jsonl").read_text().splitlines()]
    assert (reject["info_code"], reject["reason"]) == (poisoned, "abandoned")
    # The last sweep that may queue posts again found the post claimed; the next, once the claim
    # expired, gave it up unasked for.
    assert stat_of(result.log, SWEEPS) == 2
    assert post_pages[posts[0].url_path] == 1 and set(post_pages.values()) == {1}
    assert client.keys("newscrawl:finews:*") == []


def test_a_run_that_keeps_losing_workers_stops_sweeping_and_ends(tmp_path, redis_url):
    posts = generate_posts(20, seed=12)
    client = Redis.from_url(redis_url)
    result, post_pages = crawl_after_lost_workers(tmp_path, redis_url, posts, sweeps=MAX_SWEEPS + 1)

    assert result.returncode == 1, result.log  # no more sweeps: an ERROR
    assert stat_of(result.log, "log_count/ERROR") == 1 and stat_of(result.log, SWEEPS) == 0
    assert len(read_posts(tmp_path / "output")) == len(posts) and set(post_pages.values()) == {1}
    assert client.keys("newscrawl:finews:*") == []


def test_workers_discovering_all_categories_share_the_listing_pages(tmp_path, redis_url):
    posts = generate_posts(300, seed=10)
    output, logs = tmp_path / "output", tmp_path / "logs"
    with MockSite(posts, include_seed=False).serve() as site:
        workers = start_workers(site, output, logs, range(2), worker_env(redis_url), ["all"])
        for number, worker in enumerate(workers):
            assert worker.wait(timeout=120) == 0, (logs / f"{number}.log").read_text()
        listing_pages = Counter(p for p in site.paths(SITE_HOST) if p in ("/", "/feed.xml") or p.startswith("/category/"))
    assert listing_pages == Counter(["/", "/feed.xml", *(f"/category/{c}.html" for c in {p.category for p in posts})])
    assert_every_post_written_once(output, Redis.from_url(redis_url), logs, posts)


def test_a_worker_that_loses_redis_stops(tmp_path, redis, site_posts):
    posts = site_posts
    categories = sorted({p.category for p in posts})
    with MockSite(posts, include_seed=False).serve() as site:
        [worker] = start_workers(site, tmp_path / "output", tmp_path / "logs", range(1), worker_env(redis.url), categories)
        while len(site.post_page_requests()) < 100:
            assert worker.poll() is None
            time.sleep(0.05)
        redis.process.kill()
        assert worker.wait(timeout=60) == 1
    log = (tmp_path / "logs" / "0.log").read_text()
    assert "ERROR: Lost Redis" in log and "'finish_reason': 'redis_unavailable'" in log


def test_unreachable_redis_is_a_one_line_config_error(tmp_path):
    with MockSite([]).serve() as site:
        result = crawl(site, tmp_path / "output", env={"NEWSCRAWL_REDIS_URL": f"redis://127.0.0.1:{refusing_port()}/0"})
    assert result.returncode == 2, result.log
    assert re.search(r"^newscrawl: cannot use Redis at redis://127\.0\.0\.1:\d+/0 \(NEWSCRAWL_REDIS_URL\)", result.log, re.M)
    assert "Traceback" not in result.log


def test_redis_claims_are_atomic_and_owned(redis_url, tmp_path):
    server = Redis.from_url(redis_url)
    first, second = RedisArchiveStore(server, 60, "a:1"), RedisArchiveStore(server, 60, "b:2")
    assert first.claim("NW1")
    assert not second.claim("NW1"), "held by the first worker"
    second.release("NW1")
    assert not second.claim("NW1"), "a worker cannot release another's claim"
    first.release("NW1")
    assert second.claim("NW1")
    post_file = tmp_path / "x.md"
    post_file.write_text("---\n", encoding="utf-8")
    second.mark_archived("NW1", str(post_file), "https://site/x.html")
    assert second.is_archived("NW1") and second.archived_path("NW1") == str(post_file)
    assert not first.claim("NW1") and not second.claim("NW1")
    assert not first.claim("NW1", rewrite=True), "a refresh rewrites a post once, not once per duplicate"
    assert first.claim("NW2", rewrite=True), "rewrite claims a post that is not archived too"


def test_a_run_owes_a_sweep_for_a_lost_busy_worker_and_one_worker_takes_it(redis_url):
    server = Redis.from_url(redis_url)
    lost, first, second = (SharedRun(server, "newscrawl:t", worker) for worker in ("lost:1", "a:2", "b:3"))
    lost.working()
    assert first.step("look") == "busy", "a live worker has work in hand"
    server.zadd("newscrawl:t:busy", {"lost:1": time.time() - 1})  # its beats stopped: killed
    server.sadd("newscrawl:t:dupefilter", "fingerprint")
    assert first.step("look") == "sweep"
    assert first.step("sweep") == 1 and first.busy
    assert second.step("sweep") == "busy", "the sweep is taken once, and its worker is busy"
    assert not server.exists("newscrawl:t:dupefilter"), "a sweep is a pass with a fresh dupefilter"
    first.resting()
    first.owe_sweep(time.time() + 60)  # a lost worker's claim, until it expires
    assert second.step("look") == "wait" and second.step("end") == "wait"
    server.zadd("newscrawl:t:sweep", {"due": time.time() - 1})
    assert second.step("sweep") == 2
    second.resting()
    second.mark_rejected("NW1")
    assert first.step("look") == "done" and server.exists("newscrawl:t:rejected")
    assert first.step("end") == "done"
    assert server.keys("newscrawl:t:*") == [], "the finished run leaves nothing behind"
