"""The threshold API as an analyst uses it: filters, cursor pages, CSV, and what anonymous clients see."""

import csv
import io

import pytest
from django.db.models import Q

from thresholds.models import ThresholdValue

pytestmark = pytest.mark.django_db
URL = "/api/v1/thresholds/"


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_a_threshold_carries_the_documented_fields(client):
    value = ThresholdValue.objects.get(
        instrument__short_name="GB 15618-2018", pollutant__name="Cadmium", condition_text__startswith="5.5<pH<=6.5"
    )
    row = client.get(f"{URL}{value.id}/").json()
    assert row["country"] == "CHN" and row["country_name"] == "China"
    assert row["pollutant"] == {"id": value.pollutant_id, "name": "Cadmium", "cas": "7440-43-9", "group": "metal"}
    assert row["value"] == value.value_text and row["unit"] == "mg/kg"
    assert row["land_use"] == "agricultural" and row["tier"] == "precautionary"
    assert row["tier_label"] == "risk screening"
    assert row["conditions"]["ph_min"] == 5.5 and row["conditions"]["ph_max"] == 6.5
    assert row["conditions"]["note"].startswith("5.5<pH<=6.5")
    assert row["instrument"]["title"].startswith("GB 15618-2018") and row["instrument"]["year"] == 2018
    assert row["url"].endswith(f"/api/v1/thresholds/{value.id}/")
    assert set(row) >= {"id", "qualifier", "value_mg_kg", "basis", "source_url", "status", "verification", "updated_at"}


def test_anonymous_clients_see_published_values_only(client, curator):
    draft = ThresholdValue.objects.filter(instrument__country__iso3="ITA").first()
    ThresholdValue.objects.filter(pk=draft.pk).update(status="draft")
    assert client.get(f"{URL}{draft.id}/").status_code == 404
    assert draft.id not in ids(client.get(URL, {"country": "ITA", "page_size": 1000}))
    client.force_login(curator)
    assert client.get(f"{URL}{draft.id}/").status_code == 200


DEU, ITA = Q(instrument__country__iso3="DEU"), Q(instrument__country__iso3="ITA")
CADMIUM = Q(pollutant__slug="cadmium")
ANY_LAND_USE = Q(land_use__code="any")
MAY_FIND_NOTHING = [{"country": "GBR", "texture": "sand"}]  # British values give no soil texture


