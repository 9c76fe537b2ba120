"""Optimistic locking: every versioned record carries a `version` that each save raises. A page or API
client sends back the version it saw (a form field, If-Match with the record's ETag); a save whose
version is stale is refused instead of overwriting a change its author never saw."""

import hashlib
import json
import re

from rest_framework import exceptions

from core.ids import ID_PATTERN


class ConcurrentEdit(Exception):
    """Someone else saved the record since it was opened; nothing was saved."""


def check_version(*, model, pk: int, expected_version: int) -> None:
    """Lock the row and refuse when it changed since the editor loaded it. Call inside a transaction."""
    current = (
        model.objects.select_for_update(of=("self",))
        .filter(pk=pk)
        .values("version", "updated_at", "updated_by__username")
        .first()
    )
    if current is None:
        raise ConcurrentEdit("This record was deleted by someone else while you were editing it.")
    if current["version"] != expected_version:
        who = f" by {current['updated_by__username']}" if current["updated_by__username"] else ""
        raise ConcurrentEdit(
            f"Someone else saved this record{who} at {current['updated_at']:%Y-%m-%d %H:%M:%S} UTC after you "
            "opened it. Your changes were not saved: reload the page to see theirs, then apply yours again."
        )


def record_etag(record, data=None) -> str:
    """The record's version, which every write raises, for If-Match; and a digest of its representation,
    so that If-None-Match also sees changes to what it embeds (its instrument, its pollutant's name)."""
    etag = f"{type(record).__name__.lower()}-{record.pk}-v{record.version}"
    if data is not None:
        etag += "." + hashlib.blake2b(json.dumps(data, sort_keys=True, default=str).encode(), digest_size=8).hexdigest()
    return f'"{etag}"'


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send the record's ETag in If-Match, so that you never overwrite a change you have not seen."
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_code = "precondition_failed"


# Numbers of at most 18 digits, as ids in addresses: a longer one is no record's, and is not converted.
ETAG_VERSION = re.compile(
    rf'^(?:W/)?"(?P<kind>[a-z]+)-(?P<pk>{ID_PATTERN})-v(?P<version>{ID_PATTERN})(?:\.[0-9a-f]+)?"$'
)


def expected_version(request, record) -> int:
    """The version the client last saw, from If-Match; 428 without it, 412 when it is stale or the
    ETag is another record's (of another kind with the same id too)."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    match = ETAG_VERSION.match(header.strip())
    if not match or match["kind"] != type(record).__name__.lower() or int(match["pk"]) != record.pk:
        raise PreconditionFailed(f"If-Match {header[:100]} is not an ETag of this record; GET it first.")
    if int(match["version"]) != record.version:
        raise PreconditionFailed(
            f"The record changed since your copy (now {record_etag(record)}): GET it again and reapply your change."
        )
    return int(match["version"])


def versioned_change(service, *, version: int, **arguments):
    """Call a write service with the version the client saw; a concurrent change is a 412."""
    try:
        return service(expected_version=version, **arguments)
    except ConcurrentEdit as exc:
        raise PreconditionFailed(str(exc)) from exc
