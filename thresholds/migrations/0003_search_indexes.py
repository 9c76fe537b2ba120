"""Indexes for the API's `q` search on PostgreSQL: trigram on names and synonyms, full text on titles.

SQLite has neither; there the search is a plain case-insensitive lookup and this migration does nothing.
"""

from django.db import migrations

POSTGRESQL_ONLY = [
    (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        None,
    ),
    (
        "CREATE INDEX IF NOT EXISTS reference_synonym_name_trgm ON reference_pollutantsynonym "
        "USING gin (name gin_trgm_ops)",
        "DROP INDEX IF EXISTS reference_synonym_name_trgm",
    ),
    (
        "CREATE INDEX IF NOT EXISTS thresholds_instrument_title_trgm ON thresholds_legalinstrument "
        "USING gin (title gin_trgm_ops)",
        "DROP INDEX IF EXISTS thresholds_instrument_title_trgm",
    ),
    (
        "CREATE INDEX IF NOT EXISTS thresholds_instrument_title_fts ON thresholds_legalinstrument "
        "USING gin (to_tsvector('simple', title || ' ' || title_en || ' ' || short_name))",
        "DROP INDEX IF EXISTS thresholds_instrument_title_fts",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for forward, _ in POSTGRESQL_ONLY:
            schema_editor.execute(forward)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _, backward in reversed(POSTGRESQL_ONLY):
            if backward:
                schema_editor.execute(backward)


class Migration(migrations.Migration):
    dependencies = [
        ("thresholds", "0002_grant_curators_threshold_permissions"),
        ("reference", "0002_create_curators_group"),
    ]

    operations = [migrations.RunPython(create, drop)]
