from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reference.services import DEFAULT_FIXTURES_DIR, ReferenceDataError, reference_data_load


class Command(BaseCommand):
    help = (
        "Load countries, pollutants, units and harmonised classes from fixtures/reference/. "
        "Idempotent: adds what is missing and never overwrites curators' edits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES_DIR, help="folder with the YAML files")

    def handle(self, *args, fixtures: Path, **options):
        try:
            report = reference_data_load(fixtures_dir=fixtures)
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
