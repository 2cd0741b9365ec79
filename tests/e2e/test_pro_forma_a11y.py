"""The pro-forma in a real browser: a partner opens the secure link, completes the form with the keyboard alone
(Tab, Space, typing), meets the error summary, returns it, and downloads the receipt. Every page passes axe-core's
WCAG 2.2 AA checks. And a partner login reaches the same page from "Your requests"."""

from __future__ import annotations

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from commissioning import roles
from partners import services
from partners.models import ProFormaReturn
from tests import factories
from tests.e2e.conftest import axe_violations, sign_in
from tests.portal_support import issue_letters, pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The keyboard's path through the form from Option 1, once it is chosen: the Option 1 questions first, right under
# it (the radio group is one stop), then the signature block, the optional extras and the button.
TAB_ORDER = [
    "id_option_0",
    "id_years_agreed_0",
    "id_different_amount",
    "id_organisation",
    "id_signed_on_day",
    "id_signed_on_month",
    "id_signed_on_year",
    "id_signatory_name",
    "id_signatory_position",
    "id_signature",
    "id_authority_confirmed",
    "id_comment",
    "id_in_kind_description",
    "id_in_kind_value",
    "Return the pro-forma",
]


@pytest.fixture
def issued(commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    roles.sync_roles(apps)
    letter_a, _ = issue_letters(commission, partner_a, partner_b)
    return letter_a, services.link_create(letter_a)


def _focused(page: Page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


def _tab_to(page: Page, wanted: str, limit: int = 40) -> None:
    for _ in range(limit):
        if _focused(page) == wanted:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {wanted}")


def test_a_partner_completes_the_pro_forma_by_keyboard_alone(page: Page, live_server, issued):
    letter, token = issued
    page.goto(f"{live_server.url}/pro-forma/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pro-forma: contribution request")
    assert axe_violations(page) == []

    # Choose Option 1 with Space: its questions are revealed right under it.
    _tab_to(page, "id_option_0")
    page.keyboard.press("Space")
    expect(page.locator("#id_option_0")).to_be_checked()
    expect(page.get_by_text("For how many years?")).to_be_visible()

    # Submitting with nothing signed shows the error summary, focused, with links to each field.
    _tab_to(page, "Return the pro-forma")
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the signatory's full name.")
    expect(summary).to_contain_text("Confirm that you have authority to commit the organisation.")
    assert axe_violations(page) == []
    assert ProFormaReturn.objects.count() == 0

    # Walk the form in order, typing where it asks; Option 1 is still chosen.
    page.locator("#id_option_0").focus()
    expect(page.locator("#id_option_0")).to_be_checked()
    seen = [_focused(page)]
    typed = {
        "id_signatory_name": "Pat Example",
        "id_signatory_position": "Section 151 Officer",
        "id_signature": "Pat Example",
        "id_comment": "Agreed at Cabinet.",
    }
    while seen[-1] != "Return the pro-forma":
        page.keyboard.press("Tab")
        seen.append(_focused(page))
        if seen[-1] in typed:
            page.keyboard.type(typed[seen[-1]])
        elif seen[-1] == "id_authority_confirmed":
            page.keyboard.press("Space")
        assert len(seen) <= len(TAB_ORDER), seen
    assert seen == TAB_ORDER
    page.keyboard.press("Enter")

    expect(page.locator(".govuk-panel__title")).to_have_text("Pro-forma returned")
    returned = ProFormaReturn.objects.get()
    assert returned.signatory_name == "Pat Example"
    assert returned.comment == "Agreed at Cabinet."
    assert returned.years_agreed == 3
    expect(page.locator("main")).to_contain_text(returned.digest)
    expect(page.locator("main")).to_contain_text("£21,000")
    assert axe_violations(page) == []

    # The receipt, reached and opened from the keyboard.
    _tab_to(page, "Download your receipt (PDF)")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    pdf = open(download.value.path(), "rb").read()  # noqa: SIM115 (read once)
    assert pdf.startswith(b"%PDF")
    assert returned.digest in "".join(pdf_text(pdf).split())


def test_a_partner_login_reaches_the_pro_forma_from_your_requests(page: Page, live_server, issued, partner_a):
    letter, _ = issued
    factories.PartnerLeadFactory(partner=partner_a, username="lead-a")
    sign_in(page, live_server, "lead-a", factories.TEST_PASSWORD)
    page.get_by_role("link", name="Your requests").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your requests")
    assert axe_violations(page) == []
    request_link = page.get_by_role("rowheader").get_by_role("link")
    expect(request_link).to_have_text(f"{letter.reference}, {letter.commission.name}")
    request_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pro-forma: contribution request")
    expect(page.get_by_role("link", name="Download the request letter (PDF)")).to_be_visible()
    assert axe_violations(page) == []
