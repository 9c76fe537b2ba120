"""The interface in the six UN languages, every catalog complete, country names from CLDR, the code
lists translated, and the compiled catalogs the same as the sources translators edit."""

import re
from pathlib import Path

import polib
import pytest
import yaml
from django.conf import settings
from django.utils import translation

from reference import names
from reference.localisation import collation_key, country_name
from reference.models import Country

LOCALE = Path(settings.BASE_DIR) / "locale"
COMPLETE = ["fr", "es", "ar", "zh_Hans", "ru"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _catalog(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def _plural_count(catalog) -> int:
    return int(re.search(r"nplurals=(\d+)", catalog.metadata["Plural-Forms"]).group(1))


@pytest.mark.parametrize("language", COMPLETE)
def test_every_catalog_translates_every_message_with_every_plural_form(language):
    catalog = _catalog(language)
    assert not catalog.untranslated_entries(), [entry.msgid for entry in catalog.untranslated_entries()]
    assert not catalog.fuzzy_entries(), [entry.msgid for entry in catalog.fuzzy_entries()]
    forms = _plural_count(catalog)
    for entry in catalog.translated_entries():
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(forms)), entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid


@pytest.mark.parametrize("language", ["fr", "es", "ar", "zh_Hans", "ru"])
def test_translations_keep_the_placeholders_of_the_english(language):
    for entry in _catalog(language).translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        expected = set(PLACEHOLDER.findall(entry.msgid))
        for text in translations:
            assert set(PLACEHOLDER.findall(text)) == expected, (language, entry.msgid, text)


@pytest.mark.parametrize("language", ["fr", "es", "ar", "zh_Hans", "ru"])
def test_the_compiled_catalog_is_the_source_catalog(language):
    """A .po edited without `make messages` would not reach visitors: the .mo must say the same."""
    source = {(entry.msgid, entry.msgctxt): entry for entry in _catalog(language).translated_entries()}
    compiled = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled_entries = {(entry.msgid, entry.msgctxt): entry for entry in compiled if entry.msgid}
    assert set(compiled_entries) == set(source)
    for key, entry in compiled_entries.items():
        assert (entry.msgstr, entry.msgstr_plural) == (source[key].msgstr, source[key].msgstr_plural), key


@pytest.mark.django_db
def test_every_code_list_and_region_name_is_in_the_catalogs():
    classes = yaml.safe_load((Path(settings.BASE_DIR) / "fixtures" / "reference" / "classes.yaml").read_text())
    fixture_names = {entry["name"] for entries in classes.values() for entry in entries}
    regions = set(Country.objects.exclude(m49_region="").values_list("m49_region", flat=True))
    subregions = set(Country.objects.exclude(m49_subregion="").values_list("m49_subregion", flat=True))
    assert fixture_names | regions | subregions <= names.ALL
    french = {entry.msgid for entry in _catalog("fr").translated_entries()}
    assert french >= names.ALL


def test_country_names_come_from_cldr_and_english_keeps_the_curated_name():
    assert country_name("DE", "Germany", "fr") == "Allemagne"
    assert country_name("KR", "Korea, Republic of", "es") == "Corea del Sur"
    assert country_name("EU", "European Union", "ar") == "الاتحاد الأوروبي"
    assert country_name("DE", "Germany", "zh-hans") == "德国"
    assert country_name("KR", "South Korea", "en") == "South Korea"
    # Nothing in CLDR for the code: the curated name, never an empty cell.
    assert country_name("QQ", "Somewhere", "fr") == "Somewhere"
    assert collation_key("Équateur") < collation_key("Espagne") < collation_key("États-Unis")


@pytest.mark.django_db
def test_a_french_visitor_reads_the_country_page_in_french(client):
    body = client.get("/countries/DEU/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Allemagne</h1>" in body
    assert "Tout usage du sol" in body and "Valeur de précaution ou de dépistage" in body
    assert "sols sableux" in body and "Europe de l&#x27;Ouest" in body
    # The source's own words stay as the source wrote them, beside the harmonised class.
    assert "Vorsorgewerte" in body or "Vorsorgewert" in body


@pytest.mark.django_db
def test_the_country_list_is_sorted_and_searched_in_the_visitors_language(client):
    response = client.get("/countries/", HTTP_ACCEPT_LANGUAGE="es")
    europe = next(countries for region, countries, _ in response.context["regions"] if region == "Europe")
    with translation.override("es"):
        shown = [country.local_name for country in europe]
    assert shown == sorted(shown, key=collation_key) and "Alemania" in shown
    assert '<h2 id="region-' in response.content.decode() and "África" in response.content.decode()

    search = client.get("/search/", {"q": "Allemagne"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert [country.iso3 for country in search.context["countries"]] == ["DEU"]
    assert not client.get("/search/", {"q": "Allemagne"}).context["countries"]


@pytest.mark.django_db
def test_arabic_pages_are_right_to_left_with_arabic_country_names(client):
    body = client.get("/countries/DEU/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in body and "ألمانيا" in body


# Pages a visitor and a focal point read, each entirely in their language (apart from sources' words).
PAGES_TO_READ = [
    "/",
    "/countries/DEU/",
    "/pollutants/cadmium/?land_use=agricultural",
    "/kpis/",
    "/survey/results/",
    "/check/?pollutant=cadmium&value=0.45&unit=mg/kg&land_use=agricultural",
    "/check/?pollutant=lead&value=400&unit=mg/kg&clay=5&organic_matter=2&country=NLD",
    "/countries/NLD/",
    "/analysis/",
    "/benchmark/",
]


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", COMPLETE)
def test_the_pages_read_entirely_in_the_visitors_language(client, edition, german_focal_point, language):
    """No interface sentence is left in English: every catalog entry long enough to be a sentence, and
    translated differently, is absent from the page's text (sources' own words are not entries). The
    survey's pages too, as a focal point reads them."""
    from html import unescape

    from surveys.services import response_start

    english = {
        entry.msgid
        for entry in _catalog(language).translated_entries()
        if not entry.msgid_plural
        and len(entry.msgid) >= 20
        and " " in entry.msgid
        and entry.msgstr != entry.msgid
        and not PLACEHOLDER.search(entry.msgid)
        and "%" not in entry.msgid
        and "<" not in entry.msgid
        # The citation names the portal as settings.PORTAL_NAME spells it, in every language.
        and entry.msgid != settings.PORTAL_NAME
    }
    code = language.lower().replace("_", "-")
    survey = response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)
    survey_pages = [f"/survey/responses/{survey.pk}/{section}" for section in ("", "a/", "b/", "c/", "d/", "e/")]
    for path in [*PAGES_TO_READ, *survey_pages]:
        if path.startswith("/survey/responses/"):
            client.force_login(german_focal_point)
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=code)
        assert response.status_code == 200, path
        text = unescape(_visible_text(response.content.decode()))
        left = sorted(sentence for sentence in english if sentence in text)
        assert not left, (language, path, left[:5])
        with translation.override(code):
            assert translation.gettext(settings.PORTAL_NAME) in text  # the header names the portal in the language
