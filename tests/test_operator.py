"""The operator's view (issue 20): commands that are not crawls leave the archive alone, reading
commands check the archive, a bad run says why in a few plain lines, the report and the demo."""

import json
import os
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from newscrawl.mocksite import SITE_HOST, SITE_URL, SPACED, MockSite
from tests.conftest import FAST, REPO, crawl, make_post, post_item, scrapy, write_archive
from tests.local_servers import refusing_port
from tests.test_report import in_chromium

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

POSTS = [make_post(f"NW20220223000000300{i}") for i in range(3)]
CATEGORY_URL = f"{SITE_URL}/category/qingdaocaijingribao.html"


def _archive_files(output) -> dict[str, bytes]:
    return {str(path.relative_to(output)): path.read_bytes() for path in sorted(output.rglob("*")) if path.is_file()}


def _lines(stream: str) -> list[str]:
    return [line for line in stream.splitlines() if line.startswith("newscrawl:")]


# --- 1. parse, shell, fetch and check are no runs of the archive -----------------------------


def test_shell_parse_fetch_and_check_look_at_pages_and_leave_the_archive_alone(output):
    with MockSite(POSTS, include_seed=False).serve() as site:
        assert crawl(site, output).returncode == 0
        before = _archive_files(output)
        env = site.env()
        shell = scrapy(output, "shell", CATEGORY_URL, "-c", "(response.status, len(response.css('section li')))",
                       env=env, timeout=60)
        assert shell.returncode == 0, shell.stderr[-3000:]
        assert shell.stdout.strip() == f"(200, {len(POSTS)})"
        assert "Traceback" not in shell.stderr
        listed = scrapy(output, "parse", CATEGORY_URL, "--spider", "qingdaocaijing", "-c", "parse_category",
                        "--cbkwargs", '{"category": "qingdaocaijingribao"}', "--nolog", env=env, timeout=60)
        assert listed.returncode == 0, listed.stderr[-3000:]
        assert all(post.url_path in listed.stdout for post in POSTS)  # every post requested: a look reads no state
        missing = scrapy(output, "parse", f"{SITE_URL}/category/nosuch.html", "--spider", "qingdaocaijing",
                         "-c", "parse_category", env=env, timeout=60)
        assert missing.returncode == 1
        raising = scrapy(output, "parse", CATEGORY_URL, "--spider", "qingdaocaijing", "-c", "parse_category",
                         env=env, timeout=60)  # parse_category needs its category
        assert raising.returncode == 1
        fetched = scrapy(output, "fetch", "--nolog", f"{SITE_URL}/robots.txt", env=env, timeout=60)
        assert fetched.returncode == 0 and "User-agent" in fetched.stdout
        checked = scrapy(output, "check", env=env, timeout=60)
        assert checked.returncode == 0, checked.stderr[-3000:]
    assert _archive_files(output) == before  # no runs.jsonl line, no rejects, the state untouched


# --- 2. export, report and verify check the archive -------------------------------------------


@pytest.mark.parametrize("kind", ["missing", "file", "empty"])
@pytest.mark.parametrize("command", [["export", "-O", "{tmp}/e.jsonl"], ["report", "-o", "{tmp}/r.html"], ["verify"]],
                         ids=["export", "report", "verify"])
def test_reading_commands_refuse_what_is_not_an_archive(tmp_path, kind, command):
    work = tmp_path / "work"
    work.mkdir()
    archive = tmp_path / "archive"
    if kind == "file":
        archive.write_text("not an archive\n")
    elif kind == "empty":
        archive.mkdir()
    result = scrapy(tmp_path / "unused", *[arg.format(tmp=work) for arg in command], "--archive", str(archive))
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == "" and "Traceback" not in result.stderr
    [line] = _lines(result.stderr)
    assert line.startswith(f"newscrawl: no archive at {archive}: ")
    assert list(work.iterdir()) == [] and not (tmp_path / "unused").exists()
    assert (kind != "missing") or not archive.exists()
    assert (kind != "empty") or list(archive.iterdir()) == []


