"""Shared test fixtures: the mock site, and running a real crawl against it."""

import html
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import lxml.html
import pytest
import yaml
from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from newscrawl import config
from newscrawl.archive.postfile import post_filename, render_post
from newscrawl.extensions.rejects import RejectLog
from newscrawl.items import PostItem
from newscrawl.mocksite import SITE_URL, MockSite, Post
from newscrawl.mocksite.jekyll import remove_cached_builds
from newscrawl.mocksite.source_posts import site_body

REPO = Path(__file__).resolve().parent.parent
SAMPLES_DIR = Path(__file__).parent / "fixtures" / "site-samples"

#: What a user pointing the crawler at a local mirror would also pass: no throttling.
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=1"]


@dataclass
class PostFile:
    path: Path
    meta: dict
    content: str  # everything after the front matter

    @property
    def body(self) -> str:
        """The article only: the content without the closing share and back-link lines."""
        blocks = self.content.rstrip("\n").split("\n\n")
        while blocks and (blocks[-1].startswith("[返回") or blocks[-1].startswith("<http")):
            blocks.pop()
        return "\n\n".join(blocks)


@dataclass
class CrawlResult:
    """A finished run, as the archive holds it: the posts, and the rejects and
    report as they were when the run ended (the next run rewrites rejects.jsonl
    and appends to runs.jsonl)."""

    output: Path

    def __post_init__(self):
        self._rejects = read_rejects(self.output)
        runs = self.output / "runs.jsonl"
        self._report = json.loads(runs.read_text(encoding="utf-8").splitlines()[-1]) if runs.exists() else None

    def posts(self) -> dict[str, PostFile]:
        """The written posts by infoCode."""
        return {post.meta["info_code"]: post for post in read_posts(self.output)}

    def rejects(self) -> list[dict]:
        """The current rejects once this run ended (rejects.jsonl)."""
        return self._rejects

    def report(self) -> dict | None:
        """The last line of runs.jsonl once this run ended: this run's, if it wrote one."""
        return self._report


@dataclass
class CommandRun(CrawlResult):
    """A ``scrapy crawl`` process that ended: its exit status and its output."""

    returncode: int = 0
    log: str = ""

    def tracebacks(self) -> list[str]:
        """The tracebacks in its output (a user's log should hold none)."""
        return [line for line in self.log.splitlines() if line.startswith("Traceback")]


@dataclass
class InProcessRun(CrawlResult):
    """A crawl run in the test's process: its stats, the URL of every request
    scheduled, and each exception a callback or pipeline let escape (what shows
    as a traceback in a user's log)."""

    stats: dict = field(default_factory=dict)
    scheduled: list[str] = field(default_factory=list)
    escaped: list[BaseException] = field(default_factory=list)

    def tracebacks(self) -> list[str]:
        return [repr(error) for error in self.escaped]


def read_rejects(output: Path) -> list[dict]:
    path = output / "rejects.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read_posts(output: Path) -> list[PostFile]:
    posts = []
    for path in sorted((output / "_posts").glob("*.md")):
        _, front, content = path.read_text(encoding="utf-8").split("---\n", 2)
        posts.append(PostFile(path, yaml.safe_load(front), content))
    return posts


def post_item(info_code: str = "NW202202232285760343", **fields) -> PostItem:
    """A valid post (the seed post's, with a short body); ``fields`` override its values."""
    values = dict(info_code=info_code, title="青岛高新区是如何实现“进位争先”的？",
                  date="2022-02-23 10:30:09 +0800", category="qingdaocaijingribao", tags="青岛财经日报新闻",
                  source="青岛财经日报", body="第一段\n\n第二段",
                  url=f"{SITE_URL}/qingdaocaijingribao/2022/02/23/{info_code}.html",
                  share_url=f"http://finews.zning.xyz/html_News/NewsShare.html?infoCode={info_code}")
    values.update(fields)
    return PostItem(**values)


