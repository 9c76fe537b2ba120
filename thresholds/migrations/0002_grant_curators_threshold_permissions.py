from django.db import migrations

from core.roles import grant_to_curators


def grant(apps, schema_editor):
    grant_to_curators(
        apps,
        app_label="thresholds",
        model_names=["legalinstrument", "thresholdvalue", "labelclassification"],
        extra_codenames=("publish_thresholdvalue", "verify_thresholdvalue", "import_thresholdvalue"),
    )
    grant_to_curators(
        apps,
        app_label="thresholds",
        model_names=["importbatch"],
        actions=("view",),
        extra_codenames=("rollback_importbatch",),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("thresholds", "0001_initial"),
        ("reference", "0002_create_curators_group"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
