from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from core.locking import ConcurrentEdit, check_version
from core.spreadsheets import UnsafeFile, check_upload
from thresholds.models import LegalInstrument, ThresholdValue


def https_url_fields(field, **kwargs):
    """Web addresses typed without a scheme are taken as https://."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class OptimisticLockingForm(forms.ModelForm):
    """Refuses to save over someone else's change made after this form was opened.

    The version the editor saw travels in a hidden field; on save the row is locked and compared
    (the admin runs the whole request in one transaction).
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # From the database, not the instance: a history "revert" form holds an old version.
            current = type(self.instance).objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            self.fields["expected_version"].initial = current

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            expected = cleaned.get("expected_version")
            if expected is None:
                raise ValidationError("This form is missing its version; reload the page and try again.")
            try:
                check_version(model=type(self.instance), pk=self.instance.pk, expected_version=expected)
            except ConcurrentEdit as exc:
                raise ValidationError(str(exc), code="concurrent_edit") from exc
        return cleaned


# The admin's fieldsets choose which fields each screen shows.
class LegalInstrumentForm(OptimisticLockingForm):
    class Meta:
        model = LegalInstrument
        fields = "__all__"  # noqa: DJ007
        formfield_callback = https_url_fields


class ThresholdValueForm(OptimisticLockingForm):
    def _post_clean(self):
        # The uniqueness constraint covers the derived conditions key, which is not a form field,
        # so Django's form validation would skip it; check every constraint once the row is built.
        super()._post_clean()
        if not self.errors:
            try:
                self.instance.validate_constraints()
            except ValidationError as exc:
                self._update_errors(exc)

    class Meta:
        model = ThresholdValue
        fields = "__all__"  # noqa: DJ007
        formfield_callback = https_url_fields


class ImportUploadForm(forms.Form):
    file = forms.FileField(help_text="An .xlsx or .csv file with a header row, as in the template.")

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        if upload.size > settings.THRESHOLD_IMPORT_MAX_BYTES:
            raise ValidationError(
                f"{upload.name} is {upload.size / 1e6:.1f} MB, over the "
                f"{settings.THRESHOLD_IMPORT_MAX_BYTES / 1e6:.0f} MB limit; split it into smaller files."
            )
        # An unsafe file (macros, zip bomb, entities, not what its name says) is refused here, before
        # anything is stored for the preview.
        try:
            check_upload(file_name=upload.name, content=upload.read())
        except UnsafeFile as exc:
            raise ValidationError(str(exc)) from None
        finally:
            upload.seek(0)
        return upload
