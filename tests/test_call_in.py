"""A decision subject to call-in takes effect on its effective-from date: the drawdowns and carry-forwards it
approves are posted with that date and count as provisional funding, not secured, until it.

The book, worked out by hand (the Lancashire plan of `tests.funding_support`):
- budgets (the plan): £1,502,449 for 2014/15;
- 2014/15 pledges: partner A £7,000;
- the Crime and Disorder reserve: opening balance £730,000;
- 2013/14 in the ledger: Early Support allocated £255,433, forecast £187,288, so underspent £68,145;
- CM001/13, decided 12 November 2013, not subject to call-in; CM002/13, decided 12 November 2013, subject to
  call-in, takes effect on 17 November 2013 (five days later).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from commissioning import funding_services as fs
from commissioning import ledger, statement
from commissioning.funding_services import CarryForwardPartInput
from reports import decision_services as ds
from reports import selectors
from tests.decision_support import cabinet_template, signed_off
from tests.funding_support import lancashire_plan, post_year_1_to_ledger

pytestmark = pytest.mark.django_db

D = Decimal
DECIDED = dt.date(2013, 11, 12)
EFFECTIVE = dt.date(2013, 11, 17)
TZ = dt.UTC


def _decide(template, *, call_in: bool):  # type: ignore[no-untyped-def]
    decision = signed_off(template, subject_to_call_in=call_in)
    results = {r.number: ds.RecommendationResult("approved") for r in decision.recommendations.all()}
    return ds.decision_decide(
        decision=decision,
        outcome="approved",
        decided_on=DECIDED,
        results=results,
        by=None,
        effective_from=EFFECTIVE if call_in else None,
    )


@pytest.fixture
def book(commission, partner_a):  # type: ignore[no-untyped-def]
    plan = lancashire_plan(commission)
    post_year_1_to_ledger(plan, partner_a)
    fs.reserve_opening_balance_post(reserve=plan.reserve, by=None, date=dt.date(2013, 4, 1))
    ledger.pledge_accepted_post(
        partner=partner_a, financial_year=plan.year(2), amount=D("7000"), by=None, date=dt.date(2013, 10, 1)
    )
    template = cabinet_template(commission)
    plain = _decide(template, call_in=False)
    call_in = _decide(template, call_in=True)
    assert (plain.reference, call_in.reference) == ("CM001/13", "CM002/13")
    return plan, plain, call_in


def _drawdown(plan, decision):  # type: ignore[no-untyped-def]
    drawdown = fs.reserve_drawdown_propose(
        reserve=plan.reserve, financial_year=plan.year(2), amount=D("730000"), reason="Gap in funding", by=None
    )
    return fs.reserve_drawdown_approve(drawdown=drawdown, decision=decision, by=None)


def _position(plan, on):  # type: ignore[no-untyped-def]
    year = selectors.commission_fund_statement(plan.commission, on=on).for_year(plan.year(2).pk)
    position = year.position
    return position.secured, position.provisional, position.shortfall, year


def test_a_drawdown_approved_subject_to_call_in_is_provisional_until_it_takes_effect(book):
    """Posted on 12 November 2013, the day of the decision, the drawdown of £730,000 is dated 17 November 2013.

    2014/15 on 16 November: secured £7,000 (the pledge); provisional £730,000 (the drawdown);
    shortfall 1,502,449 − 7,000 − 730,000 = £765,449.
    On 17 November and after: secured 7,000 + 730,000 = £737,000; provisional £0; shortfall
    1,502,449 − 737,000 = £765,449, unchanged. Income is £737,000 throughout: the drawdown is in the ledger."""
    plan, _, decision = book
    drawdown = _drawdown(plan, decision)
    with time_machine.travel(dt.datetime(2013, 11, 12, 10, tzinfo=TZ), tick=False):
        drawdown = fs.reserve_drawdown_post(drawdown=drawdown, by=None)
    tx = drawdown.transaction
    assert tx.date == EFFECTIVE
    assert tx.source_reference == "CM002/13: takes effect on 17 November 2013 (subject to call-in)"

    secured, provisional, shortfall, year = _position(plan, dt.date(2013, 11, 16))
    assert (secured, provisional, shortfall) == (D("7000"), D("730000"), D("765449"))
    assert year.income == D("737000")
    [line] = year.drawdowns
    assert (line.amount, line.secured_from) == (D("730000"), EFFECTIVE)
    assert line.note == "Approved by CM002/13, subject to call-in: secured from 17 November 2013"
    assert year.takes_effect_later == [line]

    for on in (EFFECTIVE, dt.date(2013, 12, 1)):
        secured, provisional, shortfall, year = _position(plan, on)
        assert (secured, provisional, shortfall) == (D("737000"), D("0"), D("765449"))
        assert [(d.amount, d.secured_from, d.note) for d in year.drawdowns] == [(D("730000"), None, "")]


def test_the_statement_follows_today(book):
    """Without a day given, the statement is as it stands today: moving today past 17 November secures it."""
    plan, _, decision = book
    with time_machine.travel(dt.datetime(2013, 11, 12, 10, tzinfo=TZ), tick=False):
        fs.reserve_drawdown_post(drawdown=_drawdown(plan, decision), by=None)
        assert _position(plan, None)[:3] == (D("7000"), D("730000"), D("765449"))
    with time_machine.travel(dt.datetime(2013, 11, 17, 0, 5, tzinfo=TZ), tick=False):
        assert _position(plan, None)[:3] == (D("737000"), D("0"), D("765449"))


def test_posting_after_the_call_in_period_is_dated_as_usual(book):
    """Posted on 20 November 2013, after the decision took effect: dated that day, secured at once."""
    plan, _, decision = book
    with time_machine.travel(dt.datetime(2013, 11, 20, 10, tzinfo=TZ), tick=False):
        drawdown = fs.reserve_drawdown_post(drawdown=_drawdown(plan, decision), by=None)
    assert drawdown.transaction.date == dt.date(2013, 11, 20)
    assert drawdown.transaction.source_reference == "CM002/13"
    assert _position(plan, dt.date(2013, 11, 20))[:3] == (D("737000"), D("0"), D("765449"))


def test_a_decision_without_call_in_posts_as_before(book):
    """CM001/13 is not subject to call-in: posted on 12 November 2013, dated that day and secured that day."""
    plan, decision, _ = book
    with time_machine.travel(dt.datetime(2013, 11, 12, 10, tzinfo=TZ), tick=False):
        drawdown = fs.reserve_drawdown_post(drawdown=_drawdown(plan, decision), by=None)
    assert (drawdown.transaction.date, drawdown.transaction.source_reference) == (DECIDED, "CM001/13")
    assert _position(plan, DECIDED)[:3] == (D("737000"), D("0"), D("765449"))


def test_a_carry_forward_confirmed_before_call_in_ends_stays_provisional(book):
    """£10,000 of Early Support's £68,145 underspend carried from 2013/14 into 2014/15 on CM002/13.

    Outline approved: provisional £10,000 (as before this change). Confirmed on 13 November 2013 with the
    treasurer's reference CT/1: dated 17 November 2013; on 16 November still provisional £10,000, secured £7,000,
    shortfall 1,502,449 − 7,000 − 10,000 = £1,485,449; from 17 November secured £17,000, provisional £0, the same
    shortfall."""
    plan, _, decision = book
    carry = fs.carry_forward_propose(
        from_year=plan.year(1),
        to_year=plan.year(2),
        amount=D("10000"),
        parts=[CarryForwardPartInput(plan.streams["Early Support"], D("10000"), D("68145"))],
        reason="Underspend on Early Support",
        by=None,
    )
    carry = fs.carry_forward_outline_approve(carry_forward=carry, decision=decision, by=None)
    assert _position(plan, dt.date(2013, 11, 12))[:3] == (D("7000"), D("10000"), D("1485449"))
    with time_machine.travel(dt.datetime(2013, 11, 13, 10, tzinfo=TZ), tick=False):
        carry = fs.carry_forward_confirm(carry_forward=carry, by=None, reference="CT/1")
    assert carry.transaction.date == EFFECTIVE
    assert carry.transaction.source_reference == "CT/1: CM002/13 takes effect on 17 November 2013 (subject to call-in)"

    secured, provisional, shortfall, year = _position(plan, dt.date(2013, 11, 16))
    assert (secured, provisional, shortfall) == (D("7000"), D("10000"), D("1485449"))
    [line] = year.carried_in
    assert (line.from_year, line.amount, line.secured_from) == (plan.year(1), D("10000"), EFFECTIVE)
    assert line.note == "Approved by CM002/13, subject to call-in: secured from 17 November 2013"
    # The work-stream's budget for 2013/14 is reduced when it is posted, as before.
    early = next(
        s
        for s in selectors.commission_fund_statement(plan.commission, on=dt.date(2013, 11, 16))
        .for_year(plan.year(1).pk)
        .streams
        if s.work_stream.name == "Early Support"
    )
    assert early.carried_forward == D("10000")

    secured, provisional, shortfall, year = _position(plan, EFFECTIVE)
    assert (secured, provisional, shortfall) == (D("17000"), D("0"), D("1485449"))
    assert [(c.amount, c.secured_from) for c in year.carried_in] == [(D("10000"), None)]


def test_reversing_a_drawdown_that_takes_effect_later_takes_it_off_provisional(book):
    """Reversed on 14 November 2013, before it took effect: neither secured nor provisional, on either day."""
    plan, _, decision = book
    with time_machine.travel(dt.datetime(2013, 11, 12, 10, tzinfo=TZ), tick=False):
        drawdown = fs.reserve_drawdown_post(drawdown=_drawdown(plan, decision), by=None)
    with time_machine.travel(dt.datetime(2013, 11, 14, 10, tzinfo=TZ), tick=False):
        ledger.transaction_reverse(original=drawdown.transaction, reason="Called in", by=None)
    for on in (dt.date(2013, 11, 16), EFFECTIVE):
        secured, provisional, shortfall, year = _position(plan, on)
        assert (secured, provisional, shortfall, year.drawdowns) == (D("7000"), D("0"), D("1495449"), [])


def test_the_statement_without_a_day_reads_the_ledger_in_three_queries(book, django_assert_num_queries):
    """Nothing takes effect later: the statement's own queries are as before (grouped postings, years, streams)."""
    plan, *_ = book
    with django_assert_num_queries(3):
        statement.fund_statement(plan.commission)


