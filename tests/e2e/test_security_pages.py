"""Security pages in the browser: the lockout page, and the admin under its own Content-Security-Policy.

Chromium logs a console error for everything a policy blocks. These tests watch the console themselves rather
than through the `page` fixture, because each meets one expected failed load that is no fault: the lockout page's
own status (429), and the admin's pages, which name no icon, asking for /favicon.ico (404).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.e2e.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXPECTED_LOAD_FAILURE = "Failed to load resource: the server responded with a status of"


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page, and the console errors and script errors it reports, failed loads aside."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith(EXPECTED_LOAD_FAILURE)
            else None
        ),
    )
    yield page, errors
    context.close()


def test_the_lockout_page_after_five_wrong_passwords_is_accessible(watched, live_server):
    page, errors = watched
    officer = factories.UserFactory()  # any username locks; no role needed (a browser test's groups are emptied)
    for _ in range(4):
        sign_in(page, live_server, officer.username, "not-the-password-at-all")
        expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill("not-the-password-at-all")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked for 30 minutes")
    assert axe_violations(page) == []
    assert errors == []


def test_the_admin_and_its_export_page_run_under_the_admins_policy(watched, live_server):
    page, errors = watched
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()
    for name in ("admin:allocations_basisvalue_changelist", "admin:commissioning_commission_changelist"):
        page.goto(f"{live_server.url}{reverse(name)}")
        expect(page.locator("#changelist")).to_be_visible()
    # django-import-export's export form: inline styles and an onchange handler, which the admin's policy allows.
    page.goto(f"{live_server.url}{reverse('admin:allocations_basisvalue_export')}")
    expect(page.locator("#content form")).to_be_visible()
    toggle = page.locator("#select-all-toggle")
    if toggle.count():
        toggle.uncheck()
        toggle.check()
    assert errors == []
