"""End to end: ``categories=all`` against sites built by real Jekyll, with ``<研报>``
titles near the top of the home page (kramdown then escapes the rest of that
list and nests every later heading inside an unclosed ``<a>``)."""

import pytest

from newscrawl.mocksite import SITE_CATEGORIES, SITE_HOST, Fault, MockSite, Post, generate_posts
from tests.conftest import crawl, expected_front_matter, research_titles_on_top, shown_texts

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

POSTS = 200


def assert_written_right(written, post: Post) -> None:
    assert written.meta == expected_front_matter(post), post.info_code
    body = " ".join(written.body.replace("**", "").split())
    for text in shown_texts(post):
        assert text in body, (post.info_code, text)


@pytest.mark.parametrize("home", ["index", "latest100"])
def test_categories_all_writes_every_reachable_post_and_a_rerun_fetches_only_new_ones(tmp_path, home):
    posts = research_titles_on_top(generate_posts(POSTS, seed=1, categories=SITE_CATEGORIES))
    site = MockSite(posts, home=home)
    section = (site.site_dir / "index.html").read_text(encoding="utf-8").split("<section>")[1]
    assert section.index("&lt;/a&gt;&lt;/li&gt;") < len(section) // 5  # the broken list is near the top
    output = tmp_path / "output"
    with site.serve():
        first = crawl(site, output, "finews", "-a", "categories=all")
        reachable = site.reachable_codes()
        assert first.returncode == 0, first.log[-3000:]
        written = first.posts()
        assert set(written) == reachable
        assert {p.category for p in site.posts if p.info_code in reachable} == {s for s, _, _ in SITE_CATEGORIES}
        by_code = {p.info_code: p for p in site.posts}
        for code in reachable:
            assert_written_right(written[code], by_code[code])

        new = generate_posts(18, seed=1, categories=SITE_CATEGORIES, first=POSTS)
        site.add_posts(new)
        site.clear_requests()
        rerun = crawl(site, output, "finews", "-a", "categories=all")
        new_reachable = {p.info_code for p in new} & site.reachable_codes()
        fetched = sorted(r.path for r in site.post_page_requests())
    assert rerun.returncode == 0, rerun.log[-3000:]
    assert len(new_reachable) > 12
    assert fetched == sorted(p.url_path for p in new if p.info_code in new_reachable)
    assert set(rerun.posts()) == reachable | new_reachable
    for post in new:
        if post.info_code in new_reachable:
            assert_written_right(rerun.posts()[post.info_code], post)


@pytest.mark.parametrize("failing", ["/", "/feed.xml"], ids=["home", "feed"])
def test_either_start_page_alone_finds_everything_it_leads_to(output, failing):
    posts = research_titles_on_top(generate_posts(150, seed=2, categories=SITE_CATEGORIES))
    site = MockSite(posts)
    with site.serve():
        site.add_fault(SITE_HOST, failing, Fault(status=500))
        result = crawl(site, output, "finews", "-a", "categories=all")
    assert result.returncode == 1  # a start page failed: a bad run, but not a wasted one
    reachable = site.reachable_codes(failing=frozenset([failing]))
    assert set(result.posts()) == reachable and len(reachable) > 50
    by_code = {p.info_code: p for p in site.posts}
    for code, written in result.posts().items():
        assert written.meta["categories"] == by_code[code].category


def test_posts_waiting_for_a_broken_category_page_settle_their_category_on_their_own_pages(output):
    """``/emnews/...`` posts on the newest-100 home page: only their category page
    (here broken) or their own back link names ``emnews`` exactly."""
    posts = generate_posts(150, seed=2)
    site = MockSite(posts, home="latest100")
    with site.serve():
        site.add_fault(SITE_HOST, "/feed.xml", Fault(status=500))
        site.add_fault(SITE_HOST, "/category/emnews.html", Fault(status=500))
        result = crawl(site, output, "finews", "-a", "categories=all")
    on_home = [p for p in sorted(site.posts, key=lambda p: p.displayed_time)[-100:] if p.is_emnews]
    linked = {p.info_code for p in on_home if p.back_link_form == 0}
    assert linked and len(linked) < len(on_home)
    written = result.posts()
    assert {code for code, post in written.items() if post.meta["categories"] == "emnews"} == linked
    rejects = {r["info_code"]: r["reason"] for r in result.rejects()}
    assert rejects == {p.info_code: "unknown_category" for p in on_home if p.info_code not in linked}
