"""Shared reference data: jurisdictions, pollutants, units and the harmonised classes.

Loaded by `manage.py load_reference_data` and owned by curators afterwards (the loader adds
what is missing and never overwrites their edits).
"""

from __future__ import annotations

import time
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from reference.cas import validate_cas
from reference.localisation import country_name, synonym_language, translated_name
from reference.text import match_key, unit_key
from reference.units import factor_to_mg_kg


class Country(models.Model):
    """An ISO 3166-1 country or territory, or a supranational jurisdiction such as the EU."""

    class Kind(models.TextChoices):
        COUNTRY = "country", "Country or territory (ISO 3166-1)"
        SUPRANATIONAL = "supranational", "Supranational jurisdiction"

    class M49Region(models.TextChoices):
        AFRICA = "Africa", _("Africa")
        AMERICAS = "Americas", _("Americas")
        ASIA = "Asia", _("Asia")
        EUROPE = "Europe", _("Europe")
        OCEANIA = "Oceania", _("Oceania")

    class GspPartnership(models.TextChoices):
        AFRICAN = "african", "African Soil Partnership"
        ASIAN = "asian", "Asian Soil Partnership"
        EURASIAN = "eurasian", "Eurasian Soil Partnership"
        EUROPEAN = "european", "European Soil Partnership"
        LATIN_AMERICA_CARIBBEAN = "lac", "Latin America and the Caribbean Soil Partnership"
        NEAR_EAST_NORTH_AFRICA = "nena", "Near East and North Africa Soil Partnership"
        NORTH_AMERICA = "north_america", "North America Soil Partnership"
        PACIFIC = "pacific", "Pacific Soil Partnership"

    iso3 = models.CharField("ISO alpha-3", max_length=3, unique=True)
    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    numeric = models.CharField("ISO numeric", max_length=3, blank=True)
    name = models.CharField(max_length=120)
    official_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COUNTRY)
    un_member = models.BooleanField("UN member state", default=False)
    m49_region = models.CharField("UN M49 region", max_length=20, choices=M49Region.choices, blank=True)
    m49_subregion = models.CharField("UN M49 sub-region", max_length=60, blank=True)
    gsp_partnership = models.CharField(
        "GSP regional soil partnership",
        max_length=20,
        choices=GspPartnership.choices,
        blank=True,
        help_text="Seeded from fixtures/reference/gsp_partnerships.yaml; curators confirm or correct it.",
    )
    member_of = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="members",
        limit_choices_to={"kind": Kind.SUPRANATIONAL},
        help_text="The supranational bodies (e.g. the EU) whose values apply here too; seeded from "
        "fixtures/reference/memberships.yaml.",
    )
    updated_at = models.DateTimeField(auto_now=True, help_text="Last change; the API's Last-Modified.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=models.Q(iso3__regex=r"^[A-Z]{3}$"), name="country_iso3_format"),
            models.CheckConstraint(condition=models.Q(iso2__regex=r"^[A-Z]{2}$"), name="country_iso2_format"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.iso3})"

    @property
    def local_name(self) -> str:
        """The name in the visitor's language (CLDR); the curated name in English."""
        return country_name(self.iso2, self.name)

    @property
    def local_region(self) -> str:
        return translated_name(self.m49_region)

    @property
    def local_subregion(self) -> str:
        return translated_name(self.m49_subregion)


class AddedByProposal(models.Model):
    """Who added an entry by accepting the matcher's proposal during an import, when, and in which
    import batch (`added_note`). Blank for entries loaded from the fixtures or typed in the admin."""

    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    added_at = models.DateTimeField(null=True, blank=True, editable=False)
    added_note = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        abstract = True


# How long a process keeps the pollutants' names in each language. A synonym saved or deleted in the
# process is seen at once (reference/apps.py); other processes see it within this time.
POLLUTANT_NAMES_SECONDS = 60


