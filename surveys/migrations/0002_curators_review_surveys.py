"""Curators manage survey editions, focal points and responses from the admin."""

from django.db import migrations

from core.roles import grant_to_curators

MODELS = [
    "focalpoint",
    "surveyedition",
    "surveyresponse",
    "responseinstrument",
    "responsevalue",
    "responselaboratory",
    "reviewcomment",
]


def grant(apps, schema_editor):
    grant_to_curators(apps, app_label="surveys", model_names=MODELS)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("reference", "0002_create_curators_group"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
