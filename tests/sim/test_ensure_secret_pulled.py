"""KEP-2535 "ensure secret pulled images" (KubeletEnsureSecretPulledImages, on by default in
v1.35; imagePullCredentialsVerificationPolicy defaults to NeverVerifyPreloadedImages).

Upstream: pkg/kubelet/images/image_manager.go (EnsureImageExists: MustAttemptImagePull before
"already present on machine and can be accessed by the pod"), pkg/kubelet/images/pullmanager.
"""

from __future__ import annotations

import pytest

from clusters.sim.imagemanager import must_attempt_pull
from tests.sim.worlds import create_pull_secret, events_of, lab1_world, new_tenant, pod, run


@pytest.mark.parametrize(
    ("entry", "pod_key", "enabled", "policy", "pull"),
    [
        pytest.param(
            {"pulled_with": ["k1"]}, "k2", False, "NeverVerifyPreloadedImages", False, id="gate off"
        ),
        pytest.param(
            {"pulled_with": [""]},
            "k2",
            True,
            "NeverVerifyPreloadedImages",
            False,
            id="pulled anonymously: node-accessible",
        ),
        pytest.param(
            {"pulled_with": ["k1"]},
            "k1",
            True,
            "NeverVerifyPreloadedImages",
            False,
            id="same credentials",
        ),
        pytest.param(
            {"pulled_with": ["k1"]},
            "k2",
            True,
            "NeverVerifyPreloadedImages",
            True,
            id="other credentials: pull again",
        ),
        pytest.param(
            {"preloaded": True},
            "k2",
            True,
            "NeverVerifyPreloadedImages",
            False,
            id="preloaded: not verified by default",
        ),
        pytest.param(
            {"preloaded": True}, "k2", True, "AlwaysVerify", True, id="AlwaysVerify: preloaded too"
        ),
        pytest.param({"pulled_with": ["k1"]}, "k2", True, "NeverVerify", False, id="NeverVerify"),
    ],
)
def test_must_attempt_pull(
    entry: dict, pod_key: str, enabled: bool, policy: str, pull: bool
) -> None:
    assert must_attempt_pull(entry, pod_key, enabled, policy) is pull


def _borrow(kubelet: dict) -> tuple:
    simulator, clock, tenant = new_tenant(lab1_world(kubelet=kubelet))
    create_pull_secret(tenant)
    owner = pod(
        "owner", "lab/private:1.0", "IfNotPresent", "node-2", imagePullSecrets=[{"name": "regcred"}]
    )
    tenant.create("pods", "lab", owner)
    run(simulator, clock, 5)
    tenant.create("pods", "lab", pod("borrower", "lab/private:1.0", "IfNotPresent", "node-2"))
    run(simulator, clock, 5)
    return tenant


def test_a_pod_without_the_secret_cannot_borrow_a_private_image_from_the_cache() -> None:
    tenant = _borrow({})
    reasons = [reason for _, reason, _ in events_of(tenant, "borrower")]
    assert reasons == ["Pulling", "Failed", "Failed"]
    state = tenant.store.get("pods", "lab", "borrower")["status"]["containerStatuses"][0]["state"]
    assert "pull access denied" in state["waiting"]["message"]


def test_with_the_gate_off_the_cache_is_borrowed() -> None:
    tenant = _borrow({"featureGates": {"KubeletEnsureSecretPulledImages": False}})
    assert events_of(tenant, "borrower")[0] == (
        "Normal",
        "Pulled",
        'Container image "lab/private:1.0" already present on machine',
    )
    assert tenant.store.get("pods", "lab", "borrower")["status"]["phase"] == "Running"


def test_a_preloaded_private_image_is_not_verified_by_default() -> None:
    world = lab1_world()
    world["nodes"][1]["cache"] = ["lab/private:1.0"]
    simulator, clock, tenant = new_tenant(world)
    tenant.create("pods", "lab", pod("p", "lab/private:1.0", "IfNotPresent", "node-2"))
    run(simulator, clock, 5)
    assert events_of(tenant, "p")[0][2].endswith(
        "already present on machine and can be accessed by the pod"
    )
