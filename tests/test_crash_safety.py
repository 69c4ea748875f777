"""SIGKILL at random points of a backfill, then a rerun: the output equals an
uninterrupted run's, byte for byte, with no temporary file left and the
state store intact."""

import random
import signal
import sqlite3

import pytest

from newscrawl.mocksite import SITE_HOST, Fault, MockSite, generate_posts
from tests.conftest import crawl
from tests.test_scheduled_runs import _start_crawl, _wait_for_files, categories_of

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)


def _snapshot(output) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((output / "_posts").iterdir())}


def test_sigkill_at_random_points_then_rerun_equals_an_uninterrupted_run(tmp_path):
    posts = generate_posts(120, seed=31)
    killed = tmp_path / "killed"
    with MockSite(posts, include_seed=False).serve() as site:
        reference = crawl(site, tmp_path / "reference", "finews", "-a", categories_of(posts))
        assert reference.returncode == 0, reference.log
        expected = _snapshot(tmp_path / "reference")
        assert len(expected) == len(posts)

        # Slowed down to about six seconds per full run.
        site.add_fault(SITE_HOST, r"/.+/\d{4}/\d\d/\d\d/.+\.html", Fault(delay=0.1))
        kill_points = sorted(random.Random(31).sample(range(5, len(posts) - 10), 3))  # files written
        for point in kill_points:
            proc = _start_crawl(site, killed, "-a", categories_of(posts), "-s", "CONCURRENT_REQUESTS=2")
            _wait_for_files(killed, point, proc)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            assert proc.returncode == -signal.SIGKILL
        assert len(list((killed / "_posts").glob("*.md"))) < len(posts)
        site.clear_faults()
        rerun = crawl(site, killed, "finews", "-a", categories_of(posts))
    assert rerun.returncode == 0, rerun.log
    assert _snapshot(killed) == expected
    assert not [p.name for p in (killed / "_posts").iterdir() if p.name.startswith(".")]
    db = sqlite3.connect(killed / "state.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT COUNT(*) FROM archived").fetchone()[0] == len(posts)
