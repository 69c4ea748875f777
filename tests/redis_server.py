"""A real redis-server on 127.0.0.1, started and stopped by the test that needs it."""

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

#: Ports tried: a free port can be taken by another test's server (another worker) before
#: redis-server binds it; it then exits, and is started again on another.
_TRIES = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RedisServer:
    url: str
    process: subprocess.Popen


@contextmanager
def redis_server(directory: Path):
    """Yield a fresh, empty Redis that keeps nothing on disk."""
    if shutil.which("redis-server") is None:  # a failure, never a skip: the scale-out would go untested
        pytest.fail("redis-server is not installed (setup.sh installs it: apt-get install redis-server)")
    for _ in range(_TRIES):
        server = _start(directory, free_port())
        if server is not None:
            break
    else:
        raise RuntimeError(f"redis-server did not start on any of {_TRIES} free ports")
    try:
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)


def _start(directory: Path, port: int) -> RedisServer | None:
    """redis-server on ``port``, answering; None if it exited (the port was taken)."""
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=2)
    deadline = time.monotonic() + 10
    try:
        while proc.poll() is None:
            try:
                # Ours, not a server another test started on the same port.
                if client.info("server")["process_id"] == proc.pid:
                    return RedisServer(url, proc)
            except redis.RedisError:  # not listening yet, or the port is another program's
                pass
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise RuntimeError(f"redis-server did not answer on port {port}")
            time.sleep(0.05)
        return None
    finally:
        client.close()
