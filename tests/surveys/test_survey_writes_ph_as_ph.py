"""The survey's values (section C, the admin's response value form) say "pH", never "PH", which is what
the pages make of a label that starts with "pH"."""

import re

import pytest
from django.urls import reverse

from reference.models import Country
from surveys.models import ResponseValue
from surveys.services import response_start

pytestmark = pytest.mark.django_db


def test_section_c_and_the_admin_write_ph_as_ph(client, edition, german_focal_point, admin):
    response = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    client.force_login(german_focal_point)
    page = client.get(f"/survey/responses/{response.pk}/c/").content.decode()
    value = ResponseValue.objects.filter(instrument__response=response).first()
    client.force_login(admin)
    form = client.get(reverse("admin:surveys_responsevalue_change", args=[value.pk])).content.decode()
    for shown in (page, form):
        assert re.search(r"\bPH\b", shown) is None
        assert re.search(r"\bpH\b", shown)
