"""The first pages: who may see them, what they show, and how many queries they take."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def _urls(commission, partner):  # type: ignore[no-untyped-def]
    return [
        reverse("home"),
        reverse("commission-detail", args=[commission.pk]),
        reverse("partner-detail", args=[partner.pk]),
        reverse("commission-summary-pdf", args=[commission.pk]),
    ]


def test_anonymous_visitor_is_sent_to_sign_in_from_every_page(client, commission, partner_a):
    for url in _urls(commission, partner_a):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_outsider_is_refused_every_page(as_user, outsider, commission, partner_a):
    client = as_user(outsider)
    for url in _urls(commission, partner_a):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("persona", ["officer", "manager", "auditor"])
def test_staff_see_the_commission_list_and_page(request, as_user, persona, commission, partner_a, partner_b):
    client = as_user(request.getfixturevalue(persona))
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert commission.name in home.content.decode()

    page = client.get(reverse("commission-detail", args=[commission.pk])).content.decode()
    for text in (
        "2013/14",
        "2014/15",
        "2015/16",
        "£3,500,000",
        partner_a.name,
        partner_b.name,
        "Medium and High Risk Support",
        "68%",
        "not pooled",
    ):
        assert text in page, text
    # The total row is computed from the lines: 7,000 + 12,000.
    assert "£19,000" in page
    assert "100%" in page


def test_commission_page_escapes_text_typed_by_users(as_user, officer, commission):
    factories.WorkStreamFactory(commission=commission, name="<script>alert(1)</script>")
    page = as_user(officer).get(reverse("commission-detail", args=[commission.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_missing_commission_is_404_for_staff(as_user, officer):
    assert as_user(officer).get(reverse("commission-detail", args=[999999])).status_code == 404


def test_partner_lead_is_taken_from_home_to_their_own_organisation(as_user, lead_a, partner_a):
    response = as_user(lead_a).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("partner-detail", args=[partner_a.pk])


def test_partner_lead_sees_their_own_organisation(as_user, lead_a, partner_a, commission):
    factories.ContactFactory(partner=partner_a, name="Head of Finance A")
    page = as_user(lead_a).get(reverse("partner-detail", args=[partner_a.pk])).content.decode()
    assert partner_a.name in page
    assert commission.name in page
    assert "Head of Finance A" in page
    assert "£7,000" in page
    # No link into the staff-only commission page.
    assert reverse("commission-detail", args=[commission.pk]) not in page


def test_partner_lead_cannot_see_another_partner_which_looks_missing(as_user, lead_a, partner_b):
    response = as_user(lead_a).get(reverse("partner-detail", args=[partner_b.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["commission-detail", "commission-summary-pdf"])
def test_partner_lead_cannot_open_commission_pages(as_user, lead_a, commission, name):
    assert as_user(lead_a).get(reverse(name, args=[commission.pk])).status_code == 403


def test_staff_see_any_partner_with_its_history(as_user, auditor):
    pct = factories.PartnerFactory(name="NHS Central Lancashire", kind="health_body")
    ccg = factories.PartnerFactory(name="NHS Greater Preston CCG", kind="health_body")
    factories.PartnerSuccessionFactory(predecessor=pct, successor=ccg)
    page = as_user(auditor).get(reverse("partner-detail", args=[ccg.pk])).content.decode()
    assert "Took over from" in page
    assert "NHS Central Lancashire" in page


def test_commission_page_queries_do_not_grow_with_partners(as_user, officer, commission, django_assert_max_num_queries):
    """The page costs the same number of queries for 2 partners as for 40."""
    client = as_user(officer)
    url = reverse("commission-detail", args=[commission.pk])
    for _ in range(2):
        factories.MembershipFactory(commission=commission, requested_per_year=Decimal("1000"))
    with django_assert_max_num_queries(10) as small:
        client.get(url)
    for _ in range(38):
        factories.MembershipFactory(commission=commission, requested_per_year=Decimal("1000"))
    with django_assert_max_num_queries(10) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_home_page_queries_do_not_grow_with_commissions(as_user, manager, django_assert_max_num_queries):
    client = as_user(manager)
    factories.CommissionFactory()
    with django_assert_max_num_queries(6) as small:
        client.get(reverse("home"))
    for _ in range(10):
        factories.CommissionFactory()
    with django_assert_max_num_queries(6) as large:
        client.get(reverse("home"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_partner_page_queries_are_bounded(as_user, lead_a, partner_a, django_assert_max_num_queries):
    for _ in range(5):
        factories.ContactFactory(partner=partner_a)
        factories.MembershipFactory(partner=partner_a)
    client = as_user(lead_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partner-detail", args=[partner_a.pk]))
    assert response.status_code == 200
