"""Roles shared by the apps."""

from django.contrib.auth.management import create_permissions

CURATORS_GROUP = "Curators"
ACTIONS = ("view", "add", "change", "delete")


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
