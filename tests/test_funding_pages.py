"""The reserve, year-end, carry-forward and pool pages: who may use them, what they show, what they write, what they
refuse (with nothing written), and how many queries they take."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from allocations import services as allocation_services
from allocations.year_end_services import carry_forward_propose_from_year_end
from commissioning import funding_services, ledger
from commissioning.models import CarryForward, LedgerTransaction, PoolRules, ReserveDrawdown
from tests import factories
from tests.funding_support import DECISION, seed_history

pytestmark = pytest.mark.django_db

D = Decimal
STAFF = ("officer", "manager", "auditor")
REFUSED = ("lead_a", "lead_b", "outsider")


@pytest.fixture
def history(commission, partner_a, partner_b, officer, manager):  # type: ignore[no-untyped-def]
    return seed_history(commission, partner_a, partner_b, officer, manager)


def _counts() -> tuple[int, ...]:
    return (ReserveDrawdown.objects.count(), CarryForward.objects.count(), LedgerTransaction.objects.count())


def _read_urls(commission, history):  # type: ignore[no-untyped-def]
    pk = commission.pk
    return [
        reverse("reserve-list", args=[pk]),
        reverse("reserve-detail", args=[pk, history.plan.reserve.pk]),
        reverse("pool-rules", args=[pk]),
        reverse("year-end", args=[pk]),
        reverse("carry-forward-list", args=[pk]),
        reverse("carry-forward-detail", args=[pk, history.demo.carry_forward.pk]),
    ]


@pytest.mark.parametrize("persona", STAFF)
def test_staff_read_every_page(as_persona, commission, history, persona):
    client = as_persona(persona)
    for url in _read_urls(commission, history):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", REFUSED)
def test_partner_leads_and_outsiders_are_refused(as_persona, commission, history, persona):
    client = as_persona(persona)
    for url in _read_urls(commission, history):
        assert client.get(url).status_code == 403, url


def test_anonymous_callers_are_sent_to_sign_in(as_persona, commission, history):
    for url in _read_urls(commission, history):
        response = as_persona("anonymous").get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/"), url


def test_the_reserve_page_shows_protocol_drawdowns_and_the_ledger_balance(as_user, officer, commission, history):
    page = as_user(officer).get(reverse("reserve-detail", args=[commission.pk, history.plan.reserve.pk]))
    text = page.content.decode()
    for expected in ("Meet the gap in funding.", "£730,000", "£321,000", "£409,000", DECISION, "Posted"):
        assert expected in text
    assert page.context["position"].holds == 0
    assert len(page.context["position"].drawdowns) == 2


def test_the_year_end_page_shows_plan_and_ledger_underspends_and_provisional_funding(
    as_user, auditor, commission, history
):
    """2013/14: 455,546 underspent by the plan, 455,447 claimed, 99 left; 2015/16 has £455,447 provisional."""
    page = as_user(auditor).get(reverse("year-end", args=[commission.pk]))
    text = page.content.decode()
    first = page.context["years"][0]
    assert (first.total_plan_underspend, first.total_claimed, first.total_available) == (
        D("455546"),
        D("455447"),
        D("99"),
    )
    assert {year.label: amount for year, amount in page.context["provisional"].items()}["2015/16"] == D("455447")
    assert "£455,546" in text
    assert "£455,447" in text
    assert "not in the ledger" in text
    assert "Propose a carry-forward" not in text  # the auditor may not


def test_an_officer_proposes_a_drawdown_and_a_manager_approves_it_and_the_officer_posts_it(
    as_user, officer, manager, commission, history
):
    contingency = history.contingency
    funding_services.reserve_opening_balance_post(reserve=contingency, by=officer)
    pk, year = commission.pk, commission.years.get(number=2)
    response = as_user(officer).post(
        reverse("drawdown-propose", args=[pk, contingency.pk]),
        {"financial_year": year.pk, "amount": "£10,000", "reason": "Cover the IDVA contract"},
    )
    assert response.status_code == 302
    drawdown = contingency.drawdowns.get(amount=D("10000"))
    assert as_user(officer).get(reverse("drawdown-approve", args=[pk, contingency.pk, drawdown.pk])).status_code == 403
    response = as_user(manager).post(
        reverse("drawdown-approve", args=[pk, contingency.pk, drawdown.pk]),
        {"decision_reference": "PCC036/18", "note": ""},
    )
    assert response.status_code == 302
    assert as_user(manager).post(reverse("drawdown-post", args=[pk, contingency.pk, drawdown.pk])).status_code == 403
    response = as_user(officer).post(reverse("drawdown-post", args=[pk, contingency.pk, drawdown.pk]), follow=True)
    assert "posted to the 2014/15 pool" in response.content.decode()
    drawdown.refresh_from_db()
    assert (drawdown.status, drawdown.approved_by, drawdown.transaction.source_reference) == (
        ReserveDrawdown.Status.POSTED,
        manager,
        "PCC036/18",
    )


def test_a_drawdown_the_reserve_cannot_cover_is_refused_on_the_page(as_user, officer, commission, history):
    """The Crime and Disorder reserve is empty (730,000 − 321,000 − 409,000 = 0): £1 is refused, naming it."""
    reserve = history.plan.reserve
    before = _counts()
    response = as_user(officer).post(
        reverse("drawdown-propose", args=[commission.pk, reserve.pk]),
        {"financial_year": commission.years.get(number=3).pk, "amount": "1", "reason": "More"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert "leaving £0.00; a drawdown of £1.00 is more than that" in text
    assert response.context["form"].errors["amount"]
    assert _counts() == before


def test_a_rejection_needs_a_reason(as_user, manager, commission, history):
    contingency, drawdown = history.contingency, history.proposed
    url = reverse("drawdown-reject", args=[commission.pk, contingency.pk, drawdown.pk])
    response = as_user(manager).post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    drawdown.refresh_from_db()
    assert drawdown.status == ReserveDrawdown.Status.PROPOSED
    assert as_user(manager).post(url, {"reason": "Funded elsewhere"}).status_code == 302
    drawdown.refresh_from_db()
    assert (drawdown.status, drawdown.rejection_reason) == (ReserveDrawdown.Status.REJECTED, "Funded elsewhere")


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("drawdown-propose", "officer"),
        ("drawdown-approve", "manager"),
        ("drawdown-reject", "manager"),
        ("pool-rules-edit", "officer"),
        ("carry-forward-propose", "officer"),
        ("carry-forward-outline-approve", "manager"),
        ("carry-forward-confirm", "manager"),
        ("carry-forward-reject", "manager"),
        ("carry-forward-lapse", "officer"),
    ],
)
def test_form_pages_open_only_to_the_role_that_acts(as_persona, commission, history, name, allowed):
    pk, contingency = commission.pk, history.contingency
    args = {
        "drawdown-propose": [pk, contingency.pk],
        "drawdown-approve": [pk, contingency.pk, history.proposed.pk],
        "drawdown-reject": [pk, contingency.pk, history.proposed.pk],
        "pool-rules-edit": [pk],
        "carry-forward-propose": [pk, commission.years.get(number=1).pk],
    }.get(name, [pk, history.demo.carry_forward.pk])
    url = reverse(name, args=args)
    for persona in (*STAFF, *REFUSED):
        expected = 200 if persona == allowed else 403
        assert as_persona(persona).get(url).status_code == expected, (persona, url)
    assert as_persona("anonymous").get(url).status_code == 302


def test_a_carry_forward_is_proposed_from_the_year_end_page_and_decided(as_user, officer, manager, commission, history):
    """£99 is left of 2013/14's underspend; the officer proposes it to 2014/15, the manager approves in outline."""
    pk = commission.pk
    response = as_user(officer).post(
        reverse("carry-forward-propose", args=[pk, commission.years.get(number=1).pk]),
        {"to_year": commission.years.get(number=2).pk, "amount": "99", "reason": "What is left"},
    )
    carry = CarryForward.objects.get(amount=D("99"))
    assert response.url == reverse("carry-forward-detail", args=[pk, carry.pk])
    assert sum(part.amount for part in carry.parts.all()) == D("99")
    response = as_user(manager).post(
        reverse("carry-forward-outline-approve", args=[pk, carry.pk]), {"decision_reference": DECISION}
    )
    carry.refresh_from_db()
    assert carry.status == CarryForward.Status.OUTLINE_APPROVED
    response = as_user(officer).post(reverse("carry-forward-lapse", args=[pk, carry.pk]), {"reason": "Year closed"})
    carry.refresh_from_db()
    assert (carry.status, carry.lapse_reason) == (CarryForward.Status.LAPSED, "Year closed")


