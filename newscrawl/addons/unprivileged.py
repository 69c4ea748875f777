"""Chromium never runs as root: a crawl run as root starts it as ``nobody``, in its sandbox.

Chromium will not use its sandbox as root, and without it a hostile page
that breaks the renderer has the machine. So when the crawl's user is root
(cron's and CI's), Playwright is given, as Chromium's executable, a script
(``ChromiumAsNobody``) that hands the profile directory Playwright made to
``nobody`` and becomes ``nobody`` with ``setpriv`` (util-linux) before it
executes Chromium; Playwright still talks to it over the inherited pipes
(fds 3 and 4, ``--remote-debugging-pipe``). As ``nobody``, Chromium's own
sandbox works as for any user (Debian's chromium needs unprivileged user
namespaces for it; NEWSCRAWL_CHROMIUM_SANDBOX=off is for a kernel without
them).
"""

import os
import shlex
import shutil
import tempfile
from pathlib import Path

#: ``nobody`` and ``nogroup``: the same numbers on every Debian system.
NOBODY = 65534

SCRIPT = """#!/bin/sh
# Chromium as nobody (newscrawl.addons.unprivileged): the profile Playwright made as root becomes nobody's.
for arg do
  case $arg in --user-data-dir=*) profile=${arg#--user-data-dir=} ;; esac
done
if [ -n "$profile" ]; then chown -R %(id)d:%(id)d -- "$profile" || exit 1; fi
export HOME="${profile:-/nonexistent}"
exec setpriv --reuid=%(id)d --regid=%(id)d --clear-groups --inh-caps=-all -- %(chromium)s "$@"
"""


def runs_as_root() -> bool:
    return os.geteuid() == 0


class ChromiumAsNobody:
    """A temporary executable script that runs ``chromium`` as nobody; ``close()`` removes it."""

    def __init__(self, chromium: str):
        self._directory = Path(tempfile.mkdtemp(prefix="newscrawl-chromium-"))
        self.path = self._directory / "chromium-as-nobody"
        self.path.write_text(SCRIPT % {"id": NOBODY, "chromium": shlex.quote(chromium)}, encoding="utf-8")
        self.path.chmod(0o700)

    def close(self) -> None:
        shutil.rmtree(self._directory, ignore_errors=True)
