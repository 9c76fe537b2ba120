"""Reads of threshold data that more than one place needs."""

from django.db.models import QuerySet

from thresholds.models import ThresholdValue


def user_sees_drafts(user) -> bool:
    """Curators (anyone who may view values in the admin) see drafts and withdrawn values too."""
    return bool(user and user.is_authenticated and user.has_perm("thresholds.view_thresholdvalue"))


def thresholds_visible_to(user) -> QuerySet[ThresholdValue]:
    """The values a user may read, with everything their representation needs in one query."""
    values = ThresholdValue.objects.select_related("instrument__country", "pollutant", "land_use", "tier", "extraction")
    if not user_sees_drafts(user):
        values = values.filter(status=ThresholdValue.Status.PUBLISHED)
    return values
