"""A stand-in SMTP server on 127.0.0.1 that keeps the messages it is sent (for the alert tests)."""

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


@contextmanager
def smtp_receiver():
    """Yield the listening server; ``server.messages`` are the envelopes received."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Session)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