def test_a_plan_frozen_during_call_in_counts_the_carry_forward_once(book):
    """Frozen on 16 November 2013 with the £10,000 carry-forward confirmed but not yet in effect: it is in the
    2014/15 provisional amount (£10,000) and not listed as confirmed as well."""
    plan, _, decision = book
    carry = fs.carry_forward_propose(
        from_year=plan.year(1),
        to_year=plan.year(2),
        amount=D("10000"),
        parts=[CarryForwardPartInput(plan.streams["Early Support"], D("10000"), D("68145"))],
        reason="Underspend on Early Support",
        by=None,
    )
    carry = fs.carry_forward_outline_approve(carry_forward=carry, decision=decision, by=None)
    with time_machine.travel(dt.datetime(2013, 11, 13, 10, tzinfo=TZ), tick=False):
        fs.carry_forward_confirm(carry_forward=carry, by=None)
    with time_machine.travel(dt.datetime(2013, 11, 16, 10, tzinfo=TZ), tick=False):
        snapshot = selectors.plan_snapshot(plan.commission)
    assert snapshot["carry_forwards"] == [
        {"from": None, "to": "2014/15", "status": "provisional", "amount": "10000.00"}
    ]
    assert snapshot["position"]["secured"]["2014/15"] == "7000.00"
    with time_machine.travel(dt.datetime(2013, 11, 17, 10, tzinfo=TZ), tick=False):
        snapshot = selectors.plan_snapshot(plan.commission)
    assert snapshot["carry_forwards"] == [
        {"from": "2013/14", "to": "2014/15", "status": "confirmed", "amount": "10000.00"}
    ]
    assert snapshot["position"]["secured"]["2014/15"] == "17000.00"


