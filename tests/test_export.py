"""``scrapy export``: the archive through Scrapy's feed exporters, whole or in part, streamed."""

import csv
import html
import json
import multiprocessing
import tracemalloc
import xml.etree.ElementTree as ElementTree
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from scrapy.settings import Settings

from newscrawl import settings as project_settings
from newscrawl.archive.archived_posts import ArchivedPosts
from newscrawl.commands.export import export
from newscrawl.mocksite import DEFAULT_CATEGORIES, MockSite, generate_posts
from tests.conftest import crawl, post_item, read_posts, scrapy, write_archive

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

FIELDS = ["info_code", "title", "date", "category", "tags", "source", "body", "url", "share_url"]


def archived(output) -> dict[str, dict]:
    """What the post files hold, by infoCode, as export's items should."""
    return {
        post.meta["info_code"]: {
            "info_code": post.meta["info_code"], "title": html.unescape(post.meta["title"]), "date": post.meta["date"],
            "category": post.meta["categories"], "tags": html.unescape(post.meta["tags"]), "source": post.meta["source"],
            "body": post.body, "url": post.meta["url"], "share_url": post.meta["share_url"],
        }
        for post in read_posts(output)
    }


def test_export_writes_every_archived_post_in_each_format_while_a_crawls_own_O_holds_its_new_posts(output, tmp_path):
    categories = "categories=" + ",".join(slug for slug, _, _ in DEFAULT_CATEGORIES)
    site = MockSite(generate_posts(40, seed=5))
    with site.serve():
        first = crawl(site, output, "finews", "-a", categories)
        assert first.returncode == 0, first.log
        site.add_posts(generate_posts(3, seed=5, first=40))
        second = crawl(site, output, "finews", "-a", categories, "-O", str(tmp_path / "run.jsonl"))
        assert second.returncode == 0, second.log
    expected = archived(output)
    assert set(expected) == {post.info_code for post in site.posts}  # the generated posts, the new ones, the seed

    run_lines = (tmp_path / "run.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(run_lines) == 3  # the crawl's -O: the posts written in that run only

    files = {fmt: tmp_path / f"archive.{fmt}" for fmt in ("jsonl", "json", "csv", "xml")}
    result = scrapy(output, "export", *(arg for path in files.values() for arg in ("-O", str(path))))
    assert result.returncode == 0, result.stderr
    lines = files["jsonl"].read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(expected)
    assert {item["info_code"]: item for item in map(json.loads, lines)} == expected
    assert {item["info_code"]: item for item in json.loads(files["json"].read_text(encoding="utf-8"))} == expected
    with files["csv"].open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {row["info_code"]: row for row in rows} == expected
    items = ElementTree.parse(files["xml"]).getroot()
    assert {item.findtext("info_code"): {field: item.findtext(field) or "" for field in FIELDS} for item in items} == expected


def test_export_selects_days_and_categories_and_o_appends(output, tmp_path):
    start = datetime(2022, 2, 20, 9, 0, 0)
    items = [post_item(info_code=f"NW{n:04d}", category=category, date=f"{start + timedelta(days=n // 2):%Y-%m-%d %H:%M:%S} +0800")
             for n, category in enumerate(["Wind", "emnews"] * 5)]  # 2022-02-20 .. 02-24, both categories each day
    write_archive(output, items)
    target = tmp_path / "some.jsonl"

    def exported(*args):
        result = scrapy(output, "export", *args)
        assert result.returncode == 0, result.stderr
        return [json.loads(line)["info_code"] for line in target.read_text(encoding="utf-8").splitlines()]

    assert exported("-O", str(target), "--since", "2022-02-22", "--until", "2022-02-23") == ["NW0004", "NW0005", "NW0006", "NW0007"]
    assert exported("-O", str(target), "--categories", "Wind") == ["NW0000", "NW0002", "NW0004", "NW0006", "NW0008"]
    assert exported("-o", str(target), "--categories", "emnews", "--since", "2022-02-24") == [
        "NW0000", "NW0002", "NW0004", "NW0006", "NW0008", "NW0009"]  # appended


def test_export_skips_a_file_that_is_not_a_post_and_says_so(output, tmp_path):
    write_archive(output, [post_item()])
    (output / "_posts" / "2022-02-23-broken.md").write_text("no front matter here\n", encoding="utf-8")
    target = tmp_path / "posts.jsonl"
    result = scrapy(output, "export", "-O", str(target))
    assert result.returncode == 0, result.stderr
    assert len(target.read_text(encoding="utf-8").splitlines()) == 1
    assert "1 unreadable" in result.stderr and "Traceback" not in result.stderr


def test_export_usage_errors_exit_2(output, tmp_path):
    for args in ([], ["-O", str(tmp_path / "x.unknown")], ["-O", str(tmp_path / "x.jsonl"), "--since", "yesterday"],
                 ["-O", str(tmp_path / "x.jsonl"), "-o", str(tmp_path / "y.jsonl")]):
        result = scrapy(output, "export", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr


def export_peak(posts: str, feed: str) -> tuple[int, int]:
    """(posts exported, the peak of the memory Python allocated while exporting them)."""
    settings = Settings()
    settings.setmodule(project_settings)
    tracemalloc.start()
    try:
        exported = export(ArchivedPosts(Path(posts)), {feed: {"format": "jsonl"}}, settings)
        return exported, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_export_streams_posts_one_at_a_time(output, tmp_path):
    """Ten times the posts must not take ten times the memory: no list of posts anywhere."""
    body = "正文。" * 2000  # 18 KB a post

    def peak_while_exporting(count: int) -> int:
        archive = tmp_path / f"archive-{count}"
        write_archive(archive, (post_item(info_code=f"NW{n:06d}", body=body) for n in range(count)))
        # In a process of its own: what the other tests' threads allocate meanwhile does not count.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as process:
            exported, peak = process.submit(export_peak, str(archive / "_posts"), str(tmp_path / f"{count}.jsonl")).result()
        assert exported == count
        return peak

    few, many = peak_while_exporting(100), peak_while_exporting(1000)
    posts_held = 900 * len(body.encode())  # what 900 more posts' bodies alone would take
    assert many - few < posts_held / 10
