"""Legal instruments and the threshold values they set.

Every value keeps the source's own words (pollutant name, land use, tier, unit, conditions)
beside the harmonised classes the portal maps them to, so nothing is lost in harmonisation.
"""

from __future__ import annotations

import hashlib
import re
from decimal import ROUND_HALF_UP, Context, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.history import record_history
from core.roles import sees_value_drafts
from reference.models import Country, ExtractionMethod, LandUseClass, Pollutant, Tier, Unit
from reference.text import match_key
from reference.units import unit_basis
from thresholds.conditions import ph_band_ends

MG_KG_PLACES = Decimal("1e-12")  # the value_mg_kg column's precision
MG_KG_CONTEXT = Context(prec=30)
MG_KG_WHOLE_DIGITS = 18  # the value_mg_kg column's digits before the point (30 digits, 12 of them after)
PLAIN_DECIMAL = re.compile(r"^\d{1,14}(\.\d{1,10})?$")
# Free text (notes, quotes, conditions as written): no source needs more, and megabytes of it would
# weigh on every page and export that shows it. The import, the API, the admin and the model hold it.
FREE_TEXT_LIMIT = 10_000
free_text_validators = [MaxLengthValidator(FREE_TEXT_LIMIT)]

# Each numeric condition's range and how a message says a number is outside it. One table for every
# path: the import, the API and the survey check with condition_number_problem, the admin and
# full_clean with ConditionNumberValidator, and the database with its constraints (CEC's built from it).
CONDITION_RANGES = {
    "ph": (Decimal(0), Decimal(14), _("%(column)s %(text)s is outside the pH scale 0-14.")),
    "clay": (Decimal(0), Decimal(100), _("%(column)s %(text)s is not a percentage between 0 and 100.")),
    "toc": (Decimal(0), Decimal(100), _("%(column)s %(text)s is not a percentage between 0 and 100.")),
    "cec": (
        Decimal(0),
        Decimal(1000),
        _("%(column)s %(text)s is outside 0-1000 cmol(+)/kg, the range of soils' cation exchange capacity."),
    ),
}


def condition_number_problem(column: str, number: Decimal, text: str = "") -> str | None:
    """What keeps `number` out of the condition column `column` (e.g. "cec_min"): outside its range,
    or more decimal places or digits than the column holds. None when it fits. `text` is the number
    as written, for the message. Trailing zeros ("5.500") are no extra places."""
    text = text or str(number)
    low, high, outside = CONDITION_RANGES[column.rsplit("_", 1)[0]]
    if not low <= number <= high:
        return str(outside) % {"column": column, "text": text}
    column_field = ThresholdValue._meta.get_field(column)
    places = max(0, -number.normalize().as_tuple().exponent)
    if places > column_field.decimal_places:
        rounded = number.quantize(Decimal(1).scaleb(-column_field.decimal_places), rounding=ROUND_HALF_UP)
        return ngettext(
            "%(column)s %(text)s has %(places)s decimal place; this column keeps %(kept)s: "
            "round it (e.g. %(rounded)s).",
            "%(column)s %(text)s has %(places)s decimal places; this column keeps %(kept)s: "
            "round it (e.g. %(rounded)s).",
            places,
        ) % {"column": column, "text": text, "places": places, "kept": column_field.decimal_places, "rounded": rounded}
    whole = column_field.max_digits - column_field.decimal_places
    if number.adjusted() >= whole:
        return ngettext(
            "%(column)s %(text)s has more than the %(whole)s digit before the point this column keeps.",
            "%(column)s %(text)s has more than the %(whole)s digits before the point this column keeps.",
            whole,
        ) % {"column": column, "text": text, "whole": whole}
    return None


@deconstructible
class ConditionNumberValidator:
    """condition_number_problem as a field validator, so the admin and full_clean refuse what the import does."""

    def __init__(self, column: str):
        self.column = column

    def __call__(self, number) -> None:
        problem = condition_number_problem(self.column, Decimal(number))
        if problem:
            raise ValidationError(problem, code="condition_number")

    def __eq__(self, other) -> bool:
        return isinstance(other, ConditionNumberValidator) and other.column == self.column


