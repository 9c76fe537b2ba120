"""The survey of national focal points that supports SoiLEX: editions, one response per country,
its sections as real fields, and the curators' review.

A response moves draft -> submitted -> changes requested -> resubmitted -> accepted; the transitions
are methods here (`response.submit()`), the writes around them are in surveys/services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.uploads import check_size, is_pdf
from reference.models import Country, ExtractionMethod, LandUseClass, Pollutant, Tier
from thresholds.models import LegalInstrument, ThresholdValue, free_text_validators


class FocalPoint(models.Model):
    """A person a country named to answer the survey. A country may have several."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="focal_point")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="focal_points")
    institution = models.CharField(max_length=300, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The language of the e-mails the focal point receives: chosen at the invitation, then the "
            "language in which they last saved the survey."
        ),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["country__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.email} ({self.country.iso3})"


class SurveyEdition(models.Model):
    """One round of the survey, e.g. 2026, open between two dates."""

    year = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True, validators=free_text_validators)
    opens_on = models.DateField()
    closes_on = models.DateField()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_on__lte=models.F("closes_on")), name="survey_edition_opens_before_closing"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Do not know")


class SurveyResponseQuerySet(models.QuerySet):
    def started(self):
        """Responses someone has worked on: saved at least once, or past draft. Opening the survey
        creates the country's response, pre-filled from the database; that alone starts nothing."""
        return self.filter(models.Q(first_saved_at__isnull=False) | ~models.Q(status=SurveyResponse.Status.DRAFT))


