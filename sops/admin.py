"""Curators' admin for SOPs, their versions, laboratories, engagements and trainings."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from sops.models import Engagement, Laboratory, Sop, SopVersion, TrainingEvent
from sops.services import sop_version_publish, training_record_attendance


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


@admin.register(SopVersion)
class SopVersionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "date", "status", "published_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "published_at"]
    actions = ["publish"]

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
