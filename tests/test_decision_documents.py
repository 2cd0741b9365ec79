"""The decision documents read back from real PDFs: the Lancashire cabinet report (seed 002) carries the seed's
figures from the ledger, in the seed's order, tagged for accessibility; officers' prose cannot inject HTML or make
the renderer fetch anything; the notice (seed 001) has its fields."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from commissioning.models import Commission
from reports import decision_documents
from reports import publication_services as ps
from reports.markdown import render_markdown
from reports.models import Decision
from tests import decision_support as support
from tests import factories
from tests.test_pdf import PNG_1X1, _image_count, counting_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

SEED_ORDER = (
    "Report to the Cabinet Member for Adult and Community Services",
    "Strategy for the Joint Commission of Specialist Domestic Abuse Services in Lancashire",
    "Executive summary",
    "Recommendations",
    "Background and advice",
    "The service model",
    "Work-stream funding allocation",
    "Consultations",
    "Implications",
    "Legal and procurement",
    "Financial",
    "Reserve drawdowns",
    "Carry-forwards of underspend",
    "Year 1 (2013/14): allocation, forecast and variance by work-stream",
    "List of background papers",
    "Reason for inclusion in Part II",
    "Sign-off",
    "Appendix B: partner contributions",
    "Appendix C: funding movements",
)


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=StringIO())
    return Commission.objects.get()


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _flat(pdf: bytes) -> str:
    """The text with its white space taken out, so wrapped lines compare."""
    return "".join(_text(pdf).split())


def test_the_published_lancashire_report_has_the_seed_figures_from_the_ledger(demo):
    """Seed 002's figures, every one generated:
    reserve 321,000 + 409,000 = 730,000 (£0.730m); carry-forward 455,447 (£0.455m);
    years 2 and 3: 75,123 + 255,416 + 1,021,665 + 150,245 = 1,502,449 at 5/17/68/10 per cent;
    year 1: 75,127 + 255,433 + 1,021,733 + 150,255 = 1,502,548."""
    decision = Decision.objects.get(reference="CM001/13")
    snapshot = decision.snapshots.get()
    pdf = bytes(snapshot.pdf)
    assert hashlib.sha256(pdf).hexdigest() == snapshot.sha256
    text = _text(pdf)
    flat = " ".join(text.split())
    position = 0
    for heading in SEED_ORDER:  # each found after the one before
        position = flat.find(heading, position)
        assert position != -1, heading

    lines = text.splitlines()
    assert "Crime and Disorder reserve 2014/15 Posted £321,000" in lines
    assert "Crime and Disorder reserve 2015/16 Posted £409,000" in lines
    assert "Total (£0.730m) £730,000" in lines
    assert "2013/14 2015/16 Outline approved £455,447" in lines
    assert "Total (£0.455m) £455,447" in lines
    streams = [
        "Workforce and Co-ordination 5% £75,127 £75,123 £75,123",
        "Early Support 17% £255,433 £255,416 £255,416",
        "Medium and High Risk Support 68% £1,021,733 £1,021,665 £1,021,665",
        "Perpetrators 10% £150,255 £150,245 £150,245",
        "Totals 100% £1,502,548 £1,502,449 £1,502,449",
    ]
    start = lines.index(streams[0])
    assert lines[start : start + 5] == streams
    assert "Totals £1,502,548 £1,047,002 £455,546" in lines  # Year 1 allocation, forecast, variance
    # Appendix B: the partners' cash pledges, the host's balance first, then in kind.
    assert "Lancashire County Council £1,401,548 £1,080,449 £537,002 £3,018,999" in lines
    assert "Preston City Council £12,000 £12,000 £12,000 £36,000" in lines
    assert "Totals £1,502,548 £1,181,449 £638,002 £3,321,999" in lines
    assert text.index("Cash contributions pledged") < text.index("Contributions in kind")
    # The prose quotes £0.730m and £0.455m as the seed does; the tables above generate the same figures.
    assert "(£0.730m)" in text
    assert "£0.455m" in text
    tables = snapshot.data["tables"]
    assert tables["drawdown_total"] == "730000.00"
    assert tables["carry_forward_total"] == "455447.00"
    shares = [Decimal(row["share"]) for row in tables["allocations"]["rows"]]
    assert shares == [Decimal(5), Decimal(17), Decimal(68), Decimal(10)]
    year2 = [Decimal(row["amounts"][1]) for row in tables["allocations"]["rows"]]
    assert sum(year2) == Decimal("1502449") == Decimal(tables["allocations"]["totals"][1])
    # Footer: reference, version and the data's SHA-256; pages numbered.
    assert f"SHA-256 of the report's data: {snapshot.data_sha256}" in " ".join(text.split())
    assert "Published CM001/13, version 1, on 12 November 2013." in text
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert f"Page {pages} of {pages}" in text


def test_the_published_report_is_a_tagged_pdf_with_a_title_language_and_outline(demo):
    pdf = bytes(Decision.objects.get(reference="CM001/13").snapshots.get().pdf)
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"]) is True
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title == (
        "CM001/13: Strategy for the Joint Commission of Specialist Domestic Abuse Services in Lancashire"
    )
    outline = _titles(reader.outline)
    assert outline[0] == "Strategy for the Joint Commission of Specialist Domestic Abuse Services in Lancashire"
    order = [outline.index(title) for title in ("Executive summary", "Financial", "Appendix C: funding movements")]
    assert order == sorted(order)


def _titles(outline):  # type: ignore[no-untyped-def]
    """The outline's entries, depth first."""
    return [title for item in outline for title in (_titles(item) if isinstance(item, list) else [item.title])]


