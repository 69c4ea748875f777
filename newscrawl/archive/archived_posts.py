"""The archive's posts as items, read from disk one at a time.

What ``scrapy export`` and ``scrapy report`` go through. However big the
archive, one post is in memory at a time: the sorted file names (about 100
bytes a post) are all that is kept. Files are read in name order, which is
date order; the date window is applied to the names, before any file is read.
"""

import itertools
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from newscrawl.archive.postfile import NotAPostFile, read_post
from newscrawl.items import PostItem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostSelection:
    """Which posts: inclusive days (the post's own Asia/Shanghai day, as in its file name) and categories."""

    since: date | None = None
    until: date | None = None
    categories: frozenset[str] = field(default_factory=frozenset)

    def has_day(self, day: date) -> bool:
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def has_category(self, category: str) -> bool:
        return not self.categories or category in self.categories


class ArchivedPosts:
    """Iterate the posts of ``<output>/_posts/`` in the selection; ``unreadable`` counts the files skipped."""

    def __init__(self, directory: Path, selection: PostSelection = PostSelection()):
        self.directory = directory
        self.selection = selection
        self.unreadable = 0

    def __iter__(self) -> Iterator[PostItem]:
        for name in self._names():
            path = self.directory / name
            try:
                with path.open(encoding="utf-8", newline="") as file:  # "\r" in a body stays
                    item = read_post(file.read())
            except (OSError, UnicodeDecodeError, NotAPostFile) as exc:
                self.unreadable += 1
                logger.warning("Skipped %s: not a readable post file (%s)", path, exc)
                continue
            if self.selection.has_category(item["category"]):
                yield item

    def category_names(self) -> set[str]:
        """The categories of the posts in the date window (whatever the categories chosen),
        read from the front matter's ``categories:`` line, the rest of each file left unread."""
        names = set()
        for name in self._names():
            try:
                with (self.directory / name).open(encoding="utf-8") as file:
                    for line in itertools.islice(file, 1, None):  # after the opening ---
                        if line.rstrip("\r\n") == "---":
                            break
                        if line.startswith("categories:"):
                            names.add(str(yaml.safe_load(line)["categories"]))
                            break
            except (OSError, UnicodeDecodeError, yaml.YAMLError, TypeError):
                continue  # what reads the posts says so
        return names

    def _names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        names = []
        with os.scandir(self.directory) as entries:
            for entry in entries:
                day = post_day(entry.name)
                if day is not None and self.selection.has_day(day):
                    names.append(entry.name)
        return sorted(names)


def post_day(name: str) -> date | None:
    """The day of a post file name ``YYYY-MM-DD-<infoCode>.md``; None for any other file."""
    if not name.endswith(".md"):
        return None
    try:
        return date.fromisoformat(name[:10])
    except ValueError:
        return None
