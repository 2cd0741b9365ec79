"""The PCC decision report (seed 003) read back from real PDFs: Essex's PCC036/18, its numbered sections 1 to 10
with numbered paragraphs, the recommendation as 2.1, the report approval sign-offs, the publication and redaction
record and the PFCC's final sign-off; tagged for accessibility; redactions taken out of the published PDF; officers'
prose cannot inject HTML."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from partners import services as partner_services
from reports import decision_documents
from reports import decision_services as ds
from reports import publication_services as ps
from reports.models import Decision, DecisionSection
from tests import decision_support as support
from tests import factories
from tests.test_pdf import PNG_1X1, _image_count, counting_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

RECOMMENDATION = (
    "Approve the proposal to combine the current PFCC-commissioned Independent Domestic Violence Advocate (IDVA) "
    "service and the local authority-commissioned community-based support service into one jointly-commissioned "
    "contract."
)
EMAIL = "greg.myddelton@essex.pnn.police.uk"
SECTIONS = {
    "purpose": "To seek approval for the proposed approach of amalgamating domestic abuse support services in Essex.",
    "benefits": (
        "The services brought together under this contract will provide support for victims of domestic abuse.\n\n"
        "By jointly commissioning this combined service, the Essex Domestic Abuse partnership will ensure victims "
        "are supported.\n\n"
        "- The following benefits have been identified to this commissioning approach;\n"
        "  - Ensuring commissioned domestic abuse services reflect local needs analyses\n"
        "  - Establish locally based outreach and a single point of access\n"
    ),
    "proposal": (
        "The provision of support services for victims of domestic abuse is a statutory responsibility.\n\n"
        "The total value of this contract is expected to be £2.125m per annum."
    ),
    "police_and_crime_plan": "This new service will support the PFCC to break the cycle of domestic abuse.",
    "operational_implications": "There are no direct operational implications of this proposed service.",
    "financial_implications": "There are no direct financial implications of this decision.",
    "legal_implications": "Essex County Council and the PFCC will be joint signatories for the contract.",
    "staffing_implications": "No Police officers or staff will be directly impacted.",
    "equality_implications": "An equality impact assessment is being undertaken by the lead commissioner.",
}
HEADINGS = (
    "1. Purpose of report",
    "2. Recommendations",
    "3. Benefits of proposal",
    "4. Background and proposal",
    "5. Police and Crime Plan",
    "6. Police operational implications",
    "7. Financial implications",
    "8. Legal implications",
    "9. Staffing and other resource implications",
    "10. Equality and diversity implications",
)


def _at(day: str) -> time_machine.travel:
    return time_machine.travel(f"{day} 10:00 +0000", tick=False)


def _template(commission):  # type: ignore[no-untyped-def]
    return ds.decision_template_create(
        commission=commission,
        name="PFCC Decision Report",
        kind="pcc",
        reference_pattern="PCC{number:03d}/{yy}",
        sign_off_roles=["chief_executive", "chief_finance_officer"],
        by=None,
    )


def _draft(template, **kw):  # type: ignore[no-untyped-def]
    values = {
        "title": "Essex domestic abuse commissioning approach",
        "decision_maker": "Police, Fire and Crime Commissioner for Essex",
        "due_on": dt.date(2018, 4, 13),
        "divisions_affected": "Countywide",
        "contact_name": "Greg Myddelton",
        "contact_email": EMAIL,
        **kw,
    }
    return ds.decision_create(template=template, data=ds.DecisionInput(**values), by=None)


def _sections(decision: Decision, **bodies: str | tuple[str, bool]) -> None:
    sections = {
        key: ps.SectionInput(*value) if isinstance(value, tuple) else ps.SectionInput(value)
        for key, value in bodies.items()
    }
    extra = (
        {"schedule_12a_paragraph": 3, "public_interest_reason": "Commercially sensitive prices."}
        if any(s.exempt for s in sections.values())
        else {}
    )
    ps.sections_update(decision=decision, sections=sections, by=None, **extra)


@pytest.fixture
def seed_003(commission):  # type: ignore[no-untyped-def]
    """PCC036/18 as seed 003 has it: the 36th PCC decision of 2018, written by Greg Myddelton and submitted on 21
    March 2018, signed off by the Chief Executive (11 April) and the Treasurer (13 April), decided and approved by
    the PFCC, Jane Gardner, on 13 April 2018."""
    template = _template(commission)
    for number in range(1, 36):
        _draft(template, title=f"Earlier decision {number}")
    decision = _draft(template)
    ds.recommendation_add(decision=decision, text=RECOMMENDATION, by=None)
    _sections(decision, **SECTIONS)
    with _at("2018-03-21"):
        ds.decision_submit(decision=decision, by=None)
    with _at("2018-04-11"):
        ds.decision_sign_off(decision=decision, role="chief_executive", by=None, printed_name="David Lawson")
    with _at("2018-04-13"):
        ds.decision_sign_off(decision=decision, role="chief_finance_officer", by=None, printed_name="Arben Gougn")
    pfcc = factories.ManagerFactory(first_name="Jane", last_name="Gardner")
    with _at("2018-04-13"):
        ds.decision_decide(
            decision=decision,
            outcome="approved",
            decided_on=dt.date(2018, 4, 13),
            results={1: ds.RecommendationResult("approved")},
            by=pfcc,
        )
    decision.refresh_from_db()
    return decision


def _text(pdf: bytes) -> str:
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _titles(outline) -> list[str]:  # type: ignore[no-untyped-def]
    titles: list[str] = []
    for item in outline:
        titles.extend(_titles(item) if isinstance(item, list) else [item.title])
    return titles


def _report(decision: Decision, *, public: bool = False) -> bytes:
    return decision_documents.report_pdf(decision_documents.document_context(decision, public=public))


def test_the_seed_003_report_has_its_fields_numbered_sections_and_sign_offs_in_order(seed_003, partner_a):
    year = seed_003.commission.years.order_by("number").first()
    partner_services.pledge_record(
        partner=partner_a, financial_year=year, amount=Decimal("451000"), note="Victims' fund", by=None
    )
    assert seed_003.reference == "PCC036/18"
    text = _text(_report(seed_003))
    expected = (
        "Report reference number PCC036/18",
        "Classification Not protectively marked",
        "Title of report Essex domestic abuse commissioning approach",
        "Area of county / stakeholders affected Countywide",
        "Report by Greg Myddelton",
        "Date of report 21 March 2018",
        f"Enquiries to Greg Myddelton {EMAIL}",
        "1. Purpose of report",
        "1.1 To seek approval for the proposed approach",
        "2. Recommendations",
        "2.1 Approve the proposal to combine",
        "jointly-commissioned contract. Approved.",
        "3. Benefits of proposal",
        "3.1 The services brought together",
        "3.2 By jointly commissioning",
        "3.3 The following benefits have been identified to this commissioning approach;",
        "3.3.1 Ensuring commissioned domestic abuse services",
        "3.3.2 Establish locally based outreach",
        "4. Background and proposal",
        "4.1 The provision of support services",
        "4.2 The total value of this contract is expected to be £2.125m per annum.",
        "5. Police and Crime Plan",
        "5.1 This new service",
        "6. Police operational implications",
        "6.1 There are no direct operational implications",
        "7. Financial implications",
        "7.1 There are no direct financial implications of this decision.",
        "Partner contributions pledged in the ledger, by year",
        f"{partner_a.name} £451,000",
        "8. Legal implications",
        "8.1 Essex County Council",
        "9. Staffing and other resource implications",
        "9.1 No Police officers",
        "10. Equality and diversity implications",
        "10.1 An equality impact assessment",
        "Report approval",
        "Chief executive Sign Signed electronically by David Lawson Print David Lawson Date 11 April 2018",
        "Chief finance officer (treasurer) Sign Signed electronically by Arben Gougn Print Arben Gougn "
        "Date 13 April 2018",
        "Publication Is the report for publication? Yes Reasons for not publishing None",
        "Redaction Is redaction required? No",
        "Decision and final sign-off",
        "I agree the recommendations to this report.",
        "Print Jane Gardner Role Police, Fire and Crime Commissioner for Essex Date signed 13 April 2018",
    )
    position = 0
    for item in expected:  # each found after the one before
        found = text.find(item, position)
        assert found != -1, (item, text[position : position + 300])
        position = found
    assert "PCC036/18: decided, not published." in text


def test_the_published_report_removes_its_redactions_records_them_and_is_a_tagged_pdf(seed_003, officer):
    ps.redaction_add(decision=seed_003, text=EMAIL, reason="personal data", by=None)
    ps.redaction_add(decision=seed_003, text="joint signatories", reason="legal advice", by=None)
    snapshot = ps.decision_publish(decision=seed_003, by=officer, published_on=dt.date(2018, 4, 20))
    pdf = bytes(snapshot.pdf)
    text = _text(pdf)
    assert EMAIL not in text
    assert "Enquiries to Greg Myddelton [Redacted: personal data]" in text
    assert "This published version has been redacted" in text
    assert "8.1 Essex County Council and the PFCC will be [Redacted: legal advice] for the contract." in text
    name = officer.get_full_name() or officer.get_username()
    assert (
        "Is redaction required? Yes 1. Of the decision sheet Yes 2. Of an appendix (the tables from the ledger) No "
        "Details of the redaction Words removed as legal advice; personal data. "
        f"Date redaction carried out 20 April 2018, on publication by {name}"
    ) in text
    stamp = f"Published PCC036/18, version 1, on 20 April 2018. SHA-256 of the report's data: {snapshot.data_sha256}."
    assert stamp in text
    assert EMAIL not in str(snapshot.data)
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"]) is True
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title == "PCC036/18: Essex domestic abuse commissioning approach"
    outline = _titles(reader.outline)
    assert [title for title in outline if title[0].isdigit()] == list(HEADINGS)


def test_an_exempt_section_is_withheld_and_the_publication_section_gives_the_reasons(commission):
    decision = _draft(_template(commission))
    _sections(decision, purpose="To seek approval.", proposal=("The tender prices were £12,345 per case.", True))
    decision.refresh_from_db()
    text = _text(_report(decision, public=True))
    assert "£12,345" not in text
    assert "4. Background and proposal This section is exempt (Part II) and is withheld under paragraph 3" in text
    assert (
        "Is the report for publication? Yes, except the exempt (Part II) sections Reasons for not publishing "
        "Exempt under paragraph 3 of Schedule 12A to the Local Government Act 1972. Commercially sensitive prices."
    ) in text
    assert "1. Of the decision sheet Yes" in text
    assert "Date redaction carried out Not yet: redactions are carried out when the report is published" in text
    assert "Not yet decided: the Police, Fire and Crime Commissioner for Essex signs here" in text
    internal = _text(_report(decision))
    assert "4.1 The tender prices were £12,345 per case." in internal


def test_html_and_file_urls_in_pcc_prose_are_shown_as_text_and_nothing_is_fetched(
    commission,
    counting_server,  # noqa: F811
    tmp_path,
):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_1X1)
    decision = _draft(_template(commission))
    _sections(
        decision,
        purpose=f'<img src="file://{secret}"> <img src="file:///etc/passwd">',
        equality_implications=f"![pixel]({counting_server.url}/pixel.png) <script>alert(1)</script>",
    )
    pdf = _report(decision)
    assert counting_server.requests == []
    assert _image_count(pdf) == 0
    flat = "".join(_text(pdf).split())
    assert '1.1<imgsrc="file:///etc/passwd">' in flat.replace(f'<imgsrc="file://{secret}">', "")
    assert "10.1[Image:pixel]<script>alert(1)</script>" in flat


def test_a_pcc_decision_has_only_the_pcc_sections(commission, as_persona):
    decision = _draft(_template(commission))
    with pytest.raises(ValidationError) as error:
        ps.sections_update(decision=decision, sections={"executive_summary": ps.SectionInput("Summary")}, by=None)
    assert error.value.messages == ["A PCC decision report has no section executive_summary."]
    assert not DecisionSection.objects.exists()
    page = as_persona("officer").get(reverse("decision-sections", args=[commission.pk, decision.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    labels = [label for label in (title.split(". ", 1)[1] for title in HEADINGS) if label != "Recommendations"]
    positions = [html.index(label) for label in labels]
    assert positions == sorted(positions)
    assert "Executive summary" not in html
    assert "numbered in the report (3.1, 3.2, …)" in html


def test_the_api_and_the_pages_give_the_pcc_report_and_the_notice_separately(seed_003, as_persona, officer):
    client = as_persona("officer")
    api = client.get(f"/api/v1/decisions/{seed_003.pk}/pdf/")
    assert api.status_code == 200
    assert "2.1 Approve the proposal" in _text(api.content)
    preview = client.get(reverse("decision-preview", args=[seed_003.commission_id, seed_003.pk]))
    assert "10. Equality and diversity implications" in preview.content.decode()
    notice = client.get(reverse("decision-notice-pdf", args=[seed_003.commission_id, seed_003.pk]))
    assert "Issue details" in _text(notice.content)
    assert "1. Purpose of report" not in _text(notice.content)
    snapshot = ps.decision_publish(decision=seed_003, by=officer, published_on=dt.date(2018, 4, 20))
    published = client.get(f"/api/v1/decisions/{seed_003.pk}/pdf/")
    assert published.content == bytes(snapshot.pdf)
    assert published["X-Content-SHA256"] == snapshot.sha256


def test_a_cabinet_decision_keeps_its_own_sections_and_refuses_the_pcc_ones(commission, as_persona):
    decision = support.draft(support.cabinet_template(commission))
    with pytest.raises(ValidationError) as error:
        ps.sections_update(decision=decision, sections={"purpose": ps.SectionInput("To seek approval.")}, by=None)
    assert error.value.messages == ["A Report to the Cabinet Member has no section purpose."]
    assert not DecisionSection.objects.exists()
    html = as_persona("officer").get(reverse("decision-sections", args=[commission.pk, decision.pk])).content.decode()
    assert html.index("Executive summary") < html.index("Legal and procurement") < html.index("List of background")
    assert "Police and Crime Plan" not in html
    assert "Purpose of report" not in html
