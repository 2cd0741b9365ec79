"""Publishing a decision: sections and Part II, redactions, the move to published with its snapshot, the published
PDF served from the snapshot byte for byte after the ledger changes, and who may do what on the pages."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from pypdf import PdfReader

from partners import services as partner_services
from reports import decision_documents
from reports import publication_services as ps
from reports.models import Decision, DecisionEvent, DecisionRedaction, DecisionSection, DecisionSnapshot
from tests.decision_support import cabinet_template, decided, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(commission):  # type: ignore[no-untyped-def]
    return cabinet_template(commission)


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _pledge(partner, commission, amount: str):  # type: ignore[no-untyped-def]
    year = commission.years.order_by("number").first()
    return partner_services.pledge_record(
        partner=partner, financial_year=year, amount=Decimal(amount), note="Recorded by hand", by=None
    )


def _urls(decision: Decision) -> dict[str, str]:
    c, pk = decision.commission_id, decision.pk
    return {
        name: reverse(f"decision-{name}", args=[c, pk])
        for name in ("preview", "pdf", "published-pdf", "notice-pdf", "sections", "redactions", "publish")
    }


# Sections and Part II -------------------------------------------------------------------------------------------


def test_sections_are_written_on_a_draft_and_kept_in_the_audit_trail(template, officer):
    decision = draft(template)
    ps.sections_update(
        decision=decision,
        sections={
            "executive_summary": ps.SectionInput("This report seeks approval."),
            "consultations": ps.SectionInput(),
        },
        by=officer,
    )
    section = DecisionSection.objects.get(decision=decision)  # an empty section is not stored
    assert (section.key, section.body, section.exempt) == ("executive_summary", "This report seeks approval.", False)
    assert section.history.count() == 1


def test_an_exempt_section_needs_the_schedule_12a_paragraph_and_reason_and_nothing_is_written_without(template):
    decision = draft(template)
    with pytest.raises(ValidationError) as error:
        ps.sections_update(
            decision=decision, sections={"consultations": ps.SectionInput("Prices", exempt=True)}, by=None
        )
    assert error.value.message_dict == {
        "schedule_12a_paragraph": ["Choose the paragraph of Schedule 12A (1 to 7) the exempt sections fall under."],
        "public_interest_reason": [
            "Say why the public interest in withholding the exempt sections outweighs disclosing them."
        ],
    }
    with pytest.raises(ValidationError):
        ps.sections_update(
            decision=decision,
            sections={"consultations": ps.SectionInput("Prices", exempt=True)},
            schedule_12a_paragraph=8,
            public_interest_reason="Commercial",
            by=None,
        )
    assert not DecisionSection.objects.exists()
    ps.sections_update(
        decision=decision,
        sections={"consultations": ps.SectionInput("Prices", exempt=True)},
        schedule_12a_paragraph=3,
        public_interest_reason="Commercially sensitive.",
        by=None,
    )
    decision.refresh_from_db()
    assert (decision.schedule_12a_paragraph, decision.public_interest_reason) == (3, "Commercially sensitive.")


def test_sections_of_a_decided_decision_cannot_change(template, officer):
    decision = decided(template)
    with pytest.raises(ValidationError, match="so it cannot be changed"):
        ps.sections_update(decision=decision, sections={"background": ps.SectionInput("Late")}, by=officer)
    assert not DecisionSection.objects.exists()


def test_people_without_the_change_permission_cannot_write_sections_redactions_or_publish(template, manager, auditor):
    decision = decided(template)
    for user in (manager, auditor):
        with pytest.raises(PermissionDenied):
            ps.redaction_add(decision=decision, text="x", reason="y", by=user)
        with pytest.raises(PermissionDenied):
            ps.decision_publish(decision=decision, by=user)
    assert not DecisionRedaction.objects.exists()
    assert not DecisionSnapshot.objects.exists()


# Redactions ------------------------------------------------------------------------------------------------------


def test_redactions_need_words_and_a_reason_and_stop_changing_once_published(template, officer):
    decision = decided(template)
    with pytest.raises(ValidationError) as error:
        ps.redaction_add(decision=decision, text=" ", reason="", by=officer)
    assert error.value.message_dict == {
        "text": ["Enter the words to remove from the published report."],
        "reason": ["Give the reason, for example personal data; it is printed in place of the words."],
    }
    redaction = ps.redaction_add(decision=decision, text="Mrs Jane Example", reason="personal data", by=officer)
    with pytest.raises(ValidationError, match="already redacted"):
        ps.redaction_add(decision=decision, text="Mrs Jane Example", reason="again", by=officer)
    ps.redaction_remove(redaction=redaction, by=officer)
    assert not DecisionRedaction.objects.exists()
    assert redaction.history.count() == 2  # added, then removed: both kept
    kept = ps.redaction_add(decision=decision, text="Jane", reason="personal data", by=officer)
    ps.decision_publish(decision=decision, by=officer)
    with pytest.raises(ValidationError, match="is published, so its redactions can no longer change"):
        ps.redaction_add(decision=decision, text="Other", reason="personal data", by=officer)
    with pytest.raises(ValidationError, match="is published"):
        ps.redaction_remove(redaction=kept, by=officer)
    assert DecisionRedaction.objects.get() == kept


# Publishing ------------------------------------------------------------------------------------------------------


def test_publishing_stores_the_public_report_with_its_hashes_and_moves_the_decision(template, officer):
    decision = decided(template, contact_name="Mrs Jane Example")
    ps.redaction_add(decision=decision, text="Jane Example", reason="personal data", by=officer)
    snapshot = ps.decision_publish(decision=decision, by=officer)
    decision.refresh_from_db()
    assert (decision.status, decision.published_by) == ("published", officer)
    assert decision.published_on is not None
    assert (snapshot.version, snapshot.created_by) == (1, officer)
    pdf = bytes(snapshot.pdf)
    assert snapshot.sha256 == hashlib.sha256(pdf).hexdigest()
    assert snapshot.data_sha256 == decision_documents.data_digest(snapshot.data)
    assert snapshot.data["contact"]["name"] == "Mrs [Redacted: personal data]"
    assert snapshot.data["redacted"] is True
    text = _text(pdf)
    assert "Jane Example" not in text
    assert "This published version has been redacted" in text
    assert f"Published {decision.reference}, version 1," in text
    assert snapshot.data_sha256 in text.replace(" ", "")
    assert decision.events.last().action == DecisionEvent.Action.PUBLISHED
    assert decision.approves_funding  # a published decision still approves what it approved


def test_only_a_decided_decision_is_published_and_only_once(template, officer):
    undecided = draft(template)
    with pytest.raises(ValidationError, match="only a decision that is decided can be published"):
        ps.decision_publish(decision=undecided, by=officer)
    decision = decided(template)
    ps.decision_publish(decision=decision, by=officer)
    with pytest.raises(ValidationError, match="is published; only a decision that is decided can be published"):
        ps.decision_publish(decision=decision, by=officer)
    assert DecisionSnapshot.objects.count() == 1
    assert list(DecisionSnapshot.objects.values_list("decision", "version")) == [(decision.pk, 1)]


def test_the_database_refuses_to_change_or_delete_a_snapshot(template):
    snapshot = ps.decision_publish(decision=decided(template), by=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        DecisionSnapshot.objects.filter(pk=snapshot.pk).update(sha256="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        DecisionSnapshot.objects.filter(pk=snapshot.pk).delete()
    assert DecisionSnapshot.objects.get().sha256 == snapshot.sha256


def test_the_published_pdf_is_byte_identical_after_the_ledger_changes(as_persona, template, partner_a, commission):
    """Before publishing partner A pledged £7,000 for 2013/14; after, £5,000 more. The published PDF still shows
    £7,000 and is the same bytes; the live report shows £12,000 (7,000 + 5,000)."""
    _pledge(partner_a, commission, "7000")
    decision = decided(template)
    snapshot = ps.decision_publish(decision=decision, by=None)
    client = as_persona("auditor")
    urls = _urls(decision)
    first = client.get(urls["published-pdf"])
    assert first.status_code == 200
    assert first.content == bytes(snapshot.pdf)
    assert first["X-Content-SHA256"] == snapshot.sha256
    assert "£7,000" in _text(first.content)

    _pledge(partner_a, commission, "5000")
    again = client.get(urls["published-pdf"])
    assert again.content == first.content
    assert hashlib.sha256(again.content).hexdigest() == snapshot.sha256
    # The report's own PDF link serves the snapshot too, once published.
    assert client.get(urls["pdf"]).url == urls["published-pdf"]
    live = decision_documents.document_context(decision, public=True)
    assert live["tables"]["contributions"]["cash"][0]["amounts"][0] == Decimal("12000.00")
    assert snapshot.data["tables"]["contributions"]["cash"][0]["amounts"][0] == "7000.00"


def test_a_draft_renders_live_every_time(as_persona, template, partner_a, commission):
    decision = draft(template)
    client = as_persona("officer")
    _pledge(partner_a, commission, "7000")
    assert "£7,000" in _text(client.get(_urls(decision)["pdf"]).content)
    _pledge(partner_a, commission, "5000")
    assert "£12,000" in _text(client.get(_urls(decision)["pdf"]).content)
    assert client.get(_urls(decision)["published-pdf"]).status_code == 404


def test_a_pcc_decision_offers_its_report_and_the_notice_as_separate_documents(commission, officer, as_persona):
    template = cabinet_template(commission, name="PCC decision", kind="pcc", reference_pattern="PCC{number:03d}/{yy}")
    decision = decided(template)
    urls = _urls(decision)
    client = as_persona("officer")
    assert "1. Purpose of report" in _text(client.get(urls["pdf"]).content)
    assert "Issue details" in _text(client.get(urls["notice-pdf"]).content)
    preview = client.get(urls["preview"]).content.decode()
    assert "10. Equality and diversity implications" in preview
    snapshot = ps.decision_publish(decision=decision, by=officer)
    assert "Decision and final sign-off" in _text(bytes(snapshot.pdf))
    notice = client.get(urls["notice-pdf"]).content
    assert notice != bytes(snapshot.pdf)
    assert "Issue details" in _text(notice)
    assert client.get(urls["published-pdf"]).content == bytes(snapshot.pdf)


# Pages ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["lead_a", "lead_b", "outsider"])
def test_partner_logins_and_outsiders_are_refused_every_publication_page(as_persona, template, persona):
    decision = decided(template)
    client = as_persona(persona)
    urls = _urls(decision)
    for name in ("preview", "pdf", "published-pdf", "notice-pdf", "sections", "redactions"):
        assert client.get(urls[name]).status_code == 403, name
    for name in ("sections", "redactions", "publish"):
        assert client.post(urls[name], {"text": "x", "reason": "y"}).status_code == 403, name
    decision.refresh_from_db()
    assert decision.status == "decided"
    assert not DecisionRedaction.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, template):
    for name, url in _urls(decided(template)).items():
        response = client.post(url) if name == "publish" else client.get(url)
        assert response.status_code == 302
        assert "/login" in response.url or "/accounts/" in response.url


def test_auditors_and_managers_read_but_cannot_write(as_persona, template):
    decision = decided(template)
    urls = _urls(decision)
    for persona in ("auditor", "manager"):
        client = as_persona(persona)
        assert client.get(urls["preview"]).status_code == 200
        response = client.get(urls["pdf"])
        assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
        assert client.get(urls["notice-pdf"]).status_code == 200
        assert client.get(urls["sections"]).status_code == 403
        assert client.get(urls["redactions"]).status_code == 403
        assert client.post(urls["redactions"], {"text": "x", "reason": "y"}).status_code == 403
        assert client.post(urls["publish"]).status_code == 403
        page = client.get(reverse("decision-detail", args=[decision.commission_id, decision.pk])).content.decode()
        assert "Publish the decision" not in page
    decision.refresh_from_db()
    assert decision.status == "decided"


def test_an_officer_writes_sections_redacts_and_publishes_through_the_pages(as_persona, template):
    decision = draft(template)
    urls = _urls(decision)
    client = as_persona("officer")
    assert client.get(urls["sections"]).status_code == 200
    body = {"executive_summary": "Hello <script>alert(1)</script> **world**", "schedule_12a_paragraph": ""}
    response = client.post(urls["sections"], body)
    assert response.status_code == 302
    preview = client.get(urls["preview"]).content.decode()
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt; <strong>world</strong>" in preview
    assert "<script>" not in preview
    # An exempt section without Part II details shows the service's messages and writes nothing.
    response = client.post(urls["sections"], {**body, "consultations": "Prices", "consultations_exempt": "on"})
    assert response.status_code == 200
    assert "Choose the paragraph of Schedule 12A (1 to 7)" in response.content.decode()
    assert not DecisionSection.objects.filter(key="consultations").exists()

    response = client.post(urls["redactions"], {"text": "world", "reason": "test"})
    assert response.status_code == 302
    assert "[Redacted: test]" in client.get(urls["preview"] + "?version=public").content.decode()
    # Not decided yet: publishing is refused with the service's message.
    response = client.post(urls["publish"], follow=True)
    assert "only a decision that is decided can be published" in response.content.decode()
    assert not DecisionSnapshot.objects.exists()


def test_publishing_from_the_decision_page(as_persona, template):
    decision = decided(template)
    client = as_persona("officer")
    detail = reverse("decision-detail", args=[decision.commission_id, decision.pk])
    assert "Publish the decision" in client.get(detail).content.decode()
    response = client.post(_urls(decision)["publish"], follow=True)
    page = response.content.decode()
    assert f"{decision.reference} published as version 1." in page
    snapshot = DecisionSnapshot.objects.get(decision=decision)
    assert snapshot.sha256 in page
    assert "Publish the decision" not in page


def test_the_preview_page_queries_stay_flat(as_persona, template, commission, django_assert_max_num_queries):
    from tests import factories

    decision = decided(template)
    client = as_persona("manager")
    url = _urls(decision)["preview"]
    for _ in range(2):
        partner = factories.MembershipFactory(commission=commission).partner
        _pledge(partner, commission, "1000")
    with django_assert_max_num_queries(40) as captured:
        assert client.get(url).status_code == 200
    before = len(captured.captured_queries)
    for _ in range(6):
        partner = factories.MembershipFactory(commission=commission).partner
        _pledge(partner, commission, "1000")
    with django_assert_max_num_queries(before):
        assert client.get(url).status_code == 200


# API ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "code"), [("lead_a", 403), ("outsider", 403), ("anonymous", 401)])
def test_partner_logins_cannot_publish_or_download_through_the_api(as_persona, template, persona, code):
    decision = decided(template)
    client = as_persona(persona)
    assert client.post(f"/api/v1/decisions/{decision.pk}/publish/").status_code == code
    assert client.get(f"/api/v1/decisions/{decision.pk}/pdf/").status_code == code
    decision.refresh_from_db()
    assert decision.status == "decided"


def test_publishing_and_downloading_through_the_api(as_persona, template, partner_a, commission):
    decision = decided(template)
    base = f"/api/v1/decisions/{decision.pk}"
    officer, auditor = as_persona("officer"), as_persona("auditor")
    live = auditor.get(f"{base}/pdf/")
    assert (live.status_code, live["Content-Type"]) == (200, "application/pdf")
    assert "X-Content-SHA256" not in live
    assert auditor.post(f"{base}/publish/").status_code == 403
    response = officer.post(f"{base}/publish/")
    assert response.status_code == 200
    body = response.json()
    snapshot = DecisionSnapshot.objects.get(decision=decision)
    assert body["status"] == "published"
    assert body["snapshots"] == [
        {
            "version": 1,
            "sha256": snapshot.sha256,
            "data_sha256": snapshot.data_sha256,
            "created_at": body["snapshots"][0]["created_at"],
        }
    ]
    _pledge(partner_a, commission, "5000")
    download = auditor.get(f"{base}/pdf/")
    assert download.content == bytes(snapshot.pdf)
    assert download["X-Content-SHA256"] == snapshot.sha256
    again = officer.post(f"{base}/publish/")
    assert again.status_code == 400
    assert "only a decision that is decided can be published" in str(again.json())
    assert DecisionSnapshot.objects.count() == 1
