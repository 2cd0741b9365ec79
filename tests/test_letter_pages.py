"""The officer's request pages: issuing, the returns dashboard, the chase list, each letter with its actions, and
the workflow in the admin. Who may use them, what they show, what they write, what they refuse (writing nothing),
that untrusted text is shown as text, and how many queries they take."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Job, LedgerTransaction
from partners import services
from partners.models import (
    ContributionRequest,
    OutgoingEmail,
    Pledge,
    ProFormaReturn,
    RequestEvent,
    RequestLetter,
)
from tests import factories
from tests.request_support import IMMEDIATE_TASKS, agree, decline, draft_requests, issue_options

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
FILE_URL = "file:///etc/passwd"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def drafted(commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    """A £7,000 a year to partner A and £12,000 a year to partner B, for each of the commission's years."""
    return draft_requests(commission, [(partner_a, "7000"), (partner_b, "12000")])


@pytest.fixture
def letters(commission, drafted, officer):  # type: ignore[no-untyped-def]
    issued = services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)
    return {letter.partner_id: letter for letter in issued}


@pytest.fixture
def letter(letters, partner_a):  # type: ignore[no-untyped-def]
    return letters[partner_a.pk]


@pytest.fixture
def returned(letter):  # type: ignore[no-untyped-def]
    """Partner A agrees to every year asked, with a comment."""
    return services.return_submit(letter=letter, data=agree(letter, comment="Agreed."), by=None, via="link")


def _messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in get_messages(response.wsgi_request)]


def _issue_data(chosen, *, deadline=None, **overrides):  # type: ignore[no-untyped-def]
    deadline = deadline or timezone.localdate() + timedelta(days=30)
    data = {
        "partners": [str(partner.pk) for partner in chosen],
        "deadline_day": str(deadline.day),
        "deadline_month": str(deadline.month),
        "deadline_year": str(deadline.year),
        "grace_days": "14",
        "reminder_days": "14, 7, 1",
        "sender_name": "Helen Denton",
        "sender_position": "Chair, Community Safety Strategy Group",
        "message": "",
    }
    data.update(overrides)
    return data


def _commission_urls(commission):  # type: ignore[no-untyped-def]
    return [
        reverse("letters-issue", args=[commission.pk]),
        reverse("returns-dashboard", args=[commission.pk]),
        reverse("chase-list", args=[commission.pk]),
    ]


def _letter_read_urls(letter, pro_forma_return):  # type: ignore[no-untyped-def]
    return [
        reverse("request-letter-detail", args=[letter.pk]),
        reverse("request-letter-pdf", args=[letter.pk]),
        reverse("return-receipt", args=[pro_forma_return.pk]),
    ]


def _action_urls(letter, pro_forma_return):  # type: ignore[no-untyped-def]
    return [
        reverse("request-letter-send-link", args=[letter.pk]),
        reverse("request-letter-deadline", args=[letter.pk]),
        reverse("return-accept", args=[pro_forma_return.pk]),
        reverse("return-query", args=[pro_forma_return.pk]),
    ]


# Who may use the pages ----------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, commission, letter, returned):
    urls = [*_commission_urls(commission), *_letter_read_urls(letter, returned), *_action_urls(letter, returned)]
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url


def test_outsiders_are_refused_every_page(as_user, outsider, commission, letter, returned):
    client = as_user(outsider)
    urls = [*_commission_urls(commission), *_letter_read_urls(letter, returned), *_action_urls(letter, returned)]
    for url in urls:
        assert client.get(url).status_code in (403, 405), url
        assert client.post(url, {"message": "x"}).status_code == 403, url
    assert RequestLetter.objects.get(pk=letter.pk).status == RequestLetter.Status.RETURNED


