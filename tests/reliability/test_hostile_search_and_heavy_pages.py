"""An anonymous visitor cannot make search, comparison pages or downloads expensive: long searches are
refused before any query, matches are one IN per table, heavy pages are paginated, kept and limited."""

import random
import time
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from reference.models import LandUseClass, Pollutant, Tier, Unit
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.selectors import (
    MAX_SEARCH_WORDS,
    _instruments_matching,
    _pollutants_matching,
    thresholds_matching_text,
    thresholds_visible_to,
)

pytestmark = pytest.mark.django_db

DIFFERENT_WORDS = " ".join(f"w{number}" for number in range(2000))


@contextmanager
def rates(**changes):
    """Throttle rates for a test (DRF reads them once, into the throttle classes)."""
    from django.core.cache import cache

    from core.throttling import AnonymousExportThrottle, AnonymousPageThrottle, UserExportThrottle

    classes = (AnonymousPageThrottle, AnonymousExportThrottle, UserExportThrottle)
    originals = [throttle.THROTTLE_RATES for throttle in classes]
    cache.clear()
    for throttle in classes:
        throttle.THROTTLE_RATES = {**throttle.THROTTLE_RATES, **changes}
    try:
        yield
    finally:
        for throttle, original in zip(classes, originals, strict=True):
            throttle.THROTTLE_RATES = original
        cache.clear()


def test_a_search_of_2000_different_words_is_refused_in_under_a_second(client):
    for address in ("/search/", "/api/v1/thresholds/"):
        client.get(address, {"q": "cadmium"})  # the process's first page loads its templates
        started = time.perf_counter()
        response = client.get(address, {"q": DIFFERENT_WORDS})
        elapsed = time.perf_counter() - started
        assert response.status_code == 400, address
        assert elapsed < 1, f"{address} took {elapsed:.2f} s"
    assert "at most 10 words" in response.json()["errors"]["q"][0]