# What each filter keeps, said again in the ORM over the public values, so the figures follow the seed.
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "DEU"}, DEU),
        ({"country": "DEU,ITA"}, DEU | ITA),
        ({"country": ["DEU", "ita"]}, DEU | ITA),
        ({"region": "Asia"}, Q(instrument__country__m49_region="Asia")),
        ({"country": "DEU", "group": "metal"}, DEU & Q(pollutant__group="metal")),
        # A German synonym and a CAS number find the pollutant.
        ({"pollutant": "Kadmium", "country": "DEU"}, DEU & CADMIUM),
        ({"pollutant": "7440-43-9", "country": "ITA"}, ITA & CADMIUM),
        # GB 15618 band 5.5<pH<=6.5, and the GB 36600 values that depend on no pH.
        (
            {"country": "CHN", "pollutant": "Cd", "ph": "6"},
            Q(instrument__country__iso3="CHN")
            & CADMIUM
            & (Q(ph_min__isnull=True) | Q(ph_min__lte=6))
            & (Q(ph_max__isnull=True) | Q(ph_max__gte=6)),
        ),
        ({"country": "KOR", "land_use": "industrial"}, Q(instrument__country__iso3="KOR", land_use__code="industrial")),
        ({"country": "NLD", "tier": "intervention"}, Q(instrument__country__iso3="NLD", tier__code="intervention")),
        # A texture keeps the values that apply whatever the texture, unless asked for specific ones.
        ({"country": "GBR", "texture": "sand"}, Q(instrument__country__iso3="GBR", texture__in=["sand", ""])),
        ({"country": "DEU", "texture": "sand"}, DEU & Q(texture__in=["sand", ""])),
        ({"country": "DEU", "texture": "sand", "specific_texture": "true"}, DEU & Q(texture="sand")),
        # In force (or draft) only, or superseded and repealed only.
        (
            {"country": "BRA", "current": "true"},
            Q(instrument__country__iso3="BRA", instrument__status__in=["in_force", "draft"]),
        ),
        (
            {"country": "BRA", "current": "false"},
            Q(instrument__country__iso3="BRA", instrument__status__in=["superseded", "repealed"]),
        ),
        (
            {"instrument_status": "superseded", "country": "BRA"},
            Q(instrument__country__iso3="BRA", instrument__status="superseded"),
        ),
        ({"country": "CAN", "value_mg_kg_min": "100"}, Q(instrument__country__iso3="CAN", value_mg_kg__gte=100)),
        ({"country": "CAN", "value_mg_kg_max": "1"}, Q(instrument__country__iso3="CAN", value_mg_kg__lte=1)),
        ({"year_min": "2019", "year_max": "2021"}, Q(instrument__year__range=(2019, 2021))),
        ({"q": "GB 36600"}, Q(instrument__short_name__startswith="GB 36600")),
        ({"q": "Kadmium", "country": "DEU"}, DEU & CADMIUM),
        # aldrin, dieldrin, endrin, chlordane, DDT, alpha-, beta- and gamma-HCH; not DDD, DDE, alachlor, atrazine.
        ({"pop": "true", "country": "ITA"}, ITA & Q(pollutant__is_pop=True)),
        ({"pop": "1", "country": "ITA"}, ITA & Q(pollutant__is_pop=True)),
        ({"pop": "false", "country": "ITA"}, ITA & Q(pollutant__is_pop=False)),
        # Cadmium set for agricultural land, and with include_any_land_use also set for any land use.
        ({"pollutant": "cadmium", "land_use": "agricultural"}, CADMIUM & Q(land_use__code="agricultural")),
        (
            {"pollutant": "cadmium", "land_use": "agricultural", "include_any_land_use": "true"},
            CADMIUM & (Q(land_use__code="agricultural") | ANY_LAND_USE),
        ),
        # Without a land use to widen, include_any_land_use changes nothing.
        ({"pollutant": "cadmium", "include_any_land_use": "true"}, CADMIUM),
    ],
)
def test_filters(client, params, expected):
    wanted = ThresholdValue.objects.public().filter(expected)
    # A filter that finds nothing proves little: only the one case that asks for an empty answer may have one.
    assert wanted.exists() or params in MAY_FIND_NOTHING, f"the seed has no value for {params}"
    response = client.get(URL, {**params, "page_size": 1000})
    assert response.status_code == 200, response.content
    assert sorted(ids(response)) == sorted(wanted.values_list("id", flat=True))


@pytest.mark.parametrize(
    "params",
    [
        {"country": "XXX"},
        {"land_use": "farm"},
        {"ph": "15"},
        {"ph": "acid"},
        {"region": "Atlantis"},
        {"updated_since": "yesterday"},
        {"updated_since": "0001-01-01T05:00:00+10:00"},
        {"instrument": "abc"},
        {"ordering": "colour"},
        {"cursor": "not-a-cursor"},
        {"page_size": "0"},
        {"page_size": "ten"},
        {"country": "DEU\x00"},
        {"tier": "%Ä"},
        {"land_use": "%s%d"},
        {"pop": "maybe"},
        {"include_any_land_use": "sometimes"},
    ],
)
def test_bad_filter_values_are_a_400_with_a_message(client, params):
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["code"]) == (400, "invalid")
    [(name, [message])] = body["errors"].items()
    assert name == next(iter(params)) and message in body["detail"]


