"""The spreadsheet template curators and focal points fill in: an example row and a "read me" sheet."""

from reference.models import ExtractionMethod, LandUseClass, Tier
from thresholds.record import COLUMNS, TEMPLATE_COLUMNS

# What to enter in each column: thresholds/record.py says it once.
COLUMN_HELP = {column.name: column.help for column in COLUMNS}


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
