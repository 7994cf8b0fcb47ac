"""Scenario files (docs/simulator.md, "Scenarios"): a world, timed actions, a timeline."""

from __future__ import annotations

import json

from clusters.sim.scenario import run_scenario
from tests.sim.worlds import lab1_world

POD = """apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  nodeName: {node}
  containers: [{{name: web, image: lab/web:1.0, imagePullPolicy: {policy}}}]
"""


def test_the_l1_1_scenario_gives_a_timeline_of_events_and_pod_states() -> None:
    scenario = {
        "world": lab1_world(),
        "actions": [
            {"at": "0s", "apply": POD.format(name="p-ifnp", node="node-1", policy="IfNotPresent")},
            {"at": "1s", "apply": POD.format(name="p-never-2", node="node-2", policy="Never")},
            {"at": "20s", "delete": "pod/p-ifnp"},
            {
                "at": "21s",
                "apply": "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n"
                "  containers: [{name: web, image: x, imagePullPolicy: always}]\n",
            },
        ],
        "until": "30s",
    }
    timeline = run_scenario(scenario)
    json.dumps(timeline)  # JSON-able, one record a line
    assert [r["t"] for r in timeline] == sorted(r["t"] for r in timeline)
    ifnp = [r for r in timeline if r["record"] == "pod" and r["name"] == "p-ifnp"]
    assert [r["status"] for r in ifnp] == [
        "Pending",
        "ContainerCreating",
        "Running",
        "Terminating",
        "Deleted",
    ]
    events = [(r["object"], r["reason"]) for r in timeline if r["record"] == "event"]
    assert ("pod/p-ifnp", "Pulled") in events and ("pod/p-never-2", "ErrImageNeverPull") in events
    never = [r for r in timeline if r["record"] == "pod" and r["name"] == "p-never-2"]
    assert never[-1]["status"] == "ErrImageNeverPull"
    refused = [r for r in timeline if r["record"] == "action" and r["action"] == "apply"][-1]
    assert refused["result"].startswith(
        'Pod "bad" is invalid: spec.containers[0].imagePullPolicy: Unsupported value'
    )


def test_a_scenario_runs_the_same_every_time() -> None:
    scenario = {
        "world": lab1_world(),
        "actions": [{"at": "0s", "apply": POD.format(name="p", node="node-2", policy="Always")}],
        "until": "40s",
    }
    assert run_scenario(scenario) == run_scenario(scenario)


def test_world_changes_and_patches_are_actions() -> None:
    scenario = {
        "world": lab1_world(),
        "actions": [
            {"at": "0s", "apply": POD.format(name="p-never-2", node="node-2", policy="Never")},
            {"at": "5s", "world": {"cache": {"node": "node-2", "image": "lab/web:1.0"}}},
            {
                "at": "30s",
                "patch": {
                    "target": "pod/p-never-2",
                    "patch": {"metadata": {"labels": {"seen": "yes"}}},
                },
            },
        ],
        "until": "40s",
    }
    timeline = run_scenario(scenario)
    never = [r for r in timeline if r["record"] == "pod" and r["name"] == "p-never-2"]
    assert never[-1]["status"] == "Running"
    assert [r["result"] for r in timeline if r["record"] == "action"][1:] == [
        "world changed",
        "pod/p-never-2 patched",
    ]