@pytest.mark.parametrize("persona", ["lead_a", "lead_b"])
def test_partner_leads_get_a_404_for_any_letter_even_their_own_and_a_403_for_commission_pages(
    request, as_user, persona, commission, letter, returned
):
    """Partner A's letter: lead A uses the portal, lead B must not learn it exists; both see the same 404."""
    client = as_user(request.getfixturevalue(persona))
    for url in [*_letter_read_urls(letter, returned), *_action_urls(letter, returned)]:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"message": "x"}).status_code == 404, url
    for url in _commission_urls(commission):
        assert client.get(url).status_code == 403, url
        assert client.post(url, _issue_data([])).status_code == 403, url
    missing = reverse("request-letter-detail", args=[letter.pk + 1000])
    assert client.get(missing).status_code == 404
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_managers_and_auditors_read_every_page_but_cannot_act(
    request, as_user, persona, commission, partner_b, letter, returned
):
    client = as_user(request.getfixturevalue(persona))
    for url in [*_commission_urls(commission)[1:], *_letter_read_urls(letter, returned)]:
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("request-letter-detail", args=[letter.pk])).content.decode()
    assert "Accept return" not in page
    assert "Send a new link" not in page
    issue = reverse("letters-issue", args=[commission.pk])
    assert client.get(issue).status_code == 403
    assert client.post(issue, _issue_data([partner_b])).status_code == 403
    for url in _action_urls(letter, returned):
        assert client.post(url, {"message": "Please check"}).status_code == 403, url
    assert client.get(reverse("return-query", args=[returned.pk])).status_code == 403
    letter.refresh_from_db()
    assert letter.status == RequestLetter.Status.RETURNED
    assert not Pledge.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_actions_are_post_only(as_user, officer, letter, returned):
    client = as_user(officer)
    assert client.get(reverse("return-accept", args=[returned.pk])).status_code == 405
    assert client.get(reverse("request-letter-send-link", args=[letter.pk])).status_code == 405


def test_a_missing_letter_or_return_is_a_404_for_the_officer(as_user, officer, letter, returned):
    client = as_user(officer)
    assert client.get(reverse("request-letter-detail", args=[letter.pk + 1000])).status_code == 404
    assert client.post(reverse("return-accept", args=[returned.pk + 1000])).status_code == 404
    assert client.get(reverse("return-receipt", args=[returned.pk + 1000])).status_code == 404


# Issuing --------------------------------------------------------------------------------------------------------


