"""The request workflow's API: `letters` (issue, send a new link), `returns` (accept, query), `pledges`, and the
partner's `pro-forma/{token}/`.

The world (tests/api_support.py): partner A is asked £7,000 a year and partner B £12,000, for 2013/14 to 2015/16.
`letters` issues both; A agreed and was accepted (3 × £7,000 pledged); B agreed (3 × £12,000) and waits for review;
and B has a £12,000 pledge for 2013/14 recorded without a return.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from commissioning.models import LedgerTransaction
from partners import services
from partners.models import (
    ContributionRequest,
    OutgoingEmail,
    Pledge,
    ProFormaReturn,
    RejectedLinkAttempt,
    RequestEvent,
    RequestLetter,
    RequestLink,
)
from tests import factories
from tests.api_support import MONEY_KEYS, another_world, assert_money_strings, build_letters
from tests.request_support import IMMEDIATE_TASKS

pytestmark = pytest.mark.django_db

LETTER_MONEY_KEYS = MONEY_KEYS | {"requested", "offered", "in_kind_value", "different_amount"}
WORKFLOW_MODELS = (RequestLetter, ProFormaReturn, Pledge, RequestEvent, OutgoingEmail, LedgerTransaction)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def letters(world, officer):  # type: ignore[no-untyped-def]
    return build_letters(world, officer)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WORKFLOW_MODELS}


def _post(client, url, body=None):  # type: ignore[no-untyped-def]
    return client.post(url, body or {}, content_type="application/json")


def _leads(world) -> None:  # type: ignore[no-untyped-def]
    for partner in (world.partner_a, world.partner_b):
        factories.ContactFactory(partner=partner, role="finance_lead", email=f"finance@p{partner.pk}.example.org")


# Reading: who sees what -------------------------------------------------------------------------------------

READS = {
    "letters": ("api:letter-list", "api:letter-detail"),
    "returns": ("api:return-list", "api:return-detail"),
    "pledges": ("api:pledge-list", "api:pledge-detail"),
}


def _own(letters, resource, partner):  # type: ignore[no-untyped-def]
    """The ids of one partner's records of a resource."""
    if resource == "letters":
        return {letters.letter_a.pk} if partner == "a" else {letters.letter_b.pk}
    if resource == "returns":
        return {letters.return_a.pk} if partner == "a" else {letters.return_b.pk}
    return {pledge.pk for pledge in letters.pledges_a} if partner == "a" else {letters.pledge_b.pk}


@pytest.mark.parametrize("resource", READS)
@pytest.mark.parametrize("persona", ["officer", "manager", "auditor"])
def test_staff_read_every_letter_return_and_pledge(as_persona, persona, resource, letters):
    list_name, detail_name = READS[resource]
    client = as_persona(persona)
    data = client.get(reverse(list_name)).json()
    everything = _own(letters, resource, "a") | _own(letters, resource, "b")
    assert {row["id"] for row in data["results"]} == everything
    for pk in everything:
        assert client.get(reverse(detail_name, args=[pk])).status_code == 200


@pytest.mark.parametrize("resource", READS)
@pytest.mark.parametrize(("persona", "own", "other"), [("lead_a", "a", "b"), ("lead_b", "b", "a")])
def test_a_partner_lead_sees_only_their_own_and_another_partners_look_missing(
    as_persona, persona, own, other, resource, letters, world
):
    list_name, detail_name = READS[resource]
    client = as_persona(persona)
    other_name = (world.partner_b if other == "b" else world.partner_a).name
    data = client.get(reverse(list_name)).json()
    assert {row["id"] for row in data["results"]} == _own(letters, resource, own)
    assert other_name not in str(data)
    # The commission filter narrows; it never widens.
    filtered = client.get(reverse(list_name), {"commission": world.commission.pk}).json()
    assert {row["id"] for row in filtered["results"]} == _own(letters, resource, own)
    for pk in _own(letters, resource, own):
        assert client.get(reverse(detail_name, args=[pk])).status_code == 200
    missing = client.get(reverse(detail_name, args=[999999]))
    for pk in _own(letters, resource, other):
        response = client.get(reverse(detail_name, args=[pk]))
        assert response.status_code == 404
        assert response.content == missing.content
        assert other_name not in response.content.decode()


