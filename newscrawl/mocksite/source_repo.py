"""The site generator's source repository: its post files as it wrote them, and a git history.

``make_source_repo(path, days=6, posts_per_day=20, commits_per_day=3)``
writes a git repository (with ``git fast-import``, fast enough for 20,000
posts) whose history is the generator's: each commit a run that moves
posts dated more than two days before its (UTC) day from ``_posts/`` to
``old_post/``, then writes the new posts into ``_posts/``; later commits
rewrite some posts (a new title, or another feed's category: the last
writer wins) and delete others; one post lives only on another branch.
The checkout is left at the last commit.

The files carry every quirk of the real ones (docs/site.md, issue 19):
unescaped ``"`` in titles (YAML cannot read them), dates without offset
(early emnews posts: digest only, relative back links), a leading blank
line before the front matter, a file of an empty showtime (``-<code>.md``,
``title: ""``, ``date:  +0800``), emnews bodies of ``> `` and the digest,
the article, then the eastmoney link, share links ``<>``, the three forms
of back link with and without the home link, the spaced category, files
that are no posts (``README.md``, ``_posts/2021-12-01-init.md``).

``SourceSite(repo.posts, files)`` is the MockSite of those files as Jekyll
renders them (the share data and eastmoney articles of ``repo.posts``).
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .jekyll import cached_build, run_jekyll, write_site_source
from .source_posts import DEFAULT_CATEGORIES, LATE, SITE_CATEGORIES, SITE_HOST, Post, back_links, generate_posts, site_body
from .server import MockSite

INIT_POST = "_posts/2021-12-01-init.md"
NOT_POSTS = {
    "README.md": "# finews\n\n金融消息: posts written by the generator every five minutes.\n",
    INIT_POST: "---\nlayout: post\ntitle: init\n---\ninit\n",
}
#: Where the generator's runs are: one commit every this long, more or less.
_PRUNE_AFTER_DAYS = 2


@dataclass(frozen=True)
class FileStyle:
    """How the generator wrote one post's file (its quirks)."""

    with_article: bool = False  # emnews: the article after the digest
    home_link: bool = True  # the back links end with 返回首页
    leading_blank: bool = False  # a blank line before the front matter: no post for Jekyll
    empty_showtime: bool = False  # ``-<code>.md``, no title, no date: Jekyll never renders it


def generator_name(post: Post, style: FileStyle = FileStyle()) -> str:
    """``<showtime[:10]>-<infoCode or emnews id>.md`` (the mock's emnews infoCode is its id)."""
    return f"-{post.info_code}.md" if style.empty_showtime else f"{post.published:%Y-%m-%d}-{post.info_code}.md"


def generator_text(post: Post, style: FileStyle = FileStyle()) -> str:
    """The file as the generator wrote it: title in unescaped double quotes, the date with
    ``+0800`` (without, for a post the site shows late), the body, the share link, the back links."""
    title, when = ("", " +0800") if style.empty_showtime else (post.title, f"{post.published:%Y-%m-%d %H:%M:%S}"
                                                                + ("" if post.shown_late else " +0800"))
    front = (f'---\nlayout: post\ntitle: "{title}"\ndate: {when}\ncategories: {post.category}\n'
             f"tags: {post.tag}\n---\n")
    if post.is_emnews:
        body = f"> {site_body(post)}"
        if style.with_article:
            body += "\n\n" + post.body_html.replace("\u3000\u3000", "")
    else:
        body = site_body(post)
    share_link = "" if post.share_link_empty else post.share_url
    links = back_links(post)
    if not style.home_link:
        links = links.split("｜")[0].split("\n")[0]
    return f"{chr(10) if style.leading_blank else ''}{front}{body}\n\n<{share_link}>\n\n{links}\n"


