"""Everything that writes threshold data. The admin, the import, the seed and (later) the API and
the survey call these, so each rule is written once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import yaml
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.history import record_history
from core.locking import check_version
from core.roles import may_extend_curated_tables, may_publish
from reference.models import Country, LandUseClass, Pollutant, PollutantSynonym, Tier, Unit, UnitAlias
from reference.text import match_key, unit_key
from thresholds.importing import Decisions, ImportPlan, Problem, plan_import, plan_record
from thresholds.models import (
    ImportBatch,
    LabelClassification,
    LegalInstrument,
    SoilCorrection,
    ThresholdValue,
    value_numbers,
)
from thresholds.record import DERIVED_FIELDS, SOURCES, VALUE_FIELDS, instrument_changes, row_onto_value, row_values

logger = logging.getLogger(__name__)


class ImportRejected(Exception):
    """The file has problems; nothing was written. `plan.problems` lists them by row and column."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(f"{plan.file_name}: {len(plan.problems)} problem(s); nothing was imported.")


class ImportNeedsPublishPermission(ImportRejected):
    """Rows would publish, withdraw or un-publish values and the user may not publish; nothing was written."""


class ImportOutdated(ImportRejected):
    """Values or instruments the import would update were changed by someone else after the file was
    checked; nothing was written. `plan.problems` names them by row."""

    def __init__(self, plan: ImportPlan, summary: str):
        self.plan = plan
        Exception.__init__(self, summary)


class RollbackRefused(Exception):
    """Rolling back would undo later work; nothing was changed."""


@dataclass
class ImportResult:
    plan: ImportPlan
    batch: ImportBatch | None


# ---- import -----------------------------------------------------------------------------------


def threshold_import(
    *,
    file_name: str,
    content: bytes,
    user=None,
    dry_run: bool = False,
    progress=None,
    previewed: dict | None = None,
    decisions: Decisions | None = None,
) -> ImportResult:
    """Import a spreadsheet, all or nothing. A dry run plans and reports without writing.

    Re-importing the same file changes nothing; a corrected file updates what changed, with history.
    `previewed` is import_preview_seen() of the preview a curator confirmed: a record that changed since
    that preview refuses the import (ImportOutdated), as does one that changes while it is planned.
    `progress(kind, count)` hears of rows "checked" and then "written". An import that stops while
    writing leaves no row behind and its batch "failed" (see import_batches_recover).
    `decisions` accepts or changes the matcher's proposals; without them a proposal is a problem.
    """
    plan = plan_import(
        file_name=file_name,
        content=content,
        progress=(lambda count: progress("checked", count)) if progress else None,
        decisions=decisions,
    )
    return import_plan_commit(plan=plan, user=user, dry_run=dry_run, progress=progress, previewed=previewed)


def import_plan_commit(
    *,
    plan: ImportPlan,
    user=None,
    dry_run: bool = False,
    progress=None,
    previewed: dict | None = None,
    from_survey=None,
) -> ImportResult:
    """Commit a checked plan as one import batch, all or nothing: a spreadsheet's (threshold_import) or
    a survey response's ticked values (plan_records; surveys.services.response_accept). `from_survey` is
    the response the values come from: set on every value the batch creates or changes and on every
    instrument it creates, and rolled back with the batch like the rest. No batch when nothing changes."""
    if not plan.ok:
        raise ImportRejected(plan)
    _check_import_may_publish(plan, user)
    _check_may_accept_proposals(plan, user)
    summary = plan.summary()
    if dry_run or not (
        summary["create"] or summary["update"] or summary["instruments_update"] or summary["instruments_create"]
    ):
        return ImportResult(plan=plan, batch=None)
    import_batches_recover()
    batch = _start(plan, user=user)
    try:
        _commit(plan, batch=batch, user=user, progress=progress, previewed=previewed, from_survey=from_survey)
    except BaseException as exc:  # KeyboardInterrupt and SystemExit too: the batch must not stay "running"
        _mark_failed(batch, reason=f"{type(exc).__name__}: {exc}".strip())
        raise
    finally:
        _release(batch)
    return ImportResult(plan=plan, batch=batch)


def _check_import_may_publish(plan: ImportPlan, user) -> None:
    """check_may_change_publication for every row: a `status` that publishes, withdraws or un-publishes
    a value needs the permission to publish. Refused row by row, before anything is written."""
    if may_publish(user):
        return
    for row in plan.rows:
        given = row.fields["status"]
        stored = row.stored_status if row.existing_id else ThresholdValue.Status.DRAFT
        if given and given != stored:
            plan.problems.append(
                Problem(
                    row.row,
                    "status",
                    given,
                    f"setting the status to {given} (it is {stored}) needs the permission to publish (Curators "
                    "have it). Leave the status column blank (new values are drafts, existing ones keep their "
                    "status) or ask a curator to import the file.",
                )
            )
    if plan.problems:
        raise ImportNeedsPublishPermission(plan)


