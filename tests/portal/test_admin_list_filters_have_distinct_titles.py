"""On every changelist of the admin, each list filter has its own title: two "By status" (a value's
and its instrument's) leave a curator guessing which one they are filtering by."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_no_changelist_has_two_filters_with_the_same_title(client, admin):
    from django.contrib.admin import site

    client.force_login(admin)
    clashes = {}
    for model, model_admin in site._registry.items():
        if not model_admin.get_list_filter(None):
            continue
        opts = model._meta
        page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert page.status_code == 200, opts.label
        titles = [str(spec.title) for spec in page.context["cl"].filter_specs]
        repeated = sorted({title for title in titles if titles.count(title) > 1})
        if repeated:
            clashes[opts.label] = repeated
    assert clashes == {}


def test_the_value_list_tells_the_values_status_from_its_instruments(client, admin):
    client.force_login(admin)
    page = client.get(reverse("admin:thresholds_thresholdvalue_changelist")).content.decode()
    assert "By value status" in page and "By instrument status" in page
