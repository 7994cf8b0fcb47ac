"""`manage.py labsim run SCENARIO.yaml`: run a scenario on the virtual clock, print its timeline.

The format is in docs/scenarios.md; the engine is `clusters.sim.scenario.run_scenario`. Output is
one JSON object per line, with sorted keys, so the same scenario prints the same bytes every run.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from clusters.sim.scenario import run_scenario


class Command(BaseCommand):
    help = "Run a scenario file on the simulator's virtual clock; print a JSON-lines timeline."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        run = sub.add_parser("run", help="run SCENARIO.yaml and print its timeline")
        run.add_argument("scenario", type=Path)

    def handle(self, *args, verb: str, scenario: Path, **options):
        try:
            loaded = yaml.safe_load(scenario.read_text())
        except OSError as err:
            raise CommandError(f"{scenario}: {err.strerror}") from err
        except yaml.YAMLError as err:
            raise CommandError(f"{scenario}: not valid YAML: {err}") from err
        if not isinstance(loaded, dict):
            raise CommandError(f"{scenario}: a scenario is a mapping with world and actions")
        for record in run_scenario(loaded):
            self.stdout.write(json.dumps(record, sort_keys=True))
