"""`manage.py labsim run`: the examples in clusters/scenarios/, pinned (docs/scenarios.md)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

SCENARIOS = Path(__file__).resolve().parents[2] / "clusters" / "scenarios"


def labsim(path: Path) -> str:
    out = StringIO()
    call_command("labsim", "run", str(path), stdout=out)
    return out.getvalue()


def timeline(name: str) -> list[dict]:
    return [json.loads(line) for line in labsim(SCENARIOS / name).splitlines()]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_prints_the_same_bytes_twice(path: Path) -> None:
    first = labsim(path)
    assert first and first == labsim(path)


def test_backoff_doubles_from_10s_after_each_failure() -> None:
    # pkg/kubelet/images/image_manager.go EnsureImageExists: backOff.Next after each failed
    # pull; flowcontrol.Backoff starts at 10 s and doubles, capped at 300 s.
    records = timeline("backoff-timing.yaml")
    pulls = [r["t"] for r in records if r["record"] == "event" and r["reason"] == "Pulling"]
    failures = [
        r["t"]
        for r in records
        if r["record"] == "event" and r["message"].startswith("Failed to pull image")
    ]
    gaps = [round(pull - failure, 3) for failure, pull in zip(failures, pulls[1:], strict=False)]
    # client-go's spam filter lets the kubelet write 25 Events about the pod, then one every
    # 5 minutes (events_cache.go): the fifth attempt's Events are not written ...
    assert gaps == [10.0, 20.0, 40.0]
    # ... but the pod's status still turns ErrImagePull at each failure, 80 s after the fourth.
    flips = [r["t"] for r in records if r["record"] == "pod" and r["status"] == "ErrImagePull"]
    assert round(flips[-1] - failures[-1], 3) == 80.3
    statuses = {r["status"] for r in records if r["record"] == "pod"}
    assert {"ErrImagePull", "ImagePullBackOff"} <= statuses


def test_a_moved_tag_reaches_always_but_not_ifnotpresent_on_restart() -> None:
    # kubernetes.io/docs/concepts/containers/images/#image-pull-policy
    records = timeline("tag-moved.yaml")
    last = {r["name"]: r for r in records if r["record"] == "pod"}
    assert last["p-always"]["restarts"] == 1 and last["p-always"]["imageID"].endswith("b" * 64)
    assert last["p-ifnp"]["restarts"] == 1 and last["p-ifnp"]["imageID"].endswith("a" * 64)


def test_never_starts_once_the_image_reaches_the_node() -> None:
    # pkg/kubelet/pod_workers.go: a failed sync is retried after backOffPeriod (10 s)
    records = timeline("never-until-cached.yaml")
    never = [r for r in records if r["record"] == "event" and r["reason"] == "ErrImageNeverPull"]
    assert [r["t"] for r in never] == [1.0, 11.0]
    assert [r for r in records if r["record"] == "pod"][-1]["status"] == "Running"


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        labsim(tmp_path / "nope.yaml")
