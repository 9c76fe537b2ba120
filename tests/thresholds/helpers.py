import csv
import io

from thresholds.record import TEMPLATE_COLUMNS

BASE_ROW = {
    "country": "DEU",
    "instrument": "Test ordinance on soil values",
    "pollutant": "Cadmium",
    "land_use": "agricultural",
    "tier": "precautionary",
    "value": "0.40",
    "unit": "mg/kg",
}


def row(**changes) -> dict[str, str]:
    return {**BASE_ROW, **changes}


def csv_bytes(rows: list[dict[str, str]], columns: list[str] | None = None) -> bytes:
    columns = columns or [c for c in TEMPLATE_COLUMNS if any(c in r for r in rows)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="raise")
    writer.writeheader()
    for item in rows:
        writer.writerow({column: item.get(column, "") for column in columns})
    return buffer.getvalue().encode("utf-8")
