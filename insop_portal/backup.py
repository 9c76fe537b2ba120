"""Backups of the PostgreSQL database, and a restore drill that proves a backup restores whole.

    python -m insop_portal.backup dump [--to backups/]          (make backup)
    python -m insop_portal.backup restore [--dump FILE] [--into NAME] [--keep]   (make restore)

`dump` writes pg_dump's custom format and, beside it, a manifest with the row count and a checksum
of every table, taken in the same snapshot as the dump (so writes during the backup cannot make the
two disagree). `restore` loads a dump into a scratch database and checks it: every table's rows and
checksum equal the manifest's, `migrate --check` finds nothing to apply, and the portal answers its
main pages from the restored data. It prints how long each step took and exits non-zero on any
difference. The scratch database is dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE_PATHS = ["/", "/countries/DEU/", "/api/v1/thresholds/?page_size=5", "/api/v1/countries/", "/sops/"]
# Rows in an order that does not depend on where they lie on disk, hashed together.
CHECKSUM_SQL = "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') FROM {table} t"


def _database() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insop_portal.settings.local")
    import django

    django.setup()
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("Backups need DATABASE_URL on PostgreSQL (the SQLite file of `make run` is copied as a file).")
    return database


def _conninfo(database: dict, name: str | None = None) -> dict:
    return {
        "host": database.get("HOST") or "127.0.0.1",
        "port": str(database.get("PORT") or 5432),
        "user": database.get("USER") or "postgres",
        "password": database.get("PASSWORD") or None,
        "dbname": name or database["NAME"],
    }


def _client_env(info: dict) -> dict[str, str]:
    env = {**os.environ, "PGHOST": info["host"], "PGPORT": info["port"], "PGUSER": info["user"]}
    if info["password"]:
        env["PGPASSWORD"] = info["password"]
    return env


def _manifest(connection) -> dict[str, dict]:
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    ]
    result = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        rows, checksum = connection.execute(CHECKSUM_SQL.format(table=quoted)).fetchone()
        result[table] = {"rows": rows, "checksum": checksum}
    return result


def dump(folder: Path) -> Path:
    import psycopg

    info = _conninfo(_database())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"insop-{datetime.now(UTC):%Y%m%d-%H%M%S}.dump"
    started = time.perf_counter()
    with psycopg.connect(**info, autocommit=True) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        process = subprocess.Popen(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(path), info["dbname"]],
            env=_client_env(info),
        )
        tables = _manifest(connection)  # while pg_dump reads the same snapshot
        if process.wait() != 0:
            path.unlink(missing_ok=True)
            raise SystemExit(f"pg_dump failed (exit {process.returncode}); no backup was written.")
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    manifest = {
        "database": info["dbname"],
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dump_seconds": round(seconds, 2),
        "bytes": path.stat().st_size,
        "tables": tables,
    }
    path.with_suffix(".json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    print(
        f"Backed up {info['dbname']}: {len(tables)} tables, {sum(t['rows'] for t in tables.values()):,} rows, "
        f"{path.stat().st_size / 1e6:.1f} MB in {seconds:.1f} s -> {path}"
    )
    return path


def restore(path: Path, *, into: str | None, keep: bool) -> bool:
    import psycopg
    from psycopg import sql

    database = _database()
    info = _conninfo(database)
    manifest = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    scratch = into or f"{info['dbname']}_restore_drill"
    if scratch == info["dbname"]:
        raise SystemExit("The drill restores into a scratch database, never over the one in DATABASE_URL.")
    with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    steps: list[tuple[str, bool, str]] = []
    try:
        started = time.perf_counter()
        loaded = subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", scratch, str(path)],
            env=_client_env(info),
            capture_output=True,
            text=True,
        )
        restore_seconds = time.perf_counter() - started
        steps.append(("pg_restore", loaded.returncode == 0, f"{restore_seconds:.1f} s {loaded.stderr.strip()[:300]}"))

        with psycopg.connect(**{**info, "dbname": scratch}) as restored:
            tables = _manifest(restored)
        different = sorted(
            name
            for name in manifest["tables"].keys() | tables.keys()
            if manifest["tables"].get(name) != tables.get(name)
        )
        rows = sum(item["rows"] for item in tables.values())
        steps.append(
            (
                "rows and checksums",
                not different,
                f"{len(tables)} tables, {rows:,} rows" + (f"; differ: {', '.join(different)}" if different else ""),
            )
        )

        env = {**os.environ, "DATABASE_URL": _url(info, scratch), "DJANGO_READ_DOT_ENV_FILE": "false"}
        env["DJANGO_SETTINGS_MODULE"] = "insop_portal.settings.test"
        check = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        unapplied = "no migration to apply" if check.returncode == 0 else (check.stdout + check.stderr).strip()[-300:]
        steps.append(("migrate --check", check.returncode == 0, unapplied))

        smoke = subprocess.run(
            [sys.executable, "-c", SMOKE, *SMOKE_PATHS], cwd=ROOT, env=env, capture_output=True, text=True
        )
        answers = smoke.stdout.strip().splitlines()[-1:] or [smoke.stderr.strip()[-300:]]
        steps.append(("smoke requests", smoke.returncode == 0, answers[0]))
    finally:
        if not keep:
            with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
    for name, ok, detail in steps:
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    passed = all(ok for _name, ok, _detail in steps)
    print(f"Restore drill of {path.name} into {scratch}: {'passed' if passed else 'FAILED'}.")
    return passed


SMOKE = """
import sys
import django
django.setup()
from django.test import Client
client = Client()
answers = [(path, client.get(path).status_code) for path in sys.argv[1:]]
print(", ".join(f"{path} {status}" for path, status in answers))
sys.exit(0 if all(status == 200 for _path, status in answers) else 1)
"""


def _url(info: dict, name: str) -> str:
    password = f":{info['password']}" if info["password"] else ""
    return f"postgres://{info['user']}{password}@{info['host']}:{info['port']}/{name}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="write a backup and its manifest")
    dumping.add_argument("--to", type=Path, default=ROOT / "backups")
    restoring = commands.add_parser("restore", help="restore a backup into a scratch database and check it")
    restoring.add_argument("--dump", type=Path, help="a .dump file (default: the newest in backups/)")
    restoring.add_argument("--into", help="scratch database name (default: <database>_restore_drill)")
    restoring.add_argument("--keep", action="store_true", help="keep the scratch database")
    arguments = parser.parse_args(argv)
    if arguments.command == "dump":
        dump(arguments.to)
        return 0
    path = arguments.dump or max((ROOT / "backups").glob("*.dump"), default=None, key=lambda item: item.stat().st_mtime)
    if path is None:
        raise SystemExit("No backup in backups/: run `make backup` first, or give --dump.")
    return 0 if restore(path, into=arguments.into, keep=arguments.keep) else 1


if __name__ == "__main__":
    sys.exit(main())
