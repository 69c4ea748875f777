"""A hostile disk: links out of the archive, a corrupt state, a full disk. Each test
runs the real command as a user would, and checks the files, the exit status,
the stderr line, runs.jsonl and the mock site's request log."""

import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from newscrawl.mocksite import SHARE_HOSTS, Fault, MockSite
from tests.conftest import FAST, crawl, make_post, read_posts, scrapy

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

POSTS = [make_post(f"NW20220223000000500{i}") for i in range(3)]


def _victims(tmp_path) -> Path:
    """Files and a directory outside the archive, which nothing the run does may touch."""
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "dir" / "notes.md").write_text("my notes\n", encoding="utf-8")
    (outside / "dir" / ".unrelated.tmp").write_text("someone else's temporary file\n", encoding="utf-8")
    (outside / "file").write_text('{"precious": true}\n', encoding="utf-8")  # JSON: CrawlResult reads runs.jsonl
    return outside


def _snapshot(directory: Path) -> dict[str, tuple]:
    """Every entry under ``directory``: its type, mode, size, times and bytes."""
    entries = {}
    for path in sorted(directory.rglob("*")):
        st = path.lstat()
        content = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        entries[str(path.relative_to(directory))] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, content)
    return entries


def _stderr_lines(result) -> list[str]:
    return [line for line in result.log.splitlines() if line.startswith("newscrawl:")]


# (the link in the archive, where it points: a path under "outside", which may not exist)
LINKS = {
    "posts-dir": ("_posts", "dir"),
    "runs-jsonl": ("runs.jsonl", "file"),
    "state-dangling": ("state.sqlite3", "missing.sqlite3"),
    "state-file": ("state.sqlite3", "file"),
    "state-wal": ("state.sqlite3-wal", "file"),
    "lock": ("state.lock", "file"),
}


@pytest.mark.parametrize("name, target", LINKS.values(), ids=LINKS.keys())
def test_a_link_out_of_the_archive_is_refused_before_any_request(tmp_path, output, name, target):
    outside = _victims(tmp_path)
    output.mkdir()
    (output / name).symlink_to(outside / target)
    before = _snapshot(outside)
    with MockSite(POSTS, include_seed=False).serve() as site:
        result = crawl(site, output)
        assert site.paths() == []
    assert result.returncode == 2, result.log[-2000:]
    assert _stderr_lines(result) == [
        f"newscrawl: {output / name} is a symbolic link (to {outside / target}): the archive writes only inside "
        f"its own directories; make it a {'directory' if name == '_posts' else 'file'} of its own"]
    assert "Traceback" not in result.log
    assert _snapshot(outside) == before
    assert (output / name).is_symlink() and sorted(p.name for p in output.iterdir()) == [name]


def test_a_linked_rejects_file_is_replaced_without_touching_its_target(tmp_path, output):
    outside = _victims(tmp_path)
    output.mkdir()
    (output / "rejects.jsonl").symlink_to(outside / "file")
    before = _snapshot(outside)
    with MockSite(POSTS, include_seed=False).serve() as site:
        result = crawl(site, output)
    assert result.returncode == 0, result.log[-2000:]
    assert _snapshot(outside) == before
    assert not (output / "rejects.jsonl").is_symlink() and (output / "rejects.jsonl").read_text() == ""
    assert len(read_posts(output)) == len(POSTS)


def test_links_inside_the_posts_directory_are_replaced_or_removed_never_followed(tmp_path, output):
    """A post file or a temporary file that is a link: a rewrite replaces the link, the
    start-up cleanup removes it; what they point to stays as it was."""
    outside = _victims(tmp_path)
    with MockSite(POSTS, include_seed=False).serve() as site:
        assert crawl(site, output).returncode == 0
        post = output / "_posts" / f"2022-02-23-{POSTS[0].info_code}.md"
        expected = post.read_bytes()
        post.unlink()
        post.symlink_to(outside / "file")
        leftover = output / "_posts" / f".{post.name}.0123456789ab.tmp"
        leftover.symlink_to(outside / "dir" / ".unrelated.tmp")
        before = _snapshot(outside)
        rewritten = crawl(site, output, "qingdaocaijing", "-a", "refresh=1")
    assert rewritten.returncode == 0, rewritten.log[-2000:]
    assert _snapshot(outside) == before
    assert not post.is_symlink() and post.read_bytes() == expected
    assert not leftover.is_symlink() and not leftover.exists()


