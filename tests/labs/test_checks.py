"""The check engine on lab 1's real checks, fed with streams of watched objects.

Each case is one stream (in seq order) and whether one step of labs/content/01-three-policies.md
passes on it. Kubelet strings are those of brief section 0 (pkg/kubelet/images/image_manager.go).
"""

from dataclasses import dataclass, field

import pytest

from labs.checks import CheckError, build_facts, check_passes, compile_check, passing_steps
from labs.loader import get_lab
from labs.normalise import event_payload, pod_payload
from tests.labs.cluster_objects import already_present, never_pull, pod, pulled, pulling

LAB_1 = get_lab("three-policies")


def stream(*items) -> list[tuple[str, dict]]:
    """(kind, payload) pairs from pods and Events, each as an ADDED/MODIFIED watch item."""
    out = []
    for item in items:
        watch_type = "ADDED"
        if isinstance(item, tuple):
            watch_type, item = item
        if item["kind"] == "Pod":
            out.append(("pod", pod_payload(watch_type, item)[0]))
        else:
            out.append(("event", event_payload(watch_type, item)[0]))
    return out


@dataclass(frozen=True)
class Case:
    step: str
    items: tuple = field(default_factory=tuple)
    passes: bool = False


IFNP = pod("p-ifnp", policy="IfNotPresent", phase="Running")
ALWAYS = pod("p-always", policy="Always", phase="Running")
NEVER = pod("p-never", policy="Never", phase="Running")
NEVER_2 = pod("p-never-2", node="node-2", policy="Never", waiting="ErrImageNeverPull")
NEVER_2_ON_NODE_1 = pod("p-never-2", node="node-1", policy="Never", phase="Running")

CASES = {
    # IfNotPresent + cached: "already present on machine", no Pulling (image_manager.go
    # EnsureImageExists, the shouldPullImage == false branch).
    "ifnp-already-present": Case("ifnp-cached", (IFNP, already_present(IFNP)), passes=True),
    "ifnp-with-a-pulling-event-fails": Case(
        "ifnp-cached", (IFNP, pulling(IFNP), already_present(IFNP))
    ),
    "ifnp-on-node-2-fails": Case(
        "ifnp-cached", (pod("p-ifnp", node="node-2", phase="Running"), already_present(IFNP))
    ),
    "ifnp-without-the-event-yet": Case("ifnp-cached", (IFNP,)),
    "ifnp-wrong-policy": Case(
        "ifnp-cached", (pod("p-ifnp", policy="Always", phase="Running"), already_present(IFNP))
    ),
    # Always: Pulling, then "Successfully pulled" even with the digest cached (brief section 0).
    "always-pulling-then-pulled": Case(
        "always-resolves", (ALWAYS, pulling(ALWAYS), pulled(ALWAYS)), passes=True
    ),
    "always-pulling-only": Case("always-resolves", (ALWAYS, pulling(ALWAYS))),
    "always-but-already-present": Case("always-resolves", (ALWAYS, already_present(ALWAYS))),
    # Never + cached: the container runs.
    "never-running-on-node-1": Case("never-cached", (NEVER,), passes=True),
    "never-still-pending": Case("never-cached", (pod("p-never", policy="Never"),)),
    # Never + not cached: ErrImageNeverPull (images/types.go ErrImageNeverPull).
    "never-2-waits-on-node-2": Case("never-uncached", (NEVER_2, never_pull(NEVER_2)), passes=True),
    "never-2-waiting-but-no-event-yet": Case("never-uncached", (NEVER_2,)),
    # The wrong path of the lab: all four on node-1, so p-never-2 simply runs.
    "wrong-path-never-2-on-node-1": Case("never-uncached", (NEVER_2_ON_NODE_1,)),
    # Events are scoped to the pod's current UID: a recreated pod does not inherit them.
    "never-2-recreated-keeps-old-events-out": Case(
        "never-uncached",
        (
            NEVER_2,
            never_pull(NEVER_2),
            ("DELETED", NEVER_2),
            pod("p-never-2", node="node-2", policy="Never", waiting="ErrImageNeverPull", uid="u2"),
        ),
    ),
    "never-2-deleted": Case("never-uncached", (NEVER_2, never_pull(NEVER_2), ("DELETED", NEVER_2))),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_lab_1_step(case: Case):
    facts = build_facts(stream(*case.items), LAB_1.world)
    passed = passing_steps(LAB_1.steps, {case.step}, facts.activation())
    assert passed == ([case.step] if case.passes else [])


def test_the_reference_solution_passes_every_step_and_the_wrong_path_all_but_one():
    reference = stream(
        IFNP, already_present(IFNP), ALWAYS, pulling(ALWAYS), pulled(ALWAYS), NEVER,
        NEVER_2, never_pull(NEVER_2),
    )  # fmt: skip
    all_steps = {step.id for step in LAB_1.steps}
    facts = build_facts(reference, LAB_1.world)
    assert passing_steps(LAB_1.steps, all_steps, facts.activation()) == [s.id for s in LAB_1.steps]

    wrong = stream(
        IFNP, already_present(IFNP), ALWAYS, pulling(ALWAYS), pulled(ALWAYS), NEVER,
        NEVER_2_ON_NODE_1, already_present(NEVER_2_ON_NODE_1),
    )  # fmt: skip
    facts = build_facts(wrong, LAB_1.world)
    assert "never-uncached" not in passing_steps(LAB_1.steps, all_steps, facts.activation())
    assert LAB_1.wrong_paths[0]["stays_open"] == "never-uncached"


def test_a_late_deleted_of_an_older_pod_does_not_drop_the_new_one():
    old, new = pod("p", uid="old"), pod("p", uid="new")
    facts = build_facts(stream(old, new, ("DELETED", old)), {})
    assert facts.pods["p"]["metadata"]["uid"] == "new"


def test_an_aggregated_event_counts_once_with_its_latest_count():
    first = never_pull(NEVER_2)
    again = {**first, "count": 5}
    facts = build_facts(stream(NEVER_2, first, ("MODIFIED", again)), {})
    assert [e["count"] for e in facts.events["p-never-2"]] == [5]
    assert facts.all_events == facts.events["p-never-2"]


def test_nodes_come_from_the_world():
    facts = build_facts([], LAB_1.world)
    # Both the name as written and as normalised, so either form of a check holds.
    assert facts.nodes["node-1"]["cache"] == ["docker.io/lab/web:1.0", "lab/web:1.0"]
    assert facts.nodes["node-2"]["cache"] == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"a" in pods', False),  # the pod does not exist
        ('pods["a"].spec.nodeName == "n"', False),  # missing key is an error: not passed
        ("1", False),  # not a boolean
        ("size(nodes) == 0", True),
    ],
)
def test_only_a_boolean_true_passes(source: str, expected: bool):
    activation = build_facts([], {}).activation()
    assert check_passes(source, activation) is expected


def test_a_check_is_compiled_once():
    assert compile_check('"x" in pods') is compile_check('"x" in pods')


def test_a_check_that_does_not_parse_is_a_check_error():
    with pytest.raises(CheckError, match="does not parse"):
        compile_check('pods["a"] &&')
