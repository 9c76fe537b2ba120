"""Survey responses as spreadsheets: XLSX with one sheet per section, CSV with one row per response.
Free text is escaped so a spreadsheet never runs it as a formula."""

from __future__ import annotations

import io

from openpyxl import Workbook

from core.spreadsheets import neutralise
from surveys.models import ResponseInstrument, ResponseLaboratory, ResponseValue

RESPONSE_COLUMNS = [
    "edition", "country", "status", "situation", "land_uses", "covers_metals", "covers_pesticides",
    "covers_organics", "covers_other", "working_towards_adoption", "in_international_discussions",
    "needs_legislation", "needs_laboratories", "needs_funding", "needs_training", "needs_other", "comments",
    "instruments", "values", "laboratories", "submitted_at", "accepted_at",
]  # fmt: skip


def _cell(item) -> str:
    if item is None:
        return ""
    if isinstance(item, bool):
        return "yes" if item else "no"
    return neutralise(str(item))


def responses_rows(responses):
    """Header, then one row per response (sections A and D, and how many rows B, C and E hold)."""
    yield RESPONSE_COLUMNS
    responses = responses.prefetch_related("land_uses", "instruments__values", "laboratories")
    for response in responses.order_by("edition__year", "country__name"):
        instruments = list(response.instruments.all())
        yield [
            _cell(item)
            for item in (
                response.edition.year,
                response.country.iso3,
                response.status,
                response.situation,
                ",".join(land_use.code for land_use in response.land_uses.all()),
                response.covers_metals,
                response.covers_pesticides,
                response.covers_organics,
                response.covers_other,
                response.working_towards_adoption,
                response.in_international_discussions,
                response.needs_legislation,
                response.needs_laboratories,
                response.needs_funding,
                response.needs_training,
                response.needs_other,
                response.comments,
                len(instruments),
                sum(len(instrument.values.all()) for instrument in instruments),
                len(response.laboratories.all()),
                response.submitted_at.isoformat() if response.submitted_at else "",
                response.accepted_at.isoformat() if response.accepted_at else "",
            )
        ]


def responses_xlsx(responses) -> bytes:
    """One sheet per section: A and D (one row per response), B instruments, C values, E laboratories."""
    book = Workbook(write_only=True)
    summary = book.create_sheet("A and D")
    for row in responses_rows(responses):
        summary.append(row)
    ids = list(responses.values_list("pk", flat=True))

    sheet = book.create_sheet("B instruments")
    sheet.append(["edition", "country", "title", "year", "type", "binding", "status", "url", "legal_text"])
    for item in ResponseInstrument.objects.filter(response_id__in=ids).select_related(
        "response__edition", "response__country"
    ):
        sheet.append([_cell(cell) for cell in (
            item.response.edition.year, item.response.country.iso3, item.title, item.year, item.instrument_type,
            item.binding, item.status, item.url, bool(item.legal_text),
        )])  # fmt: skip

    sheet = book.create_sheet("C values")
    sheet.append([
        "edition", "country", "instrument", "pollutant", "land_use", "land_use_label", "tier", "tier_label",
        "value", "unit", "ph_min", "ph_max", "texture", "extraction", "condition", "notes", "decision",
    ])  # fmt: skip
    values = ResponseValue.objects.filter(instrument__response_id__in=ids).select_related(
        "instrument__response__edition", "instrument__response__country", "land_use", "tier", "extraction"
    )
    for value in values:
        response = value.instrument.response
        sheet.append([_cell(cell) for cell in (
            response.edition.year, response.country.iso3, value.instrument.title, value.pollutant,
            value.land_use.code if value.land_use else "", value.land_use_label, value.tier.code if value.tier else "",
            value.tier_label, value.value, value.unit, value.ph_min, value.ph_max, value.texture,
            value.extraction.code if value.extraction else "", value.condition, value.notes, value.decision,
        )])  # fmt: skip

    sheet = book.create_sheet("E laboratories")
    sheet.append(["edition", "country", "name", "city", "metals", "pesticides", "knows_sops", "uses_sops", "glosolan"])
    labs = ResponseLaboratory.objects.filter(response_id__in=ids).select_related(
        "response__edition", "response__country"
    )
    for lab in labs:
        sheet.append([_cell(cell) for cell in (
            lab.response.edition.year, lab.response.country.iso3, lab.name, lab.city, lab.measures_metals,
            lab.measures_pesticides, lab.knows_sops, lab.uses_sops, lab.in_glosolan,
        )])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