class SurveyResponse(models.Model):
    """A country's answer to one edition, shared by its focal points."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        ACCEPTED = "accepted", _("Accepted")

    class Situation(models.TextChoices):
        BINDING = "binding", _("Legally binding threshold values")
        GUIDANCE = "guidance", _("Guidance values only")
        UNDER_DEVELOPMENT = "under_development", _("Threshold values under development")
        NONE = "none", _("No threshold values")
        UNKNOWN = "unknown", _("Do not know")

    EDITABLE = (Status.DRAFT, Status.CHANGES_REQUESTED)
    IN_REVIEW = (Status.SUBMITTED, Status.RESUBMITTED)

    edition = models.ForeignKey(SurveyEdition, on_delete=models.PROTECT, related_name="responses")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="survey_responses")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1, editable=False)

    # A. Thresholds in the country
    situation = models.CharField(
        _("threshold values in the country"), max_length=20, choices=Situation.choices, blank=True
    )
    land_uses = models.ManyToManyField(
        LandUseClass, blank=True, related_name="+", verbose_name=_("land uses with threshold values")
    )
    covers_metals = models.BooleanField(_("heavy metals and metalloids"), default=False)
    covers_pesticides = models.BooleanField(_("pesticides"), default=False)
    covers_organics = models.BooleanField(_("other organic pollutants (PAH, PCB, dioxins, PFAS)"), default=False)
    covers_other = models.BooleanField(_("other pollutants"), default=False)

    # D. Process and gaps
    working_towards_adoption = models.CharField(
        _("working towards adopting (more) threshold values"), max_length=10, choices=Answer.choices, blank=True
    )
    in_international_discussions = models.CharField(
        _("taking part in international discussions on thresholds"), max_length=10, choices=Answer.choices, blank=True
    )
    needs_legislation = models.BooleanField(_("legislation"), default=False)
    needs_laboratories = models.BooleanField(_("laboratories"), default=False)
    needs_funding = models.BooleanField(_("funding"), default=False)
    needs_training = models.BooleanField(_("training"), default=False)
    needs_other = models.CharField(_("other needs"), max_length=500, blank=True)
    comments = models.TextField(_("comments"), blank=True, validators=free_text_validators)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by the first save (surveys.services._save); blank while the response is only pre-filled.
    first_saved_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_batch = models.ForeignKey(
        "thresholds.ImportBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The import batch that wrote the accepted values (none when they changed nothing); rolled back "
        "like any import, from Import batches.",
    )
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[land_uses])

    objects = SurveyResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-edition__year", "country__name"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "country"], name="one_survey_response_per_country_and_edition"),
        ]

    def __str__(self) -> str:
        return f"{self.country.name}, {self.edition}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_started(self) -> bool:
        """As SurveyResponseQuerySet.started(), for one response."""
        return self.first_saved_at is not None or self.status != self.Status.DRAFT

    # State transitions. Each checks where it may start; services save and notify.
    def _move(self, allowed_from, to: str, action: str) -> None:
        if self.status not in allowed_from:
            raise ValidationError(
                _("A response that is %(status)s cannot be %(action)s."),
                params={"status": self.get_status_display().lower(), "action": action},
                code="invalid_transition",
            )
        self.status = to

    def submit(self) -> None:
        was = self.status
        self._move(self.EDITABLE, self.Status.SUBMITTED, _("submitted"))
        if was == self.Status.CHANGES_REQUESTED:
            self.status = self.Status.RESUBMITTED
        self.submitted_at = timezone.now()

    def request_changes(self) -> None:
        self._move(self.IN_REVIEW, self.Status.CHANGES_REQUESTED, _("sent back for changes"))

    def accept(self) -> None:
        self._move(self.IN_REVIEW, self.Status.ACCEPTED, _("accepted"))
        self.accepted_at = timezone.now()


class ResponseInstrument(models.Model):
    """Section B: a legal instrument the country reports."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="instruments")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title"), max_length=500)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    instrument_type = models.CharField(_("type"), max_length=20, blank=True, choices=LegalInstrument.Type.choices)
    binding = models.CharField(
        _("binding or advisory"), max_length=20, blank=True, choices=LegalInstrument.Binding.choices
    )
    status = models.CharField(
        _("status"), max_length=20, default=LegalInstrument.Status.IN_FORCE, choices=LegalInstrument.Status.choices
    )
    url = models.URLField(_("address of the text"), max_length=500, blank=True)
    legal_text = models.FileField(_("legal text (PDF)"), upload_to="survey/legal-texts/%Y/", blank=True)
    # The database's instrument this row was pre-filled from, and the one acceptance wrote.
    source_instrument = models.ForeignKey(
        "thresholds.LegalInstrument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_instrument = models.ForeignKey(
        "thresholds.LegalInstrument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["response", "position", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        # A newly uploaded legal text (the survey's form and the admin both come here): checked by its
        # content, and stored under a name made here, never the uploader's (law.html holding a PDF).
        if self.legal_text and not self.legal_text._committed:
            validate_legal_text(self.legal_text.file)
            self.legal_text.name = legal_text_file_name(self)


def validate_legal_text(upload) -> None:
    """A PDF, by its content and not its name, under SURVEY_UPLOAD_MAX_BYTES."""
    try:
        check_size(upload, limit=settings.SURVEY_UPLOAD_MAX_BYTES)
    except ValidationError as error:
        raise ValidationError({"legal_text": error.messages}) from None
    if not is_pdf(upload):
        raise ValidationError({"legal_text": _("The legal text must be a PDF file; this file is not one.")})


def legal_text_file_name(instrument: ResponseInstrument) -> str:
    """The name a legal text is stored and downloaded under: the instrument's title in letters, digits
    and hyphens, and .pdf (the only kind accepted)."""
    return f"{slugify(instrument.title)[:60] or 'legal-text'}.pdf"


class ResponseValue(models.Model):
    """Section C: one value of a reported instrument, as the focal point gives it. Checked with the
    spreadsheet import's rules (surveys/validation.py), so a value is valid or not whichever way it
    arrives."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not reviewed")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Not taken")

    instrument = models.ForeignKey(ResponseInstrument, on_delete=models.CASCADE, related_name="values")
    position = models.PositiveSmallIntegerField(default=0)
    pollutant = models.CharField(_("pollutant (name, synonym or CAS)"), max_length=200)
    land_use = models.ForeignKey(LandUseClass, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    land_use_label = models.CharField(_("land use as written"), max_length=300, blank=True)
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tier_label = models.CharField(_("tier as written"), max_length=300, blank=True)
    value = models.CharField(_("value"), max_length=60)
    unit = models.CharField(_("unit"), max_length=60)
    # Not "pH from": labels and headers capitalise a verbose name's first letter ("PH from").
    ph_min = models.DecimalField(_("soil pH from"), max_digits=4, decimal_places=2, null=True, blank=True)
    ph_max = models.DecimalField(_("soil pH to"), max_digits=4, decimal_places=2, null=True, blank=True)
    texture = models.CharField(_("soil texture"), max_length=20, blank=True, choices=ThresholdValue.Texture.choices)
    extraction = models.ForeignKey(ExtractionMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(_("other conditions, as written"), max_length=500, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    resolved_pollutant = models.ForeignKey(
        Pollutant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    source_value = models.ForeignKey(
        "thresholds.ThresholdValue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_value = models.ForeignKey(
        "thresholds.ThresholdValue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    history = HistoricalRecords()

    class Meta:
        ordering = ["instrument", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(ph_min__isnull=True)
                    | models.Q(ph_max__isnull=True)
                    | models.Q(ph_min__lte=models.F("ph_max"))
                ),
                name="response_value_ph_min_at_most_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pollutant} {self.value} {self.unit}"


class ResponseLaboratory(models.Model):
    """Section E: a laboratory in the country that measures soil pollutants."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="laboratories")
    name = models.CharField(_("name"), max_length=300)
    city = models.CharField(_("city"), max_length=120, blank=True)
    measures_metals = models.BooleanField(_("measures heavy metals"), default=False)
    measures_pesticides = models.BooleanField(_("measures pesticides"), default=False)
    knows_sops = models.CharField(_("knows the harmonised SOPs"), max_length=10, choices=Answer.choices, blank=True)
    uses_sops = models.CharField(_("uses the harmonised SOPs"), max_length=10, choices=Answer.choices, blank=True)
    in_glosolan = models.CharField(_("member of GLOSOLAN"), max_length=10, choices=Answer.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["response", "name"]
        verbose_name_plural = "response laboratories"

    def __str__(self) -> str:
        return self.name


class ReviewComment(models.Model):
    """A curator's comment on a section, or on one value, when asking for changes."""

    class Section(models.TextChoices):
        SITUATION = "a", _("A. Thresholds in the country")
        INSTRUMENTS = "b", _("B. Instruments")
        VALUES = "c", _("C. Values")
        PROCESS = "d", _("D. Process and gaps")
        LABORATORIES = "e", _("E. Laboratories")

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="review_comments")
    section = models.CharField(max_length=1, choices=Section.choices)
    value = models.ForeignKey(
        ResponseValue, null=True, blank=True, on_delete=models.CASCADE, related_name="review_comments"
    )
    text = models.TextField(validators=free_text_validators)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["response", "section", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_section_display()}: {self.text[:60]}"
