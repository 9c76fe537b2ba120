"""Item 8 of the reliability suite: faults in the middle of a 200,000-row import, and a database
restart under load. PostgreSQL only (advisory locks, pg_terminate_backend, COPY progress); run by
`make reliability`, not by `make test` (about three minutes).

An import writes its rows and its batch's "committed" status in one transaction, so a fault leaves
no row behind; its batch ends "failed", and importing the file again writes it whole, once."""

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from bench.common import gunicorn
from reference.models import Pollutant
from tests.reliability.helpers import drill_database_url
from thresholds.models import ImportBatch, LegalInstrument, ThresholdValue

pytestmark = [pytest.mark.drill, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loaded_data")]

ROOT = Path(__file__).resolve().parents[2]
ROWS = 200_000
TITLE = "DRILL instrument"


@pytest.fixture
def big_file(tmp_path) -> Path:
    path = tmp_path / "drill.csv"
    write_big_file(path)
    return path


def write_big_file(path: Path) -> None:
    """200,000 distinct values over a few instruments, units and pH bands mixed as in real files."""
    pollutants = list(Pollutant.objects.order_by("name").values_list("name", flat=True))
    land_uses = ["agricultural", "residential", "parkland", "commercial", "industrial", "natural", "any"]
    tiers = ["background", "precautionary", "trigger", "intervention"]
    conditions = ["", "pH<=5.5", "5.5<pH<=6.5", "soil texture: sand"]
    per_instrument = len(pollutants) * len(land_uses) * len(tiers) * len(conditions)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["country", "instrument", "instrument_year", "pollutant", "land_use", "tier", "value", "unit"]
                    + ["condition"])  # fmt: skip
    for index in range(ROWS):
        instrument, rest = divmod(index, per_instrument)
        writer.writerow([
            "DEU", f"{TITLE} {instrument}", "2020", pollutants[rest % len(pollutants)],
            land_uses[(rest // len(pollutants)) % len(land_uses)],
            tiers[(rest // (len(pollutants) * len(land_uses))) % len(tiers)],
            f"{(index % 9973) / 10 + 0.1:.1f}", ["mg/kg", "µg/kg"][index % 2],
            conditions[rest // (len(pollutants) * len(land_uses) * len(tiers))],
        ])  # fmt: skip
    path.write_text(buffer.getvalue(), encoding="utf-8")


def importer(path: Path) -> subprocess.Popen:
    """`manage.py import_thresholds` in its own process (and process group), on the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "insop_portal.settings.test",
        "DATABASE_URL": drill_database_url(),
    }
    command = [sys.executable, "manage.py", "import_thresholds", str(path), "--user", "drill-curator", "-v0"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def importer_backend_halfway(timeout: float = 300) -> int:
    """Wait until the importing connection's COPY has sent half the rows; its backend's pid."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, tuples_processed FROM pg_stat_progress_copy WHERE relid = %s::regclass",
                [ThresholdValue._meta.db_table],
            )
            progress = cursor.fetchone()
        if progress and progress[1] >= ROWS // 2:
            return progress[0]
        time.sleep(0.05)
    raise AssertionError("the import never reached half its rows")


def wait_for_backend_to_end(pid: int) -> None:
    for _ in range(600):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() is None:
                return
        time.sleep(0.05)
    raise AssertionError(f"backend {pid} did not end")


def nothing_written_by(batch: ImportBatch) -> bool:
    """No value, instrument or history record of the batch (or of its file) exists."""
    reason = batch.change_reason
    return not (
        ThresholdValue.objects.filter(instrument__title__startswith=TITLE).exists()
        or LegalInstrument.objects.filter(title__startswith=TITLE).exists()
        or ThresholdValue.history.model.objects.filter(history_change_reason=reason).exists()
        or LegalInstrument.history.model.objects.filter(history_change_reason=reason).exists()
    )


def retry_twice_is_idempotent(path: Path) -> None:
    again = importer(path)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    batch = ImportBatch.objects.latest("created_at")
    assert batch.status == ImportBatch.Status.COMMITTED and batch.created_count == ROWS
    assert ThresholdValue.objects.filter(instrument__title__startswith=TITLE).count() == ROWS
    batches = ImportBatch.objects.count()

    once_more = importer(path)
    out, err = once_more.communicate(timeout=600)
    assert once_more.returncode == 0, err
    assert ImportBatch.objects.count() == batches, "an unchanged file makes no batch"
    assert ThresholdValue.objects.filter(instrument__title__startswith=TITLE).count() == ROWS


def test_an_importer_killed_halfway_writes_nothing_its_batch_fails_and_a_retry_is_idempotent(big_file, report):
    before = ThresholdValue.objects.count()
    process = importer(big_file)
    backend = importer_backend_halfway()
    os.killpg(process.pid, signal.SIGKILL)
    report(f"SIGKILL sent with {ROWS // 2:,}+ of {ROWS:,} rows sent to COPY")
    process.wait(timeout=30)
    wait_for_backend_to_end(backend)

    batch = ImportBatch.objects.latest("created_at")
    assert nothing_written_by(batch) and ThresholdValue.objects.count() == before
    assert batch.status == ImportBatch.Status.RUNNING  # nobody was left to say otherwise...
    call_command("recover_imports", stdout=io.StringIO())  # ...until the next import or the admin looks
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "went away" in batch.notes

    retry_twice_is_idempotent(big_file)


def test_an_import_whose_connection_is_terminated_halfway_writes_nothing_and_says_so(big_file):
    before = ThresholdValue.objects.count()
    process = importer(big_file)
    backend = importer_backend_halfway()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
    out, err = process.communicate(timeout=120)

    assert process.returncode == 1
    assert "The import stopped: the database connection failed" in err and "Traceback" not in err, err
    batch = ImportBatch.objects.latest("created_at")
    assert nothing_written_by(batch) and ThresholdValue.objects.count() == before
    assert batch.status == ImportBatch.Status.FAILED, "the importer marks its own batch, on a new connection"
    assert "nothing was written" in batch.notes and batch.finished_at

    retry_twice_is_idempotent(big_file)


def test_a_postgresql_restart_under_load_is_survived_without_restarting_the_portal(report):
    """Clients keep asking while PostgreSQL restarts: they get answers or a 503 with Retry-After
    (never a 500), and once the database is back every request succeeds again."""
    port = 8791
    database = drill_database_url()
    statuses: list[tuple[float, int]] = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/thresholds/?page_size=5", timeout=30):
                    statuses.append((time.monotonic(), 200))
            except urllib.error.HTTPError as error:
                statuses.append((time.monotonic(), error.code))
                if error.code == 503:
                    assert error.headers["Retry-After"] == "30"

    with gunicorn(port=port, workers=2, DATABASE_URL=database, API_LIST_CACHE_SECONDS="0", CONN_MAX_AGE="600"):
        clients = [threading.Thread(target=client) for _ in range(4)]
        for thread in clients:
            thread.start()
        time.sleep(3)
        cluster = subprocess.run(["ls", "/etc/postgresql"], capture_output=True, text=True).stdout.split()[0]
        restart_began = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True, timeout=120
        )
        restarted = time.monotonic()
        time.sleep(5)
        stop.set()
        for thread in clients:
            thread.join(timeout=60)
    connection.close()  # this test's own connection died with the restart

    assert {code for _, code in statuses} <= {200, 503}, "never a 500"
    before = [code for moment, code in statuses if moment < restart_began]
    after = [code for moment, code in statuses if moment > restarted + 1]
    assert before and set(before) == {200}
    assert len(after) > 20 and set(after) == {200}, "every request succeeds once PostgreSQL is back"
    during = [code for moment, code in statuses if restart_began <= moment <= restarted + 1]
    report(
        f"{len(statuses)} requests; restart took {restarted - restart_began:.1f} s; during it "
        f"{during.count(200)} answered, {during.count(503)} got 503; after it {len(after)} answered, all 200"
    )


def test_a_backup_restores_whole_into_a_scratch_database(tmp_path, report):
    """`make backup` then `make restore`: every table's rows and checksum equal, migrations clean,
    the portal answers from the restored copy."""
    from tests.thresholds.helpers import csv_bytes, row
    from thresholds.services import threshold_import

    threshold_import(file_name="before-backup.csv", content=csv_bytes([row(instrument="Backup drill ordinance")]))
    env = {
        **os.environ,
        "DATABASE_URL": drill_database_url(),
        "DJANGO_SETTINGS_MODULE": "insop_portal.settings.test",
    }
    dumped = subprocess.run(
        [sys.executable, "-m", "insop_portal.backup", "dump", "--to", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert dumped.returncode == 0, dumped.stderr
    restored = subprocess.run(
        [sys.executable, "-m", "insop_portal.backup", "restore", "--dump", str(next(tmp_path.glob("*.dump")))],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert restored.returncode == 0, restored.stdout + restored.stderr
    lines = [line for line in restored.stdout.splitlines() if line.startswith(("ok", "FAIL"))]
    assert len(lines) == 4 and all(line.startswith("ok") for line in lines), restored.stdout
    report(dumped.stdout.strip().splitlines()[-1] + " | " + " | ".join(lines))
