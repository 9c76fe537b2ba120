"""Curators manage SOPs, laboratories and trainings, and publish SOP versions."""

from django.db import migrations

from core.roles import grant_to_curators


def grant(apps, schema_editor):
    grant_to_curators(
        apps,
        app_label="sops",
        model_names=["laboratory", "sop", "sopversion", "trainingevent", "engagement"],
        extra_codenames=("publish_sopversion",),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sops", "0001_initial"),
        ("reference", "0002_create_curators_group"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
