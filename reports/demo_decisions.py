"""The Lancashire demo's decision (seeds 001 and 002): the Cabinet Member's decision of 12 November 2013 on the
strategy for the joint commission, taken through the same services as any decision: drafted, submitted, signed off
by the report author and the chief finance officer, and decided "Recommendations Approved". The demo loader
then links it to the two reserve drawdowns and the carry-forward's outline approval it gave.
"""

from __future__ import annotations

import datetime as dt

from commissioning.models import Commission
from reports import decision_services as ds
from reports.models import Decision, DecisionTemplate, SignOffRole

TEMPLATE = "Report to the Cabinet Member"
TITLE = "Strategy for the Joint Commission of Specialist Domestic Abuse Services in Lancashire"
DECISION_MAKER = "Cabinet Member for Adult and Community Services (County Councillor Tony Martin)"
DECIDED_ON = dt.date(2013, 11, 12)
# Seed 002's recommendations, verbatim.
RECOMMENDATIONS = (
    "Approve the use of Crime and Disorder reserve to meet the gap in funding over Years Two and Three of the joint "
    "commission of domestic abuse services (£0.730m);",
    "Provide outline approval to use the 2013/14 project under spend of £0.455m to support activity within year 3 "
    "of the project;",
    "Approve the service model for delivery of specialist domestic abuse services over Year Two and Three of the "
    "project.",
)
# Seed 002 is submitted by the Interim Executive Director; seed 001 names the contact. The seeds do not print who
# signed as chief finance officer, so the block says only the role's holder.
SIGNATURES = {
    SignOffRole.REPORT_AUTHOR: "Interim Executive Director for Children and Young People",
    SignOffRole.CHIEF_FINANCE_OFFICER: "County Treasurer",
}


def demo_decision(commission: Commission) -> Decision:
    """Create the seeds' decision in `commission`, decided and approved, acting as the system (no person)."""
    template = ds.decision_template_create(
        commission=commission,
        name=TEMPLATE,
        kind=DecisionTemplate.Kind.CABINET_MEMBER,
        reference_pattern="CM{number:03d}/{yy}",
        sign_off_roles=[SignOffRole.REPORT_AUTHOR.value, SignOffRole.CHIEF_FINANCE_OFFICER.value],
        by=None,
    )
    decision = ds.decision_create(
        template=template,
        data=ds.DecisionInput(
            title=TITLE,
            decision_maker=DECISION_MAKER,
            is_key=False,
            notice_published_on=dt.date(2013, 11, 11),
            due_on=DECIDED_ON,
            divisions_affected="All divisions",
            contact_name="Mel Ormesher",
            contact_email="mel.ormesher@lancashire.gov.uk",
            contact_phone="07920 702 595",
            reasons=(
                "To secure funding for years two and three of the Domestic Abuse Plan, a partnership commission across "
                "Lancashire, so that the project delivers the full programme of support."
            ),
        ),
        by=None,
    )
    for text in RECOMMENDATIONS:
        ds.recommendation_add(decision=decision, text=text, by=None)
    ds.decision_submit(decision=decision, by=None)
    for role, name in SIGNATURES.items():
        ds.decision_sign_off(decision=decision, role=role.value, by=None, printed_name=name)
    results = {number: ds.RecommendationResult("approved") for number in range(1, len(RECOMMENDATIONS) + 1)}
    return ds.decision_decide(
        decision=decision, outcome=Decision.Outcome.APPROVED, decided_on=DECIDED_ON, results=results, by=None
    )
