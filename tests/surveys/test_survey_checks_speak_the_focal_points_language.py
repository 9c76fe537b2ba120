"""The checks a focal point's rows go through (the import's plan, the matcher's reasons, unit reading,
the condition recogniser, the spreadsheet checks) speak the language of the page, not English.

A pseudo-language catalog made here from the gettext literals of those modules marks every
translated sentence with ⟦ ⟧: a message with text outside the marks was not passed through gettext.
The catalogs in locale/ are not touched; French, whose catalog already holds a message the import
shares with the survey's form, is checked as it is."""

import ast
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from django.conf import settings
from django.utils import translation

from core.spreadsheets import UnsafeFile, read_sheet
from reference.models import Country
from surveys.forms import checked_values
from surveys.services import response_start
from thresholds.importing import plan_records

pytestmark = pytest.mark.django_db

PSEUDO = "eo"  # a language the portal does not offer, whose catalog is made for the test
CHECKS = [
    "thresholds/importing.py",
    "thresholds/matching.py",
    "thresholds/conditions.py",
    "thresholds/models.py",
    "reference/units.py",
    "core/spreadsheets.py",
    "surveys/forms.py",
    "surveys/validation.py",
]
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext"}


def _msgids(path: Path):
    """Every message the module passes to gettext: a msgid, or (singular, plural) for ngettext."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTEXT:
            texts = [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            if node.func.id == "ngettext" and len(texts) == 2:
                yield tuple(texts)
            elif texts:
                yield texts[0]


@pytest.fixture
def pseudo_language(tmp_path, settings):
    catalog = Catalog(locale="en", domain="django")  # English plural rule: one form and the other
    for path in CHECKS:
        for msgid in _msgids(Path(settings.BASE_DIR) / path):
            marked = tuple(f"⟦{text}⟧" for text in msgid) if isinstance(msgid, tuple) else f"⟦{msgid}⟧"
            catalog.add(msgid, marked, flags=["python-format"])
    folder = tmp_path / PSEUDO / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "django.mo", "wb") as handle:
        write_mo(handle, catalog)
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]  # resets Django's loaded catalogs
    yield PSEUDO


@pytest.fixture
def survey(edition, german_focal_point):
    return response_start(edition=edition, country=Country.objects.get(iso3="DEU"), user=german_focal_point)


def _outside_marks(message: str) -> str:
    """The text of a message that no translated sentence holds."""
    depth, outside = 0, []
    for character in message:
        depth += character == "⟦"
        if depth == 0:
            outside.append(character)
        depth -= character == "⟧"
    return "".join(outside).strip()


BAD_ROWS = {
    2: {"pollutant": "Cadmum", "land_use": "agricultural", "tier": "precautionary", "value": "0.4", "unit": "mg/kg"},
    3: {"pollutant": "Zinc", "land_use": "agricultural", "tier": "precautionary", "value": "-3", "unit": "mg/kg"},
    4: {"pollutant": "Zinc", "land_use": "agricultural", "tier": "precautionary", "value": "1,000", "unit": "mg/kg"},
    5: {"pollutant": "Lead", "land_use": "agricultural", "tier": "precautionary", "value": "40", "unit": "mg/l"},
    6: {"pollutant": "Lead", "land_use": "agricultural", "tier": "precautionary", "value": "40", "unit": "furlongs"},
    7: {"pollutant": "Lead", "land_use_label": "zzz qqq", "tier": "precautionary", "value": "40", "unit": "mg/kg"},
    8: {"pollutant": "Lead", "land_use": "agricultural", "tier": "precautionary", "value": "40", "unit": "ppt"},
    9: {"pollutant": "Lead", "land_use": "nowhere", "tier": "precautionary", "value": "40", "unit": "mg/kg"},
}


def test_every_problem_of_a_pasted_row_is_in_the_pages_language(survey, pseudo_language):
    instrument = survey.instruments.first()
    with translation.override(pseudo_language):
        checked = checked_values(response=survey, instrument=instrument, rows=list(BAD_ROWS.items()))
    assert not checked.values and sorted(checked.problems) == sorted(BAD_ROWS)
    for number, messages in checked.problems.items():
        for message in messages:
            assert message.startswith("⟦") and _outside_marks(message) == "", (number, message)
    found = " ".join(message for messages in checked.problems.values() for message in messages)
    # The parts a message is built from are translated too: the matcher's reasons, unit reading's.
    assert "⟦no pollutant has this name⟧" in found
    assert "⟦'mg/l' is a concentration per volume, and soil thresholds are per mass of soil⟧" in found
    assert "⟦none of its words is in the vocabulary⟧" in found
    assert "⟦ppt is ambiguous (parts per thousand or per trillion); write ‰, ng/g or ng/kg⟧" in found


def test_readings_kept_for_the_next_row_do_not_carry_one_visitors_language_to_another(pseudo_language):
    """The condition recogniser and unit reading are cached across requests: per language."""
    record = {
        "country": "DEU",
        "instrument": "BBodSchV",
        "pollutant": "Lead",
        "land_use": "agricultural",
        "tier": "precautionary",
        "value": "40",
        "unit": "µg g-1 DW",
        "condition": "5.5<pH<=6.5, sandy soils",
    }

    def read(language):
        with translation.override(language):
            plan = plan_records([record])
        assert plan.ok, plan.problems
        [row] = plan.rows
        return row.recognised

    english, pseudo, english_again = read("en"), read(pseudo_language), read("en")
    assert (
        english == english_again == ["pH above 5.5 to 6.5 from “5.5<pH<=6.5”", "soil texture: sandy soils from “sandy”"]
    )
    assert pseudo == ["⟦pH ⟦above 5.5 to 6.5⟧ from “5.5<pH<=6.5”⟧", "⟦soil texture: ⟦sandy soils⟧ from “sandy”⟧"]


def test_an_unsafe_file_is_refused_in_the_pages_language(pseudo_language):
    with translation.override(pseudo_language), pytest.raises(UnsafeFile) as refused:
        read_sheet(file_name="values.xlsm", content=b"PK\x03\x04")
    assert (
        str(refused.value) == "⟦values.xlsm: macro-enabled workbooks are refused; save it as .xlsx (Excel Workbook).⟧"
    )


def test_a_french_curator_reads_the_imports_check_in_french():
    """A sentence the import shares with the survey's form is in the French catalog already."""
    record = {"country": "DEU", "instrument": "BBodSchV", "pollutant": "Lead", "land_use": "agricultural"}
    record |= {"tier": "precautionary", "value": "40", "unit": "mg/kg", "clay_min": "abc"}
    with translation.override("fr"):
        french = plan_records([record]).problems
    english = plan_records([record]).problems
    assert [problem.message for problem in english] == ["clay_min 'abc' is not a number."]
    assert [problem.message for problem in french] == ["clay_min 'abc' n'est pas un nombre."]
    assert settings.LANGUAGE_CODE == "en"
