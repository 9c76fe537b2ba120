"""What the benchmarks share: Django set-up, servers on loopback, wrk, and the machine's description."""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insop_portal.settings.local")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()


def require_postgresql() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database: the benchmarks measure the production setup.")


def ensure_rows(rows: int) -> int:
    """Fill the database up to `rows` published values (generate_thresholds), and analyse the table."""
    from django.db import connection

    from thresholds.models import ThresholdValue

    have = ThresholdValue.objects.filter(status="published").count()
    if have < rows:
        subprocess.run(
            [sys.executable, "manage.py", "generate_thresholds", "--rows", str(rows - have)], cwd=ROOT, check=True
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ThresholdValue.objects.filter(status="published").count()


def require_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"The benchmarks need {' and '.join(missing)} (Debian: apt-get install {' '.join(missing)}).")


def machine() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    with open("/proc/meminfo") as meminfo:
        memory_gb = int(meminfo.readline().split()[1]) / 1024 / 1024
    from django.db import connection

    connection.ensure_connection()
    server = connection.cursor().connection.info.server_version if connection.vendor == "postgresql" else 0
    return (
        f"{model or platform.machine()}, {os.cpu_count()} cores, {memory_gb:.0f} GiB; Python "
        f"{platform.python_version()}; PostgreSQL {server // 10000}.{server % 100}"
    )


def production_env(port: int, **extra: str) -> dict[str, str]:
    """The production settings on loopback, without HTTPS and with the throttles lifted (every
    benchmark client comes from 127.0.0.1, which production would throttle as one visitor)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "insop_portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HTTPS": "false",
        "DEBUG": "false",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "API_THROTTLE_ANON": "100000000/min",
        "API_THROTTLE_USER": "100000000/min",
        "PAGE_THROTTLE_ANON": "100000000/min",
        "EXPORT_THROTTLE_ANON": "100000000/min",
        "EXPORT_THROTTLE_USER": "100000000/min",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        **extra,
    }


@contextmanager
def server(command: list[str], *, port: int, env: dict[str, str], ready_path: str = "/", log: Path | None = None):
    """Run a server in its own process group until the block ends; wait until it answers."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            # Another server (one left by an interrupted run) would answer and be measured instead.
            raise SystemExit(f"Port {port} is already in use: stop what listens there (`fuser -k {port}/tcp`).")
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True)
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit(f"{command[0]} stopped at start: run `{' '.join(command)}` by hand to see why")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"{' '.join(command)} did not answer on port {port} within a minute")
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
        if log:
            output.close()


def gunicorn(
    app: str = "insop_portal.wsgi:application",
    *,
    port: int,
    workers: int | None = 2,
    log: Path | None = None,
    **extra_env: str,
):
    """The portal (or another WSGI app) under gunicorn with the production configuration file.
    `workers=None` keeps gunicorn.conf.py's recommended count."""
    env = production_env(port, **extra_env)
    if workers is not None:
        env["GUNICORN_WORKERS"] = str(workers)
    command = [sys.executable, "-m", "gunicorn", app, "--config", "gunicorn.conf.py", "--access-logfile", "/dev/null"]
    ready = "/api/v1/tiers/" if app.startswith("insop") else "/"
    return server(command, port=port, env=env, ready_path=ready, log=log)


def wrk(url: str, *, seconds: int = 10, connections: int = 8, threads: int = 2, script: Path | None = None) -> str:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    if script:
        command += ["-s", str(script)]
    return subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout


def wrk_rps(url: str, *, seconds: int = 10, connections: int = 8) -> float:
    """Requests per second; refuses to report a rate made of errors."""
    output = wrk(url, seconds=seconds, connections=connections)
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw errors on {url}:\n{output}")
    line = next(line for line in output.splitlines() if line.startswith("Requests/sec"))
    return float(line.split()[1])


def timed_get(url: str) -> tuple[float, int, int]:
    """Seconds to read the whole response, its size in bytes and its number of lines."""
    started = time.perf_counter()
    size = lines = 0
    with urllib.request.urlopen(url, timeout=600) as response:
        while chunk := response.read(1 << 20):
            size += len(chunk)
            lines += chunk.count(b"\n")
    return time.perf_counter() - started, size, lines


def rss_mb(process: subprocess.Popen) -> float:
    """Resident memory of a server and every process in its group (gunicorn's workers)."""
    pids = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
        except FileNotFoundError:  # a worker recycled meanwhile
            continue
    return total / 1024
