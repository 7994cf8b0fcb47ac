"""Pod Security Admission texts, pinned per check (k8s.io/pod-security-admission/policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from clusters.sim.admission_psa import findings, pod_security

SESSION_LABELS = {  # platform/templates/session/00-namespace.yaml
    "pod-security.kubernetes.io/enforce": "baseline",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
}
HARDENED = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def hardened(**changes: Any) -> dict[str, Any]:
    """HARDENED with some fields changed; None removes a field."""
    merged = {**HARDENED, **changes}
    return {key: value for key, value in merged.items() if value is not None}


def container(name: str = "app", **security: Any) -> dict[str, Any]:
    made: dict[str, Any] = {"name": name, "image": "lab/web:1.0"}
    if security:
        made["securityContext"] = security
    return made


@dataclass
class Case:
    id: str
    level: str
    spec: dict[str, Any]
    expected: list[tuple[str, str]] = field(default_factory=list)


CASES = [
    Case("plain pod passes baseline", "baseline", {"containers": [container()]}),
    Case(
        "check_privileged.go privileged_1_0",
        "baseline",
        {"containers": [container("x", privileged=True)]},
        [("privileged", 'container "x" must not set securityContext.privileged=true')],
    ),
    Case(
        "check_privileged.go: plural containers, init first (visitContainers)",
        "baseline",
        {
            "initContainers": [container("init", privileged=True)],
            "containers": [container("a", privileged=True), container("b", privileged=False)],
        },
        [
            (
                "privileged",
                'containers "init", "a" must not set securityContext.privileged=true',
            )
        ],
    ),
    Case(
        "check_hostNamespaces.go hostNamespaces_1_0",
        "baseline",
        {"hostNetwork": True, "hostPID": True, "containers": [container()]},
        [("host namespaces", "hostNetwork=true, hostPID=true")],
    ),
    Case(
        "check_hostPathVolumes.go hostPathVolumes_1_0",
        "baseline",
        {"volumes": [{"name": "root", "hostPath": {"path": "/"}}], "containers": [container()]},
        [("hostPath volumes", 'volume "root"')],
    ),
    Case(
        "check_hostPorts.go hostPorts_1_0",
        "baseline",
        {"containers": [{**container(), "ports": [{"containerPort": 80, "hostPort": 8080}]}]},
        [("hostPort", 'container "app" uses hostPort 8080')],
    ),
    Case(
        "check_capabilities_baseline.go: NET_ADMIN is not a default capability",
        "baseline",
        {"containers": [container(capabilities={"add": ["NET_ADMIN", "CHOWN"]})]},
        [
            (
                "non-default capabilities",
                'container "app" must not include "NET_ADMIN" in securityContext.capabilities.add',
            )
        ],
    ),
    Case(
        "checks run in id order (evaluator): hostNamespaces before privileged",
        "baseline",
        {"hostIPC": True, "containers": [container("x", privileged=True)]},
        [
            ("host namespaces", "hostIPC=true"),
            ("privileged", 'container "x" must not set securityContext.privileged=true'),
        ],
    ),
    Case(
        "restricted on a plain pod: the four texts kubectl run prints",
        "restricted",
        {"containers": [container()]},
        [
            (
                "allowPrivilegeEscalation != false",
                'container "app" must set securityContext.allowPrivilegeEscalation=false',
            ),
            (
                "unrestricted capabilities",
                'container "app" must set securityContext.capabilities.drop=["ALL"]',
            ),
            (
                "runAsNonRoot != true",
                'pod or container "app" must set securityContext.runAsNonRoot=true',
            ),
            (
                "seccompProfile",
                'pod or container "app" must set securityContext.seccompProfile.type to '
                '"RuntimeDefault" or "Localhost"',
            ),
        ],
    ),
    Case(
        "restricted: a hardened container passes",
        "restricted",
        {"containers": [container(**HARDENED)]},
    ),
    Case(
        "check_runAsNonRoot.go: pod-level true covers containers; explicit false is named",
        "restricted",
        {
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "Localhost"}},
            "containers": [
                container("a", **hardened(runAsNonRoot=None)),
                container("b", **hardened(runAsNonRoot=False)),
            ],
        },
        [("runAsNonRoot != true", 'container "b" must not set securityContext.runAsNonRoot=false')],
    ),
    Case(
        "check_seccompProfile_restricted.go: Unconfined on the pod",
        "restricted",
        {
            "securityContext": {"seccompProfile": {"type": "Unconfined"}},
            "containers": [container(**hardened(seccompProfile=None))],
        },
        [
            (
                "seccompProfile",
                'pod must not set securityContext.seccompProfile.type to "Unconfined"; '
                'pod or container "app" must set securityContext.seccompProfile.type to '
                '"RuntimeDefault" or "Localhost"',
            )
        ],
    ),
    Case(
        "check_capabilities_restricted.go: only NET_BIND_SERVICE may be added",
        "restricted",
        {"containers": [container(**hardened(capabilities={"drop": ["ALL"], "add": ["CHOWN"]}))]},
        [
            (
                "unrestricted capabilities",
                'container "app" must not include "CHOWN" in securityContext.capabilities.add',
            )
        ],
    ),
    Case(
        "restricted replaces capabilities_baseline (OverrideCheckIDs), keeps privileged",
        "restricted",
        {"containers": [container(**hardened(privileged=True))]},
        [("privileged", 'container "app" must not set securityContext.privileged=true')],
    ),
    Case("privileged level allows everything", "privileged", {"hostPID": True, "containers": []}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_findings(case: Case) -> None:
    assert findings(case.level, case.spec) == case.expected


def test_session_namespace_refuses_privileged_with_the_api_server_text() -> None:
    """The issue's example: admission.go forbidden message after `pods "x" is forbidden: `."""
    refusal, warnings = pod_security(
        SESSION_LABELS, {"containers": [container("x", privileged=True)]}
    )
    assert refusal == (
        'violates PodSecurity "baseline:latest": privileged '
        '(container "x" must not set securityContext.privileged=true)'
    )
    assert warnings[0].startswith('would violate PodSecurity "restricted:latest": ')
    assert "privileged (container" in warnings[0]  # restricted includes the baseline checks


def test_session_namespace_admits_a_plain_pod_with_a_restricted_warning() -> None:
    refusal, warnings = pod_security(SESSION_LABELS, {"containers": [container()]})
    assert refusal is None
    assert warnings == [
        'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false '
        '(container "app" must set securityContext.allowPrivilegeEscalation=false), '
        "unrestricted capabilities "
        '(container "app" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to '
        '"RuntimeDefault" or "Localhost")'
    ]


def test_unlabelled_namespace_is_privileged_and_silent() -> None:
    assert pod_security({}, {"hostNetwork": True, "containers": [container()]}) == (None, [])


def test_warn_at_the_enforced_level_adds_nothing() -> None:
    labels = {
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "baseline",
    }
    refusal, warnings = pod_security(labels, {"hostPID": True, "containers": [container()]})
    assert refusal == 'violates PodSecurity "baseline:latest": host namespaces (hostPID=true)'
    assert warnings == []