@pytest.mark.parametrize("resource", READS)
@pytest.mark.parametrize(("persona", "status"), [("outsider", 403), ("anonymous", 401)])
def test_outsiders_are_refused_and_anonymous_callers_asked_for_a_token(as_persona, persona, status, resource, letters):
    list_name, detail_name = READS[resource]
    client = as_persona(persona)
    assert client.get(reverse(list_name)).status_code == status
    for pk in _own(letters, resource, "a"):
        response = client.get(reverse(detail_name, args=[pk]))
        assert response.status_code == status
        assert letters.letter_a.partner_name not in response.content.decode()


@pytest.mark.parametrize("resource", READS)
def test_lists_filter_by_commission(as_user, auditor, officer, resource, letters, world):
    list_name = READS[resource][0]
    elsewhere = another_world(officer)
    build_letters(elsewhere, officer)
    client = as_user(auditor)
    ours = {row["id"] for row in client.get(reverse(list_name), {"commission": world.commission.pk}).json()["results"]}
    assert ours == _own(letters, resource, "a") | _own(letters, resource, "b")
    assert len(client.get(reverse(list_name)).json()["results"]) == 2 * len(ours)
    assert client.get(reverse(list_name), {"commission": "x"}).status_code == 400


@pytest.mark.parametrize("persona", ["officer", "lead_a"])
def test_the_resources_are_read_only(as_persona, persona, letters):
    client = as_persona(persona)
    before = _counts()
    for url in (
        reverse("api:letter-detail", args=[letters.letter_a.pk]),
        reverse("api:return-detail", args=[letters.return_a.pk]),
        reverse("api:pledge-detail", args=[letters.pledges_a[0].pk]),
    ):
        changed = client.patch(url, {"status": "declined"}, content_type="application/json")
        assert changed.status_code == (405 if persona == "officer" else 403)
        # An officer deletes nothing, so a delete is refused before the method is looked at.
        assert client.delete(url).status_code == 403
    assert _counts() == before


# What a letter, a return and a pledge carry ------------------------------------------------------------------


def test_a_letter_carries_its_amounts_as_strings_its_latest_return_and_its_history(as_user, officer, letters, world):
    data = as_user(officer).get(reverse("api:letter-detail", args=[letters.letter_b.pk])).json()
    letter = letters.letter_b
    assert data["reference"] == f"R{world.commission.pk}/{letter.number:03d}"
    assert data["commission"] == world.commission.pk
    assert data["partner"] == {"id": world.partner_b.pk, "name": world.partner_b.name}
    assert data["partner_name"] == world.partner_b.name
    assert data["status"] == "returned"
    assert data["deadline"] == letter.deadline.isoformat()
    assert data["closes_on"] == (letter.deadline + timedelta(days=14)).isoformat()
    assert (data["grace_days"], data["reminder_days"]) == (14, [14, 7, 1])
    assert data["issued_on"] == timezone.localdate().isoformat()
    assert data["recipient_email"] == ""  # issued by post: no finance lead to e-mail
    assert data["requests"] == [
        {"financial_year": "2013/14", "amount": "12000.00"},
        {"financial_year": "2014/15", "amount": "12000.00"},
        {"financial_year": "2015/16", "amount": "12000.00"},
    ]
    assert data["latest_return"] == letters.return_b.pk
    assert [(e["action"], e["status_from"], e["status_to"]) for e in data["events"]] == [
        ("issued", "", "issued"),
        ("returned", "issued", "returned"),
    ]
    assert data["events"][0]["by"] == officer.username
    assert data["events"][1]["by"] == services.LINK_ACTOR
    assert assert_money_strings(data, LETTER_MONEY_KEYS) == 3


def test_a_partner_lead_is_not_shown_the_recipients_address(as_user, lead_a, officer, world):
    _leads(world)
    letters = build_letters(world, officer)
    url = reverse("api:letter-detail", args=[letters.letter_a.pk])
    assert as_user(lead_a).get(url).json()["recipient_email"] is None
    assert as_user(officer).get(url).json()["recipient_email"] == f"finance@p{world.partner_a.pk}.example.org"


