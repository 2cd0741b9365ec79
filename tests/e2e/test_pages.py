"""The Lancashire demo as a person sees it: sign in, the pages, their accessibility, and GOV.UK's JavaScript."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

from commissioning import roles
from commissioning.models import Commission, User
from tests import factories
from tests.e2e.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = factories.TEST_PASSWORD


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    """The demo as `make run` loads it. A browser test's database is emptied after each test, the migration's
    role groups with it, so they are made again first, as the migration makes them."""
    roles.sync_roles(apps)
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    return Commission.objects.get()


def test_sign_in_page_is_accessible_and_shows_an_error_summary_that_links_to_the_field(page: Page, live_server, demo):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # GOV.UK Frontend's JavaScript moved focus to it
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    assert axe_violations(page) == []
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Username")).to_be_focused()


def test_officer_signs_in_and_reads_the_lancashire_commission(page: Page, live_server, demo):
    sign_in(page, live_server, "officer", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Commissions")
    assert "govuk-frontend-supported" in (page.locator("body").get_attribute("class") or "")
    assert axe_violations(page) == []

    page.get_by_role("link", name=demo.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.name)
    main = page.locator("main")
    for text in ("£3,500,000", "2013/14 to 2015/16", "£101,000", "Medium and High Risk Support", "68%", "£730,000"):
        expect(main).to_contain_text(text)
    assert axe_violations(page) == []


def test_skip_link_is_the_first_thing_a_keyboard_reaches(page: Page, live_server, demo):
    sign_in(page, live_server, "auditor", PASSWORD)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    skip.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()


def test_partner_finance_lead_lands_on_their_own_organisation(page: Page, live_server, demo):
    sign_in(page, live_server, "preston-finance", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Preston City Council")
    expect(page.locator("main")).to_contain_text("£12,000")
    expect(page.get_by_role("link", name="Commissions")).to_have_count(0)
    assert axe_violations(page) == []


def test_narrow_screen_navigation_opens_with_the_menu_button(page: Page, live_server, demo):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, "manager", PASSWORD)
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(page.get_by_role("link", name="Commissions")).to_be_hidden()
    menu.click()
    expect(page.get_by_role("link", name="Commissions")).to_be_visible()
    assert axe_violations(page) == []


def test_signing_out_ends_the_session(page: Page, live_server, demo):
    sign_in(page, live_server, "manager", PASSWORD)
    page.get_by_role("button", name=re.compile("Sign out")).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_allocation_formula_request_and_reconciliation_pages_are_accessible(page: Page, live_server, demo):
    sign_in(page, live_server, "officer", PASSWORD)
    base = f"{live_server.url}/commissions/{demo.pk}"
    formula = demo.formulas.get()
    for path, heading in [
        ("/allocations/", "Allocations and monitoring"),
        ("/formulas/", "Contribution formulas"),
        (f"/formulas/{formula.pk}/", formula.name),
        ("/requests/", "Contribution requests"),
        ("/reconciliation/", "Reconciliation"),
        ("/formulas/new/", "Set up a formula"),
    ]:
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert axe_violations(page) == [], path
    page.goto(f"{live_server.url}/api/docs/")
    assert axe_violations(page) == [], "/api/docs/"


def test_officer_overrides_an_allocation_with_a_reason(page: Page, live_server, demo):
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/commissions/{demo.pk}/allocations/")
    page.get_by_role("link", name="Override Workforce and Co-ordination 2014/15").click()
    page.get_by_label("New allocation, in pounds").fill("80,000")
    page.get_by_role("button", name="Save the override").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert axe_violations(page) == []
    page.get_by_label("Why the allocation differs from the formula").fill("MARAC co-ordinator post")
    page.get_by_role("button", name="Save the override").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("the reason is kept with it")
    expect(page.locator("main")).to_contain_text("£4,877 against the formula")
