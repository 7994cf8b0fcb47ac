"""Stopping the in-process simulator does not wait for clients' open connections.

uvicorn waits for open connections to close on shutdown unless `timeout_graceful_shutdown` is
set; a test's kept-alive client pool or an open watch would hold every fixture's teardown.
The bound below is not a speed goal: it is far under uvicorn's unbounded wait, and far over
the one second the handle allows them.
"""

from __future__ import annotations

import threading
import time

from kubernetes import client, watch

from clusters.apiserver.testing import running_simulator
from tests.apiserver.conftest import create_labworld, pod_body


def test_stop_does_not_wait_for_kept_alive_connections_or_open_watches() -> None:
    events: list[str] = []
    with running_simulator() as sim:
        world = create_labworld(sim)
        api = client.CoreV1Api(sim.api_client(world["status"]["token"]))
        ns = world["status"]["namespace"]
        api.create_namespaced_pod(ns, pod_body("kept"))  # leaves a kept-alive connection

        def watch_pods() -> None:
            for event in watch.Watch().stream(api.list_namespaced_pod, ns, timeout_seconds=300):
                events.append(event["type"])

        watcher = threading.Thread(target=watch_pods, daemon=True)
        watcher.start()
        while not events:
            time.sleep(0.01)
        started = time.monotonic()
    stopped_in = time.monotonic() - started
    watcher.join(timeout=5)
    assert not watcher.is_alive(), "the watch stream was not closed by the stop"
    assert stopped_in < 5, f"stop waited {stopped_in:.1f} s for open connections"
