"""Every pull policy x cache state x registry condition, run through the whole engine.

Each case cites the upstream code path it pins (pkg/kubelet/images/image_manager.go
EnsureImageExists / imagePullPrecheck / pullImage, kuberuntime_container.go startContainer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from clusters.sim.imagemanager import go_duration
from tests.sim.worlds import (
    DIGEST_A,
    create_pull_secret,
    events_of,
    lab1_world,
    new_tenant,
    pod,
    run,
    waiting,
)


@dataclass
class Case:
    id: str
    policy: str
    node: str  # node-1 caches lab/web:1.0 (digest A); node-2 has nothing
    image: str = "lab/web:1.0"
    reasons: list[str] = field(default_factory=list)  # the pod's event reasons, in order
    waiting: str | None = None  # final waiting reason, None when running
    message: str = ""  # a substring of the last Failed/BackOff-free kubelet message
    secret: bool = False
    world_change: dict | None = None


CASES = [
    Case(
        "IfNotPresent, cached: imagePullPrecheck finds it, no Pulling",
        "IfNotPresent",
        "node-1",
        reasons=["Pulled", "Created", "Started"],
        message="already present on machine",
    ),
    Case(
        "IfNotPresent, absent: pullImage",
        "IfNotPresent",
        "node-2",
        reasons=["Pulling", "Pulled", "Created", "Started"],
        message="Successfully pulled image",
    ),
    Case(
        "Always, cached: no precheck, Pulling then a manifest-only pull",
        "Always",
        "node-1",
        reasons=["Pulling", "Pulled", "Created", "Started"],
        message="in 300ms (300ms including waiting)",
    ),
    Case(
        "Always, absent: layers downloaded",
        "Always",
        "node-2",
        reasons=["Pulling", "Pulled", "Created", "Started"],
        message="Image size: 7340032 bytes.",
    ),
    Case(
        "Never, cached: present, runs",
        "Never",
        "node-1",
        reasons=["Pulled", "Created", "Started"],
        message="already present on machine",
    ),
    Case(
        "Never, absent: imageNotPresentOnNeverPolicyError",
        "Never",
        "node-2",
        reasons=["ErrImageNeverPull", "Failed"],
        waiting="ErrImageNeverPull",
        message='Container image "lab/web:1.0" is not present with pull policy of Never',
    ),
    Case(
        "IfNotPresent, tag missing in registry: ErrImagePull",
        "IfNotPresent",
        "node-2",
        image="lab/web:9.9",
        reasons=["Pulling", "Failed", "Failed"],
        waiting="ErrImagePull",
        message="docker.io/lab/web:9.9: not found",
    ),
    Case(
        "Always, tag missing, cached other tag: still ErrImagePull",
        "Always",
        "node-1",
        image="lab/web:9.9",
        reasons=["Pulling", "Failed", "Failed"],
        waiting="ErrImagePull",
        message="not found",
    ),
    Case(
        "IfNotPresent, private repo without secret: pull access denied",
        "IfNotPresent",
        "node-2",
        image="lab/private:1.0",
        reasons=["Pulling", "Failed", "Failed"],
        waiting="ErrImagePull",
        message="pull access denied, repository does not exist or may require authorization",
    ),
    Case(
        "IfNotPresent, private repo with its dockerconfigjson secret: pulled",
        "IfNotPresent",
        "node-2",
        image="lab/private:1.0",
        secret=True,
        reasons=["Pulling", "Pulled", "Created", "Started"],
        message="Successfully pulled",
    ),
    Case(
        "IfNotPresent, registry host unknown",
        "IfNotPresent",
        "node-2",
        image="reg.example/app:1",
        reasons=["Pulling", "Failed", "Failed"],
        waiting="ErrImagePull",
        message="no such host",
    ),
    Case(
        "Always, registry down, image cached: Always still fails",
        "Always",
        "node-1",
        world_change={"registry_down": "docker.io"},
        reasons=["Pulling", "Failed", "Failed"],
        waiting="ErrImagePull",
        message="connection refused",
    ),
    Case(
        "IfNotPresent, registry down, image cached: runs from cache",
        "IfNotPresent",
        "node-1",
        world_change={"registry_down": "docker.io"},
        reasons=["Pulled", "Created", "Started"],
        message="already present",
    ),
    Case(
        "Unparseable image: InspectFailed + InvalidImageName",
        "IfNotPresent",
        "node-1",
        image="MyApp:1",
        reasons=["InspectFailed", "Failed"],
        waiting="InvalidImageName",
        message='Failed to apply default image tag "MyApp:1": '
        'couldn\'t parse image name "MyApp:1": '
        "invalid reference format: repository name (library/MyApp) must be lowercase",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_pull_matrix(case: Case) -> None:
    world = lab1_world()
    if case.world_change and "registry_down" in case.world_change:
        world["registries"][0]["down"] = True
    simulator, clock, tenant = new_tenant(world)
    spec = {}
    if case.secret:
        create_pull_secret(tenant)
        spec["imagePullSecrets"] = [{"name": "regcred"}]
    tenant.create("pods", "lab", pod("p", case.image, case.policy, case.node, **spec))
    run(simulator, clock, 5)  # before any retry (the pod worker retries after 10 s)
    events = events_of(tenant, "p")
    assert [reason for _, reason, _ in events] == case.reasons
    assert any(case.message in message for _, _, message in events), events
    state = waiting(tenant, "p")
    assert (state or {}).get("reason") == case.waiting
    phase = tenant.store.get("pods", "lab", "p")["status"]["phase"]
    assert phase == ("Pending" if case.waiting else "Running")


def test_a_failed_pull_then_backs_off_with_the_v132_waiting_message() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("p", "lab/web:9.9", "IfNotPresent", "node-2"))
    run(simulator, clock, 5)
    assert waiting(tenant, "p")["reason"] == "ErrImagePull"
    run(simulator, clock, 10)  # second attempt at ~11.3 s fails again: back-off is now 20 s
    run(simulator, clock, 10)  # the retry at ~21.3 s falls inside it
    state = waiting(tenant, "p")
    assert state["reason"] == "ImagePullBackOff"
    assert state["message"].startswith(
        'Back-off pulling image "lab/web:9.9": ErrImagePull: rpc error: code = NotFound'
    )
    reasons = [(t, r, m) for t, r, m in events_of(tenant, "p")]
    assert ("Normal", "BackOff", 'Back-off pulling image "lab/web:9.9"') in reasons
    assert ("Warning", "Failed", "Error: ImagePullBackOff") in reasons


def test_pull_attempts_follow_the_back_off_sequence() -> None:
    """Pulls 10 s, 20 s, 40 s... apart, capped at 300 s (the pod worker resyncs every 10 s).

    Measured at the image manager's back-off (each failed pull calls backOff.Next), not from
    Events: after 25 writes the kubelet's event spam filter drops most Pulling Events.
    """
    simulator, clock, tenant = new_tenant()
    failures: list[float] = []
    record_next = tenant.backoff.next

    def next_after_failure(key: str, now: float) -> None:
        failures.append(now)
        record_next(key, now)

    tenant.backoff.next = next_after_failure  # type: ignore[method-assign]
    tenant.create("pods", "lab", pod("p", "lab/web:9.9", "IfNotPresent", "node-2"))
    run(simulator, clock, 1500)
    # Each failure comes 0.3 s (the registry's answer) after its attempt; each back-off window
    # ends on a 10 s pod-worker resync.
    gaps = [round(b - a - 0.3, 3) for a, b in zip(failures, failures[1:], strict=False)]
    assert gaps[:5] == [10, 20, 40, 80, 160]
    assert gaps[5:] == [300] * len(gaps[5:]) and len(gaps) >= 7


def test_a_never_pod_is_retried_and_starts_once_the_image_reaches_its_node() -> None:
    world = lab1_world(
        timeline=[{"after": "45s", "cache": {"node": "node-2", "image": "lab/web:1.0"}}]
    )
    simulator, clock, tenant = new_tenant(world)
    tenant.create("pods", "lab", pod("p-never-2", "lab/web:1.0", "Never", "node-2"))
    run(simulator, clock, 40)
    never = [e for e in tenant.store.list("events") if e["reason"] == "ErrImageNeverPull"]
    assert never[0]["count"] == 4  # pod worker retries every 10 s (pod_workers.go backOffPeriod)
    assert waiting(tenant, "p-never-2")["reason"] == "ErrImageNeverPull"
    run(simulator, clock, 20)
    current = tenant.store.get("pods", "lab", "p-never-2")
    assert current["status"]["phase"] == "Running"
    assert current["status"]["containerStatuses"][0]["imageID"] == f"docker.io/lab/web@{DIGEST_A}"


def test_serialized_pulls_wait_for_each_other_and_say_so() -> None:
    world = lab1_world()
    world["registries"][0]["repositories"][0]["tags"]["2.0"] = {
        "digest": "sha256:" + "c" * 64,
        "size": 20_000_000,
    }
    simulator, clock, tenant = new_tenant(world)
    tenant.create("pods", "lab", pod("first", "lab/web:2.0", "IfNotPresent", "node-2"))
    tenant.create("pods", "lab", pod("second", "lab/web:1.0", "IfNotPresent", "node-2"))
    run(simulator, clock, 10)
    pulled = {
        e["involvedObject"]["name"]: e["message"]
        for e in tenant.store.list("events")
        if e["reason"] == "Pulled"
    }
    assert pulled["first"].endswith("in 2.3s (2.3s including waiting). Image size: 20000000 bytes.")
    # second: 0.3 s + 0.734 s of its own, after waiting for the first pull
    assert pulled["second"] == (
        'Successfully pulled image "lab/web:1.0" in 1.034s (3.334s including waiting). '
        "Image size: 7340032 bytes."
    )


def test_a_missing_pull_secret_is_reported_and_the_pull_still_tried() -> None:
    """kubelet.go getPullSecretsForPod (v1.28+, brief section 0)."""
    simulator, clock, tenant = new_tenant()
    body = pod(
        "p", "lab/private:1.0", "IfNotPresent", "node-2", imagePullSecrets=[{"name": "regcred"}]
    )
    tenant.create("pods", "lab", body)
    run(simulator, clock, 5)
    events = events_of(tenant, "p")
    assert events[0] == (
        "Warning",
        "FailedToRetrieveImagePullSecret",
        "Unable to retrieve some image pull secrets (regcred); "
        "attempting to pull the image may not succeed.",
    )
    assert [reason for _, reason, _ in events[1:]] == ["Pulling", "Failed", "Failed"]


@pytest.mark.parametrize(
    ("kubelet", "waits"),
    [
        pytest.param({}, [0.0, 0.4, 0.8], id="serializeImagePulls default true: one at a time"),
        pytest.param({"serializeImagePulls": False}, [0.0, 0.0, 0.0], id="parallel, no limit"),
        pytest.param(
            {"serializeImagePulls": False, "maxParallelImagePulls": 2},
            [0.0, 0.0, 0.4],
            id="maxParallelImagePulls 2: the third waits",
        ),
    ],
)
def test_parallel_pulls_follow_the_kubelet_configuration(kubelet: dict, waits: list[float]) -> None:
    world = lab1_world(kubelet=kubelet)
    tags = world["registries"][0]["repositories"][0]["tags"]
    for index in range(3):
        tags[f"t{index}"] = {"digest": "sha256:" + str(index) * 64, "size": 1_000_000}
    simulator, clock, tenant = new_tenant(world)
    for index in range(3):
        tenant.create(
            "pods", "lab", pod(f"p{index}", f"lab/web:t{index}", "IfNotPresent", "node-2")
        )
    run(simulator, clock, 10)
    pulled = {
        e["involvedObject"]["name"]: e["message"]
        for e in tenant.store.list("events")
        if e["reason"] == "Pulled"
    }
    for index, wait in enumerate(waits):
        own = 0.4  # 0.3 s manifest + 1 MB at 10 MB/s
        expected = f"in {go_duration(own)} ({go_duration(own + wait)} including waiting)"
        assert expected in pulled[f"p{index}"]
