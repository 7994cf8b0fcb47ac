"""`make run`: prepare the database, start every process of the platform and supervise them.

Run from the project root with the project's virtualenv: `python -m scripts.run`.
Ctrl-C (or SIGTERM) stops every process it started; if one child dies, it says which and
stops the rest.

Environment: PORT (8000), REDIS_URL (default: start the bundled redis-server),
CLUSTER_KUBECONFIG (default: start the simulated cluster), DEBUG, PPL_VAR_DIR (var/).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from scripts.stack import ROOT, Stack, StackConfig, plan_stack
from scripts.supervisor import ChildFailed, StopRequested, Supervisor

DEMO_LOGINS = [("student", "student-pass"), ("trainer", "trainer-pass")]
STATIC_ROOT = ROOT / "staticfiles"
STATIC_STAMP = STATIC_ROOT / ".collected"


def config_from_env() -> StackConfig:
    return StackConfig(
        var_dir=Path(os.getenv("PPL_VAR_DIR", str(ROOT / "var"))),
        web_port=int(os.getenv("PORT", "8000")),
        redis_url=os.getenv("REDIS_URL", ""),
        cluster_kubeconfig=os.getenv("CLUSTER_KUBECONFIG", ""),
        debug=os.getenv("DEBUG", "false").lower() in ("1", "true", "yes", "on"),
    )


def newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            newest = max([newest, *(p.stat().st_mtime for p in path.rglob("*") if p.is_file())])
    return newest


def needs_collectstatic() -> bool:
    """Collect again only when a static source or the npm lock is newer than the last run."""
    if not STATIC_STAMP.exists():
        return True
    sources = [ROOT / "static", ROOT / "package-lock.json"]
    return newest_mtime(sources) > STATIC_STAMP.stat().st_mtime


def manage(stack: Stack, *args: str) -> None:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **stack.env},
        check=True,
    )
    print(f"     run | manage.py {args[0]} ({time.monotonic() - started:.1f} s)", flush=True)


def prepare(stack: Stack, supervisor: Supervisor | None = None) -> None:
    """Static files, migrations and the demo accounts; stops early if a stop is asked for."""
    steps = [["migrate", "--noinput", "--verbosity", "0"], ["seed_demo"]]
    if needs_collectstatic():
        steps.insert(0, ["collectstatic", "--noinput", "--verbosity", "0"])
    for args in steps:
        if supervisor is not None and supervisor.stopping:
            raise StopRequested
        manage(stack, *args)
        if args[0] == "collectstatic":
            STATIC_STAMP.touch()


def banner(stack: Stack, seconds: float) -> str:
    logins = "\n".join(f"    {user} / {password}" for user, password in DEMO_LOGINS)
    cluster = stack.env["SIM_URL"] or stack.env["CLUSTER_KUBECONFIG"]
    return (
        f"\nPull Policy Labs is running at {stack.url}  (ready in {seconds:.1f} s)\n"
        f"  logins:\n{logins}\n"
        f"  cluster: {cluster}\n"
        f"  redis:   {stack.env['REDIS_URL']}\n"
        "Press Ctrl-C to stop everything.\n"
    )


def main() -> int:
    started = time.monotonic()
    stack = plan_stack(config_from_env())
    supervisor = Supervisor(ROOT)

    def request_stop(signum: int, frame: object) -> None:
        supervisor.stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    exit_code = 0
    try:
        prepare(stack, supervisor)
        for stage in stack.stages:
            supervisor.start_all(stage)
        print(banner(stack, time.monotonic() - started), flush=True)
        exited = supervisor.watch()
        if exited is not None:
            code = exited.popen.returncode
            print(f"     run | {exited.spec.name} exited with code {code}: stopping the rest")
            sys.stdout.flush()
            exit_code = 1
    except ChildFailed as failure:
        print(f"     run | {failure}: stopping the rest", flush=True)
        exit_code = 1
    except subprocess.CalledProcessError as failure:
        print(f"     run | {' '.join(failure.cmd[1:])} failed (exit {failure.returncode})")
        sys.stdout.flush()
        exit_code = 1
    except StopRequested:
        pass
    finally:
        print("     run | stopping", flush=True)
        supervisor.stop()
        print("     run | every process has stopped", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
