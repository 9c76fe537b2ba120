"""A version label is part of its download address: it is now checked against what the address accepts,
and labels stored before (e.g. "2.0 beta") are renamed so (e.g. "2.0-beta"), each with a history record."""

import re

from django.db import migrations, models
from django.utils import timezone

import sops.models

ALLOWED = re.compile(rf"\A(?=[^\W_]){sops.models.VERSION_LABEL_PATTERN}\Z")
REASON = "version label renamed to fit its download address"


def rename_labels_the_address_cannot_carry(apps, schema_editor):
    SopVersion = apps.get_model("sops", "SopVersion")
    HistoricalSopVersion = apps.get_model("sops", "HistoricalSopVersion")
    for version in SopVersion.objects.order_by("pk"):
        if ALLOWED.match(version.version):
            continue
        label = re.sub(r"[^\w.\-]+", "-", version.version).strip("-._")[:20] or f"v{version.pk}"
        if SopVersion.objects.filter(sop_id=version.sop_id, version=label).exclude(pk=version.pk).exists():
            suffix = f"-{version.pk}"
            label = label[: 20 - len(suffix)] + suffix
        version.version = label
        version.save(update_fields=["version"])
        HistoricalSopVersion.objects.create(
            id=version.pk,
            sop_id=version.sop_id,
            version=version.version,
            date=version.date,
            change_summary=version.change_summary,
            status=version.status,
            file=version.file.name if version.file else "",
            created_by_id=version.created_by_id,
            published_at=version.published_at,
            history_date=timezone.now(),
            history_change_reason=REASON,
            history_type="~",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sops", "0005_developers_from_engagements"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalsopversion",
            name="version",
            field=models.CharField(
                help_text="e.g. 1.0, 2.1 or 2.0-beta; no spaces.",
                max_length=20,
                validators=[sops.models.validate_version_label],
            ),
        ),
        migrations.AlterField(
            model_name="sopversion",
            name="version",
            field=models.CharField(
                help_text="e.g. 1.0, 2.1 or 2.0-beta; no spaces.",
                max_length=20,
                validators=[sops.models.validate_version_label],
            ),
        ),
        migrations.RunPython(rename_labels_the_address_cannot_carry, migrations.RunPython.noop),
    ]
