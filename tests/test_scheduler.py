"""The spilling scheduler: the temporary directory of a killed run is removed by the next run, a live run's kept."""

import os
import subprocess
import sys

from newscrawl.spilling_scheduler import PREFIX, remove_leftovers


def test_a_dead_runs_directory_is_removed_a_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = tmp_path / f"{PREFIX}{dead.stdout.strip()}-abc"
    live = tmp_path / f"{PREFIX}{os.getpid()}-def"
    other = tmp_path / "unrelated-123-ghi"
    for directory in (leftover, live, other):
        (directory / "requests.queue").mkdir(parents=True)
    remove_leftovers(str(tmp_path))
    assert not leftover.exists() and live.exists() and other.exists()
