"""Writes for reserves, reserve drawdowns, carry-forwards and pool rules; each call is one database transaction.

Drawdowns and carry-forwards change state only here, by guarded transitions: each checks the states it may
start from, stamps `<verb>_at` and `<verb>_by` (and the reason or decision reference it needs), and writes a
history row, all in one transaction with the row locked. Posting to the ledger goes through `commissioning.ledger`.

| transition | from | needs (`by` must hold) |
| --- | --- | --- |
| `reserve_drawdown_propose` | (new) | `add_reservedrawdown` (officer) |
| `reserve_drawdown_approve` (decision, or its reference) | proposed | `approve_funding` (manager) |
| `reserve_drawdown_post` (to the ledger) | approved | `change_reservedrawdown` (officer) |
| `reserve_drawdown_reject` (reason) | proposed, approved | `approve_funding` |
| `carry_forward_propose` | (new) | `add_carryforward` (officer) |
| `carry_forward_outline_approve` (decision, or its reference) | proposed | `approve_funding` |
| `carry_forward_confirm` (posts to the ledger) | outline approved | `approve_funding` (the County Treasurer) |
| `carry_forward_reject` (reason) | proposed, outline approved | `approve_funding` |
| `carry_forward_lapse` (reason) | proposed, outline approved | `change_carryforward` (officer) |

An approval names its decision by reference (text), or links the decision record itself (`reports.Decision`, by
the string foreign key `decision`): then the decision must be of the same commission, decided and approved, and its
reference is copied into `decision_reference`.

A linked decision subject to call-in takes effect on its effective-from date: posting what it approves before
then dates the ledger transaction on that date, and the source reference says so (`call_in_posting`); the fund
statement counts it as provisional until that date.

`by=None` is the system itself (a data load or migration), which acts without a person's permissions; any person
must hold the permission, and is refused with `PermissionDenied` otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from commissioning import funding_selectors, history, ledger
from commissioning.models import (
    CarryForward,
    CarryForwardEvent,
    CarryForwardPart,
    Commission,
    FinancialYear,
    LedgerTransaction,
    PoolRules,
    Reserve,
    ReserveDrawdown,
    ReserveDrawdownEvent,
    User,
    WorkStream,
)
from commissioning.money import ZERO, MoneyError, format_pounds, to_money

Drawdown = ReserveDrawdown.Status
Carry = CarryForward.Status
APPROVE_FUNDING = "commissioning.approve_funding"

M = TypeVar("M", bound=models.Model)


def _require(by: User | None, permission: str, doing: str) -> None:
    if by is not None and not by.has_perm(permission):
        raise PermissionDenied(f"You may not {doing}.")


def _positive(value: Decimal, what: str) -> Decimal:
    try:
        amount = to_money(value)
    except (MoneyError, TypeError) as error:
        raise ValidationError({"amount": f"{what}: {error}"}) from None
    if amount <= 0:
        raise ValidationError({"amount": f"{what} must be more than £0; it is {format_pounds(amount, pence=True)}."})
    return amount


def _text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def _locked(model: type[M], pk: int) -> M:
    return model.objects.select_for_update().get(pk=pk)


def _guard(obj: ReserveDrawdown | CarryForward, allowed: Sequence[str], doing: str) -> None:
    """Refuse a transition from a state it may not start from, naming both."""
    if obj.status not in allowed:
        labels = " or ".join(obj.Status(state).label.lower() for state in allowed)
        article = "an" if labels[0] in "aeiou" else "a"
        raise ValidationError(
            f"This {obj._meta.verbose_name} is {obj.get_status_display().lower()}; only {article} {labels} one can be "
            f"{doing}."
        )


def approving_reference(decision: Any, commission_id: int, decision_reference: str) -> str:
    """The reference an approval records: a linked decision's own (refused unless it is of the same commission,
    decided and approved), else the reference typed. `decision` is a `reports.Decision`, read through its
    `approves_funding`, so the core need not know a decision's states."""
    if decision is None:
        return _text(decision_reference, "decision_reference", "Give the reference of the decision that approves it.")
    if decision.commission_id != commission_id:
        raise ValidationError({"decision": f"{decision.reference} is a decision of another commission."})
    if not decision.approves_funding:
        raise ValidationError(
            {
                "decision": f"{decision.reference} is not a decided and approved decision "
                f"({decision.get_status_display().lower()}); only one that is can approve funding."
            }
        )
    return str(decision.reference)


