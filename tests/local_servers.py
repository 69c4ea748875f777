"""Stand-in servers on loopback, each in a thread: an SMTP server that keeps the
messages it is sent (the alert tests), an HTTP server that records the paths asked
for (the offsite tests), and a canary on another loopback address that counts
every connection made to it (the hostile-site tests: the crawler must never
reach it); and a port that refuses every connection (a site that is down)."""

import http.server
import socket
import socketserver
import threading
from contextlib import contextmanager
from functools import cache


class _Session(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 stand-in ESMTP")
        envelope = {"from": None, "to": [], "data": b""}
        while line := self.rfile.readline():
            command = line.decode("latin-1").strip()
            verb = command[:4].upper()
            if verb == "MAIL":
                envelope["from"] = command.partition(":")[2].strip()
            elif verb == "RCPT":
                envelope["to"].append(command.partition(":")[2].strip())
            elif verb == "DATA":
                self.reply("354 end with .")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                envelope["data"] = b"".join(lines)
                self.server.messages.append(envelope)
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            self.reply("250 OK")  # EHLO, MAIL, RCPT, the end of DATA, anything else


class _Probe(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.paths.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


class _Canary(socketserver.BaseRequestHandler):
    def handle(self):
        with self.server.lock:
            self.server.connections += 1
        # Answer like a web server, so a client that got through goes on
        # (a redirect followed, a script run) and the test sees all it did.
        self.request.settimeout(1)
        try:
            self.request.recv(65536)
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
                                 b"Connection: close\r\n\r\ncanary")
        except OSError:
            pass


#: The canary's address: loopback, but not 127.0.0.1 where the mock site is.
CANARY_HOST = "127.0.0.2"


def canary():
    """A context manager yielding a TCP server on CANARY_HOST; ``server.connections``
    counts the connections it accepted (any protocol: HTTP, WebSocket, ...)."""
    server = socketserver.ThreadingTCPServer((CANARY_HOST, 0), _Canary)
    server.daemon_threads = True
    server.connections = 0
    server.lock = threading.Lock()
    return serving(server)


def smtp_receiver():
    """A context manager yielding the listening server; ``server.messages`` are the envelopes received."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Session)
    server.daemon_threads = True
    server.messages = []
    return serving(server)


def http_probe():
    """A context manager yielding the listening server; ``server.paths`` are the paths it was asked for."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    server.paths = []
    return serving(server)


@contextmanager
def serving(server: socketserver.BaseServer):
    """Serve in a thread while the block runs; then shut the server down."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def refusing_port() -> int:
    """A port on 127.0.0.1 that refuses every connection: bound, never listened on, and held
    for the life of the process, so no other test or worker can take it (a port bound and
    closed again could be anyone's by the time the crawl connects)."""
    return _unlistened_socket().getsockname()[1]


@cache
def _unlistened_socket() -> socket.socket:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    return holder
