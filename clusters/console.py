"""The learner's kubectl console: one command line at a time, run as the learner's own kubectl.

The line never reaches a shell. It is split like a shell would (`shlex`), it must start with
`kubectl` (or `k`), and its subcommand must be one the labs use. Flags that would make kubectl
read or write files on the platform's machine (`-f`, `--from-file`, `--log-file`, a template
file), or talk to another server or as someone else (`--server`, `--kubeconfig`, `--token`,
`--as`), are refused with a message that says what to do instead. kubectl then runs with the
session's kubeconfig in an empty temporary home, no standard input, a time limit and an output
cap. What it may do in the cluster is what the session's credentials allow (RBAC on a real
cluster, the LabWorld's own tenant on the simulated one).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from django.conf import settings

SUBCOMMANDS = frozenset(
    {
        "annotate", "api-resources", "api-versions", "auth", "autoscale", "cluster-info",
        "create", "debug", "delete", "describe", "events", "explain", "expose", "get", "help",
        "label", "logs", "patch", "rollout", "run", "scale", "set", "version", "wait",
    }
)  # fmt: skip
# Long flags refused anywhere on the line, with or without `=value`, and what to say instead.
NO_FILES = "files are not read here: paste YAML in the “apply YAML” box instead"
NO_FILE_VALUES = "files are not read here: use --from-literal=key=value"
NO_TEMPLATE_FILES = "template files are not read here: use -o jsonpath='{...}'"
NO_WRITES = "the console does not write files"
OWN_CREDENTIALS = "the console always uses your session's own credentials"
OWN_CLUSTER = "the console always talks to your session's cluster"
REFUSED_FLAGS = {
    **dict.fromkeys(("--filename", "--kustomize"), NO_FILES),
    **dict.fromkeys(("--from-file", "--from-env-file"), NO_FILE_VALUES),
    "--template": NO_TEMPLATE_FILES,
    **dict.fromkeys(("--log-file", "--log-dir", "--profile-output", "--cache-dir"), NO_WRITES),
    **dict.fromkeys(
        ("--kubeconfig", "--token", "--as", "--as-group", "--as-uid", "--username",
         "--password", "--user", "--context", "--client-certificate", "--client-key"),
        OWN_CREDENTIALS,
    ),
    **dict.fromkeys(
        ("--server", "--cluster", "--certificate-authority", "--insecure-skip-tls-verify",
         "--tls-server-name"),
        OWN_CLUSTER,
    ),
}  # fmt: skip
SHORT_REFUSED = {"f": "--filename", "k": "--kustomize", "s": "--server"}
# pflag reads `-it` as -i -t: these shorthands take no value, so the next letter is a flag too.
SHORT_BOOLEANS = frozenset("iAtwqhR")
OUTPUT_CAP_BYTES = 1_000_000
TIME_LIMIT_SECONDS = 600  # long enough for `get -w` through a 300 s back-off


class ConsoleRefusal(ValueError):
    """A line the console will not run; the message says why and what to do instead."""


def _short_flag_refusal(arg: str) -> str | None:
    for letter in arg[1:].split("=", 1)[0]:
        if letter in SHORT_REFUSED:
            return SHORT_REFUSED[letter]
        if letter not in SHORT_BOOLEANS:
            return None  # this shorthand takes the rest of the word as its value
    return None


def _output_refusal(args: list[str]) -> str | None:
    for index, arg in enumerate(args):
        value = None
        if arg in ("-o", "--output") and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--output="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-o") and not arg.startswith("--"):
            value = arg[2:].lstrip("=")
        if value and value.split("=", 1)[0].endswith("-file"):
            return NO_TEMPLATE_FILES
    return None


# Global flags that take the next word as their value (`kubectl -n lab get pods`).
VALUE_FLAGS = frozenset({"-n", "--namespace", "-v", "--v", "--request-timeout"})


def _subcommand(args: list[str]) -> str | None:
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in VALUE_FLAGS:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def parse_line(line: str) -> list[str]:
    """kubectl's arguments for a console line, or ConsoleRefusal."""
    try:
        words = shlex.split(line)
    except ValueError as err:
        raise ConsoleRefusal(f"cannot read that line: {err}") from None
    if not words:
        raise ConsoleRefusal("type a kubectl command, e.g. kubectl get pods")
    if words[0] not in ("kubectl", "k"):
        raise ConsoleRefusal(f"{words[0]}: only kubectl runs here, e.g. kubectl get pods")
    args = words[1:]
    subcommand = _subcommand(args)
    if subcommand is None:
        return args or ["help"]
    if subcommand not in SUBCOMMANDS:
        if subcommand in ("apply", "replace", "diff", "edit"):
            raise ConsoleRefusal(
                f"kubectl {subcommand} needs a file or an editor: use the “apply YAML” box"
            )
        raise ConsoleRefusal(f"kubectl {subcommand} is not available in the lab console")
    for arg in args:
        if arg == "--":
            break  # what follows is the container's command (`run ... -- sleep 3600`)
        name = arg.split("=", 1)[0]
        if arg.startswith("--") and name in REFUSED_FLAGS:
            raise ConsoleRefusal(f"{name}: {REFUSED_FLAGS[name]}")
        if arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            refused = _short_flag_refusal(arg)
            if refused:
                raise ConsoleRefusal(f"{arg}: {REFUSED_FLAGS[refused]}")
    refusal = _output_refusal(args[: args.index("--")] if "--" in args else args)
    if refusal:
        raise ConsoleRefusal(refusal)
    return args


