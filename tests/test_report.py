"""``scrapy report``: the archive at a glance, rendered in headless Chromium with no network."""

import io
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

from PIL import Image
from playwright.sync_api import sync_playwright

from newscrawl.mocksite import DEFAULT_CATEGORIES, MockSite, generate_posts
from newscrawl.overview.counts import PostCounts
from tests.conftest import crawl, post_item, read_posts, scrapy

CHROMIUM = "/usr/bin/chromium"
FIRST_DAY = datetime(2022, 2, 12, 9, 0, 0)
DAYS = 12  # 2022-02-12 .. 2022-02-23, the seed post's day
CATEGORIES = [c for c in DEFAULT_CATEGORIES if c[0] != "emnews"]
MISSED = ("Wind", date(2022, 2, 18))


def site_posts():
    """A post a day in each of five categories for twelve days, but Wind's on MISSED's day; one post without a body."""
    posts = generate_posts(len(CATEGORIES) * DAYS + 1, seed=7, categories=CATEGORIES)
    for n, post in enumerate(posts[:-1]):
        post.category, post.publisher, post.tag = CATEGORIES[n % len(CATEGORIES)]
        post.published = FIRST_DAY + timedelta(days=n // len(CATEGORIES), minutes=n)
        post.site_body = True
    no_body = posts[-1]
    no_body.site_body = False
    return [p for p in posts[:-1] if (p.category, p.published.date()) != MISSED], no_body


def test_counts_quiet_days_only_for_normally_active_categories():
    start = date(2022, 3, 1)
    items = [post_item(category="daily", date=f"{start + timedelta(days=n)} 10:00:00 +0800") for n in range(10) if n != 4]
    items += [post_item(category="rare", date=f"{start + timedelta(days=n)} 10:00:00 +0800") for n in (0, 9)]
    items += [post_item(category="new", date=f"{start + timedelta(days=n)} 10:00:00 +0800") for n in (7, 9)]
    counts = PostCounts.of(items)
    assert counts.total == 13 and len(counts.days()) == 10
    # "rare" has posts on 2 of 10 days: not normally active; "new" has 3 days of history: too short to say.
    assert counts.quiet_days() == {"daily": [start + timedelta(days=4)]}


def in_chromium(check) -> None:
    """``check(page)`` on a new Chromium page, in a thread of its own: Playwright's sync
    API refuses the thread whose asyncio loop runs the tests' reactor (pytest-twisted)."""
    def run():
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            try:
                check(browser.new_page(viewport={"width": 1400, "height": 1000}))
            finally:
                browser.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(run).result()  # re-raises the check's AssertionError


def test_report_page_renders_its_chart_offline_with_gaps_rejects_and_runs(output, tmp_path):
    posts, no_body = site_posts()
    site = MockSite([*posts, no_body])
    with site.serve():
        site.json_status = 503  # no share data: the post without a body is rejected
        crawl(site, output, "finews", "-a", "categories=" + ",".join(slug for slug, _, _ in CATEGORIES),
              env={"NEWSCRAWL_SHARE": "api"})
    written = read_posts(output)
    assert len(written) == len(posts) + 1  # and the seed post
    page_path = tmp_path / "r.html"

    result = scrapy(output, "report", "-o", str(page_path))

    assert result.returncode == 0, result.stderr
    assert f"{len(written)} posts in {len(CATEGORIES)} categories, 2022-02-12 to 2022-02-23" in result.stdout
    # Wind's posts here have the publishers of other categories in their bodies: the name is the tag's
    assert "1 possibly missed day(s) in 1 categories: Wind Wind新闻 (1)" in result.stdout
    assert "1 current reject(s)" in result.stdout

    last_run = json.loads((output / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])

    def check(page):
        fetched = []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else (fetched.append(route.request.url), route.abort()))
        page.goto(page_path.as_uri())
        chart = page.locator("#posts-chart")
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
        per_day = Counter((post.meta["date"][:10], post.meta["categories"]) for post in written)
        cells = chart.locator("rect.cell")
        assert cells.count() == len(per_day)
        shown = {(cells.nth(n).get_attribute("data-day"), cells.nth(n).get_attribute("data-category")):
                 int(cells.nth(n).get_attribute("data-posts")) for n in range(cells.count())}
        assert shown == per_day
        quiet = chart.locator("rect.quiet")
        assert [(quiet.nth(0).get_attribute("data-category"), quiet.nth(0).get_attribute("data-day"))] == [
            (MISSED[0], MISSED[1].isoformat())] and quiet.count() == 1

        # Drawn, not just in the DOM: the screenshot has each cell's colour at its centre.
        screenshot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
        for rect in [quiet.nth(0), cells.nth(0), cells.nth(cells.count() - 1)]:
            cell_box = rect.bounding_box()
            centre = (int(cell_box["x"] + cell_box["width"] / 2), int(cell_box["y"] + cell_box["height"] / 2))
            assert "#%02x%02x%02x" % screenshot.getpixel(centre) == rect.get_attribute("fill")
        assert fetched == []

        rejects = page.locator("#rejects tbody tr")
        assert rejects.count() == 1 and no_body.info_code in rejects.nth(0).inner_text()
        runs = page.locator("#runs tbody tr")
        assert runs.count() == 1
        assert runs.nth(0).locator("td").last.inner_text().startswith(last_run.get("verdict", "not recorded"))

    in_chromium(check)


def test_report_on_a_state_it_cannot_open_is_one_line_and_exit_2(output, tmp_path):
    (output / "rejects.jsonl").parent.mkdir(parents=True, exist_ok=True)
    (output / "rejects.jsonl").write_text('{"info_code": "NW1", "reason": "no_body"}\n', encoding="utf-8")
    result = scrapy(output, "report", "-o", str(tmp_path / "r.html"), env={"NEWSCRAWL_STATE": "redis://127.0.0.1:1/0"})
    assert result.returncode == 2, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("newscrawl:")]
    assert line.startswith("newscrawl: cannot use Redis at redis://127.0.0.1:1/0 (NEWSCRAWL_STATE): ")
    assert "Traceback" not in result.stderr and not (tmp_path / "r.html").exists()
