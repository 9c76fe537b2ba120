"""The survey's forms, one per section. Values are checked with the import's rules (every problem
shown next to its field), uploads by their content."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.spreadsheets import UnsafeFile, read_sheet
from core.uploads import check_size
from reference.models import ExtractionMethod, LandUseClass, Tier
from reference.text import match_key
from surveys.models import ResponseInstrument, ResponseLaboratory, ResponseValue, SurveyResponse
from surveys.validation import values_checked


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
    """B. One instrument. A new legal text is checked and named by ResponseInstrument.clean() (the
    admin's too)."""

    url = forms.URLField(label=_("address of the text"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = ResponseInstrument
        fields = ["title", "year", "instrument_type", "binding", "status", "url", "legal_text"]


class ListedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over objects already read: a formset of many rows renders and checks its
    selects without a query per row."""

    def __init__(self, objects, *, field: forms.ModelChoiceField):
        self.objects = {str(item.pk): item for item in objects}
        super().__init__(
            queryset=field.queryset,
            required=field.required,
            label=field.label,
            widget=field.widget,
            initial=field.initial,
        )
        self.choices = [("", self.empty_label), *((pk, str(item)) for pk, item in self.objects.items())]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.objects[str(getattr(value, "pk", value))]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


def value_form_choices(response: SurveyResponse) -> dict[str, list]:
    """The objects the value form's selects offer, read once for a whole formset."""
    return {
        "instrument": list(response.instruments.all()),
        "land_use": list(LandUseClass.objects.all()),
        "tier": list(Tier.objects.all()),
        "extraction": list(ExtractionMethod.objects.all()),
    }


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

    def __init__(self, *args, response: SurveyResponse, choices: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.response = response
        self.fields["instrument"].queryset = response.instruments.all()
        for name, objects in (choices or {}).items():
            self.fields[name] = ListedChoiceField(objects, field=self.fields[name])

    def _get_validation_exclusions(self):
        """The model's own per-row checks would query the database for each row: the selects were
        checked against the objects read once (ListedChoiceField), and the pH band is checked by the
        import's rules for all rows in one pass (BaseValueFormSet). The database constraint stays."""
        exclude = super()._get_validation_exclusions()
        listed = {name for name, field in self.fields.items() if isinstance(field, ListedChoiceField)}
        return exclude | listed | ({"ph_min", "ph_max"} if listed else set())


class BaseValueFormSet(forms.BaseModelFormSet):
    """C. All rows checked together with the import's rules, in one pass (ValueFormSet)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The hidden id of each row, checked against the rows already read, not with a query each.
        pk = self.model._meta.pk.name
        form.fields[pk] = ListedChoiceField(self.get_queryset(), field=form.fields[pk])

    def clean(self):
        super().clean()
        rows = []
        for form in self.forms:
            cleaned = getattr(form, "cleaned_data", None)
            if form.errors or not cleaned or not cleaned.get("instrument") or cleaned.get("DELETE"):
                continue
            candidate = ResponseValue(**{name: cleaned.get(name) for name in ValueForm.Meta.fields})
            candidate.source_value_id = form.instance.source_value_id
            rows.append((form, candidate))
        if not rows:
            return
        country = rows[0][0].response.country.iso3
        checked = values_checked(((candidate, candidate.instrument) for _form, candidate in rows), country_iso3=country)
        for (form, _candidate), result in zip(rows, checked, strict=True):
            for name, messages in result.errors.items():
                for message in messages:
                    form.add_error(None if name not in form.fields else name, message)


ValueFormSet = forms.modelformset_factory(
    ResponseValue, form=ValueForm, formset=BaseValueFormSet, extra=1, can_delete=True
)


VALUE_COLUMNS = [
    "pollutant", "land_use", "land_use_label", "tier", "tier_label", "value", "unit", "ph_min", "ph_max",
    "texture", "extraction", "condition", "notes",
]  # fmt: skip
MAX_ROWS = 5000
# A pasted row is a few dozen characters; this leaves room for long conditions and notes.
PASTE_MAX_CHARACTERS = 1_000_000


def checked_values(*, response: SurveyResponse, instrument: ResponseInstrument, rows) -> tuple[list, list[str]]:
    """Survey values from (line number, {column: text}) pairs, each checked with the import's rules:
    (the values, every problem as "Line N: ..."). Codes name the harmonised classes; labels are the
    source's words."""
    classes = {
        "land_use": {item.code: item for item in LandUseClass.objects.all()},
        "tier": {item.code: item for item in Tier.objects.all()},
        "extraction": {item.code: item for item in ExtractionMethod.objects.all()},
    }
    values, found, to_check = [], [], []  # found: (line number, message)
    limit_reached = False
    for number, cells in rows:
        if len(values) >= MAX_ROWS:
            limit_reached = True
            break
        fields, row_problems = {}, []
        for name in VALUE_COLUMNS:
            text = (cells.get(name) or "").strip()
            if name in classes:
                fields[name] = classes[name].get(text.lower()) if text else None
                if text and fields[name] is None:
                    row_problems.append(
                        _("%(column)s %(code)s is not a harmonised code; use one of %(codes)s.")
                        % {"column": name, "code": text, "codes": ", ".join(classes[name])}
                    )
            elif name in ("ph_min", "ph_max"):
                try:
                    fields[name] = Decimal(text.replace(",", ".")) if text else None
                except InvalidOperation:
                    fields[name] = None
                    row_problems.append(_("%(column)s %(text)s is not a number.") % {"column": name, "text": text})
            else:
                fields[name] = text
        value = ResponseValue(instrument=instrument, **fields)
        found += [(number, message) for message in row_problems]
        values.append(value)
        if not row_problems:
            to_check.append((number, value))
    # The rows that passed the checks above, checked with the import's rules in one pass.
    checked = values_checked(((value, instrument) for _number, value in to_check), country_iso3=response.country.iso3)
    for (number, _value), result in zip(to_check, checked, strict=True):
        found += [(number, message) for messages in result.errors.values() for message in messages]
    problems = [
        _("Line %(number)s: %(message)s") % {"number": number, "message": message}
        for number, message in sorted(found, key=lambda item: item[0])
    ]
    if limit_reached:
        problems.append(_("More than %(limit)s rows: split the file.") % {"limit": MAX_ROWS})
    return values, problems


class RowsForInstrumentForm(forms.Form):
    """Rows of values added at once to one of the response's instruments."""

    instrument = forms.ModelChoiceField(queryset=ResponseInstrument.objects.none(), label=_("Instrument"))

    def __init__(self, *args, response: SurveyResponse, **kwargs):
        super().__init__(*args, **kwargs)
        self.response = response
        self.fields["instrument"].queryset = response.instruments.all()
        self.fields["instrument"].initial = response.instruments.values_list("pk", flat=True).first()


class PasteValuesForm(RowsForInstrumentForm):
    """C. Rows pasted from a spreadsheet: pollutant, land use, tier, value, unit, conditions."""

    rows = forms.CharField(
        label=_("Rows copied from a spreadsheet"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One value per line, columns separated by tabs (as a spreadsheet copies them): pollutant, "
            "land use, tier, value, unit, and optionally conditions. A header line is skipped."
        ),
    )

    def clean_rows(self):
        # Bounded before any line is read: a paste of megabytes would otherwise be split and checked
        # line by line (7.8 MB took 8 s and 270 MB).
        text = self.cleaned_data["rows"]
        if len(text) > PASTE_MAX_CHARACTERS:
            raise forms.ValidationError(
                _(
                    "The pasted text has %(count)s characters; at most %(limit)s can be pasted at once. "
                    "Paste fewer rows, or upload the filled template."
                )
                % {"count": f"{len(text):,}", "limit": f"{PASTE_MAX_CHARACTERS:,}"}
            )
        lines = text.count("\n") + 1
        if lines > MAX_ROWS + 1:
            raise forms.ValidationError(
                _(
                    "The pasted text has %(count)s lines; at most %(limit)s rows can be pasted at once. "
                    "Paste fewer rows, or upload the filled template."
                )
                % {"count": f"{lines:,}", "limit": f"{MAX_ROWS:,}"}
            )
        return text

    def clean(self):
        cleaned = super().clean()
        instrument, text = cleaned.get("instrument"), cleaned.get("rows") or ""
        if not instrument:
            return cleaned
        rows, problems = [], []
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
            names = ["pollutant", "land_use_label", "tier_label", "value", "unit", "condition"]
            rows.append((number, dict(zip(names, cells, strict=False))))
        values, value_problems = checked_values(response=self.response, instrument=instrument, rows=rows)
        if problems or value_problems:
            raise forms.ValidationError(problems + value_problems)
        if not values:
            raise forms.ValidationError(_("No rows were found in the pasted text."))
        cleaned["values"] = values
        return cleaned


class UploadValuesForm(RowsForInstrumentForm):
    """C. A filled value template (.xlsx or .csv, the import template's columns)."""

    file = forms.FileField(
        label=_("Filled template (.xlsx or .csv)"),
        help_text=_(
            "Columns as in the import template: pollutant, land_use or land_use_label, tier or tier_label, "
            "value, unit, and optionally ph_min, ph_max, texture, extraction, condition, notes."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        instrument, upload = cleaned.get("instrument"), cleaned.get("file")
        if not instrument or not upload:
            return cleaned
        check_size(upload, limit=settings.SURVEY_UPLOAD_MAX_BYTES)
        try:
            sheet = read_sheet(file_name=upload.name, content=upload.read())
        except UnsafeFile as exc:
            raise forms.ValidationError(str(exc)) from None
        columns = [match_key(name).replace(" ", "_") for name in sheet.header]
        if "pollutant" not in columns or "value" not in columns:
            raise forms.ValidationError(_("The first row must name the columns, with at least pollutant and value."))
        rows = (
            (number, dict(zip(columns, cells, strict=False)))
            for number, cells in enumerate(sheet.rows, start=2)
            if any(cell.strip() for cell in cells)
        )
        values, problems = checked_values(response=self.response, instrument=instrument, rows=rows)
        if problems:
            raise forms.ValidationError(problems[:200])
        if not values:
            raise forms.ValidationError(_("The file holds no values."))
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
