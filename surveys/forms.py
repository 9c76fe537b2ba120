"""The survey's forms, one per section. Values are checked with the import's rules (every problem
shown next to its field), uploads by their content."""

from __future__ import annotations

import dataclasses
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["land_uses"].label_from_instance = lambda land_use: land_use.local_name


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
        # Harmonised classes by their name in the focal point's language; other objects as they are.
        self.choices = [
            ("", self.empty_label),
            *((pk, getattr(item, "local_name", None) or str(item)) for pk, item in self.objects.items()),
        ]

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
# An upload's problems beyond this many are counted, not listed.
LISTED_PROBLEMS = 200


@dataclasses.dataclass
class CheckedRows:
    """Rows of a paste or a file after the checks: the values that passed every one (to be added) and,
    for each line that did not, what is wrong with it. One bad line no longer holds back the good ones."""

    values: list[ResponseValue] = dataclasses.field(default_factory=list)
    problems: dict[int, list[str]] = dataclasses.field(default_factory=dict)  # line number -> its problems

    def messages(self) -> list[str]:
        """Every problem as "Line N: ...", in line order."""
        return [
            _("Line %(number)s: %(message)s") % {"number": number, "message": message}
            for number in sorted(self.problems)
            for message in self.problems[number]
        ]


def checked_values(*, response: SurveyResponse, instrument: ResponseInstrument, rows) -> CheckedRows:
    """Survey values from (line number, {column: text}) pairs, each checked with the import's rules:
    the values that passed, and the problems of the lines that did not. Codes name the harmonised
    classes; labels are the source's words."""
    classes = {
        "land_use": {item.code: item for item in LandUseClass.objects.all()},
        "tier": {item.code: item for item in Tier.objects.all()},
        "extraction": {item.code: item for item in ExtractionMethod.objects.all()},
    }
    checked, to_check = CheckedRows(), []
    for number, cells in rows:
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
        if row_problems:
            checked.problems[number] = row_problems
        else:
            to_check.append((number, value))
    # The rows that passed the checks above, checked with the import's rules in one pass.
    results = values_checked(((value, instrument) for _number, value in to_check), country_iso3=response.country.iso3)
    for (number, value), result in zip(to_check, results, strict=True):
        found = [message for messages in result.errors.values() for message in messages]
        if found:
            checked.problems[number] = found
        else:
            checked.values.append(value)
    return checked


class RowsForInstrumentForm(forms.Form):
    """Rows of values added at once to one of the response's instruments. Part of the values grid's
    form (one submit carries the grid, the paste and the file), so none of its fields is required by
    the browser."""

    use_required_attribute = False

    instrument = forms.ModelChoiceField(queryset=ResponseInstrument.objects.none(), label=_("Instrument"))

    def __init__(self, *args, response: SurveyResponse, **kwargs):
        super().__init__(*args, **kwargs)
        self.response = response
        self.fields["instrument"].queryset = response.instruments.all()
        self.fields["instrument"].initial = response.instruments.values_list("pk", flat=True).first()

    def values_to_add(self) -> list[ResponseValue]:
        """The rows that passed every check (after is_valid())."""
        return self.cleaned_data.get("values", [])

    @property
    def lines_not_added(self) -> int:
        """How many lines or rows were left out for their problems (after is_valid())."""
        raise NotImplementedError

    def problem_messages(self) -> list[str]:
        """Every problem of the lines left out, as "Line N: ..." (after is_valid())."""
        raise NotImplementedError

    def left_over(self) -> RowsForInstrumentForm:
        """A fresh form showing what was not added and why, once the good rows went elsewhere."""
        raise NotImplementedError


class PasteValuesForm(RowsForInstrumentForm):
    """C. Rows pasted from a spreadsheet: pollutant, land use, tier, value, unit, conditions.

    The lines that pass are added; the others stay in the box, alone, each with its problems
    (lines_left), to be corrected and added again."""

    rows = forms.CharField(
        label=_("Rows copied from a spreadsheet"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One value per line, columns separated by tabs (as a spreadsheet copies them): pollutant, "
            "land use, tier, value, unit, and optionally conditions. A header line is skipped."
        ),
    )
    COLUMNS = ["pollutant", "land_use_label", "tier_label", "value", "unit", "condition"]
    HEADER_WORDS = ("pollutant", "polluant", "contaminante")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.text_left = ""
        self.lines_left: list[tuple[str, list[str]]] = []  # (the line as pasted, its problems)

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
        if not instrument or self.errors:
            return cleaned
        lines = text.splitlines()
        header, rows, too_short = None, [], {}  # too_short: line number -> its number of columns
        for number, line in enumerate(lines, start=1):
            cells = [cell.strip() for cell in line.split("\t")]
            if not any(cells):
                continue
            if number == 1 and cells[0].lower() in self.HEADER_WORDS:
                header = line
            elif len(cells) < 5:
                too_short[number] = len(cells)
            else:
                rows.append((number, dict(zip(self.COLUMNS, cells, strict=False))))
        checked = checked_values(response=self.response, instrument=instrument, rows=rows)
        if not checked.values and not checked.problems and not too_short:
            raise forms.ValidationError(_("No rows were found in the pasted text."))
        cleaned["values"] = checked.values
        self._keep_lines_left(lines, header, checked.problems, too_short)
        return cleaned

    def _keep_lines_left(self, lines, header, problems, too_short) -> None:
        """The lines that were not added, as pasted, after the header line when there was one; each
        line's problems name its line in this shorter text, which is what the box will hold."""
        left = [header] if header is not None else []
        for number in sorted({*problems, *too_short}):
            line = lines[number - 1]
            left.append(line)
            if number in too_short:
                messages = [
                    _("Line %(number)s has %(count)s columns; give at least pollutant, land use, tier, value, unit.")
                    % {"number": len(left), "count": too_short[number]}
                ]
            else:
                messages = [
                    _("Line %(number)s: %(message)s") % {"number": len(left), "message": message}
                    for message in problems[number]
                ]
            self.lines_left.append((line, messages))
        self.text_left = "\n".join(left) if self.lines_left else ""

    @property
    def lines_not_added(self) -> int:
        return len(self.lines_left)

    def problem_messages(self) -> list[str]:
        return [message for _line, messages in self.lines_left for message in messages]

    def left_over(self) -> PasteValuesForm:
        form = PasteValuesForm(
            response=self.response,
            prefix=self.prefix,
            initial={"instrument": self.cleaned_data["instrument"].pk, "rows": self.text_left},
        )
        form.text_left, form.lines_left = self.text_left, self.lines_left
        return form


