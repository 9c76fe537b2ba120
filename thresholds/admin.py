"""Curators' screens: instruments with their values, values with filters and bulk actions, the
spreadsheet import with a preview, import batches with rollback, and the label classification."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Count
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from core.roles import may_publish
from core.spreadsheets import csv_stream, xlsx_bytes
from reference.models import Country
from thresholds.exports import export_rows
from thresholds.forms import ImportUploadForm, LegalInstrumentForm, ThresholdValueForm
from thresholds.import_template import template_example_rows, template_readme
from thresholds.importing import Decisions
from thresholds.models import ImportBatch, LabelClassification, LegalInstrument, SoilCorrection, ThresholdValue
from thresholds.record import TEMPLATE_COLUMNS
from thresholds.services import (
    PUBLICATION_FIELDS,
    ImportRejected,
    RollbackRefused,
    check_may_change_publication,
    import_batch_rollback,
    import_batches_recover,
    import_preview_seen,
    instrument_withdraw,
    record_save,
    threshold_import,
    thresholds_mark_verified,
    thresholds_set_status,
)

PENDING_DIR = "imports/pending"
SESSION_KEY = "threshold_imports"


class CountryWithValuesFilter(admin.SimpleListFilter):
    title = gettext_lazy("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        return Country.objects.filter(instruments__isnull=False).distinct().values_list("iso3", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field_path: self.value()})
        return queryset

    field_path = "instrument__country__iso3"


class InstrumentCountryFilter(CountryWithValuesFilter):
    field_path = "country__iso3"


def titled_choices(title: str) -> type[admin.ChoicesFieldListFilter]:
    """A filter by a choice field under `title`: the admin titles a filter with the field's own name, so
    a value's status and its instrument's would both be "By status"."""

    class TitledChoicesFilter(admin.ChoicesFieldListFilter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return TitledChoicesFilter


class ThresholdValueInline(admin.TabularInline):
    """The values of an instrument, at a glance; each opens for editing with version checks."""

    model = ThresholdValue
    fields = [
        "pollutant",
        "value_text",
        "qualifier",
        "unit_label",
        "land_use",
        "land_use_label",
        "tier",
        "tier_label",
        "condition_text",
        "status",
        "verification",
    ]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0
    max_num = 0
    ordering = ["pollutant__name", "land_use__sort_order", "tier__sort_order"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pollutant", "land_use", "tier")


class OptimisticSaveMixin:
    """Saves through the service: version check, validation and the editor recorded in history."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        record_save(instance=obj, user=request.user, expected_version=form.cleaned_data.get("expected_version"))


