"""Lab 1 through the whole platform path on the simulated cluster (virtual clock):
provisioning → learner kubeconfig → create pods → watch → pipeline → check engine."""

import pytest
from django.core.management import CommandError, call_command

from labs.loader import get_lab
from labs.models import SessionEvent
from labs.solver import LabRun, run_path

pytestmark = pytest.mark.django_db(transaction=True)

LAB_1 = get_lab("three-policies")


def test_the_reference_solution_passes_every_step(simulator):
    outcome = run_path(LAB_1, LAB_1.solution, simulator)
    assert outcome.answers == [
        "pod/p-ifnp created",
        "pod/p-always created",
        "pod/p-never created",
        "pod/p-never-2 created",
    ]
    assert outcome.passed == [step.id for step in LAB_1.steps]


def test_the_wrong_path_leaves_its_step_open(simulator):
    wrong = LAB_1.wrong_paths[0]
    outcome = run_path(LAB_1, wrong["actions"], simulator)
    assert wrong["stays_open"] not in outcome.passed
    assert outcome.passed == ["ifnp-cached", "always-resolves", "never-cached"]


def test_the_stream_holds_the_kubelet_facts_in_order_without_duplicates(simulator):
    run = LabRun(LAB_1, simulator)
    try:
        for action in LAB_1.solution:
            run.do(action)
        run.settle()
        events = list(SessionEvent.objects.filter(session=run.session))
    finally:
        run.close()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    reasons = [
        (e.payload["event"]["name"], e.payload["event"]["reason"])
        for e in events
        if e.kind == "event"
    ]
    assert ("p-never-2", "ErrImageNeverPull") in reasons
    assert ("p-ifnp", "Pulling") not in reasons
    always = [reason for name, reason in reasons if name == "p-always"]
    assert always.index("Pulling") < always.index("Pulled")
    # Each step's evidence is a cluster fact that came before it in the stream. A world-facts
    # refresh (an object such as Registry/docker.io, whose pull log grows with each pull) may
    # be stored after the pod that made the check true and be evaluated first.
    for step in (e for e in events if e.kind == "step"):
        evidence = next(e for e in events if e.seq == step.payload["evidence_seq"])
        assert evidence.kind in ("pod", "event", "object", "node") and evidence.seq < step.seq


def test_validate_labs_solve_passes_lab_1(capsys):
    call_command("validate_labs", "--solve", str(LAB_1.path))
    assert "area  1  three-policies" in capsys.readouterr().out


def test_validate_labs_solve_fails_a_solution_that_does_not_solve(tmp_path, capsys):
    broken = tmp_path / "01-broken.md"
    # The reference solution's p-never-2 lands on node-1, where it simply runs.
    text = LAB_1.path.read_text()
    solution = text[text.index("solution:") : text.index("wrong_paths:")]
    broken.write_text(
        text.replace(solution, solution.replace("nodeName: node-2", "nodeName: node-1"))
    )
    with pytest.raises(CommandError):
        call_command("validate_labs", "--solve", str(broken))
    assert "the solution leaves steps open: never-uncached" in capsys.readouterr().err
