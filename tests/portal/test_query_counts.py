"""Every list, detail and public page runs the same number of queries whatever the data size."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insop_portal.api import router
from reference.models import Country, LandUseClass, Pollutant, Tier, Unit
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.selectors import _list_lookups

PAGES = [
    "/",
    "/countries/",
    "/countries/DEU/",
    "/countries/DEU/?land_use=agricultural&sort=value",
    "/pollutants/",
    "/pollutants/cadmium/",
    "/instruments/{instrument}/",
    "/search/",
    "/search/?q=cadmium",
    "/search/?region=Europe&group=metal&page=2",
    "/sops/",
    "/kpis/",
    "/survey/results/",
]
API = [
    "/api/v1/thresholds/",
    "/api/v1/thresholds/?country=DEU&land_use=agricultural&include_any_land_use=true",
    "/api/v1/thresholds/?q=cadmium&page_size=1000",
    "/api/v1/thresholds/{value}/",
    "/api/v1/instruments/",
    "/api/v1/instruments/{instrument}/",
    "/api/v1/countries/",
    "/api/v1/countries/DEU/",
    "/api/v1/pollutants/",
    "/api/v1/pollutants/{pollutant}/",
    "/api/v1/units/",
    "/api/v1/land-uses/",
    "/api/v1/tiers/",
    "/api/v1/extraction-methods/",
    "/api/v1/sops/",
    "/api/v1/laboratories/",
    "/api/v1/stats/kpis/",
]
SIGNED_IN = ["/api/v1/survey-responses/", "/survey/dashboard/"]


def grow(factor: int) -> None:
    """`factor` new instruments, each with 300 values, in the seed's countries with values."""
    unit, land_uses, tiers = Unit.objects.get(code="mg/kg"), list(LandUseClass.objects.all()), list(Tier.objects.all())
    pollutants = list(Pollutant.objects.all()[:60])
    countries = list(Country.objects.filter(iso3__in=["DEU", "FRA", "KEN", "CHN"]))
    for number in range(factor):
        instrument = LegalInstrument.objects.create(
            country=countries[number % len(countries)], title=f"Growth instrument {number}", year=2000 + number
        )
        ThresholdValue.objects.bulk_create(
            ThresholdValue(
                instrument=instrument,
                pollutant=pollutants[i % len(pollutants)],
                value_text=str(i + 1),
                value=i + 1,
                value_mg_kg=i + 1,
                unit=unit,
                unit_label="mg/kg",
                land_use=land_uses[i % len(land_uses)],
                tier=tiers[i % len(tiers)],
                tier_label=f"tier {i}",
                conditions_key=str(i),
                status="published",
            )
            for i in range(300)
        )


def queries(client, urls: list[str]) -> dict[str, int]:
    """Queries per address, each read with nothing kept (the first visit after a change)."""
    names = {
        "instrument": LegalInstrument.objects.filter(values__status="published").order_by("id").first().pk,
        "value": ThresholdValue.objects.filter(status="published").order_by("id").first().pk,
        "pollutant": Pollutant.objects.get(slug="cadmium").pk,
    }
    counts = {}
    for url in urls:
        cache.clear()
        _list_lookups.cache_clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url.format(**names))
        assert response.status_code == 200, url
        counts[url] = len(captured)
    return counts


def test_every_api_list_and_detail_is_measured():
    prefixes = {prefix for prefix, _viewset, _basename in router.registry}
    measured = {url.split("/")[3] for url in API + SIGNED_IN if url.startswith("/api/v1/")}
    assert prefixes <= measured


@pytest.mark.parametrize("urls", [PAGES, API], ids=["public pages", "API"])
def test_queries_do_not_grow_with_the_data(client, db, urls):
    before = queries(client, urls)
    grow(4)  # 1,200 more values, four more instruments
    after = queries(client, urls)
    assert after == before


def test_signed_in_lists_do_not_grow_with_the_data(client, curator):
    client.force_login(curator)
    before = queries(client, SIGNED_IN)
    grow(4)
    assert queries(client, SIGNED_IN) == before


def test_the_change_stamps_read_the_end_of_an_index_not_every_value(db):
    """Every request of a list computes when its data last changed: each source is the newest matching
    row, never a MAX over a join with the values (250 ms a request at a million values)."""
    from core.conditional import last_changed
    from thresholds.selectors import DATA_CHANGES, PUBLIC_DATA_CHANGES

    for sources in (DATA_CHANGES, PUBLIC_DATA_CHANGES):
        with CaptureQueriesContext(connection) as queries:
            last_changed(sources)
        (query,) = queries.captured_queries
        assert " JOIN " not in query["sql"].upper()
