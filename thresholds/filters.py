"""Filters of the threshold API. Unknown codes and malformed values are a 400 with a message."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from core.filters import FormClassOnce, StrictBooleanField, StrictBooleanFilter
from reference.models import Country, ExtractionMethod, LandUseClass, Pollutant, Tier
from reference.selectors import pollutant_match, pollutant_suggestions
from thresholds.models import LegalInstrument, ThresholdValue
from thresholds.selectors import SearchTooLong, search_words, thresholds_matching_text


class CodeListField(forms.Field):
    """Repeatable and comma-separated codes (?country=DEU,FRA&country=ITA), each checked."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, known, normalise=str.upper, **kwargs):
        self.known, self.normalise = known, normalise
        super().__init__(**kwargs)

    def clean(self, value):
        codes = [self.normalise(part.strip()) for item in value or [] for part in str(item).split(",") if part.strip()]
        if not codes:
            return []
        allowed = set(self.known())
        unknown = [code for code in codes if code not in allowed]
        if unknown:
            # The codes go in as a parameter: django-filter %-formats messages, and input may hold a "%".
            raise ValidationError("Unknown code(s): %(codes)s.", params={"codes": ", ".join(unknown)})
        return codes


class CodeListFilter(django_filters.Filter):
    field_class = CodeListField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class PollutantField(forms.CharField):
    """A pollutant by id, CAS number, or name or synonym in any language; one nobody knows is a 400
    naming the closest known names (reference.selectors.pollutant_suggestions), never an empty list."""

    def clean(self, value):
        text = super().clean(value).strip()
        if not text:
            return None
        if text.isdigit():
            # An id; one past any bigint cannot exist (and SQLite could not even compare it).
            if len(text) < 19 and Pollutant.objects.filter(pk=int(text)).exists():
                return int(text)
            raise ValidationError("No pollutant has the id %(id)s.", params={"id": text[:20]})
        pollutant = pollutant_match(text)
        if pollutant:
            return pollutant.pk
        suggestions = pollutant_suggestions(text)
        if suggestions:
            raise ValidationError(
                "No pollutant is called %(text)s. Did you mean: %(names)s?",
                params={"text": repr(text[:100]), "names": ", ".join(suggestions)},
            )
        raise ValidationError(
            "No pollutant is called %(text)s: give a name, a synonym in any language or a CAS number "
            "(the pollutants list shows them all).",
            params={"text": repr(text[:100])},
        )


class PollutantFilter(django_filters.CharFilter):
    field_class = PollutantField

    def filter(self, qs, value):
        return qs.filter(pollutant_id=value) if value else qs


class SearchTextField(forms.CharField):
    """Search words, refused (400) past the number of words a search needs, before any query runs."""

    def clean(self, value):
        text = super().clean(value)
        try:
            search_words(text)
        except SearchTooLong as exc:
            raise ValidationError(str(exc)) from None
        return text


class SearchTextFilter(django_filters.CharFilter):
    field_class = SearchTextField


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time turned into UTC: the database need not accept every offset Python does
    (PostgreSQL stops at 16 hours), and a date at the edge of the calendar is a 400, not a crash."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError(
                "%(value)s is outside the supported range of dates.", params={"value": value}
            ) from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


# The public pages' switch that brings in the values of superseded and repealed instruments; without
# it they show values of instruments in force (or in draft) only, and their downloads ask current=true.
INCLUDE_SUPERSEDED = "include_superseded"


def includes_superseded(query) -> bool:
    """Whether a page's query (request.GET) switches superseded and repealed instruments' values on."""
    word = str(query.get(INCLUDE_SUPERSEDED, "")).strip().lower()
    return word == "on" or StrictBooleanField.WORDS.get(word, False)


def superseded_switch(query) -> dict:
    """The pages' visible switch between values in force (the default) and all values: whether it is
    on, and the query of the same page with it flipped (templates/thresholds/_superseded_switch.html)."""
    flipped = query.copy()
    flipped.pop("page", None)
    included = includes_superseded(query)
    if included:
        flipped.pop(INCLUDE_SUPERSEDED, None)
    else:
        flipped[INCLUDE_SUPERSEDED] = "true"
    return {"superseded_included": included, "superseded_switch_query": flipped.urlencode()}


# The harmonised land use of values that apply whatever the land use (e.g. Germany's Vorsorgewerte).
ANY_LAND_USE = "any"


