"""Build the site with real Jekyll from its own source and a list of Posts.

The source is the site's: ``jekyll-site/`` (config, layouts, both versions
of the home page, category pages, the seed post) ships with this package.
``build_site`` writes the posts into a copy of it, with a category page for
every category they use, and runs ``jekyll build`` (Debian's ``jekyll``,
``ruby-jekyll-feed`` and ``ruby-jekyll-seo-tag``). What comes out is what
the site serves, kramdown's quirks included.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urljoin, urlsplit

import lxml.etree
import lxml.html

from .source_posts import JEKYLL_SOURCE, POST_PATH_RE, SITE_HOST, SITE_URL, Post, source_text

#: The home page versions the site had (docs/site.md, "URL scheme"): each tag's five newest, or the newest 100.
HOMES = {"index": "index.md", "latest100": "index-latest100.md"}


class JekyllError(RuntimeError):
    """``jekyll build`` is missing or failed; the message has its output."""


def write_site_source(src: Path, categories: set[str], home: str = "index") -> Path:
    """The site's Jekyll source without posts, at ``src``: config, layouts, the
    chosen home page, and a page for each category (the site's own where it
    has one, else one written like them)."""
    if home not in HOMES:
        raise ValueError(f"home must be one of {', '.join(HOMES)}, not {home!r}")
    ignore = shutil.ignore_patterns("README.md", "index*.md", "_posts", "category")
    shutil.copytree(JEKYLL_SOURCE, src, ignore=ignore)
    shutil.copyfile(JEKYLL_SOURCE / HOMES[home], src / "index.md")
    (src / "_posts").mkdir()
    (src / "category").mkdir()
    for slug in categories:
        page = f"{slug}.html"
        if (JEKYLL_SOURCE / "category" / page).exists():
            shutil.copyfile(JEKYLL_SOURCE / "category" / page, src / "category" / page)
        else:
            (src / "category" / page).write_text(category_page(slug, f"{slug}新闻"), encoding="utf-8")
    return src


def category_page(slug: str, title: str) -> str:
    """A category page's source, as the site's are written."""
    return f"---\nlayout: category\ntitle: {title}\ncategory: {slug}\n---"


def write_source(posts: list[Post], src: Path, home: str = "index") -> Path:
    """The site's Jekyll source with these posts in ``_posts/``, at ``src``.

    Posts not ``listed`` are left out: only the share data has them.
    """
    listed = [post for post in posts if post.listed]
    write_site_source(src, {post.category for post in listed}, home)
    for post in listed:
        (src / "_posts" / post.filename).write_text(source_text(post), encoding="utf-8")
    return src


def run_jekyll(src: Path, dest: Path) -> Path:
    """``jekyll build -s src -d dest --quiet``; raises JekyllError if it fails."""
    jekyll = shutil.which("jekyll")
    if jekyll is None:
        raise JekyllError("jekyll is not installed (apt-get install jekyll ruby-jekyll-feed ruby-jekyll-seo-tag)")
    proc = subprocess.run([jekyll, "build", "-s", str(src), "-d", str(dest), "--quiet"], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise JekyllError(f"jekyll build -s {src} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return dest


def build_site(posts: list[Post], dest: Path | None = None, home: str = "index") -> Path:
    """Build the site of these posts with real Jekyll; the built ``_site`` directory.

    Without ``dest``, the build is cached_build's: treat it as read-only.
    """
    if dest is not None:
        with tempfile.TemporaryDirectory(prefix="mocksite-src-") as work:
            return run_jekyll(write_source(posts, Path(work) / "src", home), dest)
    sources = sorted((post.filename, post.listed, source_text(post)) for post in posts)
    return cached_build(("posts", home, sources), lambda built: build_site(posts, built, home))


def cached_build(source: object, build: Callable[[Path], Path]) -> Path:
    """The site ``build(dest)`` builds, kept for the life of the process, one per distinct
    ``source``: everything the build reads (the post files' texts, the home page), so a
    cached site is always the one a new build would give. Treat it as read-only."""
    key = hashlib.sha256(repr(source).encode()).hexdigest()[:24]
    with _cache_lock:
        built = _cache_dir() / key
        if not built.exists():
            build(built.with_suffix(".building")).rename(built)
        return built


_cache_lock = threading.Lock()
_cache: list[Path] = []


def _cache_dir() -> Path:
    if not _cache:
        _cache.append(Path(tempfile.mkdtemp(prefix="mocksite-builds-")))
    return _cache[0]


@atexit.register
def remove_cached_builds() -> None:
    """Remove the builds cached_build kept (the next one starts a new cache). Runs at exit;
    a process that ends without running atexit, as a pytest-xdist worker does, calls it."""
    with _cache_lock:
        if _cache:
            shutil.rmtree(_cache.pop(), ignore_errors=True)


# --- What a built site links to ------------------------------------------------------------


def site_file(site_dir: Path, path: str) -> Path | None:
    """The built file a decoded URL path is served from (``/`` is index.html); None if none."""
    if path == "/":
        path = "/index.html"
    elif path.endswith("/") or "\x00" in path:  # only the home page is a directory index; no file has a NUL
        return None
    file = (site_dir / path.lstrip("/")).resolve()
    if site_dir.resolve() not in file.parents or not file.is_file():
        return None
    return file


def reachable_post_paths(site_dir: Path, failing: frozenset[str] = frozenset()) -> set[str]:
    """Post paths a crawler reaches by following links from ``/`` and ``/feed.xml``:
    links in each page's ``<section>`` and the feed's entry links, on to every
    page that exists (``/<category>/`` and other 404s lead nowhere, and so do
    the ``failing`` paths)."""
    frontier, seen, posts = ["/", "/feed.xml"], set(failing), set()
    while frontier:
        path = frontier.pop()
        if path in seen:
            continue
        seen.add(path)
        file = site_file(site_dir, path)
        if file is None:
            continue
        if POST_PATH_RE.match(path):
            posts.add(path)
        for href in _links(file):
            parts = urlsplit(urljoin(SITE_URL + path, href))
            if parts.netloc == SITE_HOST:
                frontier.append(unquote(parts.path))
    return posts


def _links(file: Path) -> list[str]:
    if file.suffix == ".xml":
        tree = lxml.etree.parse(str(file))
        return tree.xpath("//a:entry/a:link/@href", namespaces={"a": "http://www.w3.org/2005/Atom"})
    return lxml.html.fromstring(file.read_bytes()).xpath("//section//a/@href")