NOTE = "Approved by CM002/13, subject to call-in: secured from 17 November 2013"


@pytest.fixture
def posted(book):  # type: ignore[no-untyped-def]
    """The £730,000 drawdown on CM002/13, posted on 12 November 2013 to take effect on 17 November."""
    plan, _, decision = book
    with time_machine.travel(dt.datetime(2013, 11, 12, 10, tzinfo=TZ), tick=False):
        fs.reserve_drawdown_post(drawdown=_drawdown(plan, decision), by=None)
    return plan


def test_the_statement_page_explains_what_takes_effect_later(as_user, auditor, posted):
    """On 16 November 2013 the page lists the drawdown as provisional with its decision, and the secured and
    provisional columns say so (secured £7,000, provisional £730,000 for 2014/15); from 17 November it is
    secured and the explanation has gone."""
    url = reverse("fund-statement", args=[posted.commission.pk]) + "?year=2014"
    with time_machine.travel(dt.datetime(2013, 11, 16, 10, tzinfo=TZ), tick=False):
        page = as_user(auditor).get(url).content.decode()
    assert "Posted, but provisional until the decision takes effect:" in page
    assert f"2014/15: £730,000 drawn from Crime and Disorder reserve. {NOTE}." in page
    assert f'<span class="govuk-hint govuk-!-margin-bottom-0">{NOTE}</span>' in page
    assert "Funding by source and financial year, including what takes effect later" in page
    with time_machine.travel(dt.datetime(2013, 11, 17, 10, tzinfo=TZ), tick=False):
        page = as_user(auditor).get(url).content.decode()
    assert "Posted, but provisional" not in page
    assert NOTE not in page
    assert "Secured funding by source and financial year" in page


