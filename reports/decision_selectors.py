"""Reads of decision records: who may see them, the list of a commission's, and one decision's page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from commissioning.models import CarryForward, Commission, FundingPlanVersion, ReserveDrawdown, User
from reports.models import Decision, DecisionEvent, DecisionSignOff, DecisionSnapshot, SignOffRole

VIEW = "reports.view_decision"


def visible_decisions(user: User) -> QuerySet[Decision]:
    """Decisions the user may read: every one for staff holding `view_decision`; none for anyone else (partner
    finance leads hold no model permission)."""
    queryset = Decision.objects.select_related("commission", "template")
    return queryset if user.has_perm(VIEW) else queryset.none()


def decision_list(commission: Commission, *, status: str = "", kind: str = "", text: str = "") -> QuerySet[Decision]:
    """The commission's decisions, newest reference year first, with their templates (one query); narrowed to a
    status, a kind of report, and a reference or title containing `text` (case-insensitive) where given."""
    decisions = Decision.objects.filter(commission=commission).select_related("template")
    if status:
        decisions = decisions.filter(status=status)
    if kind:
        decisions = decisions.filter(template__kind=kind)
    if text:
        decisions = decisions.filter(Q(reference__icontains=text) | Q(title__icontains=text))
    return decisions


def decision_for_api() -> QuerySet[Decision]:
    """Decisions with everything their API representation reads, in a fixed number of queries."""
    return Decision.objects.select_related("template", "submitted_by", "decided_by").prefetch_related(
        "recommendations",
        Prefetch("sign_offs", queryset=DecisionSignOff.objects.select_related("signed_by")),
        Prefetch("events", queryset=DecisionEvent.objects.select_related("by")),
        Prefetch("reserve_drawdowns", queryset=ReserveDrawdown.objects.select_related("reserve", "financial_year")),
        Prefetch("carry_forwards", queryset=CarryForward.objects.select_related("from_year", "to_year")),
        "plan_versions",
        "sections",
        Prefetch("snapshots", queryset=DecisionSnapshot.objects.defer("pdf", "data").order_by("version")),
    )


@dataclass(frozen=True)
class SignOffBlock:
    """One required role's block on the decision page: signed (with the sign-off) or waiting."""

    role: SignOffRole
    sign_off: DecisionSignOff | None

    @property
    def label(self) -> str:
        return str(self.role.label)


@dataclass(frozen=True)
class DecisionDetail:
    decision: Decision
    recommendations: list[Any]
    blocks: list[SignOffBlock]
    events: list[DecisionEvent]
    drawdowns: list[ReserveDrawdown]
    carry_forwards: list[CarryForward]
    plan_versions: list[FundingPlanVersion]

    @property
    def waiting_roles(self) -> list[SignOffRole]:
        return [block.role for block in self.blocks if block.sign_off is None]

    @property
    def approves_anything(self) -> bool:
        return bool(self.drawdowns or self.carry_forwards or self.plan_versions)

    @property
    def call_in_ends(self) -> dt.date | None:
        """The day an approving decision subject to call-in takes effect; None for any other decision. What it
        approves is posted with that date if posted before it, and counts as provisional funding until then."""
        decision = self.decision
        if decision.subject_to_call_in and decision.approves_funding and decision.effective_from:
            return decision.effective_from
        return None

    @property
    def call_in_pending(self) -> bool:
        """Whether the decision is still to take effect at the end of call-in (today is before it)."""
        ends = self.call_in_ends
        return ends is not None and ends > timezone.localdate()


def decision_detail(decision: Decision) -> DecisionDetail:
    """Everything the decision's page shows: recommendations, a block per required role in the template's order,
    the history of its workflow, and the drawdowns, carry-forwards and plan versions it approves."""
    sign_offs = {s.role: s for s in decision.sign_offs.select_related("signed_by")}  # type: ignore[attr-defined]
    blocks = [SignOffBlock(role=role, sign_off=sign_offs.get(role.value)) for role in decision.template.roles]
    return DecisionDetail(
        decision=decision,
        recommendations=list(decision.recommendations.order_by("number")),  # type: ignore[attr-defined]
        blocks=blocks,
        events=list(decision.events.select_related("by").order_by("at", "pk")),  # type: ignore[attr-defined]
        drawdowns=list(
            ReserveDrawdown.objects.filter(decision=decision)
            .select_related("reserve", "financial_year", "transaction")
            .order_by("financial_year__number", "pk")
        ),
        carry_forwards=list(
            CarryForward.objects.filter(decision=decision)
            .select_related("from_year", "to_year", "transaction")
            .order_by("pk")
        ),
        plan_versions=list(FundingPlanVersion.objects.filter(decision=decision).order_by("number")),
    )
