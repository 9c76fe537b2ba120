from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thresholds.seed import RESEARCH_CSV, SEED_DIR, build_seed_rows, seed_csv_text


class Command(BaseCommand):
    help = "Convert the research file fixtures/sources/thresholds_seed.csv into fixtures/seed/thresholds.csv."

    def add_arguments(self, parser):
        parser.add_argument("--source", type=Path, default=RESEARCH_CSV)
        parser.add_argument("--output", type=Path, default=SEED_DIR / "thresholds.csv")

    def handle(self, *args, source: Path, output: Path, **options):
        if not source.exists():
            raise CommandError(f"{source} not found: the research file lives in fixtures/sources/.")
        rows = build_seed_rows(source)
        output.write_text(seed_csv_text(rows), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(rows)} rows to {output}."))
