"""The README stays short, and every docs page it or the MkDocs nav names exists.

Fast checks of the files only; .ci/run builds the pages with
``mkdocs build --strict``, which also fails on a broken link or anchor inside
docs/ and on a page left out of the nav.
"""

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
README_MAX_LINES = 300


class _MkDocsLoader(yaml.SafeLoader):
    """mkdocs.yml's ``!!python/name:`` tags (the mermaid fence) read as their names, not imported."""


_MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix)


def nav_pages(nav) -> list[str]:
    """Every page path of a MkDocs nav: a list of pages, ``{title: page}`` and ``{section: [...]}``."""
    if isinstance(nav, str):
        return [] if re.match(r"[a-z]+://", nav) else [nav]
    if isinstance(nav, list):
        return [page for entry in nav for page in nav_pages(entry)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return []


def readme_doc_links(text: str) -> list[str]:
    """The targets of the README's Markdown links into docs/, anchors dropped."""
    return [target.split("#", 1)[0] for target in re.findall(r"\]\((docs/[^)\s]+)\)", text)]


def test_readme_is_at_most_300_lines():
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move the detail to docs/"


def test_every_docs_page_the_readme_links_exists():
    links = readme_doc_links((REPO / "README.md").read_text(encoding="utf-8"))
    assert "docs/settings.md" in links  # the check reads the links it means to
    missing = sorted({link for link in links if not (REPO / link).is_file()})
    assert missing == []


def test_every_page_of_the_nav_exists():
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_MkDocsLoader)
    pages = nav_pages(config["nav"])
    assert "site.md" in pages  # the page the code cites as docs/site.md
    docs = REPO / config.get("docs_dir", "docs")
    missing = [page for page in pages if not (docs / page).is_file()]
    assert missing == []


def test_the_checks_see_a_missing_page():
    assert readme_doc_links("[a](docs/a.md#x) [b](docs/b.md) [c](https://example.org)") == ["docs/a.md", "docs/b.md"]
    assert nav_pages([{"Home": "index.md"}, {"Part": [{"A": "a.md"}, "b.md", {"Out": "https://example.org"}]}]) == [
        "index.md", "a.md", "b.md"]
