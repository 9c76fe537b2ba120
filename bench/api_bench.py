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
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8765


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insop_portal.settings.local")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()


def ensure_rows(rows: int) -> int:
    from thresholds.models import ThresholdValue

    have = ThresholdValue.objects.filter(status="published").count()
    if have < rows:
        subprocess.run(
            [sys.executable, "manage.py", "generate_thresholds", "--rows", str(rows - have)], cwd=ROOT, check=True
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE thresholds_thresholdvalue")
    return ThresholdValue.objects.filter(status="published").count()


FILTERED = "/api/v1/thresholds/?region=Europe&group=metal&page_size=100"


def captured_sql(path: str) -> list[str]:
    """The SQL statements the API runs for a request, with their parameters inlined."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        Client(HTTP_HOST="127.0.0.1").get(path)
    return [query["sql"] for query in captured.captured_queries]


def wrk_rps(path: str, port: int, seconds: int = 10) -> float:
    output = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("Requests/sec"))
    return float(line.split()[1])


def start_server(app: str = "insop_portal.wsgi:application", port: int = PORT, extra_env=None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "insop_portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HTTPS": "false",
        "DEBUG": "false",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "API_THROTTLE_ANON": "1000000/min",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        **(extra_env or {}),
        "GUNICORN_WORKERS": "2",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "insop_portal.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/tiers/", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start: run it by hand with the same settings to see why")


def timed_get(path: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=600) as response:
        size = 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
    return time.perf_counter() - started, size


def deep_cursor(offset: int) -> str:
    from thresholds.models import ThresholdValue

    position = ThresholdValue.objects.filter(status="published").order_by("id").values_list("id", flat=True)[offset]
    return urllib.parse.quote(base64.b64encode(f"p={position}".encode()).decode())


def rss_mb(server: subprocess.Popen) -> float:
    pids = subprocess.run(["pgrep", "-g", str(server.pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as status:
            total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    return total / 1024


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
    django_setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database: this benchmark measures the production setup.")
    missing = [tool for tool in ("wrk", "psql") if shutil.which(tool) is None]
    if missing:
        needed = " and ".join(missing)
        raise SystemExit(f"This benchmark needs {needed} (Debian: apt-get install wrk postgresql-client).")
    total = ensure_rows(args.rows)
    deep = deep_cursor(min(900_000, total - 200))
    server = start_server()
    try:
        first, deep_page = [], []
        for _ in range(args.rounds):
            first.append(timed_get("/api/v1/thresholds/?page_size=100")[0])
            deep_page.append(timed_get(f"/api/v1/thresholds/?page_size=100&cursor={deep}")[0])
        before = rss_mb(server)
        api_csv, psql_csv, peak = [], [], before
        for _ in range(max(1, args.rounds // 2)):
            seconds, _ = timed_get("/api/v1/thresholds/?format=csv")
            api_csv.append(seconds)
            peak = max(peak, rss_mb(server))
            psql_csv.append(psql_copy_seconds(os.environ["DATABASE_URL"]))
        portal_rps = [wrk_rps(FILTERED, PORT) for _ in range(max(1, args.rounds // 2))]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
    statements = captured_sql(FILTERED)
    minimal = start_server("bench.minimal_app:application", PORT + 1, {"BENCH_SQL": json.dumps(statements)})
    try:
        minimal_rps = [wrk_rps(FILTERED, PORT + 1) for _ in range(max(1, args.rounds // 2))]
    finally:
        os.killpg(minimal.pid, signal.SIGTERM)
    first_ms, deep_ms = statistics.median(first) * 1000, statistics.median(deep_page) * 1000
    api_rate, psql_rate = total / statistics.median(api_csv), total / statistics.median(psql_csv)
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL; {total} published rows; gunicorn 2 workers on loopback; {args.rounds} rounds\n"
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
