"""Each value on a public page shows where it comes from and whether it was checked; a country page
says how many of its values were checked, marks sub-national instruments, and shows the EU's values
on its member states' pages as EU-wide (the EU's own counts stay its own)."""

import re

import pytest

from reference.models import Country
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.services import thresholds_mark_verified

pytestmark = pytest.mark.django_db


def rows_of(body: str) -> list[str]:
    start = body.index('<table class="values">')
    table = body[start : body.index("</table>", start)]
    return re.findall(r"<tr>.*?</tr>", table.split("<tbody>")[1], flags=re.S)


def test_every_value_links_to_its_source_and_says_whether_it_was_verified(client, curator):
    cadmium = ThresholdValue.objects.public().current().filter(instrument__country__iso3="DEU").first()
    thresholds_mark_verified(values=ThresholdValue.objects.filter(pk=cadmium.pk), user=curator)
    cadmium.refresh_from_db()

    response = client.get("/countries/DEU/")
    body = response.content.decode()
    rows = rows_of(body)
    assert rows and len(rows) == len(response.context["values"])
    for value, row in zip(response.context["values"], rows, strict=True):
        source = value.source_url or value.instrument.url
        assert f'href="{source}" rel="external"' in row
        assert ("verified " in row) if value.verification == "verified" else (">unverified<" in row)
        if value.source_quote:
            assert "<details" in row and "<summary>quote</summary>" in row
    # Verified shows the date it was checked, in words, not only a colour.
    verified_row = rows[[value.pk for value in response.context["values"]].index(cadmium.pk)]
    assert f"verified {cadmium.verified_at:%Y-%m-%d}" in verified_row


def test_a_country_page_says_how_many_of_the_values_it_shows_are_verified(client, curator):
    shown = ThresholdValue.objects.public().current().filter(instrument__country__iso3__in=["DEU", "EUU"])
    checked = list(shown.filter(pollutant__name__in=["Cadmium", "Lead"]).values_list("pk", flat=True))
    thresholds_mark_verified(values=ThresholdValue.objects.filter(pk__in=checked), user=curator)

    body = client.get("/countries/DEU/").content.decode()
    verified = shown.filter(verification="verified").count()
    assert verified == len(checked) > 0
    assert f"{verified} of {shown.count()} values verified against the official text." in body

    # The sentence counts what the filters leave: lead only.
    lead = shown.filter(pollutant__name="Lead")
    body = client.get("/countries/DEU/", {"pollutant": "Lead"}).content.decode()
    assert f"{lead.filter(verification='verified').count()} of {lead.count()} values verified" in body
    # With superseded and repealed instruments switched on, their values count too.
    everything = ThresholdValue.objects.public().filter(instrument__country__iso3__in=["NLD", "EUU"])
    body = client.get("/countries/NLD/", {"include_superseded": "true"}).content.decode()
    verified = everything.filter(verification="verified").count()  # the EU's cadmium and lead values
    assert f"{verified} of {everything.count()} values verified" in body and verified > 0


def test_instruments_link_to_their_legal_text_and_faolex_record(client):
    instrument = LegalInstrument.objects.filter(country__iso3="DEU").first()
    LegalInstrument.objects.filter(pk=instrument.pk).update(
        url="https://www.gesetze-im-internet.de/bbodschv_2023/", faolex_id="LEX-FAOC205874"
    )
    faolex = 'href="https://www.fao.org/faolex/results/details/en/c/LEX-FAOC205874/"'

    country_page = client.get("/countries/DEU/").content.decode()
    assert 'href="https://www.gesetze-im-internet.de/bbodschv_2023/" rel="external">legal text</a>' in country_page
    assert faolex in country_page
    instrument_page = client.get(f"/instruments/{instrument.pk}/").content.decode()
    assert "https://www.gesetze-im-internet.de/bbodschv_2023/" in instrument_page and faolex in instrument_page
    # Without a link, the page says so rather than leaving the reader to wonder.
    other = LegalInstrument.objects.filter(country__iso3="DEU", url="").first()
    assert "not linked yet" in client.get(f"/instruments/{other.pk}/").content.decode()


def test_sub_national_instruments_are_marked_on_country_pages_and_in_comparisons(client):
    sao_paulo = LegalInstrument.objects.filter(country__iso3="BRA", jurisdiction="São Paulo").first()
    assert sao_paulo is not None
    brazil = client.get("/countries/BRA/").content.decode()
    instruments = brazil[brazil.index('id="instruments-heading"') : brazil.index('id="values-heading"')]
    assert "sub-national: São Paulo" in instruments
    values = rows_of(brazil)
    assert values and all("sub-national: " in row for row in values)  # Brazil's seed values are all state ones

    comparison = client.get("/pollutants/cadmium/").content.decode()
    brazilian = [row for row in rows_of(comparison) if "/countries/BRA/" in row]
    german = [row for row in rows_of(comparison) if "/countries/DEU/" in row]
    assert brazilian and all("sub-national: " in row for row in brazilian)
    assert german and not any("sub-national" in row for row in german)


def test_a_member_states_page_shows_the_eus_values_marked_eu_wide(client):
    eu_values = ThresholdValue.objects.public().current().filter(instrument__country__iso3="EUU")
    assert eu_values.exists()

    response = client.get("/countries/FRA/")
    body = response.content.decode()
    shown = response.context["values"]
    assert {value.pk for value in shown} == set(eu_values.values_list("pk", flat=True))  # France has none of its own
    for row in rows_of(body):
        assert ">EU-wide</span>" in row and "/instruments/" in row
    instruments = body[body.index('id="instruments-heading"') : body.index('id="values-heading"')]
    assert "EU-wide instruments that apply here" in instruments
    assert all(f"/instruments/{pk}/" in instruments for pk in eu_values.values_list("instrument", flat=True))
    # The download is exactly what the page shows: France's values and the EU's.
    assert "country=FRA%2CEUU" in response.context["downloads"]["csv"]

    # The EU-wide values follow the page's filters and the in-force default like the others.
    assert not client.get("/countries/FRA/", {"pollutant": "Arsenic"}).context["values"]
    # A country outside the EU shows none; the API keeps a country's own values apart.
    assert not [
        value for value in client.get("/countries/CHN/").context["values"] if value.instrument.country.iso3 == "EUU"
    ]
    assert client.get("/api/v1/thresholds/", {"country": "FRA"}).json()["results"] == []


def test_the_eus_values_count_as_its_own_once_and_apart_for_its_members(client):
    from thresholds.selectors import countries_with_coverage

    countries = {country.iso3: country for country in countries_with_coverage(None)}
    eu_values = ThresholdValue.objects.public().current().filter(instrument__country__iso3="EUU").count()
    members = Country.objects.get(iso3="EUU").members.count()
    assert members == 27
    assert countries["EUU"].coverage["values"] == eu_values
    assert countries["FRA"].coverage["values"] == 0 and countries["FRA"].coverage["supranational_values"] == eu_values
    germany = countries["DEU"].coverage
    assert germany["supranational_values"] == eu_values
    assert (
        germany["values"] == ThresholdValue.objects.public().current().filter(instrument__country__iso3="DEU").count()
    )
    assert countries["CHN"].coverage["supranational_values"] == 0
    api = client.get("/api/v1/countries/FRA/").json()["coverage"]
    assert (api["values"], api["supranational_values"]) == (0, eu_values)