def test_a_return_carries_its_lines_and_digest(as_user, lead_b, letters):
    data = as_user(lead_b).get(reverse("api:return-detail", args=[letters.return_b.pk])).json()
    assert data["letter"] == letters.letter_b.pk
    assert (data["number"], data["option"], data["years_agreed"], data["counter_offer"]) == (1, "agree", 3, False)
    assert (data["signatory_name"], data["signature"]) == ("Pat Example", "Pat Example")
    assert data["via"] == "link"
    assert data["digest"] == letters.return_b.digest
    assert len(data["digest"]) == 64
    assert data["in_kind_value"] is None
    assert data["lines"] == [
        {"financial_year": year, "requested": "12000.00", "offered": "12000.00"}
        for year in ("2013/14", "2014/15", "2015/16")
    ]
    assert assert_money_strings(data, LETTER_MONEY_KEYS) == 6


def test_a_pledge_carries_its_return_and_its_ledger_transaction(as_user, lead_a, letters, world):
    pledge = letters.pledges_a[0]
    data = as_user(lead_a).get(reverse("api:pledge-detail", args=[pledge.pk])).json()
    assert data["commission"] == world.commission.pk
    assert data["partner"] == {"id": world.partner_a.pk, "name": world.partner_a.name}
    assert (data["financial_year"], data["amount"]) == ("2013/14", "7000.00")
    assert data["pro_forma_return"] == letters.return_a.pk
    assert data["transaction"] == {"id": pledge.transaction.pk, "number": pledge.transaction.number}
    direct = as_user(lead_a).get(reverse("api:pledge-list")).json()["results"]
    assert [row["amount"] for row in direct] == ["7000.00"] * 3


# Issuing ---------------------------------------------------------------------------------------------------


def _issue_body(for_commission, **overrides):  # type: ignore[no-untyped-def]
    body = {
        "commission": for_commission.pk,
        "deadline": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "grace_days": 10,
        "reminder_days": [7, 1],
        "sender_name": "Helen Denton",
        "sender_position": "Chair, Community Safety Strategy Group",
        "message": "Please reply by the deadline.",
    }
    body.update(overrides)
    return body


def test_an_officer_issues_requests_and_each_finance_lead_is_emailed_once(
    as_user, officer, world, django_capture_on_commit_callbacks
):
    _leads(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(as_user(officer), reverse("api:letter-issue"), _issue_body(world.commission))
    assert response.status_code == 201, response.content
    data = response.json()
    assert {row["partner"]["id"] for row in data} == {world.partner_a.pk, world.partner_b.pk}
    assert {row["status"] for row in data} == {"issued"}
    assert {row["grace_days"] for row in data} == {10}
    assert {tuple(row["reminder_days"]) for row in data} == {(7, 1)}
    amounts = {row["partner"]["id"]: {r["amount"] for r in row["requests"]} for row in data}
    assert amounts == {world.partner_a.pk: {"7000.00"}, world.partner_b.pk: {"12000.00"}}
    assert assert_money_strings(data, LETTER_MONEY_KEYS) == 6
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        f"finance@p{partner.pk}.example.org" for partner in (world.partner_a, world.partner_b)
    )
    assert set(ContributionRequest.objects.values_list("status", flat=True)) == {"issued"}


def test_an_officer_issues_to_one_partner(as_user, officer, world, django_capture_on_commit_callbacks):
    _leads(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            as_user(officer), reverse("api:letter-issue"), _issue_body(world.commission, partners=[world.partner_a.pk])
        )
    assert response.status_code == 201, response.content
    assert [row["partner"]["id"] for row in response.json()] == [world.partner_a.pk]
    assert len(mail.outbox) == 1
    assert RequestLetter.objects.get().partner == world.partner_a


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"deadline": "2000-01-01"}, "deadline", "The deadline must be after the date of the letter"),
        ({"sender_name": "  "}, "sender_name", "Enter who the letter is from."),
        ({"grace_days": 400}, "grace_days", "The grace period must be between 0 and 365 days."),
        ({"reminder_days": [0]}, "reminder_days", "Reminders go at least 1 day before the deadline."),
        ({"commission": 999999}, "commission", "object does not exist"),
    ],
)
def test_issuing_is_refused_with_the_reason_and_nothing_is_written(as_user, officer, world, change, field, says):
    _leads(world)
    before = _counts()
    response = _post(as_user(officer), reverse("api:letter-issue"), _issue_body(world.commission, **change))
    assert response.status_code == 400
    assert says in response.json()[field][0]
    assert _counts() == before
    assert set(ContributionRequest.objects.values_list("status", flat=True)) == {"draft"}
    assert mail.outbox == []