def _check_may_accept_proposals(plan: ImportPlan, user) -> None:
    """Accepting a proposal adds to the curated tables (core.roles.may_extend_curated_tables): refused,
    once per reading, for anyone else, before anything is written."""
    if not plan.decided or may_extend_curated_tables(user):
        return
    for use in plan.decided:
        plan.problems.append(
            Problem(
                use.rows[0],
                use.column,
                use.reading.text,
                f"reading “{use.reading.text}” as {use.target} would add it to the curated tables, which needs a "
                "curator: give the harmonised code or the known name instead, or ask a curator to import the file.",
            )
        )
    raise ImportRejected(plan)


# Advisory locks (PostgreSQL) held by a running import's connection for as long as it lives: a
# "running" batch whose lock is free belongs to a process that died (killed, or its connection cut).
_IMPORT_LOCK_CLASS = 7201
# Without advisory locks (SQLite, for development) a batch running this long is taken as dead.
_RUNNING_AT_MOST = timedelta(hours=6)


@transaction.atomic
def _start(plan: ImportPlan, *, user) -> ImportBatch:
    summary = plan.summary()
    batch = ImportBatch.objects.create(
        file_name=plan.file_name[:255],
        sha256=plan.sha256,
        created_by=user,
        status=ImportBatch.Status.RUNNING,
        rows_total=summary["rows"],
        created_count=summary["create"],
        updated_count=summary["update"],
        unchanged_count=summary["unchanged"],
        instruments_created=summary["instruments_create"],
    )
    if connection.vendor == "postgresql":
        # Taken in the transaction that makes the batch visible, so nobody sees it running unlocked.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_IMPORT_LOCK_CLASS, batch.pk])
    return batch


def _release(batch: ImportBatch) -> None:
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_IMPORT_LOCK_CLASS, batch.pk])
    except DatabaseError:
        pass  # the connection is gone, and its locks with it