def test_issue_page_lists_drafts_by_partner_with_the_finance_lead_or_a_warning(
    as_user, officer, commission, drafted, partner_a, partner_b
):
    officer.first_name, officer.last_name = "Helen", "Denton"
    officer.save()
    response = as_user(officer).get(reverse("letters-issue", args=[commission.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    lead_a = services.finance_lead(partner_a)
    assert lead_a.email in page
    assert "£12,000" in page
    years = commission.years.count()
    assert f"£{12000 * years:,}" in page
    assert 'value="Helen Denton"' in page
    assert page.count('type="checkbox"') == 2
    assert page.count(" checked") == 2
    assert 'value="14"' in page
    assert 'value="14, 7, 1"' in page


def test_issue_page_warns_of_a_partner_with_no_finance_lead(as_user, officer, commission):
    partner = factories.MembershipFactory(commission=commission).partner
    draft_requests(commission, [(partner, "500")])
    partner.contacts.all().delete()
    page = as_user(officer).get(reverse("letters-issue", args=[commission.pk])).content.decode()
    assert "No finance lead" in page
    response = as_user(officer).post(reverse("letters-issue", args=[commission.pk]), _issue_data([partner]))
    assert response.status_code == 200
    assert "has no finance lead with an e-mail address" in response.content.decode()
    assert not RequestLetter.objects.exists()


def test_issuing_through_the_page_creates_the_letters_and_emails_each_lead(
    as_user, officer, commission, drafted, partner_a, partner_b, django_capture_on_commit_callbacks
):
    client = as_user(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters-issue", args=[commission.pk]), _issue_data([partner_a, partner_b]))
    assert response.status_code == 302
    job = Job.objects.get()  # the page follows the e-mails on the job's page
    assert response["Location"] == reverse("job-detail", args=[job.pk])
    assert job.status == Job.Status.FINISHED
    assert RequestLetter.objects.count() == 2
    letter = RequestLetter.objects.get(partner=partner_a)
    assert letter.deadline == timezone.localdate() + timedelta(days=30)
    assert letter.reminder_days == [14, 7, 1]
    assert letter.grace_days == 14
    assert letter.sender_name == "Helen Denton"
    assert letter.issued_by == officer
    assert len(mail.outbox) == 2
    assert {message.to[0] for message in mail.outbox} == {
        services.finance_lead(partner_a).email,
        services.finance_lead(partner_b).email,
    }
    assert set(ContributionRequest.objects.values_list("status", flat=True)) == {"issued"}
    assert _messages(response) == [
        "2 request letters issued. The e-mails to the finance leads are being sent in the background; this page "
        "shows how far they have got."
    ]


def test_issuing_to_one_partner_leaves_the_other_drafts(as_user, officer, commission, drafted, partner_a, partner_b):
    response = as_user(officer).post(
        reverse("letters-issue", args=[commission.pk]), _issue_data([partner_b], reminder_days="")
    )
    assert response.status_code == 302
    letter = RequestLetter.objects.get()
    assert letter.partner == partner_b
    assert letter.reminder_days == []
    assert ContributionRequest.objects.filter(partner=partner_a, status="draft").count() == len(drafted) // 2
    assert "1 request letter issued." in _messages(response)[0]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"deadline_day": "", "deadline_month": "", "deadline_year": ""},
            "Enter the deadline, for example, 27 3 2026.",
        ),
        ({"deadline_day": "31", "deadline_month": "2"}, "Enter the deadline as a real date, for example, 27 3 2026."),
        ({"deadline_year": "26"}, "Enter the deadline as a real date, for example, 27 3 2026."),
        ({"partners": []}, "Select at least one partner to issue a request to."),
        ({"reminder_days": "14, seven, 1"}, "Enter the reminder days as whole numbers separated by commas"),
        ({"reminder_days": "0"}, "Reminders go at least 1 day before the deadline."),
        ({"reminder_days": "40"}, "A reminder 40 days before the deadline would go before the letter is issued"),
        ({"grace_days": "400"}, "The grace period must be between 0 and 365 days."),
        ({"sender_name": ""}, "Enter who the letter is from."),
    ],
)
def test_bad_issue_input_shows_the_error_and_writes_nothing(
    as_user, officer, commission, drafted, partner_a, overrides, error
):
    response = as_user(officer).post(
        reverse("letters-issue", args=[commission.pk]), _issue_data([partner_a], **overrides)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert error in page
    assert not RequestLetter.objects.exists()
    assert set(ContributionRequest.objects.values_list("status", flat=True)) == {"draft"}


def test_a_deadline_in_the_past_is_refused_in_the_error_summary(as_user, officer, commission, drafted, partner_a):
    yesterday = timezone.localdate() - timedelta(days=1)
    response = as_user(officer).post(
        reverse("letters-issue", args=[commission.pk]), _issue_data([partner_a], deadline=yesterday)
    )
    assert response.status_code == 200
    page = response.content.decode()
    today = timezone.localdate()
    assert f"The deadline must be after the date of the letter ({today:%-d %B %Y})." in page
    assert 'href="#id_deadline_day"' in page
    assert not RequestLetter.objects.exists()


def test_a_partner_already_asked_cannot_be_issued_twice_through_the_page(
    as_user, officer, commission, letters, partner_a
):
    draft_requests(commission, [(partner_a, "5")], name="Again")
    response = as_user(officer).post(reverse("letters-issue", args=[commission.pk]), _issue_data([partner_a]))
    assert response.status_code == 200
    assert "already has a request that is open or accepted" in response.content.decode()
    assert RequestLetter.objects.count() == 2


def test_issue_page_says_when_there_is_nothing_to_issue(as_user, officer, commission):
    response = as_user(officer).get(reverse("letters-issue", args=[commission.pk]))
    assert "There are no draft requests to issue." in response.content.decode()


def test_request_list_offers_issuing_and_links_each_issued_letter(as_user, officer, commission, drafted, partner_a):
    client = as_user(officer)
    url = reverse("request-list", args=[commission.pk])
    assert reverse("letters-issue", args=[commission.pk]) in client.get(url).content.decode()
    services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)
    page = client.get(url).content.decode()
    assert reverse("letters-issue", args=[commission.pk]) not in page
    letter = RequestLetter.objects.get(partner=partner_a)
    assert reverse("request-letter-detail", args=[letter.pk]) in page
    assert f"Letter {letter.reference}" in page
    assert "govuk-tag--blue" in page


# The dashboard and the chase list -------------------------------------------------------------------------------


