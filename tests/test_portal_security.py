"""The issue's security tests for the partner's side: another partner's token, a tampered token, an expired token,
a revoked link, replay after submission, the rate limit, one identical 404 for every bad token, CSRF, and HTML and
`file://` URLs in every free-text field (text on the page and in the receipt PDF, and nothing fetched)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from partners import services
from partners.models import ProFormaReturn, RejectedLinkAttempt, RequestLink
from tests.portal_support import form_data, issue_letters, pdf_text
from tests.request_support import IMMEDIATE_TASKS
from tests.test_pdf import PNG_1X1, _CountingServer

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def letters(commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    return issue_letters(commission, partner_a, partner_b)


@pytest.fixture
def token_a(letters):  # type: ignore[no-untyped-def]
    return services.link_create(letters[0])


@pytest.fixture
def token_b(letters):  # type: ignore[no-untyped-def]
    return services.link_create(letters[1])


@pytest.fixture
def counting_server():  # type: ignore[no-untyped-def]
    with _CountingServer() as server:
        yield server


def _url(token: str) -> str:
    return reverse("pro-forma", args=[token])


def _tampered(token: str) -> str:
    """The same token with its middle character changed."""
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


def _at_noon(day):  # type: ignore[no-untyped-def]
    return datetime(day.year, day.month, day.day, 12, tzinfo=LONDON)


# Bad tokens ---------------------------------------------------------------------------------------------------


def test_partner_a_signed_in_with_partner_b_s_token_gets_the_plain_404(as_user, lead_a, lead_b, letters, token_b):
    client = as_user(lead_a)
    for url in (
        _url(token_b),
        reverse("pro-forma-letter", args=[token_b]),
        reverse("pro-forma-receipt", args=[token_b, 1]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(_url(token_b), form_data(letters[1])).status_code == 404
    assert ProFormaReturn.objects.count() == 0
    assert as_user(lead_b).get(_url(token_b)).status_code == 200  # B's own lead opens it


def test_partner_a_s_portal_with_partner_b_s_letter_is_a_404_like_a_missing_one(as_user, lead_a, letters):
    letter_b = letters[1]
    client = as_user(lead_a)
    missing = client.get(reverse("portal-request", args=[letter_b.pk + 1000]))
    foreign = client.get(reverse("portal-request", args=[letter_b.pk]))
    assert foreign.status_code == missing.status_code == 404
    assert client.get(reverse("portal-letter", args=[letter_b.pk])).status_code == 404
    assert client.get(reverse("portal-receipt", args=[letter_b.pk, 1])).status_code == 404


def test_a_tampered_token_is_a_404(token_a):
    assert Client().get(_url(token_a)).status_code == 200
    assert Client().get(_url(_tampered(token_a))).status_code == 404
    assert Client().get(_url(token_a[:-1])).status_code == 404
    assert Client().get(reverse("pro-forma-letter", args=[_tampered(token_a)])).status_code == 404


def test_an_expired_token_is_a_404_from_the_day_after_the_grace_period(letters, token_a):
    letter_a = letters[0]
    with time_machine.travel(_at_noon(letter_a.closes_on), tick=False):
        assert Client().get(_url(token_a)).status_code == 200  # the last day it opens
    with time_machine.travel(_at_noon(letter_a.closes_on + timedelta(days=1)), tick=False):
        assert Client().get(_url(token_a)).status_code == 404
        assert Client().post(_url(token_a), form_data(letter_a)).status_code == 404
        assert Client().get(reverse("pro-forma-letter", args=[token_a])).status_code == 404
    assert ProFormaReturn.objects.count() == 0


def test_a_revoked_link_is_a_404_and_a_newer_link_still_works(letters, token_a):
    link = RequestLink.objects.get(token_hash=services.token_hash(token_a))
    link.revoked_at = timezone.now()
    link.save()
    assert Client().get(_url(token_a)).status_code == 404
    assert Client().get(_url(services.link_create(letters[0]))).status_code == 200


def test_every_bad_token_gets_the_same_404_body_and_headers(as_user, lead_a, letters, token_a, token_b):
    letter_a = letters[0]
    revoked = services.link_create(letter_a)
    link = RequestLink.objects.get(token_hash=services.token_hash(revoked))
    link.revoked_at = timezone.now()
    link.save()
    responses = {
        "unknown": Client().get(_url("x" * 43)),
        "tampered": Client().get(_url(_tampered(token_a))),
        "revoked": Client().get(_url(revoked)),
        "foreign": as_user(lead_a).get(_url(token_b)),
        "foreign letter": as_user(lead_a).get(reverse("pro-forma-letter", args=[token_b])),
        "bad receipt": Client().get(reverse("pro-forma-receipt", args=[_tampered(token_a), 1])),
        "too long": Client().get(_url("y" * 200)),
    }
    with time_machine.travel(_at_noon(letter_a.closes_on + timedelta(days=1)), tick=False):
        responses["expired"] = Client().get(_url(token_a))
    bodies = {name: response.content for name, response in responses.items()}
    assert {response.status_code for response in responses.values()} == {404}
    assert len(set(bodies.values())) == 1, bodies.keys()
    body = bodies["unknown"].decode()
    assert "Page not found" in body
    assert token_a not in body
    assert lead_a.get_username() not in body
    for response in responses.values():
        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "no-referrer"


def test_after_ten_bad_tokens_the_client_is_refused_even_with_a_good_one(token_a, letters):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for attempt in range(services.LINK_ATTEMPTS_ALLOWED):
        assert client.get(_url(f"guess-{attempt}")).status_code == 404
    response = client.get(_url(token_a))
    assert response.status_code == 429
    assert "Too many attempts. Try again in 15 minutes." in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert client.get(reverse("pro-forma-letter", args=[token_a])).status_code == 429
    assert client.post(_url(token_a), form_data(letters[0])).status_code == 429
    assert ProFormaReturn.objects.count() == 0
    # Refused attempts are not counted again, and the client's address is kept only as an HMAC.
    assert RejectedLinkAttempt.objects.count() == services.LINK_ATTEMPTS_ALLOWED
    assert not RejectedLinkAttempt.objects.filter(client__contains="203.0.113.9").exists()
    # Another client is not affected; after the window the first may try again.
    assert Client(REMOTE_ADDR="198.51.100.4").get(_url(token_a)).status_code == 200
    with time_machine.travel(timezone.now() + services.LINK_ATTEMPT_WINDOW + timedelta(seconds=1)):
        assert client.get(_url(token_a)).status_code == 200


def test_nine_bad_tokens_still_let_the_good_one_through(token_a):
    client = Client(REMOTE_ADDR="203.0.113.10")
    for attempt in range(services.LINK_ATTEMPTS_ALLOWED - 1):
        client.get(_url(f"guess-{attempt}"))
    assert client.get(_url(token_a)).status_code == 200


# Replay and CSRF ----------------------------------------------------------------------------------------------


def test_a_second_submission_on_the_same_link_is_refused_and_writes_nothing(letters, token_a):
    letter_a = letters[0]
    client = Client()
    assert client.post(_url(token_a), form_data(letter_a)).status_code == 302
    replay = client.post(_url(token_a), form_data(letter_a, option="decline"))
    assert replay.status_code == 200
    page = replay.content.decode()
    assert "There is a problem" in page
    assert escape("This request was returned already and is returned.") in page
    assert "ask the commissioning officer to reopen it" in page
    assert ProFormaReturn.objects.count() == 1
    assert ProFormaReturn.objects.get().option == "agree"
    assert letter_a.events.filter(action="returned").count() == 1


def test_a_second_submission_through_the_portal_is_refused_too(as_user, lead_a, letters, token_a):
    letter_a = letters[0]
    Client().post(_url(token_a), form_data(letter_a))
    url = reverse("portal-request", args=[letter_a.pk])
    page = as_user(lead_a).post(url, form_data(letter_a)).content.decode()
    assert "This request was returned already" in page
    assert ProFormaReturn.objects.count() == 1


def test_the_pro_forma_needs_its_csrf_token(letters, token_a):
    client = Client(enforce_csrf_checks=True)
    page = client.get(_url(token_a)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert client.post(_url(token_a), form_data(letters[0])).status_code == 403
    assert ProFormaReturn.objects.count() == 0


# Hostile text -------------------------------------------------------------------------------------------------

FREE_TEXT = ("organisation", "signatory_name", "signatory_position", "signature", "comment", "in_kind_description")


def _hostile(field: str, secret_path: str, server_url: str) -> str:
    """Markup that would read a local file, fetch from the network and run a script, were it ever markup; the
    long text fields also point at a real local image (the one-line fields allow 200 characters)."""
    text = (
        f'<img src="file:///etc/passwd"><link rel="stylesheet" href="{server_url}/{field[:3]}.css">'
        f"<script>alert(1)</script>"
    )
    if field in ("comment", "in_kind_description"):
        text += f'<img src="file://{secret_path}">'
    return text


def test_html_and_file_urls_in_every_free_text_field_stay_text_on_the_page_and_in_the_receipt(
    letters, token_a, counting_server, tmp_path
):
    letter_a = letters[0]
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_1X1)
    values = {field: _hostile(field, str(secret), counting_server.url) for field in FREE_TEXT}
    values["signature"] = values["signatory_name"]  # the signature must match the name
    client = Client()
    response = client.post(_url(token_a), form_data(letter_a, in_kind_value="250", **values))
    assert response.status_code == 302, response.content.decode()
    returned = ProFormaReturn.objects.get()
    for field in FREE_TEXT:
        assert getattr(returned, field) == values[field]  # kept exactly as typed

    page = client.get(_url(token_a)).content.decode()
    for field in FREE_TEXT:
        assert escape(values[field]) in page, field
    assert "<script>alert" not in page
    assert 'src="file://' not in page
    assert f'href="{counting_server.url}' not in page

    pdf = client.get(reverse("pro-forma-receipt", args=[token_a, 1])).content
    assert counting_server.requests == []
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages) == 0
    text = "".join(pdf_text(pdf).split())  # long lines wrap; compare without white space
    for field in FREE_TEXT:
        assert "".join(values[field].split()) in text, field
    assert "root:" not in text


def test_hostile_text_sent_back_with_errors_is_escaped_in_the_form(letters, token_a):
    hostile = '"><script>alert(1)</script><img src="file:///etc/passwd">'
    data = form_data(letters[0], authority_confirmed=None, **dict.fromkeys(FREE_TEXT, hostile))
    page = Client().post(_url(token_a), data).content.decode()
    assert "Confirm that you have authority" in page
    assert "<script>alert(1)" not in page
    assert page.count(escape(hostile)) >= len(FREE_TEXT)
    assert ProFormaReturn.objects.count() == 0
