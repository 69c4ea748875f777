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
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        client.close()
        yield RedisServer(url, proc)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
