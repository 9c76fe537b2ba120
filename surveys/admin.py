"""Curators' admin for the survey: editions, focal points (invited by e-mail) and responses."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from surveys.models import (
    FocalPoint,
    ResponseInstrument,
    ResponseLaboratory,
    ResponseValue,
    ReviewComment,
    SurveyEdition,
    SurveyResponse,
)
from surveys.services import focal_point_invite


@admin.register(SurveyEdition)
class SurveyEditionAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "opens_on", "closes_on"]


class InviteForm(forms.ModelForm):
    """Invite a focal point: an e-mail address and a country; the person chooses a password."""

    email = forms.EmailField()
    first_name = forms.CharField(required=False)
    last_name = forms.CharField(required=False)

    class Meta:
        model = FocalPoint
        fields = ["country", "institution", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The invitation's language: the curator's own unless they choose the focal point's.
        self.fields["language"].required = False
        self.fields["language"].initial = get_language()

    def clean(self):
        cleaned = super().clean()
        email, country = cleaned.get("email"), cleaned.get("country")
        existing = FocalPoint.objects.filter(user__email__iexact=email or "").select_related("country").first()
        if existing and country and existing.country_id != country.pk:
            self.add_error(
                "email",
                _("%(email)s is already a focal point of %(country)s; a person serves one country.")
                % {"email": email, "country": existing.country.name},
            )
        return cleaned


@admin.register(FocalPoint)
class FocalPointAdmin(admin.ModelAdmin):
    list_display = ["__str__", "country", "institution", "user_has_password", "created_at"]
    list_filter = ["country__m49_region"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "country__name", "country__iso3"]
    autocomplete_fields = ["country"]
    actions = ["send_invitation_again"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = InviteForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "first_name", "last_name", "country", "institution", "language"]
        return ["user", "country", "institution", "language", "invited_by"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "invited_by"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        invited = focal_point_invite(
            email=data["email"],
            country=data["country"],
            invited_by=request.user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            language=data.get("language") or get_language(),
        )
        invited.institution = data.get("institution", "")
        invited.save(update_fields=["institution"])
        # The admin goes on with `obj` (history entry, redirect): make it the saved focal point.
        obj.pk, obj.user, obj.invited_by, obj.created_at = (
            invited.pk,
            invited.user,
            invited.invited_by,
            invited.created_at,
        )
        obj._state.adding = False
        self.message_user(request, _("Invitation sent to %(email)s.") % {"email": data["email"]}, messages.SUCCESS)

    @admin.display(boolean=True, description=gettext_lazy("has chosen a password"))
    def user_has_password(self, obj):
        return obj.user.has_usable_password()

    @admin.action(description=gettext_lazy("Send the invitation e-mail again"))
    def send_invitation_again(self, request, queryset):
        focal_points = list(queryset.select_related("user", "country"))
        for focal_point in focal_points:
            focal_point_invite(email=focal_point.user.email, country=focal_point.country, invited_by=request.user)
        count = len(focal_points)
        message = ngettext("%(count)s invitation sent.", "%(count)s invitations sent.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


class ResponseInstrumentInline(admin.TabularInline):
    model = ResponseInstrument
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    fields = ["title", "year", "instrument_type", "binding", "status", "url", "legal_text"]
    show_change_link = True


class ReviewCommentInline(admin.TabularInline):
    model = ReviewComment
    extra = 0
    fields = ["section", "value", "text", "author", "created_at", "resolved"]
    readonly_fields = ["author", "created_at"]
    raw_id_fields = ["value"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(SimpleHistoryAdmin):
    list_display = ["country", "edition", "status", "updated_at", "review_link"]
    list_filter = ["edition", "status", "country__m49_region", "situation", "working_towards_adoption"]
    search_fields = ["country__name", "country__iso3"]
    readonly_fields = ["status", "version", "first_saved_at", "submitted_at", "accepted_at", "updated_by"]
    autocomplete_fields = ["country"]
    inlines = [ResponseInstrumentInline, ReviewCommentInline]

    @admin.display(description=gettext_lazy("review"))
    def review_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("survey-review", args=[obj.pk]), _("open the review screen"))


@admin.register(ResponseValue)
class ResponseValueAdmin(SimpleHistoryAdmin):
    list_display = ["pollutant", "value", "unit", "instrument", "decision"]
    list_filter = ["decision", "instrument__response__edition"]
    search_fields = ["pollutant", "instrument__title", "instrument__response__country__name"]
    raw_id_fields = ["instrument", "source_value", "accepted_value"]


admin.site.register(ResponseLaboratory)
