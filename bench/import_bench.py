"""Benchmark: importing a 100,000-row .xlsx against the reader alone on the same file.

    make bench                      (uses DATABASE_URL; PostgreSQL recommended)
    python bench/import_bench.py --rows 100000 --rounds 3

Each measurement runs in a fresh process so that peak memory (max RSS) is its own. The import runs
into a throw-away instrument set that is removed after each round. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_workbook(path: Path, rows: int) -> None:
    """A realistic import file: many instruments, pollutants, land-use and tier labels, pH bands."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insop_portal.settings.local")
    import django

    django.setup()
    from core.spreadsheets import xlsx_bytes
    from reference.models import Country, Pollutant

    countries = list(Country.objects.filter(kind="country").values_list("iso3", flat=True))
    pollutants = list(Pollutant.objects.values_list("name", flat=True))
    land_uses = ["agricultural", "residential", "parkland", "commercial", "industrial", "natural", "any"]
    tiers = ["background", "precautionary", "trigger", "intervention"]
    header = [
        "country",
        "instrument",
        "instrument_year",
        "pollutant",
        "land_use",
        "tier",
        "value",
        "unit",
        "condition",
        "source_url",
    ]
    per_instrument = len(pollutants) * len(land_uses) * len(tiers)

    def generate():
        for index in range(rows):
            instrument = index // per_instrument
            rest = index % per_instrument
            yield [
                countries[instrument % len(countries)],
                f"BENCHMARK instrument {instrument}",
                str(1990 + instrument % 35),
                pollutants[rest % len(pollutants)],
                land_uses[(rest // len(pollutants)) % len(land_uses)],
                tiers[rest // (len(pollutants) * len(land_uses))],
                f"{(index % 9973) / 10:.1f}",
                ["mg/kg", "mg/kg dry matter", "µg/kg"][index % 3],
                ["", "pH<=5.5", "5.5<pH<=6.5", "soil texture: sand"][index % 4],
                "https://example.org/benchmark",
            ]

    path.write_bytes(xlsx_bytes(generate(), header=header))


def measure(mode: str, path: Path) -> dict:
    """Run one measurement in a child process; returns seconds and peak memory in MB."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def child(mode: str, path: Path) -> None:
    import resource

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insop_portal.settings.local")
    import django

    django.setup()
    content = path.read_bytes()
    started = time.perf_counter()
    if mode == "reader":
        from core.spreadsheets import read_sheet

        sheet = read_sheet(file_name=path.name, content=content)
        count = sum(1 for _ in sheet.rows)
    else:
        from thresholds.models import LegalInstrument, ThresholdValue
        from thresholds.services import threshold_import

        result = threshold_import(file_name=path.name, content=content)
        count = result.plan.summary()["create"]
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if mode == "import":
        # Leave the database as it was.
        values = ThresholdValue.objects.filter(instrument__title__startswith="BENCHMARK instrument")
        ThresholdValue.history.model.objects.filter(instrument__title__startswith="BENCHMARK instrument").delete()
        values._raw_delete(values.db)
        LegalInstrument.history.model.objects.filter(title__startswith="BENCHMARK instrument").delete()
        LegalInstrument.objects.filter(title__startswith="BENCHMARK instrument").delete()
        result.batch.delete()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": count}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "benchmark.xlsx"
        make_workbook(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        readers, imports = [], []
        for _ in range(args.rounds):  # side by side, alternating, in the same run
            readers.append(measure("reader", path))
            imports.append(measure("import", path))
    ratios = [i["seconds"] / r["seconds"] for r, i in zip(readers, imports, strict=True)]
    from django.db import connection

    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, database {connection.vendor}"
    )
    print(f"File: {args.rows} rows, {size_mb:.1f} MB .xlsx; {args.rounds} rounds\n")
    print("| measure | reader alone | full import | ratio (import / reader) |")
    print("|---|---|---|---|")
    print(
        f"| median time (s) | {statistics.median(r['seconds'] for r in readers):.2f} | "
        f"{statistics.median(i['seconds'] for i in imports):.2f} | {statistics.median(ratios):.2f} |"
    )
    print(
        f"| peak memory (MB) | {max(r['peak_mb'] for r in readers):.0f} | {max(i['peak_mb'] for i in imports):.0f} | |"
    )
    print(f"| rows | {readers[0]['rows']} | {imports[0]['rows']} | |")


if __name__ == "__main__":
    main()
