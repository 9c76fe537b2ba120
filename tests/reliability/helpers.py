from django.apps import apps


def every_table() -> dict[str, int]:
    """Row counts of every table of the portal's apps (histories included): equal before and after
    means nothing was written."""
    return {
        model._meta.db_table: model.objects.count()
        for app in ("reference", "thresholds", "surveys", "sops")
        for model in apps.get_app_config(app).get_models()
    }


def admin_form_data(client, url: str, **changes) -> dict:
    """What the admin's change form at `url` would post unchanged (its version included), with changes."""
    form = client.get(url).context["adminform"].form
    fields = {name: form[name].value() for name in form.fields}
    return {**{name: "" if item is None else item for name, item in fields.items()}, **changes}


def drill_database_url() -> str:
    """The test database's address, for the processes a drill starts (servers, importers, backups)."""
    from django.db import connection

    return "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