def test_an_unknown_category_names_the_closest_one_and_writes_nothing(output, tmp_path):
    write_archive(output, [post_item(), post_item("NW202202230000000001", category="Wind", source="Wind", tags="Wind新闻",
                                                  url=f"{SITE_URL}/wind/2022/02/23/NW202202230000000001.html")])
    feed = tmp_path / "e.jsonl"
    for option, said in [("wind", "no post in category 'wind': did you mean Wind?"),
                         ("qingdao", "no post in category 'qingdao': did you mean qingdaocaijingribao?")]:
        result = scrapy(output, "export", "-O", str(feed), "--categories", option)
        assert result.returncode == 2 and _lines(result.stderr) == [f"newscrawl: {said}"], result.stderr[-2000:]
        assert not feed.exists()
    # -s NEWSCRAWL_OUTPUT_DIR= still names the archive
    exported = scrapy(tmp_path / "unused", "export", "-O", str(feed), "--categories", "Wind",
                      "-s", f"NEWSCRAWL_OUTPUT_DIR={output}")
    assert exported.returncode == 0, exported.stderr[-2000:]
    assert [json.loads(line)["category"] for line in feed.read_text().splitlines()] == ["Wind"]


# --- 4. a bad run says why ----------------------------------------------------------------------


def _site_down_env(base: str) -> dict:
    return {"NEWSCRAWL_HOST_MAP": json.dumps({SITE_HOST: base})}


def test_with_a_log_file_a_bad_run_prints_its_causes_in_a_few_plain_lines(output, tmp_path):
    log = tmp_path / "run.log"
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "qingdaocaijing", *FAST, "--logfile", str(log)],
                            cwd=REPO, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "NEWSCRAWL_OUTPUT_DIR": str(output),
                                 **_site_down_env(f"http://127.0.0.1:{refusing_port()}")})
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert 1 <= len(lines) <= 5 and all(line.startswith("newscrawl: bad run: ") for line in lines), lines
    cause = f"site unreachable: connection refused at {CATEGORY_URL} (2 tries)"  # FAST: RETRY_TIMES=1
    assert lines[0] == f"newscrawl: bad run: {cause}"
    run = json.loads((output / "runs.jsonl").read_text().splitlines()[-1])
    assert run["causes"] == [cause]
    assert not any("Expecting" in problem or "Monitor" in problem for problem in run["problems"])
    text = log.read_text()
    assert f"ERROR: Pages failed: {cause}" in text and "INFO: [Spidermon]" not in text


def test_a_good_run_logs_no_spidermon_block(output):
    with MockSite(POSTS, include_seed=False).serve() as site:
        result = crawl(site, output)
    assert result.returncode == 0
    assert "[Spidermon]" not in result.log and "SKIPPED" not in result.log
    assert result.report()["causes"] == []


