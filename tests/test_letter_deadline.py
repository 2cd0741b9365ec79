"""Moving a request's deadline (a partner asked for more time): the service, the officer's page and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from partners import services
from partners.models import RequestEvent, RequestLetter
from tests.request_support import IMMEDIATE_TASKS, agree, draft_requests, issue_options

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def letter(commission, partner_a, officer):  # type: ignore[no-untyped-def]
    draft_requests(commission, [(partner_a, "7000")])
    return services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)[0]


def _later(letter: RequestLetter, days: int = 21):  # type: ignore[no-untyped-def]
    return letter.deadline + timedelta(days=days)


def test_moving_the_deadline_moves_when_the_links_close_and_is_kept_in_the_history(letter, officer):
    token = services.link_create(letter)
    old_close, new = letter.closes_on, _later(letter)
    services.letter_deadline_change(
        letter=letter, deadline=new, grace_days=7, reason="Their cabinet meets late", by=officer
    )
    letter.refresh_from_db()
    assert letter.deadline == new
    assert letter.closes_on == letter.deadline + timedelta(days=7)
    assert services.letter_for_token(token, today=old_close + timedelta(days=1)) == letter
    assert services.letter_for_token(token, today=letter.closes_on + timedelta(days=1)) is None
    event = RequestEvent.objects.get(action=RequestEvent.Action.DEADLINE_CHANGED)
    assert event.by == officer
    assert "Their cabinet meets late" in event.note
    assert f"{letter.deadline:%-d %B %Y}" in event.note


@pytest.mark.parametrize(
    ("deadline_offset", "grace", "reason", "field", "message"),
    [
        (None, 14, "Asked", "deadline", "after the date of the letter"),
        (21, 400, "Asked", "grace_days", "between 0 and 365 days"),
        (21, 14, " ", "reason", "Say why the deadline changes"),
        (0, 14, "Asked", "deadline", "already"),
    ],
)
def test_bad_changes_are_refused_and_nothing_changes(letter, officer, deadline_offset, grace, reason, field, message):
    deadline = letter.issued_on if deadline_offset is None else _later(letter, deadline_offset)
    before = (letter.deadline, letter.grace_days)
    with pytest.raises(ValidationError) as raised:
        services.letter_deadline_change(letter=letter, deadline=deadline, grace_days=grace, reason=reason, by=officer)
    assert message in raised.value.message_dict[field][0]
    letter.refresh_from_db()
    assert (letter.deadline, letter.grace_days) == before
    assert not RequestEvent.objects.filter(action=RequestEvent.Action.DEADLINE_CHANGED).exists()


def test_a_returned_request_keeps_its_deadline(letter, officer):
    services.return_submit(letter=letter, data=agree(letter), by=None, via="link")
    with pytest.raises(ValidationError, match="can only change while it waits"):
        services.letter_deadline_change(letter=letter, deadline=_later(letter), grace_days=14, reason="x", by=officer)


def test_reminders_follow_the_new_deadline(letter, officer):
    letter.recipient_email, letter.reminder_days = "lead@example.org", [7]
    letter.save()
    old_reminder_day = letter.deadline - timedelta(days=7)
    services.letter_deadline_change(letter=letter, deadline=_later(letter), grace_days=14, reason="Asked", by=officer)
    assert services.reminders_send_due(today=old_reminder_day) == 0
    assert services.reminders_send_due(today=_later(letter) - timedelta(days=7)) == 1


# The page --------------------------------------------------------------------------------------------------------


def _form(deadline, grace="14", reason="The partner asked for a week more"):  # type: ignore[no-untyped-def]
    return {
        "deadline_day": str(deadline.day),
        "deadline_month": str(deadline.month),
        "deadline_year": str(deadline.year),
        "grace_days": grace,
        "reason": reason,
    }


def test_the_officer_changes_the_deadline_on_its_page(as_user, officer, letter):
    client = as_user(officer)
    url = reverse("request-letter-deadline", args=[letter.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{letter.deadline.day}"' in page.content.decode()
    detail = client.get(reverse("request-letter-detail", args=[letter.pk])).content.decode()
    assert url in detail
    new = _later(letter)
    response = client.post(url, _form(new))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.deadline == new
    history = client.get(reverse("request-letter-detail", args=[letter.pk])).content.decode()
    assert "The partner asked for a week more" in history


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"deadline_day": "31", "deadline_month": "2"}, "Enter the deadline as a real date"),
        ({"reason": ""}, "Say why the deadline changes"),
        ({"grace_days": "-1"}, "between 0 and 365 days"),
    ],
)
def test_bad_page_input_shows_the_error_and_changes_nothing(as_user, officer, letter, data, message):
    before = letter.deadline
    response = as_user(officer).post(
        reverse("request-letter-deadline", args=[letter.pk]), {**_form(_later(letter)), **data}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert message in response.content.decode()
    letter.refresh_from_db()
    assert letter.deadline == before


@pytest.mark.parametrize("persona", ["manager", "auditor", "lead_a"])
def test_only_an_officer_may_change_a_deadline(request, as_user, persona, letter):
    client = as_user(request.getfixturevalue(persona))
    response = client.post(reverse("request-letter-deadline", args=[letter.pk]), _form(_later(letter)))
    assert response.status_code == (404 if persona == "lead_a" else 403)
    assert RequestLetter.objects.get(pk=letter.pk).deadline == letter.deadline


# The API ---------------------------------------------------------------------------------------------------------


def test_the_api_moves_a_deadline_for_an_officer_and_refuses_others(as_user, officer, manager, letter):
    url = f"/api/v1/letters/{letter.pk}/deadline/"
    new = _later(letter)
    body = {"deadline": new.isoformat(), "grace_days": 10, "reason": "Asked by e-mail"}
    assert as_user(manager).post(url, body, content_type="application/json").status_code == 403
    response = as_user(officer).post(url, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["deadline"] == new.isoformat()
    assert response.json()["closes_on"] == (new + timedelta(days=10)).isoformat()
    refused = as_user(officer).post(url, {**body, "reason": ""}, content_type="application/json")
    assert refused.status_code == 400
    assert "Say why" in str(refused.json())
    assert timezone.localdate() < RequestLetter.objects.get(pk=letter.pk).deadline