def mg_kg_problem(value: Decimal, unit: Unit | None) -> str | None:
    """What keeps a value in `unit` out of the mg/kg column (more digits before the point than it
    holds); None when it fits or does not convert."""
    converted = unit.to_mg_kg(value) if unit else None
    if converted is not None and converted.adjusted() >= MG_KG_WHOLE_DIGITS:
        return gettext(
            "is %(converted)s mg/kg: more than the %(whole)s digits before the point "
            "that mg/kg values are kept with. Check the value and its unit."
        ) % {"converted": converted.normalize(), "whole": MG_KG_WHOLE_DIGITS}
    return None


def validate_value_text(text: str) -> None:
    """A value as written: a plain non-negative number with a point as decimal separator."""
    if not PLAIN_DECIMAL.match(text or ""):
        raise ValidationError(
            f"{text!r} is not a plain number: write digits with a point as decimal separator "
            "(e.g. 0.30), at most 14 digits before the point and 10 after, no sign or thousands separator.",
            code="value_text",
        )


class ImportBatch(models.Model):
    """One spreadsheet import. Every row it wrote points to it, so it can be rolled back.

    A batch is "running" from the moment its writing starts; its rows and its "committed" status are
    written in one transaction. An import that stops (an error, a killed process, a lost database
    connection) writes no row and its batch ends "failed", with the reason in `notes`.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        COMMITTED = "committed", "Committed"
        ROLLED_BACK = "rolled_back", "Rolled back"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    rows_total = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    instruments_created = models.PositiveIntegerField(default=0)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    accepted_proposals = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The matcher's proposals accepted with this import: what was read how, and what was added.",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"
        permissions = [("rollback_importbatch", "Can roll back an import batch")]

    def __str__(self) -> str:
        return f"Import #{self.pk} {self.file_name} ({self.get_status_display().lower()})"

    @property
    def change_reason(self) -> str:
        """What the history of every row this batch writes says."""
        return f"import batch #{self.pk} ({self.file_name})"


class LegalInstrumentQuerySet(models.QuerySet):
    """Which instruments: the pages, the API and the survey start from these (see ThresholdValueQuerySet)."""

    def public(self):
        """Not withdrawn, and with a public value: a draft import creates its instruments at once; they are
        public with their first published value. An EXISTS probe per instrument, not a count."""
        # What ThresholdValueQuerySet.public() asks, the instrument's withdrawal checked once, out here.
        published = ThresholdValue.objects.filter(
            instrument=models.OuterRef("pk"), status=ThresholdValue.Status.PUBLISHED
        )
        return self.filter(models.Exists(published), withdrawn=False)

    def visible_to(self, user):
        """Everything for those who see unpublished values (core.roles.sees_value_drafts), else public()."""
        return self if sees_value_drafts(user) else self.public()

    def current(self):
        """Still in force, or being drafted: neither superseded nor repealed."""
        return self.exclude(status__in=LegalInstrument.NOT_CURRENT)

    def of_country(self, country):
        """The country's own instruments (a supranational body, such as the EU, is a country of its own)."""
        return self.filter(country=country)


def condition_number_field(column: str, label: str, *, max_digits: int) -> models.DecimalField:
    """A condition's bound (pH, clay, TOC, CEC): two decimal places, checked by condition_number_problem."""
    return models.DecimalField(
        label,
        max_digits=max_digits,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[ConditionNumberValidator(column)],
    )


class ThresholdValueQuerySet(models.QuerySet):
    """Which values: every page, the API, the survey's pre-fill and review and the indicators start
    from these, so "published", "current" and "the country's" are written once."""

    def public(self):
        """What anyone may read: published values of instruments that were not withdrawn (a withdrawn
        instrument's values are withdrawn with it; this keeps them out even if one is published again
        by mistake)."""
        return self.filter(status=ThresholdValue.Status.PUBLISHED, instrument__withdrawn=False)

    def visible_to(self, user):
        """Drafts and withdrawn values too for those who see them (core.roles.sees_value_drafts), else public()."""
        return self if sees_value_drafts(user) else self.public()

    def current(self):
        """Values of instruments still in force or being drafted (LegalInstrumentQuerySet.current)."""
        return self.exclude(instrument__status__in=LegalInstrument.NOT_CURRENT)

    def not_current(self):
        """Values of superseded or repealed instruments: what current() leaves out."""
        return self.filter(instrument__status__in=LegalInstrument.NOT_CURRENT)

    def of_country(self, country):
        """The values of the country's own instruments."""
        return self.filter(instrument__country=country)


