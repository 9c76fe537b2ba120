"""Reads of SOPs: which versions a user may see (the pages and the API alike), what the released SOPs
measure and so how to measure a threshold value."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from sops.models import Sop, SopVersion

# The versions the public may read and download; drafts and versions under review are for curators.
PUBLIC_STATUSES = (SopVersion.Status.PUBLISHED, SopVersion.Status.SUPERSEDED)


def user_sees_sop_drafts(user) -> bool:
    return bool(user and user.has_perm("sops.view_sopversion"))


def sop_versions_released() -> QuerySet[SopVersion]:
    """The versions the public may read and download."""
    return SopVersion.objects.filter(status__in=PUBLIC_STATUSES)


def sop_versions_visible_to(user) -> QuerySet[SopVersion]:
    return SopVersion.objects.all() if user_sees_sop_drafts(user) else sop_versions_released()


def sops_released() -> QuerySet[Sop]:
    """The SOPs with a published (or superseded) version: an SOP with drafts only is not public yet."""
    released = SopVersion.objects.filter(sop=OuterRef("pk"), status__in=PUBLIC_STATUSES)
    return Sop.objects.filter(Exists(released))


def sops_visible_to(user) -> QuerySet[Sop]:
    """Curators see every SOP; everyone else the released ones."""
    return Sop.objects.all() if user_sees_sop_drafts(user) else sops_released()


def version_statuses_visible_to(user) -> list[tuple[str, str]]:
    """The version statuses `user` may filter by: naming a draft status would tell which SOPs have drafts."""
    everything = user_sees_sop_drafts(user)
    return [(code, label) for code, label in SopVersion.Status.choices if everything or code in PUBLIC_STATUSES]


def measuring_sops() -> tuple[dict[int, str], set[int]]:
    """What the released SOPs measure: (extraction method id -> an SOP's code, ids of the pollutants
    some SOP covers). Read once per page or value; the API's lists keep it under the data's last
    change (thresholds.selectors.list_lookups). how_to_measure reads it."""
    published = sops_released()
    by_extraction: dict[int, str] = {}
    for extraction_id, code in (
        published.filter(extraction__isnull=False).order_by("code").values_list("extraction_id", "code")
    ):
        by_extraction.setdefault(extraction_id, code)
    pollutants = set(published.values_list("pollutants", flat=True)) - {None}
    return by_extraction, pollutants


@dataclass(frozen=True)
class HowToMeasure:
    """Where to find how to measure a value: the SOP that follows its extraction method (`sop_code`),
    else the SOPs covering its pollutant (`pollutant_slug`)."""

    sop_code: str | None = None
    pollutant_slug: str | None = None

    @property
    def page_path(self) -> str:
        if self.sop_code:
            return reverse("sop-detail", args=[self.sop_code])
        return f"{reverse('sop-list')}?pollutant={self.pollutant_slug}"

    @property
    def api_path(self) -> str:
        if self.sop_code:
            return f"/api/v1/sops/{self.sop_code}/"
        return f"/api/v1/sops/?pollutants__slug={self.pollutant_slug}"


def how_to_measure(
    *, extraction_id: int | None, pollutant_id: int, pollutant_slug: str, measuring=None
) -> HowToMeasure | None:
    """The one rule for a value's pages and API: the released SOP for its extraction method, else the
    released SOPs covering its pollutant, else None. `measuring` is measuring_sops(), read once for a
    page or a list (read here when not given)."""
    by_extraction, pollutants = measuring if measuring is not None else measuring_sops()
    if code := by_extraction.get(extraction_id):
        return HowToMeasure(sop_code=code)
    if pollutant_id in pollutants:
        return HowToMeasure(pollutant_slug=pollutant_slug)
    return None
