"""Curators add and edit soil corrections (thresholds.models.SoilCorrection) in the admin."""

from django.db import migrations

from core.roles import grant_to_curators


def grant(apps, schema_editor):
    grant_to_curators(apps, app_label="thresholds", model_names=["soilcorrection"])


class Migration(migrations.Migration):
    dependencies = [("thresholds", "0012_soil_corrections"), ("reference", "0002_create_curators_group")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