def test_issuing_when_every_request_is_issued_already_is_refused(as_user, officer, world, letters):
    """`letters` issued every draft of the world: nothing is left to issue."""
    before = _counts()
    response = _post(as_user(officer), reverse("api:letter-issue"), _issue_body(world.commission))
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        "There are no draft requests to issue. Draft them from a formula first."
    ]
    assert _counts() == before


def test_issuing_to_a_partner_without_a_finance_lead_names_it(as_user, officer, world):
    response = _post(as_user(officer), reverse("api:letter-issue"), _issue_body(world.commission))
    assert response.status_code == 400
    problems = response.json()["non_field_errors"]
    assert f"{world.partner_a} has no finance lead with an e-mail address to send the request to." in problems
    assert not RequestLetter.objects.exists()


# Every write, by everyone but the officer ------------------------------------------------------------------


def _writes(world, letters):  # type: ignore[no-untyped-def]
    return {
        "issue": (reverse("api:letter-issue"), _issue_body(world.commission)),
        "send-link": (reverse("api:letter-send-link", args=[letters.letter_b.pk]), {}),
        "accept": (reverse("api:return-accept", args=[letters.return_b.pk]), {}),
        "query": (reverse("api:return-query", args=[letters.return_b.pk]), {"message": "Check the years."}),
    }


@pytest.mark.parametrize("write", ["issue", "send-link", "accept", "query"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 403), ("auditor", 403), ("lead_a", 403), ("lead_b", 403), ("outsider", 403), ("anonymous", 401)],
)
def test_only_officers_write_and_a_refused_write_changes_nothing(
    as_persona, persona, status, write, world, letters, django_capture_on_commit_callbacks
):
    url, body = _writes(world, letters)[write]
    before = _counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(as_persona(persona), url, body)
    assert response.status_code == status
    assert _counts() == before
    letters.letter_b.refresh_from_db()
    assert letters.letter_b.status == "returned"
    assert mail.outbox == []


# Accepting and querying -------------------------------------------------------------------------------------


def test_accepting_a_return_makes_its_pledges_and_postings_once(as_user, officer, letters, world):
    """B agreed £12,000 a year for three years: three pledges, £36,000 in all, each with one transaction."""
    client = as_user(officer)
    before = (Pledge.objects.count(), LedgerTransaction.objects.count())
    response = _post(client, reverse("api:return-accept", args=[letters.return_b.pk]))
    assert response.status_code == 200, response.content
    data = response.json()
    assert [(row["financial_year"], row["amount"]) for row in data] == [
        ("2013/14", "12000.00"),
        ("2014/15", "12000.00"),
        ("2015/16", "12000.00"),
    ]
    assert {row["pro_forma_return"] for row in data} == {letters.return_b.pk}
    transactions = LedgerTransaction.objects.filter(pk__in=[row["transaction"]["id"] for row in data])
    assert {tx.kind for tx in transactions} == {"pledge_accepted"}
    assert sorted(row["transaction"]["number"] for row in data) == sorted(tx.number for tx in transactions)
    assert (Pledge.objects.count(), LedgerTransaction.objects.count()) == (before[0] + 3, before[1] + 3)
    assert assert_money_strings(data) == 3

    again = _post(client, reverse("api:return-accept", args=[letters.return_b.pk]))
    assert again.status_code == 400
    assert "is not waiting for review" in again.json()["non_field_errors"][0]
    assert (Pledge.objects.count(), LedgerTransaction.objects.count()) == (before[0] + 3, before[1] + 3)
    letters.letter_b.refresh_from_db()
    assert letters.letter_b.status == "accepted"


def test_accepting_a_decline_records_no_money(as_user, officer, world):
    letter = services.letters_issue(
        commission=world.commission,
        options=services.IssueOptions(deadline=timezone.localdate() + timedelta(days=30), sender_name="Helen"),
        by=officer,
        partners=[world.partner_a],
        notify=False,
    )[0]
    from tests.request_support import decline

    declined = services.return_submit(letter=letter, data=decline(letter), by=None, via="link")
    response = _post(as_user(officer), reverse("api:return-accept", args=[declined.pk]))
    assert response.status_code == 200
    assert response.json() == []
    assert not Pledge.objects.exists()
    letter.refresh_from_db()
    assert letter.status == "declined"