class LegalInstrument(models.Model):
    """A law, regulation, standard, guideline or policy that sets threshold values."""

    class Type(models.TextChoices):
        LAW = "law", _("Law")
        REGULATION = "regulation", _("Regulation")
        STANDARD = "standard", _("Standard")
        GUIDELINE = "guideline", _("Guideline")
        POLICY = "policy", _("Policy")

    class Binding(models.TextChoices):
        BINDING = "binding", _("Legally binding")
        ADVISORY = "advisory", _("Advisory")

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        DRAFT = "draft", _("Draft")
        SUPERSEDED = "superseded", _("Superseded")
        REPEALED = "repealed", _("Repealed")

    # An instrument no longer in force: its values are history, not what its country holds today.
    NOT_CURRENT = (Status.SUPERSEDED, Status.REPEALED)

    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="instruments",
        help_text="Country or supranational body.",
    )
    jurisdiction = models.CharField(
        "sub-national jurisdiction", max_length=200, blank=True, help_text="Blank for national instruments."
    )
    title = models.CharField(max_length=500, help_text="As in the source, in its own language.")
    title_en = models.CharField("English title", max_length=500, blank=True)
    short_name = models.CharField("number or short name", max_length=100, blank=True)
    instrument_type = models.CharField("type", max_length=20, choices=Type.choices, blank=True)
    binding = models.CharField(max_length=20, choices=Binding.choices, blank=True)
    issuing_body = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    date_in_force = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_FORCE)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    url = models.URLField("URL of the text", max_length=500, blank=True)
    faolex_id = models.CharField("SoiLEX/FAOLEX record", max_length=40, blank=True)
    language = models.CharField(max_length=10, blank=True, help_text="ISO 639-1 code of the text.")
    notes = models.TextField(blank=True, validators=free_text_validators)
    from_survey = models.ForeignKey(
        "surveys.SurveyResponse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The survey response this came from, when a curator accepted it (provenance).",
    )
    withdrawn = models.BooleanField(
        default=False,
        editable=False,
        help_text="Taken out of the public database with all its values (e.g. entered in error); kept with its "
        "history. Set by the withdraw action.",
    )
    is_synthetic = models.BooleanField(
        default=False, editable=False, help_text="Made by generate_thresholds for benchmarks; not real data."
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instruments",
        editable=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)  # MAX() for Last-Modified
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = LegalInstrumentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    # What describes an instrument, as curators, the seed and the API set it.
    DESCRIPTIVE_FIELDS = [
        "jurisdiction",
        "title",
        "title_en",
        "short_name",
        "instrument_type",
        "binding",
        "issuing_body",
        "year",
        "date_in_force",
        "status",
        "url",
        "faolex_id",
        "language",
        "notes",
    ]

    class Meta:
        ordering = ["country__name", "jurisdiction", "-year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "jurisdiction", "title"],
                name="instrument_unique_title",
                violation_error_message="This country and jurisdiction already have an instrument with this title.",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1800, year__lte=2100),
                name="instrument_year_plausible",
                violation_error_message="The year must be between 1800 and 2100.",
            ),
            models.CheckConstraint(
                condition=~Q(supersedes=F("id")),
                name="instrument_not_superseding_itself",
                violation_error_message="An instrument cannot supersede itself.",
            ),
        ]

    def __str__(self) -> str:
        label = self.short_name or self.title
        return f"{self.country.iso3}: {label[:120]}" + (f" ({self.year})" if self.year else "")

    @property
    def is_current(self) -> bool:
        """In force or in draft: neither superseded nor repealed (LegalInstrumentQuerySet.current)."""
        return self.status not in self.NOT_CURRENT

    def withdraw(self, *, by, reason: str = "withdrawn with its values") -> None:
        """Take the instrument out of the public database (its values follow: see
        thresholds.services.instrument_withdraw). Saves nothing: a service saves it, after
        check_may_change_publication, so nobody withdraws without the permission to publish."""
        self.withdrawn, self.updated_by = True, by
        record_history(self, user=by, reason=reason)

    def clean(self):
        # A withdrawn instrument is out of the public database: nothing may point the public to it. One
        # that was withdrawn after this link was made is left linked (the pages leave it out).
        if self.supersedes_id and self.supersedes.withdrawn:
            stored = LegalInstrument.objects.filter(pk=self.pk).values_list("supersedes_id", flat=True).first()
            if stored != self.supersedes_id:
                raise ValidationError(
                    {
                        "supersedes": f"{self.supersedes} was withdrawn (taken out of the public database), so "
                        "no instrument can supersede it. Choose the instrument this one really replaces, or "
                        "leave it blank."
                    },
                    code="supersedes_withdrawn",
                )