def test_the_statement_api_gives_the_date_it_is_secured_from(as_user, auditor, posted):
    url = reverse("api:commission-statement", args=[posted.commission.pk])
    with time_machine.travel(dt.datetime(2013, 11, 16, 10, tzinfo=TZ), tick=False):
        year = as_user(auditor).get(url, {"financial_year": "2014/15"}).json()["years"][0]
    assert year["drawdowns"] == [
        {
            "reserve": {"id": posted.reserve.pk, "name": "Crime and Disorder reserve"},
            "amount": "730000.00",
            "secured_from": "2013-11-17",
            "note": NOTE,
        }
    ]
    assert (year["position"]["secured"], year["position"]["provisional"]) == ("7000.00", "730000.00")
    assert year["position"]["shortfall"] == "765449.00"
    with time_machine.travel(dt.datetime(2013, 11, 17, 10, tzinfo=TZ), tick=False):
        year = as_user(auditor).get(url, {"financial_year": "2014/15"}).json()["years"][0]
    assert (year["drawdowns"][0]["secured_from"], year["drawdowns"][0]["note"]) == (None, "")
    assert (year["position"]["secured"], year["position"]["provisional"]) == ("737000.00", "0.00")


def test_the_commission_summary_pdf_explains_what_takes_effect_later(as_user, officer, posted):
    with time_machine.travel(dt.datetime(2013, 11, 16, 10, tzinfo=TZ), tick=False):
        response = as_user(officer).get(reverse("commission-summary-pdf", args=[posted.commission.pk]))
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Posted, but provisional until the decision takes effect:" in text
    assert "2014/15: £730,000 drawn from Crime and Disorder reserve." in text
    assert "Approved by CM002/13, subject to call-in: secured from 17 November 2013" in text


def test_the_decision_page_says_when_its_approval_takes_effect(as_user, auditor, book):
    """CM002/13 approves the £730,000 drawdown, posted on 12 November 2013 and dated 17 November 2013."""
    plan, plain, decision = book
    with time_machine.travel(dt.datetime(2013, 11, 12, 10, tzinfo=TZ), tick=False):
        fs.reserve_drawdown_post(drawdown=_drawdown(plan, decision), by=None)
    url = reverse("decision-detail", args=[plan.commission.pk, decision.pk])
    with time_machine.travel(dt.datetime(2013, 11, 16, 10, tzinfo=TZ), tick=False):
        page = as_user(auditor).get(url).content.decode()
    assert (
        "Subject to call-in: what it approves takes effect on 17 November 2013. A reserve drawdown or "
        "carry-forward posted before then is dated 17 November 2013 and counts as provisional funding, not "
        "secured, until that day." in page
    )
    assert "into 2014/15</a> (posted, dated 17 November 2013)" in page
    with time_machine.travel(dt.datetime(2013, 11, 17, 10, tzinfo=TZ), tick=False):
        page = as_user(auditor).get(url).content.decode()
    assert (
        "Subject to call-in, it took effect on 17 November 2013: a reserve drawdown or carry-forward it approves "
        "counts as secured funding once posted." in page
    )
    page = as_user(auditor).get(reverse("decision-detail", args=[plan.commission.pk, plain.pk])).content.decode()
    assert "takes effect on" not in page
    assert "Subject to call-in," not in page


def test_the_fund_statement_report_marks_what_takes_effect_later(as_user, auditor, posted):
    """The annual report for 2014/15 produced on 16 November 2013: secured £7,000, provisional £730,000."""
    url = reverse("fund-statement-pdf", args=[posted.commission.pk])
    with time_machine.travel(dt.datetime(2013, 11, 16, 10, tzinfo=TZ), tick=False):
        response = as_user(auditor).get(url, {"report-year": "2014", "report-period": "annual"})
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert f"Drawn from Crime and Disorder reserve into 2014/15 (provisional: {NOTE})" in text
    assert "Secured £7,000" in text
    assert "Provisional £730,000" in text


def test_a_drawdown_posted_with_a_later_date_is_provisional_until_it_without_a_decision(book):
    """Approved by a typed reference (no decision record) and posted with the date 1 December 2013: on
    16 November it is provisional (secured £7,000, provisional £730,000) with a note that names no decision."""
    plan, *_ = book
    drawdown = fs.reserve_drawdown_propose(
        reserve=plan.reserve, financial_year=plan.year(2), amount=D("730000"), reason="Gap in funding", by=None
    )
    drawdown = fs.reserve_drawdown_approve(drawdown=drawdown, decision_reference="Treasurer, 10/11/2013", by=None)
    drawdown = fs.reserve_drawdown_post(drawdown=drawdown, by=None, date=dt.date(2013, 12, 1))
    assert drawdown.transaction.source_reference == "Treasurer, 10/11/2013"
    secured, provisional, _, year = _position(plan, dt.date(2013, 11, 16))
    assert (secured, provisional) == (D("7000"), D("730000"))
    assert [line.note for line in year.drawdowns] == ["Dated 1 December 2013: secured from then"]
