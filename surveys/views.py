"""Survey pages: focal points fill their country's response section by section; curators review.

Every page finds the response through responses_visible_to, so another country's response is a
404, whatever the address. Saving checks the version the form was loaded with: a second focal
point's save never overwrites the first one's; the form comes back with the typed data and a
message instead.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import modelformset_factory
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
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
    grid_data_with_values,
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
    focal_point_language_set,
    response_accept,
    response_comparison,
    response_problems,
    response_request_changes,
    response_section_save,
    response_start,
    response_submit,
)
from surveys.validation import response_readings

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
    if code == "c":
        return _values_section(request, response, context, template)
    form = _section_form(request, response, code, bind=request.method == "POST" and editable)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        autosave = request.headers.get("X-Autosave") == "1"
        saved, message, conflict = _save_section(request, response, code, form)
        if autosave:
            status = 200 if saved else (409 if conflict else 400)
            errors = {} if saved else _form_errors(form)
            return JsonResponse(
                {"saved": saved, "version": response.version, "message": message, "errors": errors}, status=status
            )
        if saved:
            messages.success(request, _("Saved. You can come back and continue at any time."))
            return redirect(request.path)
        if message:
            messages.error(request, message)
    context.update(form=form, version=response.version)
    # A form shown again with its errors says so in its status too: 409 when someone else saved first.
    status = 200 if request.method != "POST" else (409 if conflict else 400)
    return render(request, template, context, status=status)


def _section_form(request, response: SurveyResponse, code: str, *, bind: bool):
    data = request.POST if bind else None
    files = request.FILES if data is not None else None
    if code == "a":
        return SituationForm(data, instance=response)
    if code == "d":
        return ProcessForm(data, instance=response)
    if code == "b":
        formset = modelformset_factory(ResponseInstrument, form=InstrumentForm, extra=1, can_delete=True)
        return formset(data, files, queryset=response.instruments.all(), prefix="instruments")
    formset = modelformset_factory(ResponseLaboratory, form=LaboratoryForm, extra=1, can_delete=True)
    return formset(data, queryset=response.laboratories.all(), prefix="laboratories")


def _values_grid(response: SurveyResponse, data=None):
    return ValueFormSet(
        data,
        queryset=ResponseValue.objects.filter(instrument__response=response).select_related("instrument"),
        prefix="values",
        form_kwargs={"response": response, "choices": value_form_choices(response)},
    )


@dataclass
class _ValuesOutcome:
    """What a post of section C did, and the forms to show back: the grid, the paste and the file."""

    saved: bool
    status: int  # 200 when saved, 400 when nothing was, 409 when someone else saved first
    message: str
    grid: object
    paste: PasteValuesForm
    upload: UploadValuesForm
    left: int = 0  # pasted lines and rows of the file not added for their problems


def _values_section(request, response: SurveyResponse, context: dict, template: str):
    """C. The values grid, the paste and the file are one form, so whichever button is pressed, what was
    typed in the grid travels with the pasted rows or the file and is never lost. What passes is saved
    together; what does not comes back with its problems (_save_values)."""
    posted = request.method == "POST"
    if posted and not context["editable"]:
        raise PermissionDenied
    autosave = request.headers.get("X-Autosave") == "1"
    data = request.POST if posted else None
    # A grid is posted with its management form; an older page's paste or upload came without it.
    grid = _values_grid(response, data if posted and "values-TOTAL_FORMS" in data else None)
    # Rows left in the box or a file chosen are added by either button; an autosave adds only on request.
    paste_bound = posted and ("paste" in data or (not autosave and data.get("paste-rows", "").strip() != ""))
    upload_bound = posted and ("upload" in data or (not autosave and "upload-file" in request.FILES))
    paste = PasteValuesForm(data if paste_bound else None, response=response, prefix="paste")
    upload = UploadValuesForm(
        data if upload_bound else None, request.FILES if upload_bound else None, response=response, prefix="upload"
    )
    status = 200
    if posted:
        outcome = _save_values(request, response, grid, paste, upload)
        if autosave:
            return JsonResponse(
                {
                    "saved": outcome.saved,
                    "version": response.version,
                    "message": outcome.message,
                    "errors": _values_errors(outcome),
                },
                status=outcome.status,
            )
        if outcome.saved and not outcome.left:
            messages.success(request, _("Saved. You can come back and continue at any time."))
            if outcome.message:
                messages.success(request, outcome.message)
            return redirect(request.path)
        if outcome.message:
            (messages.warning if outcome.saved else messages.error)(request, outcome.message)
        grid, paste, upload, status = outcome.grid, outcome.paste, outcome.upload, outcome.status
    context.update(
        form=grid,
        paste=paste,
        upload=upload,
        version=response.version,
        instruments=response.instruments.all(),
        comments=ReviewComment.objects.filter(response=response, section="c", resolved=False),
        readings=response_readings(response) if request.method == "GET" else {},
    )
    return render(request, template, context, status=status)


def _save_values(request, response: SurveyResponse, grid, paste, upload) -> _ValuesOutcome:
    """Save the grid's edits and the rows pasted or uploaded with it, in one version.

    A problem with the paste or the file as a whole (too long, not a spreadsheet) saves nothing. Lines
    with problems are left out and shown back with them; the others are added. When the grid itself has
    errors nothing is saved: it comes back as typed, the rows that passed merged in as new rows."""
    extras = [form for form in (paste, upload) if form.is_bound]
    if not all(form.is_valid() for form in extras):
        return _ValuesOutcome(False, 400, _("Nothing was saved: see the problems below."), grid, paste, upload)
    added = [value for form in extras for value in form.values_to_add()]
    counts = {form.prefix: form.lines_not_added for form in extras}
    left = sum(counts.values())
    if grid.is_bound and not grid.is_valid():
        if not extras:
            return _ValuesOutcome(False, 400, "", grid, paste, upload)
        merged = grid_data_with_values(grid, added)
        if merged is None:
            message = _("Nothing was saved: correct the values marked in the grid first, then add the rows again.")
            return _ValuesOutcome(False, 400, message, grid, paste, upload)
        notice = [_("Nothing was saved: correct the values marked in the grid, then save.")]
        if added:
            notice.append(
                ngettext(
                    "%(count)s row passed the checks and is now in the grid, not saved yet.",
                    "%(count)s rows passed the checks and are now in the grid, not saved yet.",
                    len(added),
                )
                % {"count": len(added)}
            )
        notice += _left_notice(counts)
        return _ValuesOutcome(
            False, 400, " ".join(notice), _values_grid(response, merged), *_left_over(paste, upload), left=left
        )
    rows = grid.save(commit=False) if grid.is_bound else []  # the grid's changed and new rows, not saved yet
    deleted = grid.deleted_objects if grid.is_bound else []
    if extras and not (rows or deleted or added):
        # Only lines with problems and no edit: nothing to save, and no new version.
        notice = " ".join([_added_notice(0), *_left_notice(counts)])
        return _ValuesOutcome(False, 400, notice, grid, *_left_over(paste, upload), left=left)
    saved, message, conflict = _save_changes(request, response, "c", rows=rows, deleted=deleted, added=added)
    if not saved:
        return _ValuesOutcome(False, 409 if conflict else 400, message, grid, paste, upload)
    notice = [_added_notice(len(added))] if extras else []
    notice += _left_notice(counts)
    if extras and (rows or deleted) and left:
        notice.append(_("Your changes in the grid were saved."))
    if not left:
        return _ValuesOutcome(True, 200, " ".join(notice), grid, paste, upload)
    return _ValuesOutcome(True, 200, " ".join(notice), _values_grid(response), *_left_over(paste, upload), left=left)


def _left_over(paste: PasteValuesForm, upload: UploadValuesForm) -> tuple[PasteValuesForm, UploadValuesForm]:
    """The paste and file forms once their good rows went elsewhere: only what was not added, and why."""
    return tuple(form.left_over() if form.is_bound else form for form in (paste, upload))


def _added_notice(count: int) -> str:
    return ngettext("%(count)s row added.", "%(count)s rows added.", count) % {"count": count}


def _left_notice(counts: dict[str, int]) -> list[str]:
    notice = []
    if counts.get("paste"):
        notice.append(
            ngettext(
                "%(count)s pasted line needs attention below.",
                "%(count)s pasted lines need attention below.",
                counts["paste"],
            )
            % {"count": counts["paste"]}
        )
    if counts.get("upload"):
        notice.append(
            ngettext(
                "%(count)s row of the file was not added; see why below.",
                "%(count)s rows of the file were not added; see why below.",
                counts["upload"],
            )
            % {"count": counts["upload"]}
        )
    return notice


def _values_errors(outcome: _ValuesOutcome) -> dict:
    """An autosave's errors: the grid's by row, the paste's and the file's under their prefixes."""
    errors = _form_errors(outcome.grid) if outcome.grid.is_bound and not outcome.saved else {}
    for form in (outcome.paste, outcome.upload):
        found = [str(message) for field_errors in form.errors.values() for message in field_errors]
        found += form.problem_messages()
        if found:
            errors[form.prefix] = found
    return errors


def _posted_version(request) -> int | None:
    """The response version the form was loaded with; None when missing or not a number."""
    text = request.POST.get("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _save_section(request, response: SurveyResponse, code: str, form) -> tuple[bool, str, bool]:
    """(saved, message, conflict) for sections A, B, D and E (see _save_changes)."""
    if not form.is_valid():
        return False, "", False
    changes = {}
    if code == "a":
        changes["land_uses"] = form.cleaned_data["land_uses"]
    elif code != "d":
        changes["rows"] = form.save(commit=False)  # the formset's changed and new rows, not saved yet
        changes["deleted"] = form.deleted_objects
    return _save_changes(request, response, code, **changes)


def _save_changes(request, response: SurveyResponse, code: str, **changes) -> tuple[bool, str, bool]:
    """(saved, message, conflict): the message says why nothing was saved beyond the form's own
    errors; conflict is true when someone else saved first (409), not when the form was wrong (400)."""
    expected = _posted_version(request)
    if expected is None:
        return False, _("The form was incomplete (no version); reload the page."), False
    try:
        response_section_save(response=response, user=request.user, expected_version=expected, section=code, **changes)
    except ConcurrentEdit as exc:
        response.refresh_from_db()
        return False, str(exc) + " " + _("What you typed is still in the form below."), True
    except (ValidationError, PermissionDenied) as exc:
        return False, " ".join(getattr(exc, "messages", [str(exc)])), False
    focal_point_language_set(user=request.user, language=get_language())
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
        focal_point_language_set(user=request.user, language=get_language())
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
