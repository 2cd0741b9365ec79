"""Shared by the decision tests: a cabinet-member template and decisions at each stage of the workflow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from commissioning.models import Commission, User
from reports import decision_services as ds
from reports.models import Decision, DecisionTemplate

RECOMMENDATIONS = (
    "Approve the use of Crime and Disorder reserve to meet the gap in funding (£0.730m);",
    "Provide outline approval to use the 2013/14 project under spend of £0.455m;",
)


def cabinet_template(commission: Commission, **kw: Any) -> DecisionTemplate:
    values: dict[str, Any] = {
        "name": "Report to the Cabinet Member",
        "kind": DecisionTemplate.Kind.CABINET_MEMBER,
        "reference_pattern": "CM{number:03d}/{yy}",
        "sign_off_roles": ["report_author", "chief_finance_officer"],
        **kw,
    }
    return ds.decision_template_create(commission=commission, by=None, **values)


def draft(template: DecisionTemplate, by: User | None = None, *, recommendations: int = 2, **kw: Any) -> Decision:
    values: dict[str, Any] = {
        "title": "Strategy for the Joint Commission",
        "decision_maker": "Cabinet Member for Adult and Community Services",
        "due_on": dt.date(2013, 11, 12),
        "notice_published_on": dt.date(2013, 11, 11),
        **kw,
    }
    decision = ds.decision_create(template=template, data=ds.DecisionInput(**values), by=by)
    for text in RECOMMENDATIONS[:recommendations]:
        ds.recommendation_add(decision=decision, text=text, by=by)
    return decision


def submitted(template: DecisionTemplate, by: User | None = None, **kw: Any) -> Decision:
    decision = draft(template, by, **kw)
    return ds.decision_submit(decision=decision, by=by)


def signed_off(template: DecisionTemplate, by: User | None = None, **kw: Any) -> Decision:
    decision = submitted(template, by, **kw)
    for role in template.sign_off_roles:
        ds.decision_sign_off(decision=decision, role=role, by=None, printed_name="Angie Ridgwell")
    decision.refresh_from_db()
    return decision


def all_approved(decision: Decision) -> dict[int, ds.RecommendationResult]:
    return {r.number: ds.RecommendationResult("approved") for r in decision.recommendations.all()}


def decided(template: DecisionTemplate, by: User | None = None, *, outcome: str = "approved", **kw: Any) -> Decision:
    decision = signed_off(template, by, **kw)
    result = "approved" if outcome == "approved" else "not_approved"
    results = {r.number: ds.RecommendationResult(result) for r in decision.recommendations.all()}
    return ds.decision_decide(
        decision=decision, outcome=outcome, decided_on=dt.date(2013, 11, 12), results=results, by=None
    )