def kubectl_binary() -> str:
    configured = getattr(settings, "KUBECTL_BINARY", "")
    beside_python = Path(sys.executable).parent / "kubectl"
    return configured or (str(beside_python) if beside_python.exists() else "kubectl")


async def run_kubectl(
    args: list[str],
    kubeconfig: str,
    send: Callable[[str], Awaitable[None]],
    stop: asyncio.Event,
    time_limit: float = TIME_LIMIT_SECONDS,
) -> int:
    """Run kubectl, sending its output as it comes; its exit code (-1 when stopped)."""
    home = Path(tempfile.mkdtemp(prefix="console-"))
    try:
        config = home / "kubeconfig"
        config.write_text(kubeconfig)
        config.chmod(0o600)
        env = {"HOME": str(home), "KUBECONFIG": str(config), "PATH": os.defpath}
        process = await asyncio.create_subprocess_exec(
            kubectl_binary(), *args,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, cwd=home, env=env, start_new_session=True,
        )  # fmt: skip
        stopped = True  # until the output ends by itself; a failing send stops it too
        try:
            stopped = await _stream(process, send, stop, time_limit)
        finally:
            if stopped:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            code = await process.wait()
        return -1 if stopped else code
    finally:
        shutil.rmtree(home, ignore_errors=True)


async def _stream(
    process: asyncio.subprocess.Process,
    send: Callable[[str], Awaitable[None]],
    stop: asyncio.Event,
    time_limit: float,
) -> bool:
    """Forward output until kubectl ends; True if it had to be stopped (Ctrl-C, limits)."""
    assert process.stdout is not None
    sent = 0
    deadline = asyncio.get_running_loop().time() + time_limit
    stopping = asyncio.create_task(stop.wait())
    try:
        while True:
            reading = asyncio.create_task(process.stdout.read(4096))
            remaining = deadline - asyncio.get_running_loop().time()
            done, _ = await asyncio.wait(
                {reading, stopping}, timeout=max(0.0, remaining), return_when="FIRST_COMPLETED"
            )
            if reading not in done:
                reading.cancel()
                if stopping not in done:
                    await send(f"\n(stopped after {time_limit:.0f} s)\n")
                return True
            chunk = reading.result()
            if not chunk:
                return False
            sent += len(chunk)
            await send(chunk.decode(errors="replace"))
            if sent > OUTPUT_CAP_BYTES:
                await send("\n(output cut at 1 MB)\n")
                return True
    finally:
        stopping.cancel()