@dataclass
class SourceRepo:
    """A generated source repository and what tests need to know of it."""

    path: Path
    posts: dict[str, Post] = field(default_factory=dict)  # every post ever written, as its newest version says
    tree: dict[str, str] = field(default_factory=dict)  # the checkout: path -> text
    newest: dict[str, tuple[str, str]] = field(default_factory=dict)  # infoCode -> its newest (path, text)
    rewritten: dict[str, str] = field(default_factory=dict)  # infoCode -> the title it had first
    recategorized: dict[str, str] = field(default_factory=dict)  # infoCode -> the category it had first
    deleted: set[str] = field(default_factory=set)
    on_branch_only: set[str] = field(default_factory=set)
    styles: dict[str, FileStyle] = field(default_factory=dict)
    commits: int = 0

    def codes_with(self, quirk) -> set[str]:
        """infoCodes of the posts whose newest file has a quirk: ``quirk(post, style, text) -> bool``."""
        return {code for code, (_, text) in self.newest.items()
                if quirk(self.posts[code], self.styles[code], text)}

    def tree_posts(self) -> dict[str, str]:
        """The checkout's post files (``_posts/`` and ``old_post/``) by file name."""
        return {path.rpartition("/")[2]: text for path, text in self.tree.items() if path not in NOT_POSTS}

    def newest_posts(self) -> dict[str, str]:
        """The newest committed version of every post, by file name."""
        return {path.rpartition("/")[2]: text for path, text in self.newest.values()}


def _style(post: Post, rng: random.Random) -> FileStyle:
    return FileStyle(
        with_article=post.is_emnews and not post.shown_late and rng.random() < 0.7,
        home_link=rng.random() >= 0.15,
        leading_blank=rng.random() < 0.03,
    )


def _quirky(post: Post, rng: random.Random) -> Post:
    """The generator's early emnews posts (no offset) linked back relatively; some share links are ``<>``."""
    if post.is_emnews and post.shown_late:
        return replace(post, back_link_form=2)
    if not post.is_emnews and rng.random() < 0.04:
        return replace(post, share_link_empty=True)
    return post


def make_source_repo(path: Path, *, days: int = 6, posts_per_day: int = 20, commits_per_day: int = 3,
                     seed: int = 0, start: date = date(2022, 2, 1), keep_texts: bool = True) -> SourceRepo:
    """Write the repository at ``path`` (a new directory) and check out its last commit."""
    repo = SourceRepo(path)
    rng = random.Random(f"source-repo:{seed}")
    runs = _runs(days, posts_per_day, commits_per_day, seed, start)
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    importer = subprocess.Popen(["git", "-C", str(path), "fast-import", "--quiet", "--done"], stdin=subprocess.PIPE)
    stream = _Stream(importer.stdin)
    files: dict[str, str] = {}  # path -> text, as in the last commit
    recent: list[str] = []  # infoCodes written by the last runs, for rewrites
    where: dict[str, str] = {}  # infoCode -> its path now
    for number, (when, batch) in enumerate(runs, 1):
        changes: list[tuple[str, str, str | None]] = []  # (op, path, text or new path)
        runner_day = when.astimezone(timezone.utc).date()
        if number == 1:
            changes += [("M", name, text) for name, text in NOT_POSTS.items()]
        for code, old in list(where.items()):
            day = old.rpartition("/")[2][:10]
            if old.startswith("_posts/") and day[0].isdigit() and date.fromisoformat(day) < runner_day - timedelta(days=_PRUNE_AFTER_DAYS):
                new = "old_post/" + old.partition("/")[2]
                changes.append(("R", old, new))
                where[code] = new
        for code in [c for c in recent if rng.random() < 0.06]:  # rewrites of recent posts
            post = repo.posts[code]
            if not where.get(code, "").startswith("_posts/"):
                continue
            if rng.random() < 0.25 and not post.is_emnews:
                slug, _, tag = rng.choice([c for c in DEFAULT_CATEGORIES if c[0] not in (post.category, "emnews")])
                repo.recategorized.setdefault(code, post.category)
                post = replace(post, category=slug, tag=tag)
            else:
                repo.rewritten.setdefault(code, post.title)
                post = replace(post, title=post.title.strip() + "（更新）")
            repo.posts[code] = post
            changes.append(("M", where[code], generator_text(post, repo.styles[code])))
        if where and rng.random() < 0.3:  # a deletion
            code = rng.choice(sorted(where))
            changes.append(("D", where.pop(code), None))
            repo.deleted.add(code)
        recent = []
        for post in batch:
            post = _quirky(post, rng)
            style = _style(post, rng)
            if not repo.styles and not post.is_emnews:
                style = replace(style, empty_showtime=True, leading_blank=False)
            repo.posts[post.info_code], repo.styles[post.info_code] = post, style
            where[post.info_code] = "_posts/" + generator_name(post, style)
            changes.append(("M", where[post.info_code], generator_text(post, style)))
            recent.append(post.info_code)
        stream.commit("refs/heads/main", number, when, changes)
        for op, old, value in changes:
            if op == "M":
                files[old] = value
                _note_newest(repo, old, value)
            elif op == "R":
                files[value] = files.pop(old)
                _note_newest(repo, value, files[value])
            else:
                files.pop(old)
        if number == 2:  # a post committed on another branch only
            post = generate_posts(1, seed=seed + 1, categories=[DEFAULT_CATEGORIES[0]], start=batch[0].published)[0]
            repo.posts[post.info_code], repo.styles[post.info_code] = post, FileStyle()
            text = generator_text(post)
            name = "_posts/" + generator_name(post)
            stream.commit("refs/heads/draft", 10**6, when + timedelta(minutes=1), [("M", name, text)], parent=number)
            _note_newest(repo, name, text)
            repo.on_branch_only.add(post.info_code)
    repo.deleted -= set(where)
    repo.commits = len(runs) + 1
    stream.done()
    if importer.wait() != 0:
        raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "-f", "main"], check=True)
    repo.tree = files if keep_texts else {}
    if not keep_texts:
        repo.newest = {}
    return repo


