"""Writes for SOPs: publishing a version (which supersedes the previous one) and recording a
training's attendance (which records the attendees' awareness of the SOPs it covered)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.history import record_history
from core.roles import may_publish_sops
from sops.models import Engagement, Laboratory, SopVersion, TrainingEvent


@transaction.atomic
def sop_version_publish(*, version: SopVersion, user) -> SopVersion:
    """Publish a version; the SOP's previously published version becomes superseded (and stays
    downloadable). Only curators publish."""
    if not may_publish_sops(user):
        raise PermissionDenied("Publishing an SOP version needs the permission to publish (Curators have it).")
    version = SopVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == SopVersion.Status.PUBLISHED:
        return version
    if version.status == SopVersion.Status.SUPERSEDED:
        raise ValidationError(f"{version} was superseded; publish a newer version instead.")
    SopVersion.objects.filter(sop=version.sop, status=SopVersion.Status.PUBLISHED).update(
        status=SopVersion.Status.SUPERSEDED
    )
    version.status, version.published_at = SopVersion.Status.PUBLISHED, timezone.now()
    record_history(version, user=user)
    version.save(update_fields=["status", "published_at"])
    return version


@transaction.atomic
def sop_version_save(*, version: SopVersion, user) -> SopVersion:
    """Save a version's details (the admin's form, its history revert). Its status changes only through
    sop_version_publish: a save that would change it (a revert to an old "published" record) is refused,
    so a version is never published without the permission, nor a second one next to the current."""
    if version.pk is not None:
        stored = SopVersion.objects.select_for_update().filter(pk=version.pk).values("status", "published_at").first()
        if stored is not None and (version.status, version.published_at) != (stored["status"], stored["published_at"]):
            raise ValidationError(
                f"Restoring this record would change {version}'s status from {stored['status']} to {version.status}; "
                "nothing was saved. A version's status changes only through the Publish action (which supersedes "
                "the version published before): edit its other details, then publish it if you may."
            )
    elif version.status != SopVersion.Status.DRAFT:
        raise ValidationError(f"A new version starts as a draft, not {version.status}; publish it afterwards.")
    version.full_clean(exclude=["file"])  # the document was checked when it was uploaded (the form's field)
    record_history(version, user=user)
    version.save()
    return version


@transaction.atomic
def training_record_attendance(*, training: TrainingEvent, laboratories: list[Laboratory]) -> int:
    """Add attendees; each becomes aware of every SOP the training covered, on the training's date.
    Returns how many engagements were added (attending twice adds nothing)."""
    training.attendees.add(*laboratories)
    added = 0
    for laboratory in laboratories:
        for sop in training.sops.all():
            _, created = Engagement.objects.get_or_create(
                laboratory=laboratory,
                sop=sop,
                level=Engagement.Level.AWARE,
                date=training.date,
                source=Engagement.Source.TRAINING,
                defaults={"training": training},
            )
            added += created
    return added


@transaction.atomic
def laboratories_from_survey(*, response) -> int:
    """Record the laboratories an accepted survey response names (section E) and what they know of
    the harmonised SOPs, dated on acceptance with the survey as source. Returns engagements added."""
    day = timezone.localdate(response.accepted_at) if response.accepted_at else timezone.localdate()
    added = 0
    for answer in response.laboratories.all():
        laboratory, _ = Laboratory.objects.get_or_create(
            country=response.country,
            name=answer.name,
            defaults={"glosolan_member": answer.in_glosolan == "yes"},
        )
        levels = [Engagement.Level.AWARE] if answer.knows_sops == "yes" else []
        levels += [Engagement.Level.IMPLEMENTED] if answer.uses_sops == "yes" else []
        for level in levels:
            _, created = Engagement.objects.get_or_create(
                laboratory=laboratory,
                sop=None,
                level=level,
                date=day,
                source=Engagement.Source.SURVEY,
                defaults={"note": f"survey response #{response.pk}"},
            )
            added += created
    return added
