"""``scrapy demo``: the sample site served and crawled, every category written."""

import json

import pytest

from newscrawl.commands.demo import POSTS, sample_site
from newscrawl.mocksite import SITE_CATEGORIES
from tests.conftest import read_posts, scrapy

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)


def test_demo_writes_every_post_the_sample_site_links_in_every_category_and_shows_some(tmp_path):
    directory = tmp_path / "demo"

    result = scrapy(tmp_path / "unused", "demo", "--directory", str(directory), timeout=300)

    assert result.returncode == 0, result.stderr
    posts = read_posts(directory)
    assert {post.meta["info_code"] for post in posts} == sample_site(POSTS).reachable_codes()
    assert {post.meta["categories"] for post in posts} == {slug for slug, _, _ in SITE_CATEGORIES}
    run = json.loads((directory / "runs.jsonl").read_text(encoding="utf-8"))
    assert run["posts"]["written"] == len(posts)
    assert "Progress:" in result.stderr and "Run summary:" in result.stderr
    shown = [line.removeprefix("==> ").removesuffix(" <==") for line in result.stdout.splitlines() if line.startswith("==> ")]
    assert len(shown) == 3 and all(path in {str(post.path) for post in posts} for path in shown)
