"""A section's save is one service call (surveys.services.response_section_save): version check, rows
of this response only, all or nothing. The pages only parse the form and call it."""

import pytest
from django.core.exceptions import PermissionDenied

from reference.models import Country
from surveys.models import ResponseValue
from surveys.services import response_section_save, response_start

pytestmark = pytest.mark.django_db


def test_a_row_of_another_response_is_refused_and_nothing_is_saved(edition, german_focal_point, french_focal_point):
    german = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    french = response_start(edition=edition, country=Country.objects.get(iso3="FRA"), user=french_focal_point)
    foreign = ResponseValue.objects.filter(instrument__response=german).first()
    foreign.value = "999"
    french.comments = "saved with a foreign row"
    with pytest.raises(PermissionDenied):
        response_section_save(
            response=french, user=french_focal_point, expected_version=french.version, section="c", rows=[foreign]
        )
    french.refresh_from_db()
    assert french.comments == "" and ResponseValue.objects.get(pk=foreign.pk).value != "999"


def test_changed_and_deleted_rows_are_saved_with_who_and_why(edition, german_focal_point):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    changed, deleted = ResponseValue.objects.filter(instrument__response=response).select_related("instrument")[:2]
    changed.notes = "checked"
    response_section_save(
        response=response,
        user=german_focal_point,
        expected_version=response.version,
        section="c",
        rows=[changed],
        deleted=[deleted],
    )
    latest = changed.history.first()
    assert (latest.notes, latest.history_user, latest.history_change_reason) == (
        "checked",
        german_focal_point,
        "section c",
    )
    assert not ResponseValue.objects.filter(pk=deleted.pk).exists()
    response.refresh_from_db()
    assert response.version == 2
