"""Every example in README.md runs as written.

The fenced blocks are read from README.md itself, so an edited example is the
one tested. Each block is claimed by exactly one entry of EXAMPLES: run by a
test here, or left out for a reason written beside it (a new block fails
``test_every_readme_block_is_run_or_left_out_for_a_reason`` until it is
claimed). How each is run:

- The shell blocks (demo, Run, share, source, parse, export/report/verify/
  search, ``mkdocs build``; not ``mkdocs serve``, a server): each command,
  continuation lines joined, by ``/bin/sh -c`` in a clone: a temporary
  directory holding the project's ``scrapy.cfg`` and ``.venv``, a link to the
  virtualenv running these tests (setup.sh's in CI), so ``output/``,
  ``codes.txt`` and the rest land there. The environment is what a user's
  shell has after ``. .venv/bin/activate`` (PATH, VIRTUAL_ENV, HOME, TMPDIR)
  and nothing else but the mock site's NEWSCRAWL_HOST_MAP and
  NEWSCRAWL_SITE_URL, as a user pointing the crawler at a mirror would set
  them: the commands that would reach the real site reach the local one.
- The cron entry: its command text, with only /srv/newscrawl (the clone),
  /srv/archive and /var/log/newscrawl replaced by temporary directories, run
  as cron runs it: ``/bin/sh -c`` in cron's bare environment (PATH=/usr/bin:/bin,
  HOME, LOGNAME, SHELL, the crontab's variables) plus the host map: a first
  run writes the posts and prints nothing (cron would mail it), a second
  writes nothing, one that finds the lock held exits 0 (the entry's
  ``|| [ $? -eq 75 ]``), one with the site down fails in at most 5 lines.
- The systemd units: the service's ExecStart, split as systemd splits it and
  with %i the instance the README enables, run in its WorkingDirectory with
  its Environment= lines and systemd's own PATH (systemd is not running here);
  ``systemd-analyze verify`` reads both units (paths mapped) where it exists.
  docs/operations.md repeats the cron and systemd blocks: they must be the
  README's.
"""

import csv
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet
import pytest
from filelock import FileLock

from newscrawl.mocksite import DEFAULT_CATEGORIES, SITE_HOST, SITE_URL, MockSite, generate_posts
from newscrawl.mocksite.source_repo import SourceSite, make_source_repo
from tests.conftest import REPO, make_post, read_posts
from tests.local_servers import refusing_port

pytestmark = pytest.mark.slow  # runs the README's commands: the end-to-end layer (docs/testing.md)

#: What claims each README block: the start of a line only that block has, and
#: the test here that runs it, or why it is not run.
EXAMPLES = {
    "./setup.sh": "not run: installs Debian packages with sudo and the project from PyPI, then runs this suite; "
                  ".ci/run runs both on a fresh machine",
    ".venv/bin/scrapy demo": "test_demo",
    "scrapy crawl qingdaocaijing ": "test_run_then_parse_export_report_and_verify",
    "scrapy crawl share": "test_share_backfill_by_infocode_and_from_a_file",
    "scrapy crawl source": "test_source_import_of_a_clone_of_the_site_repository",
    "scrapy parse": "test_run_then_parse_export_report_and_verify",
    "scrapy export -O posts.jsonl": "test_run_then_parse_export_report_and_verify",
    "useradd --system": "not run: makes a system user and writes /srv as root; "
                        "the cron and systemd tests map its paths",
    "MAILTO=": "test_the_cron_entry",
    "ExecStart=": "test_the_systemd_units",
    "OnCalendar=": "test_the_systemd_units",
    "systemctl daemon-reload": "not run: needs a running systemd; the instance it enables is the one verified and run",
    ".venv/bin/mkdocs serve": "test_docs_build (the build line; serve runs a server until stopped)",
}

#: The seed post and the one beside it, the README's share example's infoCodes.
SHARE_CODES = ["NW202202232285760343", "NW202202232285760344"]
CRON_PATHS = ("/srv/newscrawl", "/srv/archive", "/var/log/newscrawl")
#: systemd's PATH for a service (systemd.exec(5)).
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"