# The fields that, with the instrument, pollutant and the source's labels, tell two values apart.
CONDITION_FIELDS = [
    "ph_min",
    "ph_max",
    "texture",
    "clay_min",
    "clay_max",
    "toc_min",
    "toc_max",
    "cec_min",
    "cec_max",
    "crop",
    "depth",
    "extraction_id",
    "condition_text",
]


class ThresholdValue(models.Model):
    """One threshold, guideline or screening value as a source states it, with its harmonised classes."""

    class Qualifier(models.TextChoices):
        EQUAL = "=", "="
        LESS = "<", "<"
        AT_MOST = "<=", "≤"
        MORE = ">", ">"
        AT_LEAST = ">=", "≥"
        RANGE_MIN = "range_min", _("lower bound of a range")
        RANGE_MAX = "range_max", _("upper bound of a range")

    class Basis(models.TextChoices):
        HUMAN_HEALTH = "human_health", _("Human health")
        ECOLOGICAL = "ecological", _("Ecological")
        BACKGROUND = "background", _("Background")
        FOOD_SAFETY = "food_safety", _("Food safety or agronomic")
        GROUNDWATER = "groundwater", _("Groundwater protection")

    class Texture(models.TextChoices):
        SAND = "sand", _("Sandy soils")
        LOAM_SILT = "loam_silt", _("Loamy or silty soils")
        LOAM = "loam", _("Loamy soils")
        SILT = "silt", _("Silty soils")
        CLAY = "clay", _("Clayey soils")
        ORGANIC = "organic", _("Organic (peat) soils")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", "Unverified"
        VERIFIED = "verified", "Verified against the official text"

    # No index of their own: the unique constraint's index starts with the instrument, and the
    # (pollutant, land use, tier) index with the pollutant. Two indexes fewer to write per value.
    instrument = models.ForeignKey(LegalInstrument, on_delete=models.PROTECT, related_name="values", db_index=False)
    pollutant = models.ForeignKey(Pollutant, on_delete=models.PROTECT, related_name="threshold_values", db_index=False)
    pollutant_label = models.CharField(
        max_length=200, blank=True, help_text="The pollutant's name as the source writes it."
    )
    value_text = models.CharField(
        "value as written",
        max_length=40,
        validators=[validate_value_text],
        help_text='The number exactly as the source writes it, e.g. "0.30".',
    )
    value = models.DecimalField(max_digits=24, decimal_places=10, editable=False)
    qualifier = models.CharField(max_length=10, choices=Qualifier.choices, default=Qualifier.EQUAL)
    unit_label = models.CharField("unit as written", max_length=60)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="threshold_values")
    unit_basis = models.CharField(
        "mass basis",
        max_length=10,
        choices=[("dry", "dry matter"), ("fresh", "fresh matter")],
        blank=True,
        editable=False,
        help_text="Dry or fresh soil, as the unit says (reference.units.unit_basis); blank when it does not say.",
    )
    value_mg_kg = models.DecimalField(
        "value in mg/kg", max_digits=30, decimal_places=12, null=True, blank=True, editable=False
    )
    land_use = models.ForeignKey(LandUseClass, on_delete=models.PROTECT, related_name="threshold_values")
    land_use_label = models.CharField("land use as written", max_length=300, blank=True)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="threshold_values")
    tier_label = models.CharField("tier as written", max_length=300, blank=True)
    basis = models.CharField(max_length=20, choices=Basis.choices, blank=True)
    value_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Year the value was set or revised, where the source says."
    )

    # Applicability conditions, structured; the source's own words are in condition_text.
    # "soil pH", not "pH": labels and headers capitalise a verbose name's first letter ("PH min").
    ph_min = condition_number_field("ph_min", "soil pH min", max_digits=4)
    ph_max = condition_number_field("ph_max", "soil pH max", max_digits=4)
    # Whether the band leaves its end out ("5.5<pH<=6.5": a soil of pH 5.5 is not in it), as the
    # condition text states (thresholds.conditions.ph_band_ends); both ends are kept otherwise.
    ph_min_exclusive = models.BooleanField(
        "soil pH min left out", default=False, editable=False, help_text="The band starts just above pH min."
    )
    ph_max_exclusive = models.BooleanField(
        "soil pH max left out", default=False, editable=False, help_text="The band ends just below pH max."
    )
    texture = models.CharField("soil texture", max_length=20, choices=Texture.choices, blank=True)
    clay_min = condition_number_field("clay_min", "clay % min", max_digits=5)
    clay_max = condition_number_field("clay_max", "clay % max", max_digits=5)
    toc_min = condition_number_field("toc_min", "organic matter/TOC % min", max_digits=5)
    toc_max = condition_number_field("toc_max", "organic matter/TOC % max", max_digits=5)
    cec_min = condition_number_field("cec_min", "CEC min (cmol/kg)", max_digits=7)
    cec_max = condition_number_field("cec_max", "CEC max (cmol/kg)", max_digits=7)
    crop = models.CharField("crop or field type", max_length=100, blank=True, help_text="e.g. paddy")
    depth = models.CharField(max_length=50, blank=True, help_text="e.g. 0-30 cm")
    extraction = models.ForeignKey(
        ExtractionMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="threshold_values"
    )
    condition_text = models.TextField("conditions as written", blank=True, validators=free_text_validators)
    conditions_key = models.CharField(max_length=64, editable=False)

    source_url = models.URLField(max_length=500, blank=True)
    source_page = models.CharField("table or page", max_length=200, blank=True)
    source_quote = models.TextField(blank=True, validators=free_text_validators)
    notes = models.TextField(blank=True, validators=free_text_validators)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    from_survey = models.ForeignKey(
        "surveys.SurveyResponse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The survey response this value came from, when a curator accepted it (provenance).",
    )
    verification = models.CharField(max_length=20, choices=Verification.choices, default=Verification.UNVERIFIED)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,  # shown, never searched: an index would only slow down imports
    )
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    needs_review = models.BooleanField(
        default=False,
        help_text="Something about this value could not be mapped with confidence; see review note.",
    )
    review_note = models.TextField(blank=True, validators=free_text_validators)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    adopted_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adopted_by",
        help_text="The value this one copies, e.g. a national value taken from another country's standard.",
    )

    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="values", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # indexed with id: see Meta.indexes
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,  # shown, never searched: an index would only slow down imports
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        db_index=False,  # shown, never searched: an index would only slow down imports
    )

    objects = ThresholdValueQuerySet.as_manager()

    # History is read per value (by id) and by date; indexes on its other columns would only slow
    # down every write.
    history = HistoricalRecords(
        excluded_fields=["updated_at"],
        no_db_index=[
            "instrument",
            "pollutant",
            "unit",
            "land_use",
            "tier",
            "extraction",
            "import_batch",
            "adopted_from",
            "created_by",
            "updated_by",
            "verified_by",
        ],
    )

    class Meta:
        ordering = ["instrument", "pollutant__name", "land_use__sort_order", "tier__sort_order", "id"]
        permissions = [
            ("publish_thresholdvalue", "Can publish and withdraw threshold values"),
            ("verify_thresholdvalue", "Can mark threshold values as verified"),
            ("import_thresholdvalue", "Can import threshold values from spreadsheets"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="threshold_value_not_negative",
                violation_error_message="The value must be zero or more.",
            ),
            models.CheckConstraint(
                condition=Q(value_mg_kg__isnull=True) | Q(value_mg_kg__gte=0),
                name="threshold_mg_kg_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(ph_min__isnull=True) | Q(ph_min__gte=0, ph_min__lte=14))
                & (Q(ph_max__isnull=True) | Q(ph_max__gte=0, ph_max__lte=14)),
                name="threshold_ph_within_0_14",
                violation_error_message="pH must be between 0 and 14.",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}_min__isnull": True})
                    | Q(**{f"{name}_max__isnull": True})
                    | Q(**{f"{name}_min__lte": F(f"{name}_max")}),
                    name=f"threshold_{name}_min_not_above_max",
                    violation_error_message=f"{name} min must not be above {name} max.",
                )
                for name in ["ph", "clay", "toc", "cec"]
            ],
            models.CheckConstraint(
                condition=(Q(clay_min__isnull=True) | Q(clay_min__gte=0, clay_min__lte=100))
                & (Q(clay_max__isnull=True) | Q(clay_max__gte=0, clay_max__lte=100))
                & (Q(toc_min__isnull=True) | Q(toc_min__gte=0, toc_min__lte=100))
                & (Q(toc_max__isnull=True) | Q(toc_max__gte=0, toc_max__lte=100)),
                name="threshold_percentages_within_0_100",
                violation_error_message="Clay and organic matter/TOC percentages must be between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=(Q(cec_min__isnull=True) | Q(cec_min__range=CONDITION_RANGES["cec"][:2]))
                & (Q(cec_max__isnull=True) | Q(cec_max__range=CONDITION_RANGES["cec"][:2])),
                name="threshold_cec_within_0_1000",
                violation_error_message="CEC must be between 0 and 1000 cmol(+)/kg.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_from__lte=F("valid_to")),
                name="threshold_valid_from_not_after_valid_to",
                violation_error_message="Valid from must not be after valid to.",
            ),
            models.UniqueConstraint(
                fields=["instrument", "pollutant", "land_use_label", "tier_label", "conditions_key"],
                name="threshold_unique_per_instrument_and_conditions",
                violation_error_message=(
                    "This instrument already has a value for this pollutant, land-use label, tier label and "
                    "conditions: edit that one, or tell them apart by their conditions."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["pollutant", "land_use", "tier"]),
            models.Index(fields=["status", "id"]),
            # The newest values first (home page), and MAX(updated_at) for Last-Modified.
            models.Index(fields=["updated_at", "id"], name="threshold_updated_at_id"),
        ]

    def __str__(self) -> str:
        return f"{self.pollutant} {self.get_qualifier_display()} {self.value_text} {self.unit_label}"

    def save(self, *args, **kwargs):
        self.refresh_derived_fields()
        super().save(*args, **kwargs)

    def clean(self):
        if PLAIN_DECIMAL.match(self.value_text or "") and self.unit_id:
            problem = mg_kg_problem(Decimal(self.value_text), self.unit)
            if problem:
                raise ValidationError({"value_text": f"{self.value_text} {self.unit_label} {problem}"})
        self.refresh_derived_fields()

    # Small state changes. Each says who made it and why (core.history.record_history) and saves
    # nothing: the services in thresholds/services.py save, after check_may_change_publication (these
    # fields are PUBLICATION_FIELDS), so no path publishes, withdraws or verifies without the permission.

    def publish(self, *, by, reason: str = "") -> None:
        self.set_status(self.Status.PUBLISHED, by=by, reason=reason)

    def withdraw(self, *, by, reason: str = "") -> None:
        self.set_status(self.Status.WITHDRAWN, by=by, reason=reason)

    def set_status(self, status: str, *, by, reason: str = "") -> None:
        self.status, self.updated_by = status, by
        record_history(self, user=by, reason=reason or f"set {status}")

    def mark_verified(self, *, by, at=None, reason: str = "verified against the official text") -> None:
        """Record that `by` checked the value against the official text."""
        self.verification = self.Verification.VERIFIED
        self.verified_by, self.verified_at, self.updated_by = by, at or timezone.now(), by
        record_history(self, user=by, reason=reason)

    def refresh_derived_fields(self) -> None:
        """Recompute what follows from other fields: the number, mg/kg and the conditions key.

        The value as written is the source of truth; the number is derived from it.
        """
        if not self.pollutant_label and self.pollutant_id:
            self.pollutant_label = self.pollutant.name
        if PLAIN_DECIMAL.match(self.value_text or ""):
            self.value, self.value_mg_kg = value_numbers(self.value_text, self.unit if self.unit_id else None)
        self.conditions_key = conditions_key_for(self)
        self.unit_basis = unit_basis(self.unit_label or "")
        self.ph_min_exclusive, self.ph_max_exclusive = ph_band_ends(self.condition_text, self.ph_min, self.ph_max)


