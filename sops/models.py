"""Harmonised standard operating procedures (SOPs) for measuring soil pollutants, the laboratories
that develop and use them, and the trainings that spread them (the action plan's second priority)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.uploads import check_size, is_docx, is_pdf
from reference.models import Country, ExtractionMethod, Pollutant


class Laboratory(models.Model):
    """A soil laboratory. Contact details are for curators only."""

    name = models.CharField(max_length=300)
    institution = models.CharField(max_length=300, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="laboratories")
    glosolan_member = models.BooleanField("GLOSOLAN member", default=False)
    works_with_gsp = models.BooleanField(
        "works with the GSP", default=True, help_text="Counted in the SOP awareness indicator."
    )
    accreditation = models.CharField(max_length=300, blank=True, help_text="e.g. ISO/IEC 17025, with the body.")
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=50, blank=True)
    is_demo = models.BooleanField(default=False, help_text="Demonstration data for a local try-out.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["country__name", "name"]
        verbose_name_plural = "laboratories"
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="laboratory_name_unique_per_country"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.iso3})"

    @property
    def region(self) -> str:
        return self.country.m49_region


class Sop(models.Model):
    """A harmonised standard operating procedure."""

    class AnalyteGroup(models.TextChoices):
        BIOAVAILABLE_METALS = "bioavailable_metals", _("Bioavailable heavy metals")
        TOTAL_METALS = "total_metals", _("Total heavy metals")
        OBSOLETE_PESTICIDES = "obsolete_pesticides", _("Obsolete pesticides")
        HHP = "hhp", _("Highly Hazardous Pesticides")
        OTHER = "other", _("Other")

    class Technique(models.TextChoices):
        ICP_MS = "icp_ms", "ICP-MS"
        ICP_OES = "icp_oes", "ICP-OES"
        AAS = "aas", "AAS"
        GC_MS = "gc_ms", "GC-MS"
        LC_MS_MS = "lc_ms_ms", "LC-MS/MS"
        XRF = "xrf", "XRF"
        OTHER = "other", _("Other")

    code = models.SlugField(max_length=40, unique=True, help_text="e.g. glosolan-sop-14; used in addresses.")
    title = models.CharField(max_length=300)
    scope = models.TextField(blank=True)
    pollutants = models.ManyToManyField(Pollutant, blank=True, related_name="sops")
    analyte_group = models.CharField(max_length=30, choices=AnalyteGroup.choices)
    technique = models.CharField(max_length=20, choices=Technique.choices)
    extraction = models.ForeignKey(
        ExtractionMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="sops"
    )
    languages = models.CharField(max_length=60, blank=True, help_text="ISO 639-1 codes, comma-separated: en,fr,es.")
    is_demo = models.BooleanField(default=False, help_text="Demonstration data for a local try-out.")
    history = HistoricalRecords(m2m_fields=[pollutants])

    class Meta:
        ordering = ["code"]
        verbose_name = "SOP"

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    @property
    def developers(self) -> list[Laboratory]:
        """The laboratories recorded as involved in developing it (engagements, the indicator's source)."""
        engaged = self.engagements.filter(level=Engagement.Level.DEVELOPED).select_related("laboratory__country")
        return sorted({item.laboratory for item in engaged}, key=lambda laboratory: laboratory.name)

    def clean(self):
        codes = [code.strip() for code in self.languages.split(",") if code.strip()]
        bad = [code for code in codes if len(code) != 2 or not code.isalpha() or not code.islower()]
        if bad:
            raise ValidationError({"languages": f"Not ISO 639-1 codes: {', '.join(bad)} (use e.g. en,fr,es)."})
        self.languages = ",".join(codes)


def validate_sop_document(upload) -> None:
    """A PDF or a DOCX, by its content and not its name, under SOP_DOCUMENT_MAX_BYTES."""
    check_size(upload, limit=settings.SOP_DOCUMENT_MAX_BYTES)
    name = upload.name.lower()
    if (name.endswith(".pdf") and is_pdf(upload)) or (name.endswith(".docx") and is_docx(upload)):
        return
    raise ValidationError("An SOP document must be a PDF or a Word (.docx) file; this file is neither.")


# A version label is part of its download address: sops/urls.py accepts this pattern there.
VERSION_LABEL_PATTERN = r"[\w.\-]+"

validate_version_label = RegexValidator(
    # What the address accepts, starting with a letter or digit (no "." or ".." path segment).
    rf"\A(?=[^\W_]){VERSION_LABEL_PATTERN}\Z",
    message=_(
        "A version label may only have letters, digits, points, hyphens and underscores, and starts with a "
        "letter or digit (e.g. 2.0 or 2.0-beta): it is part of the download address. Replace spaces and "
        "other characters with a hyphen."
    ),
    code="version_label",
)


class SopVersion(models.Model):
    """One version of an SOP's document. Publishing one supersedes the version published before."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        UNDER_REVIEW = "under_review", _("Under review")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    sop = models.ForeignKey(Sop, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(
        max_length=20, validators=[validate_version_label], help_text="e.g. 1.0, 2.1 or 2.0-beta; no spaces."
    )
    date = models.DateField()
    change_summary = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    file = models.FileField(upload_to="sops/%Y/", validators=[validate_sop_document], help_text="PDF or DOCX.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sop", "-date", "-id"]
        permissions = [("publish_sopversion", "Can publish SOP versions")]
        constraints = [
            models.UniqueConstraint(fields=["sop", "version"], name="sop_version_unique"),
            models.UniqueConstraint(
                fields=["sop"], condition=models.Q(status="published"), name="one_published_version_per_sop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sop.code} v{self.version}"

    @property
    def download_url(self) -> str:
        """The document's address; "" when the label cannot be part of one (a label stored before labels
        were checked: a curator renames it), so that no page fails over it."""
        try:
            return reverse("sop-download", args=[self.sop.code, self.version])
        except NoReverseMatch:
            return ""


class TrainingEvent(models.Model):
    """A webinar, workshop or in-person training on the SOPs."""

    class Kind(models.TextChoices):
        WEBINAR = "webinar", _("Webinar")
        WORKSHOP = "workshop", _("Workshop")
        IN_PERSON = "in_person", _("In-person training")

    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    date = models.DateField()
    region = models.CharField(
        max_length=20, choices=Country.M49Region.choices, blank=True, help_text="Blank for a global event."
    )
    sops = models.ManyToManyField(Sop, related_name="trainings")
    attendees = models.ManyToManyField(Laboratory, blank=True, related_name="trainings")
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.title} ({self.date})"


class Engagement(models.Model):
    """What a laboratory has done with an SOP, when, and how we know."""

    class Level(models.TextChoices):
        DEVELOPED = "developed", _("Involved in developing it")
        PROFICIENCY_TEST = "proficiency_test", _("Took part in a proficiency test or trial")
        AWARE = "aware", _("Aware of how to use it")
        IMPLEMENTED = "implemented", _("Implemented it")

    class Source(models.TextChoices):
        SURVEY = "survey", _("Survey answer")
        TRAINING = "training", _("Training attendance")
        CURATOR = "curator", _("Curator entry")

    # Every level above "aware" implies awareness.
    AWARE_LEVELS = (Level.AWARE, Level.IMPLEMENTED, Level.DEVELOPED, Level.PROFICIENCY_TEST)

    laboratory = models.ForeignKey(Laboratory, on_delete=models.CASCADE, related_name="engagements")
    sop = models.ForeignKey(
        Sop,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="engagements",
        help_text="Blank: the harmonised SOPs in general (as the survey asks about them).",
    )
    level = models.CharField(max_length=20, choices=Level.choices)
    date = models.DateField()
    source = models.CharField(max_length=20, choices=Source.choices)
    training = models.ForeignKey(TrainingEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["laboratory", "sop", "level", "date", "source"], name="engagement_unique_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.laboratory} · {self.sop.code if self.sop else 'SOPs'} · {self.get_level_display()}"
