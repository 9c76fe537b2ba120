"""How threshold values and instruments look in the API. Mapping only; the rules live in services."""

from django.db import models
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from reference.models import Country
from reference.serializers import CountrySerializer
from sops.selectors import how_to_measure
from thresholds import api_examples
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.record import NUMERIC_COLUMNS, TEMPLATE_COLUMNS
from thresholds.selectors import empty_coverage


class PollutantBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    cas = serializers.CharField(source="cas_rn", allow_blank=True)
    group = serializers.CharField()


class InstrumentBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    api_url = serializers.HyperlinkedIdentityField(view_name="instrument-detail")
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    url = serializers.CharField(allow_blank=True, help_text="Where the legal text is published.")


class ConditionsSerializer(serializers.Serializer):
    ph_min = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True, coerce_to_string=False)
    ph_max = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True, coerce_to_string=False)
    ph_min_exclusive = serializers.BooleanField(
        help_text='The band leaves ph_min out ("5.5<pH<=6.5"), as the source\'s condition text states.'
    )
    ph_max_exclusive = serializers.BooleanField(
        help_text='The band leaves ph_max out ("pH<5.5"), as the source\'s condition text states.'
    )
    texture = serializers.CharField(allow_blank=True)
    clay_min = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, coerce_to_string=False)
    clay_max = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, coerce_to_string=False)
    toc_min = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, coerce_to_string=False)
    toc_max = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, coerce_to_string=False)
    cec_min = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True, coerce_to_string=False)
    cec_max = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True, coerce_to_string=False)
    crop = serializers.CharField(allow_blank=True)
    depth = serializers.CharField(allow_blank=True)
    extraction = serializers.CharField(source="extraction.code", allow_null=True, default=None)
    note = serializers.CharField(source="condition_text", allow_blank=True)


class ProvenanceSerializer(serializers.Serializer):
    survey_response = serializers.IntegerField(source="pk")
    edition = serializers.IntegerField(source="edition.year")
    accepted_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(examples=[api_examples.THRESHOLD])
class ThresholdValueSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="threshold-detail")
    country = serializers.CharField(source="instrument.country.iso3")
    country_name = serializers.CharField(source="instrument.country.name")
    jurisdiction = serializers.CharField(source="instrument.jurisdiction", allow_blank=True)
    pollutant = PollutantBriefSerializer()
    value = serializers.CharField(source="value_text", help_text='The number as the source writes it, e.g. "0.30".')
    unit = serializers.CharField(source="unit_label", help_text="The unit as the source writes it.")
    value_mg_kg = serializers.DecimalField(
        max_digits=30,
        decimal_places=12,
        allow_null=True,
        coerce_to_string=False,
        normalize_output=True,
        help_text="The value in mg/kg; null when the unit does not convert (e.g. Bq/kg, TEQ).",
    )
    unit_basis = serializers.CharField(
        help_text='"dry" or "fresh" when the unit as written says per dry or fresh soil; "" when it does not say.'
    )
    land_use = serializers.CharField(source="land_use.code")
    tier = serializers.CharField(source="tier.code")
    conditions = ConditionsSerializer(source="*")
    instrument = InstrumentBriefSerializer()
    how_to_measure = serializers.SerializerMethodField(
        help_text=(
            "Where to find how to measure it: the harmonised SOP (with a published version) for the value's "
            "extraction method, else the SOPs covering its pollutant, else null."
        )
    )
    provenance = ProvenanceSerializer(
        source="from_survey",
        allow_null=True,
        read_only=True,
        help_text="The survey response a curator accepted this value from; null for values from other sources.",
    )

    class Meta:
        model = ThresholdValue
        fields = [
            "id",
            "url",
            "country",
            "country_name",
            "jurisdiction",
            "pollutant",
            "value",
            "qualifier",
            "unit",
            "unit_basis",
            "value_mg_kg",
            "land_use",
            "land_use_label",
            "tier",
            "tier_label",
            "basis",
            "conditions",
            "instrument",
            "source_url",
            "provenance",
            "how_to_measure",
            "status",
            "verification",
            "updated_at",
        ]

    def get_how_to_measure(self, value) -> str | None:
        """sops.selectors.how_to_measure, as an API address."""
        how = how_to_measure(
            extraction_id=value.extraction_id, pollutant_id=value.pollutant_id, pollutant_slug=value.pollutant.slug
        )
        if how is None:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(how.api_path) if request else how.api_path


