"""Survey pages: focal points fill their country's response section by section; curators review.

Every page finds the response through responses_visible_to, so another country's response is a
404, whatever the address. Saving checks the version the form was loaded with: a second focal
point's save never overwrites the first one's; the form comes back with the typed data and a
message instead.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import modelformset_factory
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.locking import ConcurrentEdit
from core.roles import is_curator
from surveys import exports
from surveys.forms import (
    InstrumentForm,
    LaboratoryForm,
    PasteValuesForm,
    ProcessForm,
    SituationForm,
    UploadValuesForm,
    ValueFormSet,
    value_form_choices,
)
from surveys.models import (
    ResponseInstrument,
    ResponseLaboratory,
    ResponseValue,
    ReviewComment,
    SurveyResponse,
    legal_text_file_name,
)
from surveys.selectors import current_edition, responses_visible_to, section_answered, survey_progress
from surveys.services import (
    response_accept,
    response_comparison,
    response_problems,
    response_request_changes,
    response_section_save,
    response_start,
    response_submit,
)

SECTIONS = {
    "a": (gettext_lazy("A. Thresholds in the country"), "surveys/section_form.html"),
    "b": (gettext_lazy("B. Instruments"), "surveys/section_formset.html"),
    "c": (gettext_lazy("C. Values"), "surveys/section_values.html"),
    "d": (gettext_lazy("D. Process and gaps"), "surveys/section_form.html"),
    "e": (gettext_lazy("E. Laboratories"), "surveys/section_formset.html"),
}


def _response(request, pk: int) -> SurveyResponse:
    return get_object_or_404(responses_visible_to(request.user), pk=pk)


@login_required
def survey_home(request):
    """A focal point lands on their country's response; a curator on the dashboard."""
    if is_curator(request.user):
        return redirect("survey-dashboard")
    focal_point = getattr(request.user, "focal_point", None)
    edition = current_edition()
    if focal_point is None or edition is None:
        return render(request, "surveys/no_survey.html", {"edition": edition}, status=403 if not focal_point else 200)
    response = response_start(edition=edition, country=focal_point.country, user=request.user)
    return redirect("survey-response", pk=response.pk)


@login_required
def response_detail(request, pk: int):
    response = _response(request, pk)
    problems = response_problems(response)
    sections = []
    for code, (title, _template) in SECTIONS.items():
        errors = len(problems.sections.get(code, [])) + (len(problems.values) if code == "c" else 0)
        sections.append({"code": code, "title": title, "errors": errors, "done": section_answered(response, code)})
    return render(
        request,
        "surveys/response_detail.html",
        {
            "response": response,
            "sections": sections,
            "problems": problems,
            "done_count": sum(1 for section in sections if section["done"]),
            "comments": response.review_comments.select_related("author", "value").order_by("-created_at"),
            "may_review": is_curator(request.user) and response.status in SurveyResponse.IN_REVIEW,
        },
    )


@login_required
def section(request, pk: int, code: str):
    if code not in SECTIONS:
        raise Http404
    response = _response(request, pk)
    title, template = SECTIONS[code]
    editable = response.is_editable
    context = {"response": response, "code": code, "title": title, "editable": editable}
    form = _section_form(request, response, code, bind=request.method == "POST" and editable)
    paste = upload = None
    if code == "c":
        posted = request.method == "POST"
        paste = PasteValuesForm(
            request.POST if posted and "paste" in request.POST else None, response=response, prefix="paste"
        )
        upload = UploadValuesForm(
            request.POST if posted and "upload" in request.POST else None,
            request.FILES if posted and "upload" in request.POST else None,
            response=response,
            prefix="upload",
        )
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        autosave = request.headers.get("X-Autosave") == "1"
        target = next((extra for extra in (paste, upload) if extra is not None and extra.is_bound), form)
        saved, message, conflict = _save_section(request, response, code, target)
        if autosave:
            status = 200 if saved else (409 if conflict else 400)
            errors = {} if saved else _form_errors(target)
            return JsonResponse(
                {"saved": saved, "version": response.version, "message": message, "errors": errors}, status=status
            )
        if saved:
            messages.success(request, _("Saved. You can come back and continue at any time."))
            return redirect(request.path)
        if message:
            messages.error(request, message)
    context.update(form=form, paste=paste, upload=upload, version=response.version)
    if code == "c":
        context["instruments"] = response.instruments.all()
        context["comments"] = ReviewComment.objects.filter(response=response, section="c", resolved=False)
    # A form shown again with its errors says so in its status too: 409 when someone else saved first.
    status = 200 if request.method != "POST" else (409 if conflict else 400)
    return render(request, template, context, status=status)


def _section_form(request, response: SurveyResponse, code: str, *, bind: bool):
    data = request.POST if bind and "paste" not in request.POST and "upload" not in request.POST else None
    files = request.FILES if data is not None else None
    if code == "a":
        return SituationForm(data, instance=response)
    if code == "d":
        return ProcessForm(data, instance=response)
    if code == "b":
        formset = modelformset_factory(ResponseInstrument, form=InstrumentForm, extra=1, can_delete=True)
        return formset(data, files, queryset=response.instruments.all(), prefix="instruments")
    if code == "e":
        formset = modelformset_factory(ResponseLaboratory, form=LaboratoryForm, extra=1, can_delete=True)
        return formset(data, queryset=response.laboratories.all(), prefix="laboratories")
    return ValueFormSet(
        data,
        queryset=ResponseValue.objects.filter(instrument__response=response).select_related("instrument"),
        prefix="values",
        form_kwargs={"response": response, "choices": value_form_choices(response)},
    )


