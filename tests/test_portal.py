"""The partner's pages: the pro-forma by secure link and through the partner portal, its validation, the return
and its receipt, the downloads, and who may reach what."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partners import services
from partners.models import ProFormaReturn, RequestEvent, RequestLetter
from tests.portal_support import form_data, issue_letters, pdf_text
from tests.request_support import IMMEDIATE_TASKS, agree

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def letters(commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    return issue_letters(commission, partner_a, partner_b)


@pytest.fixture
def letter_a(letters):  # type: ignore[no-untyped-def]
    return letters[0]


@pytest.fixture
def token_a(letter_a):  # type: ignore[no-untyped-def]
    return services.link_create(letter_a)


def _url(token: str) -> str:
    return reverse("pro-forma", args=[token])


# The page by secure link ------------------------------------------------------------------------------------


def test_link_opens_the_pro_forma_without_signing_in_and_marks_it_viewed_once(letter_a, token_a):
    response = Client().get(_url(token_a))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    # Never sent to another site; not "no-referrer", under which browsers post the form with `Origin: null`,
    # which the CSRF check refuses (the browser test returns the form for real).
    assert response["Referrer-Policy"] == "same-origin"
    page = response.content.decode()
    for text in (letter_a.reference, letter_a.partner_name, "2013/14", "2015/16", "£7,000", "£21,000"):
        assert text in page, text
    assert letter_a.deadline.strftime("%-d %B %Y") in page
    assert letter_a.closes_on.strftime("%-d %B %Y") in page
    assert reverse("pro-forma-letter", args=[token_a]) in page
    # Prefilled: the organisation, today's date, and all three years.
    today = timezone.localdate()
    assert f'value="{letter_a.partner_name}"' in page
    assert f'name="signed_on_day" type="text" inputmode="numeric" value="{today.day}"' in page
    assert 'value="3" id="id_years_agreed_0" class="govuk-radios__input" checked' in page
    assert f"I confirm I have authority to commit {letter_a.partner_name} to this response" in page
    letter_a.refresh_from_db()
    assert letter_a.status == RequestLetter.Status.VIEWED
    Client().get(_url(token_a))
    assert letter_a.events.filter(action=RequestEvent.Action.VIEWED).count() == 1
    event = letter_a.events.get(action=RequestEvent.Action.VIEWED)
    assert event.by is None
    assert event.by_description == services.LINK_ACTOR


def test_returning_by_link_redirects_to_the_receipt_panel_with_the_figures_and_digest(letter_a, token_a):
    client = Client()
    response = client.post(_url(token_a), form_data(letter_a))
    assert response.status_code == 302
    assert response["Location"] == _url(token_a)
    returned = ProFormaReturn.objects.get()
    assert returned.via == "link"
    assert returned.submitted_by is None
    assert returned.option == "agree"
    assert returned.years_agreed == 3
    assert not returned.counter_offer
    assert [line.offered for line in returned.lines.all()] == [Decimal("7000.00")] * 3
    page = client.get(_url(token_a)).content.decode()
    assert "Pro-forma returned" in page
    assert "govuk-panel--confirmation" in page
    assert returned.digest in page
    assert "£21,000" in page
    assert "Download your receipt (PDF)" in page
    assert reverse("pro-forma-receipt", args=[token_a, 1]) in page
    assert 'name="option"' not in page  # no form: the return is in
    assert "counter-offer:" not in page


def test_receipt_and_letter_download_by_link_are_real_pdfs(letter_a, token_a):
    client = Client()
    client.post(_url(token_a), form_data(letter_a))
    returned = ProFormaReturn.objects.get()
    response = client.get(reverse("pro-forma-receipt", args=[token_a, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert returned.digest in "".join(text.split())
    assert "£21,000" in text
    assert "Pat Example" in text
    assert client.get(reverse("pro-forma-receipt", args=[token_a, 2])).status_code == 404
    letter = client.get(reverse("pro-forma-letter", args=[token_a]))
    assert letter.status_code == 200
    assert letter["Content-Type"] == "application/pdf"
    assert letter["Content-Disposition"].startswith("attachment;")
    assert letter["Referrer-Policy"] == "no-referrer"
    assert letter.content.startswith(b"%PDF")
    assert "£7,000" in pdf_text(letter.content)


def test_fewer_years_and_a_different_amount_are_a_counter_offer_said_plainly(letter_a, token_a):
    client = Client()
    client.post(_url(token_a), form_data(letter_a, years_agreed="2", different_amount="£6,500"))
    returned = ProFormaReturn.objects.get()
    assert returned.counter_offer
    assert returned.years_agreed == 2
    # 2 × £6,500 = £13,000 agreed; the third year is £0.
    assert [line.offered for line in returned.lines.all()] == [Decimal("6500.00"), Decimal("6500.00"), Decimal("0.00")]
    page = client.get(_url(token_a)).content.decode()
    assert "This is a counter-offer" in page
    assert "£13,000" in page
    assert "The commissioning officer will review it." in page


def test_decline_records_option_2_with_no_money(letter_a, token_a):
    client = Client()
    response = client.post(_url(token_a), form_data(letter_a, option="decline", different_amount="123"))
    assert response.status_code == 302
    returned = ProFormaReturn.objects.get()
    assert returned.option == "decline"
    assert returned.years_agreed is None
    assert {line.offered for line in returned.lines.all()} == {Decimal("0.00")}


def test_a_queried_return_shows_the_officers_message_above_a_fresh_form(letter_a, token_a, officer):
    first = services.return_submit(letter=letter_a, data=agree(letter_a), by=None, via="link")
    services.return_query(pro_forma_return=first, message="Please confirm <b>year 3</b> with your S151.", by=officer)
    client = Client()
    page = client.get(_url(token_a)).content.decode()
    assert "sent your return back with a question" in page
    assert "Please confirm &lt;b&gt;year 3&lt;/b&gt; with your S151." in page
    assert 'name="option"' in page
    assert page.index("sent your return back") < page.index('name="option"')
    assert reverse("pro-forma-receipt", args=[token_a, 1]) in page  # the earlier return's receipt
    assert client.post(_url(token_a), form_data(letter_a)).status_code == 302
    assert list(ProFormaReturn.objects.values_list("number", flat=True)) == [1, 2]
    assert "sent your return back" not in client.get(_url(token_a)).content.decode()


def test_accepted_and_declined_requests_say_so(letter_a, letters, token_a, officer):
    services.return_accept(
        pro_forma_return=services.return_submit(letter=letter_a, data=agree(letter_a), by=None, via="link"), by=officer
    )
    assert "Accepted" in Client().get(_url(token_a)).content.decode()
    letter_b = letters[1]
    token_b = services.link_create(letter_b)
    from tests.request_support import decline

    services.return_accept(
        pro_forma_return=services.return_submit(letter=letter_b, data=decline(letter_b), by=None, via="link"),
        by=officer,
    )
    page = Client().get(_url(token_b)).content.decode()
    assert "Declined" in page
    assert "will not contribute" in page


# Bad input: the error is shown, and nothing is written --------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"option": None}, "id_option_0", "Select Option 1 (agree) or Option 2 (decline)."),
        ({"years_agreed": "4"}, "id_years_agreed_0", "Select how many years you agree to, from 1 to 3."),
        ({"years_agreed": "0"}, "id_years_agreed_0", "Select how many years you agree to, from 1 to 3."),
        ({"years_agreed": None}, "id_years_agreed_0", "Select how many years you agree to, from 1 to 3."),
        ({"different_amount": "-5"}, "id_different_amount", "A different yearly amount must be more than £0"),
        ({"different_amount": "lots"}, "id_different_amount", "Enter an amount in pounds, like 7000 or 7,000.50."),
        ({"in_kind_value": "-1"}, "id_in_kind_value", "The value of an in-kind offer cannot be negative."),
        ({"signature": "P Example"}, "id_signature", "Type the signatory&#x27;s full name exactly as above to sign."),
        ({"signature": ""}, "id_signature", "Enter your full name as your signature."),
        ({"signatory_name": " "}, "id_signatory_name", "Enter the signatory&#x27;s full name."),
        ({"signatory_position": ""}, "id_signatory_position", "Enter the signatory&#x27;s position."),
        ({"organisation": ""}, "id_organisation", "Enter the organisation."),
        ({"authority_confirmed": None}, "id_authority_confirmed", "Confirm that you have authority"),
        ({"signed_on_day": "31", "signed_on_month": "2"}, "id_signed_on_day", "The date must be a real date"),
        ({"signed_on_day": "", "signed_on_month": "", "signed_on_year": ""}, "id_signed_on_day", "Enter the date"),
    ],
)
def test_bad_input_shows_the_error_linked_from_the_summary_and_writes_nothing(
    letter_a, token_a, overrides, field_id, message
):
    response = Client().post(_url(token_a), form_data(letter_a, **overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#{field_id}"' in page
    assert message in page
    assert f'id="{field_id}"' in page
    assert "<title>Error: " in page
    assert ProFormaReturn.objects.count() == 0
    assert not RequestEvent.objects.filter(action="returned").exists()


def test_a_future_date_is_refused_and_nothing_written(letter_a, token_a):
    tomorrow = timezone.localdate() + timedelta(days=1)
    page = Client().post(_url(token_a), form_data(letter_a, on=tomorrow)).content.decode()
    assert "The date cannot be in the future." in page
    assert 'href="#id_signed_on_day"' in page
    assert ProFormaReturn.objects.count() == 0


def test_errors_keep_what_was_typed_and_say_a_counter_offer_is_one(letter_a, token_a):
    data = form_data(letter_a, years_agreed="1", different_amount="5000", authority_confirmed=None, comment="Hello")
    page = Client().post(_url(token_a), data).content.decode()
    assert 'value="1" id="id_years_agreed_1" class="govuk-radios__input" checked' in page
    assert 'value="5000"' in page
    assert "Hello</textarea>" in page
    assert "What you have chosen is a counter-offer" in page
    assert ProFormaReturn.objects.count() == 0


# The portal (a partner login) ---------------------------------------------------------------------------------


def test_portal_lists_only_the_partners_own_requests_with_status_and_links(as_user, lead_a, letters):
    letter_a, letter_b = letters
    response = as_user(lead_a).get(reverse("portal"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("portal-request", args=[letter_a.pk]) in page
    assert reverse("portal-letter", args=[letter_a.pk]) in page
    assert reverse("portal-request", args=[letter_b.pk]) not in page
    assert letter_b.partner_name not in page
    assert "Reply needed" in page
    assert letter_a.deadline.strftime("%-d %B %Y") in page
    assert "Your requests" in page  # in the service navigation


def test_partner_detail_links_its_own_login_to_the_portal(as_user, lead_a, partner_a, officer):
    assert reverse("portal") in as_user(lead_a).get(reverse("partner-detail", args=[partner_a.pk])).content.decode()
    officer_page = as_user(officer).get(reverse("partner-detail", args=[partner_a.pk])).content.decode()
    assert "Your requests" not in officer_page


def test_returning_through_the_portal_records_the_login(as_user, lead_a, letter_a):
    client = as_user(lead_a)
    url = reverse("portal-request", args=[letter_a.pk])
    page = client.get(url).content.decode()
    assert "Your response" in page
    letter_a.refresh_from_db()
    assert letter_a.status == "viewed"
    assert letter_a.events.get(action="viewed").by == lead_a
    response = client.post(url, form_data(letter_a))
    assert response.status_code == 302
    assert response["Location"] == url
    returned = ProFormaReturn.objects.get()
    assert returned.via == "login"
    assert returned.submitted_by == lead_a
    page = client.get(url).content.decode()
    assert "Pro-forma returned" in page
    assert reverse("portal-receipt", args=[letter_a.pk, 1]) in page
    receipt = client.get(reverse("portal-receipt", args=[letter_a.pk, 1]))
    assert receipt["Content-Type"] == "application/pdf"
    assert receipt["Content-Disposition"].startswith("attachment;")
    assert returned.digest in "".join(pdf_text(receipt.content).split())
    assert client.get(reverse("portal-receipt", args=[letter_a.pk, 2])).status_code == 404
    letter = client.get(reverse("portal-letter", args=[letter_a.pk]))
    assert letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")


def test_a_closed_request_in_the_portal_says_so_and_refuses_a_return(as_user, lead_a, letter_a, monkeypatch):
    after = letter_a.closes_on + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: after)
    client = as_user(lead_a)
    url = reverse("portal-request", args=[letter_a.pk])
    page = client.get(url).content.decode()
    assert f"This request closed on {letter_a.closes_on:%-d %B %Y}" in page
    assert 'name="option"' not in page
    page = client.post(url, form_data(letter_a, on=after - timedelta(days=1))).content.decode()
    assert "This request closed on" in page
    assert ProFormaReturn.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("officer", 404), ("manager", 404), ("auditor", 404), ("outsider", 404), ("lead_b", 404)],
)
def test_who_may_open_partner_a_s_request_in_the_portal(as_persona, letter_a, persona, expected):
    client = as_persona(persona)
    for url in (
        reverse("portal-request", args=[letter_a.pk]),
        reverse("portal-letter", args=[letter_a.pk]),
        reverse("portal-receipt", args=[letter_a.pk, 1]),
    ):
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 302:
            assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("persona", "expected"), [("anonymous", 302), ("officer", 404), ("outsider", 404)])
def test_the_portal_home_is_for_partner_logins_only(as_persona, persona, expected):
    assert as_persona(persona).get(reverse("portal")).status_code == expected


def test_lead_a_posting_to_partner_b_s_request_writes_nothing(as_user, lead_a, letters):
    letter_b = letters[1]
    response = as_user(lead_a).post(reverse("portal-request", args=[letter_b.pk]), form_data(letter_b))
    assert response.status_code == 404
    assert ProFormaReturn.objects.count() == 0


# Query counts -------------------------------------------------------------------------------------------------


def test_portal_home_queries_stay_flat_as_letters_grow(as_user, lead_a, partner_a, django_assert_max_num_queries):
    from tests import factories

    client = as_user(lead_a)
    commissions = [factories.CommissionFactory() for _ in range(3)]
    for index, commission in enumerate(commissions):
        factories.MembershipFactory(commission=commission, partner=partner_a)
        other = factories.MembershipFactory(commission=commission).partner
        issue_letters(commission, partner_a, other)
        with django_assert_max_num_queries(6):
            page = client.get(reverse("portal")).content.decode()
        assert page.count('href="/portal/requests/') == 2 * (index + 1)  # the request and its letter


def test_pro_forma_pages_use_a_fixed_number_of_queries(
    as_user, lead_a, letter_a, token_a, django_assert_max_num_queries
):
    Client().get(_url(token_a))  # viewed once; later views only read
    with django_assert_max_num_queries(10):
        assert Client().get(_url(token_a)).status_code == 200
    client = as_user(lead_a)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("portal-request", args=[letter_a.pk])).status_code == 200
    services.return_submit(letter=letter_a, data=agree(letter_a), by=None, via="link")
    with django_assert_max_num_queries(11):
        assert Client().get(_url(token_a)).status_code == 200