def test_querying_a_return_reopens_the_request_with_the_message(
    as_user, officer, letters, django_capture_on_commit_callbacks
):
    client = as_user(officer)
    message = "Please confirm <b>all three</b> years."
    response = _post(client, reverse("api:return-query", args=[letters.return_b.pk]), {"message": message})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "queried"
    assert data["events"][-1]["action"] == "queried"
    assert data["events"][-1]["note"] == message
    # Once queried, the return is no longer waiting: neither accepting nor querying it again changes anything.
    before = _counts()
    accepted = _post(client, reverse("api:return-accept", args=[letters.return_b.pk]))
    queried = _post(client, reverse("api:return-query", args=[letters.return_b.pk]), {"message": "Again"})
    assert (accepted.status_code, queried.status_code) == (400, 400)
    assert _counts() == before


def test_a_query_needs_a_message(as_user, officer, letters):
    before = _counts()
    response = _post(as_user(officer), reverse("api:return-query", args=[letters.return_b.pk]), {"message": "  "})
    assert response.status_code == 400
    assert response.json() == {"message": ["Say what the partner needs to change."]}
    assert _counts() == before


def test_querying_an_accepted_return_is_refused(as_user, officer, letters):
    response = _post(as_user(officer), reverse("api:return-query", args=[letters.return_a.pk]), {"message": "Why?"})
    assert response.status_code == 400
    assert "is not waiting for review" in response.json()["non_field_errors"][0]


# Sending a new link ----------------------------------------------------------------------------------------


def test_an_officer_sends_a_new_link(as_user, officer, world, django_capture_on_commit_callbacks):
    _leads(world)
    letter = services.letters_issue(
        commission=world.commission,
        options=services.IssueOptions(deadline=timezone.localdate() + timedelta(days=30), sender_name="Helen"),
        by=officer,
        partners=[world.partner_a],
        notify=False,
    )[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(as_user(officer), reverse("api:letter-send-link", args=[letter.pk]))
    assert response.status_code == 202
    assert response.json()["detail"] == f"A new link to {letter} will be e-mailed to {letter.recipient_email}."
    assert [message.to for message in mail.outbox] == [[f"finance@p{world.partner_a.pk}.example.org"]]
    assert "/pro-forma/" in mail.outbox[0].body
    assert RequestLink.objects.filter(letter=letter).count() == 1


def test_a_new_link_is_refused_without_an_address_or_once_accepted(as_user, officer, letters):
    client = as_user(officer)
    before = _counts()
    no_address = _post(client, reverse("api:letter-send-link", args=[letters.letter_b.pk]))
    assert no_address.status_code == 400
    assert no_address.json()["non_field_errors"] == [f"{letters.letter_b} has no e-mail address to send a link to."]
    accepted = _post(client, reverse("api:letter-send-link", args=[letters.letter_a.pk]))
    assert accepted.status_code == 400
    assert "there is nothing to reply to" in accepted.json()["non_field_errors"][0]
    assert _counts() == before


# The pro-forma by its secure link ---------------------------------------------------------------------------


@pytest.fixture
def open_letter(world, officer):  # type: ignore[no-untyped-def]
    """Partner A's letter, issued and not yet opened, and the token of its link."""
    letter = services.letters_issue(
        commission=world.commission,
        options=services.IssueOptions(deadline=timezone.localdate() + timedelta(days=30), sender_name="Helen"),
        by=officer,
        partners=[world.partner_a],
        notify=False,
    )[0]
    return letter, services.link_create(letter)


def _return_body(letter, **overrides):  # type: ignore[no-untyped-def]
    body = {
        "option": "agree",
        "years_agreed": 3,
        "organisation": letter.partner_name,
        "signed_on": timezone.localdate().isoformat(),
        "signatory_name": "Pat Example",
        "signatory_position": "Section 151 Officer",
        "signature": "Pat Example",
        "authority_confirmed": True,
    }
    body.update(overrides)
    return body


def _link(token: str) -> str:
    return reverse("api:pro-forma", args=[token])


def test_the_link_shows_the_request_and_marks_it_viewed_once(client, open_letter, world):
    letter, token = open_letter
    response = client.get(_link(token))
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "reference": letter.reference,
        "commission": world.commission.name,
        "partner_name": world.partner_a.name,
        "status": "viewed",
        "deadline": letter.deadline.isoformat(),
        "closes_on": letter.closes_on.isoformat(),
        "requests": [{"financial_year": year, "amount": "7000.00"} for year in ("2013/14", "2014/15", "2015/16")],
    }
    assert client.get(_link(token)).status_code == 200
    assert list(letter.events.values_list("action", flat=True)) == ["issued", "viewed"]
    assert letter.events.get(action="viewed").by_description == services.LINK_ACTOR