class PublishPermissionMixin:
    """Publishing and withdrawing (values, or an instrument with its values) need the permission to publish.

    Without it, what PUBLICATION_FIELDS name is read-only on the change form, and a history revert that
    would change it is refused (its button hidden); record_save refuses it too, whatever the path.
    """

    def has_publish_permission(self, request):
        return may_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            readonly += [name for name in PUBLICATION_FIELDS[self.model] if name not in readonly]
        return readonly

    def revert_disabled(self, request, obj=None):
        return super().revert_disabled(request, obj) or bool(obj and self._revert_refusal(request, obj))

    def _revert_refusal(self, request, obj) -> str:
        """Why `request.user` may not revert to `obj` (a historical version's instance); "" if they may."""
        if not self.has_change_permission(request, obj):
            return _("Reverting needs the permission to change this record.")
        try:
            check_may_change_publication(instance=obj, user=request.user)
        except PermissionDenied as exc:
            return _("This version cannot be restored: %(reason)s") % {"reason": exc}
        return ""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            historical = get_object_or_404(self.model.history.model, id=object_id, history_id=version_id)
            refusal = self._revert_refusal(request, historical.instance)
            if refusal:
                self.message_user(request, refusal, messages.ERROR)
                opts = self.model._meta
                return redirect(f"admin:{opts.app_label}_{opts.model_name}_history", object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(LegalInstrument)
class LegalInstrumentAdmin(PublishPermissionMixin, OptimisticSaveMixin, SimpleHistoryAdmin):
    form = LegalInstrumentForm
    list_display = [
        "title_short",
        "country",
        "jurisdiction",
        "year",
        "status",
        "instrument_type",
        "binding",
        "value_count",
        "withdrawn",
    ]
    list_filter = [InstrumentCountryFilter, "country__m49_region", "status", "instrument_type", "binding", "withdrawn"]
    search_fields = ["title", "title_en", "short_name", "issuing_body", "country__name", "country__iso3"]
    autocomplete_fields = ["country", "supersedes"]
    readonly_fields = ["withdrawn", "import_batch", "created_at", "updated_at", "created_by", "updated_by", "version"]
    inlines = [ThresholdValueInline]
    list_select_related = ["country"]
    actions = ["withdraw"]

    @admin.action(
        description=gettext_lazy("Withdraw selected instruments with all their values"), permissions=["publish"]
    )
    def withdraw(self, request, queryset):
        for instrument in queryset:
            instrument_withdraw(instrument=instrument, user=request.user)
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)s instrument(s) withdrawn with their values; their history keeps them.",
                "%(count)s instruments withdrawn with their values; their history keeps them.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.display(description=gettext_lazy("title"), ordering="title")
    def title_short(self, obj):
        return obj.short_name or (obj.title[:90] + ("…" if len(obj.title) > 90 else ""))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(value_count=Count("values"))

    @admin.display(description=gettext_lazy("values"), ordering="value_count")
    def value_count(self, obj):
        return obj.value_count


