"""`requests`: staff who read requests see them all; a partner's finance lead sees only their own partner's, once
issued."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from allocations import services
from allocations.models import Formula
from partners import services as partner_services
from partners.models import ContributionRequest
from tests import factories
from tests.api_support import STAFF, assert_money_strings
from tests.request_support import issue_options

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", STAFF)
def test_staff_see_every_request(as_persona, persona, world):
    response = as_persona(persona).get(reverse("api:request-list"))
    assert response.status_code == 200
    data = response.json()
    # Two partners, three financial years.
    assert data["count"] == 6
    assert {row["partner"]["id"] for row in data["results"]} == {world.partner_a.pk, world.partner_b.pk}
    first = world.requests_of(world.partner_b)[0]
    assert as_persona(persona).get(reverse("api:request-detail", args=[first.pk])).status_code == 200


@pytest.mark.parametrize(
    ("persona", "own", "other"), [("lead_a", "partner_a", "partner_b"), ("lead_b", "partner_b", "partner_a")]
)
def test_a_partner_lead_sees_only_their_own_partners_requests(as_persona, persona, own, other, world):
    client = as_persona(persona)
    _issue(world)
    own_partner, other_partner = getattr(world, own), getattr(world, other)
    data = client.get(reverse("api:request-list")).json()
    assert data["count"] == 3
    assert {row["partner"]["id"] for row in data["results"]} == {own_partner.pk}
    assert other_partner.name not in str(data)
    # The commission filter narrows; it never widens.
    filtered = client.get(reverse("api:request-list"), {"commission": world.commission.pk}).json()
    assert filtered["count"] == 3
    for request in world.requests_of(own_partner):
        assert client.get(reverse("api:request-detail", args=[request.pk])).status_code == 200
    # Another partner's request looks exactly like one that does not exist.
    for request in world.requests_of(other_partner):
        response = client.get(reverse("api:request-detail", args=[request.pk]))
        assert response.status_code == 404
        assert other_partner.name not in response.content.decode()


def _issue(world):  # type: ignore[no-untyped-def]
    """Issue every draft (by post, so nothing is e-mailed): a partner sees its requests from then on."""
    partner_services.letters_issue(commission=world.commission, options=issue_options(), by=None, notify=False)


@pytest.mark.parametrize("persona", ["lead_a", "lead_b"])
def test_a_partner_lead_does_not_see_drafts_sent_to_no_one(as_persona, persona, world):
    client = as_persona(persona)
    assert client.get(reverse("api:request-list")).json()["count"] == 0
    draft = world.requests_of(world.partner_a)[0]
    assert client.get(reverse("api:request-detail", args=[draft.pk])).status_code == 404


def test_outsiders_get_nothing_and_anonymous_callers_a_401(as_persona, world):
    request = world.requests_of(world.partner_a)[0]
    for persona, status in (("outsider", 403), ("anonymous", 401)):
        client = as_persona(persona)
        assert client.get(reverse("api:request-list")).status_code == status
        assert client.get(reverse("api:request-detail", args=[request.pk])).status_code == status


@pytest.mark.parametrize("persona", ["officer", "lead_a"])
def test_requests_cannot_be_written_here(as_persona, persona, world):
    client = as_persona(persona)
    request = world.requests_of(world.partner_a)[0]
    before = ContributionRequest.objects.count()
    created = client.post(reverse("api:request-list"), {"amount": "1.00"}, content_type="application/json")
    changed = client.patch(
        reverse("api:request-detail", args=[request.pk]), {"amount": "1.00"}, content_type="application/json"
    )
    # The officer may write requests, but not through this read-only resource; a partner lead may not at all.
    assert created.status_code == (405 if persona == "officer" else 403)
    assert changed.status_code == (405 if persona == "officer" else 403)
    assert ContributionRequest.objects.count() == before
    request.refresh_from_db()
    assert request.amount == Decimal("7000.00")


def test_a_request_carries_its_amount_as_a_string_and_its_provenance(as_user, auditor, world):
    request = next(r for r in world.requests_of(world.partner_a) if r.financial_year.number == 1)
    data = as_user(auditor).get(reverse("api:request-detail", args=[request.pk])).json()
    assert data["amount"] == "7000.00"
    assert data["financial_year"] == "2013/14"
    assert data["partner_name"] == world.partner_a.name
    assert data["status"] == "draft"
    assert data["formula"] == {"id": world.formula.pk, "name": "Agreed shares", "version": 1}
    assert data["provenance"]["method"] == "fixed"
    assert data["provenance"]["fixed_amount"] == "7000.00"
    assert data["provenance"]["formula_id"] == world.formula.pk
    assert assert_money_strings(data) == 2  # the amount, and the fixed amount in its provenance


def test_request_list_queries_do_not_grow_with_requests(as_user, auditor, world, django_assert_max_num_queries):
    client = as_user(auditor)
    with django_assert_max_num_queries(8) as small:
        client.get(reverse("api:request-list"))
    more = [factories.MembershipFactory(commission=world.commission).partner for _ in range(6)]
    services.requests_draft(
        formula=services.formula_create(
            commission=world.commission,
            name="Everyone equally",
            method=Formula.Method.FIXED,
            by=None,
            participants=[services.ParticipantInput(partner=p, fixed_amount=Decimal("100.00")) for p in more],
        ),
        by=None,
    )
    with django_assert_max_num_queries(8) as large:
        data = client.get(reverse("api:request-list")).json()
    assert data["count"] == 18
    assert len(large.captured_queries) == len(small.captured_queries)