def test_the_link_takes_a_return_once(client, open_letter):
    letter, token = open_letter
    response = client.post(_link(token), _return_body(letter), content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    returned = ProFormaReturn.objects.get()
    assert data["id"] == returned.pk
    assert data["via"] == "api"
    assert data["digest"] == returned.digest
    assert len(returned.digest) == 64
    assert [line["offered"] for line in data["lines"]] == ["7000.00"] * 3
    assert assert_money_strings(data, LETTER_MONEY_KEYS) == 6
    letter.refresh_from_db()
    assert letter.status == "returned"

    before = _counts()
    again = client.post(_link(token), _return_body(letter, years_agreed=1), content_type="application/json")
    assert again.status_code == 400
    assert again.json()["non_field_errors"] == [
        "This request was returned already and is returned. "
        "To change the return, ask the commissioning officer to reopen it."
    ]
    assert _counts() == before
    # The summary still opens, and says where the reply has got to.
    assert client.get(_link(token)).json()["status"] == "returned"


def test_a_counter_offer_and_an_in_kind_offer_through_the_link(client, open_letter):
    letter, token = open_letter
    body = _return_body(
        letter, years_agreed=2, different_amount="6500.00", in_kind_description="A room", in_kind_value="1200"
    )
    data = client.post(_link(token), body, content_type="application/json").json()
    assert data["counter_offer"] is True
    assert [line["offered"] for line in data["lines"]] == ["6500.00", "6500.00", "0.00"]
    assert [line["requested"] for line in data["lines"]] == ["7000.00"] * 3
    assert data["in_kind_value"] == "1200.00"


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"option": "maybe"}, {"option": ["Select Option 1 (agree) or Option 2 (decline)."]}),
        ({"years_agreed": 4}, {"years_agreed": ["Select how many years you agree to, from 1 to 3."]}),
        ({"signature": "Someone Else"}, {"signature": ["Type the signatory's full name exactly as above to sign."]}),
        (
            {"authority_confirmed": False},
            {"authority_confirmed": ["Confirm that you have authority to commit the organisation."]},
        ),
        (
            {"organisation": "", "signatory_position": ""},
            {"organisation": ["Enter the organisation."], "signatory_position": ["Enter the signatory's position."]},
        ),
        ({"signed_on": "2999-01-01"}, {"signed_on": ["The date cannot be in the future."]}),
        (
            {"different_amount": 6500},
            {"different_amount": ['Send money as a decimal string such as "1502449.00", not a JSON number.']},
        ),
        ({"in_kind_value": "1.005"}, None),
    ],
)
def test_a_return_with_errors_is_refused_field_by_field_and_nothing_is_written(client, open_letter, change, errors):
    letter, token = open_letter
    before = _counts()
    response = client.post(_link(token), _return_body(letter, **change), content_type="application/json")
    assert response.status_code == 400
    if errors is not None:
        assert response.json() == errors
    else:
        assert "fraction of a penny" in response.json()["in_kind_value"][0]
    assert _counts() == before
    letter.refresh_from_db()
    assert letter.status == "issued"


def test_a_return_without_a_date_says_which_field(client, open_letter):
    letter, token = open_letter
    body = _return_body(letter)
    del body["signed_on"]
    response = client.post(_link(token), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"signed_on": ["Enter the date you signed, such as 2013-01-28."]}


HOSTILE = '<img src="file:///etc/passwd"><script>alert(1)</script> http://169.254.169.254/ &amp;'