def _mark_failed(batch: ImportBatch, *, reason: str) -> None:
    """Record why an import stopped. Its transaction was rolled back: no row of it was written."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()  # a terminated connection is replaced here
    notes = f"Stopped before it finished, nothing was written: {reason}"[:2000]
    try:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, finished_at=timezone.now(), notes=notes
        )
    except DatabaseError:
        # The database is unreachable: import_batches_recover() marks the batch once it is back.
        logger.exception("Import batch #%s stopped and could not be marked failed", batch.pk)
        return
    batch.status, batch.notes = ImportBatch.Status.FAILED, notes
    logger.error("Import batch #%s (%s) failed: %s", batch.pk, batch.file_name, reason)


def import_batches_recover() -> list[int]:
    """Mark "failed" the running imports whose process is gone (killed, crashed, disconnected).

    Run before every import, when curators open the list of imports, and by `manage.py recover_imports`.
    Their writing was one transaction that never committed, so there is nothing to undo.
    """
    running = list(ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING).values_list("pk", "created_at"))
    gone = [pk for pk, created_at in running if _importer_gone(pk, created_at)]
    if gone:
        ImportBatch.objects.filter(pk__in=gone, status=ImportBatch.Status.RUNNING).update(
            status=ImportBatch.Status.FAILED,
            finished_at=timezone.now(),
            notes="Stopped before it finished, nothing was written: the importing process or its database "
            "connection went away (killed, restarted or cut off). Import the file again.",
        )
        logger.error("Import batch(es) %s found abandoned and marked failed", ", ".join(map(str, gone)))
    return gone


def _importer_gone(pk: int, created_at: datetime) -> bool:
    if connection.vendor != "postgresql":
        return timezone.now() - created_at > _RUNNING_AT_MOST
    with transaction.atomic(), connection.cursor() as cursor:
        # Taken only for this transaction: free means no living connection holds it.
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_IMPORT_LOCK_CLASS, pk])
        return cursor.fetchone()[0]


@transaction.atomic
def _commit(plan: ImportPlan, *, batch: ImportBatch, user, progress, previewed: dict | None, from_survey=None) -> None:
    reason = batch.change_reason
    locked_instruments, existing = _lock_planned(plan, previewed=previewed)
    batch.accepted_proposals = proposals_write(plan, user=user, batch=batch)

    instrument_ids: dict[tuple, int] = {}
    for key, planned in plan.instruments.items():
        if planned.action == "create":
            instrument = planned.build(import_batch=batch, created_by=user, updated_by=user, from_survey=from_survey)
            record_history(instrument, user=user, reason=reason)
            instrument.save()
        else:
            instrument = locked_instruments.get(planned.existing_id) or LegalInstrument.objects.get(
                pk=planned.existing_id
            )
            if planned.action == "update":
                for name, given in instrument_changes(planned).items():
                    setattr(instrument, name, given)
                instrument.import_batch, instrument.updated_by = batch, user
                instrument.version += 1
                record_history(instrument, user=user, reason=reason)
                instrument.save()
        instrument_ids[key] = instrument.id

    units = {unit.id: unit for unit in Unit.objects.all()}
    now = timezone.now()
    to_create, to_update = [], []
    if connection.vendor == "postgresql":
        new_rows = [row for row in plan.rows if row.action == "create"]
        _copy_new_values(
            new_rows,
            instrument_ids=instrument_ids,
            units=units,
            batch=batch,
            user=user,
            reason=reason,
            from_survey=from_survey,
        )
        if progress and new_rows:
            progress("written", len(new_rows))
    for row in plan.rows:
        if row.action == "unchanged" or (row.action == "create" and connection.vendor == "postgresql"):
            continue
        if row.action == "create":
            value = ThresholdValue(instrument_id=instrument_ids[row.instrument], created_by=user)
        else:
            value = existing[row.existing_id]
            value.version, value.updated_at = value.version + 1, now
        row_onto_value(value, row.fields, creating=row.action == "create", unit=units[row.fields["unit_id"]])
        value.import_batch, value.updated_by = batch, user
        value.from_survey = from_survey or value.from_survey
        record_history(value, user=user, reason=reason)
        (to_create if row.action == "create" else to_update).append(value)

    if to_create:
        bulk_create_with_history(to_create, ThresholdValue, batch_size=2000)
        if progress:
            progress("written", len(to_create))
    if to_update:
        bulk_update_with_history(
            to_update,
            ThresholdValue,
            [
                *VALUE_FIELDS,
                "status",
                *DERIVED_FIELDS,
                "import_batch",
                "from_survey",
                "updated_by",
                "version",
                "updated_at",
            ],
            batch_size=2000,
        )
        if progress:
            progress("written", len(to_update))
    batch.status, batch.finished_at = ImportBatch.Status.COMMITTED, timezone.now()
    batch.save(update_fields=["status", "finished_at", "accepted_proposals"])


def import_plan_value_ids(plan: ImportPlan, batch: ImportBatch | None) -> dict[int, int]:
    """{row number: id of the stored value} for every row of a committed plan: the value it created,
    updated or found unchanged. Two queries, however many rows."""
    found = {row.row: row.existing_id for row in plan.rows if row.existing_id}
    created = [row for row in plan.rows if row.action == "create"]
    if not created or batch is None:
        return found
    instrument_ids = {key: item.existing_id for key, item in plan.instruments.items() if item.existing_id}
    for pk, country_id, jurisdiction, title in LegalInstrument.objects.filter(import_batch=batch).values_list(
        "pk", "country_id", "jurisdiction", "title"
    ):
        instrument_ids.setdefault((country_id, jurisdiction, title), pk)
    identity = ("instrument_id", "pollutant_id", "land_use_label", "tier_label", "conditions_key")
    stored = {
        tuple(item[1:]): item[0]
        for item in ThresholdValue.objects.filter(import_batch=batch).values_list("pk", *identity)
    }
    for row in created:
        fields = row.fields
        found[row.row] = stored[
            (
                instrument_ids[row.instrument],
                fields["pollutant_id"],
                fields["land_use_label"],
                fields["tier_label"],
                fields["conditions_key"],
            )
        ]
    return found


def import_preview_seen(plan: ImportPlan) -> dict[str, list]:
    """What a preview showed: for each row and instrument (by its first row), the stored record it was
    planned against and that record's version, both None for a new one. JSON, to be kept with the
    upload and given back to threshold_import(previewed=...) when the curator confirms."""
    return {
        "sha256": plan.sha256,
        "values": [[row.row, row.existing_id, row.existing_version] for row in plan.rows],
        "instruments": [
            [item.first_row, item.existing_id, item.existing_version] for item in plan.instruments.values()
        ],
    }


def _changed_since_preview(plan: ImportPlan, previewed: dict) -> list[tuple]:
    """(what, pk, row, version previewed) for each row and instrument whose stored record is not the one
    the preview showed, at the version it showed: changed, deleted, or created meanwhile."""
    if previewed.get("sha256") != plan.sha256:
        raise ValueError("This preview is of another file.")
    changed = []
    for what, planned_items, seen_items in (
        ("instrument", [(item.first_row, item) for item in plan.instruments.values()], previewed["instruments"]),
        ("value", [(row.row, row) for row in plan.rows], previewed["values"]),
    ):
        seen = {row: (pk, version) for row, pk, version in seen_items}
        for row, planned in planned_items:
            seen_pk, seen_version = seen.get(row, (None, None))
            if (seen_pk, seen_version) != (planned.existing_id, planned.existing_version):
                changed.append((what, seen_pk or planned.existing_id, row, seen_version))
    return changed


def _lock_planned(
    plan: ImportPlan, *, previewed: dict | None = None
) -> tuple[dict[int, LegalInstrument], dict[int, ThresholdValue]]:
    """Lock the instruments and values the import updates, as they are now, and refuse the import if
    any of them changed after the plan read it (or, with `previewed`, after the preview a curator
    confirmed: see import_preview_seen).

    Without this, an edit saved between the plan and the write would be overwritten unseen, and the
    import would write the version that edit wrote as well, so its author's If-Match would still
    match. Instruments are locked before values, each in id order, as the other writers lock them,
    so that writers queue rather than deadlock. Values are loaded whole: their history records are
    complete.
    """
    updated_instruments = {item.existing_id: item for item in plan.instruments.values() if item.action == "update"}
    updated_rows = {row.existing_id: row for row in plan.rows if row.action == "update"}
    instruments = LegalInstrument.objects.select_for_update().order_by("id").in_bulk(sorted(updated_instruments))
    values = ThresholdValue.objects.select_for_update().order_by("id").in_bulk(sorted(updated_rows))

    changed = []  # (what, pk, row, seen version, stored record or None)
    for what, planned_items, stored_items in (
        ("instrument", updated_instruments, instruments),
        ("value", updated_rows, values),
    ):
        for pk, planned in planned_items.items():
            stored = stored_items.get(pk)
            if stored is None or (stored.version, stored.updated_at) != (
                planned.existing_version,
                planned.existing_updated_at,
            ):
                row = planned.first_row if what == "instrument" else planned.row
                changed.append((what, pk, row, planned.existing_version, stored))
    if previewed is not None:
        # The plan was made again from the same file at the commit: what changed before it is told by
        # the preview. Records the import does not lock are read as they are now, for the report.
        flagged = {(what, pk) for what, pk, *_rest in changed}
        earlier = [item for item in _changed_since_preview(plan, previewed) if item[:2] not in flagged]
        current = {
            what: {**model.objects.in_bulk([item[1] for item in earlier if item[0] == what]), **locked}
            for what, model, locked in (("instrument", LegalInstrument, instruments), ("value", ThresholdValue, values))
        }
        changed += [(what, pk, row, seen, current[what].get(pk)) for what, pk, row, seen in earlier]
    if not changed:
        return instruments, values

    editors = {
        (what, pk): username
        for what, model in (("instrument", LegalInstrument), ("value", ThresholdValue))
        for pk, username in model.objects.filter(pk__in=[item[1] for item in changed if item[0] == what])
        .exclude(updated_by=None)
        .values_list("pk", "updated_by__username")
    }
    changed.sort(key=lambda item: item[2])
    for what, pk, row, seen, stored in changed:
        who = f" by {editors[what, pk]}" if (what, pk) in editors else ""
        if stored is None:
            happened = f"{what} #{pk} was deleted"
        elif seen is None:
            happened = f"{what} #{pk} was created{who} at {stored.updated_at:%Y-%m-%d %H:%M:%S} UTC"
        else:
            happened = (
                f"{what} #{pk} was changed{who} at {stored.updated_at:%Y-%m-%d %H:%M:%S} UTC (version {seen} "
                f"when the file was checked, now {stored.version})"
            )
        plan.problems.append(
            Problem(
                row,
                "instrument" if what == "instrument" else "",
                "",
                f"{happened} after this file was checked: nothing was imported; upload the file again to "
                "check it against the current values.",
            )
        )
    counts = " and ".join(
        f"{count} {what}(s)"
        for what in ("value", "instrument")
        if (count := sum(1 for item in changed if item[0] == what))
    )
    examples = ", ".join(f"{what} #{pk} (row {row})" for what, pk, row, _seen, _stored in changed[:10])
    raise ImportOutdated(
        plan,
        f"{plan.file_name}: {counts} changed since the preview: {examples}{', …' if len(changed) > 10 else ''}. "
        "Nothing was imported: upload the file again to check it against the current values.",
    )


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(item) -> str:
    """One field in PostgreSQL's COPY text format."""
    if item is None:
        return "\\N"
    if isinstance(item, bool):
        return "t" if item else "f"
    if isinstance(item, str):
        return item.translate(_COPY_ESCAPES)
    if isinstance(item, datetime):
        return item.isoformat()
    return str(item)


