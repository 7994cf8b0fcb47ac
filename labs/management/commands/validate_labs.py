"""Check every lab file: schema, step ids, CEL checks; and every quiz file. One line per lab.

With --solve, also run each lab's reference solution and wrong paths on one simulated cluster
(virtual clock): every step must pass on the solution, and each wrong path's `stays_open` step
must stay open. Exits non-zero on any failure.
"""

import contextlib
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from labs.loader import CONTENT_DIR, Lab, check_lab_file, lab_files
from labs.quiz import QUIZ_DIR, check_quiz_file, quiz_files


class Command(BaseCommand):
    help = "Validate lab files under labs/content/ (or the given files) and the quiz bank."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="lab files (default: all)")
        parser.add_argument(
            "--solve", action="store_true", help="run solutions and wrong paths on the simulator"
        )

    def handle(self, *args, paths: list[Path], solve: bool, **options):
        started = time.monotonic()
        files = paths or lab_files(CONTENT_DIR)
        if not files:
            raise CommandError(f"no lab files found in {CONTENT_DIR}")
        failed = 0
        seen_ids: dict[str, Path] = {}
        good: list[Lab] = []
        with self.cluster(solve) as sim:
            for path in files:
                lab, errors = check_lab_file(path)
                if lab is not None and lab.id in seen_ids:
                    errors = [f"{path}:2: lab id {lab.id!r} is already used by {seen_ids[lab.id]}"]
                if not errors and solve:
                    errors = self.solve(lab, sim)
                area = f"area {lab.area:2}" if lab else "area  ?"
                name = lab.id if lab else path.name
                if errors:
                    failed += 1
                    self.stdout.write(f"FAIL {area}  {name}")
                    for error in errors:
                        self.stderr.write(str(error))
                    continue
                seen_ids[lab.id] = path
                good.append(lab)
                self.stdout.write(
                    f"ok   {area}  {lab.id:<24} {len(lab.steps)} steps"
                    f"{f', {len(lab.wrong_paths)} wrong paths' if solve else ''}  {lab.title}"
                )
        quiz_failed = 0 if paths else self.check_quizzes()
        areas = len({lab.area for lab in good})
        seconds = time.monotonic() - started
        if failed or quiz_failed:
            quizzes = f"; {quiz_failed} quiz files have errors" if quiz_failed else ""
            raise CommandError(f"{failed} of {len(files)} lab files have errors{quizzes}")
        verdict = "all solutions pass, all wrong paths rejected" if solve else "all valid"
        self.stdout.write(f"{areas} areas, {len(good)} labs, {verdict} ({seconds:.1f} s)")

    @contextlib.contextmanager
    def cluster(self, solve: bool):
        """One simulator for every lab (each lab run gets its own tenant on it)."""
        if not solve:
            yield None
            return
        # Imported here: the simulator is only needed with --solve.
        from labs.solver import simulated_cluster

        with simulated_cluster() as sim:
            self.finished_runs: list = []
            try:
                yield sim
            finally:
                for run in self.finished_runs:
                    run.close()

    def check_quizzes(self) -> int:
        failed = 0
        for path in quiz_files(QUIZ_DIR):
            quiz, errors = check_quiz_file(path)
            if errors:
                failed += 1
                self.stdout.write(f"FAIL quiz  {path.name}")
                for error in errors:
                    self.stderr.write(str(error))
            else:
                timed = f", timed {len(quiz.timed.questions)}" if quiz.timed else ""
                self.stdout.write(
                    f"ok   area {quiz.area:2}  quiz: {len(quiz.questions)} questions{timed}"
                )
        return failed

    def solve(self, lab: Lab, sim) -> list[str]:
        from labs.solver import run_path

        errors = []
        try:
            outcome = run_path(lab, lab.solution, sim, self.finished_runs)
        except Exception as exc:  # a world the cluster refuses is this lab's failure
            return [f"{lab.path}: the solution did not run: {exc}"]
        missing = [s.id for s in lab.steps if s.id not in outcome.passed]
        if missing:
            errors.append(
                f"{lab.path}: the solution leaves steps open: {', '.join(missing)} "
                f"(the API server said: {'; '.join(outcome.answers)})"
            )
        for wrong in lab.wrong_paths:
            try:
                outcome = run_path(lab, wrong["actions"], sim, self.finished_runs)
            except Exception as exc:
                errors.append(f"{lab.path}: wrong path {wrong['name']!r} did not run: {exc}")
                continue
            if wrong["stays_open"] in outcome.passed:
                errors.append(
                    f"{lab.path}: wrong path {wrong['name']!r} passes step {wrong['stays_open']!r}"
                )
        return errors
