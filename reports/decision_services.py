"""Writes for decision records: each a guarded transition in one database transaction, with the decision's row
locked and a `DecisionEvent` written alongside.

| service | from | needs (`by` must hold) |
| --- | --- | --- |
| `decision_template_create` | (new) | `reports.add_decisiontemplate` (officer) |
| `decision_create` | (new) | `reports.add_decision` (officer) |
| `decision_update`, `recommendation_add`, `recommendation_update` | draft | `reports.change_decision` (officer) |
| `decision_submit` | draft | `reports.change_decision` |
| `decision_sign_off` (one role) | submitted | `commissioning.sign_off_decision` (manager); see below |
| `decision_decide` | signed off | `commissioning.sign_off_decision` |
| `decision_return_to_draft` (reason) | submitted, signed off | `change_decision` or `sign_off_decision` |

The report author's role may also be signed by the officer who submitted the decision. When the last required
role signs, the decision moves to signed off. Returning to draft clears the sign-offs (each
kept in the audit trail) and records the reason. A decided decision changes no more.

`by=None` is the system itself (the demo loader), which needs no permission; a person without the permission is
refused with `PermissionDenied`. Bad input is refused with a `ValidationError` in plain English, and then nothing
is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from commissioning.models import Commission, User
from reports.models import (
    Decision,
    DecisionEvent,
    DecisionRecommendation,
    DecisionSignOff,
    DecisionTemplate,
    SignOffRole,
    format_reference,
    validate_reference_pattern,
    validate_sign_off_roles,
)

SIGN_OFF = "commissioning.sign_off_decision"
CHANGE = "reports.change_decision"
Status = Decision.Status
Outcome = Decision.Outcome
Result = DecisionRecommendation.Result


def _require(by: User | None, permission: str, doing: str) -> None:
    if by is not None and not by.has_perm(permission):
        raise PermissionDenied(f"You may not {doing}.")


def _locked(decision: Decision) -> Decision:
    return Decision.objects.select_for_update().select_related("template").get(pk=decision.pk)


def _guard(decision: Decision, allowed: tuple[str, ...], doing: str) -> None:
    if decision.status not in allowed:
        labels = " or ".join(Status(state).label.lower() for state in allowed)
        raise ValidationError(
            f"{decision.reference} is {decision.get_status_display().lower()}; only a decision that is {labels} "
            f"can be {doing}."
        )


def _event(decision: Decision, *, action: str, was: str, by: User | None, note: str = "") -> None:
    DecisionEvent.objects.create(
        decision=decision,
        action=action,
        from_status=was,
        to_status=decision.status,
        at=timezone.now(),
        by=by,
        note=note,
    )


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _display_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name().strip() or user.get_username()


# Templates ----------------------------------------------------------------------------------------------------


@transaction.atomic
def decision_template_create(
    *,
    commission: Commission,
    name: str,
    kind: str,
    reference_pattern: str,
    sign_off_roles: list[str],
    by: User | None,
    classification: str = "Not protectively marked",
) -> DecisionTemplate:
    """A commission's kind of decision report, with its reference pattern, the roles that sign it off and the
    security classification its reports print."""
    _require(by, "reports.add_decisiontemplate", "add a decision template")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the template."})
    if kind not in DecisionTemplate.Kind.values:
        raise ValidationError({"kind": "Choose a cabinet-member report or a PCC decision report."})
    classification = classification.strip()
    errors: dict[str, list[str]] = {}
    if not classification:
        errors["classification"] = ["Enter the classification, for example Not protectively marked."]
    for field, check, value in (
        ("reference_pattern", validate_reference_pattern, reference_pattern.strip()),
        ("sign_off_roles", validate_sign_off_roles, list(sign_off_roles)),
    ):
        try:
            check(value)  # type: ignore[operator]
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)
    if commission.decision_templates.filter(name=name).exists():  # type: ignore[attr-defined]
        raise ValidationError({"name": f"{commission} already has a template called {name!r}."})
    return DecisionTemplate.objects.create(
        commission=commission,
        name=name,
        kind=kind,
        reference_pattern=reference_pattern.strip(),
        sign_off_roles=list(sign_off_roles),
        classification=classification,
    )


# Drafting -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionInput:
    """What an officer writes on a draft decision."""

    title: str
    decision_maker: str
    is_key: bool = False
    key_reason: str = ""
    notice_published_on: dt.date | None = None
    due_on: dt.date | None = None
    subject_to_call_in: bool = False
    divisions_affected: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    reasons: str = ""
    alternatives_rejected: str = ""
    conflicts_of_interest: str = ""


INPUT_FIELDS = tuple(field.name for field in fields(DecisionInput))
_LIMITS = {"title": 300, "decision_maker": 300, "divisions_affected": 300, "contact_name": 200, "contact_phone": 40}


def _cleaned(data: DecisionInput) -> dict[str, object]:
    """The input with text stripped, checked field by field; every problem is reported at once."""
    values: dict[str, object] = {
        name: (value.strip() if isinstance(value, str) else value)
        for name, value in ((name, getattr(data, name)) for name in INPUT_FIELDS)
    }
    errors = _input_errors(values)
    if not values["is_key"]:
        values["key_reason"] = ""
    if errors:
        raise ValidationError(errors)
    return values


def _input_errors(values: dict[str, object]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = "Enter the title of the decision."
    if not values["decision_maker"]:
        errors["decision_maker"] = "Enter who makes the decision, for example the Cabinet Member and their name."
    for name, limit in _LIMITS.items():
        text = str(values[name])
        if len(text) > limit and name not in errors:
            errors[name] = f"This must be {limit} characters or fewer; it is {len(text)}."
    if values["is_key"] and not values["key_reason"]:
        errors["key_reason"] = "Say why this is a key decision."
    if values["contact_email"]:
        try:
            validate_email(values["contact_email"])
        except ValidationError:
            errors["contact_email"] = "Enter an e-mail address in the right form, like name@example.gov.uk."
    notice, due = values["notice_published_on"], values["due_on"]
    if isinstance(notice, dt.date) and isinstance(due, dt.date) and notice > due:
        errors["notice_published_on"] = "The notice of the proposed decision is published on or before its due date."
    return errors


@transaction.atomic
def decision_create(*, template: DecisionTemplate, data: DecisionInput, by: User | None) -> Decision:
    """A draft decision of the template's commission, numbered next within the template and the calendar year of
    its due date (today's, without one), with its reference from the template's pattern.

    The template's row is locked while the number is taken, so two decisions created at once get different
    numbers; a number is never given twice, since decisions are never deleted. Refused if the reference is
    already used in the commission (another template with the same pattern)."""
    _require(by, "reports.add_decision", "create a decision")
    values = _cleaned(data)
    template = DecisionTemplate.objects.select_for_update().select_related("commission").get(pk=template.pk)
    due = values["due_on"]
    year = due.year if isinstance(due, dt.date) else timezone.localdate().year
    last = template.decisions.filter(reference_year=year).aggregate(last=Max("number"))["last"] or 0
    number = last + 1
    reference = format_reference(template.reference_pattern, number=number, year=year)
    if Decision.objects.filter(commission=template.commission_id, reference=reference).exists():
        raise ValidationError(
            f"The reference {reference} is already used by another decision of {template.commission}; give the "
            f"template {template.name!r} a pattern of its own."
        )
    decision = Decision.objects.create(
        commission=template.commission,
        template=template,
        number=number,
        reference_year=year,
        reference=reference,
        created_at=timezone.now(),
        created_by=by,
        **values,  # type: ignore[arg-type]
    )
    _event(decision, action=DecisionEvent.Action.CREATED, was="", by=by)
    return decision


def _draft(decision: Decision, by: User | None, doing: str) -> Decision:
    _require(by, CHANGE, doing)
    decision = _locked(decision)
    if decision.status != Status.DRAFT:
        raise ValidationError(
            f"{decision.reference} is {decision.get_status_display().lower()}, so it cannot be changed; return it "
            "to draft first, giving the reason."
        )
    return decision


@transaction.atomic
def decision_update(*, decision: Decision, data: DecisionInput, by: User | None) -> Decision:
    """Change a draft decision's text and dates. Its number and reference stay as they were."""
    decision = _draft(decision, by, "change a decision")
    values = _cleaned(data)
    for name, value in values.items():
        setattr(decision, name, value)
    decision.save(update_fields=list(values))
    return decision


@transaction.atomic
def recommendation_add(*, decision: Decision, text: str, by: User | None) -> DecisionRecommendation:
    """Add the next numbered recommendation to a draft decision."""
    decision = _draft(decision, by, "change a decision")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Enter the recommendation."})
    last = decision.recommendations.aggregate(last=Max("number"))["last"] or 0  # type: ignore[attr-defined]
    return DecisionRecommendation.objects.create(decision=decision, number=last + 1, text=text)


@transaction.atomic
def recommendation_update(
    *, recommendation: DecisionRecommendation, text: str, by: User | None
) -> DecisionRecommendation:
    """Reword a recommendation of a draft decision; its number stays."""
    _draft(recommendation.decision, by, "change a decision")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Enter the recommendation."})
    recommendation = DecisionRecommendation.objects.select_for_update().get(pk=recommendation.pk)
    recommendation.text = text
    recommendation.save(update_fields=["text"])
    return recommendation


# Sign-off -----------------------------------------------------------------------------------------------------


@transaction.atomic
def decision_submit(*, decision: Decision, by: User | None) -> Decision:
    """Submit a draft for sign-off by its template's roles. It needs at least one recommendation. From now on it
    cannot be changed unless returned to draft."""
    _require(by, CHANGE, "submit a decision for sign-off")
    decision = _locked(decision)
    _guard(decision, (Status.DRAFT,), "submitted")
    if not decision.recommendations.exists():  # type: ignore[attr-defined]
        raise ValidationError("Add at least one recommendation before submitting the decision for sign-off.")
    was = decision.status
    decision.status = Status.SUBMITTED
    decision.submitted_at, decision.submitted_by = timezone.now(), by
    decision.save(update_fields=["status", "submitted_at", "submitted_by"])
    _event(decision, action=DecisionEvent.Action.SUBMITTED, was=was, by=by)
    return decision


def may_sign(user: User, decision: Decision, role: str) -> bool:
    """Whether `user` may sign `role` on `decision`: a holder of sign_off_decision, or, for the report author's
    role, the officer who submitted it."""
    if user.has_perm(SIGN_OFF):
        return True
    return (
        role == SignOffRole.REPORT_AUTHOR
        and decision.submitted_by_id is not None
        and (decision.submitted_by_id == user.pk)
    )


@transaction.atomic
def decision_sign_off(
    *,
    decision: Decision,
    role: str,
    by: User | None,
    printed_name: str = "",
    comment: str = "",
    signed_on: dt.date | None = None,
) -> DecisionSignOff:
    """Sign one of the template's roles on a submitted decision, with the signer's printed name (their full name
    unless given). When every required role has signed, the decision is signed off.

    `signed_on` records a signature made on paper on an earlier day (the demo's 2013 report); never a later one.
    """
    if signed_on is not None and signed_on > timezone.localdate():
        raise ValidationError({"signed_on": "A sign-off cannot be dated in the future."})
    signed_at = (
        timezone.make_aware(dt.datetime.combine(signed_on, dt.time(12, 0))) if signed_on is not None else timezone.now()
    )
    decision = _locked(decision)
    if by is not None and not may_sign(by, decision, role):
        raise PermissionDenied("You may not sign off this decision.")
    _guard(decision, (Status.SUBMITTED,), "signed off")
    required = list(decision.template.sign_off_roles)
    if role not in required:
        raise ValidationError(
            {"role": f"{decision.template.name} is not signed off by the {SignOffRole(role).label.lower()}."}
            if role in SignOffRole.values
            else {"role": f"{role!r} is not a sign-off role."}
        )
    if decision.sign_offs.filter(role=role).exists():  # type: ignore[attr-defined]
        raise ValidationError({"role": f"The {SignOffRole(role).label.lower()} has already signed it off."})
    name = printed_name.strip() or _display_name(by)
    if not name:
        raise ValidationError({"printed_name": "Enter the name of the person signing, as it is to be printed."})
    if len(name) > 200:
        raise ValidationError({"printed_name": f"The printed name must be 200 characters or fewer; it is {len(name)}."})
    sign_off = DecisionSignOff.objects.create(
        decision=decision,
        role=role,
        signed_by=by,
        printed_name=name,
        signed_at=signed_at,
        comment=comment.strip(),
    )
    _event(decision, action=DecisionEvent.Action.SIGNED, was=decision.status, by=by, note=SignOffRole(role).label)
    signed = set(decision.sign_offs.values_list("role", flat=True))  # type: ignore[attr-defined]
    if set(required) <= signed:
        was = decision.status
        decision.status = Status.SIGNED_OFF
        decision.signed_off_at = signed_at
        decision.save(update_fields=["status", "signed_off_at"])
        _event(decision, action=DecisionEvent.Action.SIGNED_OFF, was=was, by=by)
    return sign_off


@transaction.atomic
def decision_return_to_draft(*, decision: Decision, reason: str, by: User | None) -> Decision:
    """Return a submitted or signed-off decision to draft, so it can be changed, with the reason. Its sign-offs
    are cleared (each is kept in the audit trail) and must be given again after it is resubmitted."""
    if by is not None and not (by.has_perm(CHANGE) or by.has_perm(SIGN_OFF)):
        raise PermissionDenied("You may not return a decision to draft.")
    decision = _locked(decision)
    _guard(decision, (Status.SUBMITTED, Status.SIGNED_OFF), "returned to draft")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the decision is returned to draft."})
    cleared = list(decision.sign_offs.order_by("pk"))  # type: ignore[attr-defined]
    for sign_off in cleared:
        sign_off.delete()  # one by one, so the audit trail keeps each as deleted
    was = decision.status
    decision.status = Status.DRAFT
    decision.submitted_at, decision.submitted_by, decision.signed_off_at = None, None, None
    decision.save(update_fields=["status", "submitted_at", "submitted_by", "signed_off_at"])
    note = reason
    if cleared:
        names = "; ".join(f"{s.get_role_display()} ({s.printed_name})" for s in cleared)
        note = f"{reason}\nSign-offs cleared: {names}."
    _event(decision, action=DecisionEvent.Action.RETURNED, was=was, by=by, note=note)
    return decision


# The decision -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendationResult:
    result: str
    amendment: str = ""


def _decision_errors(
    decision: Decision, outcome: str, amendments: str, decided_on: dt.date, effective_from: dt.date | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = "Choose the outcome: approved, rejected, or approved with amendments."
    if outcome == Outcome.APPROVED_WITH_AMENDMENTS and not amendments:
        errors["amendments"] = "Describe the amendments the decision was approved with."
    if decision.notice_published_on and decided_on < decision.notice_published_on:
        errors["decided_on"] = (
            f"The decision cannot be made before its notice was first published ({_day(decision.notice_published_on)})."
        )
    if decision.subject_to_call_in:
        if effective_from is None:
            errors["effective_from"] = "A decision subject to call-in needs the date it takes effect."
        elif effective_from <= decided_on:
            errors["effective_from"] = (
                "A decision subject to call-in takes effect after the date it is made "
                f"({_day(decided_on)}); give a later date."
            )
    elif effective_from is not None and effective_from < decided_on:
        errors["effective_from"] = f"A decision cannot take effect before it is made ({_day(decided_on)})."
    return errors


def _result_errors(
    recommendations: list[DecisionRecommendation], results: Mapping[int, RecommendationResult], outcome: str
) -> dict[str, str]:
    """Every recommendation has a result (an amended one its new wording), and they agree with the outcome."""
    errors: dict[str, str] = {}
    for recommendation in recommendations:
        given = results.get(recommendation.number)
        key = f"recommendation_{recommendation.number}"
        if given is None or given.result not in Result.values:
            errors[key] = f"Give the result of recommendation ({recommendation.numeral})."
        elif given.result == Result.AMENDED and not given.amendment.strip():
            errors[key] = f"Give recommendation ({recommendation.numeral}) as amended."
    unknown = set(results) - {r.number for r in recommendations}
    if unknown:
        errors["results"] = "There is no recommendation " + ", ".join(str(n) for n in sorted(unknown)) + "."
    if errors:
        return errors
    chosen = {results[r.number].result for r in recommendations}
    if outcome == Outcome.APPROVED and chosen != {Result.APPROVED}:
        errors["outcome"] = (
            "An approved decision approves every recommendation as written; choose approved with amendments if any "
            "was amended or not approved."
        )
    elif outcome == Outcome.REJECTED and chosen != {Result.NOT_APPROVED}:
        errors["outcome"] = "A rejected decision approves none of its recommendations."
    return errors


@transaction.atomic
def decision_decide(
    *,
    decision: Decision,
    outcome: str,
    decided_on: dt.date,
    results: Mapping[int, RecommendationResult],
    by: User | None,
    amendments: str = "",
    effective_from: dt.date | None = None,
) -> Decision:
    """Record the decision on a signed-off decision: the outcome, the date it was made, and each recommendation's
    result (keyed by its number). Approved means every recommendation approved; rejected, none. A decision
    subject to call-in takes effect on `effective_from`, which must be after `decided_on`; otherwise it takes
    effect when decided unless another date is given."""
    _require(by, SIGN_OFF, "decide a decision")
    decision = _locked(decision)
    _guard(decision, (Status.SIGNED_OFF,), "decided")
    amendments = amendments.strip() if outcome == Outcome.APPROVED_WITH_AMENDMENTS else ""
    errors = _decision_errors(decision, outcome, amendments, decided_on, effective_from)
    recommendations = list(decision.recommendations.select_for_update().order_by("number"))  # type: ignore[attr-defined]
    errors.update(_result_errors(recommendations, results, outcome) if not errors.get("outcome") else {})
    if errors:
        raise ValidationError(errors)
    for recommendation in recommendations:
        given = results[recommendation.number]
        recommendation.result = given.result
        recommendation.amendment = given.amendment.strip() if given.result == Result.AMENDED else ""
        recommendation.save(update_fields=["result", "amendment"])
    was = decision.status
    decision.status = Status.DECIDED
    decision.outcome = outcome
    decision.amendments = amendments
    decision.decided_on = decided_on
    decision.effective_from = effective_from or decided_on
    decision.decided_at, decision.decided_by = timezone.now(), by
    decision.save(
        update_fields=["status", "outcome", "amendments", "decided_on", "effective_from", "decided_at", "decided_by"]
    )
    _event(decision, action=DecisionEvent.Action.DECIDED, was=was, by=by, note=decision.get_outcome_display())
    return decision
