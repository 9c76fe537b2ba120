"""Benchmark: the threshold API on a large table, side by side with the database's own limits.

    DATABASE_URL=postgres://... python bench/api_bench.py --rows 1000000 --rounds 5

Fills the database with synthetic rows if it has fewer (generate_thresholds), starts gunicorn on
loopback with the production settings, then measures in the same run:
  - B3: a cursor page 900,000 rows deep against the first page (median latency, ratio);
  - B1: the full CSV export through the API against `psql \\copy` of the same rows (rows/s, ratio),
    and how much the serving process grows meanwhile;
  - B2: requests per second of a filtered 100-row list page against bench/minimal_app.py running the
    same SQL with orjson, both under gunicorn with the same workers, loaded by wrk.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import time
import urllib.parse

from common import (
    django_setup,
    ensure_rows,
    gunicorn,
    machine,
    require_postgresql,
    require_tools,
    rss_mb,
    timed_get,
    wrk_rps,
)

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
FILTERED = "/api/v1/thresholds/?region=Europe&group=metal&page_size=100"


def captured_sql(path: str) -> list[str]:
    """The SQL statements the API runs for a request, with their parameters inlined."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path)  # the codes and SOPs a list shows are read once per data change, then kept
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return [query["sql"] for query in captured.captured_queries]


def deep_cursor(offset: int) -> str:
    from thresholds.models import ThresholdValue

    position = ThresholdValue.objects.filter(status="published").order_by("id").values_list("id", flat=True)[offset]
    return urllib.parse.quote(base64.b64encode(f"p={position}".encode()).decode())


def psql_copy_seconds(database_url: str) -> float:
    """psql's \\copy of exactly the SELECT the API's CSV export runs, for anonymous clients."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from thresholds.exports import export_select_sql
    from thresholds.selectors import thresholds_visible_to

    sql, params = export_select_sql(thresholds_visible_to(AnonymousUser()))
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params)
    started = time.perf_counter()
    subprocess.run(
        ["psql", database_url, "-c", f"\\copy ({query}) to stdout csv"], stdout=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # The page cache off, here and in the server: B2 and B3 measure the work of a page, not a cache read.
    os.environ["API_LIST_CACHE_SECONDS"] = "0"
    django_setup()
    require_postgresql()
    require_tools("wrk", "psql")
    total = ensure_rows(args.rows)
    deep = deep_cursor(min(900_000, total - 200))
    with gunicorn(port=PORT, API_LIST_CACHE_SECONDS="0") as portal:
        first, deep_page = [], []
        for _ in range(args.rounds):
            first.append(timed_get(f"{BASE}/api/v1/thresholds/?page_size=100")[0])
            deep_page.append(timed_get(f"{BASE}/api/v1/thresholds/?page_size=100&cursor={deep}")[0])
        before = rss_mb(portal)
        api_csv, psql_csv, peak = [], [], before
        for _ in range(max(1, args.rounds // 2)):
            seconds, _, _ = timed_get(f"{BASE}/api/v1/thresholds/?format=csv")
            api_csv.append(seconds)
            peak = max(peak, rss_mb(portal))
            psql_csv.append(psql_copy_seconds(os.environ["DATABASE_URL"]))
        portal_rps = [wrk_rps(BASE + FILTERED) for _ in range(max(1, args.rounds // 2))]
    statements = captured_sql(FILTERED)
    with gunicorn("bench.minimal_app:application", port=PORT + 1, BENCH_SQL=json.dumps(statements)):
        minimal_rps = [wrk_rps(f"http://127.0.0.1:{PORT + 1}{FILTERED}") for _ in range(max(1, args.rounds // 2))]
    first_ms, deep_ms = statistics.median(first) * 1000, statistics.median(deep_page) * 1000
    api_rate, psql_rate = total / statistics.median(api_csv), total / statistics.median(psql_csv)
    print(
        f"Machine: {machine()}\n{total:,} published values; gunicorn, 2 workers, loopback, the page cache off; "
        f"{args.rounds} rounds\n"
    )
    print("| benchmark | portal | reference | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| B3 cursor page 900,000 rows deep vs first page (median ms) | {deep_ms:.0f} | {first_ms:.0f} | "
        f"{deep_ms / first_ms:.2f} | at most 1.5 |"
    )
    print(
        f"| B1 full CSV export, rows/s: API vs psql \\\\copy | {api_rate:,.0f} | {psql_rate:,.0f} | "
        f"{api_rate / psql_rate:.2f} | at least 0.5 |"
    )
    print(f"| B1 server memory growth during the export (MB) | {peak - before:.0f} | | | under 100 |")
    portal, bare = statistics.median(portal_rps), statistics.median(minimal_rps)
    print(
        f"| B2 filtered 100-row list, requests/s: API vs bare WSGI + orjson ({len(statements)} queries) | "
        f"{portal:,.0f} | {bare:,.0f} | {portal / bare:.2f} | at least 0.5 |"
    )


if __name__ == "__main__":
    main()