def test_proposing_more_than_is_left_is_refused_on_the_page(as_user, officer, commission, history):
    before = _counts()
    response = as_user(officer).post(
        reverse("carry-forward-propose", args=[commission.pk, commission.years.get(number=1).pk]),
        {"to_year": commission.years.get(number=3).pk, "amount": "100", "reason": "More"},
    )
    assert response.status_code == 200
    assert "£99.00 of 2013/14 underspend left to carry forward; £100.00 is more than that" in response.content.decode()
    assert _counts() == before


def test_confirming_what_the_ledger_cannot_carry_is_refused_on_the_page(as_user, manager, commission, history):
    carry = history.demo.carry_forward
    before = _counts()
    response = as_user(manager).post(reverse("carry-forward-confirm", args=[commission.pk, carry.pk]), {})
    assert response.status_code == 200
    assert "underspent -£37,563.00 in 2013/14" in response.content.decode()
    assert _counts() == before
    carry.refresh_from_db()
    assert carry.status == CarryForward.Status.OUTLINE_APPROVED


def test_an_officer_sets_the_pool_rules(as_user, officer, commission, history):
    url = reverse("pool-rules-edit", args=[commission.pk])
    reserve = history.plan.reserve
    bad = as_user(officer).post(
        url,
        {"first_step": "reserve", "second_step": "reserve", "third_step": "", "reductions_limit": "0"},
    )
    assert bad.status_code == 200
    assert "Name each step once." in bad.content.decode()
    assert not PoolRules.objects.exists()
    response = as_user(officer).post(
        url,
        {
            "first_step": "underspends",
            "second_step": "reserve",
            "third_step": "reductions",
            "reserve": reserve.pk,
            "reductions_limit": "25,000",
            "cap_at_contribution": "on",
            "underspends_stay_in_pool": "on",
            "agreement": "Clause 9: risk share.",
        },
    )
    assert response.status_code == 302
    rules = PoolRules.objects.get(commission=commission)
    assert (rules.overspend_order, rules.reserve, rules.reductions_limit, rules.set_by) == (
        ["underspends", "reserve", "reductions"],
        reserve,
        D("25000"),
        officer,
    )
    page = as_user(officer).get(reverse("pool-rules", args=[commission.pk])).content.decode()
    assert "Clause 9: risk share." in page
    assert "up to £25,000 a year" in page


