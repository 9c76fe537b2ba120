"""Benchmark B6: a mixed load on the portal as deployed, 50 concurrent clients for 60 seconds.

    DATABASE_URL=postgres://... python bench/mixed_load.py [--clients 50] [--seconds 60]

gunicorn runs with gunicorn.conf.py's recommended settings (2 x cores + 1 workers, 2 threads each);
wrk draws each request from a weighted mix of real addresses read from the database:
  70% filtered lists (the API's threshold list by country, region, group, pollutant or land use, and
      the public search page), 20% details and country pages (a value in the API, a country page, an
      instrument page), 10% small exports (one country's values for one pollutant, CSV).
Prints requests, errors (any status other than 2xx/3xx, and socket errors) and latency percentiles.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import urllib.parse
from pathlib import Path

from common import django_setup, ensure_rows, gunicorn, machine, require_postgresql, require_tools, wrk

PORT = 8780
LUA = r"""
local paths = %(paths)s
local weights = %(weights)s
local counts = {}
math.randomseed(%(seed)d)
request = function()
  local draw, kind = math.random(), 1
  while draw > weights[kind] do kind = kind + 1 end
  local choices = paths[kind]
  return wrk.format("GET", choices[math.random(#choices)])
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT {\"requests\": %%d, \"seconds\": %%.1f, \"status_errors\": %%d, \"socket_errors\": %%d, " ..
    "\"p50_ms\": %%.1f, \"p95_ms\": %%.1f, \"p99_ms\": %%.1f, \"max_ms\": %%.1f}\n",
    summary.requests, summary.duration / 1e6, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def addresses(sample: int = 200) -> dict[str, list[str]]:
    """Real addresses from the database, in the three kinds of the mix."""
    from reference.models import Country, LandUseClass, Pollutant
    from thresholds.models import LegalInstrument, ThresholdValue

    chance = random.Random(8)
    countries = list(Country.objects.filter(instruments__isnull=False).distinct().values_list("iso3", flat=True))
    pollutants = list(Pollutant.objects.values_list("slug", flat=True))
    # The API's pollutant filter takes an id, a CAS number or a name (an unknown one is a 400): ids.
    pollutant_ids = list(Pollutant.objects.values_list("id", flat=True))
    land_uses = list(LandUseClass.objects.values_list("code", flat=True))
    regions = [region for region in Country.M49Region.values if region]
    groups = list(Pollutant.Group.values)
    top = ThresholdValue.objects.order_by("-id").values_list("id", flat=True).first() or 1
    candidates = [chance.randint(1, top) for _ in range(sample * 3)]
    values = list(ThresholdValue.objects.filter(id__in=candidates, status="published").values_list("id", flat=True))
    instruments = list(
        LegalInstrument.objects.filter(withdrawn=False, values__status="published")
        .distinct()
        .values_list("id", flat=True)[:2000]
    )

    def query(**params) -> str:
        return urllib.parse.urlencode(params)

    lists, details, exports = [], [], []
    for _ in range(sample):
        lists += [
            f"/api/v1/thresholds/?{query(country=chance.choice(countries))}",
            f"/api/v1/thresholds/?{query(region=chance.choice(regions), group=chance.choice(groups))}",
            f"/api/v1/thresholds/?{query(pollutant=chance.choice(pollutant_ids), land_use=chance.choice(land_uses))}",
            f"/search/?{query(q=chance.choice(pollutants), region=chance.choice(regions))}",
        ]
        details += [
            f"/api/v1/thresholds/{chance.choice(values)}/",
            f"/countries/{chance.choice(countries)}/",
            f"/instruments/{chance.choice(instruments)}/",
        ]
        small = query(format="csv", country=chance.choice(countries), pollutant=chance.choice(pollutant_ids))
        exports.append(f"/api/v1/thresholds/?{small}")
    return {"lists": lists, "details": details, "exports": exports}


def lua_table(items) -> str:
    return "{" + ", ".join(json.dumps(item) if isinstance(item, str) else lua_table(item) for item in items) + "}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    django_setup()
    require_postgresql()
    require_tools("wrk")
    ensure_rows(args.rows)
    mix = addresses()
    script = LUA % {
        "paths": lua_table([mix["lists"], mix["details"], mix["exports"]]),
        "weights": "{0.7, 0.9, 1.0}",
        "seed": 8,
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mix.lua"
        path.write_text(script)
        with gunicorn(port=PORT, workers=None):
            output = wrk(f"http://127.0.0.1:{PORT}", seconds=args.seconds, connections=args.clients, script=path)
    result = json.loads(re.search(r"RESULT (\{.*\})", output)[1])
    print(f"Machine: {machine()}\n{args.clients} clients for {args.seconds} s; gunicorn's recommended workers\n")
    print("| requests | requests/s | errors (status) | errors (socket) | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {result['requests']:,} | {result['requests'] / result['seconds']:,.0f} | {result['status_errors']} | "
        f"{result['socket_errors']} | {result['p50_ms']:.0f} | {result['p95_ms']:.0f} | {result['p99_ms']:.0f} | "
        f"{result['max_ms']:.0f} |"
    )
    if result["status_errors"] or result["socket_errors"]:
        raise SystemExit("The mixed load saw errors: see the table above.")


if __name__ == "__main__":
    main()