def reject_log(output: Path, store, **settings) -> RejectLog:
    """The crawl's RejectLog on ``store``, as it is once the spider is open, writing into ``output``."""
    crawler = get_crawler(settings_dict={"NEWSCRAWL_OUTPUT_DIR": str(output), "NEWSCRAWL_REJECT_MAX_ATTEMPTS": 3,
                                         "NEWSCRAWL_REJECT_MAX_DAYS": 3, **settings})
    rejects = RejectLog(crawler)
    rejects.store = store
    return rejects


def write_archive(output: Path, items) -> None:
    """Put post files in ``output/_posts`` as the crawl writes them (no state: what reads the files needs none)."""
    posts = output / "_posts"
    posts.mkdir(parents=True, exist_ok=True)
    for item in items:
        (posts / post_filename(item)).write_text(render_post(item, SITE_URL), encoding="utf-8")


def crawl(site: MockSite, output: Path, spider: str = "qingdaocaijing", *args: str, env: dict | None = None,
          timeout: float = 120) -> CommandRun:
    """Run ``scrapy crawl`` for real, as a user would, against the served mock site."""
    proc = subprocess.run(**_crawl_command(site, output, spider, args, env), capture_output=True, text=True,
                          timeout=timeout)
    return CommandRun(output, proc.returncode, proc.stderr + proc.stdout)


def start_crawl(site: MockSite, output: Path, spider: str, *args: str, env: dict | None = None,
                log: Path) -> subprocess.Popen:
    """Start ``scrapy crawl`` like crawl(), without waiting; its output goes to ``log``."""
    with log.open("w") as log_file:
        return subprocess.Popen(**_crawl_command(site, output, spider, args, env), stdout=log_file,
                                stderr=subprocess.STDOUT, text=True)


def _crawl_command(site: MockSite, output: Path, spider: str, args, env: dict | None) -> dict:
    return _scrapy_command(output, ["crawl", spider, *FAST, *args], {**site.env(), **(env or {})})


async def crawl_here(site: MockSite, output: Path, spider: str = "qingdaocaijing", settings: dict | None = None,
                     **arguments: str) -> InProcessRun:
    """Run the crawl in the test's own process and reactor (pytest-twisted), set up as
    ``scrapy crawl`` sets it up: the project's settings, then these as ``-s`` ones,
    checked by newscrawl.config. Settings only: the project read the environment
    when it was first imported."""
    project = get_project_settings()
    project.setdict({**_fast_settings(), **site.env(), "NEWSCRAWL_OUTPUT_DIR": str(output), **(settings or {})},
                    priority="cmdline")
    config.load(project)
    runner = AsyncCrawlerRunner(project)
    crawler = runner.create_crawler(spider)
    scheduled, escaped = [], []
    crawler.signals.connect(lambda request, **_: scheduled.append(request.url), signals.request_scheduled, weak=False)
    for error in (signals.spider_error, signals.item_error):
        crawler.signals.connect(lambda failure, **_: escaped.append(failure.value), error, weak=False)
    await Deferred.fromFuture(runner.crawl(crawler, **arguments))  # an asyncio future, awaited on Twisted
    return InProcessRun(output, stats=crawler.stats.get_stats(), scheduled=scheduled, escaped=escaped)


def _fast_settings() -> dict[str, str]:
    return dict(option.split("=", 1) for option in FAST[1::2])


