"""Loading the shipped reference data. Idempotent: it adds what is missing and leaves the rest.

Rows that exist already are not overwritten, because curators own them once loaded; a second
run therefore changes nothing, and a newer fixture only adds new entries and synonyms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from reference.cas import validate_cas
from reference.models import (
    Country,
    ExtractionMethod,
    LabelTerm,
    LandUseClass,
    Pollutant,
    PollutantSynonym,
    Tier,
    Unit,
    UnitAlias,
)
from reference.text import match_key, unit_key
from reference.units import factor_to_mg_kg

DEFAULT_FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures" / "reference"

# The European Union has no ISO 3166-1 alpha-3 code; EUU is the code used in the seed data and
# by UN statistics, and EU is exceptionally reserved in ISO 3166-1 alpha-2.
EUROPEAN_UNION = {
    "iso3": "EUU",
    "iso2": "EU",
    "numeric": "",
    "name": "European Union",
    "official_name": "European Union",
    "kind": Country.Kind.SUPRANATIONAL,
    "un_member": False,
    "m49_region": Country.M49Region.EUROPE,
    "m49_subregion": "",
}


class ReferenceDataError(Exception):
    """The fixtures have problems; `problems` lists each with its file and entry."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Reference data not loaded, nothing was changed:\n  " + "\n  ".join(problems))


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        bucket = self.created if created else self.existing
        bucket[what] = bucket.get(what, 0) + 1

    def lines(self) -> list[str]:
        names = sorted(set(self.created) | set(self.existing))
        return [
            f"{name}: {self.created.get(name, 0)} added, {self.existing.get(name, 0)} already there" for name in names
        ]


def reference_data_load(*, fixtures_dir: Path = DEFAULT_FIXTURES_DIR) -> LoadReport:
    """Load countries, pollutants, units and harmonised classes, all or nothing."""
    pollutants_doc = _read_yaml(fixtures_dir / "pollutants.yaml")
    units_doc = _read_yaml(fixtures_dir / "units.yaml")
    classes_doc = _read_yaml(fixtures_dir / "classes.yaml")
    partnerships_doc = _read_yaml(fixtures_dir / "gsp_partnerships.yaml")
    vocabulary_doc = _read_yaml(fixtures_dir / "vocabulary.yaml")
    memberships_doc = _read_yaml(fixtures_dir / "memberships.yaml")

    problems = _check_pollutants(pollutants_doc, "pollutants.yaml") + _check_units(units_doc, "units.yaml")
    problems += _check_vocabulary(vocabulary_doc, classes_doc, "vocabulary.yaml")
    problems += _check_memberships(memberships_doc, "memberships.yaml")
    if problems:
        raise ReferenceDataError(problems)

    report = LoadReport()
    with transaction.atomic():
        _load_countries(partnerships_doc, report)
        _load_classes(classes_doc, report)
        _load_units(units_doc, report)
        _load_pollutants(pollutants_doc, report)
        _load_vocabulary(vocabulary_doc, report)
        _load_memberships(memberships_doc, report)
    return report


def _read_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except FileNotFoundError as exc:
        raise ReferenceDataError([f"{path}: file not found"]) from exc
    except yaml.YAMLError as exc:
        raise ReferenceDataError([f"{path}: not valid YAML ({exc})"]) from exc


# ---- checks, run before anything is written ---------------------------------------------------


def _check_pollutants(doc: dict, filename: str) -> list[str]:
    problems: list[str] = []
    entries = doc.get("pollutants") or []
    names = {str(entry.get("name", "")) for entry in entries}
    key_owner: dict[str, str] = {}
    groups = set(Pollutant.Group.values)
    for number, entry in enumerate(entries, start=1):
        name = str(entry.get("name") or "").strip()
        where = f"{filename}, entry {number} ({name or 'no name'})"
        if not name:
            problems.append(f"{where}: `name` is missing.")
            continue
        if entry.get("group") not in groups:
            problems.append(f"{where}: group {entry.get('group')!r} is not one of {', '.join(sorted(groups))}.")
        if entry.get("cas"):
            try:
                validate_cas(str(entry["cas"]))
            except ValidationError as exc:
                problems.append(f"{where}: {exc.messages[0]}")
        for member in entry.get("members") or []:
            if member not in names:
                problems.append(f"{where}: member {member!r} is not a pollutant in this file.")
        for synonym in [name, *_synonyms(entry)]:
            key = match_key(synonym)
            owner = key_owner.setdefault(key, name)
            if owner != name:
                problems.append(
                    f"{where}: name {synonym!r} is also used for {owner!r}; a name must mean one pollutant."
                )
    return problems


