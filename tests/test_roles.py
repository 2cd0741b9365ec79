"""Each role can do what DESIGN.md says, and nothing more."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from commissioning import history, roles
from tests import factories

pytestmark = pytest.mark.django_db

# The project's own models; the audit trail's historical models (tests/test_history.py) are not.
PROJECT_MODELS = [
    model
    for model in apps.get_models()
    if model._meta.app_label in roles.PROJECT_APPS and not roles.is_history_model(model)
]

# The audit trail's versions (commissioning/history.py).
HISTORY_MODELS = [model for model in apps.get_models() if roles.is_history_model(model)]


def _perm(model, action: str) -> str:  # type: ignore[no-untyped-def]
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def test_migration_created_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label)
def test_officer_views_adds_and_changes_but_never_deletes(model):
    officer = factories.OfficerFactory()
    assert officer.has_perm(_perm(model, "view"))
    assert not officer.has_perm(_perm(model, "delete"))
    if model._meta.label != "commissioning.User":
        assert officer.has_perm(_perm(model, "add"))
        assert officer.has_perm(_perm(model, "change"))


def test_officer_cannot_manage_logins_or_approve_funding():
    officer = factories.OfficerFactory()
    assert not officer.has_perm("commissioning.add_user")
    assert not officer.has_perm("commissioning.change_user")
    assert not officer.has_perm("commissioning.approve_funding")
    assert not officer.has_perm("commissioning.sign_off_decision")


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label)
@pytest.mark.parametrize("factory", [factories.ManagerFactory, factories.AuditorFactory], ids=["manager", "auditor"])
def test_manager_and_auditor_read_everything_and_change_nothing(factory, model):
    user = factory()
    assert user.has_perm(_perm(model, "view"))
    for action in ("add", "change", "delete"):
        assert not user.has_perm(_perm(model, action))


def test_manager_approves_funding_and_signs_off_decisions_but_auditor_does_not():
    manager, auditor = factories.ManagerFactory(), factories.AuditorFactory()
    for permission in ("commissioning.approve_funding", "commissioning.sign_off_decision"):
        assert manager.has_perm(permission)
        assert not auditor.has_perm(permission)


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label)
def test_partner_finance_lead_holds_no_model_permission(model):
    lead = factories.PartnerLeadFactory()
    for action in ("view", "add", "change", "delete"):
        assert not lead.has_perm(_perm(model, action))
    assert not lead.is_staff


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model._meta.label)
def test_staff_roles_read_the_history_and_no_one_writes_or_deletes_it(model):
    officer, manager, auditor = factories.OfficerFactory(), factories.ManagerFactory(), factories.AuditorFactory()
    lead = factories.PartnerLeadFactory()
    codename = model._meta.model_name
    for user in (officer, manager, auditor):
        assert user.has_perm(f"{model._meta.app_label}.view_{codename}")
    for user in (officer, manager, auditor, lead):
        for action in ("add", "change", "delete"):
            assert not user.has_perm(f"{model._meta.app_label}.{action}_{codename}")
    assert not lead.has_perm(f"{model._meta.app_label}.view_{codename}")


def test_history_models_are_those_of_tracked_models_and_nothing_else_looks_like_one():
    """Each tracked model's versions, plus the many-to-many rows kept with versions: a user's groups and the
    districts a contract serves."""
    versions = {history.history_model_for(model) for model in PROJECT_MODELS if history.is_tracked(model)}
    group_rows = {model for model in HISTORY_MODELS if model not in versions}
    assert versions <= set(HISTORY_MODELS)
    assert {model._meta.label for model in group_rows} == {
        "commissioning.HistoricalUser_groups",
        "commissioning.HistoricalContract_districts",
    }
    assert all(model._meta.app_label in roles.PROJECT_APPS for model in HISTORY_MODELS)


def test_sync_roles_is_idempotent_and_restores_removed_permissions():
    group = Group.objects.get(name=roles.AUDITOR)
    expected = set(group.permissions.values_list("codename", flat=True))
    group.permissions.clear()
    roles.sync_roles(apps)
    roles.sync_roles(apps)
    assert set(group.permissions.values_list("codename", flat=True)) == expected


def test_sync_roles_leaves_the_live_app_registry_as_it_found_it():
    before = {config.label: config.models_module for config in apps.get_app_configs()}
    roles.sync_roles(apps)
    assert {config.label: config.models_module for config in apps.get_app_configs()} == before
