"""The request workflow's services: issue → e-mail → return → accept / decline / query, and its guards."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from commissioning.models import LedgerTransaction
from partners import services
from partners.models import ContributionRequest, OutgoingEmail, Pledge, ProFormaReturn, RequestEvent, RequestLetter
from tests.request_support import IMMEDIATE_TASKS, agree, decline, draft_requests, issue_options

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def drafted(commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    return draft_requests(commission, [(partner_a, "7000"), (partner_b, "12000")])


def test_issuing_freezes_the_requests_and_emails_each_finance_lead_once(
    commission, drafted, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        letters = services.letters_issue(commission=commission, options=issue_options(), by=officer)
    assert len(letters) == 2
    assert set(ContributionRequest.objects.values_list("status", flat=True)) == {"issued"}
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert "/pro-forma/" in message.body
    assert message.attachments[0][2] == "application/pdf"
    for letter in letters:
        letter.refresh_from_db()
        assert letter.letter_pdf
        assert len(letter.letter_sha256) == 64
    # Running the job again sends nothing more.
    from partners import tasks

    tasks.letters_send_task.call([letter.pk for letter in letters])
    assert len(mail.outbox) == 2
    assert OutgoingEmail.objects.filter(status="sent").count() == 2


def test_agree_and_accept_makes_one_pledge_per_year_posted_to_the_ledger(
    commission, drafted, officer, partner_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        letters = services.letters_issue(commission=commission, options=issue_options(), by=officer)
    letter = next(letter for letter in letters if letter.partner == partner_a)
    returned = services.return_submit(letter=letter, data=agree(letter), by=None, via="link")
    assert returned.lines.count() == commission.years.count()
    pledges = services.return_accept(pro_forma_return=returned, by=officer)
    assert [p.amount for p in pledges] == [Decimal("7000.00")] * commission.years.count()
    assert LedgerTransaction.objects.filter(kind="pledge_accepted").count() == len(pledges)
    with pytest.raises(ValidationError, match="not waiting for review"):
        services.return_accept(pro_forma_return=returned, by=officer)
    assert Pledge.objects.count() == len(pledges)
    with pytest.raises(ValidationError, match="returned already"):
        services.return_submit(letter=letter, data=agree(letter), by=None, via="link")
    assert ProFormaReturn.objects.count() == 1
    pdf = services.receipt_pdf(returned)
    assert pdf.startswith(b"%PDF")
    letter.refresh_from_db()
    assert letter.status == "accepted"
    assert list(letter.events.values_list("action", flat=True)) == [
        "issued",
        "letter_rendered",
        "emailed",
        "returned",
        "accepted",
    ]


def test_decline_records_no_money(commission, drafted, officer, partner_b):
    letters = services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)
    letter = next(letter for letter in letters if letter.partner == partner_b)
    returned = services.return_submit(letter=letter, data=decline(letter), by=None, via="link")
    assert services.return_accept(pro_forma_return=returned, by=officer) == []
    letter.refresh_from_db()
    assert letter.status == RequestLetter.Status.DECLINED
    assert not LedgerTransaction.objects.exists()
    assert RequestEvent.objects.filter(action="declined").count() == 1
