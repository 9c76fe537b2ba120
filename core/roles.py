"""Roles shared by the apps: who is a curator, who may publish, and the Curators group that holds both.

The permissions are named here as strings (each app's models define them); every path that publishes or
reviews asks these functions, so a rule is written once."""

from django.contrib.auth.management import create_permissions

CURATORS_GROUP = "Curators"
ACTIONS = ("view", "add", "change", "delete")

# Publishing, withdrawing and verifying threshold values; publishing SOP versions.
PUBLISH_PERMISSION = "thresholds.publish_thresholdvalue"
SOP_PUBLISH_PERMISSION = "sops.publish_sopversion"
# Curators review survey responses: the Curators group holds this permission (surveys migration 0002).
REVIEW_PERMISSION = "surveys.change_surveyresponse"
# Adding to the curated tables the import matches against.
CURATED_TABLES_PERMISSION = "thresholds.add_labelclassification"
# Reading unpublished threshold values and instruments.
VIEW_VALUES_PERMISSION = "thresholds.view_thresholdvalue"


def is_curator(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(REVIEW_PERMISSION))


def sees_value_drafts(user) -> bool:
    """Whether `user` reads unpublished threshold data too (drafts, withdrawn values and instruments):
    curators, who may view values in the admin. Everyone else reads what is public."""
    return bool(user and user.is_authenticated and user.has_perm(VIEW_VALUES_PERMISSION))


def may_publish(user) -> bool:
    """Whether `user` may publish, withdraw and verify values. None is the system itself (management
    commands, the seed), run by whoever operates the server."""
    return user is None or user.has_perm(PUBLISH_PERMISSION)


def may_extend_curated_tables(user) -> bool:
    """Whether `user` may add to the curated tables the import reads (label classifications, pollutant
    synonyms, unit aliases, new pollutants), as accepting the matcher's proposals does: curators.
    None is the system itself (management commands run by whoever operates the server)."""
    return user is None or user.has_perm(CURATED_TABLES_PERMISSION)


def may_publish_sops(user) -> bool:
    return user.has_perm(SOP_PUBLISH_PERMISSION)


def grant_to_curators(
    apps, *, app_label: str, model_names: list[str], actions=ACTIONS, extra_codenames: tuple[str, ...] = ()
) -> None:
    """Give the Curators group (created if missing) permissions on an app's models.

    For data migrations. Django creates permissions only after all migrations have run, so on a
    fresh database they are created here first.
    """
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    codenames = [f"{action}_{model}" for model in model_names for action in actions] + list(extra_codenames)
    permissions = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    missing = set(codenames) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Permissions not found for the Curators group: {', '.join(sorted(missing))}")
    group.permissions.add(*permissions)
