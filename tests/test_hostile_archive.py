"""A hostile site, crawled for real: the archive Jekyll builds from it runs no
script and no Liquid, shows the text the site showed as text, and keeps no
value that is a path, a control character or junk (those are rejects).

Each attack sets a class ``pwned<n>`` on the page's root element when it runs;
the upstream HTML itself, loaded as a page, shows that the attacks do run.
"""

import html
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from newscrawl.archive.postfile import read_post
from newscrawl.mocksite import SITE_HOST, SITE_URL, Fault, MockSite, write_site_source
from tests.conftest import crawl, make_post, read_posts

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

CHROMIUM = "/usr/bin/chromium"


def attack(n: int) -> str:
    """Script that marks the page as run (no quotes, no "pwned" in its text: it may be shown as text)."""
    return f"document.documentElement.classList.add(String.fromCharCode(112,119,110,101,100)+{n})"


#: The site shows these escaped: as text. (Its title is in the site's front matter, which its layout prints raw.)
ESCAPED = make_post(
    "NW202202230000009001",
    title=f"&lt;script&gt;{attack(1)}&lt;/script&gt;&lt;img src=x onerror={attack(2)}&gt; A&amp;amp;B 快讯",
    body_html=(f"<p>&lt;script&gt;{attack(3)}&lt;/script&gt;正文一。</p>"
               f"<p>&lt;img src=x onerror={attack(4)}&gt;正文二。</p>"
               f"<p>[点我](javascript:{attack(5)}) {{: onclick={attack(6)}}} &amp;lt;b&amp;gt; a|b</p>"),
    tag=f"快讯&lt;img src=x onerror={attack(7)}&gt;新闻",  # Jekyll splits tags on spaces
)
ESCAPED_TITLE = f"<script>{attack(1)}</script><img src=x onerror={attack(2)}> A&amp;B 快讯"
ESCAPED_TEXTS = [f"<script>{attack(3)}</script>正文一。", f"<img src=x onerror={attack(4)}>正文二。",
                 f"[点我](javascript:{attack(5)}) {{: onclick={attack(6)}}} &lt;b&gt; a|b"]
ESCAPED_TAGS = ["快讯<img", "src=x", f"onerror={attack(7)}>新闻"]

#: Raw markup in the upstream body (the share data's ``text``; the site's post has no body).
RAW_HTML = (
    f'<pre>&quot; onfocus=&quot;{attack(19)}&quot; autofocus x=&quot;</pre>'
    f"<p>正文。<script>{attack(11)}</script></p>"
    f'<p><img src="x.png" onerror="{attack(12)}">图</p>'
    f'<p><a href="javascript:{attack(13)}">链接</a> <a href="http://a.example/" onmouseover="{attack(14)}">正常</a></p>'
    f'<iframe srcdoc="<script>parent.{attack(15)}</script>"></iframe>'
    f'<svg><image href="x.png" onerror="{attack(16)}"/></svg>'
    f'<details open ontoggle="{attack(17)}"><summary>摘要</summary>细节</details>'
    f'<p><img src="data:image/svg+xml,&lt;svg onload=&quot;{attack(18)}&quot;&gt;"></p>'
    f'<table><tr><td onclick="{attack(20)}">单元格</td></tr></table>'
)
RAW = make_post("NW202202230000009002", body_html=RAW_HTML, site_body=False)

#: Liquid in the upstream body and in the title (Jekyll would run the body's, and fail on an unknown tag).
LIQUID_TEXTS = ["时间：{{ site.time }}", "{% for p in site.posts %}循环{% endfor %}", "{{ site | jsonify }}",
                "{% include head-custom.html %}", "{% evil_tag %}"]
LIQUID = make_post("NW202202230000009003", title="{{ site.time }} {% evil_tag %} 标题", site_body=False,
                   body_html="".join(f"<p>{html.escape(text)}</p>" for text in LIQUID_TEXTS))

#: Listed by the category page with a NUL in its URL (``%00``), which would be the post's permalink.
NUL_URL = make_post("NW202202230000009004")


def share_only(code: str, **fields):
    """A post only the share data has (``scrapy crawl share``): its values are upstream's."""
    return make_post(code, listed=False, **fields)


#: Bad values, each a reject with its reason.
BAD_VALUES = [
    (share_only("NW202202230000009101", publisher="../../../../tmp/x"), "bad_category"),
    (share_only("NW202202230000009102", publisher="/etc/cron.d/evil"), "bad_category"),
    (share_only("NW202202230000009103", title="标题\x1b[31m红色\x07"), "bad_title"),
    (share_only("NW202202230000009104", title="标题\x00"), "bad_title"),
    (share_only("NW202202230000009105", title="长" * 100_000), "bad_title"),
    (NUL_URL, "bad_url"),
]
SHARE_ONLY = [post for post, _ in BAD_VALUES if not post.listed]


def nul_url_listing(page: bytes) -> bytes:
    return page.replace(NUL_URL.url_path.encode(), NUL_URL.url_path.replace("/2022/", "%00/2022/", 1).encode())