def test_the_search_page_says_why_it_refused_and_runs_no_value_query(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": DIFFERENT_WORDS})
    assert response.status_code == 400
    assert "at most 10 different words" in response.content.decode()
    assert not [query for query in queries if "thresholds_thresholdvalue" in query["sql"]]


def test_the_same_word_repeated_2000_times_is_one_word(client):
    started = time.perf_counter()
    client.get("/search/", {"q": "cadmium"})  # the process's first page loads its templates
    started = time.perf_counter()
    page = client.get("/search/", {"q": " ".join(["Cadmium"] * 2000)})
    api = client.get("/api/v1/thresholds/", {"q": " ".join(["cadmium"] * 2000)})
    assert time.perf_counter() - started < 2
    assert page.status_code == 200 and api.status_code == 200
    assert api.json()["results"] and {row["pollutant"]["name"] for row in api.json()["results"]} == {"Cadmium"}


def test_a_single_letter_matches_whole_words_only():
    instrument = LegalInstrument.objects.first()
    instrument.title = "Decree on soil quality, annex B"
    instrument.save()
    matching_b = set(thresholds_matching_text(thresholds_visible_to(None), "b").values_list("instrument_id", flat=True))
    matching_e = set(thresholds_matching_text(thresholds_visible_to(None), "e").values_list("instrument_id", flat=True))
    assert instrument.pk in matching_b and instrument.pk not in matching_e


def test_ten_different_words_are_accepted_and_eleven_refused(client):
    words = [f"x{number}" for number in range(MAX_SEARCH_WORDS + 1)]
    assert client.get("/api/v1/thresholds/", {"q": " ".join(words[:-1])}).status_code == 200
    assert client.get("/api/v1/thresholds/", {"q": " ".join(words)}).status_code == 400
    assert client.get("/search/", {"q": "a" * 301}).status_code == 400


def test_matches_are_one_in_list_per_table_whatever_the_number_of_words():
    words = "cadmium Cadmium CADMIUM cadmio kadmium cd 7440-43-9 cadmio cadmium cadmium"
    sql = str(thresholds_matching_text(ThresholdValue.objects.all(), words).query)
    assert sql.count('"pollutant_id" IN') <= 1 and sql.count('"instrument_id" IN') <= 1


def _naive(values, text):
    """The definition: every word matched by the value's pollutant or its instrument."""
    for word in text.split():
        values = values.filter(
            Q(pollutant_id__in=_pollutants_matching(word)) | Q(instrument_id__in=_instruments_matching(word))
        )
    return values


def test_the_one_filter_finds_exactly_what_matching_every_word_means():
    random.seed(7)
    titles = [word for title in LegalInstrument.objects.values_list("title", flat=True) for word in title.split()]
    names = list(Pollutant.objects.values_list("name", flat=True))
    vocabulary = [word for word in titles + names if word.isalpha() and len(word) > 3]
    searches = ["cadmium", "cadmium Bundes", "lead soil", "arsenic Decreto", "zinc copper"]
    searches += [" ".join(random.sample(vocabulary, random.randint(1, 3))) for _ in range(25)]
    everything = thresholds_visible_to(None)
    for text in searches:
        found = set(thresholds_matching_text(everything, text).values_list("id", flat=True))
        assert found == set(_naive(everything, text).values_list("id", flat=True)), text
    assert any(set(thresholds_matching_text(everything, text).values_list("id", flat=True)) for text in searches)


def test_a_slow_statement_of_an_anonymous_request_is_stopped_with_a_503(client, settings):
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's; SQLite development servers have no such limit")
    from indicators import views

    settings.STATEMENT_TIMEOUT_ANONYMOUS = 0.2
    original = views.countries_on_the_map

    def slow(user, **options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return original(user, **options)

    views.countries_on_the_map = slow
    try:
        # A savepoint, so that the test's transaction outlives the cancelled statement (and the limit,
        # set inside it, goes with its rollback).
        with transaction.atomic():
            started = time.perf_counter()
            response = client.get("/")
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
    finally:
        views.countries_on_the_map = original
    assert response.status_code == 503 and elapsed < 1.5
    assert "took longer than the portal allows" in response.content.decode()


def _many_values(count: int) -> Pollutant:
    pollutant = Pollutant.objects.get(slug="cadmium")
    instrument = LegalInstrument.objects.create(country_id=LegalInstrument.objects.first().country_id, title="Many")
    unit, land_use, tier = Unit.objects.get(code="mg/kg"), LandUseClass.objects.first(), Tier.objects.first()
    ThresholdValue.objects.bulk_create(
        ThresholdValue(
            instrument=instrument,
            pollutant=pollutant,
            land_use=land_use,
            tier=tier,
            unit=unit,
            value_text=str(number + 1),
            value=number + 1,
            value_mg_kg=number + 1,
            conditions_key=f"many-{number}",
            condition_text=f"many {number}",
            status=ThresholdValue.Status.PUBLISHED,
        )
        for number in range(count)
    )
    return pollutant


def test_the_comparison_page_shows_a_hundred_rows_a_page_and_charts_them_all(client):
    pollutant = _many_values(250)
    total = thresholds_visible_to(None).current().filter(pollutant=pollutant).count()
    pages = -(-total // 100)
    first = client.get(f"/pollutants/{pollutant.slug}/")
    last = client.get(f"/pollutants/{pollutant.slug}/", {"page": pages})
    assert first.status_code == last.status_code == 200
    assert len(first.context["values"]) == 100 and len(last.context["values"]) == total - 100 * (pages - 1)
    shown = {
        value.pk
        for page in range(1, pages + 1)
        for value in client.get(f"/pollutants/{pollutant.slug}/", {"page": page}).context["values"]
    }
    assert len(shown) == total  # every value on exactly one page
    assert len(first.context["chart"]["marks"]) == total and first.context["summary"]["count"] == total
    assert f"Page 1 of {pages}" in first.content.decode()


def test_the_comparison_chart_is_drawn_once_per_data_change(client):
    pollutant = _many_values(50)
    client.get(f"/pollutants/{pollutant.slug}/")
    with CaptureQueriesContext(connection) as again:
        client.get(f"/pollutants/{pollutant.slug}/", {"page": 1, "sort": "value"})
    with CaptureQueriesContext(connection) as other_filter:
        client.get(f"/pollutants/{pollutant.slug}/", {"tier": Tier.objects.first().code})
    assert len(again) < len(other_filter)


def test_anonymous_search_and_comparison_pages_are_limited_with_retry_after(client, curator):
    with rates(pages="3/min"):
        statuses = [client.get("/search/", {"q": "cadmium"}).status_code for _ in range(3)]
        limited = client.get("/pollutants/cadmium/")
        client.force_login(curator)
        signed_in = [client.get("/search/", {"q": "lead"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Too many requests" in limited.content.decode()
    assert signed_in == [200] * 5


def test_downloads_have_their_own_strict_limit_per_client(client):
    with rates(exports_anon="2/hour"):
        downloads = [client.get("/api/v1/thresholds/", {"format": "csv", "country": "DEU"}) for _ in range(3)]
        listing = client.get("/api/v1/thresholds/", {"country": "DEU"})
    assert [response.status_code for response in downloads] == [200, 200, 429]
    assert downloads[2]["Content-Type"].startswith("application/json") and downloads[2].json()["code"] == "throttled"
    assert listing.status_code == 200


def test_an_xlsx_of_more_values_than_its_limit_points_to_the_csv(client, settings):
    settings.EXPORT_XLSX_MAX_ROWS = 30
    refused = client.get("/api/v1/thresholds/", {"format": "xlsx", "country": "DEU"})
    allowed = client.get("/api/v1/thresholds/", {"format": "xlsx", "country": "DEU", "pollutant": "cadmium"})
    page = client.get("/countries/DEU/").content.decode()
    assert refused.status_code == 400 and "format=csv" in refused.json()["errors"]["format"][0]
    assert allowed.status_code == 200 and b"".join(allowed.streaming_content).startswith(b"PK")
    assert "format=xlsx" not in page and "too many values for one workbook" in page


def test_junk_parameters_do_not_fill_the_page_cache(client):
    from django.core.cache import cache

    client.get("/api/v1/thresholds/", {"country": "DEU"})
    kept = len(cache._cache)
    for number in range(20):
        client.get("/api/v1/thresholds/", {"country": "DEU", f"junk{number}": "x"})
    assert len(cache._cache) == kept