# Factory-built decisions ------------------------------------------------------------------------------------------


@pytest.fixture
def template(commission):  # type: ignore[no-untyped-def]
    return support.cabinet_template(commission)


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


def test_markdown_escapes_html_and_keeps_only_web_and_mail_links():
    html = str(
        render_markdown(
            "<script>alert(1)</script>\n\n"
            '<img src="file:///etc/passwd">\n\n'
            "![secret](file:///etc/passwd) [run](javascript:alert(1)) [local](file:///etc/hosts) "
            "[site](https://example.org) [mail](mailto:a@example.org) **bold**"
        )
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert "javascript:" not in html.replace("[run](javascript:alert(1))", "")
    assert 'href="file:' not in html
    assert 'href="javascript:' not in html
    assert '<a href="https://example.org">site</a>' in html
    assert '<a href="mailto:a@example.org">mail</a>' in html
    assert "<strong>bold</strong>" in html
    assert str(render_markdown("   ")) == ""


def test_prose_with_html_and_file_urls_reaches_the_pdf_as_text_and_nothing_is_fetched(
    template,
    counting_server,  # noqa: F811
    tmp_path,
):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_1X1)
    decision = support.draft(template)
    _sections(
        decision,
        executive_summary=(
            f'<img src="file://{secret}"> <img src="file:///etc/passwd">\n\n'
            f'<link rel="stylesheet" href="{counting_server.url}/evil.css">\n\n'
            f"![pixel]({counting_server.url}/pixel.png) ![local](file://{secret})"
        ),
    )
    data = decision_documents.document_context(decision, public=False)
    pdf = decision_documents.cabinet_report_pdf(data)
    assert counting_server.requests == []
    assert _image_count(pdf) == 0
    flat = _flat(pdf)
    assert '<imgsrc="file:///etc/passwd">' in flat
    assert f'<linkrel="stylesheet"href="{counting_server.url}/evil.css">' in flat
    assert "[Image:pixel]" in flat


def test_the_public_version_replaces_redactions_and_withholds_exempt_sections(template):
    decision = support.decided(template)
    decision.refresh_from_db()
    ps.redaction_add(decision=decision, text="Mrs Jane Example", reason="personal data", by=None)
    # Sections can be written only in draft, so write them through a fresh draft of the same shape.
    draft = support.draft(template)
    _sections(
        draft,
        executive_summary="The victim, Mrs Jane Example, asked for support.",
        consultations=("The tender prices were £12,345 per case.", True),
    )
    ps.redaction_add(decision=draft, text="Mrs Jane Example", reason="personal data", by=None)
    draft.refresh_from_db()
    public = decision_documents.cabinet_report_pdf(decision_documents.document_context(draft, public=True))
    text = " ".join(_text(public).split())
    assert "Jane Example" not in text
    assert "The victim, [Redacted: personal data], asked for support." in text
    assert "£12,345" not in text
    assert "This section is exempt (Part II) and is withheld under paragraph 3 of Schedule 12A" in text
    assert "This published version has been redacted" in text
    assert "Part II" in text
    assert "Commercially sensitive prices." in text
    internal = " ".join(
        _text(decision_documents.cabinet_report_pdf(decision_documents.document_context(draft, public=False))).split()
    )
    assert "Mrs Jane Example" in internal
    assert "£12,345" in internal
    assert "This published version has been redacted" not in internal


