"""Run the simulated cluster.

    SIM_ADMIN_TOKEN=TOKEN python -m clusters.apiserver --host 127.0.0.1 --port 8700 [--speed 1.0]

The admin token (the one that manages labworlds) comes from SIM_ADMIN_TOKEN, the variable the
platform reads too, so it never shows in a process list; --admin-token overrides it.

It serves HTTPS (kubectl sends a bearer token only over TLS) with a certificate signed by a CA
it keeps in --cert-dir (default var/sim-certs/ca.crt); each LabWorld's status carries that CA
as certificateAuthorityData. --insecure-http serves plain HTTP instead (the official Python
client still works; kubectl then sends no token).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import uvicorn

from clusters.apiserver.app import create_app
from clusters.apiserver.certs import ensure_serving_cert
from clusters.apiserver.collector import FreezeLongLived
from clusters.sim.clock import WallClock
from clusters.sim.simulator import Simulator

# No request runs more than ~2 ms of other pods' timers before its own work (Tenant.run_due).
WORK_BUDGET_SECONDS = 0.002


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m clusters.apiserver",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument(
        "--admin-token",
        default=os.environ.get("SIM_ADMIN_TOKEN", ""),
        help="the token that manages labworlds (default: $SIM_ADMIN_TOKEN)",
    )
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    parser.add_argument("--cert-dir", type=Path, default=Path("var/sim-certs"))
    parser.add_argument("--insecure-http", action="store_true", help="serve plain HTTP")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    if not args.admin_token:
        parser.error(
            "set SIM_ADMIN_TOKEN (or pass --admin-token): the token that manages labworlds"
        )
    logging.basicConfig(level=args.log_level.upper())
    tls = {}
    ca_pem = None
    if not args.insecure_http:
        cert = ensure_serving_cert(args.cert_dir.resolve(), (args.host, "127.0.0.1", "localhost"))
        tls = {"ssl_certfile": str(cert.cert_file), "ssl_keyfile": str(cert.key_file)}
        ca_pem = cert.ca_pem
    app = create_app(
        Simulator(WallClock(speed=args.speed), work_budget=WORK_BUDGET_SECONDS),
        args.admin_token,
        ca_pem=ca_pem,
        collector=FreezeLongLived(),
    )
    # Open watches and kept-alive connections would hold a stop for as long as they last:
    # give them two seconds, then close them (uvicorn waits for ever by default).
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
        **tls,
    )


if __name__ == "__main__":
    main()
