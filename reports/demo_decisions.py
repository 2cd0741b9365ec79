"""The Lancashire demo's decision (seeds 001 and 002): the Cabinet Member's decision of 12 November 2013 on the
strategy for the joint commission, taken through the same services as any decision: drafted with the report's
prose sections, submitted, signed off by the report author and the chief finance officer, and decided
"Recommendations Approved". The demo loader then links it to the two reserve drawdowns and the carry-forward's
outline approval it gave, and publishes it (`demo_decision_publish`), so the demo has a published report.

The sections are seed 002's prose, shortened where it runs long. The report's tables are not typed here: the
work-stream split, the Year 1 allocation and forecast, the reserve drawdowns, the carry-forward and the partners'
contributions are generated from the ledger (`reports.report_tables`). Where the seed's prose quotes a figure
(£0.730m, £0.455m), the prose is kept as the seed has it, and the tests find the same figure in the tables.
"""

from __future__ import annotations

import datetime as dt

from commissioning.models import Commission
from reports import decision_services as ds
from reports import publication_services as ps
from reports.models import Decision, DecisionSnapshot, DecisionTemplate, SectionKey, SignOffRole

TEMPLATE = "Report to the Cabinet Member"
TITLE = "Strategy for the Joint Commission of Specialist Domestic Abuse Services in Lancashire"
DECISION_MAKER = "Cabinet Member for Adult and Community Services (County Councillor Tony Martin)"
DECIDED_ON = dt.date(2013, 11, 12)
SIGNED_ON = dt.date(2013, 11, 12)  # the date the report bears (seed 002); the seeds give no other
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
    ps.sections_update(
        decision=decision, sections={key: ps.SectionInput(body) for key, body in SECTIONS.items()}, by=None
    )
    ds.decision_submit(decision=decision, by=None)
    for role, name in SIGNATURES.items():
        ds.decision_sign_off(decision=decision, role=role.value, by=None, printed_name=name, signed_on=SIGNED_ON)
    results = {number: ds.RecommendationResult("approved") for number in range(1, len(RECOMMENDATIONS) + 1)}
    return ds.decision_decide(
        decision=decision, outcome=Decision.Outcome.APPROVED, decided_on=DECIDED_ON, results=results, by=None
    )


def demo_decision_publish(decision: Decision) -> DecisionSnapshot:
    """Publish the demo's decision on the day it was made, once the ledger holds what it approved."""
    return ps.decision_publish(decision=decision, by=None, published_on=DECIDED_ON)