def test_a_configured_directory_may_itself_be_a_link(tmp_path):
    """/srv/archive -> /data/archive: the archive is written in /data/archive."""
    real = tmp_path / "data" / "archive"
    real.mkdir(parents=True)
    link = tmp_path / "archive"
    link.symlink_to(real)
    with MockSite(POSTS, include_seed=False).serve() as site:
        result = crawl(site, link)
    assert result.returncode == 0, result.log[-2000:]
    assert len(read_posts(real)) == len(POSTS)
    assert (real / "state.sqlite3").is_file() and (real / "runs.jsonl").is_file()


def _garble_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    quarter = len(data) // 4
    data[quarter:3 * quarter] = bytes((i * 151 + 7) % 256 for i in range(3 * quarter - quarter))
    path.write_bytes(bytes(data))


CORRUPTIONS = {
    "empty": lambda path: path.write_bytes(b""),
    "missing": lambda path: path.unlink(),
    "garbled-middle": _garble_middle,
    "not-a-database": lambda path: path.write_text("these are not the droids\n" * 200, encoding="utf-8"),
}
UNREADABLE = {"garbled-middle", "not-a-database"}


def _posts_on_disk(output: Path) -> dict[str, tuple]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in (output / "_posts").iterdir()}


@pytest.mark.parametrize("damage", CORRUPTIONS)
def test_a_corrupt_state_beside_posts_is_refused_then_rebuilt_by_verify(output, damage):
    state = output / "state.sqlite3"
    unreadable = damage in UNREADABLE
    with MockSite(POSTS, include_seed=False).serve() as site:
        assert crawl(site, output).returncode == 0
        assert not (output / "state.sqlite3-wal").exists()  # closed, all in the one file
        CORRUPTIONS[damage](state)
        damaged = state.read_bytes() if state.exists() else None
        posts = _posts_on_disk(output)
        site.clear_requests()

        refused = crawl(site, output)
        assert site.paths() == []
        assert refused.returncode == 2, refused.log[-2000:]
        [line] = _stderr_lines(refused)
        assert line.startswith(f"newscrawl: the archive state {state} ") and "run `scrapy verify --repair`" in line
        assert "Traceback" not in refused.log

        if unreadable:  # plain verify only says so
            checked = scrapy(output, "verify")
            assert checked.returncode == 2 and checked.stdout == "", checked.stderr[-2000:]
            [said] = [line for line in checked.stderr.splitlines() if line.startswith("newscrawl:")]
            assert said.startswith(f"newscrawl: the archive state {state} ")
            assert said.endswith(": run `scrapy verify --repair` to move it aside and rebuild it from the post files "
                                 "(nothing is fetched)")
            assert state.read_bytes() == damaged
        if damage == "not-a-database":  # the report opens the state too (one garbled in its middle still opens)
            report = scrapy(output, "report", "-o", str(output.parent / "report.html"))
            assert report.returncode == 2 and "Traceback" not in report.stderr, report.stderr[-2000:]
            [said] = [line for line in report.stderr.splitlines() if line.startswith("newscrawl:")]
            assert said.startswith(f"newscrawl: cannot read the archive state {state} (")
            assert said.endswith("): run `scrapy verify --repair` to rebuild it from the post files")
            assert state.read_bytes() == damaged and not (output.parent / "report.html").exists()

        repaired = scrapy(output, "verify", "--repair")
        assert repaired.returncode == 1, repaired.stderr[-2000:]
        assert "Traceback" not in repaired.stderr
        recorded = [line for line in repaired.stdout.splitlines() if "recorded as archived" in line]
        assert len(recorded) == len(POSTS)
        aside = sorted(output.glob("state.sqlite3.corrupt-*"))
        if unreadable:
            assert [p.read_bytes() for p in aside] == [damaged]
            assert f"moved aside to {aside[0].name}" in repaired.stdout
            assert [line for line in repaired.stdout.splitlines() if line.startswith(f"{aside[0].name}: ")] == [
                f"{aside[0].name}: its rejects are lost (database disk image is malformed); its listing counts are "
                "lost (database disk image is malformed)" if damage == "garbled-middle" else
                f"{aside[0].name}: its rejects are lost (file is not a database); its listing counts are lost "
                "(file is not a database)"]
        else:
            assert aside == []
        assert _posts_on_disk(output) == posts
        assert site.paths() == []  # verify fetches nothing

        rerun = crawl(site, output)
        assert rerun.returncode == 0, rerun.log[-2000:]
        assert site.post_page_requests() == []
        assert rerun.report()["posts"]["skipped"] == len(POSTS)
    assert _posts_on_disk(output) == posts
    db = sqlite3.connect(state)
    assert db.execute("SELECT COUNT(*) FROM archived").fetchone() == (len(POSTS),)
    db.close()


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs of the test's own, unmounted at the end."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (root in a container that allows it): {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _fill(disk: Path, leave: int) -> Path:
    """A file that takes all of ``disk``'s free space but ``leave`` bytes."""
    ballast = disk / "ballast"
    st = os.statvfs(disk)
    with ballast.open("wb") as f:
        f.write(bytes(st.f_bavail * st.f_frsize - leave))
    return ballast


