"""Decision records: numbering and references, every guarded transition of the sign-off workflow (and that a
refusal writes nothing), who may sign, the rules on key decisions and call-in, and linking a decision to the
funding it approves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from allocations import year_end_services
from commissioning import funding_services
from commissioning.models import ReserveDrawdown
from reports import decision_services as ds
from reports import services as report_services
from reports.models import Decision, DecisionEvent, DecisionRecommendation, DecisionSignOff, roman
from tests import factories
from tests.decision_support import all_approved, cabinet_template, decided, draft, signed_off, submitted
from tests.funding_support import lancashire_plan

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int]:
    return (
        Decision.objects.count(),
        DecisionRecommendation.objects.count(),
        DecisionSignOff.objects.count(),
        DecisionEvent.objects.count(),
    )


# Numbering and references --------------------------------------------------------------------------------------


def test_decisions_are_numbered_within_template_and_year_of_due_date(commission, officer):
    template = cabinet_template(commission)
    first = draft(template, officer)
    second = draft(template, officer)
    next_year = draft(template, officer, due_on=dt.date(2014, 1, 9))
    assert (first.reference, second.reference, next_year.reference) == ("CM001/13", "CM002/13", "CM001/14")
    assert [e.action for e in first.events.all()] == ["created"]


def test_a_pcc_pattern_formats_like_the_seed(commission):
    template = cabinet_template(
        commission, name="PCC decision report", kind="pcc", reference_pattern="PCC{number:03d}/{yy}"
    )
    decisions = [draft(template, due_on=dt.date(2018, 3, 21)) for _ in range(36)]
    assert decisions[-1].reference == "PCC036/18"


def test_two_templates_with_one_pattern_cannot_reuse_a_reference(commission):
    draft(cabinet_template(commission))
    other = cabinet_template(commission, name="Another report")
    before = _counts()
    with pytest.raises(ValidationError, match="CM001/13 is already used"):
        draft(other, recommendations=0)
    assert _counts() == before


def test_the_database_refuses_a_second_decision_with_the_same_reference(commission):
    decision = draft(cabinet_template(commission))
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            commission=commission,
            template=decision.template,
            number=99,
            reference_year=2013,
            reference=decision.reference,
            title="Copy",
            decision_maker="Someone",
            created_at=decision.created_at,
        )


def test_a_number_is_not_reused_after_the_due_date_moves(commission, officer):
    template = cabinet_template(commission)
    first = draft(template, officer)
    ds.decision_update(
        decision=first,
        data=ds.DecisionInput(title="Moved", decision_maker="X", due_on=dt.date(2014, 2, 1)),
        by=officer,
    )
    again = draft(template, officer)
    first.refresh_from_db()
    assert (first.reference, again.reference) == ("CM001/13", "CM002/13")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("CM/{yy}", "must include {number}"),
        ("CM{number}/{year}", "only {number}, {yy} and {yyyy}"),
        ("CM{number:03d/{yy}", "cannot be used"),
    ],
)
def test_a_template_pattern_is_checked(commission, pattern, message):
    with pytest.raises(ValidationError, match=message):
        cabinet_template(commission, reference_pattern=pattern)
    assert not commission.decision_templates.exists()


def test_template_sign_off_roles_are_checked(commission):
    with pytest.raises(ValidationError, match="at most once"):
        cabinet_template(commission, sign_off_roles=["report_author", "treasurer"])
    with pytest.raises(ValidationError, match="at least one role"):
        cabinet_template(commission, sign_off_roles=[])


def test_roman_numerals():
    assert [roman(n) for n in (1, 2, 3, 4, 9, 14, 40, 90)] == ["i", "ii", "iii", "iv", "ix", "xiv", "xl", "xc"]


# Drafting ------------------------------------------------------------------------------------------------------


def test_a_key_decision_needs_its_reason(commission, officer):
    template = cabinet_template(commission)
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        draft(template, officer, is_key=True)
    assert caught.value.message_dict == {"key_reason": ["Say why this is a key decision."]}
    assert _counts() == before
    decision = draft(template, officer, is_key=True, key_reason="Spending over £1m")
    assert decision.key_reason == "Spending over £1m"


def test_title_decision_maker_and_e_mail_are_checked_together(commission):
    with pytest.raises(ValidationError) as caught:
        draft(cabinet_template(commission), title=" ", decision_maker="", contact_email="not-an-address")
    assert set(caught.value.message_dict) == {"title", "decision_maker", "contact_email"}


def test_officer_drafts_but_auditor_and_manager_may_not(commission, auditor, manager):
    template = cabinet_template(commission)
    for person in (auditor, manager):
        with pytest.raises(PermissionDenied):
            draft(template, person)
    assert not Decision.objects.exists()


# The workflow --------------------------------------------------------------------------------------------------


def test_submit_needs_a_recommendation(commission, officer):
    decision = draft(cabinet_template(commission), officer, recommendations=0)
    before = _counts()
    with pytest.raises(ValidationError, match="Add at least one recommendation"):
        ds.decision_submit(decision=decision, by=officer)
    decision.refresh_from_db()
    assert decision.status == "draft"
    assert _counts() == before


def test_a_submitted_decision_cannot_be_edited(commission, officer):
    decision = submitted(cabinet_template(commission), officer)
    recommendation = decision.recommendations.first()
    before = _counts()
    with pytest.raises(ValidationError, match="return it to draft first"):
        ds.decision_update(decision=decision, data=ds.DecisionInput(title="New", decision_maker="X"), by=officer)
    with pytest.raises(ValidationError, match="return it to draft first"):
        ds.recommendation_add(decision=decision, text="More", by=officer)
    with pytest.raises(ValidationError, match="return it to draft first"):
        ds.recommendation_update(recommendation=recommendation, text="Reworded", by=officer)
    decision.refresh_from_db()
    recommendation.refresh_from_db()
    assert decision.title == "Strategy for the Joint Commission"
    assert recommendation.text.startswith("Approve the use")
    assert _counts() == before


def test_sign_off_by_every_role_moves_to_signed_off(commission, officer, manager):
    decision = submitted(cabinet_template(commission), officer)
    manager.first_name, manager.last_name = "Angie", "Ridgwell"
    manager.save()
    # The officer who submitted signs as author; the manager as chief finance officer.
    author = ds.decision_sign_off(decision=decision, role="report_author", by=officer, printed_name="Mel Ormesher")
    decision.refresh_from_db()
    assert decision.status == "submitted"
    cfo = ds.decision_sign_off(decision=decision, role="chief_finance_officer", by=manager)
    decision.refresh_from_db()
    assert decision.status == "signed_off"
    assert (author.printed_name, cfo.printed_name, cfo.signed_by) == ("Mel Ormesher", "Angie Ridgwell", manager)
    assert [e.action for e in decision.events.all()] == ["created", "submitted", "signed", "signed", "signed_off"]


def test_only_sign_off_holders_sign_other_roles(commission, officer, auditor, manager):
    decision = submitted(cabinet_template(commission), officer)
    other_officer = factories.OfficerFactory()
    for person, role in (
        (officer, "chief_finance_officer"),
        (auditor, "report_author"),
        (other_officer, "report_author"),
    ):
        with pytest.raises(PermissionDenied):
            ds.decision_sign_off(decision=decision, role=role, by=person, printed_name="X")
    assert not DecisionSignOff.objects.exists()
    ds.decision_sign_off(decision=decision, role="report_author", by=manager)
    assert DecisionSignOff.objects.get().role == "report_author"


def test_a_role_signs_once_and_only_a_role_of_the_template(commission, manager):
    decision = submitted(cabinet_template(commission))
    ds.decision_sign_off(decision=decision, role="report_author", by=manager)
    before = _counts()
    with pytest.raises(ValidationError, match="already signed"):
        ds.decision_sign_off(decision=decision, role="report_author", by=manager)
    with pytest.raises(ValidationError, match="not signed off by the chief executive"):
        ds.decision_sign_off(decision=decision, role="chief_executive", by=manager)
    assert _counts() == before


def test_a_draft_cannot_be_signed_or_decided(commission, manager):
    decision = draft(cabinet_template(commission))
    before = _counts()
    with pytest.raises(ValidationError, match="only a decision that is submitted for sign-off can be signed off"):
        ds.decision_sign_off(decision=decision, role="report_author", by=manager)
    with pytest.raises(ValidationError, match="only a decision that is signed off can be decided"):
        ds.decision_decide(
            decision=decision, outcome="approved", decided_on=dt.date(2013, 11, 12), results={}, by=manager
        )
    with pytest.raises(ValidationError, match="can be returned to draft"):
        ds.decision_return_to_draft(decision=decision, reason="Why", by=manager)
    assert _counts() == before


def test_return_to_draft_clears_sign_offs_and_is_recorded(commission, officer, manager):
    decision = submitted(cabinet_template(commission), officer)
    ds.decision_sign_off(decision=decision, role="report_author", by=officer, printed_name="Mel Ormesher")
    with pytest.raises(ValidationError, match="Say why"):
        ds.decision_return_to_draft(decision=decision, reason=" ", by=manager)
    assert DecisionSignOff.objects.count() == 1
    ds.decision_return_to_draft(decision=decision, reason="Figures to update", by=manager)
    decision.refresh_from_db()
    assert decision.status == "draft"
    assert not decision.sign_offs.exists()
    event = decision.events.last()
    assert (event.action, event.from_status, event.to_status, event.by) == ("returned", "submitted", "draft", manager)
    assert "Figures to update" in event.note
    assert "Report author (Mel Ormesher)" in event.note
    # Now it can be changed, and resubmitted.
    ds.decision_update(decision=decision, data=ds.DecisionInput(title="Updated", decision_maker="X"), by=officer)
    ds.decision_submit(decision=decision, by=officer)


def test_decide_approved_records_results_and_dates(commission, manager):
    decision = signed_off(cabinet_template(commission))
    ds.decision_decide(
        decision=decision,
        outcome="approved",
        decided_on=dt.date(2013, 11, 12),
        results=all_approved(decision),
        by=manager,
    )
    decision.refresh_from_db()
    assert (decision.status, decision.outcome, decision.decided_by) == ("decided", "approved", manager)
    assert decision.effective_from == dt.date(2013, 11, 12)
    assert set(decision.recommendations.values_list("result", flat=True)) == {"approved"}
    assert decision.approves_funding


def test_decide_checks_results_against_the_outcome(commission, manager):
    decision = signed_off(cabinet_template(commission))
    before = _counts()
    mixed = {1: ds.RecommendationResult("approved"), 2: ds.RecommendationResult("not_approved")}
    with pytest.raises(ValidationError, match="approves every recommendation"):
        ds.decision_decide(
            decision=decision, outcome="approved", decided_on=dt.date(2013, 11, 12), results=mixed, by=manager
        )
    with pytest.raises(ValidationError, match="approves none"):
        ds.decision_decide(
            decision=decision, outcome="rejected", decided_on=dt.date(2013, 11, 12), results=mixed, by=manager
        )
    with pytest.raises(ValidationError) as caught:
        ds.decision_decide(
            decision=decision,
            outcome="approved_with_amendments",
            decided_on=dt.date(2013, 11, 12),
            results={1: ds.RecommendationResult("amended")},
            by=manager,
        )
    assert set(caught.value.message_dict) == {"amendments", "recommendation_1", "recommendation_2"}
    decision.refresh_from_db()
    assert decision.status == "signed_off"
    assert _counts() == before
    assert set(decision.recommendations.values_list("result", flat=True)) == {""}


def test_decide_with_amendments(commission, manager):
    decision = signed_off(cabinet_template(commission))
    results = {1: ds.RecommendationResult("approved"), 2: ds.RecommendationResult("amended", "Up to £0.400m")}
    decision = ds.decision_decide(
        decision=decision,
        outcome="approved_with_amendments",
        amendments="Carry-forward capped",
        decided_on=dt.date(2013, 11, 12),
        results=results,
        by=manager,
    )
    assert decision.recommendations.get(number=2).amendment == "Up to £0.400m"
    assert decision.approves_funding


def test_only_sign_off_holders_decide(commission, officer, auditor):
    decision = signed_off(cabinet_template(commission))
    for person in (officer, auditor):
        with pytest.raises(PermissionDenied):
            ds.decision_decide(
                decision=decision,
                outcome="approved",
                decided_on=dt.date(2013, 11, 12),
                results=all_approved(decision),
                by=person,
            )
    decision.refresh_from_db()
    assert decision.status == "signed_off"


def test_call_in_needs_an_effective_date_after_the_decision(commission, manager):
    decision = signed_off(cabinet_template(commission), subject_to_call_in=True)
    day = dt.date(2013, 11, 12)
    for effective_from, message in ((None, "needs the date it takes effect"), (day, "takes effect after the date")):
        with pytest.raises(ValidationError, match=message):
            ds.decision_decide(
                decision=decision,
                outcome="approved",
                decided_on=day,
                effective_from=effective_from,
                results=all_approved(decision),
                by=manager,
            )
    decision.refresh_from_db()
    assert decision.status == "signed_off"
    ds.decision_decide(
        decision=decision,
        outcome="approved",
        decided_on=day,
        effective_from=dt.date(2013, 11, 20),
        results=all_approved(decision),
        by=manager,
    )
    decision.refresh_from_db()
    assert decision.effective_from == dt.date(2013, 11, 20)


def test_a_decided_decision_changes_no_more(commission, officer, manager):
    decision = decided(cabinet_template(commission))
    before = _counts()
    with pytest.raises(ValidationError, match="can be returned to draft"):
        ds.decision_return_to_draft(decision=decision, reason="Change", by=manager)
    with pytest.raises(ValidationError, match="cannot be changed"):
        ds.decision_update(decision=decision, data=ds.DecisionInput(title="New", decision_maker="X"), by=officer)
    assert _counts() == before


# Linking the funding a decision approves -------------------------------------------------------------------------


def _proposed_drawdown(commission) -> ReserveDrawdown:  # type: ignore[no-untyped-def]
    reserve = factories.ReserveFactory(commission=commission, opening_balance=Decimal("730000.00"))
    return factories.ReserveDrawdownFactory(reserve=reserve, amount=Decimal("321000"))


def test_a_decided_approved_decision_approves_a_drawdown_and_fills_its_reference(commission, manager):
    decision = decided(cabinet_template(commission))
    drawdown = funding_services.reserve_drawdown_approve(
        drawdown=_proposed_drawdown(commission), decision=decision, by=manager
    )
    drawdown.refresh_from_db()
    assert (drawdown.status, drawdown.decision, drawdown.decision_reference) == ("approved", decision, "CM001/13")
    assert drawdown.events.last().reference == "CM001/13"


@pytest.mark.parametrize("stage", ["draft", "submitted", "signed_off", "rejected"])
def test_a_decision_not_decided_and_approved_cannot_approve_funding(commission, manager, stage):
    template = cabinet_template(commission)
    decision = {"draft": draft, "submitted": submitted, "signed_off": signed_off}.get(stage, None)
    decision = decision(template) if decision else decided(template, outcome="rejected")
    drawdown = _proposed_drawdown(commission)
    events = drawdown.events.count()
    with pytest.raises(ValidationError, match="not a decided and approved decision"):
        funding_services.reserve_drawdown_approve(drawdown=drawdown, decision=decision, by=manager)
    drawdown.refresh_from_db()
    assert (drawdown.status, drawdown.decision, drawdown.decision_reference) == ("proposed", None, "")
    assert drawdown.events.count() == events


def test_a_decision_of_another_commission_cannot_approve(commission, manager):
    other = factories.CommissionFactory()
    decision = decided(cabinet_template(other))
    drawdown = _proposed_drawdown(commission)
    with pytest.raises(ValidationError, match="decision of another commission"):
        funding_services.reserve_drawdown_approve(drawdown=drawdown, decision=decision, by=manager)
    drawdown.refresh_from_db()
    assert drawdown.status == "proposed"


def test_a_decision_gives_a_carry_forward_outline_approval(commission, manager):
    plan = lancashire_plan(commission)
    carry = year_end_services.carry_forward_propose_from_year_end(
        from_year=plan.year(1), to_year=plan.year(3), amount=Decimal("455447"), reason="Underspend", by=None
    )
    refused = draft(cabinet_template(commission, name="Other", reference_pattern="X{number}/{yy}"))
    with pytest.raises(ValidationError, match="not a decided and approved"):
        funding_services.carry_forward_outline_approve(carry_forward=carry, decision=refused, by=manager)
    carry.refresh_from_db()
    assert carry.status == "proposed"
    decision = decided(cabinet_template(commission))
    funding_services.carry_forward_outline_approve(carry_forward=carry, decision=decision, by=manager)
    carry.refresh_from_db()
    assert (carry.status, carry.decision, carry.decision_reference) == ("outline_approved", decision, "CM001/13")


def test_a_plan_version_is_frozen_for_a_decided_decision_only(commission, officer):
    template = cabinet_template(commission)
    pending = draft(template)
    with pytest.raises(ValidationError, match="not a decided and approved"):
        report_services.plan_version_freeze(commission=commission, label="For the report", by=officer, decision=pending)
    assert not commission.plan_versions.exists()
    decision = decided(template)
    version = report_services.plan_version_freeze(commission=commission, label="After", by=officer, decision=decision)
    assert (version.decision, version.decision_reference) == (decision, decision.reference)


def test_a_reference_typed_by_hand_still_approves(commission, manager):
    drawdown = funding_services.reserve_drawdown_approve(
        drawdown=_proposed_drawdown(commission),
        decision_reference="Cabinet Member decision, 12 November 2013",
        by=manager,
    )
    assert (drawdown.decision, drawdown.decision_reference) == (None, "Cabinet Member decision, 12 November 2013")


def test_a_paper_sign_off_keeps_its_day_and_a_future_day_is_refused(commission):
    decision = submitted(cabinet_template(commission))
    future = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(ValidationError, match="cannot be dated in the future"):
        ds.decision_sign_off(decision=decision, role="report_author", by=None, printed_name="A", signed_on=future)
    assert not decision.sign_offs.exists()
    ds.decision_sign_off(
        decision=decision, role="report_author", by=None, printed_name="Mel Ormesher", signed_on=dt.date(2013, 11, 12)
    )
    assert decision.sign_offs.get().signed_at.date() == dt.date(2013, 11, 12)
