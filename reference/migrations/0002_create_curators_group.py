"""The Curators group, with permission to view, add, change and delete the reference data.

Later apps grant the group their own models' permissions in their own data migrations, through
core.roles.grant_to_curators.
"""

from django.db import migrations

from core.roles import CURATORS_GROUP, grant_to_curators

REFERENCE_MODELS = [
    "country",
    "pollutant",
    "pollutantsynonym",
    "unit",
    "unitalias",
    "landuseclass",
    "tier",
    "extractionmethod",
]


def create_curators_group(apps, schema_editor):
    grant_to_curators(apps, app_label="reference", model_names=REFERENCE_MODELS)


def remove_curators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=CURATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_curators_group, remove_curators_group)]
