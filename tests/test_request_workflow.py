"""The request workflow's services: issue → e-mail → return → accept / decline / query, and its guards."""

from __future__ import annotations

import hashlib
import importlib
import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from commissioning.ledger_guard import install_sql, remove_sql
from commissioning.models import LedgerTransaction
from partners import selectors, services
from partners.models import (
    ContributionRequest,
    InKindPledge,
    OutgoingEmail,
    Pledge,
    ProFormaReturn,
    ProFormaReturnLine,
    RequestEvent,
    RequestLetter,
    RequestLink,
)
from tests.request_support import IMMEDIATE_TASKS, agree, decline, draft_requests, issue_options

pytestmark = pytest.mark.django_db(transaction=False)
_migration = importlib.import_module("partners.migrations.0004_pro_forma_workflow")
RETURN_TABLES, FUNCTION, FUNCTION_MESSAGE = _migration.RETURN_TABLES, _migration.FUNCTION, _migration.MESSAGE


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


# Issuing: what is refused, and that nothing is written then ---------------------------------------------------


def _nothing_issued() -> None:
    assert not RequestLetter.objects.exists()
    assert set(ContributionRequest.objects.values_list("status", flat=True)) <= {"draft"}
    assert not RequestEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"deadline": timezone.localdate()}, "deadline", "The deadline must be after the date of the letter"),
        ({"grace_days": 400}, "grace_days", "between 0 and 365 days"),
        ({"reminder_days": (45,)}, "reminder_days", "would go before the letter is issued"),
        ({"reminder_days": (0,)}, "reminder_days", "at least 1 day before"),
        ({"sender_name": "  "}, "sender_name", "Enter who the letter is from"),
    ],
)
def test_bad_issue_options_are_refused_with_a_clear_error(commission, drafted, officer, overrides, field, message):
    with pytest.raises(ValidationError) as raised:
        services.letters_issue(commission=commission, options=issue_options(**overrides), by=officer)
    assert message in raised.value.message_dict[field][0]
    _nothing_issued()


def test_a_partner_without_a_finance_lead_stops_the_whole_issue(commission, drafted, officer, partner_b):
    partner_b.contacts.all().delete()
    with pytest.raises(ValidationError, match="has no finance lead with an e-mail address"):
        services.letters_issue(commission=commission, options=issue_options(), by=officer)
    _nothing_issued()
    # Sent by post instead, it can go.
    assert len(services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)) == 2


def test_nothing_to_issue_and_a_partner_asked_twice_are_refused(commission, drafted, officer, partner_a, partner_b):
    services.letters_issue(commission=commission, options=issue_options(), by=officer, partners=[partner_a])
    assert RequestLetter.objects.get().partner == partner_a
    with pytest.raises(ValidationError, match="no draft request to issue for"):
        services.letters_issue(commission=commission, options=issue_options(), by=officer, partners=[partner_a])
    draft_requests(commission, [(partner_a, "7000"), (partner_b, "12000")], name="Districts again")
    with pytest.raises(ValidationError, match="already has a request that is open or accepted"):
        services.letters_issue(commission=commission, options=issue_options(), by=officer)
    assert RequestLetter.objects.count() == 1


def test_letters_are_numbered_within_the_commission(commission, drafted, officer, partner_a, partner_b):
    first = services.letters_issue(commission=commission, options=issue_options(), by=officer, partners=[partner_a])
    second = services.letters_issue(commission=commission, options=issue_options(), by=officer)
    assert [letter.number for letter in first + second] == [1, 2]
    assert second[0].reference == f"R{commission.pk}/002"


# Secure links ------------------------------------------------------------------------------------------------