# Seed 002's prose sections, in Markdown.
SECTIONS = {
    SectionKey.EXECUTIVE_SUMMARY: """\
This report seeks approval to secure funding for years two and three of the Domestic Abuse Plan which is a \
partnership commission across Lancashire. This will require the use of the Crime and Disorder reserve (£0.730m) and \
outline approval to carry forward a year one (2013/14) under spend of £0.455m to year three (2015/16). This will \
allow the project to deliver the full programme of support and have the greatest impact on domestic abuse and \
assist in reducing demand for social care.

Ensuring a consistent provision of domestic abuse services across Lancashire has been a shared strategic vision \
across statutory partners in Lancashire since November 2012. This work has led to the development of a model of \
delivery and a number of partnership recommendations captured in the Domestic Abuse Joint Strategic Needs \
Assessment (JSNA).

While strategically partners have been supportive of the agenda, realisation of the required funding commitment \
from some partners has been difficult to achieve for the duration of the three year commission. This has delayed \
the commencement of commissioning activity and made the development of a three year funding plan complex.

The funding model for Year One has been agreed setting out interim arrangements for current service providers to \
pilot new ways of working. This report outlines the financial model for delivery in Years Two and Three of the \
commission.

Subject to approval, an open tender and procurement process will commence in November 2013 with a further report \
to award the new contract for the Medium and High Risk Victims Service submitted in February 2014.
""",
    SectionKey.BACKGROUND: """\
Domestic Abuse services have relied on grant funding for many years resulting in instability and inequity with \
access to services dependent on where a victim or perpetrator lives in Lancashire.

Domestic Abuse is a priority for the Lancashire Community Safety Strategy Group, the Lancashire Health and \
Wellbeing Board, Lancashire Children and Young People's Trust and Lancashire Safeguarding Children Board.

In addition, a recent inspection of Safeguarding and Children Looked After services by Ofsted made two \
requirements, these being to:

- review the existing domestic violence service provision to determine future needs and requirements including \
  ensuring there are sufficient early intervention programmes for perpetrators of domestic violence before they \
  enter the criminal justice system;
- ensure that there is sufficient counselling support for children who experience domestic violence before they \
  reach the threshold for access to child protection services.

Statutory partners were asked to make a contribution, which was calculated based on the estimated savings they \
would realise to their mainstream commissioned services if the incidence of domestic abuse was reduced. This was \
based on the Professor Sylvia Walby Model which identified the costs of domestic abuse to public sector \
organisations.

Whilst the joint commission does not have the anticipated level of pooled funding, it will provide a much needed \
core offer of services funded by statutory partners, and will enable the redesign of our local services and \
response to domestic abuse, and provide families with earlier access to support.
""",
    SectionKey.SERVICE_MODEL: """\
The JSNA provided the evidence base and recommendations that have informed the new service model which \
incorporates the total resource available.

It is intended that this model will reduce the harm caused by domestic abuse in Lancashire by taking an integrated, \
whole family approach to preventing further abuse.

The service model identifies the areas that cannot be addressed through any means but the joint commission funding \
and which will form the 'core offer': **Support for Medium and High Risk Victims**, **Challenging the Behaviour of \
Perpetrators**, **Early Support – Children and Young People** and **Workforce Development and Coordination**; \
interventions that can be provided through a partnership response and 'in kind' contributions (the criminal \
justice response, prevention, and awareness, identification and referral); and the remaining gaps. The table below \
shows how the pooled funding is allocated across the work-streams.
""",
    SectionKey.CONSULTATIONS: """\
Consultation has taken place with statutory partners, current providers and service users as to:

- the development and quality of appropriate specialist domestic abuse service provision and partner \
  interventions for medium and high risk victims, children and young people;
- how continuous workforce development and coordination will enhance partnership responses and collaboration;
- how to ensure a cost effective multi-agency approach to domestic abuse service delivery via voluntary, \
  community and faith sector specialist providers, and mainstream agencies working in partnership;
- how the thinking, attitudes and behaviour of perpetrators can best be challenged and addressed.
""",
    SectionKey.LEGAL_IMPLICATIONS: """\
The services which form the subject of this report will be subject to a strict procurement process under the \
Public Contracts Regulations 2006. Procurement will take place in accordance with Treaty of Rome principles (fair \
and transparent process) and will entail open competition.

It is the intention to commence procurement for the Medium and High Risk Victims services late November 2013, with \
the Perpetrators service tender tentatively scheduled for December 2013.
""",
    SectionKey.FINANCIAL_IMPLICATIONS: """\
This report seeks to confirm the funding for the two final years of the project (2014/15 and 2015/16). This \
requires two decisions:

- release of the remainder of the Crime and Disorder reserve totalling £0.730m (the reserve drawdowns below); and
- outline approval to carry forward the 2013/14 partnership under spend of £0.455m to 2015/16 (year 3).

The approval sought to carry forward the 2013/14 under spend is outline approval as the ability to carry forward \
will be confirmed by the County Treasurer and the Partnership Board closer towards year end.

Appendix 'B' identifies the contributions being made from partners, cash commitments first and contributions in \
kind below them. Appendix 'C' sets out the funding movements between the versions of the funding plan. The in year \
under spend in 2013/14 has arisen due to a delayed start in commissioning activity; the Year 1 table below shows \
how the funding was allocated in the first year and the forecast under spend.
""",
    SectionKey.BACKGROUND_PAPERS: """\
- *Future Provision of Independent Domestic Abuse Advocates*, September 2013. Mel Ormesher, Directorate for \
  Children and Young People, 07920 702595.
- *Report to the Leader of the County Council and Cabinet Members for Children and Young People and Adult and \
  Community Services – 'County Council Investment in Domestic Abuse Services'*, 14 December 2012. Andy Milroy, \
  Office of the Chief Executive, (01772) 536050.
""",
}
