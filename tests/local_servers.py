"""Stand-in servers on 127.0.0.1, each in a thread: an SMTP server that keeps the
messages it is sent (the alert tests), an HTTP server that records the paths asked
for (the offsite tests)."""

import http.server
import socketserver
import threading
from contextlib import contextmanager


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