class ThresholdFilter(FormClassOnce, django_filters.FilterSet):
    country = CodeListFilter(
        field_name="instrument__country__iso3",
        known=lambda: Country.objects.values_list("iso3", flat=True),
        help_text="ISO 3166 alpha-3 codes (EUU for the European Union); repeat or separate with commas.",
    )
    region = django_filters.ChoiceFilter(
        field_name="instrument__country__m49_region", choices=Country.M49Region.choices, help_text="UN M49 region."
    )
    pollutant = PollutantFilter(
        help_text="Pollutant id, CAS number, or a name or synonym in any language; an unknown one is a 400 "
        "with the closest names."
    )
    group = django_filters.ChoiceFilter(field_name="pollutant__group", choices=Pollutant.Group.choices)
    pop = StrictBooleanFilter(field_name="pollutant__is_pop", help_text="Stockholm Convention POPs.")
    hhp = StrictBooleanFilter(field_name="pollutant__is_hhp", help_text="Highly Hazardous Pesticides.")
    land_use = CodeListFilter(
        field_name="land_use__code",
        known=lambda: LandUseClass.objects.values_list("code", flat=True),
        normalise=str.lower,
        help_text="Harmonised land-use codes.",
    )
    include_any_land_use = StrictBooleanFilter(
        method="filter_include_any_land_use",
        help_text=(
            f"With land_use: also the values set for every land use (code {ANY_LAND_USE}), which apply to "
            "the land uses asked for too. The public pages set it unless asked for specific values only."
        ),
    )
    tier = CodeListFilter(
        field_name="tier__code",
        known=lambda: Tier.objects.values_list("code", flat=True),
        normalise=str.lower,
        help_text="Harmonised tier codes.",
    )
    basis = django_filters.ChoiceFilter(choices=ThresholdValue.Basis.choices)
    # Bounds keep absurd numbers from reaching the database (SQLite cannot hold them): a 400 instead.
    instrument = django_filters.NumberFilter(
        field_name="instrument_id", min_value=1, max_value=2**63 - 1, decimal_places=0, help_text="Instrument id."
    )
    instrument_status = django_filters.ChoiceFilter(
        field_name="instrument__status",
        choices=LegalInstrument.Status.choices,
        help_text="The instrument's status: in_force, draft, superseded or repealed.",
    )
    current = StrictBooleanFilter(
        method="filter_current",
        help_text="true: values of instruments in force or in draft only (what the public pages show unless "
        "asked for superseded and repealed ones too); false: values of superseded or repealed instruments only.",
    )
    value_mg_kg_min = django_filters.NumberFilter(
        field_name="value_mg_kg", lookup_expr="gte", min_value=0, max_value=10**15
    )
    value_mg_kg_max = django_filters.NumberFilter(
        field_name="value_mg_kg", lookup_expr="lte", min_value=0, max_value=10**15
    )
    year_min = django_filters.NumberFilter(
        field_name="instrument__year", lookup_expr="gte", min_value=1800, max_value=2100, decimal_places=0
    )
    year_max = django_filters.NumberFilter(
        field_name="instrument__year", lookup_expr="lte", min_value=1800, max_value=2100, decimal_places=0
    )
    ph = django_filters.NumberFilter(
        method="filter_ph",
        min_value=0,
        max_value=14,
        help_text="Values whose pH band contains this pH (0-14), the band's ends as the source states them "
        '(pH 5.5 is in "pH<=5.5", not in "5.5<pH<=6.5"), or that depend on no pH.',
    )
    texture = django_filters.ChoiceFilter(
        method="filter_texture",
        choices=ThresholdValue.Texture.choices,
        help_text="Values set for this soil texture, and those that apply whatever the texture (unless "
        "specific_texture=true).",
    )
    specific_texture = StrictBooleanFilter(
        method="filter_specific_texture", help_text="With texture: only the values set for that texture."
    )
    extraction = CodeListFilter(
        field_name="extraction__code",
        known=lambda: ExtractionMethod.objects.values_list("code", flat=True),
        normalise=str.lower,
    )
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date-time, for incremental sync."
    )
    q = SearchTextFilter(
        method="filter_text",
        help_text="Words in pollutant names, synonyms, CAS numbers or instrument titles (at most 10 words).",
    )

    class Meta:
        model = ThresholdValue
        fields: list[str] = []

    def filter_queryset(self, queryset):
        cleaned = self.form.cleaned_data
        if not (cleaned.get("include_any_land_use") and cleaned.get("land_use")):
            return super().filter_queryset(queryset)
        self.form.cleaned_data = {**cleaned, "land_use": [*cleaned["land_use"], ANY_LAND_USE]}
        try:
            return super().filter_queryset(queryset)
        finally:
            self.form.cleaned_data = cleaned

    def filter_include_any_land_use(self, queryset, name, value):
        return queryset  # widens land_use, in filter_queryset

    def filter_ph(self, queryset, name, value: Decimal):
        above_low = Q(ph_min__isnull=True) | Q(ph_min__lt=value) | Q(ph_min=value, ph_min_exclusive=False)
        below_high = Q(ph_max__isnull=True) | Q(ph_max__gt=value) | Q(ph_max=value, ph_max_exclusive=False)
        return queryset.filter(above_low & below_high)

    def filter_texture(self, queryset, name, value: str):
        if self.form.cleaned_data.get("specific_texture"):
            return queryset.filter(texture=value)
        return queryset.filter(texture__in=[value, ""])

    def filter_specific_texture(self, queryset, name, value):
        return queryset  # narrows texture, in filter_texture

    def filter_current(self, queryset, name, value: bool):
        return queryset.current() if value else queryset.not_current()

    def filter_text(self, queryset, name, value):
        return thresholds_matching_text(queryset, value)


class InstrumentFilter(FormClassOnce, django_filters.FilterSet):
    """The instruments list's filters: a country (or several) and the instrument's own fields."""

    country = CodeListFilter(
        field_name="country__iso3",
        known=lambda: Country.objects.values_list("iso3", flat=True),
        help_text="ISO 3166 alpha-3 codes (EUU for the European Union); repeat or separate with commas.",
    )

    class Meta:
        model = LegalInstrument
        fields = ["status", "instrument_type", "binding", "year"]
