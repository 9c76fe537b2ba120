"""Reads of threshold data that more than one place needs."""

from collections import defaultdict

from django.db.models import Count, QuerySet

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


def country_coverage(*, country_ids: list[int], user) -> dict[int, dict]:
    """For each country: how many instruments and readable values it has, per pollutant group (2 queries)."""
    values = thresholds_visible_to(user).filter(instrument__country_id__in=country_ids)
    coverage: dict[int, dict] = defaultdict(lambda: {"instruments": 0, "values": 0, "values_by_group": {}})
    for row in values.values("instrument__country_id").annotate(instruments=Count("instrument", distinct=True)):
        coverage[row["instrument__country_id"]]["instruments"] = row["instruments"]
    for row in values.values("instrument__country_id", "pollutant__group").annotate(count=Count("id")).order_by():
        entry = coverage[row["instrument__country_id"]]
        entry["values_by_group"][row["pollutant__group"]] = row["count"]
        entry["values"] += row["count"]
    return coverage
