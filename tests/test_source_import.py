"""End to end: ``scrapy crawl source`` on a generated source repository of the site, with every
quirk of the generator's files, against the crawl of the same posts as real Jekyll renders them."""

import json

import pytest

from newscrawl.mocksite.source_repo import SourceSite, make_source_repo
from tests.conftest import crawl, expected_front_matter

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_source_repo(tmp_path_factory.mktemp("source") / "finews-source")


def files(output) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in (output / "_posts").glob("*.md")}


def mtimes(output) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in (output / "_posts").glob("*.md")}


def not_posts(repo, codes) -> set[str]:
    """The posts whose file Jekyll never shows as a post: a leading blank line, an empty showtime."""
    return {code for code in codes if repo.styles[code].leading_blank or repo.styles[code].empty_showtime}


def assert_import_is_the_crawl(repo, crawled, imported, expected_codes):
    """Every post the crawl wrote, the import wrote byte for byte; every post the import wrote is right."""
    assert crawled.returncode == 0, crawled.log[-3000:]
    assert imported.returncode == 0, imported.log[-3000:]
    assert imported.tracebacks() == [] and imported.rejects() == []
    by_code = imported.posts()
    assert set(by_code) == expected_codes
    for code, written in by_code.items():
        assert written.meta == expected_front_matter(repo.posts[code]), code
    crawl_files, import_files = files(crawled.output), files(imported.output)
    assert len(crawl_files) > len(expected_codes) // 2
    assert {name for name, text in crawl_files.items() if import_files.get(name) != text} == set()
    # What the crawl cannot have: titles YAML cannot read (Jekyll drops the front matter) are imported.
    broken = {code for code in expected_codes if '"' in repo.posts[code].title}
    assert broken and broken <= set(by_code)
    assert not broken & set(crawled.posts())


def test_folder_import_writes_what_a_crawl_of_the_same_posts_writes(repo, tmp_path):
    tree = repo.tree_posts()
    codes = {code for code, (path, _) in repo.newest.items() if path in repo.tree}
    site = SourceSite(list(repo.posts.values()), tree)
    with site.serve():
        crawled = crawl(site, tmp_path / "crawl", "finews", "-a", "categories=all")
        imported = crawl(site, tmp_path / "import", "source", "-a", f"path={repo.path}")
    expected = codes - not_posts(repo, codes)
    assert_import_is_the_crawl(repo, crawled, imported, expected)
    # Only the history has the deleted posts and the other branch's.
    assert repo.deleted and not repo.deleted & set(imported.posts())
    assert not repo.on_branch_only & set(imported.posts())
    # Files that are no posts: counted, with their reasons, and not a bad run.
    report = imported.report()
    assert report["verdict"] == "ok" and report["posts"]["written"] == len(expected)
    assert report["posts"]["not_posts"] == {
        "no_date_in_name": 2,  # README.md, the empty showtime's -<code>.md
        "no_info_code": 1,  # _posts/2021-12-01-init.md
        "no_front_matter": len({c for c in codes if repo.styles[c].leading_blank}),
    }


def test_history_import_recovers_deleted_and_rewritten_posts(repo, tmp_path):
    newest = repo.newest_posts()
    site = SourceSite(list(repo.posts.values()), newest)
    with site.serve():
        crawled = crawl(site, tmp_path / "crawl", "finews", "-a", "categories=all")
        imported = crawl(site, tmp_path / "import", "source", "-a", f"path={repo.path}", "-a", "history=all")
    expected = set(repo.newest) - not_posts(repo, repo.newest)
    assert_import_is_the_crawl(repo, crawled, imported, expected)
    written = imported.posts()
    assert repo.deleted and repo.deleted - not_posts(repo, repo.deleted) <= set(written)
    assert repo.on_branch_only <= set(written)
    assert repo.rewritten and repo.recategorized
    for code, first_title in repo.rewritten.items():
        if code in written:
            assert written[code].meta["title"] != first_title and written[code].meta["title"].endswith("（更新）")
    for code, first_category in repo.recategorized.items():
        assert written[code].meta["categories"] == repo.posts[code].category != first_category
    assert imported.report()["posts"]["older_versions"] > 0


