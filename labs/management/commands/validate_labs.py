"""Check every lab file: schema, step ids, CEL checks. One line per lab; errors as file:line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from labs.loader import CONTENT_DIR, check_lab_file, lab_files


class Command(BaseCommand):
    help = "Validate lab files under labs/content/ (or the given files)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="lab files (default: all)")

    def handle(self, *args, paths: list[Path], **options):
        files = paths or lab_files(CONTENT_DIR)
        if not files:
            raise CommandError(f"no lab files found in {CONTENT_DIR}")
        failed = 0
        seen_ids: dict[str, Path] = {}
        for path in files:
            lab, errors = check_lab_file(path)
            if lab is not None and lab.id in seen_ids:
                errors = [f"{path}:2: lab id {lab.id!r} is already used by {seen_ids[lab.id]}"]
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
