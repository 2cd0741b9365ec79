"""The four roles of DESIGN.md as Django groups, and what each may do.

| role | model permissions |
| --- | --- |
| commissioning officer | view, add and change everything in the project's apps; delete nothing (history is kept) |
| manager / decision-maker | view everything; approve funding; sign off decisions |
| auditor | view everything, including history; nothing else |
| partner finance lead | no model permission: they see their own partner's pages through `User.partner` |

The audit trail's historical models (`HistoricalCommission` …, see `commissioning/history.py`) are read by the three
staff roles and written by no one: versions are written by the code as changes happen, never by a person.

`sync_roles` is run by migrations (now and whenever a later migration adds models), so a fresh
database and an old one end with the same groups.
"""

from __future__ import annotations

from typing import Any

OFFICER = "Commissioning officer"
PARTNER_FINANCE_LEAD = "Partner finance lead"
MANAGER = "Manager"
AUDITOR = "Auditor"
ROLES = (OFFICER, PARTNER_FINANCE_LEAD, MANAGER, AUDITOR)

# The project's own apps; their models are what the roles act on.
PROJECT_APPS = ("commissioning", "partners", "allocations", "reports")
# Staff roles also read the people who sign in, so an auditor can see who did what.
READABLE_AUTH_MODELS = (("commissioning", "user"),)

MANAGER_EXTRA = ("commissioning.approve_funding", "commissioning.sign_off_decision")


def is_history_model(model: Any) -> bool:
    """Whether `model` is the audit trail's record of another model's versions (or of a version's many-to-many rows,
    such as a user's groups). Works on a migration's historical models too, which have the fields but not the
    classes of django-simple-history."""
    names = {field.name for field in model._meta.fields}
    return model._meta.model_name.startswith("historical") and (
        {"history_id", "history_date", "history_type"} <= names or {"m2m_history_id", "history"} <= names
    )


def _codenames_for(
    role: str, model_keys: list[tuple[str, str]], history_keys: list[tuple[str, str]]
) -> set[tuple[str, str]]:
    """(app_label, codename) pairs a role holds, for the models (and their history models) that exist now."""
    wanted: set[tuple[str, str]] = set()
    if role == PARTNER_FINANCE_LEAD:
        return wanted
    wanted.update((app_label, f"view_{model}") for app_label, model in history_keys)
    for app_label, model in model_keys:
        wanted.add((app_label, f"view_{model}"))
        if role == OFFICER and (app_label, model) not in READABLE_AUTH_MODELS:
            wanted.add((app_label, f"add_{model}"))
            wanted.add((app_label, f"change_{model}"))
    if role == MANAGER:
        wanted.update(tuple(name.split(".", 1)) for name in MANAGER_EXTRA)  # type: ignore[misc]
    return wanted


def sync_roles(apps: Any) -> None:
    """Create the role groups and set exactly their permissions. Safe to run again."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure they exist now. A migration's
    # historical app configs have no models module, which create_permissions would take as "no models";
    # mark them for the call and put back exactly what was there (the live registry must not change).
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, verbosity=0, apps=apps)
        finally:
            app_config.models_module = models_module

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    project_models = [model for model in apps.get_models() if model._meta.app_label in PROJECT_APPS]
    model_keys = [(m._meta.app_label, m._meta.model_name) for m in project_models if not is_history_model(m)]
    history_keys = [(m._meta.app_label, m._meta.model_name) for m in project_models if is_history_model(m)]
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = _codenames_for(role, model_keys, history_keys)
        permissions = [
            permission
            for permission in permission_model.objects.select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        group.permissions.set(permissions)