def scrapy(output: Path, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a project command (``scrapy export ...``, ``scrapy report ...``) on the archive in ``output``."""
    return subprocess.run(**_scrapy_command(output, args, env or {}), capture_output=True, text=True, timeout=timeout)


def _scrapy_command(output: Path, args, env: dict) -> dict:
    inherited = {k: v for k, v in os.environ.items() if k not in ("NEWSCRAWL_STATE", "NEWSCRAWL_REDIS_URL", "NEWSCRAWL_REDIS_RUN")}
    full_env = {**inherited, "NEWSCRAWL_OUTPUT_DIR": str(output), **env}
    return dict(args=[sys.executable, "-m", "scrapy", *args], cwd=REPO, env=full_env)


def expected_front_matter(post: Post) -> dict:
    """The front matter the archive must write for a post of the mock site: the
    true (upstream) time, the publisher, the slug with its case, the original URL
    (a permalink where the site showed the post on a later day). No Liquid is run
    in it, and the title and tags are HTML text, as the layouts print them."""
    meta = {
        "layout": "post",
        "render_with_liquid": False,
        "title": html.escape(" ".join(post.title.split())),
        "date": post.published.strftime("%Y-%m-%d %H:%M:%S +0800"),
        "categories": post.category,
        "tags": html.escape(post.tag),
        "source": post.publisher,
        "info_code": post.info_code,
        "url": SITE_URL + post.url_path,
        "share_url": "" if post.share_link_empty else post.share_url,
    }
    if post.displayed_time.date() != post.published.date():
        meta["permalink"] = post.url_path
    return meta


def shown_texts(post: Post) -> list[str]:
    """The texts of the paragraphs a reader sees, from the post's upstream body
    (for an emnews post without a link, its digest is all there is)."""
    if post.is_emnews and post.share_link_empty:
        return [site_body(post)]
    texts = []
    for paragraph in lxml.html.fragment_fromstring(post.body_html, create_parent="div").iter("p"):
        hidden = "display:none" in paragraph.get("style", "") or paragraph.get("class") == "em_media"
        text = " ".join(paragraph.text_content().split()).strip("\u3000")
        if text and not hidden and not text.startswith("K图"):
            texts.append(text)
    return texts


def research_titles_on_top(posts: list[Post]) -> list[Post]:
    """The posts, with ``<研报>`` titles at the top of the home page in both versions:
    the newest post of the first tag's list (``index``), and the newest post
    (``index-latest100``). kramdown escapes the rest of a list after such a title."""
    oldest_tag = min(posts, key=lambda p: p.displayed_time).tags[0]
    first_listed = max((p for p in posts if oldest_tag in p.tags), key=lambda p: p.displayed_time)
    newest = max(posts, key=lambda p: p.displayed_time)
    marked = {first_listed.info_code, newest.info_code}
    return [replace(p, title="<研报>" + p.title.strip()) if p.info_code in marked else p for p in posts]


def make_post(code: str, **fields) -> Post:
    """A qingdaocaijingribao post with a body on the site, which names its publisher;
    ``fields`` change it."""
    values = dict(info_code=code, category="qingdaocaijingribao", title=f"标题{code[-4:]}：“测试”",
                  published=datetime(2022, 2, 23, 9, 15, 42), publisher="青岛财经日报", tag="青岛财经日报新闻")
    values.update(fields)
    values.setdefault("body_html", '<p>　　第一段正文。</p><p>第二段正文。</p>'
                                   f'<p class="em_media">（文章来源：{values["publisher"]}）</p>')
    return Post(**values)


@pytest.fixture
def output(tmp_path) -> Path:
    return tmp_path / "output"


#: Workers for the whole suite (``-n auto``, pyproject.toml): each end-to-end test keeps about
#: one core busy (a crawl, Jekyll, Chromium), so two workers fill a 2-core machine.
SUITE_WORKERS = 2


def pytest_xdist_auto_num_workers(config) -> int:
    """How many workers ``-n auto`` starts: none for the fast layer (``-m "not slow"``) or a
    single file or test, which start quicker in one process and stop at a breakpoint."""
    if " ".join(config.getoption("markexpr").split()) == "not slow":
        return 0
    if config.args_source == pytest.Config.ArgsSource.ARGS and len(config.args) == 1:
        if Path(config.args[0].partition("::")[0]).is_file():
            return 0
    return SUITE_WORKERS


def pytest_sessionfinish() -> None:
    remove_cached_builds()  # a pytest-xdist worker ends without running atexit: its builds would stay in /tmp