def test_dashboard_counts_amounts_and_shortfall(as_user, manager, commission, letters, partner_a, partner_b, officer):
    """A agrees to all 3 years at £7,000 and is accepted: £21,000 secured. B declines: its £36,000 is shortfall.
    The target less £21,000 is still to find."""
    a, b = letters[partner_a.pk], letters[partner_b.pk]
    services.return_accept(
        pro_forma_return=services.return_submit(letter=a, data=agree(a), by=None, via="link"), by=officer
    )
    services.return_submit(letter=b, data=decline(b), by=None, via="link")
    page = as_user(manager).get(reverse("returns-dashboard", args=[commission.pk])).content.decode()
    years = commission.years.count()
    assert years == 3
    assert "£21,000" in page  # secured from returns
    assert "£36,000" in page  # B's shortfall (declined, waiting for review)
    assert f"{commission.target - Decimal('21000'):,.0f}" in page
    assert "Accepted" in page
    assert "Declined" in page
    assert "Not yet secured" in page  # B's decline is not accepted yet


def test_dashboard_flags_a_counter_offer(as_user, officer, commission, letter):
    services.return_submit(
        letter=letter, data=agree(letter, years_agreed=1), by=None, via="link"
    )  # one year of three: a counter-offer
    page = as_user(officer).get(reverse("returns-dashboard", args=[commission.pk])).content.decode()
    assert "Counter-offer" in page
    assert "£7,000" in page


def test_chase_list_shows_overdue_partners_with_their_lead(as_user, auditor, commission, drafted, officer, partner_a):
    today = timezone.localdate()
    options = issue_options(issued_on=today - timedelta(days=40), deadline=today - timedelta(days=5), reminder_days=())
    services.letters_issue(commission=commission, options=options, by=officer, notify=False)
    page = as_user(auditor).get(reverse("chase-list", args=[commission.pk])).content.decode()
    letter = RequestLetter.objects.get(partner=partner_a)
    assert letter.recipient_email in page
    assert letter.recipient_name in page
    assert reverse("request-letter-detail", args=[letter.pk]) in page
    assert "2 overdue partners" in page
    assert ">5<" in page
    assert "None sent" in page
    dashboard = as_user(auditor).get(reverse("returns-dashboard", args=[commission.pk])).content.decode()
    assert "Overdue 5 days" in dashboard


def _issue_many(commission, officer, count: int) -> None:  # type: ignore[no-untyped-def]
    partners = [factories.MembershipFactory(commission=commission).partner for _ in range(count)]
    draft_requests(
        commission, [(partner, str(1000 + index)) for index, partner in enumerate(partners)], name=f"Batch {count}"
    )
    for letter in services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False):
        if letter.number % 2:
            returned = services.return_submit(letter=letter, data=agree(letter, years_agreed=1), by=None, via="link")
            if letter.number % 3:
                services.return_accept(pro_forma_return=returned, by=officer)


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["returns-dashboard", "chase-list", "letters-issue"])
def test_commission_pages_take_the_same_queries_for_2_or_12_letters(
    as_user, officer, commission, name, django_assert_max_num_queries
):
    client = as_user(officer)
    url = reverse(name, args=[commission.pk])
    _issue_many(commission, officer, 2)
    draft_requests(commission, [(factories.MembershipFactory(commission=commission).partner, "9")], name="Next")
    few = _queries(client, url)
    _issue_many(commission, officer, 10)
    draft_requests(
        commission, [(factories.MembershipFactory(commission=commission).partner, "9") for _ in range(5)], name="More"
    )
    assert RequestLetter.objects.count() == 12
    with django_assert_max_num_queries(few):
        client.get(url)
    assert few <= 16


def test_letter_page_takes_a_fixed_number_of_queries(as_user, officer, letter, returned, django_assert_max_num_queries):
    services.return_query(pro_forma_return=returned, message="Check", by=officer)
    services.return_accept(
        pro_forma_return=services.return_submit(letter=letter, data=agree(letter), by=None, via="link"), by=officer
    )
    client = as_user(officer)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("request-letter-detail", args=[letter.pk])).status_code == 200


# One letter -----------------------------------------------------------------------------------------------------