def _note_newest(repo: SourceRepo, path: str, text: str) -> None:
    """The newest version of a post file so far: ``<date>-<code>.md``, or ``-<code>.md``."""
    if path in NOT_POSTS:
        return
    stem = path.rpartition("/")[2].removesuffix(".md")
    code = stem[1:] if stem.startswith("-") else stem[len("YYYY-MM-DD-"):]
    repo.newest[code] = (path, text)


def _runs(days: int, per_day: int, commits_per_day: int, seed: int, start: date) -> list[tuple[datetime, list[Post]]]:
    """(the run's time, the posts it writes) for each generator run, oldest first."""
    posts = []
    for day in range(days):
        first = day * per_day
        day_start = datetime.combine(start + timedelta(days=day), datetime.min.time()).replace(hour=7)
        posts += generate_posts(per_day, seed=seed, categories=SITE_CATEGORIES,
                                start=day_start - timedelta(seconds=150 * first), first=first)
    posts.sort(key=lambda p: p.published)
    size = max(1, per_day // commits_per_day)
    runs = []
    for at in range(0, len(posts), size):
        batch = posts[at:at + size]
        when = (max(p.published for p in batch) + timedelta(minutes=3) - LATE).replace(tzinfo=timezone.utc)
        runs.append((when, batch))
    return runs


class _Stream:
    """git fast-import's input, written as it is made."""

    def __init__(self, out):
        self.out = out

    def _data(self, data: bytes) -> None:
        self.out.write(b"data %d\n" % len(data) + data + b"\n")

    def commit(self, ref: str, mark: int, when: datetime, changes, parent: int | None = None) -> None:
        stamp = int(when.timestamp())
        self.out.write(f"commit {ref}\nmark :{mark}\ncommitter generator <generator@{SITE_HOST}> {stamp} +0000\n".encode())
        self._data(f"提交更新 {when:%Y-%m-%d %H:%M:%S}".encode())
        if parent is not None:
            self.out.write(f"from :{parent}\n".encode())
        for op, path, value in changes:
            if op == "M":
                self.out.write(f"M 100644 inline {path}\n".encode())
                self._data(value.encode())
            elif op == "R":
                self.out.write(f"R {path} {value}\n".encode())
            else:
                self.out.write(f"D {path}\n".encode())
        self.out.write(b"\n")

    def done(self) -> None:
        self.out.write(b"done\n")
        self.out.close()


# --- The site Jekyll builds of such files ---------------------------------------------------


def build_files_site(files: dict[str, str], categories: set[str], dest: Path | None = None) -> Path:
    """The site Jekyll builds of these post files (by name, all in ``_posts/``); without
    ``dest``, jekyll.cached_build's (read-only)."""
    if dest is None:
        source = ("files", sorted(files.items()), sorted(categories))
        return cached_build(source, lambda built: build_files_site(files, categories, built))
    with tempfile.TemporaryDirectory(prefix="mocksite-src-") as work:
        src = write_site_source(Path(work) / "src", categories)
        for name, text in files.items():
            (src / "_posts" / name).write_text(text, encoding="utf-8")
        return run_jekyll(src, dest)


class SourceSite(MockSite):
    """The site Jekyll builds of generator files, served with the upstream data of ``posts``."""

    def __init__(self, posts: list[Post], files: dict[str, str], **kwargs):
        self._files = files
        super().__init__(posts, include_seed=False, **kwargs)

    def _build(self) -> Path:
        categories = {post.category for post in self._posts.values()}
        return build_files_site(self._files, categories)