# --- the blocks -----------------------------------------------------------------------------


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, text) of every fenced code block."""
    return re.findall(r"^```(\w*)\n(.*?)^```[ \t]*$", text, re.MULTILINE | re.DOTALL)


def readme_blocks() -> list[tuple[str, str]]:
    return fenced_blocks((REPO / "README.md").read_text(encoding="utf-8"))


def starts_a_line(needle: str, text: str) -> bool:
    return any(line.startswith(needle) for line in text.splitlines())


def claims(block_text: str) -> list[str]:
    return [needle for needle in EXAMPLES if starts_a_line(needle, block_text)]


def block(needle: str, blocks=None) -> str:
    """The one README block with a line starting with ``needle``."""
    [found] = [text for _, text in (blocks or readme_blocks()) if starts_a_line(needle, text)]
    return found


def commands(block_text: str) -> list[str]:
    """A shell block's commands, as a shell reads them: continuation lines joined, blank and comment lines left out."""
    joined = re.sub(r"\\\n", " ", block_text)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_every_readme_block_is_run_or_left_out_for_a_reason():
    blocks = readme_blocks()
    assert len(blocks) >= 12  # the extraction reads the README's blocks
    assert [claims(text) for _, text in blocks if len(claims(text)) != 1] == []
    assert sorted(needle for _, text in blocks for needle in claims(text)) == sorted(EXAMPLES)
    tests = {how.split()[0] for how in EXAMPLES.values() if how.startswith("test_")}
    assert tests and tests <= set(globals())


def test_the_block_reader_reads_commands_as_a_shell_does():
    text = "a --x 1   # note\n\n# a comment\nb \\\n  --y 2\n"
    assert fenced_blocks(f"intro\n```sh\n{text}```\nafter\n```\nc\n```\n") == [("sh", text), ("", "c\n")]
    assert commands(text) == ["a --x 1   # note", "b    --y 2"]


# --- a clone, and a user's shell in it --------------------------------------------------------