def crawl_hostile_site(tmp_path) -> tuple[Path, list]:
    """Both crawls into one archive; the rejects of each."""
    output = tmp_path / "archive"
    site = MockSite([ESCAPED, RAW, LIQUID, NUL_URL, *SHARE_ONLY], include_seed=False)
    nul_path = NUL_URL.url_path.replace("/2022/", "\x00/2022/", 1)
    nul_page = (site.site_dir / NUL_URL.url_path.lstrip("/")).read_bytes()
    site.add_fault(SITE_HOST, re.escape("/category/qingdaocaijingribao.html"), Fault(body=nul_url_listing))
    site.add_fault(SITE_HOST, re.escape(nul_path), Fault(status=200, body=lambda _: nul_page))
    with site.serve():
        by_site = crawl(site, output, "qingdaocaijing")
        codes = ",".join(post.info_code for post in SHARE_ONLY)
        by_share = crawl(site, output, "share", "-a", f"infocodes={codes}", env={"NEWSCRAWL_SHARE": "api"})
    for run in (by_site, by_share):
        assert run.returncode == 1, run.log[-3000:]  # a bad run: it met invalid posts
        assert run.tracebacks() == []
    return output, by_site.rejects() + by_share.rejects()


def jekyll_build(archive: Path, work: Path) -> tuple[subprocess.CompletedProcess, Path]:
    """The site's source with the archive's posts, built by real Jekyll."""
    source = write_site_source(work / "source", {p.meta["categories"] for p in read_posts(archive)})
    for post in read_posts(archive):
        shutil.copy(post.path, source / "_posts")
    built = work / "built"
    proc = subprocess.run(["jekyll", "build", "-s", str(source), "-d", str(built)], capture_output=True, text=True)
    return proc, built


#: What a loaded page holds: the marks of attacks that ran, the handlers and URLs of its
#: elements that could run script, and what it shows.
INSPECT = """() => ({
    marks: [...document.documentElement.classList],
    handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
        .filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
    urls: [...document.querySelectorAll('[href], [src], [srcdoc], [data], [action]')].flatMap(e =>
        ['href', 'src', 'srcdoc', 'data', 'action'].map(n => e.getAttribute(n) || ''))
        .filter(u => /^\\s*(javascript|data|vbscript):/i.test(u) || u.includes('<')),
    embedded: document.querySelectorAll('iframe, object, embed, frame').length,
    scripts: [...document.scripts].filter(s => s.type !== 'application/ld+json').map(s => s.text.trim()),
    h1: document.querySelector('section h1') && document.querySelector('section h1').textContent,
    paragraphs: [...document.querySelectorAll('section p, section td')].map(p => p.textContent),
    tags: [...document.querySelectorAll('section small em')].map(e => e.textContent),
})"""


def inspect_pages(paths: list[Path]) -> list[dict]:
    """Each page loaded in headless Chromium, its toggle and load events fired; in a thread
    of its own (Playwright's sync API refuses the thread of the tests' asyncio loop)."""
    def run():
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            try:
                found = []
                for path in paths:
                    page = browser.new_page()
                    page.goto(path.as_uri(), wait_until="load")
                    page.evaluate("() => new Promise(done => setTimeout(done, 100))")  # queued events (toggle)
                    found.append(page.evaluate(INSPECT))
                    page.close()
                return found
            finally:
                browser.close()

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(run).result()


LAYOUT_HANDLERS = ["BODY onload"]  # the site's own auto-refresh
LAYOUT_SCRIPTS = 1


def test_a_hostile_site_is_archived_inert_and_faithful_and_its_bad_values_rejected(tmp_path):
    archive, rejects = crawl_hostile_site(tmp_path)

    # Bad values: rejects with their reasons; nothing written but the good posts, in _posts.
    assert {r["info_code"]: r["reason"] for r in rejects} == {p.info_code: reason for p, reason in BAD_VALUES}
    written = {p.meta["info_code"]: p for p in read_posts(archive)}
    assert sorted(p.path.name for p in written.values()) == [f"2022-02-23-{p.info_code}.md" for p in (ESCAPED, RAW, LIQUID)]
    stray = [path for path in tmp_path.rglob("*") if path.is_file() and path.parent not in (archive, archive / "_posts")]
    assert stray == []  # the run's own files (state, rejects, runs) are beside _posts

    # The archive keeps the true title as data: read back (as export reads it), it is the text the site showed.
    assert read_post(written[ESCAPED.info_code].path.read_text(encoding="utf-8"))["title"] == ESCAPED_TITLE
    assert all(p.meta["render_with_liquid"] is False for p in written.values())

    proc, built = jekyll_build(archive, tmp_path / "jekyll")
    assert proc.returncode == 0, proc.stderr[-3000:]
    pages = [built / post.url_path.lstrip("/") for post in (ESCAPED, RAW, LIQUID)]
    control = tmp_path / "control.html"  # the upstream body as it is: its attacks run
    control.write_text(f"<!DOCTYPE html><html><body>{RAW_HTML}</body></html>", encoding="utf-8")
    escaped, raw, liquid, upstream = inspect_pages([*pages, control])

    assert {"pwned11", "pwned12", "pwned17"} <= set(upstream["marks"]) and upstream["handlers"] and upstream["urls"]
    for page in (escaped, raw, liquid):
        assert page["marks"] == []
        assert page["handlers"] == LAYOUT_HANDLERS
        assert page["urls"] == [] and page["embedded"] == 0 and len(page["scripts"]) == LAYOUT_SCRIPTS

    # What the site showed as text is text; the harmless markup stays.
    assert escaped["h1"] == ESCAPED_TITLE and escaped["tags"] == ESCAPED_TAGS
    assert f"返回{' '.join(ESCAPED_TAGS)}" in escaped["paragraphs"][-1]  # the back links
    for text in ESCAPED_TEXTS:
        assert text in escaped["paragraphs"]
    assert {"正文。", "图", "链接 正常", "单元格"} <= set(raw["paragraphs"])
    # Liquid is text, run nowhere (the loop's body is there once).
    assert liquid["h1"] == "{{ site.time }} {% evil_tag %} 标题"
    assert liquid["paragraphs"][:len(LIQUID_TEXTS)] == LIQUID_TEXTS
