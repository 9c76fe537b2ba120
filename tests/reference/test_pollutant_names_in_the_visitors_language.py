"""Pages name a pollutant in the visitor's language: its first synonym in that language (the fixture
lists that name first under fr, es, ar, zh and ru), the English name where the language has none of
its own. A source's own words (the label as written) are shown as they are."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from reference.models import Pollutant, PollutantSynonym
from reference.text import match_key
from thresholds.models import LegalInstrument, ThresholdValue

pytestmark = pytest.mark.django_db

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "reference" / "pollutants.yaml"
# The synonyms' ISO 639-1 code -> the interface's language code.
LANGUAGES = {"fr": "fr", "es": "es", "ar": "ar", "zh": "zh-hans", "ru": "ru"}

# No source we could check gives these names (Arabic pesticide names beyond the Stockholm
# Convention's first twelve, sums the sources do not name); the page shows the English name.
NOT_CONFIRMED = {
    "ar": {
        "Chromium (III)",
        "Chromium (VI)",
        "Methylmercury",
        "Benzo(a)pyrene",
        "Sum of 7 PCBs (PCB6 and PCB 118)",
        "alpha-HCH",
        "beta-HCH",
        "Lindane",
        "Endosulfan",
        "Pentachlorophenol",
        "DDD",
        "DDE",
        "Sum of DDT, DDD and DDE",
        "DDT (total)",
        "Chlorpyrifos",
        "Alachlor",
        "Carbofuran",
        "Atrazine",
        "2,4-D",
        "MCPA",
        "Organophosphorus pesticides",
    },
    "es": {"Sum of 7 PCBs (PCB6 and PCB 118)"},
    "zh": {"Sum of 7 PCBs (PCB6 and PCB 118)"},
    "ru": {"Sum of 7 PCBs (PCB6 and PCB 118)", "DDT (total)", "MCPA"},
}
# A spelling means one pollutant and is stored once, under the first language that lists it, with
# accents ignored: Spanish "Flúor" is stored as the French "Fluor", so Spanish pages show the first
# Spanish name stored. (For the same reason "Sélénium" shows as "Selenium": compared by match_key.)
SHOWN_INSTEAD = {("Fluorine", "es"): "Fluoruro"}


def _seed_pollutants() -> list[Pollutant]:
    return list(Pollutant.objects.filter(id__in=ThresholdValue.objects.values("pollutant_id")).order_by("name"))


def _first_names() -> dict[str, dict[str, str]]:
    doc = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    return {
        entry["name"]: {language: str(names[0]) for language, names in (entry.get("synonyms") or {}).items()}
        for entry in doc["pollutants"]
    }


def test_every_seed_pollutant_is_named_in_each_un_language_as_the_fixture_lists_it_first():
    first_names, problems = _first_names(), []
    pollutants = _seed_pollutants()
    assert len(pollutants) > 40
    for synonym_language, language in LANGUAGES.items():
        with translation.override(language):
            for pollutant in pollutants:
                listed = first_names[pollutant.name].get(synonym_language)
                if pollutant.name in NOT_CONFIRMED.get(synonym_language, ()):
                    if listed or pollutant.local_name != pollutant.name:
                        problems.append(f"{synonym_language} {pollutant.name}: named now, leave the exception list")
                    continue
                expected = SHOWN_INSTEAD.get((pollutant.name, synonym_language), listed)
                if not expected:
                    problems.append(f"{synonym_language} {pollutant.name}: no name listed in the fixture")
                elif match_key(pollutant.local_name) != match_key(expected):
                    problems.append(
                        f"{synonym_language} {pollutant.name}: shows {pollutant.local_name!r}, not {expected!r}"
                    )
    assert problems == []


@pytest.mark.parametrize(
    "language, name", [("zh-hans", "镉"), ("ru", "Кадмий"), ("ar", "الكادميوم"), ("fr", "Cadmium"), ("es", "Cadmio")]
)
def test_a_visitor_reads_cadmium_in_their_language(client, language, name):
    pollutant_page = client.get("/pollutants/cadmium/", HTTP_ACCEPT_LANGUAGE=language)
    html = pollutant_page.content.decode()
    assert f"<h1>{name}</h1>" in html and f"<title>{name} ·" in html
    country_page = client.get("/countries/DEU/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f">{name}</a>" in country_page


def test_the_english_pages_say_cadmium(client):
    html = client.get("/pollutants/cadmium/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Cadmium</h1>" in html and "镉" not in html
    assert ">Cadmium</a>" in client.get("/countries/DEU/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_source_label_is_shown_as_written_beside_the_name(client):
    value = ThresholdValue.objects.public().filter(pollutant__slug="cadmium").exclude(pollutant_label="").first()
    html = client.get(f"/countries/{value.instrument.country.iso3}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert ">Кадмий</a>" in html and value.pollutant_label in html


def test_a_synonym_added_renames_the_pollutant_at_once():
    arsenic = Pollutant.objects.get(name="Arsenic")
    with translation.override("fr"):
        assert arsenic.local_name == "Arsenic"
        PollutantSynonym.objects.create(pollutant=arsenic, name="Arsenic (nom d'essai)", language="fr")
        assert arsenic.local_name == "Arsenic (nom d'essai)"


def test_names_in_another_language_cost_no_query_per_row(client, django_assert_max_num_queries):
    instrument = LegalInstrument.objects.create(country_id=_country_id("FRA"), title="Synthetic order", year=2020)
    template = ThresholdValue.objects.filter(pollutant__slug="cadmium").first()
    pollutants = _seed_pollutants()
    ThresholdValue.objects.bulk_create(
        ThresholdValue(
            instrument=instrument,
            pollutant=pollutants[i % len(pollutants)],
            value_text=str(i + 1),
            value=i + 1,
            value_mg_kg=i + 1,
            unit=template.unit,
            unit_label="mg/kg",
            land_use=template.land_use,
            tier=template.tier,
            conditions_key=str(i),
            status="published",
        )
        for i in range(300)
    )
    client.get("/countries/FRA/", HTTP_ACCEPT_LANGUAGE="en")  # what is kept per process, kept
    with CaptureQueriesContext(connection) as english:
        client.get("/countries/FRA/", HTTP_ACCEPT_LANGUAGE="en")
    # One query more at most: the names, read once (and then kept for the process).
    with django_assert_max_num_queries(len(english) + 1):
        response = client.get("/countries/FRA/", HTTP_ACCEPT_LANGUAGE="ru")
    assert len(response.context["values"]) == 100 and ">Кадмий</a>" in response.content.decode()


def _country_id(iso3: str) -> int:
    from reference.models import Country

    return Country.objects.get(iso3=iso3).pk