def _issued_with_token(commission, officer, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        letters = services.letters_issue(commission=commission, options=issue_options(), by=officer)
    tokens = {}
    for message in mail.outbox:
        token = message.body.split("/pro-forma/")[1].split("/")[0]
        tokens[message.to[0]] = token
    return {letter.partner_id: (letter, tokens[letter.recipient_email]) for letter in letters}


def test_the_token_is_long_random_kept_only_as_a_hash_and_opens_exactly_its_letter(
    commission, drafted, officer, partner_a, partner_b, django_capture_on_commit_callbacks
):
    issued = _issued_with_token(commission, officer, django_capture_on_commit_callbacks)
    letter_a, token_a = issued[partner_a.pk]
    letter_b, token_b = issued[partner_b.pk]
    assert len(token_a) >= 43  # 32 random bytes, URL-safe base64: 256 bits
    assert token_a != token_b
    assert services.letter_for_token(token_a) == letter_a
    assert services.letter_for_token(token_b) == letter_b
    stored = RequestLink.objects.get(letter=letter_a)
    assert stored.token_hash == hashlib.sha256(token_a.encode()).hexdigest()
    assert not RequestLink.objects.filter(token_hash=token_a).exists()
    for row in OutgoingEmail.objects.values():
        assert token_a not in str(row)
    tampered = token_a[:-1] + ("A" if token_a[-1] != "A" else "B")
    assert services.letter_for_token(tampered) is None
    assert services.letter_for_token("") is None
    assert services.letter_for_token("x" * 500) is None


def test_a_link_expires_after_the_deadline_and_grace_period_and_a_revoked_link_opens_nothing(
    commission, drafted, officer, partner_a, django_capture_on_commit_callbacks
):
    letter, token = _issued_with_token(commission, officer, django_capture_on_commit_callbacks)[partner_a.pk]
    assert services.letter_for_token(token, today=letter.closes_on) == letter
    assert services.letter_for_token(token, today=letter.closes_on + timedelta(days=1)) is None
    link = RequestLink.objects.get(letter=letter)
    link.revoked_at = timezone.now()
    link.save()
    assert services.letter_for_token(token) is None


def test_rejected_attempts_are_counted_per_client_and_limited():
    client, other = services.client_key("203.0.113.9"), services.client_key("198.51.100.1")
    assert client != "203.0.113.9"
    for _ in range(services.LINK_ATTEMPTS_ALLOWED - 1):
        services.link_attempt_rejected(client)
    assert not services.link_attempts_exceeded(client)
    services.link_attempt_rejected(client)
    assert services.link_attempts_exceeded(client)
    assert not services.link_attempts_exceeded(other)


def test_viewing_moves_an_issued_letter_to_viewed_once(commission, drafted, officer, partner_a):
    letter = services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)[0]
    services.letter_viewed(letter, by=None)
    services.letter_viewed(letter, by=None)
    letter.refresh_from_db()
    assert letter.status == RequestLetter.Status.VIEWED
    assert letter.events.filter(action="viewed").count() == 1


# E-mail: at most once, failures said and never retried by themselves ------------------------------------------


def test_a_failed_email_is_marked_failed_its_link_revoked_and_a_rerun_sends_nothing(
    commission, drafted, officer, settings, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("SMTP server refused the connection")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        letters = services.letters_issue(commission=commission, options=issue_options(), by=officer)
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"failed"}
    assert "refused the connection" in OutgoingEmail.objects.first().error
    assert not RequestLink.objects.filter(revoked_at__isnull=True).exists()
    assert RequestEvent.objects.filter(action="email_failed").count() == 2
    monkeypatch.undo()
    from partners import tasks

    tasks.letters_send_task.call([letter.pk for letter in letters])
    assert len(mail.outbox) == 0
    # An officer sends a new link: that one goes.
    with django_capture_on_commit_callbacks(execute=True):
        services.link_resend(letters[0], by=officer)
    assert len(mail.outbox) == 1
    assert services.letter_for_token(mail.outbox[0].body.split("/pro-forma/")[1].split("/")[0]) == letters[0]


# Reminders ---------------------------------------------------------------------------------------------------


def test_reminders_go_once_on_their_day_skip_those_missed_and_stop_after_a_return(
    commission, drafted, officer, partner_a, partner_b
):
    letters = services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)
    for letter in letters:
        letter.recipient_email = f"lead{letter.pk}@example.org"
        letter.save()
    letter_a = next(letter for letter in letters if letter.partner == partner_a)
    deadline = letter_a.deadline
    assert services.reminders_send_due(today=deadline - timedelta(days=15)) == 0
    assert services.reminders_send_due(today=deadline - timedelta(days=14)) == 2
    assert services.reminders_send_due(today=deadline - timedelta(days=14)) == 0
    assert len(mail.outbox) == 2
    assert "due in 14 days" in mail.outbox[0].subject
    # B returns; A's worker was down for a week: only the nearest reminder goes, the missed one is marked.
    letter_b = next(letter for letter in letters if letter.partner == partner_b)
    services.return_submit(letter=letter_b, data=agree(letter_b), by=None, via="link")
    call_command("send_reminders", stdout=StringIO())  # today: not due yet, nothing goes
    assert services.reminders_send_due(today=deadline - timedelta(days=1)) == 1
    assert mail.outbox[-1].to == [letter_a.recipient_email]
    assert "due in 1 day " in mail.outbox[-1].subject
    statuses = dict(OutgoingEmail.objects.filter(letter=letter_a).values_list("key", "status"))
    assert statuses == {
        f"letter-{letter_a.pk}:reminder-14": "sent",
        f"letter-{letter_a.pk}:reminder-7": "skipped",
        f"letter-{letter_a.pk}:reminder-1": "sent",
    }
    assert services.reminders_send_due(today=deadline + timedelta(days=1)) == 0