class PollutantManager(models.Manager):
    def local_names(self) -> dict[tuple[int, str], str]:
        """{(pollutant id, language): name}: each pollutant's first synonym in each language, the name
        pages show (Pollutant.local_name). Read once per process and period, so a page of hundreds of
        values costs no query per row."""
        return _pollutant_local_names(int(time.monotonic() // POLLUTANT_NAMES_SECONDS))


@lru_cache(maxsize=1)
def _pollutant_local_names(period: int) -> dict[tuple[int, str], str]:
    names: dict[tuple[int, str], str] = {}
    synonyms = PollutantSynonym.objects.exclude(language="").order_by("id")
    for pollutant_id, language, name in synonyms.values_list("pollutant_id", "language", "name"):
        names.setdefault((pollutant_id, language), name)
    return names


def pollutant_local_names_forget(**signal) -> None:
    """Read the names again on next use (a synonym was saved or deleted)."""
    _pollutant_local_names.cache_clear()


class Pollutant(AddedByProposal):
    """A substance or a sum parameter (e.g. the sum of DDT, DDD and DDE) that thresholds regulate."""

    class Group(models.TextChoices):
        METAL = "metal", _("Metal or metalloid")
        PESTICIDE = "pesticide", _("Pesticide")
        PAH = "pah", _("Polycyclic aromatic hydrocarbon (PAH)")
        PCB = "pcb", _("Polychlorinated biphenyl (PCB)")
        DIOXIN = "dioxin", _("Dioxin or furan")
        PFAS = "pfas", _("Per- and polyfluoroalkyl substance (PFAS)")
        PETROLEUM = "petroleum", _("Petroleum hydrocarbon")
        OTHER = "other", _("Other")

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    cas_rn = models.CharField(
        "CAS RN",
        max_length=12,
        blank=True,
        validators=[validate_cas],
        help_text="Blank for sums and mixtures.",
    )
    group = models.CharField(max_length=20, choices=Group.choices)
    is_pop = models.BooleanField("Stockholm Convention POP", default=False)
    is_obsolete_pesticide = models.BooleanField("obsolete pesticide", default=False)
    is_hhp = models.BooleanField("Highly Hazardous Pesticide", default=False)
    flags_source = models.TextField(
        blank=True,
        help_text="Where the POP, obsolete and HHP flags come from (convention annex, list, year).",
    )
    members = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="sums",
        help_text="For a sum parameter: the substances it adds up.",
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="Last change; the API's Last-Modified.")

    objects = PollutantManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cas_rn"], condition=~models.Q(cas_rn=""), name="pollutant_cas_unique_when_set"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        """The name pages show in the visitor's language: the pollutant's first synonym in that
        language, else the English `name`. The API and the downloads keep `name`."""
        language = synonym_language()
        if language == "en":
            return self.name
        return Pollutant.objects.local_names().get((self.pk, language), self.name)


class PollutantSynonym(AddedByProposal):
    """A name under which a pollutant appears in sources, in any language; used for matching. The
    first synonym of a language (the oldest) is the pollutant's name on pages in that language."""

    pollutant = models.ForeignKey(Pollutant, on_delete=models.CASCADE, related_name="synonyms")
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=10, blank=True, help_text="ISO 639-1 code, e.g. de, it, zh.")
    key = models.CharField(max_length=200, unique=True, editable=False)

    class Meta:
        ordering = ["pollutant__name", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.key = match_key(self.name)
        super().save(*args, **kwargs)

    def clean(self):
        self.key = match_key(self.name)
        clash = PollutantSynonym.objects.filter(key=self.key).exclude(pk=self.pk).select_related("pollutant").first()
        if clash:
            message = f"{self.name!r} already names {clash.pollutant} (as {clash.name!r}); "
            message += "a name must mean one pollutant."
            raise ValidationError({"name": message})


class Unit(models.Model):
    """A unit of concentration in soil. Mass fractions convert to mg/kg; other units are kept as written."""

    class Kind(models.TextChoices):
        MASS_FRACTION = "mass_fraction", "Mass fraction"
        ACTIVITY = "activity", "Activity concentration"
        TOXIC_EQUIVALENT = "toxic_equivalent", "Toxic equivalent"

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    pint_expression = models.CharField(
        max_length=60,
        blank=True,
        help_text="How the pint units library spells it; blank if it has no meaning there.",
    )
    factor_to_mg_kg = models.DecimalField(
        max_digits=30,
        decimal_places=15,
        null=True,
        blank=True,
        help_text="Multiply a value in this unit by this to get mg/kg. Blank when it does not convert.",
    )
    updated_at = models.DateTimeField(auto_now=True, help_text="Last change; the API's Last-Modified.")

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(factor_to_mg_kg__isnull=True) | models.Q(factor_to_mg_kg__gt=0),
                name="unit_factor_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        """Mass fractions get their factor from the units library; other kinds never convert."""
        if self.kind != self.Kind.MASS_FRACTION:
            self.factor_to_mg_kg = None
            return
        if not self.pint_expression:
            raise ValidationError(
                {"pint_expression": "A mass fraction needs its spelling for the units library, e.g. ug/kg."}
            )
        try:
            self.factor_to_mg_kg = factor_to_mg_kg(self.pint_expression)
        except ValueError as exc:
            raise ValidationError({"pint_expression": f"{exc}."}) from exc

    @property
    def converts_to_mg_kg(self) -> bool:
        return self.factor_to_mg_kg is not None

    def to_mg_kg(self, value: Decimal) -> Decimal | None:
        if self.factor_to_mg_kg is None:
            return None
        return value * self.factor_to_mg_kg


class UnitAlias(AddedByProposal):
    """Another way sources write a unit ("mg/kg dry matter", "mg kg-1", "ppm"). Curators add more."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=60)
    key = models.CharField(max_length=60, unique=True, editable=False)

    class Meta:
        ordering = ["unit__code", "alias"]
        verbose_name_plural = "unit aliases"

    def __str__(self) -> str:
        return self.alias

    def save(self, *args, **kwargs):
        self.key = unit_key(self.alias)
        super().save(*args, **kwargs)

    def clean(self):
        self.key = unit_key(self.alias)
        clash = UnitAlias.objects.filter(key=self.key).exclude(pk=self.pk).select_related("unit").first()
        if clash:
            raise ValidationError({"alias": f"{self.alias!r} is already an alias of {clash.unit.code}."})


class HarmonisedClass(models.Model):
    """A code list entry with a description, shown in a fixed order."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True, help_text="Last change; the API's Last-Modified.")

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        """The name in the visitor's language (reference/names.py puts it in the catalogs)."""
        return translated_name(self.name)


class LandUseClass(HarmonisedClass):
    class Meta(HarmonisedClass.Meta):
        verbose_name = "land-use class"
        verbose_name_plural = "land-use classes"


class Tier(HarmonisedClass):
    class Meta(HarmonisedClass.Meta):
        verbose_name = "threshold tier"


class ExtractionMethod(HarmonisedClass):
    class Meta(HarmonisedClass.Meta):
        verbose_name = "extraction method"


class LabelTerm(models.Model):
    """A word or phrase of soil law that names a land use or a tier, in any language, with its source.

    The matcher (thresholds/matching.py) finds these terms anywhere inside a source's label and
    proposes the term's class. Loaded from fixtures/reference/vocabulary.yaml; curators add more.
    """

    class Kind(models.TextChoices):
        LAND_USE = "land_use", "Land use"
        TIER = "tier", "Tier"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    term = models.CharField(max_length=200)
    key = models.CharField(max_length=200, editable=False)
    language = models.CharField(max_length=10, help_text="ISO 639-1 code, e.g. de, nl, zh.")
    land_use = models.ForeignKey(LandUseClass, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approximate = models.BooleanField(
        default=False, help_text="The term only roughly fits the class; values read through it are flagged."
    )
    note = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=500, help_text="Where the term is used in this sense: address and title.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "language", "term"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="label_term_unique"),
            models.CheckConstraint(
                condition=(models.Q(kind="land_use") & models.Q(land_use__isnull=False) & models.Q(tier__isnull=True))
                | (models.Q(kind="tier") & models.Q(tier__isnull=False) & models.Q(land_use__isnull=True)),
                name="label_term_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.language}) → {self.land_use or self.tier}"

    def save(self, *args, **kwargs):
        self.key = match_key(self.term)
        super().save(*args, **kwargs)

    def clean(self):
        self.key = match_key(self.term)
        if not self.key:
            raise ValidationError({"term": "A term needs letters."})
        if (self.kind == self.Kind.LAND_USE) != (self.land_use_id is not None) or (self.kind == self.Kind.TIER) != (
            self.tier_id is not None
        ):
            raise ValidationError("Give the land-use class for a land-use term, the tier for a tier term.")
        clash = LabelTerm.objects.filter(kind=self.kind, key=self.key).exclude(pk=self.pk).first()
        if clash:
            raise ValidationError({"term": f"{self.term!r} is already a term ({clash})."})