@admin.register(ThresholdValue)
class ThresholdValueAdmin(PublishPermissionMixin, OptimisticSaveMixin, SimpleHistoryAdmin):
    form = ThresholdValueForm
    change_list_template = "admin/thresholds/thresholdvalue/change_list.html"
    list_display = [
        "pollutant",
        "value_as_written",
        "mg_kg",
        "country",
        "land_use_both",
        "tier_both",
        "conditions",
        "status",
        "verification",
        "needs_review",
    ]
    list_filter = [
        CountryWithValuesFilter,
        ("instrument__country__m49_region", admin.AllValuesFieldListFilter),
        "pollutant__group",
        "land_use",
        "tier",
        ("status", titled_choices(gettext_lazy("value status"))),
        "verification",
        ("instrument__status", titled_choices(gettext_lazy("instrument status"))),
        "needs_review",
        "import_batch",
    ]
    search_fields = [
        "pollutant__name",
        "pollutant__synonyms__name",
        "pollutant__cas_rn",
        "pollutant_label",
        "instrument__title",
        "instrument__short_name",
    ]
    list_select_related = ["pollutant", "instrument__country", "land_use", "tier"]
    autocomplete_fields = ["instrument", "pollutant", "adopted_from"]
    readonly_fields = [
        "value_in_mg_kg",
        "verified_by",
        "verified_at",
        "import_batch",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
    ]
    fieldsets = [
        (None, {"fields": ["instrument", "pollutant", "pollutant_label"]}),
        (
            gettext_lazy("Value"),
            {"fields": ["qualifier", "value_text", "unit_label", "unit", "value_in_mg_kg", "value_year"]},
        ),
        (gettext_lazy("Land use and tier"), {"fields": ["land_use", "land_use_label", "tier", "tier_label", "basis"]}),
        (
            gettext_lazy("Conditions"),
            {
                "fields": [
                    "condition_text",
                    ("ph_min", "ph_max"),
                    "texture",
                    ("clay_min", "clay_max"),
                    ("toc_min", "toc_max"),
                    ("cec_min", "cec_max"),
                    "crop",
                    "depth",
                    "extraction",
                ]
            },
        ),
        (gettext_lazy("Source"), {"fields": ["source_url", "source_page", "source_quote", "notes", "adopted_from"]}),
        (
            gettext_lazy("Review"),
            {
                "fields": [
                    "status",
                    "verification",
                    "verified_by",
                    "verified_at",
                    "needs_review",
                    "review_note",
                    "valid_from",
                    "valid_to",
                ]
            },
        ),
        (
            gettext_lazy("Record"),
            {
                "classes": ["collapse"],
                "fields": [
                    "import_batch",
                    "created_at",
                    "created_by",
                    "updated_at",
                    "updated_by",
                    "version",
                    "expected_version",
                ],
            },
        ),
    ]
    actions = ["publish", "withdraw", "mark_verified", "export_csv", "export_xlsx"]

    @admin.display(description=gettext_lazy("country"), ordering="instrument__country__iso3")
    def country(self, obj):
        return obj.instrument.country.iso3

    @admin.display(description=gettext_lazy("value as written"), ordering="value")
    def value_as_written(self, obj):
        qualifier = "" if obj.qualifier == "=" else f"{obj.get_qualifier_display()} "
        return f"{qualifier}{obj.value_text} {obj.unit_label}"

    @admin.display(description="mg/kg", ordering="value_mg_kg")
    def mg_kg(self, obj):
        return _plain_number(obj.value_mg_kg)

    @admin.display(description=gettext_lazy("value in mg/kg"))
    def value_in_mg_kg(self, obj):
        # The column keeps twelve decimal places: shown as the number it is (0.3, 100), not 0.300000000000.
        return _plain_number(obj.value_mg_kg)

    @admin.display(description=gettext_lazy("land use (source's words)"), ordering="land_use__sort_order")
    def land_use_both(self, obj):
        return f"{obj.land_use} ({obj.land_use_label})" if obj.land_use_label else str(obj.land_use)

    @admin.display(description=gettext_lazy("tier (source's words)"), ordering="tier__sort_order")
    def tier_both(self, obj):
        return f"{obj.tier} ({obj.tier_label})" if obj.tier_label else str(obj.tier)

    @admin.display(description=gettext_lazy("conditions"))
    def conditions(self, obj):
        return obj.condition_text[:60] + ("…" if len(obj.condition_text) > 60 else "")

    def get_urls(self):
        own = [
            path("import/", self.admin_site.admin_view(self.import_view), name="thresholds_import"),
            path(
                "import/template.xlsx",
                self.admin_site.admin_view(self.template_xlsx_view),
                name="thresholds_import_template_xlsx",
            ),
            path(
                "import/template.csv",
                self.admin_site.admin_view(self.template_csv_view),
                name="thresholds_import_template_csv",
            ),
            path(
                "import/<uuid:token>/report.csv",
                self.admin_site.admin_view(self.import_report_view),
                name="thresholds_import_report",
            ),
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_filtered_csv),
                name="thresholds_export_csv",
            ),
            path(
                "export.xlsx",
                self.admin_site.admin_view(self.export_filtered_xlsx),
                name="thresholds_export_xlsx",
            ),
        ]
        return own + super().get_urls()

    # ---- bulk actions --------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Publish selected values"), permissions=["publish"])
    def publish(self, request, queryset):
        count = thresholds_set_status(values=queryset, status=ThresholdValue.Status.PUBLISHED, user=request.user)
        message = ngettext("%(count)s value published.", "%(count)s values published.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Withdraw selected values"), permissions=["publish"])
    def withdraw(self, request, queryset):
        count = thresholds_set_status(values=queryset, status=ThresholdValue.Status.WITHDRAWN, user=request.user)
        message = ngettext("%(count)s value withdrawn.", "%(count)s values withdrawn.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Mark selected values verified against the official text"), permissions=["verify"]
    )
    def mark_verified(self, request, queryset):
        count = thresholds_mark_verified(values=queryset, user=request.user)
        message = ngettext("%(count)s value marked verified.", "%(count)s values marked verified.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Export selected values as CSV"))
    def export_csv(self, request, queryset):
        return _csv_response(queryset)

    @admin.action(description=gettext_lazy("Export selected values as XLSX"))
    def export_xlsx(self, request, queryset):
        return _xlsx_response(queryset)

    def has_verify_permission(self, request):
        return request.user.has_perm("thresholds.verify_thresholdvalue")

    # ---- export of the filtered list -------------------------------------------------------------

    def _filtered_queryset(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self.get_changelist_instance(request).get_queryset(request)

    def export_filtered_csv(self, request):
        return _csv_response(self._filtered_queryset(request))

    def export_filtered_xlsx(self, request):
        return _xlsx_response(self._filtered_queryset(request))

    # ---- import ---------------------------------------------------------------------------------

    def _check_import_permission(self, request):
        if not request.user.has_perm("thresholds.import_thresholdvalue"):
            raise PermissionDenied

    def template_xlsx_view(self, request):
        content = xlsx_bytes(template_example_rows(), TEMPLATE_COLUMNS, readme=template_readme())
        return _download(
            content,
            "threshold-import-template.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    def template_csv_view(self, request):
        return _download(
            "".join(csv_stream(template_example_rows(), TEMPLATE_COLUMNS)).encode(),
            "threshold-import-template.csv",
            "text/csv; charset=utf-8",
        )

    def import_view(self, request):
        """Upload, preview (a dry run: what would be created, updated, left unchanged, and how each of the
        file's words was read, with the matcher's proposals to accept or change), then commit."""
        self._check_import_permission(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import threshold values"),
        }
        if request.method == "POST" and "token" in request.POST:
            return self._import_commit(request, context)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            _remove_stale_uploads()
            upload = form.cleaned_data["file"]
            content = upload.read()
            token = uuid.uuid4()
            default_storage.save(f"{PENDING_DIR}/{token}", ContentFile(content))
            request.session.setdefault(SESSION_KEY, {})[str(token)] = upload.name
            request.session.modified = True
            self._import_preview(request, context, token=str(token), file_name=upload.name, content=content)
        context["form"] = form
        return render(request, "admin/thresholds/import.html", context)

    def _import_preview(self, request, context, *, token: str, file_name: str, content: bytes, changes=None):
        """A dry run with the matcher's proposals accepted (and the curator's changes), shown for confirmation."""
        decisions = Decisions(accept_all=True, changes=changes or {})
        try:
            result = threshold_import(
                file_name=file_name, content=content, user=request.user, dry_run=True, decisions=decisions
            )
            # What the curator is shown, kept for the commit: a value changed since refuses it.
            seen = json.dumps(import_preview_seen(result.plan)).encode()
            path = f"{PENDING_DIR}/{token}.seen.json"
            if default_storage.exists(path):
                default_storage.delete(path)
            default_storage.save(path, ContentFile(seen))
            plan = result.plan
            context.update(plan=plan, summary=plan.summary(), token=token, preview_rows=_preview_rows(plan))
        except ImportRejected as exc:
            plan = exc.plan
            context.update(
                plan=plan,
                problems=plan.problems[:500],
                token=token,
                more_problems=max(0, len(plan.problems) - 500),
            )
        context.update(readings=_readings_shown(plan), new_instruments=_new_instruments(plan))

    def _import_commit(self, request, context):
        token = request.POST["token"]
        file_name = request.session.get(SESSION_KEY, {}).get(token)
        seen = f"{PENDING_DIR}/{token}.seen.json"
        again = "preview_again" in request.POST
        if file_name is None or not (
            default_storage.exists(f"{PENDING_DIR}/{token}") and (again or default_storage.exists(seen))
        ):
            messages.error(request, _("This import preview has expired; upload the file again."))
            return redirect("admin:thresholds_import")
        with default_storage.open(f"{PENDING_DIR}/{token}", "rb") as handle:
            content = handle.read()
        # The curator's changes to proposals: proposal_key[i] read as proposal_as[i] (blank: as proposed).
        changes = {
            key: chosen
            for key, chosen in zip(
                request.POST.getlist("proposal_key"), request.POST.getlist("proposal_as"), strict=False
            )
            if key and chosen
        }
        if again:
            self._import_preview(request, context, token=token, file_name=file_name, content=content, changes=changes)
            context["form"] = ImportUploadForm()
            return render(request, "admin/thresholds/import.html", context)
        with default_storage.open(seen, "rb") as handle:
            previewed = json.load(handle)
        try:
            result = threshold_import(
                file_name=file_name,
                content=content,
                user=request.user,
                previewed=previewed,
                decisions=Decisions(accept_all=True, changes=changes),
            )
        except ImportRejected as exc:
            # The database changed since the preview (e.g. another import): show the new report.
            context.update(plan=exc.plan, problems=exc.plan.problems[:500], token=token, form=ImportUploadForm())
            return render(request, "admin/thresholds/import.html", context)
        default_storage.delete(f"{PENDING_DIR}/{token}")
        default_storage.delete(seen)
        request.session[SESSION_KEY].pop(token, None)
        request.session.modified = True
        summary = result.plan.summary()
        if result.batch is None:
            unchanged = summary["unchanged"]
            message = ngettext(
                "%(file_name)s: nothing to change; the %(count)s value is as in the file.",
                "%(file_name)s: nothing to change; all %(count)s values are as in the file.",
                unchanged,
            )
            messages.info(request, message % {"file_name": file_name, "count": unchanged})
            return redirect("admin:thresholds_thresholdvalue_changelist")
        accepted = len(result.batch.accepted_proposals)
        imported = {
            "file_name": file_name,
            "batch": result.batch.pk,
            "created": summary["create"],
            "updated": summary["update"],
            "unchanged": summary["unchanged"],
            "count": accepted,
        }
        if accepted:
            message = ngettext(
                "%(file_name)s imported as batch #%(batch)s: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged; %(count)s proposal accepted into the curated tables, its values flagged "
                "for review.",
                "%(file_name)s imported as batch #%(batch)s: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged; %(count)s proposals accepted into the curated tables, their values "
                "flagged for review.",
                accepted,
            )
        else:
            message = _(
                "%(file_name)s imported as batch #%(batch)s: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged."
            )
        messages.success(request, message % imported)
        return redirect(reverse("admin:thresholds_importbatch_change", args=[result.batch.pk]))

    def import_report_view(self, request, token):
        """Every problem of an uploaded file, as a CSV a focal point or curator can work through."""
        self._check_import_permission(request)
        file_name = request.session.get(SESSION_KEY, {}).get(str(token))
        if file_name is None or not default_storage.exists(f"{PENDING_DIR}/{token}"):
            messages.error(request, _("This report has expired; upload the file again."))
            return redirect("admin:thresholds_import")
        with default_storage.open(f"{PENDING_DIR}/{token}", "rb") as handle:
            content = handle.read()
        try:
            threshold_import(
                file_name=file_name,
                content=content,
                user=request.user,
                dry_run=True,
                decisions=Decisions(accept_all=True),
            )
            problems = []
        except ImportRejected as exc:
            problems = exc.plan.problems
        # The cells quote the file, so they are neutralised as in every export; the download's name
        # is made here from letters and digits of the file's, never the uploaded name as it is.
        rows = ([str(item.row or ""), str(item.column), str(item.value), str(item.message)] for item in problems)
        stem = slugify(file_name.rsplit(".", 1)[0])[:60] or "import"
        return _download(
            "".join(csv_stream(rows, header=["row", "column", "value", "problem"])).encode(),
            f"{stem}-problems.csv",
            "text/csv; charset=utf-8",
        )


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "file_name",
        "created_at",
        "created_by",
        "status",
        "finished_at",
        "rows_total",
        "created_count",
        "updated_count",
        "unchanged_count",
    ]
    list_filter = ["status", "created_by"]
    list_select_related = ["created_by"]
    search_fields = ["file_name", "sha256"]
    readonly_fields = [*(field.name for field in ImportBatch._meta.fields), "values_written"]
    actions = ["roll_back"]

    def changelist_view(self, request, extra_context=None):
        # Imports whose process died show as failed, not as running forever.
        import_batches_recover()
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("values"))
    def values_written(self, obj):
        url = reverse("admin:thresholds_thresholdvalue_changelist") + f"?import_batch__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("the values this import last wrote"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_rollback_permission(self, request):
        return request.user.has_perm("thresholds.rollback_importbatch")

    @admin.action(description=gettext_lazy("Roll back selected imports"), permissions=["rollback"])
    def roll_back(self, request, queryset):
        for batch in queryset.order_by("-created_at"):
            try:
                counts = import_batch_rollback(batch=batch, user=request.user)
            except RollbackRefused as exc:
                self.message_user(request, f"{batch}: {exc}", messages.ERROR)
                continue
            removed = ngettext("%(count)s value removed", "%(count)s values removed", counts["deleted"])
            restored = ngettext("%(count)s restored", "%(count)s restored", counts["restored"])
            instruments = ngettext(
                "%(count)s instrument removed", "%(count)s instruments removed", counts["instruments_deleted"]
            )
            self.message_user(
                request,
                _("%(batch)s rolled back: %(removed)s, %(restored)s, %(instruments)s.")
                % {
                    "batch": batch,
                    "removed": removed % {"count": counts["deleted"]},
                    "restored": restored % {"count": counts["restored"]},
                    "instruments": instruments % {"count": counts["instruments_deleted"]},
                },
                messages.SUCCESS,
            )


