"""Benchmark B7: checking 10,000 soil samples against every jurisdiction's values.

    DATABASE_URL=postgres://... python bench/check_bench.py --samples 10000 --rounds 3

Loads the seed data (every jurisdiction the portal holds) if the database has none, then posts to
POST /api/v1/check/, in process (the whole view: reading, matching, one query for the values, the
check, the answer), in the same run:
  - one sample, and --samples samples (10 pollutants, 100 distinct sites, as a survey of fields gives),
    answered as JSON and as CSV: median seconds of --rounds, and the cost per sample;
  - the queries each request runs, to show they do not grow with the number of samples.
Prints a Markdown table. The target: 10,000 samples in under 5 seconds.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from common import django_setup, machine

POLLUTANTS = [
    "cadmium", "lead", "Zn", "copper", "7440-38-2", "nickel", "mercury", "chromium", "cobalt", "benzo[a]pyrene"
]  # fmt: skip
UNITS = ["mg/kg", "mg/kg dry matter", "µg/kg", "ppm"]
LAND_USES = ["agricultural", "residential", "industrial", ""]


def samples(count: int) -> list[dict]:
    """`count` samples over 100 distinct sites, reproducibly."""
    chance = random.Random(21)
    sites = [
        {
            "land_use": chance.choice(LAND_USES),
            "ph": f"{chance.uniform(4, 8.5):.1f}",
            "texture": chance.choice(["sand", "loam", "clay", ""]),
            "clay": f"{chance.uniform(1, 40):.0f}",
            "organic_matter": f"{chance.uniform(1, 15):.1f}",
        }
        for _ in range(100)
    ]
    found = []
    for number in range(count):
        unit = chance.choice(UNITS)
        value = chance.lognormvariate(1, 1.5) * (1000 if unit == "µg/kg" else 1)
        found.append(
            {
                "sample_id": f"S{number}",
                "pollutant": chance.choice(POLLUTANTS),
                "value": f"{value:.3g}",
                "unit": unit,
                **sites[number % 100],
            }
        )
    return found


def timed_post(client, body: dict, *, export: str) -> tuple[float, int, int]:
    """(seconds, bytes of the answer, queries) of one check."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.post(f"/api/v1/check/?format={export}", json.dumps(body), content_type="application/json")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"The check answered {response.status_code}: {content[:500]!r}")
    return elapsed, len(content), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    django_setup()
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.settings import api_settings

    from thresholds.models import ThresholdValue

    if not ThresholdValue.objects.exists():
        call_command("load_seed", verbosity=0)
    values = ThresholdValue.objects.public().current()
    jurisdictions = values.values("instrument__country", "instrument__jurisdiction").distinct().count()
    client = Client(HTTP_HOST="127.0.0.1")
    many = {"samples": samples(args.samples)}
    one = {"samples": many["samples"][:1]}
    rows = []
    # The throttles for anonymous clients would stop a benchmark; they are not what is measured.
    api_settings.DEFAULT_THROTTLE_RATES.update(dict.fromkeys(api_settings.DEFAULT_THROTTLE_RATES, "1000000/min"))
    for export in ("json", "csv"):
        timed_post(client, one, export=export)  # warm: the matcher's tables, the templates
        small = [timed_post(client, one, export=export) for _ in range(args.rounds)]
        large = [timed_post(client, many, export=export) for _ in range(args.rounds)]
        small_seconds = statistics.median(item[0] for item in small)
        large_seconds = statistics.median(item[0] for item in large)
        rows.append(
            (
                export,
                small_seconds,
                large_seconds,
                large_seconds / args.samples * 1000,
                small[0][2],
                large[0][2],
                large[0][1] / 1e6,
            )
        )
    print(
        f"B7 on {machine()}; {values.count()} values in force of {jurisdictions} jurisdictions; "
        f"{args.samples:,} samples, median of {args.rounds} rounds\n"
    )
    print(
        "| answer | 1 sample (s) | 10,000 samples (s) | ms per sample | queries, 1 sample | queries, all "
        "| answer (MB) | under 5 s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for export, small_seconds, large_seconds, per_sample, small_queries, large_queries, megabytes in rows:
        verdict = "yes" if large_seconds < 5 else "**no**"
        print(
            f"| {export} | {small_seconds:.3f} | {large_seconds:.2f} | {per_sample:.3f} | {small_queries} | "
            f"{large_queries} | {megabytes:.1f} | {verdict} |"
        )


if __name__ == "__main__":
    main()
