import yaml
from django.core.management.base import BaseCommand, CommandError

from thresholds.seed import SEED_DIR
from thresholds.services import (
    ImportRejected,
    instruments_load,
    label_classifications_load,
    soil_corrections_load,
    threshold_import,
)


class Command(BaseCommand):
    help = (
        "Load the seed data: label classifications, instruments' metadata, the real threshold values and "
        "the soil corrections in fixtures/seed/. Idempotent: a second run changes nothing."
    )

    def handle(self, *args, **options):
        labels = label_classifications_load(path=SEED_DIR / "labels.yaml")
        entries = yaml.safe_load((SEED_DIR / "instruments.yaml").read_text(encoding="utf-8"))["instruments"]
        instruments = instruments_load(entries=entries)
        path = SEED_DIR / "thresholds.csv"
        try:
            result = threshold_import(file_name="seed/thresholds.csv", content=path.read_bytes())
        except ImportRejected as exc:
            lines = [f"row {p.row}, {p.column or 'file'}: {p.message}" for p in exc.plan.problems[:50]]
            raise CommandError("The seed data did not import:\n" + "\n".join(lines)) from exc
        corrections = soil_corrections_load(path=SEED_DIR / "soil_corrections.yaml")
        summary = result.plan.summary()
        self.stdout.write(
            f"labels: {labels} added; instruments: {instruments} added; values: {summary['create']} added, "
            f"{summary['update']} updated, {summary['unchanged']} unchanged; soil corrections: {corrections} added"
        )
        self.stdout.write(self.style.SUCCESS("Seed data loaded."))
