"""Check every lab file: schema, step ids, CEL checks. One line per lab; errors as file:line.

With --solve, also run each lab's reference solution and wrong paths on the simulated cluster
(virtual clock): every step must pass on the solution, and each wrong path's `stays_open` step
must stay open.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from labs.loader import CONTENT_DIR, Lab, check_lab_file, lab_files


class Command(BaseCommand):
    help = "Validate lab files under labs/content/ (or the given files)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="lab files (default: all)")
        parser.add_argument(
            "--solve", action="store_true", help="run solutions and wrong paths on the simulator"
        )

    def handle(self, *args, paths: list[Path], solve: bool, **options):
        files = paths or lab_files(CONTENT_DIR)
        if not files:
            raise CommandError(f"no lab files found in {CONTENT_DIR}")
        failed = 0
        seen_ids: dict[str, Path] = {}
        for path in files:
            lab, errors = check_lab_file(path)
            if lab is not None and lab.id in seen_ids:
                errors = [f"{path}:2: lab id {lab.id!r} is already used by {seen_ids[lab.id]}"]
            if not errors and solve:
                errors = self.solve(lab)
            if errors:
                failed += 1
                for error in errors:
                    self.stderr.write(str(error))
                continue
            seen_ids[lab.id] = path
            self.stdout.write(
                f"ok  area {lab.area:2}  {lab.id:<24} {len(lab.steps)} steps  {lab.title}"
            )
        if failed:
            raise CommandError(f"{failed} of {len(files)} lab files have errors")

    def solve(self, lab: Lab) -> list[str]:
        # Imported here: the simulator is only needed with --solve.
        from labs.solver import run_path, simulated_cluster

        errors = []
        with simulated_cluster() as sim:
            outcome = run_path(lab, lab.solution, sim)
            missing = [s.id for s in lab.steps if s.id not in outcome.passed]
            if missing:
                errors.append(
                    f"{lab.path}: the solution leaves steps open: {', '.join(missing)} "
                    f"(the API server said: {'; '.join(outcome.answers)})"
                )
            for wrong in lab.wrong_paths:
                outcome = run_path(lab, wrong["actions"], sim)
                if wrong["stays_open"] in outcome.passed:
                    errors.append(
                        f"{lab.path}: wrong path {wrong['name']!r} passes "
                        f"step {wrong['stays_open']!r}"
                    )
        return errors
