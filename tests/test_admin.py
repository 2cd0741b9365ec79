"""The admin: every model is there with search and filters; roles see what they may and nothing is deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from commissioning import roles
from commissioning.models import WorkStream
from tests import factories

pytestmark = pytest.mark.django_db

# The project's own models; the audit trail's historical models (tests/test_history.py) are not.
PROJECT_MODELS = [
    model
    for model in apps.get_models()
    if model._meta.app_label in roles.PROJECT_APPS and not roles.is_history_model(model)
]


def _changelist(model) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label)
def test_every_model_is_in_the_admin_with_search_and_filters(model):
    model_admin = admin.site._registry.get(model)
    assert model_admin is not None, f"{model._meta.label} is not in the admin"
    assert model_admin.search_fields, f"{model._meta.label} has no search"
    assert model_admin.list_filter, f"{model._meta.label} has no filters"


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label)
@pytest.mark.parametrize("persona", ["officer", "auditor"])
def test_staff_can_search_and_filter_every_changelist(request, as_user, persona, model, commission, partner_a):
    client = as_user(request.getfixturevalue(persona))
    response = client.get(_changelist(model), {"q": "Council"})
    assert response.status_code == 200


def test_auditor_reads_but_cannot_add_or_change(as_user, auditor, commission):
    client = as_user(auditor)
    change_url = reverse("admin:commissioning_commission_change", args=[commission.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:commissioning_commission_add")).status_code == 403
    response = client.post(change_url, {"name": "Renamed"})
    assert response.status_code == 403
    commission.refresh_from_db()
    assert commission.name != "Renamed"


def test_partner_lead_cannot_enter_the_admin(as_user, lead_a):
    response = as_user(lead_a).get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_nothing_that_carries_history_can_be_deleted_even_by_a_superuser(client, commission):
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    url = reverse("admin:commissioning_commission_delete", args=[commission.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert type(commission).objects.filter(pk=commission.pk).exists()


def _inline_post_data(commission, shares: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    streams = list(commission.work_streams.order_by("position"))
    data = {
        "name": commission.name,
        "host": str(commission.host_id),
        "target": str(commission.target),
        "number_of_years": str(commission.number_of_years),
        "status": commission.status,
        "years-TOTAL_FORMS": "3",
        "years-INITIAL_FORMS": "3",
        "work_streams-TOTAL_FORMS": str(len(streams)),
        "work_streams-INITIAL_FORMS": str(len(streams)),
        "reserves-TOTAL_FORMS": "0",
        "reserves-INITIAL_FORMS": "0",
    }
    for index, year in enumerate(commission.years.order_by("number")):
        data[f"years-{index}-id"] = str(year.pk)
        data[f"years-{index}-commission"] = str(commission.pk)
    for index, stream in enumerate(streams):
        data[f"work_streams-{index}-id"] = str(stream.pk)
        data[f"work_streams-{index}-commission"] = str(commission.pk)
        data[f"work_streams-{index}-position"] = str(stream.position)
        data[f"work_streams-{index}-name"] = stream.name
        data[f"work_streams-{index}-pooled_share"] = shares.get(stream.name, str(stream.pooled_share or ""))
    return data


def test_admin_refuses_work_stream_shares_that_do_not_sum_to_100_and_saves_nothing(as_user, officer, commission):
    url = reverse("admin:commissioning_commission_change", args=[commission.pk])
    response = as_user(officer).post(url, _inline_post_data(commission, {"Perpetrators": "12"}))
    assert response.status_code == 200
    assert "these sum to 102%" in response.content.decode()
    assert WorkStream.objects.get(commission=commission, name="Perpetrators").pooled_share == Decimal("10.00")


def test_admin_saves_shares_moved_between_work_streams(as_user, officer, commission):
    url = reverse("admin:commissioning_commission_change", args=[commission.pk])
    data = _inline_post_data(commission, {"Perpetrators": "12", "Early Support": "15"})
    response = as_user(officer).post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert WorkStream.objects.get(commission=commission, name="Perpetrators").pooled_share == Decimal("12.00")


def test_admin_creates_the_financial_years_of_a_new_commission(as_user, officer):
    host = factories.PartnerFactory(kind="county_council")
    data = {
        "name": "Essex domestic abuse joint contract",
        "host": str(host.pk),
        "target": "2125000",
        "first_year": "2018",
        "number_of_years": "2",
        "status": "draft",
        "work_streams-TOTAL_FORMS": "0",
        "work_streams-INITIAL_FORMS": "0",
        "reserves-TOTAL_FORMS": "0",
        "reserves-INITIAL_FORMS": "0",
    }
    response = as_user(officer).post(reverse("admin:commissioning_commission_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    commission = type(host).objects.get(pk=host.pk).hosted_commissions.get()
    assert [year.label for year in commission.years.all()] == ["2018/19", "2019/20"]
    assert commission.target == Decimal("2125000.00")


def test_standalone_work_stream_form_refuses_a_share_that_breaks_the_sum(as_user, officer, commission):
    stream = commission.work_streams.get(name="Perpetrators")
    url = reverse("admin:commissioning_workstream_change", args=[stream.pk])
    response = as_user(officer).post(
        url, {"commission": str(commission.pk), "name": stream.name, "pooled_share": "11", "position": "3"}
    )
    assert response.status_code == 200
    assert "these sum to 101%" in response.content.decode()
    stream.refresh_from_db()
    assert stream.pooled_share == Decimal("10.00")