def _crawl_logged(site, output: Path, log: Path) -> subprocess.CompletedProcess:
    """The crawl as cron runs it: the log to a file, stderr only for what must be said."""
    return scrapy(output, "crawl", "qingdaocaijing", *FAST, "--logfile", str(log), env=site.env())


def _runs(output: Path) -> list[dict]:
    return [json.loads(line) for line in (output / "runs.jsonl").read_text(encoding="utf-8").splitlines()]


def test_a_full_disk_is_a_bad_run_then_the_next_run_completes_the_archive(tmp_path, small_disk):
    later = [make_post(f"NW2022022300000060{i:02d}", published=POSTS[0].published.replace(hour=10, minute=i))
             for i in range(40)]
    with MockSite(POSTS + later, include_seed=False).serve() as site:
        assert crawl(site, tmp_path / "reference").returncode == 0
    expected = {p.name: p.read_bytes() for p in (tmp_path / "reference" / "_posts").iterdir()}
    assert len(expected) == len(POSTS) + len(later)

    output = small_disk / "output"
    with MockSite(POSTS, include_seed=False).serve() as site:
        first = _crawl_logged(site, output, tmp_path / "first.log")
        assert first.returncode == 0, first.stderr
        site.add_posts(later)
        ballast = _fill(small_disk, leave=64 * 1024)  # room for SQLite's -shm and -wal, and a few posts
        site.clear_requests()

        full = _crawl_logged(site, output, tmp_path / "full.log")
        assert full.returncode == 1, full.stderr
        lines = full.stderr.splitlines()
        assert all(line.startswith("newscrawl: bad run: ") for line in lines), lines
        assert any(re.fullmatch(rf"newscrawl: bad run: Files: could not write {re.escape(str(output))}/\S+: "
                                r"\[Errno 28\] No space left on device( \(and \d+ more failed writes\))?", line)
                   for line in lines), lines
        assert "Traceback" not in (tmp_path / "full.log").read_text(encoding="utf-8")
        written = {p.name: p.read_bytes() for p in (output / "_posts").iterdir()}
        assert written.keys() < expected.keys()  # the disk filled up: posts are missing
        assert written == {name: expected[name] for name in written}  # none half-written, no temporary file left
        runs = _runs(output)  # its line fits in the page the first run's line began
        assert len(runs) == 2 and runs[-1]["verdict"] == "bad" and runs[-1]["exit_status"] == 1
        assert any(problem.startswith("Files: could not write ") and "[Errno 28]" in problem
                   for problem in runs[-1]["problems"])
        missing = {name for name in expected if name not in written}

        ballast.unlink()  # space returns
        site.clear_requests()
        after = _crawl_logged(site, output, tmp_path / "after.log")
        assert after.returncode == 0, after.stderr
        fetched = {r.path.rsplit("/", 1)[1][:-len(".html")] for r in site.post_page_requests()}
    assert {p.name: p.read_bytes() for p in (output / "_posts").iterdir()} == expected
    assert {f"2022-02-23-{code}.md" for code in fetched} >= missing
    assert not fetched & {post.info_code for post in POSTS}  # archived before the disk filled: not fetched again
    assert _runs(output)[-1]["verdict"] == "ok"