@admin.register(LabelClassification)
class LabelClassificationAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "land_use", "tier", "approximate", "note", "added_by", "added_at", "import_batch"]
    list_filter = ["kind", "land_use", "tier", "approximate", "import_batch"]
    list_select_related = ["land_use", "tier", "added_by", "import_batch"]
    search_fields = ["label", "note"]
    readonly_fields = ["added_by", "added_at", "import_batch"]


@admin.register(SoilCorrection)
class SoilCorrectionAdmin(admin.ModelAdmin):
    """Formulas that correct an instrument's values for the soil (the check and the value pages apply them)."""

    list_display = ["pollutant", "instrument", "kind", "constant_a", "constant_b", "constant_c", "source_title"]
    list_filter = ["kind", "instrument__country"]
    list_select_related = ["pollutant", "instrument"]
    search_fields = ["pollutant__name", "instrument__title", "source_title"]
    raw_id_fields = ["instrument"]
    # Web addresses typed without a scheme are taken as https://, as in the instruments' form.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["instrument", "pollutant", "kind"]}),
        (
            gettext_lazy("Formula"),
            {"fields": ["constant_a", "constant_b", "constant_c", "standard_clay", "standard_organic_matter"]},
        ),
        (
            gettext_lazy("Bounds of the measured soil"),
            {"fields": ["lowest_clay", "highest_clay", "lowest_organic_matter", "highest_organic_matter"]},
        ),
        (gettext_lazy("Source"), {"fields": ["source_title", "source_url", "source_page", "source_quote"]}),
    ]


