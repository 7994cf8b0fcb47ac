"""The AlwaysPullImages admission plugin, switched on by the `apiserver` world action.

Upstream: plugin/pkg/admission/alwayspullimages/admission.go (Admit, Validate, shouldIgnore,
isUpdateWithNoNewImages); pkg/kubeapiserver/options/admission.go (unknown plugin names).
"""

from __future__ import annotations

import pytest

from clusters.sim import errors
from clusters.sim.alwayspullimages import admit, validate
from clusters.sim.world import WorldChangeRefused, apply_change
from clusters.sim.worldstatus import world_status
from tests.sim.worlds import events_of, new_tenant, pod, run

ON = {"apiserver": {"enableAdmissionPlugins": ["NodeRestriction", "AlwaysPullImages"]}}


def _spec(**containers: list[dict]) -> dict:
    return {"metadata": {"name": "p"}, "spec": containers}


@pytest.mark.parametrize(
    ("new", "old", "policies"),
    [
        pytest.param(
            _spec(containers=[{"image": "a", "imagePullPolicy": "IfNotPresent"}],
                  initContainers=[{"image": "b", "imagePullPolicy": "Never"}]),
            None, ["Always", "Always"], id="create: containers and initContainers",
        ),
        pytest.param(
            _spec(containers=[{"image": "a", "imagePullPolicy": "IfNotPresent"}],
                  ephemeralContainers=[{"image": "d", "imagePullPolicy": "IfNotPresent"}]),
            None, ["Always", "Always"], id="ephemeralContainers are visited too",
        ),
        pytest.param(
            _spec(containers=[{"image": "a2", "imagePullPolicy": "IfNotPresent"}]),
            _spec(containers=[{"image": "a", "imagePullPolicy": "IfNotPresent"}]),
            ["Always"], id="update with a new image",
        ),
        pytest.param(
            _spec(containers=[{"image": "a", "imagePullPolicy": "IfNotPresent"}]),
            _spec(containers=[{"image": "a", "imagePullPolicy": "IfNotPresent"}]),
            ["IfNotPresent"], id="update without a new image is ignored",
        ),
    ],
)  # fmt: skip
def test_admit(new: dict, old: dict | None, policies: list[str]) -> None:
    """Admit: VisitContainersWithPath sets Always, unless isUpdateWithNoNewImages."""
    admit(new, old)
    spec = new["spec"]
    containers = [
        c for kind in ("initContainers", "containers", "ephemeralContainers")
        for c in spec.get(kind, [])
    ]  # fmt: skip
    assert sorted(c["imagePullPolicy"] for c in containers) == sorted(policies)


def test_validate_refuses_a_container_that_does_not_pull_always() -> None:
    """Validate: admission.NewForbidden with field.NotSupported, aggregated."""
    new = _spec(containers=[{"image": "a", "imagePullPolicy": "IfNotPresent"},
                            {"image": "b", "imagePullPolicy": "Never"}])  # fmt: skip
    with pytest.raises(errors.ApiError) as caught:
        validate(new)
    assert caught.value.code == 403
    assert caught.value.status["message"] == (
        '[pods "p" is forbidden: spec.containers[0].imagePullPolicy: Unsupported value: '
        '"IfNotPresent": supported values: "Always", pods "p" is forbidden: '
        'spec.containers[1].imagePullPolicy: Unsupported value: "Never": supported values: '
        '"Always"]'
    )


def test_a_new_pod_pulls_always_once_the_plugin_is_on() -> None:
    simulator, clock, tenant = new_tenant()
    before = tenant.create("pods", "lab", pod("before", policy="IfNotPresent", node="node-1"))
    assert apply_change(tenant, ON) == (
        "kube-apiserver restarted with --enable-admission-plugins=NodeRestriction,AlwaysPullImages"
    )
    after = tenant.create("pods", "lab", pod("after", policy="IfNotPresent", node="node-1"))
    run(simulator, clock, 10)
    assert before["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert after["spec"]["containers"][0]["imagePullPolicy"] == "Always"
    # node-1 has lab/web:1.0: only the pod created with the plugin on pulls it again
    assert "Pulling" in [reason for _, reason, _ in events_of(tenant, "after")]
    assert "Pulling" not in [reason for _, reason, _ in events_of(tenant, "before")]
    assert world_status(tenant)["apiserver"] == {
        "enableAdmissionPlugins": ["NodeRestriction", "AlwaysPullImages"]
    }


def test_mutation_runs_before_validation_so_a_lowercase_always_is_accepted() -> None:
    """create.go: mutating admission, then the strategy's validation."""
    _, _, tenant = new_tenant(ON)
    created = tenant.create("pods", "lab", pod("p", policy="always", node="node-1"))
    assert created["spec"]["containers"][0]["imagePullPolicy"] == "Always"


def test_a_new_image_on_an_older_ifnotpresent_pod_is_refused_by_pod_update_validation() -> None:
    """The plugin rewrites the policy, and a running pod's policy may not change."""
    _, _, tenant = new_tenant()
    tenant.create("pods", "lab", pod("p", policy="IfNotPresent", node="node-1"))
    apply_change(tenant, ON)
    created = tenant.get("pods", "lab", "p")
    updated = {**created, "spec": {**created["spec"], "containers": [
        {**created["spec"]["containers"][0], "image": "lab/web:2.0"}]}}  # fmt: skip
    with pytest.raises(errors.ApiError) as caught:
        tenant.update("pods", "lab", "p", updated)
    assert caught.value.code == 422
    assert "pod updates may not change fields" in caught.value.status["message"]


def test_the_ephemeralcontainers_subresource_is_not_mutated() -> None:
    """shouldIgnore: every subresource is ignored, so `kubectl debug` keeps its policy."""
    _, _, tenant = new_tenant(ON)
    tenant.create("pods", "lab", pod("p", node="node-1"))
    created = tenant.get("pods", "lab", "p")
    debug = {"name": "dbg", "image": "lab/web:1.0", "imagePullPolicy": "IfNotPresent"}
    body = {**created, "spec": {**created["spec"], "ephemeralContainers": [debug]}}
    stored = tenant.update("pods", "lab", "p", body, subresource="ephemeralcontainers")
    assert stored["spec"]["ephemeralContainers"][0]["imagePullPolicy"] == "IfNotPresent"


def test_an_unknown_plugin_keeps_the_old_flags() -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(WorldChangeRefused) as refused:
        apply_change(tenant, {"apiserver": {"enableAdmissionPlugins": ["AlwaysPullImage"]}})
    assert 'enable-admission-plugins plugin "AlwaysPullImage" is unknown' in str(refused.value)
    assert tenant.apiserver["enableAdmissionPlugins"] == []
