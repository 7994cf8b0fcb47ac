"""A small HTTP proxy in front of the registry that can be down, slow, hanging or rate-limited.

The fault labs need a registry that misbehaves the way real ones do. The proxy forwards each
request on a fresh upstream connection (one request per connection keeps it simple and makes
faults exact), and in between it can:

- `down`: stop listening, so clients get "connection refused";
- `hang`: accept and never answer, so clients time out;
- `slow`: answer after a delay;
- `ratelimit`: answer manifest GETs with Docker Hub's 429 `toomanyrequests` (HEAD requests pass,
  as Docker Hub counts only GETs as pulls);
- with a `RateLimit` (a world registry's `rate_limit: {anonymous, authenticated, window}`),
  count manifest GETs per client class in a sliding window and answer 429 past the quota;
  a request with an `Authorization: Basic` header, or a bearer token issued to a user, is
  authenticated;
- log every request (`requests`, and per class `counts`) and every manifest GET it served
  (`pulls`): the registry's own view of who pulled, as a world's `Registry/<host>` facts say;
- with `tls=`, serve HTTPS with a self-signed certificate (for x509 errors).

It runs its own event loop in a thread, so synchronous tests and scripts can drive it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import ssl
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from clusters.realcluster import processes

MODES = ("pass", "down", "hang", "slow", "ratelimit")

# Docker Hub's answer once the pull limit is reached (docs.docker.com, "Docker Hub pull usage
# and limits"; the body text as quoted in kubelet events of that era).
RATE_LIMIT_LIMIT = "100;w=21600"
TOO_MANY_REQUESTS_BODY = json.dumps(
    {
        "errors": [
            {
                "code": "TOOMANYREQUESTS",
                "message": "You have reached your pull rate limit. You may increase the limit "
                "by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
            }
        ]
    }
).encode()


@dataclass
class RateLimit:
    """Manifest GETs allowed per window, per client class; None means unlimited."""

    anonymous: int | None = None
    authenticated: int | None = None
    window_seconds: float = 21600.0
    gets: dict[str, list[float]] = field(
        default_factory=lambda: {"anonymous": [], "authenticated": []}
    )

    def allow(self, who: str, now: float) -> bool:
        """Count this GET if it is within the quota; False means answer 429."""
        allowed = getattr(self, who)
        if allowed is None:
            return True
        self.gets[who] = [t for t in self.gets[who] if now - t < self.window_seconds]
        if len(self.gets[who]) >= allowed:
            return False
        self.gets[who].append(now)
        return True


def client_class(head: bytes) -> str:
    """`authenticated` for basic auth or a bearer token with a subject, else `anonymous`.

    Anonymous token-auth clients still send a bearer token, one issued with an empty `sub`
    (tokenauth.py), as Docker Hub's anonymous tokens are."""
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() != "authorization":
            continue
        scheme, _, credentials = value.strip().partition(" ")
        if scheme.lower() == "basic":
            return "authenticated"
        if scheme.lower() == "bearer":
            return "authenticated" if _token_subject(credentials) else "anonymous"
    return "anonymous"


def _token_subject(token: str) -> str:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return ""
    return claims.get("sub") or "" if isinstance(claims, dict) else ""


@dataclass(frozen=True)
class TLSFiles:
    certificate: Path
    key: Path


def self_signed_certificate(directory: Path, name: str = "fault proxy") -> TLSFiles:
    """A throwaway certificate for 127.0.0.1 that no client trusts: the x509 fault."""
    directory.mkdir(parents=True, exist_ok=True)
    files = TLSFiles(directory / "self-signed.crt", directory / "self-signed.key")
    subprocess.run(
        [
            processes.require("openssl"),
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN=pull-policy-labs {name}",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(files.key),
            "-out",
            str(files.certificate),
        ],
        check=True,
        capture_output=True,
    )
    return files


