"""What `make run` starts, and with which environment, for each configuration (scripts/stack.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scripts.stack import StackConfig, plan_stack, redis_server_binary


@dataclass(frozen=True)
class Case:
    env: dict[str, str] = field(default_factory=dict)
    processes: list[str] = field(default_factory=list)


CASES = {
    "defaults: bundled redis and the simulated cluster": Case(
        processes=["redis", "cluster", "web", "worker", "watcher", "beat"]
    ),
    "REDIS_URL set: no redis of our own": Case(
        env={"redis_url": "redis://127.0.0.1:6379/3"},
        processes=["cluster", "web", "worker", "watcher", "beat"],
    ),
    "CLUSTER_KUBECONFIG set: no simulated cluster": Case(
        env={"cluster_kubeconfig": "/tmp/kind.kubeconfig"},
        processes=["redis", "web", "worker", "watcher", "beat"],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_it_starts_only_what_is_not_given(case: Case, tmp_path: Path):
    stack = plan_stack(StackConfig(var_dir=tmp_path, web_port=8000, **case.env))
    assert [spec.name for spec in stack.specs] == case.processes


def test_every_django_process_gets_the_same_environment(tmp_path: Path):
    stack = plan_stack(StackConfig(var_dir=tmp_path, web_port=8000))
    django = [spec for spec in stack.specs if spec.name not in ("redis", "cluster")]
    assert all(spec.env == stack.env for spec in django)
    assert stack.env["PPL_VAR_DIR"] == str(tmp_path)
    assert stack.env["SIM_URL"].startswith("https://127.0.0.1:")
    assert stack.env["SIM_CA_FILE"] == str(tmp_path / "sim-certs" / "ca.crt")


def test_the_redis_url_and_kubeconfig_given_are_passed_through(tmp_path: Path):
    config = StackConfig(
        var_dir=tmp_path,
        web_port=8000,
        redis_url="redis://127.0.0.1:6379/3",
        cluster_kubeconfig="/tmp/kind.kubeconfig",
    )
    env = plan_stack(config).env
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert env["CLUSTER_KUBECONFIG"] == "/tmp/kind.kubeconfig"
    assert env["SIM_URL"] == ""


def test_each_run_gets_its_own_admin_token(tmp_path: Path):
    first, second = (plan_stack(StackConfig(var_dir=tmp_path, web_port=8000)) for _ in range(2))
    assert first.env["SIM_ADMIN_TOKEN"] != second.env["SIM_ADMIN_TOKEN"]
    assert len(first.env["SIM_ADMIN_TOKEN"]) >= 32


def test_the_bundled_redis_server_is_installed():
    assert redis_server_binary().is_file()


def test_the_web_server_starts_on_its_own_after_the_services(tmp_path: Path):
    stack = plan_stack(StackConfig(var_dir=tmp_path, web_port=8000))
    names = [[spec.name for spec in stage] for stage in stack.stages]
    assert names == [["redis", "cluster"], ["web"], ["worker", "watcher", "beat"]]


def test_the_cluster_gets_the_platforms_admin_token_in_its_environment_not_its_argv(
    tmp_path: Path,
):
    # secrets.token_urlsafe may start with "-": on argv it once read as an option (CI failed).
    stack = plan_stack(StackConfig(var_dir=tmp_path, web_port=8000))
    cluster = next(spec for spec in stack.specs if spec.name == "cluster")
    token = stack.env["SIM_ADMIN_TOKEN"]
    assert cluster.env["SIM_ADMIN_TOKEN"] == token
    assert not any(token in word for word in cluster.argv)
