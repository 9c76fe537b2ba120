"""Benchmark B5: the portal against Datasette, the tool an analyst might pick instead.

    DATABASE_URL=postgres://... python bench/datasette_bench.py --rounds 3 [--datasette PATH]

The published values the API serves are copied into a SQLite file (one flat table: the export's
columns plus region and pollutant group, indexed on both as sqlite-utils users would), served by
`datasette` on loopback, and the portal is served by gunicorn (2 workers) from PostgreSQL. In one run,
alternating rounds:
  - the filtered JSON list (Europe, heavy metals, 100 rows) at the same wrk load on both;
  - the full CSV export, streamed end to end by one client.
Prints a Markdown table; ratios are portal / Datasette for rates (higher is better for the portal).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from common import (
    ROOT,
    django_setup,
    ensure_rows,
    gunicorn,
    machine,
    require_postgresql,
    require_tools,
    server,
    timed_get,
    wrk_rps,
)

PORTAL, DATASETTE = 8770, 8771
DATA = ROOT / "bench" / ".data"
PORTAL_LIST = "/api/v1/thresholds/?region=Europe&group=metal&page_size=100"
# Datasette without its count and facets: the same page and next link the portal answers with.
DATASETTE_LIST = (
    "/values/thresholds.json?region=Europe&pollutant_group=metal&_size=100&_shape=objects&_nocount=1&_nofacet=1"
)
PORTAL_CSV = "/api/v1/thresholds/?format=csv"
DATASETTE_CSV = "/values/thresholds.csv?_stream=on&_size=max"


def sqlite_copy(path: Path) -> int:
    """Copy what an anonymous visitor may read into a flat SQLite table, unless the copy is current."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.db.models import F

    from core.conditional import last_changed
    from thresholds.exports import SOURCES
    from thresholds.selectors import DATA_CHANGES, thresholds_visible_to

    stamp = path.with_suffix(".stamp")
    version = str(last_changed(DATA_CHANGES))
    if path.exists() and stamp.exists() and stamp.read_text() == version:
        return sqlite3.connect(path).execute("SELECT count(*) FROM thresholds").fetchone()[0]
    path.unlink(missing_ok=True)
    columns = {**SOURCES, "value_mg_kg": "value_mg_kg", "region": "instrument__country__m49_region"}
    columns["pollutant_group"] = "pollutant__group"
    queryset = (
        thresholds_visible_to(AnonymousUser())
        .order_by("id")
        .annotate(**{f"c_{name}": F(source) for name, source in columns.items()})
        .values_list("id", *(f"c_{name}" for name in columns))
    )
    sql, params = queryset.query.sql_with_params()
    numeric = {"ph_min", "ph_max", "clay_min", "clay_max", "toc_min", "toc_max", "cec_min", "cec_max", "value_mg_kg"}
    definitions = ", ".join(
        f'"{name}" {"REAL" if name in numeric else "INTEGER" if name.endswith("year") else "TEXT"}' for name in columns
    )
    target = sqlite3.connect(path)
    target.execute(f"CREATE TABLE thresholds (id INTEGER PRIMARY KEY, {definitions})")
    insert = f"INSERT INTO thresholds VALUES ({', '.join('?' * (len(columns) + 1))})"
    with connection.cursor() as cursor, cursor.copy(cursor.mogrify(f"COPY ({sql}) TO STDOUT", params)) as copy:
        batch = []
        for row in copy.rows():
            batch.append(row)
            if len(batch) == 50_000:
                target.executemany(insert, batch)
                batch = []
        target.executemany(insert, batch)
    for column in ("region", "pollutant_group", "country", "pollutant"):
        target.execute(f'CREATE INDEX thresholds_{column} ON thresholds ("{column}")')
    target.commit()
    count = target.execute("SELECT count(*) FROM thresholds").fetchone()[0]
    target.execute("ANALYZE")
    target.close()
    stamp.write_text(version)
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--datasette", default=shutil.which("datasette") or str(ROOT / ".venv-bench/bin/datasette"))
    args = parser.parse_args()
    if not Path(args.datasette).exists():
        raise SystemExit("Datasette is not installed: `make bench` installs it into .venv-bench.")
    django_setup()
    require_postgresql()
    require_tools("wrk")
    ensure_rows(args.rows)
    DATA.mkdir(exist_ok=True)
    started = time.perf_counter()
    rows = sqlite_copy(DATA / "values.db")
    copied_in = time.perf_counter() - started
    datasette = [args.datasette, "serve", str(DATA / "values.db"), "--host", "127.0.0.1", "--port", str(DATASETTE)]
    datasette += ["--immutable", str(DATA / "values.db"), "--setting", "max_returned_rows", "1000"]
    datasette += ["--setting", "sql_time_limit_ms", "60000", "--setting", "max_csv_mb", "0"]
    rps: dict[str, list[float]] = {"cached": [], "uncached": [], "datasette": []}
    csv_seconds: dict[str, list[float]] = {"portal": [], "datasette": []}
    csv_sizes = {}
    portal_url, uncached_url = f"http://127.0.0.1:{PORTAL}", f"http://127.0.0.1:{PORTAL + 2}"
    peer_url = f"http://127.0.0.1:{DATASETTE}"
    with (
        gunicorn(port=PORTAL),
        gunicorn(port=PORTAL + 2, API_LIST_CACHE_SECONDS="0"),
        server(datasette, port=DATASETTE, env={"PATH": "/usr/bin:/bin"}, ready_path="/"),
    ):
        for _ in range(args.rounds):
            rps["cached"].append(wrk_rps(portal_url + PORTAL_LIST, seconds=args.seconds))
            rps["uncached"].append(wrk_rps(uncached_url + PORTAL_LIST, seconds=args.seconds))
            rps["datasette"].append(wrk_rps(peer_url + DATASETTE_LIST, seconds=args.seconds))
            for name, url in (("portal", portal_url + PORTAL_CSV), ("datasette", peer_url + DATASETTE_CSV)):
                seconds, csv_sizes[name], lines = timed_get(url)
                if lines < rows + 1:
                    raise SystemExit(f"{url} gave {lines - 1} rows of {rows}: the comparison would be unfair.")
                csv_seconds[name].append(seconds)
    median = {name: statistics.median(figures) for name, figures in rps.items()}
    ratios = {
        name: statistics.median(p / d for p, d in zip(rps[name], rps["datasette"], strict=True))
        for name in ("cached", "uncached")
    }
    csv_ratio = statistics.median(d / p for p, d in zip(csv_seconds["portal"], csv_seconds["datasette"], strict=True))
    print(
        f"Machine: {machine()}\n{rows:,} published values; SQLite copy made in {copied_in:.0f} s; {args.rounds} rounds"
    )
    print("Portal: gunicorn, 2 workers, PostgreSQL. Datasette: one process, immutable SQLite file.\n")
    print("| benchmark | portal | Datasette | ratio (portal / Datasette) | target |")
    print("|---|---|---|---|---|")
    print(
        f"| B5 filtered 100-row JSON list, requests/s, wrk 8 connections: the page cache off | "
        f"{median['uncached']:,.0f} | {median['datasette']:,.0f} | {ratios['uncached']:.2f} | at least 1.0 |"
    )
    print(
        f"| B5 the same, the page cache on (as deployed) | {median['cached']:,.0f} | {median['datasette']:,.0f} | "
        f"{ratios['cached']:.2f} | at least 1.0 |"
    )
    portal_rate = rows / statistics.median(csv_seconds["portal"])
    peer_rate = rows / statistics.median(csv_seconds["datasette"])
    print(f"| B5 full CSV export, rows/s | {portal_rate:,.0f} | {peer_rate:,.0f} | {csv_ratio:.2f} | at least 1.0 |")
    print(
        f"\nCSV sizes: portal {csv_sizes['portal'] / 1e6:.0f} MB, Datasette {csv_sizes['datasette'] / 1e6:.0f} MB. "
        f"URLs: portal `{PORTAL_LIST}`, `{PORTAL_CSV}`; Datasette `{DATASETTE_LIST}`, `{DATASETTE_CSV}`."
    )


if __name__ == "__main__":
    main()