def test_cursor_pages_walk_the_whole_result_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    seen = []
    url = f"{URL}?page_size=100"
    client.get(url)  # the first list reads the codes and SOPs it shows, once per data change
    while url:
        with django_assert_max_num_queries(2):  # when the data last changed; the page
            response = client.get(url)
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == ThresholdValue.objects.filter(status="published").count()
    assert "count" not in body


def test_page_size_is_capped(client, monkeypatch):
    from core.pagination import StableCursorPagination

    # A cap below the seed's public values, so that the cap is what stops the page.
    cap = ThresholdValue.objects.public().count() // 2
    monkeypatch.setattr(StableCursorPagination, "max_page_size", cap)
    assert len(client.get(URL, {"page_size": 5000}).json()["results"]) == cap


def test_incremental_sync_with_updated_since(client):
    latest = ThresholdValue.objects.order_by("-updated_at").first()
    response = client.get(URL, {"updated_since": latest.updated_at.isoformat(), "page_size": 1000})
    assert latest.id in ids(response)


def test_updated_since_accepts_any_offset_python_reads(client):
    # PostgreSQL refuses offsets beyond 16 hours; the filter hands it UTC.
    response = client.get(URL, {"updated_since": "0467-12-29T05:27:09.0+22:16", "page_size": 5})
    assert response.status_code == 200 and len(ids(response)) == 5