def test_the_per_partner_view_is_for_staff_and_that_partners_own_lead(
    as_persona, commission, partner_a, partner_b, history
):
    url_a = reverse("pool-partner", args=[commission.pk, partner_a.pk])
    url_b = reverse("pool-partner", args=[commission.pk, partner_b.pk])
    for persona in STAFF:
        assert as_persona(persona).get(url_a).status_code == 200
    assert as_persona("lead_a").get(url_a).status_code == 200
    assert as_persona("lead_a").get(url_b).status_code == 404
    assert as_persona("lead_b").get(url_a).status_code == 404
    assert as_persona("outsider").get(url_a).status_code == 403
    assert as_persona("anonymous").get(url_a).status_code == 302
    stranger = factories.PartnerFactory()
    assert as_persona("officer").get(reverse("pool-partner", args=[commission.pk, stranger.pk])).status_code == 404


def test_the_per_partner_view_shows_the_partners_share(as_persona, commission, partner_a, history):
    """2014/15: pledges 7,000 + 12,000 and the £321,000 drawdown: income 340,000; A's share 7/19 = 36.84%,
    340,000 × 7/19 = 125,263.157… → £125,263.16."""
    page = as_persona("lead_a").get(reverse("pool-partner", args=[commission.pk, partner_a.pk]))
    row = page.context["statement"][1]
    assert (row.figures.income, row.share.percent, row.share.income) == (D("340000"), D("36.84"), D("125263.16"))
    assert "£125,263.16" in page.content.decode()


def _more_history(commission, history, officer, manager):  # type: ignore[no-untyped-def]
    """More of everything: drawdowns, carry-forwards, monitoring returns, ledger postings."""
    contingency = history.contingency
    for _ in range(3):
        drawdown = factories.ReserveDrawdownFactory(reserve=contingency, amount=D("1000"))
        funding_services.reserve_drawdown_approve(drawdown=drawdown, decision_reference="D", by=manager)
    year_2, year_3 = commission.years.get(number=2), commission.years.get(number=3)
    for quarter in (1, 2, 3):
        for stream in commission.work_streams.filter(pooled_share__isnull=False):
            allocation_services.monitoring_return_record(
                financial_year=year_2, work_stream=stream, quarter=quarter, forecast=D("1000"), by=None
            )
            if quarter == 1:
                ledger.allocation_post(financial_year=year_2, work_stream=stream, amount=D("100"), by=None)
                ledger.forecast_post(financial_year=year_2, work_stream=stream, forecast=D("150"), by=None)
    for amount in ("10", "20"):
        carry_forward_propose_from_year_end(
            from_year=year_2, to_year=year_3, amount=D(amount), reason="More", by=officer
        )


def test_pages_take_the_same_queries_however_much_history(
    as_user, officer, manager, commission, history, django_assert_max_num_queries
):
    factories.PoolRulesFactory(commission=commission, reserve=history.plan.reserve)
    client = as_user(officer)
    urls = _read_urls(commission, history) + [
        reverse("pool-partner", args=[commission.pk, history.plan.commission.memberships.first().partner_id])
    ]
    limits = {}
    for url in urls:
        client.get(url)  # warm the session and the permission cache
        with django_assert_max_num_queries(40) as captured:
            client.get(url)
        limits[url] = len(captured)
    _more_history(commission, history, officer, manager)
    for url in urls:
        with django_assert_max_num_queries(limits[url]):
            client.get(url)