def _copy_new_values(
    rows: list, *, instrument_ids: dict, units: dict, batch: ImportBatch, user, reason: str, from_survey=None
) -> None:
    """Insert the new values of an import with PostgreSQL COPY, then their "created" history records.

    The same rows bulk_create_with_history would write, built straight from the checked fields
    instead of through model instances, and the history copied inside the database: an order of
    magnitude faster. Call before any existing value is updated by the same batch.
    """
    if not rows:
        return
    now = timezone.now()
    fields = [field for field in ThresholdValue._meta.concrete_fields if not field.primary_key]
    defaults = {field.attname: field.get_default() for field in fields}
    user_id = user.pk if user else None
    defaults.update(
        created_at=now, updated_at=now, created_by_id=user_id, updated_by_id=user_id, import_batch_id=batch.pk
    )
    defaults["from_survey_id"] = from_survey.pk if from_survey else None
    columns = [field.attname for field in fields]
    # Columns whose text is the same on every row are rendered once.
    varying = {"instrument_id", "value", "value_mg_kg", *row_values(rows[0].fields, creating=True)}
    constant_text = {name: _copy_text(item) for name, item in defaults.items() if name not in varying}

    lines = []
    for row in rows:
        text = dict(constant_text)
        for name, item in row_values(row.fields, creating=True).items():
            text[name] = _copy_text(item)
        value, value_mg_kg = value_numbers(row.fields["value_text"], units[row.fields["unit_id"]])
        text["instrument_id"] = str(instrument_ids[row.instrument])
        text["value"], text["value_mg_kg"] = str(value), _copy_text(value_mg_kg)
        lines.append("\t".join([text[name] for name in columns]) + "\n")

    table = ThresholdValue._meta.db_table
    history = ThresholdValue.history.model
    history_columns = [field.attname for field in history._meta.concrete_fields if field.attname in {"id", *columns}]
    with connection.cursor() as cursor:
        # Django wraps execute() but not COPY: its errors become Django's too (a lost connection is
        # then noticed and replaced, as for any query).
        with connection.wrap_database_errors, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write("".join(lines))
        names = ", ".join(history_columns)
        cursor.execute(
            f"INSERT INTO {history._meta.db_table} ({names}, history_date, history_change_reason, history_type, "
            f"history_user_id) SELECT {names}, %s, %s, '+', %s FROM {table} WHERE import_batch_id = %s",
            [now, reason, user_id, batch.pk],
        )


