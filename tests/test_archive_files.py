"""The archive as a user expects it: the umask's permissions, one archive per project,
state and disk in agreement (a deleted post comes back; ``scrapy verify`` repairs)."""

import os
import shutil
import stat
import subprocess
import sys

import pytest

from newscrawl.archive.store import SqliteArchiveStore
from newscrawl.mocksite import MockSite
from tests.conftest import REPO, crawl, make_post

POSTS = [make_post(f"NW20220223000000400{i}") for i in range(3)]


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_posts_and_directories_get_the_umasks_permissions(output, umask, file_mode, dir_mode):
    previous = os.umask(umask)  # the crawl inherits it
    try:
        with MockSite(POSTS, include_seed=False).serve() as site:
            result = crawl(site, output)
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.log[-2000:]
    posts = list((output / "_posts").glob("*.md"))
    assert len(posts) == 3
    assert {_mode(path) for path in [*posts, output / "runs.jsonl", output / "rejects.jsonl"]} == {file_mode}
    assert {_mode(path) for path in (output, output / "_posts")} == {dir_mode}


def test_a_deleted_post_is_fetched_again(output):
    with MockSite(POSTS, include_seed=False).serve() as site:
        crawl(site, output)
        deleted = output / "_posts" / f"2022-02-23-{POSTS[1].info_code}.md"
        before = deleted.read_bytes()
        deleted.unlink()
        site.clear_requests()
        again = crawl(site, output)
        requested = [r.path for r in site.post_page_requests()]
    assert again.returncode == 0
    assert requested == [POSTS[1].url_path]
    assert deleted.read_bytes() == before
    assert again.report()["posts"]["written"] == 1


def _verify(output, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSCRAWL_OUTPUT_DIR": str(output)}
    env.pop("NEWSCRAWL_STATE", None)
    return subprocess.run([sys.executable, "-m", "scrapy", "verify", *options], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)


def test_verify_reports_and_verify_repair_repairs_the_state(output):
    with MockSite(POSTS, include_seed=False).serve() as site:
        crawl(site, output)
        posts = output / "_posts"
        missing, corrupt, copied = (posts / f"2022-02-23-{post.info_code}.md" for post in POSTS)
        missing.unlink()
        corrupt.write_text("not a post\n", encoding="utf-8")
        unknown = posts / "2022-02-24-NW202202240000009999.md"
        unknown.write_text(copied.read_text(encoding="utf-8").replace(POSTS[2].info_code, "NW202202240000009999"),
                           encoding="utf-8")
        (posts / "notes.md").write_text("my notes\n", encoding="utf-8")

        state_before = (output / "state.sqlite3").read_bytes()
        checked = _verify(output)
        assert checked.returncode == 1, checked.stderr
        lines = checked.stdout.splitlines()
        assert sum(f"{POSTS[0].info_code}: " in line and "--repair forgets it" in line for line in lines) == 1
        assert any("NW202202240000009999" in line and "--repair records it as archived" in line for line in lines)
        assert lines[-1] == "5 finding(s), nothing changed: `scrapy verify --repair` does what each line says"
        assert (output / "state.sqlite3").read_bytes() == state_before

        found = _verify(output, "--repair")
        assert found.returncode == 1, found.stderr
        lines = found.stdout.splitlines()
        assert lines[-1] == "5 finding(s), state repaired"
        assert sum(f"{POSTS[0].info_code}: " in line and "forgotten" in line for line in lines) == 1
        assert sum(f"{POSTS[1].info_code}: " in line and "forgotten" in line for line in lines) == 1
        assert any("NW202202240000009999" in line and "recorded as archived" in line for line in lines)
        assert any("notes.md" in line and "left alone" in line for line in lines)
        store = SqliteArchiveStore(output / "state.sqlite3")
        assert store.archived_path("NW202202240000009999") == str(unknown)
        assert store.archived_path(POSTS[0].info_code) is None and store.archived_path(POSTS[1].info_code) is None
        store.close()
        (posts / "notes.md").unlink()

        site.clear_requests()
        repaired = crawl(site, output)
        requested = sorted(r.path for r in site.post_page_requests())
    assert repaired.returncode == 0
    assert requested == sorted([POSTS[0].url_path, POSTS[1].url_path])
    assert set(repaired.posts()) == {p.info_code for p in POSTS} | {"NW202202240000009999"}
    agreed = _verify(output)
    assert agreed.returncode == 0 and agreed.stdout == "Files and state agree\n"


def test_a_relative_output_dir_is_the_projects_from_any_directory(tmp_path):
    project = tmp_path / "project"
    (project / "spiders").mkdir(parents=True)
    shutil.copy(REPO / "scrapy.cfg", project / "scrapy.cfg")
    with MockSite(POSTS, include_seed=False).serve() as site:
        env = {**os.environ, **site.env(), "NEWSCRAWL_OUTPUT_DIR": "archive"}
        env.pop("NEWSCRAWL_STATE", None)
        for cwd in (project, project / "spiders"):
            proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "qingdaocaijing", "-s", "AUTOTHROTTLE_ENABLED=0"],
                                  cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stderr[-2000:]
            ours = [line for line in proc.stderr.splitlines() if "[newscrawl" in line]
            assert ours[0].endswith(f"INFO: Archive: {project / 'archive'} (state: {project / 'archive' / 'state.sqlite3'})")
    assert len(list((project / "archive" / "_posts").glob("*.md"))) == 3
    assert not (project / "spiders" / "archive").exists()