def _posted_version(request) -> int | None:
    """The response version the form was loaded with; None when missing or not a number."""
    text = request.POST.get("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _save_section(request, response: SurveyResponse, code: str, form) -> tuple[bool, str, bool]:
    """(saved, message, conflict): the message says why nothing was saved beyond the form's own
    errors; conflict is true when someone else saved first (409), not when the form was wrong (400)."""
    if not form.is_valid():
        return False, "", False
    expected = _posted_version(request)
    if expected is None:
        return False, _("The form was incomplete (no version); reload the page."), False
    changes = {}
    if code == "a":
        changes["land_uses"] = form.cleaned_data["land_uses"]
    elif isinstance(form, (PasteValuesForm, UploadValuesForm)):
        changes["added"] = form.cleaned_data["values"]
    elif code != "d":
        changes["rows"] = form.save(commit=False)  # the formset's changed and new rows, not saved yet
        changes["deleted"] = form.deleted_objects
    try:
        response_section_save(response=response, user=request.user, expected_version=expected, section=code, **changes)
    except ConcurrentEdit as exc:
        response.refresh_from_db()
        return False, str(exc) + " " + _("What you typed is still in the form below."), True
    except (ValidationError, PermissionDenied) as exc:
        return False, " ".join(getattr(exc, "messages", [str(exc)])), False
    return True, "", False


def _form_errors(form) -> dict:
    if hasattr(form, "forms"):
        return {str(index): dict(item.errors) for index, item in enumerate(form.forms) if item.errors} | (
            {"__all__": list(form.non_form_errors())} if form.non_form_errors() else {}
        )
    return dict(form.errors)


@login_required
@require_POST
def submit(request, pk: int):
    response = _response(request, pk)
    try:
        response_submit(response=response, user=request.user, expected_version=_posted_version(request) or 0)
    except ConcurrentEdit as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Submitted. The curators have been told; the response is locked until they reply."))
    return redirect("survey-response", pk=pk)


@login_required
def review(request, pk: int):
    """The curator's comparison of a submitted response with the database, and the decision."""
    if not is_curator(request.user):
        raise PermissionDenied
    response = _response(request, pk)
    lines = response_comparison(response)
    if request.method == "POST":
        decision = request.POST.get("decision")
        expected = _posted_version(request) or 0
        try:
            if decision == "request_changes":
                comments = [(section, None, request.POST.get(f"comment-{section}", "")) for section in SECTIONS]
                comments += [
                    (
                        "c",
                        int(name.split("-")[-1]),
                        text,
                    )
                    for name, text in request.POST.items()
                    if name.startswith("comment-value-") and name.split("-")[-1].isdigit()
                ]
                response_request_changes(
                    response=response, user=request.user, expected_version=expected, comments=comments
                )
                messages.success(request, _("The focal points have been asked for changes."))
            elif decision == "accept":
                chosen = (
                    None
                    if request.POST.get("all")
                    else {int(pk) for pk in request.POST.getlist("accept") if pk.isdigit()}
                )
                counts = response_accept(
                    response=response, user=request.user, expected_version=expected, value_ids=chosen
                )
                messages.success(
                    request,
                    _(
                        "Accepted: %(created)s values added, %(updated)s changed, %(unchanged)s confirmed, "
                        "%(not_taken)s not taken."
                    )
                    % counts,
                )
            else:
                messages.error(request, _("Choose to request changes or to accept."))
                return redirect("survey-review", pk=pk)
        except (ValidationError, ConcurrentEdit, PermissionDenied) as exc:
            # A reviewer who may not publish is told why on the review page; nothing was accepted.
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
            return redirect("survey-review", pk=pk)
        return redirect("survey-response", pk=pk)
    counts = {}
    for line in lines:
        counts[line.action] = counts.get(line.action, 0) + 1
    return render(
        request,
        "surveys/review.html",
        {
            "response": response,
            "lines": lines,
            "counts": counts,
            "sections": SECTIONS,
            "may_decide": response.status in SurveyResponse.IN_REVIEW,
        },
    )


@login_required
def dashboard(request):
    if not is_curator(request.user):
        raise PermissionDenied
    edition = current_edition()
    return render(
        request,
        "surveys/dashboard.html",
        {
            "progress": survey_progress(edition) if edition else None,
            "responses": responses_visible_to(request.user).filter(edition=edition).order_by("status", "country__name"),
        },
    )


@login_required
def export(request, file_format: str):
    """Every response the user may see (a focal point: their own country's), one sheet per section."""
    responses = responses_visible_to(request.user)
    if file_format == "xlsx":
        content = exports.responses_xlsx(responses)
        reply = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        reply = HttpResponse(content_type="text/csv; charset=utf-8")
        reply.write("\ufeff")
        writer = csv.writer(reply)
        for row in exports.responses_rows(responses):
            writer.writerow(row)
    reply["Content-Disposition"] = f'attachment; filename="insop-survey-responses.{file_format}"'
    return reply


@login_required
def legal_text(request, pk: int):
    instrument = get_object_or_404(
        ResponseInstrument.objects.filter(response__in=responses_visible_to(request.user)), pk=pk
    )
    if not instrument.legal_text:
        raise Http404
    # A name made here, never the stored one (files stored before this change keep the uploader's name).
    return FileResponse(
        instrument.legal_text.open("rb"),
        as_attachment=True,
        filename=legal_text_file_name(instrument),
        content_type="application/pdf",
    )


def section_url(response: SurveyResponse, code: str) -> str:
    return reverse("survey-section", kwargs={"pk": response.pk, "code": code})
