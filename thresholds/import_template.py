"""The spreadsheet template curators and focal points fill in: an example row and a "read me" sheet."""

from reference.models import ExtractionMethod, LandUseClass, Tier
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.record import TEMPLATE_COLUMNS

COLUMN_HELP = {
    "country": "Required. ISO 3166 alpha-3 (DEU) or alpha-2 code, or English name; EUU for the European Union.",
    "jurisdiction": "Sub-national jurisdiction (state, province, municipality); blank for national instruments.",
    "instrument": "Required. Title of the law, regulation, standard or guideline, as in the source.",
    "instrument_year": "Year of the instrument.",
    "instrument_status": "One of: " + ", ".join(LegalInstrument.Status.values) + ".",
    "instrument_url": "Web address of the legal text.",
    "pollutant": "Pollutant name or synonym as in the source (pollutant or cas required).",
    "cas": "CAS Registry Number, e.g. 7440-43-9.",
    "land_use": "Harmonised land-use code (give it or land_use_label).",
    "land_use_label": "The source's own land-use wording; classified through the curated label table.",
    "tier": "Harmonised tier code (give it or tier_label).",
    "tier_label": "The source's own tier name, e.g. Prüfwert, intervention value, risk screening value.",
    "value": "Required. The number as written, with a point as decimal separator, e.g. 0.30.",
    "qualifier": "=, <, <=, >, >=, range_min or range_max; blank means =. A value such as <0.5 also works.",
    "unit": "Required. As written: mg/kg, mg/kg dry matter, µg/kg, ppm, % ...",
    "ph_min": "Lowest soil pH the value applies to (0-14).",
    "ph_max": "Highest soil pH the value applies to (0-14).",
    "texture": "sand, loam, silt, loam_silt, clay or organic.",
    "clay_min": "Clay content % (lower bound).",
    "clay_max": "Clay content % (upper bound).",
    "toc_min": "Organic matter or TOC % (lower bound).",
    "toc_max": "Organic matter or TOC % (upper bound).",
    "cec_min": "Cation exchange capacity, cmol/kg (lower bound).",
    "cec_max": "Cation exchange capacity, cmol/kg (upper bound).",
    "crop": "Crop or field type, e.g. paddy.",
    "depth": "Sampling depth, e.g. 0-30 cm.",
    "extraction": "Extraction method code.",
    "condition": "The source's own words for the conditions. Where the structured columns are blank, pH bands, "
    "texture words, TOC classes and extraction methods are recognised in it.",
    "basis": "One of: " + ", ".join(ThresholdValue.Basis.values) + ".",
    "value_year": "Year the value was set or revised, where it differs from the instrument's.",
    "status": "draft (default for new values), published or withdrawn; blank keeps an existing value's status.",
    "source_url": "Where the value was read.",
    "source_page": "Table or page in the source.",
    "source_quote": "A short excerpt of the source showing the value.",
    "notes": "Anything else a curator should know.",
}


def template_example_rows() -> list[list[str]]:
    example = {
        "country": "DEU",
        "instrument": "Bundes-Bodenschutz- und Altlastenverordnung (BBodSchV), Anlage 1 Tabelle 1",
        "instrument_year": "2021",
        "instrument_status": "in_force",
        "pollutant": "Cadmium",
        "cas": "7440-43-9",
        "land_use": "any",
        "tier_label": "Vorsorgewert",
        "value": "0.4",
        "unit": "mg/kg TM",
        "condition": "soil texture: sand (Bodenart Sand)",
        "source_url": "https://www.gesetze-im-internet.de/bbodschv_2023/anlage_1.html",
        "source_page": "Anlage 1, Tabelle 1",
    }
    return [[example.get(column, "") for column in TEMPLATE_COLUMNS]]


def template_readme() -> list[list[str]]:
    lines = [["column", "what to enter"]]
    lines += [[column, COLUMN_HELP[column]] for column in TEMPLATE_COLUMNS]
    lines.append(["", ""])
    lines.append(["land_use codes", ", ".join(LandUseClass.objects.values_list("code", flat=True))])
    lines.append(["tier codes", ", ".join(Tier.objects.values_list("code", flat=True))])
    lines.append(["extraction codes", ", ".join(ExtractionMethod.objects.values_list("code", flat=True))])
    return lines