def _readings_shown(plan) -> list[dict]:
    """Every distinct text of the file as the matcher read it (proposals first), with what a curator may
    change a proposal to."""
    matcher = plan.matcher
    if matcher is None:
        return []
    options = {
        "land_use": [(item.code, item.name) for item in matcher.classes["land_use"].values()],
        "tier": [(item.code, item.name) for item in matcher.classes["tier"].values()],
        "unit": [(unit.code, unit.code) for unit in matcher.units.values()],
        "pollutant": [(name, name) for name in sorted(matcher.pollutant_names.values())],
    }
    shown = []
    for use in sorted(plan.readings.values(), key=lambda use: (use.reading.matched, not use.reading.is_proposal)):
        reading = use.reading
        # A proposal may be changed; a label nothing could read may be classified by hand.
        unread_label = not reading.matched and reading.kind in ("land_use", "tier")
        choices = list(options[reading.kind]) if reading.is_proposal or unread_label else []
        if unread_label and not use.accepted:
            choices.insert(0, ("", _("— choose —")))
        if reading.new_pollutant:
            choices.insert(
                0, ("new", _("new pollutant: %(name)s (CAS %(cas)s)") % {"name": reading.new_name, "cas": reading.cas})
            )
        shown.append(
            {
                "key": reading.key,
                "column": use.column,
                "text": reading.text,
                "read_as": use.target,
                "code": use.target_code,
                "how": reading.how,
                "reason": reading.reason,
                "confidence": f"{reading.confidence:.0%}",
                "approximate": reading.approximate,
                "basis": reading.basis,
                "factor": reading.factor,
                "rows": use.count,
                "first_rows": ", ".join([*(str(row) for row in use.rows[:5]), *(["…"] if use.count > 5 else [])]),
                "choices": choices,
                "changed": use.changed,
            }
        )
    return shown[:1000]


