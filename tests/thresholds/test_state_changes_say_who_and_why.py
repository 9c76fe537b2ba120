"""Small state changes are model methods (value.publish, withdraw, mark_verified; instrument.withdraw)
that say who and why in one way (core.history.record_history); the services save them after the one
publication check, so a method cannot help anyone publish without the permission."""

import pathlib
import re

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import ThresholdValueFactory
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.services import record_save, thresholds_mark_verified, thresholds_set_status

pytestmark = pytest.mark.django_db

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


def _draft():
    return ThresholdValueFactory(status=ThresholdValue.Status.DRAFT)


def test_publish_then_withdraw_through_the_service_names_the_curator_and_the_reason(curator):
    value = _draft()
    value.publish(by=curator, reason="checked in the gazette")
    record_save(instance=value, user=curator, expected_version=value.version)
    latest = value.history.first()
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        "published",
        curator,
        "checked in the gazette",
    )
    assert thresholds_set_status(values=ThresholdValue.objects.filter(pk=value.pk), status="withdrawn", user=curator)
    latest = value.history.first()
    assert (latest.status, latest.history_user, latest.history_change_reason) == ("withdrawn", curator, "set withdrawn")


def test_mark_verified_records_who_and_when(curator):
    value = _draft()
    assert thresholds_mark_verified(values=ThresholdValue.objects.filter(pk=value.pk), user=curator) == 1
    value.refresh_from_db()
    assert value.verification == ThresholdValue.Verification.VERIFIED and value.verified_by == curator
    latest = value.history.first()
    assert (latest.history_user, latest.history_change_reason) == (curator, "verified against the official text")


def test_a_method_does_not_get_an_editor_past_the_publication_check(editor):
    value = _draft()
    value.publish(by=editor)
    with pytest.raises(PermissionDenied, match="permission to publish"):
        record_save(instance=value, user=editor, expected_version=value.version)
    instrument = LegalInstrument.objects.first()
    instrument.withdraw(by=editor)
    with pytest.raises(PermissionDenied, match="permission to publish"):
        record_save(instance=instrument, user=editor, expected_version=instrument.version)
    assert ThresholdValue.objects.get(pk=value.pk).status == ThresholdValue.Status.DRAFT
    assert not LegalInstrument.objects.get(pk=instrument.pk).withdrawn


def test_nothing_but_core_history_sets_simple_historys_private_attributes():
    """One way to say who and why: `record_history`. (Migrations keep their own frozen code.)"""
    private = re.compile(r"\._(history_user|change_reason)\s*=")
    offenders = [
        str(path.relative_to(REPOSITORY))
        for folder in ("core", "reference", "sops", "thresholds", "surveys", "indicators", "insop_portal", "tests")
        for path in (REPOSITORY / folder).rglob("*.py")
        if "migrations" not in path.parts and private.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == ["core/history.py"]
