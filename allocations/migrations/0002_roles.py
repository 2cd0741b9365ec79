"""Give the role groups their permissions on the allocations models and contribution requests."""

from django.db import migrations

from commissioning.roles import sync_roles


def sync(apps, schema_editor):  # type: ignore[no-untyped-def]
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("allocations", "0001_initial"),
        ("partners", "0002_contributionrequest"),
        ("commissioning", "0003_roles"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
