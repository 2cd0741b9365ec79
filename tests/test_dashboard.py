"""The commission dashboard: the fund statement's figures, the returns, arrears, work-streams, reserves and the
decisions awaiting sign-off, on one page for staff, in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning import ledger
from commissioning.models import Commission
from partners import services as partner_services
from reports import charts
from reports.dashboard import commission_dashboard
from reports.selectors import commission_fund_statement
from tests import factories
from tests.decision_support import cabinet_template, signed_off, submitted
from tests.request_support import agree, draft_requests, issue_options

pytestmark = pytest.mark.django_db

LANCASHIRE = "Joint Commissioning for Domestic Abuse Services in Lancashire"


class _Sink:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=_Sink())
    return Commission.objects.get(name=LANCASHIRE)


def _url(commission: Commission) -> str:
    return reverse("commission-dashboard", args=[commission.pk])


def _text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's words without tags, spaces collapsed (the charts' titles and descriptions included)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# The Lancashire demo ----------------------------------------------------------------------------------------------


def test_the_demo_dashboard_has_the_fund_statements_figures_and_the_hand_worked_totals(demo):
    """The demo's ledger, year by year (nothing received yet, all twelve districts' returns accepted):

    2013/14: plan £1,502,548; requested £101,000 (the twelve districts); secured = pledged £1,502,548; provisional
    £0; shortfall 1,502,548 − 1,502,548 − 0 = £0.
    2014/15: plan £1,502,449; secured = pledged £1,181,449 + drawn £321,000 = £1,502,449; shortfall £0.
    2015/16: plan £1,502,449; secured = pledged £638,002 + drawn £409,000 = £1,047,002; provisional £455,447 (the
    outline-approved carry-forward); shortfall 1,502,449 − 1,047,002 − 455,447 = £0.
    All years: plan 1,502,548 + 1,502,449 + 1,502,449 = £4,507,446; requested 3 × 101,000 = £303,000; secured
    1,502,548 + 1,502,449 + 1,047,002 = £4,051,999; provisional £455,447.
    Against the £3,500,000 target: 4,051,999 + 455,447 − 3,500,000 = £1,007,446 beyond it.
    Arrears: every pledge, nothing received: 4,051,999 − 730,000 drawn = £3,321,999, of which the host's
    1,401,548 + 1,080,449 + 537,002 = £3,018,999.
    Work-streams 2013/14: allocated 75,127 + 255,433 + 1,021,733 + 150,255 = £1,502,548; forecast
    37,563 + 187,288 + 809,630 + 12,521 = £1,047,002; variance £455,546.
    Reserve: opened £730,000, drawn 321,000 + 409,000 = £730,000, balance £0.
    """
    dashboard = commission_dashboard(demo)
    fund = commission_fund_statement(demo)

    assert [year.position for year in dashboard.years] == [year.position for year in fund.years]
    by_year = {year.year.label: year.position for year in dashboard.years}
    assert by_year["2013/14"].plan == Decimal("1502548")
    assert by_year["2013/14"].requested == Decimal("101000")
    assert by_year["2014/15"].secured == Decimal("1181449") + Decimal("321000")
    assert by_year["2015/16"].secured == Decimal("638002") + Decimal("409000")
    assert by_year["2015/16"].provisional == Decimal("455447")
    assert [position.shortfall for position in by_year.values()] == [Decimal("0")] * 3

    totals = dashboard.position_totals
    assert totals.plan == Decimal("4507446")
    assert totals.requested == Decimal("303000")
    assert totals.secured == Decimal("4051999")
    assert totals.provisional == Decimal("455447")
    assert totals.shortfall == Decimal("0")
    assert totals.years_without_plan == 0
    assert totals.secured + totals.provisional - demo.target == Decimal("1007446")

    assert dashboard.fund.arrears == fund.arrears
    assert dashboard.fund.arrears_total == Decimal("3321999")
    host = next(partner for partner in dashboard.fund.arrears if partner.name == "Lancashire County Council")
    assert host.outstanding == Decimal("3018999")

    first = dashboard.years[0]
    assert (first.allocated, first.forecast, first.variance) == (
        Decimal("1502548"),
        Decimal("1047002"),
        Decimal("455546"),
    )

    [reserve] = dashboard.reserves
    assert (reserve.reserve.opening_balance, reserve.drawn, reserve.holds) == (
        Decimal("730000"),
        Decimal("730000"),
        Decimal("0"),
    )
    assert dashboard.returns.counts["issued"] == 12
    assert dashboard.outstanding_returns == []
    assert dashboard.awaiting_sign_off == []


def test_the_demo_dashboard_page_shows_every_section_with_charts_and_their_tables(
    as_user, demo, django_assert_max_num_queries
):
    """The figures of the docstring above, on the page, each chart an image with a title and a description."""
    client = as_user(factories.ManagerFactory())
    with django_assert_max_num_queries(24):
        response = client.get(_url(demo))
    assert response.status_code == 200
    html, text = response.content.decode(), _text(response)
    for figure in ("£4,507,446", "£303,000", "£4,051,999", "£455,447", "£1,007,446", "£3,321,999", "£3,018,999"):
        assert figure in text
    for heading in (
        "Secured against the target",
        "Funding position by year",
        "Returns",
        "Arrears",
        "Work-streams: allocation, forecast and actual spend",
        "Reserves",
        "Decisions awaiting sign-off",
    ):
        assert f">{heading}</h2>" in html
    for chart_id in (
        charts.SECURED_CHART_ID,
        charts.POSITION_CHART_ID,
        charts.ARREARS_CHART_ID,
        charts.RESERVES_CHART_ID,
        f"{charts.OUTTURN_CHART_ID}-2013",
        f"{charts.OUTTURN_CHART_ID}-2015",
    ):
        assert f'id="{chart_id}"' in html
        assert f'aria-labelledby="{chart_id}-title"' in html
        assert f'<desc id="{chart_id}-desc">' in html
    assert html.count('role="img"') == 7  # target, position, arrears, three years' work-streams, reserves
    assert "2013/14: Plan £1,502,548, Requested £101,000, Secured £1,502,548, Provisional £0, Shortfall £0." in text
    assert "Show the figures for 2013/14 as a table" in text
    assert "No request letter is waiting for a reply." in text
    assert "Secured, all years £4,051,999 against a target of £3,500,000, and £455,447 provisional" in text
    assert "£3,321,999 pledged and not yet received, from 13 partners" in text
    assert "Returns 0 waiting for a reply, 0 overdue" in text
    assert "Reserves £0 available to commit, of £0 held" in text
    assert "No decision is waiting for sign-off." in text
    assert 'aria-current="page">Dashboard</a>' in html


# Permissions -----------------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, commission):
    response = client.get(_url(commission))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "lead_a"])
def test_partner_leads_and_outsiders_are_refused(as_persona, persona, commission):
    assert as_persona(persona).get(_url(commission)).status_code == 403


@pytest.mark.parametrize("persona", ["officer", "manager", "auditor"])
def test_staff_read_the_dashboard(as_persona, persona, commission):
    response = as_persona(persona).get(_url(commission))
    assert response.status_code == 200
    assert "Nothing to show" in response.content.decode()  # a new commission has no figures to chart yet


def test_the_dashboard_of_a_missing_commission_is_not_found(as_user, officer):
    assert as_user(officer).get(reverse("commission-dashboard", args=[999999])).status_code == 404


def test_the_commission_list_and_every_commission_page_link_to_the_dashboard(as_user, auditor, commission):
    client = as_user(auditor)
    url = _url(commission)
    assert f'href="{url}"' in client.get(reverse("home")).content.decode()
    nav = client.get(reverse("commission-detail", args=[commission.pk])).content.decode()
    links = re.findall(
        r'<nav class="govuk-!-margin-bottom-6" aria-label="Commission pages">.*?href="([^"]+)"', nav, re.S
    )
    assert links == [url]  # the first link of the commission's pages


# A commission built to order: returns outstanding and overdue, decisions, reserves --------------------------------


def _build(commission: Commission, officer, partners: int, *, offset: int = 0) -> None:  # type: ignore[no-untyped-def]
    """`partners` new partners, each asked £1,000 a year by letter (issued 2 January 2013, due 1 February); the
    first half return and are accepted (pledges in the ledger), invoiced and pay £400 of 2013/14; the rest reply
    to nothing. Each adds £100 allocated to a work-stream and £10 spent, a reserve opened and drawn £10,
    and two decisions: one submitted for sign-off and one signed off."""
    new = [factories.MembershipFactory(commission=commission).partner for _ in range(partners)]
    year = commission.years.get(number=1)
    stream = commission.work_streams.get(name="Early Support")
    template = commission.decision_templates.first() or cabinet_template(commission)
    with time_machine.travel(datetime(2013, 1, 2, 10, 0), tick=False):
        draft_requests(commission, [(partner, "1000") for partner in new], name=f"Round {offset}")
        letters = partner_services.letters_issue(
            commission=commission,
            options=issue_options(deadline=date(2013, 2, 1)),
            by=officer,
            partners=new,
            notify=False,
        )
        for letter in letters[: partners // 2]:
            returned = partner_services.return_submit(letter=letter, data=agree(letter), by=None, via="link")
            partner_services.return_accept(pro_forma_return=returned, by=officer)
            ledger.contribution_invoiced_post(
                partner=letter.partner, financial_year=year, amount=Decimal("1000"), by=None
            )
            ledger.contribution_received_post(
                partner=letter.partner, financial_year=year, amount=Decimal("400"), by=None
            )
        for number in range(partners):
            ledger.allocation_post(financial_year=year, work_stream=stream, amount=Decimal("100"), by=None)
            ledger.actual_spend_post(financial_year=year, work_stream=stream, amount=Decimal("10"), by=None)
            reserve = factories.ReserveFactory(commission=commission, name=f"Reserve {offset + number}")
            ledger.reserve_opening_post(reserve=reserve, financial_year=year, by=None)
            ledger.reserve_drawdown_post(reserve=reserve, financial_year=year, amount=Decimal("10"), by=None)
            submitted(template, title=f"Decision {offset + number}")
            signed_off(template, title=f"Signed {offset + number}")


def _count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2013, 3, 1, 10, 0), tick=False), CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_dashboards_query_count_does_not_grow_with_partners_letters_transactions_or_decisions(
    as_user, commission, officer
):
    client = as_user(officer)
    url = _url(commission)
    _build(commission, officer, 2)
    before = _count_queries(client, url)
    _build(commission, officer, 2, offset=2)  # now twice as many of everything
    after = _count_queries(client, url)
    dashboard = commission_dashboard(commission, on=date(2013, 3, 1))
    assert len(dashboard.returns.rows) == 4
    assert len(dashboard.awaiting_sign_off) == 4
    assert len(dashboard.reserves) == 4
    assert before == after


def test_outstanding_and_overdue_returns_and_decisions_awaiting_sign_off_are_listed_with_links(
    as_user, commission, officer, manager
):
    """Four partners asked £1,000 a year for three years (£3,000 each): two accepted, two silent and overdue by
    28 days on 1 March 2013 (due 1 February): 2 × 3,000 = £6,000 asked and waiting. The accepted two pledged
    £1,000 for 2013/14 and paid £400 each: arrears 2 × (3,000 − 400) = £5,200 over their three years."""
    _build(commission, officer, 4)
    with time_machine.travel(datetime(2013, 3, 1, 10, 0), tick=False):
        response = as_user(manager).get(_url(commission))
        dashboard = commission_dashboard(commission)
    assert len(dashboard.outstanding_returns) == len(dashboard.overdue_returns) == 2
    assert dashboard.outstanding_requested == dashboard.overdue_requested == Decimal("6000")
    assert dashboard.fund.arrears_total == Decimal("5200")
    html, text = response.content.decode(), _text(response)
    assert "Outstanding (no reply yet) 2, asking £6,000" in text
    assert "Overdue 2, asking £6,000" in text
    assert "Overdue 28 days" in text
    assert "Returns 2 waiting for a reply, 2 overdue" in text
    assert "Decisions awaiting sign-off 4" in text
    for row in dashboard.outstanding_returns:
        assert f'href="{reverse("request-letter-detail", args=[row.letter.pk])}"' in html
    assert f'href="{reverse("chase-list", args=[commission.pk])}"' in html

    assert [item.decision.title for item in dashboard.awaiting_sign_off] == [f"Decision {n}" for n in range(4)]
    for item in dashboard.awaiting_sign_off:
        assert f'href="{reverse("decision-detail", args=[commission.pk, item.decision.pk])}"' in html
        assert [role.label for role in item.waiting] == ["Report author", "Chief finance officer (treasurer)"]
    assert "Signed 0" not in text  # signed off: no longer waiting
    assert "Report author; Chief finance officer (treasurer)" in text


def test_a_decision_partly_signed_waits_only_for_the_roles_still_to_sign(commission):
    from reports import decision_services

    decision = submitted(cabinet_template(commission))
    decision_services.decision_sign_off(decision=decision, role="report_author", by=None, printed_name="Jo Bloggs")
    [item] = commission_dashboard(commission).awaiting_sign_off
    assert [role.value for role in item.waiting] == ["chief_finance_officer"]


# Totals and charts -------------------------------------------------------------------------------------------------


def test_totals_leave_out_years_with_no_plan_and_show_a_surplus_as_one(commission, partner_a, monkeypatch):
    """2013/14's plan is £10,000 with £12,000 pledged: a surplus of £2,000; the other years have no plan, so the
    plan and shortfall totals are 2013/14's alone and say two years are left out."""
    from allocations.models import YearBudget

    year = commission.years.get(number=1)
    YearBudget.objects.create(financial_year=year, amount=Decimal("10000"))
    ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("12000"), by=None)
    ledger.pledge_accepted_post(
        partner=partner_a, financial_year=commission.years.get(number=2), amount=Decimal("500"), by=None
    )
    totals = commission_dashboard(commission).position_totals
    assert totals.plan == Decimal("10000")
    assert totals.secured == Decimal("12500")
    assert totals.shortfall == Decimal("-2000")
    assert totals.surplus == Decimal("2000")
    assert totals.years_without_plan == 2