def test_csv_exports_the_whole_filtered_result(client):
    response = client.get(URL, {"country": "JPN", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert lines[0][-2:] == ["value_mg_kg", "unit_basis"] and lines[0][0] == "country"
    assert len(lines) - 1 == 12
    by_accept = client.get(URL, {"country": "JPN"}, HTTP_ACCEPT="text/csv")
    assert by_accept["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("debug", [False, True])
def test_a_csv_export_that_matches_nothing_is_its_header_alone(client, settings, debug):
    """A pollutant without values makes a query Django knows is empty: a header, not a broken download
    (and with DEBUG on, as on a developer's machine, the same)."""
    from reference.models import Pollutant

    settings.DEBUG = debug
    unused = Pollutant.objects.exclude(threshold_values__isnull=False).first()
    for params in ({"pollutant": unused.name}, {"country": "JPN"}):
        response = client.get(URL, {**params, "format": "csv"})
        assert response.status_code == 200
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        assert lines[0].startswith("country,") and (len(lines) == 1) == ("pollutant" in params)


def test_instruments_list_with_value_counts(client):
    body = client.get("/api/v1/instruments/", {"page_size": 100}).json()
    chinese = [row for row in body["results"] if row["short_name"] == "GB 36600-2018"]
    assert chinese[0]["value_count"] == 28 and chinese[0]["country"] == "CHN"
    superseded = client.get("/api/v1/instruments/", {"status": "superseded", "page_size": 100}).json()["results"]
    assert {row["year"] for row in superseded} >= {1999, 2001}


def test_openapi_schema_and_offline_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/thresholds/" in text and "value_mg_kg_min" in text and "updated_since" in text
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
    assert client.get("/api/redoc/").status_code == 200


def test_every_error_has_one_shape(client):
    missing = client.get(f"{URL}999999999/").json()
    assert missing == {"status": 404, "code": "not_found", "detail": missing["detail"], "errors": {}}
    assert client.post(URL, {}).json()["status"] in (401, 403)


def test_details_have_an_etag_and_answer_304_when_unchanged(client, curator):
    from thresholds.services import record_save

    value = ThresholdValue.objects.filter(instrument__country__iso3="AUS").first()
    first = client.get(f"{URL}{value.id}/")
    assert first["ETag"].startswith(f'"thresholdvalue-{value.id}-v1.') and first["Last-Modified"]
    assert first["Cache-Control"] == "public, max-age=60"
    assert client.get(f"{URL}{value.id}/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    value.notes = "checked"
    record_save(instance=value, user=curator, expected_version=value.version)
    changed = client.get(f"{URL}{value.id}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_lists_have_an_etag_too(client):
    first = client.get(URL, {"country": "DNK"})
    assert first["ETag"]
    assert client.get(URL, {"country": "DNK"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_values_etag_changes_when_its_instrument_changes_but_if_match_still_holds(client, curator):
    from thresholds.services import record_save

    value = ThresholdValue.objects.filter(instrument__country__iso3="DNK").first()
    first = client.get(f"{URL}{value.id}/")
    instrument = value.instrument
    instrument.title += " (consolidated)"
    record_save(instance=instrument, user=curator, expected_version=instrument.version)

    changed = client.get(f"{URL}{value.id}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    # The value itself did not change, so a write based on the first read is not stale.
    client.force_login(curator)
    response = client.patch(
        f"{URL}{value.id}/", {"notes": "checked"}, content_type="application/json", HTTP_IF_MATCH=first["ETag"]
    )
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    "url",
    [
        URL,
        f"{URL}?country=DEU",
        "/api/v1/instruments/",
        "/api/v1/countries/",
        "/api/v1/countries/DEU/",
        "/api/v1/pollutants/",
        "/api/v1/units/",
        "/api/v1/land-uses/",
        "/api/v1/tiers/",
        "/api/v1/extraction-methods/",
    ],
)
def test_lists_and_details_say_when_they_last_changed(client, url):
    first = client.get(url)
    assert first.status_code == 200 and first["Last-Modified"].endswith(" GMT")
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_last_modified_moves_on_when_a_value_is_changed_or_deleted(client, curator):
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone
    from django.utils.http import parse_http_date

    from thresholds.services import record_save

    first = client.get(URL)
    later = timezone.now() + timedelta(days=1)
    value = ThresholdValue.objects.filter(status="published").first()
    with mock.patch("django.utils.timezone.now", return_value=later):
        value.notes = "checked"
        record_save(instance=value, user=curator, expected_version=value.version)
    changed = client.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert changed.status_code == 200
    assert parse_http_date(changed["Last-Modified"]) == int(later.timestamp())

    with mock.patch("django.utils.timezone.now", return_value=later + timedelta(days=1)):
        ThresholdValue.objects.get(pk=value.pk).delete()  # a curator's deletion, recorded in the history
    deleted = client.get(URL, HTTP_IF_MODIFIED_SINCE=changed["Last-Modified"])
    assert deleted.status_code == 200 and value.id not in ids(deleted)


def test_countries_report_their_coverage_per_pollutant_group(client, django_assert_max_num_queries):
    from django.db.models import Count

    from reference.models import Country, Pollutant
    from tests.factories import ThresholdValueFactory

    country = Country.objects.filter(instruments__isnull=True).order_by("iso3").first()
    decree = ThresholdValueFactory(instrument__country=country).instrument  # cadmium, a metal
    ThresholdValueFactory(instrument=decree, pollutant=Pollutant.objects.get(name="Lead"))
    ThresholdValueFactory(instrument=decree, pollutant=Pollutant.objects.filter(group="pah").first())
    ThresholdValueFactory(instrument__country=country, pollutant=Pollutant.objects.filter(group="pcb").first())
    ThresholdValueFactory(instrument__country=country, status="draft")  # neither it nor its instrument count
    # The page, its count, the coverage (3 when not cached: the values twice, the memberships) and when
    # the data last changed (2).
    with django_assert_max_num_queries(7):
        body = client.get("/api/v1/countries/", {"limit": 300}).json()
    by_code = {row["iso3"]: row["coverage"] for row in body["results"]}
    assert by_code[country.iso3] == {
        "instruments": 2,
        "values": 4,
        "values_by_group": {"metal": 2, "pah": 1, "pcb": 1},
        "national_values": 4,
        "supranational_values": 0,
    }
    assert client.get(f"/api/v1/countries/{country.iso3}/").json()["coverage"] == by_code[country.iso3]
    # Every country's figures are its public values and their instruments; a country with none shows zeros.
    public = ThresholdValue.objects.public().values("instrument__country__iso3")
    counted = public.annotate(values=Count("id"), instruments=Count("instrument", distinct=True)).order_by()
    expected = {row["instrument__country__iso3"]: (row["instruments"], row["values"]) for row in counted}
    shown = {iso3: (coverage["instruments"], coverage["values"]) for iso3, coverage in by_code.items()}
    assert {iso3: figures for iso3, figures in shown.items() if figures != (0, 0)} == expected
    assert by_code[Country.objects.filter(instruments__isnull=True).order_by("-iso3").first().iso3] == {
        "instruments": 0,
        "values": 0,
        "values_by_group": {},
        "national_values": 0,
        "supranational_values": 0,
    }


def test_coverage_is_counted_once_until_the_data_changes(client, curator, django_assert_num_queries):
    from thresholds.services import thresholds_set_status

    before = client.get("/api/v1/countries/DNK/").json()["coverage"]
    # The country, and when the data last changed (for Last-Modified and for the cached coverage).
    with django_assert_num_queries(3):
        assert client.get("/api/v1/countries/DNK/").json()["coverage"] == before

    value = ThresholdValue.objects.filter(instrument__country__iso3="DNK", status="published").first()
    thresholds_set_status(values=ThresholdValue.objects.filter(pk=value.pk), status="withdrawn", user=curator)
    after = client.get("/api/v1/countries/DNK/").json()["coverage"]
    assert after["values"] == before["values"] - 1
    group = value.pollutant.group
    assert after["values_by_group"].get(group, 0) == before["values_by_group"][group] - 1


def test_throttling_answers_429_with_retry_after(client, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    cache.clear()
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/min"}
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = rates
    try:
        statuses = [client.get("/api/v1/tiers/").status_code for _ in range(4)]
        limited = client.get("/api/v1/tiers/")
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert limited.json()["code"] == "throttled"


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text(encoding="utf-8")
    assert "ErrorSchema" not in schema and "Error:" in schema
    assert "'429':" in schema


def test_unknown_api_addresses_and_ids_answer_404_in_the_error_shape(client):
    for path in ["/api/v1/nothing-here/", f"{URL}1.5e-3/", f"{URL}abc/", "/api/v1/land-uses/Þø/"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found", path


def test_csv_errors_are_json_and_csv_is_only_for_lists(client):
    error = client.get(URL, {"format": "csv", "country": "XXX"})
    assert error.status_code == 400 and error["Content-Type"] == "application/json"
    value = ThresholdValue.objects.first()
    assert client.get(f"{URL}{value.id}/", {"format": "csv"}).status_code == 404


def test_cursor_pages_stay_stable_while_values_are_added(client, curator):
    from tests.thresholds.helpers import csv_bytes, row
    from thresholds.services import threshold_import

    first = client.get(URL, {"page_size": 200}).json()
    threshold_import(file_name="new.csv", content=csv_bytes([row(status="published")]), user=curator)
    second = client.get(first["next"]).json()
    rest = []
    url = second["next"]
    while url:
        page = client.get(url).json()
        rest += [r["id"] for r in page["results"]]
        url = page["next"]
    walked = [r["id"] for r in first["results"]] + [r["id"] for r in second["results"]] + rest
    assert len(walked) == len(set(walked)) == 628
    assert walked == sorted(walked)


def _number(text: str):
    return float(text) if text else None


def _as_exported(item) -> str:
    return "" if item is None else str(item)


# Each export column, from the JSON row; the columns the JSON does not carry come from the database.
FROM_JSON = {
    "country": lambda r: r["country"],
    "jurisdiction": lambda r: r["jurisdiction"],
    "instrument": lambda r: r["instrument"]["title"],
    "instrument_year": lambda r: _as_exported(r["instrument"]["year"]),
    "instrument_status": lambda r: r["instrument"]["status"],
    "instrument_url": lambda r: r["instrument"]["url"],
    "cas": lambda r: r["pollutant"]["cas"],
    "land_use": lambda r: r["land_use"],
    "land_use_label": lambda r: r["land_use_label"],
    "tier": lambda r: r["tier"],
    "tier_label": lambda r: r["tier_label"],
    "value": lambda r: r["value"],
    "qualifier": lambda r: r["qualifier"],
    "unit": lambda r: r["unit"],
    "unit_basis": lambda r: r["unit_basis"],
    "texture": lambda r: r["conditions"]["texture"],
    "crop": lambda r: r["conditions"]["crop"],
    "depth": lambda r: r["conditions"]["depth"],
    "extraction": lambda r: _as_exported(r["conditions"]["extraction"]),
    "condition": lambda r: r["conditions"]["note"],
    "basis": lambda r: r["basis"],
    "status": lambda r: r["status"],
    "source_url": lambda r: r["source_url"],
}
NUMBERS_FROM_JSON = {
    **{name: (lambda r, name=name: r["conditions"][name]) for name in ("ph_min", "ph_max", "clay_min", "clay_max")},
    **{name: (lambda r, name=name: r["conditions"][name]) for name in ("toc_min", "toc_max", "cec_min", "cec_max")},
    "value_mg_kg": lambda r: r["value_mg_kg"],
}
FROM_DATABASE = {"pollutant": "pollutant_label", "value_year": "value_year", "source_page": "source_page"}
FROM_DATABASE |= {"source_quote": "source_quote", "notes": "notes"}


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_exports_read_by_pandas_equal_the_json_cell_by_cell(client, export):
    import pandas as pd

    from core.spreadsheets import unneutralise

    params = {"country": "DEU,JPN,CHN,BRA"}
    response = client.get(URL, {**params, "format": export})
    content = io.BytesIO(b"".join(response.streaming_content))
    if export == "csv":
        table = pd.read_csv(content, dtype=str, keep_default_na=False)
    else:
        table = pd.read_excel(content, sheet_name="thresholds", dtype=str, keep_default_na=False)
    rows = client.get(URL, {**params, "page_size": 1000}).json()["results"]
    records = ThresholdValue.objects.in_bulk([r["id"] for r in rows])
    assert len(table) == len(rows) > 200
    assert set(table.columns) == set(FROM_JSON) | set(NUMBERS_FROM_JSON) | set(FROM_DATABASE)

    for position, (cells, row) in enumerate(zip(table.to_dict("records"), rows, strict=True)):
        # A text a spreadsheet would run as a formula ("=" as a qualifier) is exported with an apostrophe.
        cells = {name: unneutralise(text) for name, text in cells.items()}
        expected = {name: read(row) for name, read in FROM_JSON.items()}
        expected |= {name: _as_exported(getattr(records[row["id"]], field)) for name, field in FROM_DATABASE.items()}
        assert {name: cells[name] for name in expected} == expected, f"row {position + 2}"
        numbers = {name: _number(cells[name]) for name in NUMBERS_FROM_JSON}
        assert numbers == {name: read(row) for name, read in NUMBERS_FROM_JSON.items()}, f"row {position + 2}"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (URL, {"instrument": "1000000000000000.0"}),
        (URL, {"instrument": "99999999999999999999"}),
        (URL, {"value_mg_kg_max": "-1.3588106439538095e+258"}),
        (URL, {"value_mg_kg_min": "1e400"}),
        (URL, {"year_min": "99999999999999999999999"}),
        (URL, {"year_max": "2000.5"}),
        ("/api/v1/pollutants/", {"offset": "99999999999999999999999"}),
        ("/api/v1/countries/", {"offset": "-1"}),
    ],
)
def test_absurd_numbers_are_a_400_not_a_crash(client, path, params):
    response = client.get(path, params)
    assert response.status_code == 400 and response.json()["errors"]


def test_xlsx_exports_the_whole_filtered_result_with_citation_and_licence(client):
    import pandas as pd

    response = client.get(URL, {"country": "BRA", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content)
    table = pd.read_excel(io.BytesIO(content), sheet_name="thresholds", dtype=str, keep_default_na=False)
    assert len(table) == 170 and set(table["country"]) == {"BRA"}
    readme = dict(pd.read_excel(io.BytesIO(content), sheet_name="read me", header=None).values.tolist())
    assert "INSOP" in readme["citation"] and "CC BY-NC-SA 3.0 IGO" in readme["licence"]
    assert readme["filters"] == "country=BRA&format=xlsx"
    assert 'rel="license"' in response["Link"] and "INSOP" in response["X-Citation"]


def test_an_xlsx_export_re_imports_unchanged_through_the_api_columns(client, curator):
    from thresholds.services import threshold_import

    response = client.get(URL, {"country": "ITA", "format": "xlsx"})
    result = threshold_import(file_name="api.xlsx", content=b"".join(response.streaming_content), user=curator)
    assert result.plan.summary()["unchanged"] == 57 and result.batch is None


def test_q_tolerates_typos_on_postgresql_and_is_a_plain_lookup_elsewhere(client):
    from django.db import connection

    typo = client.get(URL, {"q": "cadmum", "country": "DEU"}).json()["results"]
    assert len(typo) == (3 if connection.vendor == "postgresql" else 0)
    words = client.get(URL, {"q": "Bodenschutz cadmium"}).json()["results"]
    assert {row["country"] for row in words} == {"DEU"} and len(words) == 3
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%trgm' OR indexname LIKE '%%fts'")
            assert {name for (name,) in cursor.fetchall()} >= {
                "reference_synonym_name_trgm",
                "thresholds_instrument_title_trgm",
                "thresholds_instrument_title_fts",
            }


def test_the_api_csv_holds_the_same_values_as_the_python_writer(client, curator):
    """On PostgreSQL the API's CSV is written by COPY; it must say exactly what the Python writer says."""
    from core.spreadsheets import csv_stream
    from tests.thresholds.helpers import csv_bytes, row
    from thresholds.exports import export_rows_with_mg_kg
    from thresholds.services import threshold_import

    threshold_import(
        file_name="tricky.csv",
        content=csv_bytes([row(status="published", notes='=HYPERLINK("x")', condition='-2 m, "quoted"\nline')]),
        user=curator,
    )
    values = ThresholdValue.objects.filter(status="published")

    def parsed(text):
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))

    api = parsed(b"".join(client.get(URL, {"format": "csv"}).streaming_content).decode("utf-8"))
    python = parsed("".join(csv_stream(*export_rows_with_mg_kg(values))))
    assert api == python
    notes = api[0].index("notes")
    assert any(r[notes] == '\'=HYPERLINK("x")' for r in api[1:])


def test_an_impossible_pollutant_id_or_unknown_name_is_a_400_not_an_empty_list(client):
    response = client.get(URL, {"pollutant": "9" * 30})
    assert response.status_code == 400 and "No pollutant has the id" in response.json()["errors"]["pollutant"][0]
    # A typo is refused with the names it may mean, never an empty 200.
    response = client.get(URL, {"pollutant": "cadmum"})
    assert response.status_code == 400
    assert "Did you mean: Cadmium" in response.json()["errors"]["pollutant"][0]
    response = client.get(URL, {"pollutant": "qqqqqqqqqq"})
    assert response.status_code == 400 and "No pollutant is called" in response.json()["errors"]["pollutant"][0]


def test_the_schemas_examples_are_real_responses(client):
    from reference import api_examples as reference_examples
    from reference.models import Pollutant
    from thresholds import api_examples
    from thresholds.models import LegalInstrument

    value = ThresholdValue.objects.get(
        instrument__short_name="GB 15618-2018", pollutant__name="Cadmium", condition_text__startswith="5.5<pH<=6.5"
    )
    instrument = LegalInstrument.objects.get(title=api_examples.GB_15618["title"])
    examples = [
        (api_examples.THRESHOLD, f"{URL}{value.id}/"),
        (api_examples.INSTRUMENT, f"/api/v1/instruments/{instrument.id}/"),
        (api_examples.COUNTRY, "/api/v1/countries/CHN/"),
        (reference_examples.POLLUTANT, f"/api/v1/pollutants/{Pollutant.objects.get(cas_rn='7440-43-9').id}/"),
        (reference_examples.UNIT, "/api/v1/units/µg/kg/"),
        (reference_examples.TIER, "/api/v1/tiers/precautionary/"),
    ]
    # Ids and addresses depend on the database, timestamps on when the seed was loaded.
    varying = {"id", "url", "api_url", "updated_at"}

    def stable(data):
        if isinstance(data, dict):
            return {key: stable(item) for key, item in data.items() if key not in varying}
        return data

    for example, url in examples:
        assert stable(client.get(url).json()) == stable(example.value), example.summary


def test_the_schema_shows_examples_of_responses_requests_and_errors(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    detail = paths["/api/v1/thresholds/{id}/"]
    assert detail["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    assert detail["patch"]["requestBody"]["content"]["application/json"]["examples"]
    missing = detail["get"]["responses"]["404"]["content"]["application/json"]["example"]
    assert missing["status"] == 404 and missing["code"] == "not_found"
    stale = detail["patch"]["responses"]["412"]["content"]["application/json"]["example"]
    assert stale["code"] == "precondition_failed"
    page = paths["/api/v1/thresholds/"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    [listed] = page.values()
    assert listed["value"]["next"].startswith("http://127.0.0.1:8000/api/v1/thresholds/?")


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/api/v1/pollutants/", {"is_pop": "true"}, 26),
        ("/api/v1/pollutants/", {"is_pop": "1"}, 26),
        ("/api/v1/pollutants/", {"is_pop": "maybe"}, 400),
        ("/api/v1/countries/", {"un_member": "perhaps"}, 400),
    ],
)
def test_true_false_parameters_of_every_list_refuse_other_words(client, path, params, expected):
    """A filter that quietly ignored "maybe" would hand back the whole list as if it were filtered."""
    response = client.get(path, {**params, "limit": 1000})
    if expected == 400:
        assert response.status_code == 400
        [(name, [message])] = response.json()["errors"].items()
        assert name == next(iter(params)) and message == f"{params[name]} is not true or false."
    else:
        assert len(response.json()["results"]) == expected


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/thresholds/", {"countyr": "DEU"}),
        ("/api/v1/instruments/", {"contry": "BRA"}),
        ("/api/v1/pollutants/", {"x": "1"}),
    ],
)
def test_an_unknown_parameter_is_a_400_naming_the_known_ones(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 400
    message = response.json()["errors"]["parameters"][0]
    assert repr(next(iter(params))) in message and "format" in message


def test_instruments_filter_by_country(client):
    response = client.get("/api/v1/instruments/", {"country": "BRA"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results and {item["country"] for item in results} == {"BRA"}
    assert client.get("/api/v1/instruments/", {"country": "XXX"}).status_code == 400


def test_an_xlsx_read_me_follows_the_readers_locale_while_its_data_stay_machine_readable(client):
    import pandas as pd
    from django.utils import timezone, translation
    from django.utils.formats import date_format

    response = client.get(URL, {"country": "DEU", "format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="fr")
    content = b"".join(response.streaming_content)
    notes = pd.read_excel(io.BytesIO(content), sheet_name="read me", header=None, dtype=str).values.tolist()
    with translation.override("fr"):
        month = date_format(timezone.localtime(), "F")  # the month's French name
        label = translation.gettext("exported at")
    exported = dict(notes)[label]
    assert month in exported
    table = pd.read_excel(io.BytesIO(content), sheet_name="thresholds", dtype=str, keep_default_na=False)
    assert "0.4" in set(table["value_mg_kg"]) and not any("," in number for number in table["value_mg_kg"])