def make_clone(path: Path) -> Path:
    """What the commands need of a clone after setup.sh: scrapy.cfg, and .venv (this virtualenv)."""
    scripts = Path(sys.prefix) / "bin"
    assert (scripts / "scrapy").exists(), "run the tests with the virtualenv's Python (.venv/bin/python -m pytest)"
    path.mkdir(parents=True)
    shutil.copy(REPO / "scrapy.cfg", path)
    (path / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    return path


def user_env(clone: Path, tmp_path: Path, site_env: dict) -> dict:
    """A shell after ``. .venv/bin/activate``, pointed at the mirror."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return {"PATH": f"{clone}/.venv/bin:/usr/bin:/bin", "VIRTUAL_ENV": str(clone / ".venv"), "HOME": str(home),
            "TMPDIR": str(temp), **site_env}


def sh(command: str, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def codes(archive: Path) -> set[str]:
    return {post.meta["info_code"] for post in read_posts(archive)}


def mtimes(archive: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in (archive / "_posts").glob("*.md")}


def run_lines(archive: Path) -> list[dict]:
    return [json.loads(line) for line in (archive / "runs.jsonl").read_text(encoding="utf-8").splitlines()]


def down_site_env() -> dict:
    """The site down: its host refuses connections."""
    return {"NEWSCRAWL_HOST_MAP": json.dumps({SITE_HOST: f"http://127.0.0.1:{refusing_port()}"})}


CATEGORIES = [c for c in DEFAULT_CATEGORIES if c[0] in ("Wind", "qingdaocaijingribao", "emnews")]
#: The README searches for 北向资金.
SEARCHED = make_post(SHARE_CODES[1], title="北向资金净买入超百亿")
POSTS = generate_posts(9, seed=20, categories=CATEGORIES) + [SEARCHED]


@pytest.fixture(scope="module")
def site():
    """The mirror: the seed post, and posts in Wind, emnews and qingdaocaijingribao (the README's categories)."""
    assert {post.category for post in POSTS} == {slug for slug, _, _ in CATEGORIES}
    with MockSite(POSTS).serve() as served:
        yield served


def in_category(site: MockSite, *slugs: str) -> set[str]:
    return {post.info_code for post in site.posts if post.category in slugs}


# --- the shell blocks -----------------------------------------------------------------------


def test_run_then_parse_export_report_and_verify(site, tmp_path):
    clone = make_clone(tmp_path / "newscrawl")
    env = user_env(clone, tmp_path, site.env())
    archive = clone / "output"
    [one, some, every] = commands(block("scrapy crawl qingdaocaijing "))

    result = sh(one, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert codes(archive) == in_category(site, "qingdaocaijingribao")
    assert all(re.fullmatch(rf"\d{{4}}-\d{{2}}-\d{{2}}-{post.meta['info_code']}\.md", post.path.name)
               for post in read_posts(archive))  # output/_posts/YYYY-MM-DD-<infoCode>.md
    result = sh(some, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert codes(archive) == in_category(site, "qingdaocaijingribao", "Wind", "emnews")
    before = mtimes(archive)
    result = sh(every, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert codes(archive) == {post.info_code for post in site.posts}
    assert mtimes(archive) == before and run_lines(archive)[-1]["posts"]["written"] == 0

    [parse] = commands(block("scrapy parse"))
    result = sh(parse, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "青岛高新区是如何实现" in result.stdout and SHARE_CODES[0] in result.stdout
    assert len(run_lines(archive)) == 3  # a look at a page is no run

    export_all, export_feb, report, verify, repair, search, parquet = commands(block("scrapy export -O posts.jsonl"))
    result = sh(export_all, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    exported = [json.loads(line) for line in (clone / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {post["info_code"] for post in exported} == codes(archive)
    result = sh(export_feb, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    with (clone / "feb.csv").open(encoding="utf-8", newline="") as feed:
        assert {row["info_code"] for row in csv.DictReader(feed)} == in_category(site, "Wind")
    result = sh(report, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "<html" in (clone / "report.html").read_text(encoding="utf-8").lower()
    for command in (verify, repair):  # files and state agree: nothing to repair
        result = sh(command, clone, env)
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert mtimes(archive) == before
    result = sh(search, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert SITE_URL + SEARCHED.url_path in result.stdout
    result = sh(parquet, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(pyarrow.parquet.read_table(clone / "posts.parquet").column("info_code").to_pylist()) == codes(archive)


def test_share_backfill_by_infocode_and_from_a_file(site, tmp_path):
    clone = make_clone(tmp_path / "newscrawl")
    env = user_env(clone, tmp_path, site.env())
    by_code, from_file = commands(block("scrapy crawl share"))
    result = sh(by_code, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert codes(clone / "output") == set(SHARE_CODES)
    listed = sorted(in_category(site, "Wind"))
    (clone / "codes.txt").write_text(f"{listed[0]}\n{' , '.join(listed[1:])}\n", encoding="utf-8")
    result = sh(from_file, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert codes(clone / "output") == set(SHARE_CODES) | set(listed)


def test_source_import_of_a_clone_of_the_site_repository(tmp_path):
    clone = make_clone(tmp_path / "newscrawl")
    repo = make_source_repo(clone / "finews-source", days=3, posts_per_day=6, commits_per_day=2)
    folder, history = commands(block("scrapy crawl source"))
    with SourceSite(list(repo.posts.values()), repo.newest_posts()).serve() as served:
        env = user_env(clone, tmp_path, served.env())
        result = sh(folder, clone, env)
        assert result.returncode == 0, result.stderr[-3000:]
        in_folder = codes(clone / "output")
        assert in_folder and in_folder <= set(repo.posts)
        result = sh(history, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert repo.deleted and repo.deleted <= codes(clone / "output") - in_folder


def test_demo(tmp_path):
    clone = make_clone(tmp_path / "newscrawl")
    env = user_env(clone, tmp_path, {})  # the demo serves its own site
    [demo] = commands(block(".venv/bin/scrapy demo"))
    result = sh(demo, clone, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(codes(tmp_path / "tmp" / "newscrawl-demo")) > 100
    assert sorted(path.name for path in clone.iterdir()) == [".venv", "scrapy.cfg"]  # the archive is in TMPDIR


def test_docs_build(tmp_path):
    clone = make_clone(tmp_path / "newscrawl")
    shutil.copy(REPO / "mkdocs.yml", clone)
    shutil.copytree(REPO / "docs", clone / "docs")
    [build] = [command for command in commands(block(".venv/bin/mkdocs serve")) if " build" in command]
    result = sh(build, clone, {**user_env(clone, tmp_path, {}), "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert (clone / "build" / "docs" / "index.html").is_file()


# --- cron ---------------------------------------------------------------------------------------


def cron_entry(block_text: str) -> tuple[dict, str, str]:
    """The crontab's variables, and the one entry's user and command (a system crontab: a user field)."""
    variables, entries = {}, []
    for line in block_text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.match(r"^[A-Za-z_]\w*\s*=", line):
            name, _, value = line.partition("=")
            variables[name.strip()] = value.strip()
        else:
            entries.append(line.split(None, 6))
    [[*schedule, user, command]] = entries
    assert len(schedule) == 5 and all(re.fullmatch(r"[\d*/,-]+", field) for field in schedule), schedule
    assert "%" not in command  # cron would turn it into a newline
    return variables, user, command


@pytest.fixture
def srv(tmp_path) -> dict[str, Path]:
    """The machine's paths, as temporary directories: the clone, the archive, the logs, the user's home."""
    paths = {"/srv/newscrawl": make_clone(tmp_path / "srv-newscrawl")}
    for name in ("/srv/archive", "/var/log/newscrawl", "/var/lib/newscrawl"):
        paths[name] = tmp_path / name.strip("/").replace("/", "-")
        paths[name].mkdir()
    return paths


def mapped(text: str, srv: dict[str, Path]) -> str:
    for path in CRON_PATHS:
        text = text.replace(path, str(srv[path]))
    return text


def test_the_cron_entry(site, srv):
    variables, user, command = cron_entry(block("MAILTO="))
    assert user == "newscrawl"
    command = mapped(command, srv)
    assert "/srv/" not in command and "/var/" not in command, command
    archive, log = srv["/srv/archive"], srv["/var/log/newscrawl"]

    def run(host_env: dict) -> subprocess.CompletedProcess:
        cron = {"PATH": "/usr/bin:/bin", "HOME": str(srv["/var/lib/newscrawl"]), "LOGNAME": user, "SHELL": "/bin/sh"}
        return sh(command, srv["/var/lib/newscrawl"], {**cron, **variables, **host_env})

    first = run(site.env())
    assert first.returncode == 0, first.stderr[-3000:]
    assert codes(archive) == in_category(site, "qingdaocaijingribao")
    assert first.stderr == "" and first.stdout == ""  # cron mails nothing for a good run
    assert "Verdict: ok" in (log / "qingdaocaijing.log").read_text(encoding="utf-8")

    before = mtimes(archive)
    second = run(site.env())
    assert second.returncode == 0 and second.stderr == "", second.stderr[-3000:]
    assert mtimes(archive) == before and run_lines(archive)[-1]["posts"]["written"] == 0

    runs = len(run_lines(archive))
    with FileLock(archive / "state.lock"):  # what a running crawl holds
        overlapping = run(site.env())
    assert overlapping.returncode == 0, overlapping.stderr[-3000:]
    assert len(run_lines(archive)) == runs  # it did nothing
    assert len(overlapping.stderr.splitlines()) == 1, overlapping.stderr

    down = run(down_site_env())
    assert down.returncode != 0
    assert 1 <= len(down.stderr.splitlines()) <= 5, down.stderr
    assert all(line.startswith("newscrawl: bad run: ") for line in down.stderr.splitlines()), down.stderr
    assert mtimes(archive) == before


# --- systemd ------------------------------------------------------------------------------------


def unit_settings(text: str) -> dict[str, list[str]]:
    """``Key=value`` lines of a unit file by key (a key may repeat), comments left out."""
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def enabled_instance() -> str:
    [enable] = [c for c in commands(block("systemctl daemon-reload")) if " enable " in c]
    match = re.fullmatch(r"newscrawl@(.+)\.timer", enable.split()[-1])
    assert match, enable
    return match.group(1)


def test_the_systemd_units(site, srv):
    service, timer = block("ExecStart="), block("OnCalendar=")
    instance = enabled_instance()
    assert instance == "qingdaocaijing"
    unit = unit_settings(mapped(service, srv))
    [exec_start], [workdir] = unit["ExecStart"], unit["WorkingDirectory"]
    argv = shlex.split(exec_start.replace("%i", instance))
    assert Path(argv[0]).is_absolute(), argv
    environment = dict(item.split("=", 1) for line in unit.get("Environment", []) for item in shlex.split(line))
    success = {0} | {int(status) for line in unit.get("SuccessExitStatus", []) for status in line.split()}
    archive = Path(environment["NEWSCRAWL_OUTPUT_DIR"])
    assert archive == srv["/srv/archive"]

    def start(host_env: dict) -> subprocess.CompletedProcess:
        base = {"PATH": SYSTEMD_PATH, "HOME": str(srv["/var/lib/newscrawl"]), "USER": unit["User"][0],
                "LOGNAME": unit["User"][0], "SHELL": "/usr/sbin/nologin"}
        return subprocess.run(argv, cwd=workdir, env={**base, **environment, **host_env}, capture_output=True,
                              text=True, timeout=300)

    result = start(site.env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert codes(archive) == in_category(site, "qingdaocaijingribao")
    with FileLock(archive / "state.lock"):
        assert start(site.env()).returncode in success - {0}  # the lock is no failure of the unit
    assert start(down_site_env()).returncode not in success  # a down site is a failed unit

    if shutil.which("systemd-analyze"):
        units = srv["/srv/newscrawl"].parent / "units"
        units.mkdir()
        (units / "newscrawl@.service").write_text(mapped(service, srv), encoding="utf-8")
        (units / "newscrawl@.timer").write_text(timer, encoding="utf-8")
        verified = subprocess.run(["systemd-analyze", "verify", "--man=no",
                                   *(str(units / f"newscrawl@{instance}.{kind}") for kind in ("service", "timer"))],
                                  capture_output=True, text=True, timeout=60)
        assert verified.returncode == 0, verified.stderr


def test_the_operations_page_repeats_the_readme_cron_and_systemd_blocks():
    operations = fenced_blocks((REPO / "docs" / "operations.md").read_text(encoding="utf-8"))
    for needle in ("MAILTO=", "ExecStart=", "OnCalendar=", "systemctl daemon-reload", "useradd --system"):
        assert block(needle, operations) == block(needle), needle
