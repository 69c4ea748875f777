"""The proxy every connection of Chromium goes through: the crawl's AllowList
(newscrawl.allowlist) applied to whatever a rendered page asks for.

Chromium is started with ``--proxy-server`` pointing here and
``--proxy-bypass-list=<-loopback>`` (without it Chromium bypasses a proxy
for loopback addresses): navigations and the redirects they follow,
subresources, fetch and XHR, workers, and WebSockets (which Chromium
tunnels with CONNECT, ``ws://`` too) are all connections this proxy makes,
or refuses. Nothing depends on Playwright seeing the request.

- A plain http request comes in absolute form (``GET http://host:port/path``)
  and is allowed by its scheme, host and port; a CONNECT (https, ws, wss)
  by its host and port. Anything else is answered 403, one WARNING a host.
- A name that resolves to a private address is refused as
  PublicAddressResolver refuses it, and the proxy connects to the address it
  checked (a second lookup could answer otherwise).
- One request per connection: a plain request goes upstream with
  ``Connection: close`` and its response comes back saying so, so a checked
  connection never carries a request for another host. A tunnel is bytes
  both ways (no TLS is terminated here).

It listens on 127.0.0.1, on a port the system picks, on the crawl's event
loop (the asyncio reactor's, where scrapy-playwright runs too). It is
written on asyncio streams rather than taken from mitmproxy or proxy.py:
it reads only a request head and forwards bytes, decrypts nothing, and
those bring their own event loop or processes and many dependencies.
"""

import asyncio
import logging
import socket
from urllib.parse import urlsplit, urlunsplit

from newscrawl.allowlist import AllowList, origin
from newscrawl.stats import BROWSER_REFUSED

logger = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024
CONNECT_TIMEOUT = 30
#: Request headers meant for the proxy or the connection, not the site.
HOP_BY_HOP = frozenset({b"connection", b"proxy-connection", b"keep-alive", b"proxy-authorization", b"upgrade", b"te"})


def chromium_args(proxy_url: str) -> list[str]:
    """Chromium's flags that send all it does through the proxy at ``proxy_url``: loopback
    too, and WebRTC only by TCP through the proxy (no UDP of its own)."""
    return [f"--proxy-server={proxy_url}", "--proxy-bypass-list=<-loopback>",
            "--webrtc-ip-handling-policy=disable_non_proxied_udp"]


class Refused(Exception):
    """A request the proxy does not forward: its status and why."""

    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status = status


class BrowserProxy:
    def __init__(self, allowlist: AllowList, stats=None):
        self.allowlist = allowlist
        self.stats = stats
        self.warned: set[str] = set()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task] = set()

    async def start(self) -> str:
        """Listen; returns the proxy's URL, for ``--proxy-server``."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=MAX_HEAD)
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        upstream_writer = None
        try:
            head = await client_reader.readuntil(b"\r\n\r\n")
            method, target, lines = _parse_head(head)
            if method == b"CONNECT":
                upstream_reader, upstream_writer = await self._open_tunnel(target)
                client_writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await _relay(client_reader, client_writer, upstream_reader, upstream_writer)
            else:
                upstream_reader, upstream_writer = await self._forward(method, target, lines)
                response_head = await upstream_reader.readuntil(b"\r\n\r\n")
                client_writer.write(_closing(response_head))
                await _relay(client_reader, client_writer, upstream_reader, upstream_writer)
        except Refused as refused:
            _answer(client_writer, refused.status, str(refused))
        except (asyncio.LimitOverrunError, ValueError) as exc:
            _answer(client_writer, 400, str(exc))
        except (asyncio.IncompleteReadError, OSError):
            pass  # either side hung up
        finally:
            for writer in (client_writer, upstream_writer):
                if writer is not None:
                    writer.close()
            self._connections.discard(task)

    async def _open_tunnel(self, target: bytes):
        parts = urlsplit(f"//{target.decode('latin-1')}")
        if not parts.hostname or not parts.port:
            raise ValueError("CONNECT needs host:port")
        if not self.allowlist.allows_tunnel(parts.hostname, parts.port):
            self._refuse(parts.netloc, f"{parts.netloc} (a tunnel: https or a WebSocket), off the site's hosts")
        return await self._connect(parts.hostname, parts.port)

    async def _forward(self, method: bytes, target: bytes, lines: list[bytes]):
        url = target.decode("latin-1")
        found = origin(url)
        if found is None or found[0] != "http":
            raise ValueError("not an absolute http URL")
        parts = urlsplit(url)
        if not self.allowlist.allows(url):
            self._refuse(parts.netloc, f"{url}, off the site's hosts")
        reader, writer = await self._connect(parts.hostname, found[2])
        path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        headers = [line for line in lines if line.split(b":", 1)[0].strip().lower() not in HOP_BY_HOP]
        writer.write(b"\r\n".join([b"%s %s HTTP/1.1" % (method, path.encode("latin-1")), *headers,
                                   b"Connection: close", b"", b""]))
        return reader, writer

    async def _connect(self, host: str, port: int):
        """Connect to the address ``host`` resolves to, unless the AllowList refuses that address."""
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise Refused(502, f"{host} does not resolve") from None
        address = infos[0][4][0]
        if any(self.allowlist.refuses_address(host, info[4][0]) for info in infos):
            self._refuse(host, f"{host} (it resolves to {address}, a private address)")
        try:
            return await asyncio.wait_for(asyncio.open_connection(address, port, limit=MAX_HEAD), CONNECT_TIMEOUT)
        except (OSError, asyncio.TimeoutError):
            raise Refused(502, f"cannot connect to {host}:{port}") from None

    def _refuse(self, host: str, what: str):
        if self.stats is not None:
            self.stats.inc_value(BROWSER_REFUSED)
        if host not in self.warned:
            self.warned.add(host)
            logger.warning("Chromium asked for %s: refused", what)
        raise Refused(403, what)


def _parse_head(head: bytes) -> tuple[bytes, bytes, list[bytes]]:
    """(method, target, header lines) of a request head; ValueError if it is not one."""
    request_line, *lines = head[:-4].split(b"\r\n")
    method, target, version = request_line.split(b" ")
    if not version.startswith(b"HTTP/1."):
        raise ValueError("not HTTP/1")
    return method.upper(), target, lines


def _closing(response_head: bytes) -> bytes:
    """The response's head, saying ``Connection: close`` (the client must not send another request on it)."""
    status_line, *lines = response_head[:-4].split(b"\r\n")
    kept = [line for line in lines if line.split(b":", 1)[0].strip().lower() not in (b"connection", b"keep-alive")]
    return b"\r\n".join([status_line, *kept, b"Connection: close", b"", b""])


def _answer(writer: asyncio.StreamWriter, status: int, why: str) -> None:
    """The proxy's own answer; a text body, so that a refused navigation is a page with that
    status (Chromium takes an error status with no body for a network error)."""
    reason = {400: b"Bad Request", 403: b"Forbidden", 502: b"Bad Gateway"}[status]
    body = f"newscrawl's proxy: {why}\n".encode()
    writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n"
                 b"Connection: close\r\n\r\n%s" % (status, reason, len(body), body))


async def _relay(client_reader, client_writer, upstream_reader, upstream_writer) -> None:
    """Copy bytes both ways until either side closes."""
    copies = [asyncio.ensure_future(_copy(client_reader, upstream_writer)),
              asyncio.ensure_future(_copy(upstream_reader, client_writer))]
    try:
        await asyncio.wait(copies, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for copy in copies:
            copy.cancel()
        await asyncio.gather(*copies, return_exceptions=True)


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
