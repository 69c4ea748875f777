"""The archive is Jekyll's own input: built with the site's source by real Jekyll,
it gives the crawled site back, every post at its original URL, every category
page listing the same posts."""

import shutil
from datetime import datetime

import lxml.html

from newscrawl.mocksite import SITE_CATEGORIES, MockSite, generate_posts, run_jekyll, write_site_source
from newscrawl.mocksite.source_posts import POST_PATH_RE
from tests.conftest import crawl, read_posts, shown_texts


def built_posts(site_dir) -> set[str]:
    return {"/" + str(path.relative_to(site_dir)) for path in site_dir.rglob("*.html")
            if POST_PATH_RE.match("/" + str(path.relative_to(site_dir)))}


def section(page) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(page.read_bytes()).xpath("//section")[0]


def listing(page) -> set[tuple[str, str]]:
    """(post path, title) of every post a category page lists."""
    return {(a.get("href"), " ".join(a.text_content().split())) for a in section(page).iter("a")}


def test_the_archive_builds_the_crawled_site_again(tmp_path):
    # From the afternoon on: a late post's shown time passes midnight.
    posts = generate_posts(200, seed=4, categories=SITE_CATEGORIES, start=datetime(2022, 2, 1, 14, 0))
    shifted = [p for p in posts if p.displayed_time.date() != p.published.date()]
    assert shifted  # shown 8 hours late, on the next day: their URL has that day
    site = MockSite(posts)
    with site.serve():
        result = crawl(site, tmp_path / "archive", "finews", "-a", "categories=all")
    assert result.returncode == 0, result.log[-3000:]
    archived = read_posts(tmp_path / "archive")
    reachable = {p.info_code: p for p in site.posts if p.info_code in site.reachable_codes()}
    assert {p.meta["info_code"] for p in archived} == set(reachable)
    assert {p.info_code for p in shifted} & set(reachable)

    source = write_site_source(tmp_path / "source", {p.meta["categories"] for p in archived})
    for post in archived:
        shutil.copy(post.path, source / "_posts")
    rebuilt = run_jekyll(source, tmp_path / "rebuilt")

    assert built_posts(rebuilt) == {p.url_path for p in reachable.values()}
    for post in reachable.values():
        page = section(rebuilt / post.url_path.lstrip("/"))
        assert page.findtext("h1") == " ".join(post.title.split())
        assert [em.text for em in page.iter("em")] == post.tags
        text = " ".join(page.text_content().split())
        for paragraph in shown_texts(post):
            assert paragraph in text, (post.info_code, paragraph)
    for page in sorted((site.site_dir / "category").iterdir()):
        crawled = {(path, title) for path, title in listing(page) if path.rsplit("/", 1)[1][:-5] in reachable}
        assert listing(rebuilt / "category" / page.name) == crawled, page.name
