"""Synthetic threshold values for benchmarks, clearly marked and never mixed into the seed."""

import random
import time
from decimal import Decimal
from itertools import chain, islice
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from reference.models import Country, ExtractionMethod, LandUseClass, Pollutant, Tier, Unit
from reference.units import unit_basis
from thresholds.models import LegalInstrument, ThresholdValue, conditions_key_for

SYNTHETIC_TITLE = "SYNTHETIC benchmark data, not a real instrument #{number}"
COPY_COLUMNS = [
    "instrument_id",
    "pollutant_id",
    "pollutant_label",
    "value_text",
    "value",
    "qualifier",
    "unit_label",
    "unit_id",
    "unit_basis",
    "value_mg_kg",
    "land_use_id",
    "land_use_label",
    "tier_id",
    "tier_label",
    "basis",
    "ph_min",
    "ph_max",
    "ph_min_exclusive",
    "ph_max_exclusive",
    "texture",
    "crop",
    "depth",
    "extraction_id",
    "condition_text",
    "conditions_key",
    "source_url",
    "source_page",
    "source_quote",
    "notes",
    "status",
    "verification",
    "needs_review",
    "review_note",
    "version",
    "created_at",
    "updated_at",
    "cec_min",
    "cec_max",
    "clay_min",
    "clay_max",
    "toc_min",
    "toc_max",
]


class Command(BaseCommand):
    help = (
        "Fill the database with N synthetic threshold values for benchmarks (PostgreSQL COPY when available). "
        "Every instrument is titled SYNTHETIC and flagged is_synthetic; --delete removes them all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1, help="random seed, for repeatable data")
        parser.add_argument("--delete", action="store_true", help="remove all synthetic data and stop")

    def handle(self, *args, rows: int, seed: int, delete: bool, **options):
        if delete:
            values = ThresholdValue.objects.filter(instrument__is_synthetic=True)
            deleted = values._raw_delete(values.db)
            LegalInstrument.objects.filter(is_synthetic=True).delete()
            self.stdout.write(f"Removed {deleted} synthetic values.")
            return
        if rows < 1:
            raise CommandError("--rows must be at least 1.")
        started = time.perf_counter()
        with transaction.atomic():
            # Everything the rows need is read first: no other query may run while COPY holds the connection.
            generated = self._rows(rows, random.Random(seed))
            first_row = next(generated)
            generated = chain([first_row], generated)
            if connection.vendor == "postgresql":
                self._copy(generated)
            else:
                while chunk := list(islice(generated, 5000)):
                    ThresholdValue.objects.bulk_create([ThresholdValue(**row) for row in chunk])
        if connection.vendor == "postgresql":
            # Fresh statistics for every table (values, instruments, and the reference tables they are
            # filtered by), or the planner plans for the tables as they were (see docs/performance.md).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(f"Generated {rows} synthetic values in {time.perf_counter() - started:.1f} s.")

    def _rows(self, count: int, rng: random.Random):
        countries = list(Country.objects.filter(kind="country").values_list("id", flat=True))
        pollutants = list(Pollutant.objects.values_list("id", "name"))
        land_uses = list(LandUseClass.objects.values_list("id", "name"))
        tiers = list(Tier.objects.values_list("id", "name"))
        extractions = [None, None, None, *ExtractionMethod.objects.values_list("id", flat=True)]
        units = [(unit, unit.factor_to_mg_kg) for unit in Unit.objects.filter(code__in=["mg/kg", "µg/kg", "%"])]
        instruments_needed = max(1, count // 400)
        first = LegalInstrument.objects.filter(is_synthetic=True).count()
        instruments = LegalInstrument.objects.bulk_create(
            LegalInstrument(
                country_id=rng.choice(countries),
                title=SYNTHETIC_TITLE.format(number=first + index),
                year=rng.randint(1980, 2025),
                is_synthetic=True,
                notes="Synthetic benchmark data, not real.",
            )
            for index in range(instruments_needed)
        )
        now = "2026-01-01T00:00:00+00:00"
        for index in range(count):
            instrument = instruments[index % instruments_needed]
            band = index // instruments_needed
            pollutant_id, pollutant_name = pollutants[band % len(pollutants)]
            land_use_id, land_use_name = land_uses[(band // len(pollutants)) % len(land_uses)]
            tier_id, tier_name = tiers[(band // (len(pollutants) * len(land_uses))) % len(tiers)]
            unit, factor = units[index % len(units)]
            value = Decimal(rng.randint(1, 500_000)) / 100
            ph = band // (len(pollutants) * len(land_uses) * len(tiers))
            row = {
                "instrument_id": instrument.id,
                "pollutant_id": pollutant_id,
                "pollutant_label": pollutant_name,
                "value_text": format(value, "f"),
                "value": value,
                "qualifier": "=",
                "unit_label": unit.code,
                "unit_id": unit.id,
                "unit_basis": unit_basis(unit.code),
                "value_mg_kg": (value * factor).quantize(Decimal("1e-12")),
                "land_use_id": land_use_id,
                "land_use_label": f"{land_use_name} (synthetic)",
                "tier_id": tier_id,
                "tier_label": f"{tier_name} (synthetic)",
                "basis": "",
                "ph_min": Decimal(ph % 14) if ph else None,
                "ph_max": Decimal(ph % 14 + 1) if ph else None,
                "ph_min_exclusive": False,
                "ph_max_exclusive": False,
                "texture": rng.choice(["", "", "sand", "clay"]),
                "crop": "",
                "depth": "",
                "extraction_id": rng.choice(extractions),
                "condition_text": "",
                "source_url": "",
                "source_page": "",
                "source_quote": "",
                "notes": "synthetic",
                "status": "published",
                "verification": "unverified",
                "needs_review": False,
                "review_note": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "cec_min": None,
                "cec_max": None,
                "clay_min": None,
                "clay_max": None,
                "toc_min": None,
                "toc_max": None,
            }
            row["conditions_key"] = conditions_key_for(SimpleNamespace(**row))
            yield row

    def _copy(self, rows):
        table = ThresholdValue._meta.db_table
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in COPY_COLUMNS])