def test_letter_page_shows_requests_returns_emails_and_history(
    as_user, officer, commission, drafted, partner_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.letters_issue(commission=commission, options=issue_options(), by=officer)
    letter = RequestLetter.objects.get(partner=partner_a)
    returned = services.return_submit(
        letter=letter,
        data=agree(letter, in_kind_description="Meeting rooms", in_kind_value=Decimal("500")),
        by=None,
        via="link",
    )
    page = as_user(officer).get(reverse("request-letter-detail", args=[letter.pk])).content.decode()
    assert letter.reference in page
    assert letter.recipient_email in page
    assert "£21,000" in page  # total asked: 3 × £7,000
    assert returned.digest in page
    assert "Pat Example" in page
    assert "Meeting rooms" in page
    assert "£500" in page
    assert "Request e-mailed" in page
    assert "Pro-forma returned" in page
    assert "Issued" in page
    assert "Returned" in page
    assert "The partner, through the secure link" in page
    assert f"letter-{letter.pk}:issue" in page
    assert "Accept return" in page
    assert "Query return" in page
    assert "Send a new link" in page


def test_accepting_through_the_page_makes_pledges_and_twice_gives_one_set(
    as_user, officer, commission, letter, returned
):
    client = as_user(officer)
    url = reverse("return-accept", args=[returned.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("request-letter-detail", args=[letter.pk])
    years = commission.years.count()
    assert _messages(response) == [
        f"Return 1 accepted: {years} pledges of £{7000 * years:,} in all, posted to the ledger."
    ]
    again = client.post(url)
    assert again.status_code == 302
    assert "is not waiting for review" in _messages(again)[-1]
    assert Pledge.objects.count() == years
    assert LedgerTransaction.objects.filter(kind="pledge_accepted").count() == years
    page = client.get(reverse("request-letter-detail", args=[letter.pk])).content.decode()
    pledge = Pledge.objects.order_by("financial_year__number").first()
    assert f"#transaction-{pledge.transaction.number}" in page
    assert "Accept return" not in page


def test_accepting_a_decline_records_no_money(as_user, officer, letters, partner_b):
    letter = letters[partner_b.pk]
    returned = services.return_submit(letter=letter, data=decline(letter), by=None, via="link")
    response = as_user(officer).post(reverse("return-accept", args=[returned.pk]))
    assert "the decline is recorded and no money is pledged" in _messages(response)[0]
    assert not Pledge.objects.exists()
    assert RequestLetter.objects.get(pk=letter.pk).status == RequestLetter.Status.DECLINED


def test_query_needs_a_message_and_then_reopens_the_request(
    as_user, officer, letter, returned, django_capture_on_commit_callbacks
):
    client = as_user(officer)
    url = reverse("return-query", args=[returned.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"message": "   "})
    assert response.status_code == 200
    assert "Say what the partner needs to change." in response.content.decode()
    assert RequestLetter.objects.get(pk=letter.pk).status == RequestLetter.Status.RETURNED
    assert not RequestEvent.objects.filter(action="queried").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "The 2015/16 figure is missing."})
    assert response.status_code == 302
    assert RequestLetter.objects.get(pk=letter.pk).status == RequestLetter.Status.QUERIED
    assert RequestEvent.objects.get(action="queried").note == "The 2015/16 figure is missing."
    assert len(mail.outbox) == 1
    assert "The 2015/16 figure is missing." in mail.outbox[0].body
    # The return is no longer waiting for review: a second query or an accept is refused, nothing written.
    again = client.post(url, {"message": "Again"})
    assert again.status_code == 302
    assert "is not waiting for review" in _messages(again)[-1]
    assert RequestEvent.objects.filter(action="queried").count() == 1


def test_send_a_new_link_emails_the_lead_in_the_background(
    as_user, officer, letter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(officer).post(reverse("request-letter-send-link", args=[letter.pk]))
    assert response.status_code == 302
    assert _messages(response) == [f"A new link is being e-mailed to {letter.recipient_email} in the background."]
    assert len(mail.outbox) == 1
    assert "/pro-forma/" in mail.outbox[0].body
    assert RequestEvent.objects.filter(letter=letter, action="link_sent").count() == 1


def test_send_a_new_link_is_refused_once_accepted(as_user, officer, letter, returned):
    services.return_accept(pro_forma_return=returned, by=officer)
    response = as_user(officer).post(reverse("request-letter-send-link", args=[letter.pk]))
    assert "there is nothing to reply to" in _messages(response)[0]
    assert not OutgoingEmail.objects.exists()


def test_letter_and_receipt_download_as_pdf_attachments(as_user, auditor, letter, returned):
    client = as_user(auditor)
    response = client.get(reverse("request-letter-pdf", args=[letter.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    letter.refresh_from_db()
    assert bytes(letter.letter_pdf) == response.content  # stored, so it is the same every time
    receipt = client.get(reverse("return-receipt", args=[returned.pk]))
    assert receipt["Content-Type"] == "application/pdf"
    assert receipt["Content-Disposition"].startswith("attachment;")
    assert receipt.content.startswith(b"%PDF")


# Untrusted text -------------------------------------------------------------------------------------------------


def test_html_and_file_urls_in_officer_and_partner_text_appear_as_text(
    as_user, officer, commission, drafted, partner_a
):
    hostile = f"{SCRIPT} see {FILE_URL}"
    client = as_user(officer)
    response = client.post(
        reverse("letters-issue", args=[commission.pk]),
        _issue_data([partner_a], message=hostile, sender_position=SCRIPT),
    )
    assert response.status_code == 302
    letter = RequestLetter.objects.get()
    returned = services.return_submit(
        letter=letter, data=agree(letter, comment=hostile, in_kind_description=hostile), by=None, via="link"
    )
    client.post(reverse("return-query", args=[returned.pk]), {"message": hostile})
    page = client.get(reverse("request-letter-detail", args=[letter.pk])).content.decode()
    assert SCRIPT not in page
    assert page.count(ESCAPED_SCRIPT) >= 5  # message, position, comment, in kind, the query's note
    assert FILE_URL in page
    assert f'href="{FILE_URL}' not in page
    assert f'src="{FILE_URL}' not in page
    # Shown again in the query form's error page, still escaped.
    response = client.post(reverse("return-query", args=[returned.pk]), {"message": ""})
    assert SCRIPT not in response.content.decode()


# The admin ------------------------------------------------------------------------------------------------------


def _admin_accept(client, *returns):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("admin:partners_proformareturn_changelist"),
        {"action": "accept_returns", "_selected_action": [str(r.pk) for r in returns]},
        follow=True,
    )


def test_admin_action_accepts_selected_returns_once_and_reports_each(
    as_user, officer, commission, letters, partner_a, partner_b
):
    a, b = letters[partner_a.pk], letters[partner_b.pk]
    return_a = services.return_submit(letter=a, data=agree(a), by=None, via="link")
    return_b = services.return_submit(letter=b, data=decline(b), by=None, via="link")
    client = as_user(officer)
    response = _admin_accept(client, return_a, return_b)
    page = response.content.decode()
    years = commission.years.count()
    assert f"{return_a} accepted: {years} pledges, £{7000 * years:,}, posted to the ledger." in page
    assert f"{return_b} accepted: decline recorded." in page
    assert Pledge.objects.count() == years
    again = _admin_accept(client, return_a).content.decode()
    assert "is not waiting for review" in again
    assert Pledge.objects.count() == years


def test_admin_action_is_not_offered_to_an_auditor(as_user, auditor, letter, returned):
    client = as_user(auditor)
    page = client.get(reverse("admin:partners_proformareturn_changelist")).content.decode()
    assert "accept_returns" not in page
    _admin_accept(client, returned)
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(
    "model_name", ["proformareturn", "requestevent", "pledge", "inkindpledge", "requestletter", "requestlink"]
)
def test_admin_never_deletes_or_changes_returns_events_or_pledges(as_user, officer, letter, returned, model_name):
    services.return_accept(pro_forma_return=returned, by=officer)
    model = {
        "proformareturn": ProFormaReturn,
        "requestevent": RequestEvent,
        "pledge": Pledge,
        "inkindpledge": None,
        "requestletter": RequestLetter,
        "requestlink": None,
    }[model_name]
    client = as_user(factories.UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse(f"admin:partners_{model_name}_add")).status_code == 403
    if model is None:
        return
    obj = model.objects.first()
    delete = reverse(f"admin:partners_{model_name}_delete", args=[obj.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
    change = client.get(reverse(f"admin:partners_{model_name}_change", args=[obj.pk])).content.decode()
    assert 'name="_save"' not in change


def test_admin_link_page_shows_no_token_hash(as_user, officer, letter):
    services.link_create(letter)
    link = letter.links.get()
    client = as_user(officer)
    assert link.token_hash not in client.get(reverse("admin:partners_requestlink_changelist")).content.decode()
    assert (
        link.token_hash not in client.get(reverse("admin:partners_requestlink_change", args=[link.pk])).content.decode()
    )