def test_the_funding_position_chart_shows_no_totals_and_keeps_each_figures_colour():
    svg = charts.funding_position_chart(
        [
            ("2013/14", [("Plan", Decimal("100")), ("Secured", Decimal("120")), ("Surplus", Decimal("20"))]),
            ("2014/15", [("Requested", Decimal("50")), ("Secured", Decimal("30"))]),
        ]
    )
    assert "in all" not in svg
    assert "2013/14: Plan £100, Secured £120, Surplus £20. 2014/15: Requested £50, Secured £30." in svg
    assert svg.count(f'fill="{charts.GREEN}"') == 3  # secured twice, and the surplus
    assert svg.count(f'fill="{charts.DARK_GREY}"') == 1  # the plan
    assert 'role="img"' in svg


def test_the_work_stream_chart_escapes_names_and_says_when_there_is_nothing_to_show():
    svg = charts.stream_outturn_chart(
        "2013/14", [("<script>", [("Allocated", Decimal("10")), ("Forecast", Decimal("5"))])], chart_id="c"
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    empty = charts.stream_outturn_chart("2015/16", [("Early Support", [("Allocated", Decimal("0"))])], chart_id="e")
    assert "Nothing to show: nothing has been allocated, forecast or spent on a work-stream in 2015/16." in empty


def test_the_grouped_chart_keeps_its_totals_by_default():
    svg = charts.grouped_bar_chart(
        chart_id="g", title="T", groups=[charts.BarGroup("2013/14", [charts.Bar("A", Decimal("1"))])], empty="none"
    )
    assert "2013/14: £1 in all" in svg


def test_deadline_days_are_counted_to_the_dashboards_day(commission, officer):
    _build(commission, officer, 2)
    later = commission_dashboard(commission, on=date(2013, 2, 1) + timedelta(days=3))
    assert [row.days_overdue for row in later.overdue_returns] == [3]
