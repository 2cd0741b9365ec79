"""Freezing the funding plan for a decision: the page and the API offer the commission's decided and approved
decisions, link the version to the one chosen, and refuse anything else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commissioning.models import FundingPlanVersion
from tests import factories
from tests.decision_support import cabinet_template, decided, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(commission):  # type: ignore[no-untyped-def]
    return cabinet_template(commission)


def test_the_freeze_page_offers_approving_decisions_and_links_the_version(as_user, officer, commission, template):
    approved = decided(template, officer)
    pending = draft(template, officer, title="Not yet decided")
    client = as_user(officer)
    url = reverse("plan-version-freeze", args=[commission.pk])
    page = client.get(url).content.decode()
    assert approved.reference in page
    assert pending.reference not in page
    response = client.post(url, {"label": "For the November report", "decision": str(approved.pk)})
    assert response.status_code == 302
    version = FundingPlanVersion.objects.get()
    assert version.decision == approved
    assert version.decision_reference == approved.reference
    detail = client.get(reverse("plan-version-detail", args=[commission.pk, version.number])).content.decode()
    assert reverse("decision-detail", args=[commission.pk, approved.pk]) in detail
    decision_page = client.get(reverse("decision-detail", args=[commission.pk, approved.pk])).content.decode()
    assert reverse("plan-version-detail", args=[commission.pk, version.number]) in decision_page


def test_the_freeze_page_refuses_a_decision_that_is_not_offered(as_user, officer, commission, template):
    pending = draft(template, officer)
    decided(template, officer)
    response = as_user(officer).post(
        reverse("plan-version-freeze", args=[commission.pk]), {"label": "x", "decision": str(pending.pk)}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not FundingPlanVersion.objects.exists()


def test_without_approving_decisions_the_page_asks_only_for_a_reference(as_user, officer, commission):
    page = as_user(officer).get(reverse("plan-version-freeze", args=[commission.pk])).content.decode()
    assert 'name="decision"' not in page
    assert 'name="decision_reference"' in page


def test_the_api_links_a_version_to_a_decision_of_the_commission_only(as_user, officer, commission, template):
    approved = decided(template, officer)
    other = decided(cabinet_template(factories.CommissionFactory()), officer)
    client = as_user(officer)
    url = f"/api/v1/commissions/{commission.pk}/plan-versions/"
    foreign = client.post(url, {"label": "x", "decision": other.pk}, content_type="application/json")
    assert foreign.status_code == 400
    assert "No decision of this commission" in str(foreign.json())
    assert not FundingPlanVersion.objects.exists()
    response = client.post(url, {"label": "For the report", "decision": approved.pk}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["decision"] == approved.pk
    assert response.json()["decision_reference"] == approved.reference