@extend_schema_serializer(examples=[api_examples.INSTRUMENT])
class LegalInstrumentSerializer(serializers.ModelSerializer):
    api_url = serializers.HyperlinkedIdentityField(view_name="instrument-detail")
    country = serializers.CharField(source="country.iso3")
    country_name = serializers.CharField(source="country.name")
    supersedes = serializers.SerializerMethodField(
        help_text="The id of the instrument this one replaces; null when there is none you can read."
    )
    value_count = serializers.IntegerField(read_only=True, help_text="Values of this instrument you can read.")

    class Meta:
        model = LegalInstrument
        fields = [
            "id",
            "api_url",
            "country",
            "country_name",
            *LegalInstrument.DESCRIPTIVE_FIELDS,
            "supersedes",
            "withdrawn",
            "value_count",
            "updated_at",
        ]

    def get_supersedes(self, instrument) -> int | None:
        # Not supersedes_id: thresholds.selectors.instruments_visible_to leaves out one the reader may not see.
        return instrument.supersedes.pk if instrument.supersedes else None


class CoverageSerializer(serializers.Serializer):
    instruments = serializers.IntegerField()
    values = serializers.IntegerField()
    values_by_group = serializers.DictField(child=serializers.IntegerField(), help_text="Pollutant group → values.")
    national_values = serializers.IntegerField(
        help_text="Of `values`, those of national instruments (the others are sub-national or municipal)."
    )
    supranational_values = serializers.IntegerField(
        help_text="Values of the supranational bodies the country belongs to (the EU's for its member states), "
        "which apply there too; not counted in `values` (they are the body's own)."
    )


@extend_schema_serializer(examples=[api_examples.COUNTRY])
class CountryCoverageSerializer(CountrySerializer):
    coverage = serializers.SerializerMethodField()

    class Meta(CountrySerializer.Meta):
        fields = [*CountrySerializer.Meta.fields, "coverage"]

    @extend_schema_field(CoverageSerializer)
    def get_coverage(self, country) -> dict:
        return self.context["coverage"].get(country.id) or empty_coverage()


class StrictTextMixin:
    """Text only (DRF's text fields would store a number, or a boolean, as its text); numbers too
    where `numbers_too` is set."""

    numbers_too = False
    default_error_messages = {"not_text": "Must be {expected}, not {kind}."}

    def to_internal_value(self, data):
        number = isinstance(data, int | float) and not isinstance(data, bool)
        if not (isinstance(data, str) or (self.numbers_too and number)):
            expected = "a number or text" if self.numbers_too else "text (a JSON string)"
            self.fail("not_text", expected=expected, kind=_json_kind(data))
        return super().to_internal_value(data)


class StrictCharField(StrictTextMixin, serializers.CharField):
    pass


class StrictURLField(StrictTextMixin, serializers.URLField):
    pass


class TextOrNumberField(StrictCharField):
    """A numeric import column: a JSON number, or text kept as written ("0.30", "<0.5")."""

    numbers_too = True


def _json_kind(data) -> str:
    if isinstance(data, bool):
        return "true/false"
    if isinstance(data, int | float):
        return "a number"
    if data is None:
        return "null"
    return {list: "a list", dict: "an object"}.get(type(data), type(data).__name__)


@extend_schema_serializer(examples=[api_examples.THRESHOLD_WRITE])
class ThresholdWriteSerializer(serializers.Serializer):
    """A value in the import template's columns; every column is optional here, the import's checks
    say what is missing. Text columns take JSON strings; numeric ones also numbers, but send them as
    strings to keep them as written ("0.30")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for column in TEMPLATE_COLUMNS:
            kind = TextOrNumberField if column in NUMERIC_COLUMNS else StrictCharField
            self.fields[column] = kind(required=False, allow_blank=True, trim_whitespace=True)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(TEMPLATE_COLUMNS))
            if unknown:
                raise serializers.ValidationError(
                    {name: [f"Unknown column; allowed: {', '.join(TEMPLATE_COLUMNS)}."] for name in unknown}
                )
        return super().to_internal_value(data)


class CountryCodeField(serializers.SlugRelatedField):
    """An ISO 3166 alpha-3 code (or EUU), checked for its shape before it is looked up."""

    def to_internal_value(self, data):
        code = str(data).strip().upper()
        if len(code) != 3 or not (code.isascii() and code.isalpha()):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:20])
        return super().to_internal_value(code)


@extend_schema_serializer(examples=[api_examples.INSTRUMENT_WRITE])
class LegalInstrumentWriteSerializer(serializers.ModelSerializer):
    """What a curator sends to create or change an instrument; the model's own checks apply on save."""

    country = CountryCodeField(slug_field="iso3", queryset=Country.objects.all())
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.URLField: StrictURLField,
    }

    class Meta:
        model = LegalInstrument
        fields = ["country", *LegalInstrument.DESCRIPTIVE_FIELDS, "supersedes"]
        # Uniqueness is checked on save, with the other model checks, in one place.
        validators: list = []
        extra_kwargs = {
            "supersedes": {
                # Whether it may be linked (not to a withdrawn one) is LegalInstrument.clean's rule, which
                # record_save applies on every path; here only whether it exists.
                "queryset": LegalInstrument.objects.all(),
                "error_messages": {
                    "does_not_exist": "No instrument #{pk_value} in the database: an instrument can only "
                    "supersede one that is in the database. GET /api/v1/instruments/ lists them."
                },
            }
        }