# Returns: validation, counter-offers, immutability, queries -----------------------------------------------------


@pytest.fixture
def letter_a(commission, drafted, officer, partner_a):  # type: ignore[no-untyped-def]
    letters = services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)
    return next(letter for letter in letters if letter.partner == partner_a)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"option": "maybe"}, "option", "Select Option 1 (agree) or Option 2 (decline)"),
        ({"years_agreed": 0}, "years_agreed", "Select how many years you agree to, from 1 to 3"),
        ({"years_agreed": 4}, "years_agreed", "from 1 to 3"),
        ({"different_amount": Decimal("-5")}, "different_amount", "must be more than £0"),
        ({"signature": "Someone Else"}, "signature", "exactly as above"),
        ({"signatory_name": " "}, "signatory_name", "Enter the signatory's full name"),
        ({"organisation": ""}, "organisation", "Enter the organisation"),
        ({"authority_confirmed": False}, "authority_confirmed", "Confirm that you have authority"),
        ({"signed_on": timezone.localdate() + timedelta(days=1)}, "signed_on", "cannot be in the future"),
        ({"in_kind_value": Decimal("100")}, "in_kind_description", "Describe the in-kind offer"),
        ({"in_kind_value": Decimal("-1"), "in_kind_description": "Rooms"}, "in_kind_value", "cannot be negative"),
    ],
)
def test_a_bad_return_is_refused_field_by_field_and_nothing_is_written(letter_a, overrides, field, message):
    with pytest.raises(ValidationError) as raised:
        services.return_submit(letter=letter_a, data=agree(letter_a, **overrides), by=None, via="link")
    assert message in raised.value.message_dict[field][0]
    assert not ProFormaReturn.objects.exists()
    letter_a.refresh_from_db()
    assert letter_a.status == RequestLetter.Status.ISSUED


def test_fewer_years_or_another_amount_is_a_counter_offer_and_pledges_what_was_offered(letter_a, officer):
    returned = services.return_submit(
        letter=letter_a, data=agree(letter_a, years_agreed=2, different_amount=Decimal("6500")), by=None, via="link"
    )
    assert returned.counter_offer
    assert [line.offered for line in returned.lines.order_by("financial_year__number")] == [
        Decimal("6500.00"),
        Decimal("6500.00"),
        Decimal("0.00"),
    ]
    pledges = services.return_accept(pro_forma_return=returned, by=officer)
    assert [pledge.amount for pledge in pledges] == [Decimal("6500.00")] * 2
    board = selectors.returns_dashboard(letter_a.commission)
    line = next(line for line in board.shortfall if line.letter == letter_a)
    assert (line.reason, line.amount) == ("Counter-offer: pledged less than asked", Decimal("8000.00"))


def test_agreeing_exactly_as_asked_is_not_a_counter_offer(letter_a):
    returned = services.return_submit(letter=letter_a, data=agree(letter_a), by=None, via="link")
    assert not returned.counter_offer
    same = services.return_submit  # a second submission is refused
    with pytest.raises(ValidationError, match="returned already"):
        same(letter=letter_a, data=agree(letter_a), by=None, via="link")


def test_a_return_after_the_link_closed_is_refused(letter_a):
    with pytest.raises(ValidationError, match="This request closed on"):
        services.return_submit(
            letter=letter_a, data=agree(letter_a), by=None, via="link", today=letter_a.closes_on + timedelta(days=1)
        )
    assert not ProFormaReturn.objects.exists()


def test_a_submitted_return_cannot_be_changed_by_the_model_or_by_sql(letter_a):
    returned = services.return_submit(letter=letter_a, data=agree(letter_a), by=None, via="link")
    returned.comment = "changed"
    with pytest.raises(ValidationError, match="cannot be changed"):
        returned.save()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        returned.delete()
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        ProFormaReturn.objects.filter(pk=returned.pk).update(comment="changed")
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        ProFormaReturnLine.objects.filter(pro_forma_return=returned).update(offered=1)
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        ProFormaReturnLine.objects.filter(pro_forma_return=returned).delete()
    assert ProFormaReturn.objects.get().comment == ""


