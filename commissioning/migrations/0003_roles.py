"""Create the four role groups with their permissions (see commissioning/roles.py)."""

from django.db import migrations

from commissioning.roles import sync_roles


def create_roles(apps, schema_editor):  # type: ignore[no-untyped-def]
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("commissioning", "0002_initial"),
        ("partners", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