def _check_units(doc: dict, filename: str) -> list[str]:
    problems: list[str] = []
    kinds = set(Unit.Kind.values)
    for number, entry in enumerate(doc.get("units") or [], start=1):
        where = f"{filename}, entry {number} ({entry.get('code', 'no code')})"
        if entry.get("kind") not in kinds:
            problems.append(f"{where}: kind {entry.get('kind')!r} is not one of {', '.join(sorted(kinds))}.")
        if entry.get("kind") == Unit.Kind.MASS_FRACTION:
            try:
                factor_to_mg_kg(entry.get("pint") or "")
            except ValueError as exc:
                problems.append(f"{where}: {exc}.")
    return problems


def _check_vocabulary(doc: dict, classes_doc: dict, filename: str) -> list[str]:
    """Every term names a class of its kind, has a language and a source, and means one class."""
    problems: list[str] = []
    codes = {
        "land_use": {entry["code"] for entry in classes_doc.get("land_uses") or []},
        "tier": {entry["code"] for entry in classes_doc.get("tiers") or []},
    }
    for kind in ("land_use", "tier"):
        seen: dict[str, str] = {}
        for number, entry in enumerate(doc.get(kind) or [], start=1):
            term = str(entry.get("term") or "").strip()
            where = f"{filename}, {kind} entry {number} ({term or 'no term'})"
            if not match_key(term):
                problems.append(f"{where}: `term` is missing.")
                continue
            if entry.get("class") not in codes[kind]:
                problems.append(
                    f"{where}: class {entry.get('class')!r} is not one of {', '.join(sorted(codes[kind]))}."
                )
            for required in ("language", "source"):
                if not str(entry.get(required) or "").strip():
                    problems.append(f"{where}: `{required}` is missing.")
            owner = seen.setdefault(match_key(term), str(entry.get("class")))
            if owner != entry.get("class"):
                problems.append(f"{where}: the term is also given as {owner}; a term must mean one class.")
    return problems


def _check_memberships(doc: dict, filename: str) -> list[str]:
    """Each body is a supranational jurisdiction of the reference data, with a source, and each member
    an ISO 3166-1 alpha-3 code."""
    import pycountry

    problems: list[str] = []
    for body, entry in doc.items():
        where = f"{filename}, {body}"
        if body != EUROPEAN_UNION["iso3"]:
            problems.append(f"{where}: not a supranational body of the reference data ({EUROPEAN_UNION['iso3']}).")
        if not isinstance(entry, dict) or not str(entry.get("source") or "").strip():
            problems.append(f"{where}: `source` is missing: say where the list of members comes from.")
            continue
        for member in entry.get("members") or []:
            if pycountry.countries.get(alpha_3=str(member)) is None:
                problems.append(f"{where}: member {member!r} is not an ISO 3166-1 alpha-3 code.")
    return problems


def _synonyms(entry: dict) -> list[str]:
    return [str(name) for names in (entry.get("synonyms") or {}).values() for name in names]


# ---- loading ------------------------------------------------------------------------------------


def _load_countries(partnerships_doc: dict, report: LoadReport) -> None:
    import country_converter
    import pycountry

    by_subregion = partnerships_doc.get("by_subregion") or {}
    by_country = partnerships_doc.get("by_country") or {}
    table = country_converter.CountryConverter().data.set_index("ISO3")

    rows = []
    for entry in pycountry.countries:
        info = table.loc[entry.alpha_3] if entry.alpha_3 in table.index else None
        region = _m49_region(info["continent"]) if info is not None else ""
        subregion = str(info["UNregion"]) if info is not None and region else ""
        rows.append(
            {
                "iso3": entry.alpha_3,
                "iso2": entry.alpha_2,
                "numeric": entry.numeric,
                "name": getattr(entry, "common_name", None) or entry.name,
                "official_name": getattr(entry, "official_name", "") or entry.name,
                "kind": Country.Kind.COUNTRY,
                "un_member": info is not None and str(info["UNmember"]) not in ("", "nan", "<NA>"),
                "m49_region": region,
                "m49_subregion": subregion,
            }
        )
    rows.append(dict(EUROPEAN_UNION))

    existing = set(Country.objects.values_list("iso3", flat=True))
    new = []
    for row in rows:
        if row["iso3"] in existing:
            report.count("countries", created=False)
            continue
        partnership = by_country.get(row["iso3"]) or by_subregion.get(row["m49_subregion"], "")
        new.append(Country(**row, gsp_partnership=partnership))
        report.count("countries", created=True)
    Country.objects.bulk_create(new)