# ---- rollback ---------------------------------------------------------------------------------


@transaction.atomic
def import_batch_rollback(*, batch: ImportBatch, user) -> dict[str, int]:
    """Undo an import: delete what it created, restore what it changed. Refused if later edits exist."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.COMMITTED:
        raise RollbackRefused(
            f"{batch} is {batch.get_status_display().lower()}; only a committed import can be rolled back."
        )
    reason = batch.change_reason
    undo_reason = f"rollback of {reason}"
    counts = {"deleted": 0, "restored": 0, "instruments_deleted": 0, "instruments_restored": 0}

    value_history = ThresholdValue.history.model.objects
    touched_ids = set(value_history.filter(history_change_reason=reason).values_list("id", flat=True))
    instrument_history = LegalInstrument.history.model.objects
    instrument_ids = set(instrument_history.filter(history_change_reason=reason).values_list("id", flat=True))
    # Locked before the check for later changes (instruments before values, in id order, as every
    # writer locks them): an edit saving meanwhile is waited for and then refuses the rollback, instead
    # of being restored over with the version it wrote itself.
    for model, ids in ((LegalInstrument, instrument_ids), (ThresholdValue, touched_ids)):
        list(model.objects.select_for_update().filter(id__in=ids).order_by("id").values_list("id", flat=True))
    _refuse_if_changed_later(value_history, touched_ids, reason, "value")
    _refuse_if_changed_later(instrument_history, instrument_ids, reason, "instrument")

    for value in ThresholdValue.objects.filter(id__in=touched_ids).select_related("unit"):
        previous = (
            value_history.filter(id=value.id).exclude(history_change_reason=reason).order_by("-history_date").first()
        )
        record_history(value, user=user, reason=undo_reason)
        if previous is None:
            value.delete()
            counts["deleted"] += 1
        else:
            _restore(value, previous, user)
            counts["restored"] += 1

    for instrument in LegalInstrument.objects.filter(id__in=instrument_ids):
        previous = (
            instrument_history.filter(id=instrument.id)
            .exclude(history_change_reason=reason)
            .order_by("-history_date")
            .first()
        )
        record_history(instrument, user=user, reason=undo_reason)
        if previous is None:
            if not instrument.values.exists():
                instrument.delete()
                counts["instruments_deleted"] += 1
        else:
            _restore(instrument, previous, user)
            counts["instruments_restored"] += 1

    batch.status = ImportBatch.Status.ROLLED_BACK
    batch.rolled_back_by, batch.rolled_back_at = user, timezone.now()
    batch.save(update_fields=["status", "rolled_back_by", "rolled_back_at"])
    return counts


def _refuse_if_changed_later(history_objects, ids: set[int], reason: str, what: str) -> None:
    latest = {}
    for record in (
        history_objects.filter(id__in=ids)
        .order_by("id", "history_date")
        .values("id", "history_change_reason", "history_date", "history_user__username")
    ):
        latest[record["id"]] = record
    later = [record for record in latest.values() if record["history_change_reason"] != reason]
    if later:
        examples = "; ".join(
            f"{what} #{record['id']} changed on {record['history_date']:%Y-%m-%d %H:%M}"
            + (f" by {record['history_user__username']}" if record["history_user__username"] else "")
            for record in later[:5]
        )
        raise RollbackRefused(
            f"{len(later)} {what}(s) imported by this batch were changed afterwards ({examples}). "
            "Nothing was rolled back; revert those changes first or edit the values by hand."
        )


def _restore(instance, historical, user) -> None:
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in {"created_at", "updated_at"}:
            continue
        setattr(instance, field.attname, getattr(historical, field.attname))
    if hasattr(instance, "version"):
        instance.version += 1
    if hasattr(instance, "updated_by"):
        instance.updated_by = user
    instance.save()


# ---- single edits, with optimistic locking (core/locking.py) -------------------------------------


@transaction.atomic
def record_save(*, instance, user, expected_version: int | None = None, reason: str = "") -> None:
    """Save a curator's edit of an instrument or value: version check, validation, history. An edit
    that changes nothing (an empty PATCH, a form saved as it was) writes nothing: no new version,
    no history, the same ETag."""
    if instance.pk and expected_version is not None:
        check_version(model=type(instance), pk=instance.pk, expected_version=expected_version)
    check_may_change_publication(instance=instance, user=user)
    instance.full_clean()
    if instance.pk and _same_as_stored(instance):
        return
    if instance.pk:
        instance.version = (expected_version or instance.version) + 1
    else:
        instance.created_by = user
    instance.updated_by = user
    record_history(instance, user=user, reason=reason)
    instance.save()


# Written by every save; what a save changes is told by the other columns.
BOOKKEEPING_FIELDS = {"version", "updated_at", "updated_by"}


def _same_as_stored(instance) -> bool:
    """Whether `instance` (cleaned, so its values have their columns' types) equals its stored row."""
    names = [
        model_field.attname
        for model_field in instance._meta.concrete_fields
        if model_field.name not in BOOKKEEPING_FIELDS
    ]
    stored = type(instance).objects.filter(pk=instance.pk).values(*names).first()
    return stored is not None and all(stored[name] == getattr(instance, name) for name in names)


# ---- bulk curator actions ------------------------------------------------------------------------


def _locked(values):
    """`values` as they are now, locked until the transaction ends, in id order. Two bulk writers
    then queue, and the second raises the version the first wrote instead of both writing the same."""
    return ThresholdValue.objects.select_for_update().filter(pk__in=values.values("pk")).order_by("id")


@transaction.atomic
def thresholds_set_status(*, values, status: str, user) -> int:
    """Publish or withdraw many values at once, with a history record for each."""
    _check_may_publish(user)
    now = timezone.now()
    changed = list(_locked(values).exclude(status=status))
    for value in changed:
        value.set_status(status, by=user)
        value.version, value.updated_at = value.version + 1, now
    bulk_update_with_history(changed, ThresholdValue, ["status", "updated_by", "version", "updated_at"])
    return len(changed)


@transaction.atomic
def thresholds_mark_verified(*, values, user) -> int:
    """Record that a curator checked these values against the official text. Needs the permission to
    publish: the public reads "verified" as the portal's word (see PUBLICATION_FIELDS)."""
    _check_may_publish(user, what="Marking values verified")
    now = timezone.now()
    changed = list(_locked(values).exclude(verification=ThresholdValue.Verification.VERIFIED))
    for value in changed:
        value.mark_verified(by=user, at=now)
        value.version, value.updated_at = value.version + 1, now
    bulk_update_with_history(
        changed, ThresholdValue, ["verification", "verified_by", "verified_at", "updated_by", "version", "updated_at"]
    )
    return len(changed)


# ---- instruments' metadata (seed) ------------------------------------------------------------------


@transaction.atomic
def instruments_load(*, entries: list[dict], user=None) -> int:
    """Create or complete instruments from metadata entries; links `supersedes` by title."""
    countries = dict(Country.objects.values_list("iso3", "id"))
    by_title: dict[str, LegalInstrument] = {}
    created = 0
    for entry in entries:
        instrument, was_created = LegalInstrument.objects.get_or_create(
            country_id=countries[entry["country"]],
            jurisdiction=entry.get("jurisdiction", ""),
            title=entry["title"],
            defaults={"created_by": user, "updated_by": user},
        )
        created += was_created
        if was_created:
            for name in LegalInstrument.DESCRIPTIVE_FIELDS:
                if entry.get(name) not in (None, ""):
                    setattr(instrument, name, entry[name])
            instrument.full_clean()
            record_history(instrument, user=user, reason="seed data")
            instrument.save()
        by_title[entry["title"]] = instrument
    for entry in entries:
        successor = by_title[entry["title"]]
        if entry.get("supersedes") and successor.supersedes_id is None:
            successor.supersedes = by_title[entry["supersedes"]]
            record_history(successor, user=user, reason="seed data")
            successor.save(update_fields=["supersedes"])
    return created


@transaction.atomic
def soil_corrections_load(*, path: Path) -> int:
    """Add the soil corrections of `path` (fixtures/seed/soil_corrections.yaml) that are missing, each
    checked (full_clean); curators' changes to existing ones are left as they are. Returns how many
    were added."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = document["source"]
    pollutants = {pollutant.name: pollutant for pollutant in Pollutant.objects.all()}
    created = 0
    for entry in document["corrections"]:
        instrument = LegalInstrument.objects.get(country__iso3=entry["country"], title=entry["instrument"])
        for name, (a, b, c, quote) in entry["constants"].items():
            kept = SoilCorrection.objects.filter(instrument=instrument, pollutant=pollutants[name], kind=entry["kind"])
            if kept.exists():
                continue
            correction = SoilCorrection(
                instrument=instrument,
                pollutant=pollutants[name],
                kind=entry["kind"],
                constant_a=Decimal(str(a)),
                constant_b=Decimal(str(b)),
                constant_c=Decimal(str(c)),
                standard_clay=Decimal(str(entry["standard_clay"])),
                standard_organic_matter=Decimal(str(entry["standard_organic_matter"])),
                lowest_clay=_decimal_or_none(entry.get("lowest_clay")),
                highest_clay=_decimal_or_none(entry.get("highest_clay")),
                lowest_organic_matter=_decimal_or_none(entry.get("lowest_organic_matter")),
                highest_organic_matter=_decimal_or_none(entry.get("highest_organic_matter")),
                source_title=source["title"],
                source_url=source["url"],
                source_page=source["page"],
                source_quote=quote,
            )
            correction.full_clean()
            correction.save()
            created += 1
    return created


def _decimal_or_none(number) -> Decimal | None:
    return None if number is None else Decimal(str(number))


@transaction.atomic
def label_classifications_load(*, path: Path) -> int:
    """Add the label classifications that are missing; curators' entries are left as they are."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    land_uses = {item.code: item for item in LandUseClass.objects.all()}
    tiers = {item.code: item for item in Tier.objects.all()}
    created = 0
    for kind, classes in (("land_use", land_uses), ("tier", tiers)):
        for entry in document.get(kind) or []:
            target = classes[entry["class"]]
            _, was_created = LabelClassification.objects.get_or_create(
                kind=kind,
                key=match_key(entry["label"]),
                defaults={
                    "label": entry["label"],
                    "land_use": target if kind == "land_use" else None,
                    "tier": target if kind == "tier" else None,
                    "approximate": bool(entry.get("approximate")),
                    "note": entry.get("note", ""),
                },
            )
            created += was_created
    return created


# ---- the matcher's accepted proposals ----------------------------------------------------------


def proposals_write(plan: ImportPlan, *, user, batch: ImportBatch | None = None) -> list[dict]:
    """Write the plan's accepted proposals, and the labels a curator classified by hand, into the
    curated tables, in the caller's transaction, so the next file that says the same is read from the
    tables: a label classification, a pollutant synonym, a unit alias or a new pollutant, each
    recording who, when and which import. The new pollutants' ids are put on the rows that name them.
    Returns what was written, for the import batch's record."""
    accepted = plan.decided
    if not accepted:
        return []
    now = timezone.now()
    where = batch.change_reason if batch else plan.file_name
    written = []
    for use in accepted:
        reading = use.reading
        note = f"accepted in {where}: {'changed by the curator' if use.changed else reading.reason}"[:300]
        added = {"added_by": user, "added_at": now}
        if reading.kind in ("land_use", "tier"):
            _, created = LabelClassification.objects.get_or_create(
                kind=reading.kind,
                key=match_key(reading.text),
                defaults={
                    "label": reading.text[:300],
                    f"{reading.kind}_id": use.target_id,
                    "approximate": reading.approximate and not use.changed,
                    "note": note,
                    "import_batch": batch,
                    **added,
                },
            )
        elif reading.kind == "unit":
            _, created = UnitAlias.objects.get_or_create(
                key=unit_key(reading.text),
                defaults={"alias": reading.text[:60], "unit_id": use.target_id, "added_note": note, **added},
            )
        elif use.target_code == "new":
            use.target_id, created = _pollutant_create(reading, note=note, added=added), True
            for row in plan.rows:
                if row.fields["new_pollutant"] == reading.key:
                    row.fields["pollutant_id"] = use.target_id
        else:
            _, created = PollutantSynonym.objects.get_or_create(
                key=match_key(reading.text),
                defaults={"name": reading.text[:200], "pollutant_id": use.target_id, "added_note": note, **added},
            )
        written.append(
            {
                "kind": reading.kind,
                "text": reading.text,
                "read_as": use.target,
                "code": use.target_code,
                "reason": reading.reason,
                "confidence": reading.confidence,
                "changed": use.changed,
                "rows": use.count,
                "added": created,
            }
        )
    return written


def _pollutant_create(reading, *, note: str, added: dict) -> int:
    """A pollutant proposed from a name and a valid CAS number; group "other" until a curator sets it."""
    name = reading.new_name[:120]
    slug = slugify(name)[:100] or f"cas-{reading.cas}"
    if Pollutant.objects.filter(slug=slug).exists():
        slug = f"{slug}-{reading.cas}"[:120]
    pollutant = Pollutant.objects.create(
        name=name,
        slug=slug,
        cas_rn=reading.cas,
        group=Pollutant.Group.OTHER,
        notes="Added from an import; set its group and flags.",
        added_note=note,
        **added,
    )
    for synonym in dict.fromkeys([name, reading.text]):
        PollutantSynonym.objects.get_or_create(
            key=match_key(synonym),
            defaults={"name": synonym[:200], "pollutant": pollutant, "added_note": note, **added},
        )
    return pollutant.pk


# ---- single values through the API ------------------------------------------------------------


def _single_row(record: dict, *, user, decisions: Decisions | None = None):
    """The one row a record plans to, with its accepted proposals written (the caller's transaction)."""
    plan = plan_record(record, decisions=decisions)
    if not plan.ok:
        raise ImportRejected(plan)
    [row] = plan.rows
    _check_may_accept_proposals(plan, user)
    proposals_write(plan, user=user)
    return plan, row


def _instrument_of(plan: ImportPlan, row, user, *, from_survey=None, reason: str = "created through the API"):
    planned = plan.instruments[row.instrument]
    if planned.existing_id:
        return LegalInstrument.objects.get(pk=planned.existing_id)
    instrument = planned.build(from_survey=from_survey)
    record_save(instance=instrument, user=user, reason=reason)
    return instrument


def _refuse(plan: ImportPlan, column: str, message: str):
    plan.problems.append(Problem(0, column, "", message))
    raise ImportRejected(plan)


@transaction.atomic
def threshold_create(
    *,
    record: dict,
    user,
    from_survey=None,
    reason: str = "created through the API",
    decisions: Decisions | None = None,
) -> ThresholdValue:
    """Create one value from the import template's columns, with the import's checks. `from_survey`
    is the survey response it comes from (provenance), for it and for an instrument it creates.
    `decisions` accepts the matcher's proposals (written to the curated tables with the value)."""
    plan, row = _single_row(record, user=user, decisions=decisions)
    if row.existing_id:
        _refuse(plan, "", f"this value already exists as #{row.existing_id}: update that one instead.")
    instrument = _instrument_of(plan, row, user, from_survey=from_survey, reason=reason)
    value = row_onto_value(ThresholdValue(instrument=instrument, from_survey=from_survey), row.fields, creating=True)
    record_save(instance=value, user=user, reason=reason)
    return value


@transaction.atomic
def threshold_update(
    *,
    value: ThresholdValue,
    changes: dict,
    user,
    expected_version: int,
    from_survey=None,
    reason: str = "updated through the API",
    decisions: Decisions | None = None,
) -> ThresholdValue:
    """Change some columns of one value; the rest stay as they are. Refused if the value moved on."""
    from thresholds.exports import export_rows

    check_version(model=ThresholdValue, pk=value.pk, expected_version=expected_version)
    [current] = export_rows(ThresholdValue.objects.filter(pk=value.pk))
    plan, row = _single_row({**dict(zip(SOURCES, current, strict=True)), **changes}, user=user, decisions=decisions)
    if row.existing_id not in (None, value.pk):
        _refuse(plan, "", f"value #{row.existing_id} already has this instrument, pollutant, labels and conditions.")
    value.refresh_from_db()
    if row.fields["status"] and row.fields["status"] != value.status:
        _check_may_publish(user)
    value.instrument = _instrument_of(plan, row, user, from_survey=from_survey, reason=reason)
    row_onto_value(value, row.fields, creating=False)
    value.from_survey = from_survey or value.from_survey
    record_save(instance=value, user=user, expected_version=expected_version, reason=reason)
    return value


@transaction.atomic
def threshold_withdraw(*, value: ThresholdValue, user, expected_version: int) -> ThresholdValue:
    _check_may_publish(user)
    value.withdraw(by=user)
    record_save(instance=value, user=user, expected_version=expected_version, reason="withdrawn through the API")
    return value


@transaction.atomic
def instrument_withdraw(*, instrument: LegalInstrument, user, expected_version: int | None = None) -> LegalInstrument:
    """Take an instrument out of the public database with all its values; both keep their history."""
    _check_may_publish(user)
    if expected_version is None:
        # The admin's action withdraws the instrument as it is now: lock it first, then read it, so that
        # an edit saved meanwhile is kept and its version raised, not written again.
        expected_version = (
            LegalInstrument.objects.select_for_update().values_list("version", flat=True).get(pk=instrument.pk)
        )
        instrument.refresh_from_db()
    instrument.withdraw(by=user)
    record_save(instance=instrument, user=user, expected_version=expected_version, reason="withdrawn with its values")
    thresholds_set_status(values=instrument.values.all(), status=ThresholdValue.Status.WITHDRAWN, user=user)
    return instrument


# What decides what the public reads: a value's status, an instrument's withdrawal, and a value's
# verification (the public reads "verified against the official text" as the portal's word). Changing
# any of them, on any path, needs the permission to publish.
PUBLICATION_FIELDS = {ThresholdValue: ("status", "verification"), LegalInstrument: ("withdrawn",)}


def _check_may_publish(user, what: str = "Publishing or withdrawing values") -> None:
    if not may_publish(user):
        raise PermissionDenied(
            f"{what} needs the permission to publish (Curators have it); nothing was saved. "
            "Leave it as it is, or ask a curator."
        )


def publication_changes(instance) -> dict[str, tuple]:
    """{field: (stored, given)} for the PUBLICATION_FIELDS on which `instance` differs from what is stored
    (from the field's default for a record not saved yet)."""
    names = PUBLICATION_FIELDS.get(type(instance), ())
    stored = None
    if names and instance.pk is not None:
        stored = type(instance).objects.filter(pk=instance.pk).values(*names).first()
    if stored is None:
        stored = {name: instance._meta.get_field(name).get_default() for name in names}
    return {name: (stored[name], getattr(instance, name)) for name in names if getattr(instance, name) != stored[name]}


def check_may_change_publication(*, instance, user) -> None:
    """The one rule every write path calls (record_save, hence the admin, its history revert, the API and
    the survey; the import per row; the bulk actions): changing what PUBLICATION_FIELDS name needs the
    permission to publish. Anything else an editor may change."""
    changes = publication_changes(instance)
    if changes:
        described = ", ".join(f"{name} from {before!s} to {after!s}" for name, (before, after) in changes.items())
        record = f"{instance._meta.verbose_name} #{instance.pk or 'new'}"
        _check_may_publish(user, what=f"Changing the {described} of {record}")


@transaction.atomic
def instrument_save(*, instrument: LegalInstrument, data: dict, user, expected_version: int | None = None):
    """Create or change an instrument from checked data: version check, model validation, history."""
    for name, item in data.items():
        setattr(instrument, name, item)
    record_save(instance=instrument, user=user, expected_version=expected_version, reason="saved through the API")
    return instrument