def _too_many_requests(limit: str = RATE_LIMIT_LIMIT) -> bytes:
    window = limit.partition(";")[2]
    headers = [
        "HTTP/1.1 429 Too Many Requests",
        "Content-Type: application/json",
        f"ratelimit-limit: {limit}",
        f"ratelimit-remaining: 0;{window}",
        "docker-ratelimit-source: 127.0.0.1",
        f"Content-Length: {len(TOO_MANY_REQUESTS_BODY)}",
        "Connection: close",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + TOO_MANY_REQUESTS_BODY


def _close_after_one_request(head: bytes) -> bytes:
    """Rewrite the request head so the upstream answers once and closes."""
    lines = head.decode("latin-1").split("\r\n")
    kept = [line for line in lines[1:] if line and not line.lower().startswith("connection:")]
    return "\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1")


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        tls: TLSFiles | None = None,
        delay_seconds: float = 2.0,
        upstream_host: str = "127.0.0.1",
        listen: tuple[str, int] | None = None,
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.tls = tls
        self.delay_seconds = delay_seconds
        self.listen_host, self.port = listen or ("127.0.0.1", processes.free_port())
        self.mode = "pass"
        self.rate_limit: RateLimit | None = None
        self.requests: list[str] = []  # "METHOD /path", in arrival order
        self.counts = {"anonymous": 0, "authenticated": 0}  # requests per client class
        self.pulls: list[str] = []  # manifest GETs answered 200, "/v2/<repo>/manifests/<ref>"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._handlers: set[asyncio.Task] = set()

    @property
    def host(self) -> str:
        return f"{self.listen_host}:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; expected one of {MODES}")
        was_down, self.mode = self.mode == "down", mode
        if mode == "down":
            self._call(self._close())
        elif was_down:
            self._call(self._listen())

    def _call(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        context = None
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls.certificate, self.tls.key)
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, ssl=context)

    async def _close(self) -> None:
        if self._server:
            self._server.close()
            self._server = None
        # Open connections (a hanging request) must end too, or "down" would not be down;
        # hanging handlers see the server gone and return.
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._handlers.add(task)
        try:
            await self._answer(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away or sent garbage: nothing to answer
        finally:
            writer.close()
            self._handlers.discard(task)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        method, path = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[:2]
        self.requests.append(f"{method} {path}")
        who = client_class(head)
        self.counts[who] += 1
        if self.mode == "hang":
            while self.mode == "hang" and self._server:
                await asyncio.sleep(0.05)
            return
        manifest_get = method == "GET" and "/manifests/" in path
        if manifest_get and self.mode == "ratelimit":
            writer.write(_too_many_requests())
            await writer.drain()
            return
        length = 0
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        body = await reader.readexactly(length) if length else b""
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        up_writer.write(_close_after_one_request(head) + body)
        await up_writer.drain()
        response = await up_reader.read()
        up_writer.close()
        if self.mode == "slow":
            await asyncio.sleep(self.delay_seconds)
        if manifest_get and response.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")):
            # Only a GET the registry would serve is a pull: an unauthenticated request to a
            # token-auth registry is answered 401 (a challenge), not counted.
            limit = self.rate_limit
            if limit and not limit.allow(who, time.monotonic()):
                response = _too_many_requests(
                    f"{getattr(limit, who)};w={int(limit.window_seconds)}"
                )
            else:
                self.pulls.append(path)
        writer.write(response)
        await writer.drain()


def _address(text: str) -> tuple[str, int]:
    host, port = text.rsplit(":", 1)
    return host, int(port)


def rate_limit_from_query(query: str) -> RateLimit | None:
    """`anonymous=3&authenticated=200&window=21600` (a world's `rate_limit`); empty: no limit."""
    fields = urllib.parse.parse_qs(query)
    if not fields:
        return None

    def number(name: str) -> int | None:
        return int(fields[name][0]) if name in fields else None

    window = float(fields.get("window", ["21600"])[0])
    return RateLimit(number("anonymous"), number("authenticated"), window)


def control_server(proxy: FaultProxy, address: tuple[str, int]) -> ThreadingHTTPServer:
    """For the platform on kind: `PUT /mode/<mode>` switches the fault and `GET /mode` tells it;
    `PUT /ratelimit?anonymous=N&authenticated=M&window=S` sets the quota (no query: none);
    `GET /log` answers the registry's view `{requests: {anonymous, authenticated}, pulls}`.

    It has its own port because in `down` mode the proxy's own port is closed.
    """

    class Control(BaseHTTPRequestHandler):
        def _reply(self, status: int, text: str, content_type: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.end_headers()
            self.wfile.write(text.encode() + b"\n")

        def do_GET(self) -> None:
            if self.path == "/log":
                log = {"requests": dict(proxy.counts), "pulls": list(proxy.pulls)}
                self._reply(200, json.dumps(log), "application/json")
                return
            self._reply(200, proxy.mode)

        def do_PUT(self) -> None:
            path, _, query = self.path.partition("?")
            if path == "/ratelimit":
                try:
                    proxy.rate_limit = rate_limit_from_query(query)
                except ValueError as error:
                    self._reply(400, f"bad rate limit: {error}")
                    return
                self._reply(200, query or "unlimited")
                return
            mode = path.removeprefix("/mode/")
            if mode not in MODES:
                self._reply(400, f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
                return
            proxy.set_mode(mode)
            self._reply(200, proxy.mode)

    return ThreadingHTTPServer(address, Control)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="registry fault proxy")
    parser.add_argument("--listen", type=_address, default=("0.0.0.0", 5000))
    parser.add_argument("--upstream", type=_address, required=True, help="registry HOST:PORT")
    parser.add_argument("--control", type=_address, default=("0.0.0.0", 5099))
    parser.add_argument("--delay-seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    upstream_host, upstream_port = args.upstream
    proxy = FaultProxy(
        upstream_port, None, args.delay_seconds, upstream_host=upstream_host, listen=args.listen
    )
    with proxy, control_server(proxy, args.control) as control:
        control.serve_forever()


if __name__ == "__main__":
    main()
