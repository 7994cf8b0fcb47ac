"""Run the simulated cluster: `python -m clusters.apiserver --port 8700 --admin-token TOKEN`."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from clusters.apiserver.app import create_app
from clusters.sim.clock import WallClock
from clusters.sim.simulator import Simulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m clusters.apiserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--admin-token", required=True, help="token that may manage labworlds")
    parser.add_argument(
        "--speed", type=float, default=1.0, help="simulated seconds per wall second"
    )
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    app = create_app(Simulator(WallClock(speed=args.speed)), args.admin_token)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)


if __name__ == "__main__":
    main()