def test_the_notice_has_seed_001s_fields(template):
    decision = support.decided(template, divisions_affected="All divisions", contact_name="Mel Ormesher")
    decision.refresh_from_db()
    pdf = decision_documents.notice_pdf(decision_documents.document_context(decision, public=False))
    text = " ".join(_text(pdf).split())
    for expected in (
        "Issue details",
        "Decision type Non-key",
        "Decision status Recommendations Approved",
        "Divisions affected All divisions",
        "Notice of proposed decision first published 11 November 2013",
        "Decision due 12 November 2013",
        "Decision maker Cabinet Member for Adult and Community Services",
        "Contact Mel Ormesher",
        "Reasons for the decision",
        "Alternative options considered and rejected",
        "Declared conflicts of interest",
    ):
        assert expected in text, expected
    catalog = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en-GB"


def test_a_draft_report_reads_its_tables_live_and_says_it_is_not_published(template, commission):
    factories.ReserveFactory(commission=commission, name="Crime and Disorder reserve")
    decision = support.draft(template)
    text = " ".join(
        _text(
            decision_documents.cabinet_report_pdf(decision_documents.document_context(decision, public=False))
        ).split()
    )
    assert "draft, not the published version" in text.lower()
    assert "No reserve drawdowns." in text
    assert "The funding plan has not been frozen, so there are no movements to show." in text


def test_appendix_b_lists_cash_then_in_kind_and_appendix_c_the_movements_between_two_plans(template, partner_a):
    """Partner A pledges £7,000 for 2013/14 between the first and second frozen plans, so Appendix C shows its
    secured figure moving from – to £7,000, and Appendix B its cash line, then its contribution in kind."""
    from partners import services as partner_services
    from partners.models import InKindPledge
    from reports.services import plan_version_freeze

    commission = template.commission
    plan_version_freeze(commission=commission, label="Initial approval", by=None)
    year = commission.years.order_by("number").first()
    partner_services.pledge_record(
        partner=partner_a, financial_year=year, amount=Decimal("7000"), note="Recorded by hand", by=None
    )
    InKindPledge.objects.create(
        commission=commission, partner=partner_a, description="Training room, one day a month", value=Decimal("1200")
    )
    plan_version_freeze(commission=commission, label="Current position", by=None)
    decision = support.draft(template)
    text = " ".join(
        _text(
            decision_documents.cabinet_report_pdf(decision_documents.document_context(decision, public=False))
        ).split()
    )
    name = partner_a.name
    assert f"{name} £7,000 £0 £0 £7,000" in text
    assert f"{name} Training room, one day a month £1,200" in text
    assert text.index("Cash contributions pledged") < text.index("Contributions in kind")
    appendix_c = text[text.index("Appendix C: funding movements") :]
    assert "From Version 1: Initial approval to Version 2: Current position: the figures that changed" in appendix_c
    assert f"Partners: Secured {name} 2013/14 – £7,000 £7,000" in appendix_c


def test_redaction_cannot_be_dodged_with_markdown_entities_nor_inject_markup_through_its_reason(template):
    decision = support.draft(template)
    _sections(decision, background="Spelt with an entity: &#74;ane Example. Plain: Jane Example.")
    ps.redaction_add(decision=decision, text="Jane Example", reason="<b>personal</b> data", by=None)
    decision.refresh_from_db()
    html = decision_documents.document_context(decision, public=True)["sections"]["background"]["html"]
    assert "Jane Example" not in html
    assert "<b>" not in html
    assert html.count("[Redacted: &lt;b&gt;personal&lt;/b&gt; data]") == 2
