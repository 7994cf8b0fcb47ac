"""Cost of the event pipeline per cluster event (persist with seq → check → publish).

A lab-1 session is fed pods, kubelet Events, a ReplicaSet (an `object`) and a node's cache (a
`node` fact), the shapes the watch delivers, until it holds 1,000 events; each `ingest` is
timed. The figures show how the cost grows with the session,
since the check engine folds the session's stored facts on every event. SQLite in a temporary
file, the in-memory channel layer: the database and the checks, not Redis, are measured.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from bench import write_result

WINDOWS = [(1, 100), (401, 500), (901, 1000)]


def replica_set(n: int) -> dict:
    """The ReplicaSet behind the pods, its status counting one more replica each time."""
    metadata = {"name": "web-1", "uid": "rs-1", "resourceVersion": f"rs{n}", "generation": 1}
    return {"kind": "ReplicaSet", "metadata": metadata, "status": {"replicas": n}}


def node_fact(n: int) -> tuple[dict, str]:
    """node-1's cache with one more image each time, as the Node's status.images says."""
    cache = [f"lab/web:{i}" for i in range(n + 1)]
    payload = {"node": "node-1", "source": "node", "facts": {"cache": cache}}
    return payload, f"node:node-1:node@{n}"


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        os.environ["SQLITE_PATH"] = os.path.join(workdir, "bench.sqlite3")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        from labs.models import LabSession
        from labs.normalise import event_payload, object_payload, pod_payload
        from labs.pipeline import ingest
        from tests.labs.cluster_objects import already_present, kubelet_event, pod

        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        call_command("migrate", verbosity=0)
        owner = get_user_model().objects.create_user("bench")
        session = LabSession.objects.create(owner=owner, lab_id="three-policies", state="ready")

        timings: list[float] = []
        n = 0
        while len(timings) < WINDOWS[-1][1]:
            p = pod(f"p-{n}", phase="Running", uid=f"uid-{n}")
            for kind, (payload, key) in [
                ("pod", pod_payload("ADDED", p)),
                ("event", event_payload("ADDED", already_present(p))),
                ("event", event_payload("ADDED", kubelet_event(p, "Created", "Container created"))),
                ("event", event_payload("ADDED", kubelet_event(p, "Started", "Container started"))),
                (
                    "pod",
                    pod_payload(
                        "MODIFIED", {**p, "metadata": {**p["metadata"], "resourceVersion": f"{n}b"}}
                    ),
                ),
                ("object", object_payload("MODIFIED", replica_set(n), session.namespace)),
                ("node", node_fact(n)),
            ]:
                started = time.perf_counter()
                ingest(session.pk, kind, payload, key)
                timings.append((time.perf_counter() - started) * 1000)
            n += 1

    figures = {}
    for first, last in WINDOWS:
        window = sorted(timings[first - 1 : last])
        figures[f"events_{first}_{last}"] = {
            "p50_ms": round(statistics.median(window), 2),
            "p99_ms": round(window[int(len(window) * 0.99) - 1], 2),
        }
    path = write_result(
        "pipeline",
        {"what": "labs.pipeline.ingest per cluster event, by the session's size", **figures},
    )
    print(f"pipeline: {figures} -> {path}")


if __name__ == "__main__":
    main()