def test_the_digest_is_the_sha256_of_what_was_returned_and_finds_a_change_made_behind_the_triggers(letter_a):
    returned = services.return_submit(letter=letter_a, data=agree(letter_a, comment="First"), by=None, via="link")
    returned = ProFormaReturn.objects.get(pk=returned.pk)  # as stored: pence, microseconds and all
    content = services.return_content(returned, list(returned.lines.order_by("financial_year__number")))
    assert content["lines"][0][1:] == ["7000.00", "7000.00"]
    assert returned.digest == hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    assert services.return_digest_matches(returned)
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for statement in remove_sql(vendor, RETURN_TABLES, FUNCTION):
            cursor.execute(statement)
        cursor.execute("UPDATE partners_proformaretu" + "rnline SET offered = 1")
        for statement in install_sql(vendor, RETURN_TABLES, FUNCTION_MESSAGE, FUNCTION):
            cursor.execute(statement)
    assert not services.return_digest_matches(returned)


def test_a_query_reopens_the_request_for_one_more_return_and_keeps_the_first(
    letter_a, officer, django_capture_on_commit_callbacks, settings
):
    letter_a.recipient_email = "lead@example.org"
    letter_a.save()
    first = services.return_submit(letter=letter_a, data=agree(letter_a, years_agreed=1), by=None, via="link")
    with pytest.raises(ValidationError, match="Say what the partner needs to change"):
        services.return_query(pro_forma_return=first, message=" ", by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_query(pro_forma_return=first, message="Can you commit for all three years?", by=officer)
    letter_a.refresh_from_db()
    assert letter_a.status == RequestLetter.Status.QUERIED
    assert "Can you commit for all three years?" in mail.outbox[-1].body
    with pytest.raises(ValidationError, match="not waiting for review"):
        services.return_accept(pro_forma_return=first, by=officer)
    second = services.return_submit(letter=letter_a, data=agree(letter_a), by=None, via="link")
    assert second.number == 2
    pledges = services.return_accept(pro_forma_return=second, by=officer)
    assert len(pledges) == 3
    assert list(letter_a.returns.order_by("number").values_list("years_agreed", flat=True)) == [1, 3]
    assert list(letter_a.events.exclude(status_to="").values_list("status_to", flat=True)) == [
        "issued",
        "returned",
        "queried",
        "returned",
        "accepted",
    ]


def test_an_in_kind_offer_is_kept_as_an_in_kind_pledge_and_posts_nothing(letter_a, officer):
    data = agree(letter_a, in_kind_description="A meeting room each month", in_kind_value=Decimal("1200"))
    returned = services.return_submit(letter=letter_a, data=data, by=None, via="link")
    services.return_accept(pro_forma_return=returned, by=officer)
    in_kind = InKindPledge.objects.get()
    assert (in_kind.description, in_kind.value) == ("A meeting room each month", Decimal("1200.00"))
    assert LedgerTransaction.objects.count() == 3  # the three cash pledges only


def test_a_pledge_recorded_directly_needs_a_reason(commission, partner_a, officer):
    year = commission.years.get(number=1)
    with pytest.raises(ValidationError, match="Say why"):
        services.pledge_record(partner=partner_a, financial_year=year, amount=Decimal("5"), note="", by=officer)
    assert not Pledge.objects.exists()
    pledge = services.pledge_record(
        partner=partner_a, financial_year=year, amount=Decimal("5000"), note="The host's own", by=officer
    )
    assert pledge.transaction.kind == LedgerTransaction.Kind.PLEDGE_ACCEPTED
    assert pledge.amount == Decimal("5000.00")


# Property: a return's lines and pledges always add up ---------------------------------------------------------


@settings_hypothesis(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    years=st.integers(min_value=1, max_value=3),
    pence=st.one_of(st.none(), st.integers(min_value=1, max_value=50_000_000)),
)
def test_pledges_always_equal_the_offered_lines_and_the_ledger(letter_a, officer, years, pence):
    with transaction.atomic():
        different = Decimal(pence).scaleb(-2) if pence is not None else None
        data = agree(letter_a, years_agreed=years, different_amount=different)
        returned = services.return_submit(letter=letter_a, data=data, by=None, via="link")
        pledges = services.return_accept(pro_forma_return=returned, by=officer)
        offered = sum((line.offered for line in returned.lines.all()), Decimal(0))
        assert sum((pledge.amount for pledge in pledges), Decimal(0)) == offered
        assert len(pledges) == years
        posted = sum((p.transaction.postings.filter(amount__gt=0).get().amount for p in pledges), Decimal(0))
        assert posted == offered
        assert returned.counter_offer == (years < 3 or (different is not None and different != Decimal("7000")))
        transaction.set_rollback(True)