def _preview_rows(plan, limit: int = 300) -> list[dict]:
    """The first rows as they would be written: the source's words beside what they were matched to."""
    matcher = plan.matcher
    new_names = {use.reading.key: use.reading.new_name for use in plan.proposals if use.reading.new_pollutant}
    rows = []
    for row in plan.rows[:limit]:
        fields = row.fields
        unit = matcher.units.get(fields["unit_id"])
        pollutant = matcher.pollutant_names.get(fields["pollutant_id"]) or (
            _("new: %(name)s") % {"name": new_names.get(fields["new_pollutant"], "")} if fields["new_pollutant"] else ""
        )
        rows.append(
            {
                "row": row.row,
                "action": row.action,
                "pollutant_label": fields["pollutant_label"],
                "pollutant": pollutant,
                "value": f"{fields['qualifier']} {fields['value_text']}".replace("= ", ""),
                "unit_label": fields["unit_label"],
                "unit": unit.code if unit else "",
                "basis": fields.get("unit_basis", ""),
                "mg_kg": _plain_number(unit.to_mg_kg(Decimal(fields["value_text"])), none=None) if unit else None,
                "land_use_label": fields["land_use_label"],
                "land_use": matcher.classes["land_use"][fields["land_use_id"]].name,
                "tier_label": fields["tier_label"],
                "tier": matcher.classes["tier"][fields["tier_id"]].name,
                "recognised": "; ".join(row.recognised),
                "review": fields["review_note"],
            }
        )
    return rows


def _plain_number(number: Decimal | None, none: str | None = "—") -> str | None:
    """A decimal without its trailing zeros and never in scientific notation: 0.3, 100 (not 1E+2)."""
    return none if number is None else format(number.normalize(), "f")


def _new_instruments(plan) -> list[str]:
    return [item.title for item in plan.instruments.values() if item.action == "create"]


def _remove_stale_uploads(max_age=timedelta(days=1)) -> None:
    """Uploads whose preview was never confirmed are removed after a day."""
    try:
        _directories, names = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - max_age
    for name in names:
        path = f"{PENDING_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)


def _csv_response(queryset) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_stream(export_rows(queryset), TEMPLATE_COLUMNS), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="thresholds-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response


def _xlsx_response(queryset) -> HttpResponse:
    content = xlsx_bytes(export_rows(queryset), TEMPLATE_COLUMNS)
    return _download(
        content,
        f"thresholds-{timezone.now():%Y%m%d-%H%M}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _download(content: bytes, file_name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response
