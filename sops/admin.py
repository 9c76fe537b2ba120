"""Curators' admin for SOPs, their versions, laboratories, engagements and trainings."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from simple_history.admin import SimpleHistoryAdmin

from sops.models import Engagement, Laboratory, Sop, SopVersion, TrainingEvent
from sops.services import sop_version_publish, sop_version_save, training_record_attendance


class SopVersionInline(admin.TabularInline):
    model = SopVersion
    extra = 0
    fields = ["version", "date", "status", "file", "change_summary", "published_at"]
    readonly_fields = ["status", "published_at"]


@admin.register(Sop)
class SopAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "analyte_group", "technique", "extraction", "is_demo"]
    list_filter = ["analyte_group", "technique", "is_demo"]
    search_fields = ["code", "title", "pollutants__name"]
    filter_horizontal = ["pollutants"]
    inlines = [SopVersionInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not SopVersion:
            return super().save_formset(request, form, formset, change)
        # Versions added or changed here are saved as on their own page: through sop_version_save, which
        # keeps their status for the Publish action.
        for version in formset.save(commit=False):
            sop_version_save(version=version, user=request.user)
        for version in formset.deleted_objects:
            version.delete()


@admin.register(SopVersion)
class SopVersionAdmin(SimpleHistoryAdmin):
    """A version's status changes only through the Publish action; saves and history reverts go through
    sop_version_save, which refuses one that would change it."""

    list_display = ["__str__", "date", "status", "published_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "published_at"]
    actions = ["publish"]

    def save_model(self, request, obj, form, change):
        sop_version_save(version=obj, user=request.user)

    def revert_disabled(self, request, obj=None):
        return super().revert_disabled(request, obj) or bool(obj and self._revert_refusal(request, obj))

    def _revert_refusal(self, request, obj) -> str:
        """Why `obj` (a historical record's version) cannot be restored; "" if it can."""
        if not self.has_change_permission(request, obj):
            return "Reverting needs the permission to change SOP versions."
        current = SopVersion.objects.filter(pk=obj.pk).values_list("status", flat=True).first()
        if current is not None and current != obj.status:
            return (
                f"This record cannot be restored: it would change {obj}'s status from {current} to {obj.status}. "
                "A version's status changes only through the Publish action (which supersedes the version "
                "published before); restore a record with the current status, or publish the version."
            )
        return ""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            historical = get_object_or_404(SopVersion.history.model, id=object_id, history_id=version_id)
            refusal = self._revert_refusal(request, historical.instance)
            if refusal:
                self.message_user(request, refusal, messages.ERROR)
                return redirect("admin:sops_sopversion_history", object_id)
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except ValidationError as exc:  # changed by someone else between the check and the save
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect("admin:sops_sopversion_history", object_id)

    @admin.action(description="Publish (supersedes the version published before)")
    def publish(self, request, queryset):
        for version in queryset.order_by("date"):
            try:
                sop_version_publish(version=version, user=request.user)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(
                    request, f"{version}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )


@admin.register(Laboratory)
class LaboratoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "institution", "country", "glosolan_member", "works_with_gsp", "is_demo"]
    list_filter = ["country__m49_region", "glosolan_member", "works_with_gsp", "is_demo"]
    search_fields = ["name", "institution", "country__name"]
    autocomplete_fields = ["country"]


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["laboratory", "sop", "level", "date", "source"]
    list_filter = ["level", "source", "sop"]
    raw_id_fields = ["laboratory", "training"]


@admin.register(TrainingEvent)
class TrainingEventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "date", "region", "is_demo"]
    list_filter = ["kind", "region"]
    filter_horizontal = ["sops", "attendees"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Attendance records awareness of the SOPs covered, as the service does elsewhere.
        training_record_attendance(training=form.instance, laboratories=list(form.instance.attendees.all()))
