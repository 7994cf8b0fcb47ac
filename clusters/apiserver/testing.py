"""Run the simulated cluster in-process for tests: `running_simulator()`.

    with running_simulator() as sim:          # a VirtualClock unless you pass a clock
        sim.url, sim.admin_token, sim.ca_file  # HTTPS; the CA that signed its certificate
        world = sim.create_world("lab-a", {...})  # {"token", "namespace"} (or POST a LabWorld)
        sim.api_client(world["token"])        # an official-client ApiClient for that token
        sim.kubeconfig(world["token"], "lab-a")   # a kubeconfig dict, e.g. for kubectl
        sim.advance(30)                       # move a VirtualClock on, running what falls due

The server runs in a thread (uvicorn on a free loopback port); every engine call happens on
that thread's event loop, so `advance()` hands the work over and waits for it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from clusters.apiserver.app import create_app
from clusters.apiserver.certs import ensure_serving_cert
from clusters.sim.clock import Clock, VirtualClock
from clusters.sim.simulator import Simulator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SimulatorHandle:
    url: str
    admin_token: str
    ca_file: Path | None
    simulator: Simulator
    clock: Clock
    _server: uvicorn.Server
    _thread: threading.Thread

    def _loop(self) -> asyncio.AbstractEventLoop:
        servers = getattr(self._server, "servers", None) or []
        loop = getattr(self._server, "loop", None)
        if loop is None and servers:
            loop = servers[0].get_loop()
        if loop is None:
            raise RuntimeError("the simulator's event loop is not running")
        return loop

    def call(self, func, *args: Any) -> Any:
        """Run `func(*args)` on the server's loop (where the engine lives) and return its result."""

        async def run() -> Any:
            return func(*args)

        return asyncio.run_coroutine_threadsafe(run(), self._loop()).result(timeout=30)

    def advance(self, seconds: float) -> None:
        """Move a VirtualClock on by `seconds`, in steps, running everything that falls due."""

        def step() -> None:
            remaining = seconds
            while remaining > 0:
                due = self.simulator.next_due()
                gap = remaining if due is None else max(0.0, min(remaining, due - self.clock.now()))
                self.clock.advance(gap)  # type: ignore[attr-defined]
                remaining -= gap
                self.simulator.advance()
                if gap == 0 and (due is None or due > self.clock.now()):
                    break
            self.simulator.advance()

        self.call(step)

    def create_world(self, name: str, world: dict[str, Any] | None = None) -> dict[str, Any]:
        """Create a LabWorld directly (as the admin API does); returns token and namespace."""

        def create() -> dict[str, Any]:
            tenant = self.simulator.create_tenant(name, world or {})
            return {"token": tenant.token, "namespace": tenant.namespace}

        return self.call(create)

    def api_client(self, token: str):
        """An official-client ApiClient that authenticates with `token` and trusts the CA."""
        from kubernetes import client

        configuration = client.Configuration()
        configuration.host = self.url
        configuration.api_key = {"authorization": f"Bearer {token}"}
        if self.ca_file:
            configuration.ssl_ca_cert = str(self.ca_file)
        return client.ApiClient(configuration)

    def kubeconfig(self, token: str, namespace: str = "default") -> dict[str, Any]:
        cluster: dict[str, Any] = {"server": self.url}
        if self.ca_file:
            cluster["certificate-authority-data"] = base64.b64encode(
                self.ca_file.read_bytes()
            ).decode()
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "sim", "cluster": cluster}],
            "users": [{"name": "learner", "user": {"token": token}}],
            "contexts": [
                {
                    "name": "sim",
                    "context": {"cluster": "sim", "user": "learner", "namespace": namespace},
                }
            ],
            "current-context": "sim",
        }

    def stop(self) -> None:
        from clusters.apiserver.watch import close_all

        with contextlib.suppress(Exception):  # the loop may already be gone
            self.call(close_all, self._server.config.app.state.server.open_streams)
        self._server.should_exit = True
        self._thread.join(timeout=3)
        if self._thread.is_alive():  # open watch streams: do not wait for them
            self._server.force_exit = True
            self._thread.join(timeout=5)


@contextlib.contextmanager
def running_simulator(
    clock: Clock | None = None,
    admin_token: str = "test-admin-token",
    tick_seconds: float = 0.02,
    bookmark_interval: float = 60.0,
    tls: bool = True,
) -> Iterator[SimulatorHandle]:
    """Start the simulated cluster on a free loopback port; stop it on exit.

    `tls=True` (the default, as `python -m clusters.apiserver` serves) uses a throwaway CA;
    kubectl needs it, since it sends bearer tokens only over TLS.
    """
    clock = clock or VirtualClock()
    simulator = Simulator(clock)
    cert_dir = Path(tempfile.mkdtemp(prefix="sim-certs-"))
    cert = ensure_serving_cert(cert_dir) if tls else None
    app = create_app(
        simulator, admin_token, tick_seconds, bookmark_interval, cert.ca_pem if cert else None
    )
    port = free_port()
    ssl = {"ssl_certfile": str(cert.cert_file), "ssl_keyfile": str(cert.key_file)} if cert else {}
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=1,
        **ssl,
    )
    server = uvicorn.Server(config)
    loop_holder: dict[str, asyncio.AbstractEventLoop] = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        loop_holder["loop"] = loop
        server.loop = loop  # type: ignore[attr-defined]
        loop.run_until_complete(server.serve())
        loop.close()

    thread = threading.Thread(target=serve, name=f"simulator-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the simulated cluster did not start")
        time.sleep(0.01)
    scheme = "https" if cert else "http"
    handle = SimulatorHandle(
        f"{scheme}://127.0.0.1:{port}",
        admin_token,
        cert.ca_file if cert else None,
        simulator,
        clock,
        server,
        thread,
    )
    try:
        yield handle
    finally:
        handle.stop()