class UploadValuesForm(RowsForInstrumentForm):
    """C. A filled value template (.xlsx or .csv, the import template's columns).

    The rows that pass are added; a file cannot stay in the form, so the rows that did not are
    listed with their problems (rows_left)."""

    file = forms.FileField(
        label=_("Filled template (.xlsx or .csv)"),
        help_text=_(
            "Columns as in the import template: pollutant, land_use or land_use_label, tier or tier_label, "
            "value, unit, and optionally ph_min, ph_max, texture, extraction, condition, notes."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_name = ""
        self.rows_left = 0
        self.row_problems: list[str] = []  # "Line N: ...", the file's own line numbers (the header is line 1)
        self.more_problems = 0  # problems beyond the listed ones

    def clean(self):
        cleaned = super().clean()
        instrument, upload = cleaned.get("instrument"), cleaned.get("file")
        if not instrument or not upload:
            return cleaned
        check_size(upload, limit=settings.SURVEY_UPLOAD_MAX_BYTES)
        try:
            sheet = read_sheet(file_name=upload.name, content=upload.read())
            columns = [match_key(name).replace(" ", "_") for name in sheet.header]
            if "pollutant" not in columns or "value" not in columns:
                raise forms.ValidationError(
                    _("The first row must name the columns, with at least pollutant and value.")
                )
            rows = []
            for number, cells in enumerate(sheet.rows, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                if len(rows) == MAX_ROWS:
                    # Nothing is added from a file that is too long, rather than its first rows only.
                    raise forms.ValidationError(_("More than %(limit)s rows: split the file.") % {"limit": MAX_ROWS})
                rows.append((number, dict(zip(columns, cells, strict=False))))
        except UnsafeFile as exc:
            raise forms.ValidationError(str(exc)) from None
        checked = checked_values(response=self.response, instrument=instrument, rows=rows)
        if not checked.values and not checked.problems:
            raise forms.ValidationError(_("The file holds no values."))
        cleaned["values"] = checked.values
        messages = checked.messages()
        self.file_name = upload.name
        self.rows_left = len(checked.problems)
        self.row_problems = messages[:LISTED_PROBLEMS]
        self.more_problems = len(messages) - len(self.row_problems)
        return cleaned

    @property
    def lines_not_added(self) -> int:
        return self.rows_left

    def problem_messages(self) -> list[str]:
        return self.row_problems

    def left_over(self) -> UploadValuesForm:
        form = UploadValuesForm(
            response=self.response, prefix=self.prefix, initial={"instrument": self.cleaned_data["instrument"].pk}
        )
        form.file_name, form.rows_left = self.file_name, self.rows_left
        form.row_problems, form.more_problems = self.row_problems, self.more_problems
        return form


def grid_data_with_values(grid: forms.BaseModelFormSet, values: list[ResponseValue]):
    """The values grid's posted data with `values` as new rows, in place of the empty rows at its end,
    and one empty row after them: the grid is shown back with what was typed and what was pasted,
    nothing saved. None when the grid would grow past what a formset accepts."""
    prefix, data = grid.prefix, grid.data.copy()
    total, initial = grid.total_form_count(), grid.initial_form_count()
    start = total
    while start > initial and not grid.forms[start - 1].has_changed():
        start -= 1
    if start + len(values) + 1 > grid.absolute_max:
        return None
    for index in range(start, total):
        for key in [key for key in data if key.startswith(f"{prefix}-{index}-")]:
            del data[key]
    for index, value in enumerate(values, start=start):
        for name in ValueForm.Meta.fields:
            item = getattr(value, ResponseValue._meta.get_field(name).attname)
            data[f"{prefix}-{index}-{name}"] = "" if item is None else str(item)
    data[f"{prefix}-TOTAL_FORMS"] = str(start + len(values) + 1)
    return data


class LaboratoryForm(forms.ModelForm):
    """E. One laboratory."""

    class Meta:
        model = ResponseLaboratory
        fields = ["name", "city", "measures_metals", "measures_pesticides", "knows_sops", "uses_sops", "in_glosolan"]


class ReviewForm(forms.Form):
    """A curator's decision on a submitted response."""

    DECISIONS = [("request_changes", _("Request changes")), ("accept", _("Accept the chosen values"))]
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect)
