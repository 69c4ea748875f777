"""``scrapy verify``: check the archive's files against its state; ``--repair``: repair the state.

What it finds, and what ``--repair`` does about it:

- An archived infoCode whose file is missing, unreadable, has no valid front
  matter or holds another infoCode is forgotten: the next run that lists the
  post fetches it again.
- A post file the state does not know is recorded as archived when its front
  matter is valid and names an infoCode not archived elsewhere (else it is
  only reported, and left alone).

A state SQLite cannot read (newscrawl.archive.health) is moved aside (``<state>.corrupt-<time>``, kept),
and a new state is built from the post files, nothing fetched, with the
rejects and listing counts that can still be read from the old one.

One line per finding, then a summary. Exit 0 when files and state agreed,
1 when something was found (and, with ``--repair``, repaired), 2 for a
configuration error or a directory that is no archive, 75 while a run holds
the archive.
"""

import json
import sqlite3
import sys

from scrapy.commands import ScrapyCommand

from newscrawl import config
from newscrawl.archive.health import REPAIR_COMMAND, corruption, set_aside
from newscrawl.archive.paths import posts_dir, state_path, state_uri
from newscrawl.archive.postfile import NotAPostFile, read_post
from newscrawl.archive.backends import open_store, store_class
from newscrawl.archive.store import ArchiveStore
from newscrawl.commands.selection import ArchiveDirectory
from newscrawl.errors import ConfigError
from newscrawl.exitcodes import EXIT_BAD_RUN, EXIT_LOCKED, VERIFY_STATUSES, exit_on_config_error
from newscrawl.runlock import ArchiveLocked, archive_lock


class Command(ArchiveDirectory, ScrapyCommand):
    statuses = VERIFY_STATUSES

    def syntax(self):
        return "[--archive DIR] [--repair]"

    def short_desc(self):
        return "Check that every archived post has its file and every post file is archived (--repair: make it so)"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--repair", action="store_true",
                            help="repair the state: forget what has no file, record the post files it lacks, "
                                 "rebuild a corrupt state from the post files (the old one is moved aside)")

    def run(self, args, opts):
        try:
            with exit_on_config_error():
                self.check_archive(opts)  # before config.load, whose checks are for a directory a crawl may create
                config.load(self.settings)
                if store_class(state_uri(self.settings)).shared:
                    raise ConfigError("scrapy verify repairs a state one run uses at a time (a SQLite file), "
                                      "not one that workers may be writing to")
                with archive_lock(self.settings):
                    findings = self._verify(opts.repair)
        except ArchiveLocked as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        except OSError as exc:  # a full disk, an I/O error: the state is left as it is
            print(f"newscrawl: could not verify {exc.filename}: {exc.strerror}", file=sys.stderr)
            self.exitcode = EXIT_BAD_RUN
            return
        for finding in findings:
            print(finding)
        if not findings:
            print("Files and state agree")
        elif opts.repair:
            print(f"{len(findings)} finding(s), state repaired")
        else:
            print(f"{len(findings)} finding(s), nothing changed: `scrapy verify --repair` does what each line says")
        self.exitcode = EXIT_BAD_RUN if findings else 0

    def _verify(self, repair: bool) -> list[str]:
        path = state_path(self.settings)
        problem = corruption(path)
        if problem and not repair:
            raise ConfigError(f"the archive state {path} {problem}: run `{REPAIR_COMMAND}` to move it aside "
                              "and rebuild it from the post files (nothing is fetched)")
        findings = []
        if problem:
            aside = set_aside(path)
            findings.append(f"{path}: {problem}; moved aside to {aside.name}, rebuilt from the post files")
        store = open_store(self.settings)
        try:
            if problem:
                findings.append(recover_history(aside, store))
            findings += verify(store, posts_dir(self.settings), repair)
        finally:
            store.close()
        return findings


def read_post_file(path) -> dict | None:
    """A post file's item; None if the file is missing, unreadable or not a post file."""
    try:
        with open(path, encoding="utf-8") as f:
            return read_post(f.read())
    except (OSError, UnicodeDecodeError, NotAPostFile):
        return None


def verify(store: ArchiveStore, directory, repair: bool = True) -> list[str]:
    """Compare, and say what was found; ``repair``: and repair the state, else say what --repair would do."""

    def done(did: str, would: str) -> str:
        return did if repair else f"--repair {would}"

    findings = []
    in_place: dict[str, str] = {}  # path -> infoCode, for the files the state knows
    for info_code, path in list(store.archived()):
        meta = read_post_file(path)
        if meta is not None and meta.get("info_code") == info_code:
            in_place[str(path)] = info_code
            continue
        why = "is missing or has no valid front matter" if meta is None else f"holds info_code {meta.get('info_code')!r}"
        if repair:
            store.forget(info_code)
        findings.append(f"{info_code}: {path} {why}; {done('forgotten', 'forgets it')}, so the next run fetches it again")
    for path in sorted(directory.glob("*.md")):
        if str(path) in in_place:
            continue
        meta = read_post_file(path)
        info_code = meta.get("info_code") if meta else None
        if not info_code or not meta.get("url"):
            findings.append(f"{path}: not a post file (no valid front matter with info_code and url); left alone")
        elif store.archived_path(str(info_code)):
            findings.append(f"{path}: a second file for {info_code} (archived as {store.archived_path(info_code)}); left alone")
        else:
            if repair:
                store.mark_archived(str(info_code), str(path), meta["url"])
            findings.append(f"{path}: not in the state; {done('recorded', 'records it')} as archived ({info_code})")
    return findings


def recover_history(aside, store: ArchiveStore) -> str:
    """Copy the rejects and listing counts a corrupt state still gives to ``store``; say what was lost."""
    said = []
    for table, what in (("rejects", "rejects"), ("listings", "listing counts")):
        try:
            db = sqlite3.connect(aside)
            try:
                rows = db.execute(f"SELECT * FROM {table}").fetchall()
            finally:
                db.close()
            if table == "rejects":
                rows = [(key, json.loads(record)) for key, record in rows]
        except (sqlite3.DatabaseError, ValueError) as exc:
            said.append(f"its {what} are lost ({exc})")
            continue
        for key, value in rows:
            if table == "rejects":
                store.put_reject(key, value)
            else:
                store.set_listing_count(key, value)
        said.append(f"{len(rows)} {what} recovered")
    return f"{aside.name}: " + "; ".join(said)
