"""The database refuses UPDATE and DELETE on posted ledger rows (see commissioning/ledger_guard.py)."""

from django.db import migrations

from commissioning.ledger_guard import install_sql, remove_sql
from commissioning.roles import sync_roles


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    for statement in install_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    for statement in remove_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def roles(apps, schema_editor):  # type: ignore[no-untyped-def]
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("commissioning", "0004_ledger"),
        ("partners", "0002_contributionrequest"),
        ("allocations", "0003_import_upload"),
    ]

    operations = [
        migrations.RunPython(install, remove),
        migrations.RunPython(roles, migrations.RunPython.noop),
    ]