def test_a_configured_directory_that_is_a_dangling_link_is_refused(tmp_path):
    link = tmp_path / "archive"
    link.symlink_to(tmp_path / "unmounted" / "archive")
    with MockSite(POSTS, include_seed=False).serve() as site:
        result = crawl(site, link)
        assert site.paths() == []
    assert result.returncode == 2, result.log[-2000:]
    assert _stderr_lines(result) == [f"newscrawl: NEWSCRAWL_OUTPUT_DIR: {link} is a symbolic link to "
                                     f"{tmp_path / 'unmounted' / 'archive'}, which does not exist"]
    assert not (tmp_path / "unmounted").exists()


def test_verify_repair_keeps_the_rejects_and_listing_counts_a_corrupt_state_still_holds(output):
    nowhere = make_post("NW202202230000005009", site_body=False)  # and no share data: rejected, no_body
    empty = b'{"infoCode": "", "title": "", "showtime": "", "medianame": "", "text": ""}'
    state = output / "state.sqlite3"
    with MockSite(POSTS + [nowhere], include_seed=False).serve() as site:
        for host in SHARE_HOSTS:
            site.add_fault(host, "/NewsData/GetNewsText.do", Fault(body=lambda _: empty, content_type="application/json"))
        first = crawl(site, output, "qingdaocaijing", "-s", "NEWSCRAWL_SHARE=api")
        assert first.returncode == 0, first.log[-2000:]
        [reject] = first.rejects()
        db = sqlite3.connect(state)
        [(root,)] = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'archived'").fetchall()
        [(page_size,)] = db.execute("PRAGMA page_size").fetchall()
        listings = db.execute("SELECT url, posts FROM listings").fetchall()
        db.close()
        with state.open("r+b") as f:  # the archived table's page only
            f.seek((root - 1) * page_size)
            f.write(bytes((i * 151 + 7) % 256 for i in range(page_size)))
        site.clear_requests()

        assert crawl(site, output, "qingdaocaijing", "-s", "NEWSCRAWL_SHARE=api").returncode == 2
        assert site.paths() == []
        repaired = scrapy(output, "verify", "--repair")
        assert repaired.returncode == 1, repaired.stderr[-2000:]
        [aside] = output.glob("state.sqlite3.corrupt-*")
        assert f"{aside.name}: 1 rejects recovered; {len(listings)} listing counts recovered" in repaired.stdout.splitlines()

        rerun = crawl(site, output, "qingdaocaijing", "-s", "NEWSCRAWL_SHARE=api")
        assert rerun.returncode == 0, rerun.log[-2000:]
        assert [r.path for r in site.post_page_requests()] == [nowhere.url_path]  # the reject, tried again
    [again] = rerun.rejects()
    assert (again["first_seen"], again["attempts"]) == (reject["first_seen"], 2)
    db = sqlite3.connect(state)
    assert db.execute("SELECT url, posts FROM listings").fetchall() == listings
    db.close()