@contextmanager
def _stalling_server():
    """Accepts connections, never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, done = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not done.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        done.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


def test_a_stalled_site_shows_progress_while_it_waits_then_says_it_never_answered(output):
    with _stalling_server() as port:
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "qingdaocaijing", *FAST, "-s", "DOWNLOAD_TIMEOUT=2",
             "-s", "NEWSCRAWL_PROGRESS_INTERVAL=0.5", "-s", "ROBOTSTXT_OBEY=0"],
            cwd=REPO, capture_output=True, text=True, timeout=120,
            env={**os.environ, "NEWSCRAWL_OUTPUT_DIR": str(output), **_site_down_env(f"http://127.0.0.1:{port}")})
    assert result.returncode == 1
    waiting = [line for line in result.stderr.splitlines() if "Progress: no post found yet after" in line]
    assert waiting and all("waiting for 1 page(s)" in line for line in waiting), result.stderr[-3000:]
    assert result.stderr.index(waiting[-1]) < result.stderr.index("Run summary:")
    run = json.loads((output / "runs.jsonl").read_text().splitlines()[-1])
    assert run["causes"] == [f"site unreachable: no answer in 2 s (DOWNLOAD_TIMEOUT) at {CATEGORY_URL} (2 tries)"]


# --- 6. the report ------------------------------------------------------------------------------


def test_the_report_of_an_empty_archive_says_so(output, tmp_path):
    (output / "_posts").mkdir(parents=True)
    result = scrapy(output, "report", "-o", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[:3] == ["the archive has no posts yet", "0 current reject(s)", "no run recorded yet"]
    assert "the archive has no posts yet" in (tmp_path / "r.html").read_text()


def test_the_report_shows_last_runs_causes_names_and_shanghai_times(output, tmp_path):
    start = datetime(2022, 2, 23, 10, 0)
    posts = [make_post(f"NW2022022300000040{n:02d}", published=start - timedelta(days=n)) for n in range(9) if n != 4]
    with MockSite(posts, include_seed=False).serve() as site:
        good = crawl(site, output)
    assert good.returncode == 0
    bad = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "qingdaocaijing", *FAST], cwd=REPO,
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "NEWSCRAWL_OUTPUT_DIR": str(output),
                              **_site_down_env(f"http://127.0.0.1:{refusing_port()}")})
    assert bad.returncode == 1
    runs = [json.loads(line) for line in (output / "runs.jsonl").read_text().splitlines()]
    page = tmp_path / "r.html"

    result = scrapy(output, "report", "-o", str(page))

    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[1] == "1 possibly missed day(s) in 1 categories: qingdaocaijingribao 青岛财经日报 (1)"
    shanghai = (datetime.fromisoformat(runs[-1]["start"]) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert lines[3].startswith(f"last run {shanghai} (") and " ago), took " in lines[3]
    assert runs[-1]["causes"] == [f"site unreachable: connection refused at {CATEGORY_URL} (2 tries)"]
    assert lines[3].endswith(": qingdaocaijing, bad: " + "; ".join(runs[-1]["causes"] + runs[-1]["problems"])), lines[3]
    good_start = (datetime.fromisoformat(runs[0]["start"]) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert lines[4].startswith(f"last good run {good_start} (") and lines[4].endswith(" ago)")

    def check(chromium_page):
        chromium_page.set_viewport_size({"width": 480, "height": 900})
        chromium_page.goto(page.as_uri())
        # A header cut inside a word has a word drawn on two lines.
        broken = chromium_page.evaluate("""() => [...document.querySelectorAll('th')].filter(th => {
            const text = th.firstChild; let at = 0;
            return th.textContent.split(' ').some(word => {
                const range = document.createRange(); range.setStart(text, at); range.setEnd(text, at + word.length);
                at += word.length + 1; return range.getClientRects().length > 1; });
        }).map(th => th.textContent)""")
        assert broken == []
        assert "connection refused at" in chromium_page.locator("#runs tbody tr").first.inner_text()
        assert "qingdaocaijingribao 青岛财经日报" in chromium_page.locator("#posts-chart").text_content()

    in_chromium(check)


# --- 7. the demo --------------------------------------------------------------------------------


def test_the_demo_reuses_its_archive_explains_what_it_did_not_find_and_its_report_shows_a_missed_day(tmp_path):
    env = {"TMPDIR": str(tmp_path)}  # the demo's default archive: <temporary directory>/newscrawl-demo
    first = scrapy(tmp_path / "unused", "demo", env=env, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    archive = tmp_path / "newscrawl-demo"
    written = len(list((archive / "_posts").glob("*.md")))
    assert f"{written} posts written in this run to {archive / '_posts'}:" in first.stdout
    [unlisted] = [line for line in first.stdout.splitlines() if line.endswith("are not in the archive: the site's page "
                  "for a category whose name has a space lists no post (Jekyll splits such a name into one category "
                  "per word), so only the newest, on the home page and in the feed, are found.")]
    assert unlisted.split(" post(s) of ")[1].startswith(repr(SPACED[0]))
    assert f"scrapy report --archive {archive} -o report.html" in first.stdout

    again = scrapy(tmp_path / "unused", "demo", env=env, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"0 posts written in this run to {archive / '_posts'} (it had {written} already)" in again.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == ["newscrawl-demo"]  # nothing else left behind

    report = scrapy(tmp_path / "unused", "report", "--archive", str(archive), "-o", str(tmp_path / "r.html"))
    assert report.returncode == 0, report.stderr[-2000:]
    assert "2022-02-09 to 2022-02-23" in report.stdout
    missed = [line for line in report.stdout.splitlines() if "possibly missed day(s)" in line]
    assert missed and missed[0].startswith("6 possibly missed day(s) in 6 categories: ")
    assert "2022-02-18" in (tmp_path / "r.html").read_text()
    (tmp_path / "r.html").unlink()


def test_demo_help_shows_its_own_options_and_directory_is_a_deprecated_alias(tmp_path):
    shown = scrapy(tmp_path / "unused", "demo", "-h")
    assert shown.returncode == 0
    assert "--archive DIR" in shown.stdout and "--posts" in shown.stdout
    assert "-a NAME=VALUE" not in shown.stdout and "--overwrite-output" not in shown.stdout and "--directory" not in shown.stdout
    old = scrapy(tmp_path / "unused", "demo", "--directory", str(tmp_path / "d"), "--posts", "10", timeout=300)
    assert old.returncode == 0, old.stderr[-3000:]
    assert "newscrawl: --directory is deprecated: give --archive DIR" in old.stderr
    assert list((tmp_path / "d" / "_posts").glob("*.md"))