@pytest.mark.parametrize("history", [False, True], ids=["folder", "history"])
def test_a_rerun_writes_nothing_and_a_crawl_after_the_import_fetches_no_archived_post(repo, tmp_path, history):
    output = tmp_path / "output"
    args = ["-a", f"path={repo.path}", *(["-a", "history=all"] if history else [])]
    site = SourceSite(list(repo.posts.values()), repo.newest_posts() if history else repo.tree_posts())
    with site.serve():
        first = crawl(site, output, "source", *args)
        assert first.returncode == 0, first.log[-3000:]
        before = mtimes(output)
        assert len(before) > 50
        site.clear_requests()

        rerun = crawl(site, output, "source", *args)
        assert rerun.returncode == 0, rerun.log[-3000:]
        assert mtimes(output) == before
        assert rerun.report()["posts"]["written"] == 0 and rerun.report()["verdict"] == "ok"
        assert site.requests == []  # not even share data

        crawled = crawl(site, output, "finews", "-a", "categories=all")
        assert crawled.returncode == 0, crawled.log[-3000:]
        assert site.post_page_requests() == []
        assert mtimes(output) == before
    assert crawled.report()["posts"]["skipped"] > 50


@pytest.mark.parametrize("mode", ["api", "off"])
def test_digests_and_bodiless_posts_are_completed_as_a_crawl_completes_them(repo, tmp_path, mode):
    tree = repo.tree_posts()
    site = SourceSite(list(repo.posts.values()), tree)
    env = {"NEWSCRAWL_SHARE": mode}
    with site.serve():
        crawled = crawl(site, tmp_path / "crawl", "finews", "-a", "categories=all", env=env)
        imported = crawl(site, tmp_path / "import", "source", "-a", f"path={repo.path}", env=env)
    assert imported.returncode == crawled.returncode == 0, imported.log[-3000:]
    crawl_files, import_files = files(crawled.output), files(imported.output)
    assert crawl_files
    for name, text in crawl_files.items():
        assert import_files[name] == text, name
    bodiless = {c for c, (path, _) in repo.newest.items() if path in repo.tree and not repo.posts[c].site_body
                and not repo.posts[c].is_emnews} - not_posts(repo, repo.newest)
    assert bodiless
    if mode == "off":
        assert {r["info_code"]: r["reason"] for r in imported.rejects()} == dict.fromkeys(bodiless, "no_body")
    else:
        assert bodiless <= set(imported.posts()) and imported.rejects() == []


def test_share_data_that_fails_is_a_reject_retried_by_the_next_import(repo, tmp_path):
    output = tmp_path / "output"
    site = SourceSite(list(repo.posts.values()), repo.tree_posts())
    api_only = {"NEWSCRAWL_SHARE": "api"}
    bodiless = {c for c, (path, _) in repo.newest.items() if path in repo.tree and not repo.posts[c].site_body
                and not repo.posts[c].is_emnews} - not_posts(repo, repo.newest)
    with site.serve():
        site.json_status = 503
        first = crawl(site, output, "source", "-a", f"path={repo.path}", env=api_only)
        assert first.returncode == 1 and first.tracebacks() == []
        assert {r["info_code"]: (r["reason"], r["kind"]) for r in first.rejects()} == dict.fromkeys(
            bodiless, ("share_fetch_failed", "failure"))
        assert first.report()["verdict"] == "bad"

        site.json_status = 200
        second = crawl(site, output, "source", "-a", f"path={repo.path}", env=api_only)
    assert second.returncode == 0, second.log[-3000:]
    assert second.rejects() == [] and second.report()["posts"]["written"] == len(bodiless)
    assert bodiless <= set(second.posts())


def test_since_and_until_bound_the_days_imported(repo, tmp_path):
    site = SourceSite(list(repo.posts.values()), repo.tree_posts())
    with site.serve():
        result = crawl(site, tmp_path / "output", "source", "-a", f"path={repo.path}",
                       "-a", "since=2022-02-03", "-a", "until=2022-02-04")
    assert result.returncode == 0, result.log[-3000:]
    days = {post.meta["url"].split("/")[-4:-1][2] for post in result.posts().values()}
    assert days == {"03", "04"}
    assert result.report()["posts"]["skipped_window"] > 0
    assert json.loads((tmp_path / "output" / "runs.jsonl").read_text().splitlines()[-1])["arguments"] == {
        "path": str(repo.path), "since": "2022-02-03", "until": "2022-02-04"}


@pytest.mark.parametrize("args, message", [
    ([], "source needs -a path=<PATH>: the folder to import"),
    (["-a", "path=/nonexistent/folder"], "no such folder"),
    (["-a", "path={tmp}", "-a", "history=all"], "not a git repository"),
    (["-a", "path={tmp}", "-a", "history=some"], "history=some"),
    (["-a", "path={tmp}", "-a", "pages=3"], "takes no argument -a pages"),
])
def test_a_bad_argument_is_one_line_and_exit_2(tmp_path, args, message):
    site = SourceSite([], {})
    with site.serve():
        result = crawl(site, tmp_path / "output", "source", *(a.format(tmp=tmp_path) for a in args))
    assert result.returncode == 2 and message in result.log and result.tracebacks() == []