def _m49_region(continent: str) -> str:
    """country_converter's continent as an M49 region; Antarctica belongs to none."""
    return {"America": Country.M49Region.AMERICAS}.get(
        continent, continent if continent in Country.M49Region.values else ""
    )


def _load_classes(doc: dict, report: LoadReport) -> None:
    for key, model in (
        ("land_uses", LandUseClass),
        ("tiers", Tier),
        ("extraction_methods", ExtractionMethod),
    ):
        for order, entry in enumerate(doc.get(key) or [], start=1):
            _, created = model.objects.get_or_create(
                code=entry["code"],
                defaults={
                    "name": entry["name"],
                    "description": entry.get("description", ""),
                    "sort_order": order * 10,
                },
            )
            report.count(model._meta.verbose_name_plural, created)


def _load_units(doc: dict, report: LoadReport) -> None:
    for entry in doc.get("units") or []:
        unit = Unit.objects.filter(code=entry["code"]).first()
        report.count("units", created=unit is None)
        if unit is None:
            unit = Unit(
                code=entry["code"],
                name=entry["name"],
                kind=entry["kind"],
                pint_expression=entry.get("pint") or "",
            )
            unit.full_clean()  # computes the factor to mg/kg
            unit.save()
        aliases = {
            unit_key(str(alias)): str(alias) for alias in reversed([entry["code"], *(entry.get("aliases") or [])])
        }
        for key, alias in aliases.items():
            _, created = UnitAlias.objects.get_or_create(key=key, defaults={"unit": unit, "alias": alias})
            report.count("unit aliases", created)


def _load_pollutants(doc: dict, report: LoadReport) -> None:
    entries = doc.get("pollutants") or []
    by_name: dict[str, Pollutant] = {}
    new_names: set[str] = set()
    for entry in entries:
        flags_source = "; ".join(text for text in (entry.get("pop"), entry.get("hhp")) if text)
        pollutant, created = Pollutant.objects.get_or_create(
            name=entry["name"],
            defaults={
                "slug": slugify(entry["name"]) or slugify(entry.get("cas", "")),
                "cas_rn": entry.get("cas", ""),
                "group": entry["group"],
                "is_pop": bool(entry.get("pop")),
                "is_hhp": bool(entry.get("hhp")),
                "is_obsolete_pesticide": bool(entry.get("obsolete")),
                "flags_source": flags_source,
                "notes": entry.get("notes", ""),
            },
        )
        by_name[pollutant.name] = pollutant
        if created:
            new_names.add(pollutant.name)
        report.count("pollutants", created)

        synonyms = {match_key(entry["name"]): ("en", entry["name"])}
        for language, names in (entry.get("synonyms") or {}).items():
            for name in names:
                synonyms.setdefault(match_key(str(name)), (language, str(name)))
        for key, (language, name) in synonyms.items():
            _, created = PollutantSynonym.objects.get_or_create(
                key=key, defaults={"pollutant": pollutant, "name": name, "language": language}
            )
            report.count("pollutant synonyms", created)

    # Members are set when a sum is first loaded; afterwards curators own the list.
    for entry in entries:
        if entry.get("members") and entry["name"] in new_names:
            by_name[entry["name"]].members.add(*(by_name[member] for member in entry["members"]))


def _load_vocabulary(doc: dict, report: LoadReport) -> None:
    classes = {
        "land_use": {item.code: item for item in LandUseClass.objects.all()},
        "tier": {item.code: item for item in Tier.objects.all()},
    }
    existing = set(LabelTerm.objects.values_list("kind", "key"))
    new = []
    for kind in ("land_use", "tier"):
        for entry in doc.get(kind) or []:
            term = str(entry["term"]).strip()
            key = match_key(term)
            if (kind, key) in existing:
                report.count("vocabulary terms", created=False)
                continue
            existing.add((kind, key))
            new.append(
                LabelTerm(
                    kind=kind,
                    term=term,
                    key=key,
                    language=str(entry["language"]),
                    **{kind: classes[kind][entry["class"]]},
                    approximate=bool(entry.get("approximate")),
                    note=str(entry.get("note") or "")[:300],
                    source=str(entry["source"])[:500],
                )
            )
            report.count("vocabulary terms", created=True)
    LabelTerm.objects.bulk_create(new)


def _load_memberships(doc: dict, report: LoadReport) -> None:
    """A body's members are set while it has none; afterwards curators own the list."""
    for body_code, entry in doc.items():
        body = Country.objects.get(iso3=body_code)
        if body.members.exists():
            report.count("memberships", created=False)
            continue
        members = list(Country.objects.filter(iso3__in=[str(code) for code in entry.get("members") or []]))
        body.members.add(*members)
        for _member in members:
            report.count("memberships", created=True)