def _day(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


def call_in_posting(decision: Any, reference: str, date: dt.date | None) -> tuple[dt.date | None, str]:
    """The date and source reference for posting what a decision approves, on `date` (today when None).

    A decision subject to call-in whose effective-from date is later than the posting day postpones the posting to
    that date, and the reference says so ("CM002/13: takes effect on 20 November 2013 (subject to call-in)");
    otherwise both are as given. Read from the decision's own fields, so the core need not know its workflow."""
    day = date or timezone.localdate()
    effective = getattr(decision, "effective_from", None) if decision is not None else None
    if decision is None or not decision.subject_to_call_in or effective is None or effective <= day:
        return date, reference
    named = "" if reference == decision.reference else f" {decision.reference}"
    return effective, f"{reference}:{named} takes effect on {_day(effective)} (subject to call-in)"[:200]


# Reserves ---------------------------------------------------------------------------------------------------


@transaction.atomic
def reserve_opening_balance_post(
    *, reserve: Reserve, by: User | None, financial_year: FinancialYear | None = None, date: dt.date | None = None
) -> LedgerTransaction:
    """Post a reserve's stated opening balance to the ledger (cash held by the host, credited to the reserve), in
    the commission's first year unless another is given. Once per reserve: the ledger refuses a second."""
    _require(by, "commissioning.change_reserve", "post a reserve's opening balance")
    reserve = _locked(Reserve, reserve.pk)  # one opening at a time per reserve
    year = financial_year or reserve.commission.years.order_by("number").first()
    if year is None:
        raise ValidationError(f"{reserve.commission} has no financial years to post the opening balance in.")
    return ledger.reserve_opening_post(reserve=reserve, financial_year=year, by=by, date=date)


def _check_reserve_covers(reserve: Reserve, amount: Decimal) -> None:
    """Refuse a drawdown the reserve cannot cover once drawdowns already approved are set aside."""
    position = funding_selectors.reserve_position(reserve)
    if amount > position.available:
        raise ValidationError(
            {
                "amount": f"{reserve} has {format_pounds(position.base, pence=True)}, of which "
                f"{format_pounds(position.approved_not_posted, pence=True)} is committed to approved drawdowns, "
                f"leaving {format_pounds(position.available, pence=True)}; a drawdown of "
                f"{format_pounds(amount, pence=True)} is more than that."
            }
        )


def _drawdown_event(
    drawdown: ReserveDrawdown, *, action: str, was: str, by: User | None, reason: str = "", reference: str = ""
) -> None:
    ReserveDrawdownEvent.objects.create(
        drawdown=drawdown,
        action=action,
        from_status=was,
        to_status=drawdown.status,
        at=timezone.now(),
        by=by,
        reason=reason,
        reference=reference,
    )


@transaction.atomic
def reserve_drawdown_propose(
    *, reserve: Reserve, financial_year: FinancialYear, amount: Decimal, reason: str, by: User | None
) -> ReserveDrawdown:
    """Propose drawing `amount` from the reserve into a year's pool. Refused if the reserve, less drawdowns
    already approved, cannot cover it."""
    _require(by, "commissioning.add_reservedrawdown", "propose a reserve drawdown")
    reserve = _locked(Reserve, reserve.pk)
    amount = _positive(amount, "A drawdown")
    reason = _text(reason, "reason", "Say why the reserve is drawn on.")
    if financial_year.commission_id != reserve.commission_id:
        raise ValidationError({"financial_year": f"{financial_year} is not a year of {reserve.commission}."})
    _check_reserve_covers(reserve, amount)
    drawdown = ReserveDrawdown.objects.create(
        reserve=reserve,
        financial_year=financial_year,
        amount=amount,
        reason=reason,
        proposed_at=timezone.now(),
        proposed_by=by,
    )
    _drawdown_event(drawdown, action="proposed", was="", by=by, reason=reason)
    return drawdown


@transaction.atomic
def reserve_drawdown_approve(
    *,
    drawdown: ReserveDrawdown,
    by: User | None,
    decision_reference: str = "",
    decision: Any = None,
    note: str = "",
) -> ReserveDrawdown:
    """Approve a proposed drawdown on a decision: a decided and approved decision record of the commission, or
    the reference of one. Needs `approve_funding`."""
    _require(by, APPROVE_FUNDING, "approve a reserve drawdown")
    _locked(Reserve, drawdown.reserve_id)  # approvals of one reserve one at a time, so commitments add up
    drawdown = _locked(ReserveDrawdown, drawdown.pk)
    _guard(drawdown, [Drawdown.PROPOSED], "approved")
    reference = approving_reference(decision, drawdown.reserve.commission_id, decision_reference)
    _check_reserve_covers(drawdown.reserve, drawdown.amount)
    was = drawdown.status
    drawdown.status = Drawdown.APPROVED
    drawdown.decision_reference = reference
    drawdown.decision = decision
    drawdown.approved_at, drawdown.approved_by = timezone.now(), by
    drawdown.save(update_fields=["status", "decision_reference", "decision", "approved_at", "approved_by"])
    _drawdown_event(drawdown, action="approved", was=was, by=by, reason=note.strip(), reference=reference)
    return drawdown


@transaction.atomic
def reserve_drawdown_post(
    *, drawdown: ReserveDrawdown, by: User | None, date: dt.date | None = None
) -> ReserveDrawdown:
    """Post an approved drawdown to the ledger: from the reserve into the year's pool, with the decision as its
    source reference, dated when a decision subject to call-in takes effect if that is later (`call_in_posting`).
    The ledger refuses more than the reserve holds."""
    _require(by, "commissioning.change_reservedrawdown", "post a reserve drawdown")
    _locked(Reserve, drawdown.reserve_id)
    drawdown = _locked(ReserveDrawdown, drawdown.pk)
    _guard(drawdown, [Drawdown.APPROVED], "posted")
    date, source_reference = call_in_posting(drawdown.decision, drawdown.decision_reference, date)
    tx = ledger.reserve_drawdown_post(
        reserve=drawdown.reserve,
        financial_year=drawdown.financial_year,
        amount=drawdown.amount,
        by=by,
        source=drawdown,
        source_reference=source_reference,
        date=date,
    )
    was = drawdown.status
    drawdown.status = Drawdown.POSTED
    drawdown.transaction = tx
    drawdown.posted_at, drawdown.posted_by = timezone.now(), by
    drawdown.save(update_fields=["status", "transaction", "posted_at", "posted_by"])
    _drawdown_event(drawdown, action="posted", was=was, by=by, reference=f"Ledger transaction #{tx.number}")
    return drawdown


@transaction.atomic
def reserve_drawdown_reject(*, drawdown: ReserveDrawdown, reason: str, by: User | None) -> ReserveDrawdown:
    """Reject a drawdown not yet posted, with the reason. Needs `approve_funding`. (A posted one is corrected by
    reversing its ledger transaction.)"""
    _require(by, APPROVE_FUNDING, "reject a reserve drawdown")
    drawdown = _locked(ReserveDrawdown, drawdown.pk)
    _guard(drawdown, [Drawdown.PROPOSED, Drawdown.APPROVED], "rejected")
    reason = _text(reason, "reason", "Say why the drawdown is rejected.")
    was = drawdown.status
    drawdown.status = Drawdown.REJECTED
    drawdown.rejection_reason = reason
    drawdown.rejected_at, drawdown.rejected_by = timezone.now(), by
    drawdown.save(update_fields=["status", "rejection_reason", "rejected_at", "rejected_by"])
    _drawdown_event(drawdown, action="rejected", was=was, by=by, reason=reason)
    return drawdown


# Carry-forwards -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarryForwardPartInput:
    """One work-stream's part of a proposed carry-forward, and the underspend it is measured against: the
    work-stream's underspend for the year less what other live carry-forwards already claim of it."""

    work_stream: WorkStream
    amount: Decimal
    underspend: Decimal
    took_rounding: bool = False


def _carry_event(
    carry: CarryForward, *, action: str, was: str, by: User | None, reason: str = "", reference: str = ""
) -> None:
    CarryForwardEvent.objects.create(
        carry_forward=carry,
        action=action,
        from_status=was,
        to_status=carry.status,
        at=timezone.now(),
        by=by,
        reason=reason,
        reference=reference,
    )


def carry_forward_years_check(from_year: FinancialYear, to_year: FinancialYear) -> None:
    """Refuse a carry-forward that does not go to a later year of the same commission."""
    if to_year.commission_id != from_year.commission_id or to_year.number <= from_year.number:
        raise ValidationError(
            {"to_year": f"A carry-forward goes from {from_year} to a later year of its commission; {to_year} is not."}
        )


@transaction.atomic
def carry_forward_propose(
    *,
    from_year: FinancialYear,
    to_year: FinancialYear,
    amount: Decimal,
    parts: Sequence[CarryForwardPartInput],
    reason: str,
    by: User | None,
    basis: str = "",
) -> CarryForward:
    """Propose carrying `amount` of `from_year`'s underspend into `to_year`, as parts per work-stream that sum
    exactly to it, none more than its work-stream's underspend.

    The underspends are worked out by the caller (`allocations.year_end_services` from the monitoring returns),
    because the core reads no other app; lock `from_year` before working them out, as that service does, so two
    proposals cannot both claim the same underspend.
    """
    _require(by, "commissioning.add_carryforward", "propose a carry-forward")
    _locked(FinancialYear, from_year.pk)
    commission = from_year.commission
    carry_forward_years_check(from_year, to_year)
    amount = _positive(amount, "A carry-forward")
    reason = _text(reason, "reason", "Say why the underspend arose and what it will fund.")
    rows = []
    seen: set[int] = set()
    for part in parts:
        stream = part.work_stream
        if stream.commission_id != commission.pk or not stream.is_pooled:
            raise ValidationError(f"{stream} is not a pooled work-stream of {commission}.")
        if stream.pk in seen:
            raise ValidationError(f"{stream} is named twice; give one part per work-stream.")
        seen.add(stream.pk)
        value = to_money(part.amount)
        if value < 0:
            raise ValidationError(f"The part carried from {stream} cannot be negative.")
        if value == 0:
            continue
        if value > part.underspend:
            raise ValidationError(
                f"{stream} has {format_pounds(part.underspend, pence=True)} of its {from_year} underspend left to "
                f"carry forward; a part of {format_pounds(value, pence=True)} is more than that."
            )
        rows.append((stream, value, to_money(part.underspend), part.took_rounding))
    total = sum((value for _, value, _, _ in rows), ZERO)
    if not rows:
        raise ValidationError("A carry-forward needs a part from at least one work-stream.")
    if total != amount:
        raise ValidationError(
            f"The parts sum to {format_pounds(total, pence=True)}, not the {format_pounds(amount, pence=True)} "
            "proposed; they must sum to it exactly."
        )
    carry = CarryForward.objects.create(
        commission=commission,
        from_year=from_year,
        to_year=to_year,
        amount=amount,
        reason=reason,
        basis=basis.strip()[:300],
        proposed_at=timezone.now(),
        proposed_by=by,
    )
    history.bulk_create(
        CarryForwardPart,
        [
            CarryForwardPart(
                carry_forward=carry,
                work_stream=stream,
                amount=value,
                underspend=underspend,
                took_rounding=took_rounding,
            )
            for stream, value, underspend, took_rounding in rows
        ],
    )
    _carry_event(carry, action="proposed", was="", by=by, reason=reason)
    return carry


@transaction.atomic
def carry_forward_outline_approve(
    *,
    carry_forward: CarryForward,
    by: User | None,
    decision_reference: str = "",
    decision: Any = None,
    note: str = "",
) -> CarryForward:
    """Give a proposed carry-forward outline approval on a decision: a decided and approved decision record of
    the commission, or the reference of one. From now until it is confirmed, rejected or
    lapses, it counts as provisional funding of its later year. Needs `approve_funding`."""
    _require(by, APPROVE_FUNDING, "give a carry-forward outline approval")
    carry = _locked(CarryForward, carry_forward.pk)
    _guard(carry, [Carry.PROPOSED], "outline approved")
    reference = approving_reference(decision, carry.commission_id, decision_reference)
    was = carry.status
    carry.status = Carry.OUTLINE_APPROVED
    carry.decision_reference = reference
    carry.decision = decision
    carry.outline_approved_at, carry.outline_approved_by = timezone.now(), by
    carry.save(update_fields=["status", "decision_reference", "decision", "outline_approved_at", "outline_approved_by"])
    _carry_event(carry, action="outline_approved", was=was, by=by, reason=note.strip(), reference=reference)
    return carry


@transaction.atomic
def carry_forward_confirm(
    *, carry_forward: CarryForward, by: User | None, reference: str = "", date: dt.date | None = None
) -> CarryForward:
    """Confirm an outline-approved carry-forward (the County Treasurer's confirmation) and post it: each part out
    of its work-stream's budget for the earlier year, the total into the later year's pool. The ledger refuses a
    part larger than the work-stream's underspend in the ledger, and then nothing is written. Dated when a decision
    subject to call-in takes effect if that is later (`call_in_posting`). Needs `approve_funding`."""
    _require(by, APPROVE_FUNDING, "confirm a carry-forward")
    carry = _locked(CarryForward, carry_forward.pk)
    _guard(carry, [Carry.OUTLINE_APPROVED], "confirmed")
    reference = (reference or "").strip()
    parts = {part.work_stream: part.amount for part in carry.parts.select_related("work_stream")}
    date, source_reference = call_in_posting(carry.decision, reference or carry.decision_reference, date)
    tx = ledger.carry_forward_post(
        from_year=carry.from_year,
        to_year=carry.to_year,
        parts=parts,
        by=by,
        source=carry,
        source_reference=source_reference,
        date=date,
    )
    was = carry.status
    carry.status = Carry.CONFIRMED
    carry.confirmation_reference = reference
    carry.transaction = tx
    carry.confirmed_at, carry.confirmed_by = timezone.now(), by
    carry.save(update_fields=["status", "confirmation_reference", "transaction", "confirmed_at", "confirmed_by"])
    _carry_event(carry, action="confirmed", was=was, by=by, reference=reference or f"Ledger transaction #{tx.number}")
    return carry


@transaction.atomic
def carry_forward_reject(*, carry_forward: CarryForward, reason: str, by: User | None) -> CarryForward:
    """Reject a carry-forward not yet confirmed, with the reason. Needs `approve_funding`."""
    _require(by, APPROVE_FUNDING, "reject a carry-forward")
    carry = _locked(CarryForward, carry_forward.pk)
    _guard(carry, [Carry.PROPOSED, Carry.OUTLINE_APPROVED], "rejected")
    reason = _text(reason, "reason", "Say why the carry-forward is rejected.")
    was = carry.status
    carry.status = Carry.REJECTED
    carry.rejection_reason = reason
    carry.rejected_at, carry.rejected_by = timezone.now(), by
    carry.save(update_fields=["status", "rejection_reason", "rejected_at", "rejected_by"])
    _carry_event(carry, action="rejected", was=was, by=by, reason=reason)
    return carry


@transaction.atomic
def carry_forward_lapse(*, carry_forward: CarryForward, reason: str, by: User | None) -> CarryForward:
    """Record that a carry-forward not yet confirmed has lapsed (its year closed without a confirmation, or the
    underspend did not arise), with the reason. Its claim on the underspend ends."""
    _require(by, "commissioning.change_carryforward", "record that a carry-forward has lapsed")
    carry = _locked(CarryForward, carry_forward.pk)
    _guard(carry, [Carry.PROPOSED, Carry.OUTLINE_APPROVED], "lapsed")
    reason = _text(reason, "reason", "Say why the carry-forward has lapsed.")
    was = carry.status
    carry.status = Carry.LAPSED
    carry.lapse_reason = reason
    carry.lapsed_at, carry.lapsed_by = timezone.now(), by
    carry.save(update_fields=["status", "lapse_reason", "lapsed_at", "lapsed_by"])
    _carry_event(carry, action="lapsed", was=was, by=by, reason=reason)
    return carry


# Pool rules -------------------------------------------------------------------------------------------------


@transaction.atomic
def pool_rules_set(
    *,
    commission: Commission,
    by: User | None,
    overspend_order: Sequence[str],
    reserve: Reserve | None,
    reductions_limit: Decimal,
    cap_at_contribution: bool = True,
    underspends_stay_in_pool: bool = True,
    agreement: str = "",
) -> PoolRules:
    """Set the commission's pool rules (made the first time). Needs `add_poolrules` and `change_poolrules`."""
    _require(by, "commissioning.change_poolrules", "change the pool rules")
    _require(by, "commissioning.add_poolrules", "set the pool rules")
    try:
        limit = to_money(reductions_limit)
    except (MoneyError, TypeError) as error:
        raise ValidationError({"reductions_limit": str(error)}) from None
    if limit < 0:
        raise ValidationError({"reductions_limit": "The reductions limit cannot be negative."})
    rules = PoolRules.objects.select_for_update().filter(commission=commission).first() or PoolRules(
        commission=commission
    )
    rules.overspend_order = list(overspend_order)
    rules.reserve = reserve
    rules.reductions_limit = limit
    rules.cap_at_contribution = cap_at_contribution
    rules.underspends_stay_in_pool = underspends_stay_in_pool
    rules.agreement = agreement.strip()
    rules.set_at, rules.set_by = timezone.now(), by
    rules.full_clean()
    rules.save()
    return rules
