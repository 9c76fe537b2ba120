"""Public pages: the SOP library, an SOP with its versions."""

from __future__ import annotations

import os

from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from reference.selectors import pollutant_match
from sops.models import Sop
from sops.selectors import (
    sop_versions_visible_to,
    sops_visible_to,
    version_statuses_visible_to,
)


def sop_list(request):
    sops = (
        sops_visible_to(request.user)
        .select_related("extraction")
        .prefetch_related(
            "pollutants", Prefetch("versions", queryset=sop_versions_visible_to(request.user).order_by("-date"))
        )
    )
    statuses = version_statuses_visible_to(request.user)
    selected = {name: request.GET.get(name, "") for name in ("pollutant", "analyte_group", "technique", "status")}
    problems = []
    labels = {"analyte_group": _("analyte group"), "technique": _("technique"), "status": _("version status")}
    if selected["pollutant"]:
        pollutant = pollutant_match(selected["pollutant"])
        if pollutant is None:
            problems.append(_("No pollutant is known as %(name)s.") % {"name": selected["pollutant"]})
            sops = sops.none()
        else:
            sops = sops.filter(pollutants=pollutant)
    for name, choices in (("analyte_group", Sop.AnalyteGroup), ("technique", Sop.Technique)):
        if selected[name]:
            if selected[name] not in choices.values:
                problems.append(_("Unknown %(what)s: %(value)s.") % {"what": labels[name], "value": selected[name]})
                sops = sops.none()
            else:
                sops = sops.filter(**{name: selected[name]})
    if selected["status"]:
        if selected["status"] not in dict(statuses):
            problems.append(_("Unknown %(what)s: %(value)s.") % {"what": labels["status"], "value": selected["status"]})
            sops = sops.none()
        else:
            sops = sops.filter(versions__status=selected["status"])
    return render(
        request,
        "sops/sop_list.html",
        {
            "sops": sops.order_by("code").distinct(),
            "selected": selected,
            "problems": problems,
            "analyte_groups": Sop.AnalyteGroup.choices,
            "techniques": Sop.Technique.choices,
            "statuses": statuses,
        },
    )


def sop_detail(request, code: str):
    sop = get_object_or_404(
        sops_visible_to(request.user).select_related("extraction").prefetch_related("pollutants"), code=code
    )
    versions = sop_versions_visible_to(request.user).filter(sop=sop).select_related("sop").order_by("-date")
    return render(request, "sops/sop_detail.html", {"sop": sop, "versions": versions})


def version_download(request, code: str, version: str):
    found = get_object_or_404(
        sop_versions_visible_to(request.user).select_related("sop"), sop__code=code, version=version
    )
    if not found.file:
        raise Http404
    extension = os.path.splitext(found.file.name)[1].lower()
    if extension not in (".pdf", ".docx"):
        raise Http404
    # A name made here, never the stored path: no traversal, nothing a browser could misread.
    filename = f"{slugify(found.sop.code)}-v{slugify(found.version)}{extension}"
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=filename)