# ---- the list's hot path ------------------------------------------------------------------------
#
# A page of the threshold list is ThresholdValueSerializer's output for each value, built here from
# plain rows (QuerySet.values) instead of model instances and DRF fields: about ten times less
# Python per row. tests/thresholds/test_api_list_fast_path.py checks both give the same JSON for
# every kind of value, so a field added to the serializer and not here fails the suite.

# The joined columns a list row needs. Land uses, tiers and extraction methods are read from
# `class_codes` instead of joined: three joins fewer cut PostgreSQL's planning from ~11 ms to ~1 ms.
CONDITION_NUMBERS = ("ph_min", "ph_max", "clay_min", "clay_max", "toc_min", "toc_max", "cec_min", "cec_max")
LIST_COLUMNS = (
    "id",
    "instrument_id",
    "instrument__country__iso3",
    "instrument__country__name",
    "instrument__jurisdiction",
    "instrument__title",
    "instrument__year",
    "instrument__status",
    "instrument__url",
    "pollutant_id",
    "pollutant__name",
    "pollutant__slug",
    "pollutant__cas_rn",
    "pollutant__group",
    "value_text",
    "qualifier",
    "unit_label",
    "unit_basis",
    "value_mg_kg",
    "land_use_id",
    "land_use_label",
    "tier_id",
    "tier_label",
    "basis",
    *CONDITION_NUMBERS,
    "ph_min_exclusive",
    "ph_max_exclusive",
    "texture",
    "crop",
    "depth",
    "extraction_id",
    "condition_text",
    "source_url",
    "from_survey_id",
    "from_survey__edition__year",
    "from_survey__accepted_at",
    "status",
    "verification",
    "updated_at",
)


def threshold_list_rows(values):
    """The values as the plain rows `threshold_representations` reads."""
    return values.values(*LIST_COLUMNS)


def threshold_representations(rows, *, request, lookups: dict) -> list[dict]:
    """ThresholdValueSerializer's output for each row of `threshold_list_rows`, with the codes and
    SOPs of thresholds.selectors.list_lookups."""
    value_link = _link_maker(request, "threshold-detail")
    instrument_link = _link_maker(request, "instrument-detail")
    land_uses, tiers, extractions = lookups["land_use"], lookups["tier"], lookups["extraction"]
    site = request.build_absolute_uri("/").removesuffix("/")
    represented = []
    for row in rows:
        how = how_to_measure(
            extraction_id=row["extraction_id"],
            pollutant_id=row["pollutant_id"],
            pollutant_slug=row["pollutant__slug"],
            measuring=lookups["sops"],
        )
        represented.append(
            {
                "id": row["id"],
                "url": value_link(row["id"]),
                "country": row["instrument__country__iso3"],
                "country_name": row["instrument__country__name"],
                "jurisdiction": row["instrument__jurisdiction"],
                "pollutant": {
                    "id": row["pollutant_id"],
                    "name": row["pollutant__name"],
                    "cas": row["pollutant__cas_rn"],
                    "group": row["pollutant__group"],
                },
                "value": row["value_text"],
                "qualifier": row["qualifier"],
                "unit": row["unit_label"],
                "unit_basis": row["unit_basis"],
                "value_mg_kg": _number(row["value_mg_kg"]),
                "land_use": land_uses[row["land_use_id"]],
                "land_use_label": row["land_use_label"],
                "tier": tiers[row["tier_id"]],
                "tier_label": row["tier_label"],
                "basis": row["basis"],
                "conditions": {
                    "ph_min": _number(row["ph_min"]),
                    "ph_max": _number(row["ph_max"]),
                    "ph_min_exclusive": row["ph_min_exclusive"],
                    "ph_max_exclusive": row["ph_max_exclusive"],
                    "texture": row["texture"],
                    "clay_min": _number(row["clay_min"]),
                    "clay_max": _number(row["clay_max"]),
                    "toc_min": _number(row["toc_min"]),
                    "toc_max": _number(row["toc_max"]),
                    "cec_min": _number(row["cec_min"]),
                    "cec_max": _number(row["cec_max"]),
                    "crop": row["crop"],
                    "depth": row["depth"],
                    "extraction": extractions.get(row["extraction_id"]),
                    "note": row["condition_text"],
                },
                "instrument": {
                    "id": row["instrument_id"],
                    "api_url": instrument_link(row["instrument_id"]),
                    "title": row["instrument__title"],
                    "year": row["instrument__year"],
                    "status": row["instrument__status"],
                    "url": row["instrument__url"],
                },
                "source_url": row["source_url"],
                "provenance": None
                if row["from_survey_id"] is None
                else {
                    "survey_response": row["from_survey_id"],
                    "edition": row["from_survey__edition__year"],
                    "accepted_at": _datetime(row["from_survey__accepted_at"]),
                },
                "how_to_measure": None if how is None else site + how.api_path,
                "status": row["status"],
                "verification": row["verification"],
                "updated_at": _datetime(row["updated_at"]),
            }
        )
    return represented


