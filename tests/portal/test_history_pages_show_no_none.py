"""The admin's history of a record shows a dash, not "None", for a change recorded without a reason."""

import re

import pytest
from django.urls import reverse

from tests.factories import ThresholdValueFactory

pytestmark = pytest.mark.django_db


def _reasons(page: str) -> list[str]:
    """The "Change reason" cell of each row of the history table."""
    page = page.split('id="change-history"', 1)[1].split("</table>", 1)[0]
    header = re.findall(r"<th scope=\"col\">([^<]*)</th>", page)
    column = header.index("Change reason")
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>", 1)[1], flags=re.DOTALL)
    return [re.findall(r"<td>(.*?)</td>", row, flags=re.DOTALL)[column].strip() for row in rows]


def test_a_change_without_a_reason_shows_a_dash(client, admin):
    value = ThresholdValueFactory()  # saved without a reason
    value.history.update(history_change_reason=None)
    client.force_login(admin)
    page = client.get(reverse("admin:thresholds_thresholdvalue_history", args=[value.pk])).content.decode()
    assert _reasons(page) == ["–"]
