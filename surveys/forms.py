"""The survey's forms, one per section. Values are checked with the import's rules (every problem
shown next to its field), uploads by their content."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from surveys.models import ResponseInstrument, ResponseLaboratory, ResponseValue, SurveyResponse
from surveys.validation import value_errors

PDF_MAGIC = b"%PDF-"


class SituationForm(forms.ModelForm):
    """A. Thresholds in the country."""

    class Meta:
        model = SurveyResponse
        fields = [
            "situation",
            "land_uses",
            "covers_metals",
            "covers_pesticides",
            "covers_organics",
            "covers_other",
        ]
        widgets = {"situation": forms.RadioSelect, "land_uses": forms.CheckboxSelectMultiple}


class ProcessForm(forms.ModelForm):
    """D. Process and gaps."""

    class Meta:
        model = SurveyResponse
        fields = [
            "working_towards_adoption",
            "in_international_discussions",
            "needs_legislation",
            "needs_laboratories",
            "needs_funding",
            "needs_training",
            "needs_other",
            "comments",
        ]
        widgets = {
            "working_towards_adoption": forms.RadioSelect,
            "in_international_discussions": forms.RadioSelect,
            "comments": forms.Textarea(attrs={"rows": 4}),
        }


class InstrumentForm(forms.ModelForm):
    """B. One instrument."""

    url = forms.URLField(label=_("address of the text"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = ResponseInstrument
        fields = ["title", "year", "instrument_type", "binding", "status", "url", "legal_text"]

    def clean_legal_text(self):
        upload = self.cleaned_data.get("legal_text")
        if not upload or not hasattr(upload, "content_type"):
            return upload  # nothing new uploaded
        limit = settings.SURVEY_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the limit is %(limit)s MB."),
                params={"size": round(upload.size / 2**20, 1), "limit": limit // 2**20},
            )
        head = upload.read(len(PDF_MAGIC))
        upload.seek(0)
        if head != PDF_MAGIC:
            raise forms.ValidationError(_("The legal text must be a PDF file; this file is not one."))
        return upload


class ValueForm(forms.ModelForm):
    """C. One value; checked with the spreadsheet import's rules."""

    class Meta:
        model = ResponseValue
        fields = [
            "instrument",
            "pollutant",
            "land_use",
            "land_use_label",
            "tier",
            "tier_label",
            "value",
            "unit",
            "ph_min",
            "ph_max",
            "texture",
            "extraction",
            "condition",
            "notes",
        ]

    def __init__(self, *args, response: SurveyResponse, **kwargs):
        super().__init__(*args, **kwargs)
        self.response = response
        self.fields["instrument"].queryset = response.instruments.all()

    def clean(self):
        cleaned = super().clean()
        if self.errors or not cleaned.get("instrument") or cleaned.get("DELETE"):
            return cleaned
        candidate = ResponseValue(**{name: cleaned.get(name) for name in self.Meta.fields})
        candidate.source_value_id = self.instance.source_value_id
        errors = value_errors(candidate, instrument=cleaned["instrument"], country_iso3=self.response.country.iso3)
        for name, messages in errors.items():
            for message in messages:
                self.add_error(None if name not in self.fields else name, message)
        return cleaned


class PasteValuesForm(forms.Form):
    """C. Rows pasted from a spreadsheet: pollutant, land use, tier, value, unit, conditions."""

    instrument = forms.ModelChoiceField(queryset=ResponseInstrument.objects.none(), label=_("Instrument"))
    rows = forms.CharField(
        label=_("Rows copied from a spreadsheet"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One value per line, columns separated by tabs (as a spreadsheet copies them): pollutant, "
            "land use, tier, value, unit, and optionally conditions. A header line is skipped."
        ),
    )

    def __init__(self, *args, response: SurveyResponse, **kwargs):
        super().__init__(*args, **kwargs)
        self.response = response
        self.fields["instrument"].queryset = response.instruments.all()

    def clean(self):
        cleaned = super().clean()
        instrument, text = cleaned.get("instrument"), cleaned.get("rows") or ""
        if not instrument:
            return cleaned
        values, problems = [], []
        for number, line in enumerate(text.splitlines(), start=1):
            cells = [cell.strip() for cell in line.split("\t")]
            if not any(cells) or (number == 1 and cells[0].lower() in ("pollutant", "polluant", "contaminante")):
                continue
            if len(cells) < 5:
                problems.append(
                    _("Line %(number)s has %(count)s columns; give at least pollutant, land use, tier, value, unit.")
                    % {"number": number, "count": len(cells)}
                )
                continue
            value = ResponseValue(
                instrument=instrument,
                pollutant=cells[0],
                land_use_label=cells[1],
                tier_label=cells[2],
                value=cells[3],
                unit=cells[4],
                condition=cells[5] if len(cells) > 5 else "",
            )
            errors = value_errors(value, instrument=instrument, country_iso3=self.response.country.iso3)
            problems += [
                _("Line %(number)s: %(message)s") % {"number": number, "message": message}
                for messages in errors.values()
                for message in messages
            ]
            values.append(value)
        if problems:
            raise forms.ValidationError(problems)
        if not values:
            raise forms.ValidationError(_("No rows were found in the pasted text."))
        cleaned["values"] = values
        return cleaned


class LaboratoryForm(forms.ModelForm):
    """E. One laboratory."""

    class Meta:
        model = ResponseLaboratory
        fields = ["name", "city", "measures_metals", "measures_pesticides", "knows_sops", "uses_sops", "in_glosolan"]


class ReviewForm(forms.Form):
    """A curator's decision on a submitted response."""

    DECISIONS = [("request_changes", _("Request changes")), ("accept", _("Accept the chosen values"))]
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect)