def _link_maker(request, view_name: str, key: str = "pk"):
    """id -> the absolute address DRF's hyperlinked fields give, reversed once per page, not per row."""
    marker = "987654321"
    template = request.build_absolute_uri(reverse(view_name, kwargs={key: marker}))
    before, after = template.split(marker)
    return lambda identifier: f"{before}{identifier}{after}"


def _number(value):
    # DRF's DecimalField(coerce_to_string=False) hands the JSON encoder a Decimal, which it writes as a float.
    return None if value is None else float(value)


def _datetime(value):
    # As DRF's DateTimeField writes it (ISO 8601, UTC as Z), without its per-value machinery.
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class CheckSiteSerializer(serializers.Serializer):
    """Where the samples were taken; every property optional (a value that depends on one not given
    says so). Numbers may be given as JSON numbers or strings."""

    land_use = serializers.CharField(required=False, allow_blank=True, help_text="A land-use code or label.")
    ph = serializers.CharField(required=False, allow_blank=True, help_text="Soil pH, 0 to 14.")
    texture = serializers.CharField(
        required=False, allow_blank=True, help_text="sand, loam, silt, clay, loam_silt, organic."
    )
    clay = serializers.CharField(required=False, allow_blank=True, help_text="Clay (lutum) content, %.")
    organic_matter = serializers.CharField(required=False, allow_blank=True, help_text="Organic matter or TOC, %.")
    cec = serializers.CharField(required=False, allow_blank=True, help_text="Cation exchange capacity, cmol/kg.")
    crop = serializers.CharField(required=False, allow_blank=True, help_text="Crop or field type (e.g. paddy).")
    depth = serializers.CharField(required=False, allow_blank=True, help_text="Sampling depth, e.g. 0-30 cm.")


class CheckSampleSerializer(CheckSiteSerializer):
    """One sample: the pollutant (name, synonym in any language, or CAS number), its value and unit;
    a sample may carry its own site properties, which override the request's site."""

    sample_id = serializers.CharField(required=False, allow_blank=True)
    pollutant = serializers.CharField()
    value = serializers.CharField(help_text="The concentration, e.g. 1.2.")
    unit = serializers.CharField(help_text="Any unit the import reads: mg/kg, mg kg-1 dry matter, µg/kg, ppm, %…")


class CheckRequestSerializer(serializers.Serializer):
    samples = CheckSampleSerializer(many=True, help_text="Up to 10,000 samples.")
    site = CheckSiteSerializer(required=False)
    country = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="ISO alpha-3 codes; the values API's country filter."
    )
    region = serializers.CharField(required=False, allow_blank=True, help_text="A UN M49 region.")
    tier = serializers.ListField(child=serializers.CharField(), required=False, help_text="Tier codes.")
    include_superseded = serializers.BooleanField(
        required=False, default=False, help_text="Check against superseded and repealed instruments' values too."
    )