def value_numbers(value_text: str, unit: Unit | None) -> tuple[Decimal, Decimal | None]:
    """The number a value as written stands for, and the same in mg/kg (None if it does not convert)."""
    value = Decimal(value_text)
    converted = unit.to_mg_kg(value) if unit else None
    # Quantized with the column's 30 digits: the default context's 28 would fail on the largest values.
    return value, None if converted is None else converted.quantize(MG_KG_PLACES, context=MG_KG_CONTEXT)


def conditions_key_for(value) -> str:
    """A short fingerprint of a value's conditions, for the uniqueness constraint.

    Two values of one instrument and pollutant are the same record when their land-use and tier
    labels and this key agree.

    Works on model instances and on plain objects with the same attributes (the importer's rows).
    """
    parts = []
    for name in CONDITION_FIELDS:
        item = getattr(value, name, None)
        if isinstance(item, Decimal):
            item = format(item.normalize(), "f")
        parts.append("" if item is None else str(item).strip())
    # Where the source gives no label of its own, the harmonised class tells values apart instead.
    parts.append("" if value.land_use_label else str(value.land_use_id or ""))
    parts.append("" if value.tier_label else str(value.tier_id or ""))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class LabelClassification(models.Model):
    """How the portal classifies a source's own land-use or tier label into a harmonised class.

    Curators extend this table; the importer looks labels up here when a row gives no code.
    """

    class Kind(models.TextChoices):
        LAND_USE = "land_use", "Land use"
        TIER = "tier", "Tier"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=300)
    key = models.CharField(max_length=300, editable=False)
    land_use = models.ForeignKey(LandUseClass, null=True, blank=True, on_delete=models.PROTECT)
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT)
    approximate = models.BooleanField(
        default=False,
        help_text="The label only roughly fits the class; values classified by it are flagged for review.",
    )
    note = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    added_at = models.DateTimeField(null=True, blank=True, editable=False)
    import_batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="label_classifications",
        editable=False,
        help_text="The import whose accepted proposal added this entry.",
    )

    class Meta:
        ordering = ["kind", "label"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="label_classification_unique"),
            models.CheckConstraint(
                condition=(Q(kind="land_use") & Q(land_use__isnull=False) & Q(tier__isnull=True))
                | (Q(kind="tier") & Q(tier__isnull=False) & Q(land_use__isnull=True)),
                name="label_classification_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} → {self.land_use or self.tier}"

    def save(self, *args, **kwargs):
        self.key = match_key(self.label)
        super().save(*args, **kwargs)


class SoilCorrection(models.Model):
    """A law's formula that corrects its values for the soil, rather than bands (issue 21).

    The first kind is the Dutch standard-soil correction of metals for clay (lutum) and organic
    matter (humus): value for this soil = value for the standard soil × (A + B·clay + C·OM) /
    (A + B·standard clay + C·standard OM), with the measured clay and organic matter held within the
    bounds the law sets. It corrects every value of `instrument` for `pollutant` (its target and its
    intervention values alike); the constants and bounds are data, cited to the text that publishes them.
    """

    class Kind(models.TextChoices):
        STANDARD_SOIL = (
            "standard_soil",
            _("standard soil: (A + B·clay + C·organic matter) over the same at the standard soil"),
        )

    instrument = models.ForeignKey(LegalInstrument, on_delete=models.CASCADE, related_name="soil_corrections")
    pollutant = models.ForeignKey(Pollutant, on_delete=models.PROTECT, related_name="soil_corrections")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.STANDARD_SOIL)
    constant_a = models.DecimalField("A", max_digits=12, decimal_places=6)
    constant_b = models.DecimalField("B (per % clay)", max_digits=12, decimal_places=6)
    constant_c = models.DecimalField("C (per % organic matter)", max_digits=12, decimal_places=6)
    standard_clay = models.DecimalField("standard soil's clay %", max_digits=5, decimal_places=2, default=25)
    standard_organic_matter = models.DecimalField(
        "standard soil's organic matter %", max_digits=5, decimal_places=2, default=10
    )
    lowest_clay = models.DecimalField(
        "clay % used at least", max_digits=5, decimal_places=2, null=True, blank=True,
        help_text="A soil with less clay is corrected as if it had this much.",
    )  # fmt: skip
    highest_clay = models.DecimalField(
        "clay % used at most", max_digits=5, decimal_places=2, null=True, blank=True,
        help_text="A soil with more clay is corrected as if it had this much.",
    )  # fmt: skip
    lowest_organic_matter = models.DecimalField(
        "organic matter % used at least", max_digits=5, decimal_places=2, null=True, blank=True
    )
    highest_organic_matter = models.DecimalField(
        "organic matter % used at most", max_digits=5, decimal_places=2, null=True, blank=True
    )
    source_title = models.CharField("source", max_length=500, help_text="The text that publishes the constants.")
    source_url = models.URLField(max_length=500, blank=True)
    source_page = models.CharField("table or page", max_length=200, blank=True)
    source_quote = models.TextField(blank=True, validators=free_text_validators)

    class Meta:
        ordering = ["instrument", "pollutant__name"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "pollutant", "kind"], name="soil_correction_unique"),
            models.CheckConstraint(
                condition=Q(standard_clay__gte=0, standard_clay__lte=100)
                & Q(standard_organic_matter__gte=0, standard_organic_matter__lte=100),
                name="soil_correction_standard_soil_is_a_soil",
                violation_error_message="The standard soil's clay and organic matter are percentages (0 to 100).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pollutant} in {self.instrument}"

    def clean(self):
        if self._factor(self.standard_clay, self.standard_organic_matter) <= 0:
            raise ValidationError(
                "A + B·clay + C·organic matter must be above zero for the standard soil: check the constants."
            )

    def _factor(self, clay: Decimal, organic_matter: Decimal) -> Decimal:
        return self.constant_a + self.constant_b * clay + self.constant_c * organic_matter

    def soil_used(self, *, clay: Decimal, organic_matter: Decimal) -> tuple[Decimal, Decimal]:
        """The clay and organic matter the formula uses for a soil: the measured ones, held within
        the law's bounds."""

        def held(number: Decimal, low: Decimal | None, high: Decimal | None) -> Decimal:
            if low is not None and number < low:
                return low
            if high is not None and number > high:
                return high
            return number

        return (
            held(clay, self.lowest_clay, self.highest_clay),
            held(organic_matter, self.lowest_organic_matter, self.highest_organic_matter),
        )

    def corrected(self, value_mg_kg: Decimal, *, clay: Decimal, organic_matter: Decimal) -> Decimal:
        """The standard soil's `value_mg_kg` for a soil of `clay` and `organic_matter` (%), to four
        significant figures (the law's constants carry no more)."""
        clay, organic_matter = self.soil_used(clay=clay, organic_matter=organic_matter)
        standard = self._factor(self.standard_clay, self.standard_organic_matter)
        result = value_mg_kg * self._factor(clay, organic_matter) / standard
        if not result:
            return Decimal(0)
        # Written out (190, not 1.9E+2), without trailing zeros.
        return Decimal(f"{result.quantize(Decimal(1).scaleb(result.adjusted() - 3)).normalize():f}")