def test_html_and_file_urls_in_free_text_come_back_as_the_same_text(client, open_letter, as_user, officer):
    letter, token = open_letter
    body = _return_body(
        letter,
        organisation=HOSTILE[:200],
        signatory_position=HOSTILE,
        comment=HOSTILE,
        in_kind_description=HOSTILE,
        in_kind_value="10.00",
    )
    response = client.post(_link(token), body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    for field in ("organisation", "signatory_position", "comment", "in_kind_description"):
        assert data[field] == HOSTILE, field
    read = as_user(officer).get(reverse("api:return-detail", args=[data["id"]])).json()
    assert read["comment"] == HOSTILE
    assert response["Content-Type"] == "application/json"


def test_the_link_needs_no_session_and_no_csrf_token(open_letter, lead_b):
    """A signed-in browser of another partner gains nothing and loses nothing: the token alone counts."""
    letter, token = open_letter
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(lead_b)
    response = browser.post(_link(token), _return_body(letter), format="json")
    assert response.status_code == 201
    assert ProFormaReturn.objects.get().submitted_by is None


def _refused_tokens(token: str) -> dict[str, str]:
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    return {
        "unknown": "not-a-token",
        "tampered": tampered,
        "the stored hash": services.token_hash(token),
        "too long": token * 4,
    }


@pytest.mark.parametrize("method", ["get", "post"])
def test_wrong_tampered_expired_and_revoked_tokens_all_get_the_same_plain_404(client, open_letter, method):
    letter, token = open_letter
    before = _counts()
    call = (
        (lambda url: client.get(url))
        if method == "get"
        else (lambda url: client.post(url, _return_body(letter), content_type="application/json"))
    )
    responses = {name: call(_link(bad)) for name, bad in _refused_tokens(token).items()}
    assert RejectedLinkAttempt.objects.count() == len(responses)  # each counts towards the rate limit
    with time_machine.travel(timezone.now() + timedelta(days=45), tick=False):  # past the deadline and its grace
        responses["expired"] = call(_link(token))
    link = RequestLink.objects.get(letter=letter)
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    responses["revoked"] = call(_link(token))
    for name, response in responses.items():
        assert response.status_code == 404, name
        assert response.content == b'{"detail":"Not found."}', name
    assert _counts() == before
    letter.refresh_from_db()
    assert letter.status == "issued"


def test_the_last_day_of_grace_still_opens_and_the_next_does_not(client, open_letter):
    letter, token = open_letter
    with time_machine.travel(letter.closes_on.isoformat() + " 23:00 +00:00", tick=False):
        assert client.get(_link(token)).status_code == 200
    with time_machine.travel((letter.closes_on + timedelta(days=1)).isoformat() + " 09:00 +00:00", tick=False):
        assert client.get(_link(token)).status_code == 404


def test_too_many_bad_tokens_are_rate_limited_even_with_a_good_one_after(client, open_letter):
    letter, token = open_letter
    for attempt in range(services.LINK_ATTEMPTS_ALLOWED):
        assert client.get(_link(f"guess-{attempt}")).status_code == 404
    assert client.get(_link("guess-again")).status_code == 429
    refused = client.post(_link(token), _return_body(letter), content_type="application/json")
    assert refused.status_code == 429
    assert not ProFormaReturn.objects.exists()
    # Another address is not held back by this one's guesses.
    assert client.get(_link(token), REMOTE_ADDR="192.0.2.7").status_code == 200


# Schema and query counts ------------------------------------------------------------------------------------


def test_schema_describes_the_workflow_with_money_as_strings(as_user, officer):
    schema = as_user(officer).get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert set(schema["paths"]["/api/v1/pro-forma/{token}/"]) == {"get", "post"}
    assert schema["paths"]["/api/v1/pro-forma/{token}/"]["post"]["security"] == [{}]
    components = schema["components"]["schemas"]
    for name, field in (
        ("PledgeOutput", "amount"),
        ("ReturnLineOutput", "offered"),
        ("ProFormaSubmitInput", "different_amount"),
    ):
        prop = components[name]["properties"][field]
        assert (prop["type"], prop["format"]) == ("string", "decimal"), name


def _grow(officer, times: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        build_letters(another_world(officer), officer)


@pytest.mark.parametrize("resource", READS)
@pytest.mark.parametrize("persona", ["auditor", "lead_a"])
def test_list_queries_do_not_grow_with_rows(
    as_persona, persona, officer, resource, letters, django_assert_max_num_queries
):
    client = as_persona(persona)
    url = reverse(READS[resource][0])
    with django_assert_max_num_queries(8) as small:
        first = client.get(url).json()["count"]
    _grow(officer, 2)
    with django_assert_max_num_queries(8) as large:
        data = client.get(url).json()
    if persona == "auditor":
        assert data["count"] == 3 * first
    assert len(large.captured_queries) == len(small.captured_queries)
