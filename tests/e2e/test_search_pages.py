"""The search box, the accessibility statement and the sortable lists in a real browser, on the Lancashire demo:
each passes axe-core's WCAG 2.2 AA checks, the error summary included, and works from the keyboard."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

from commissioning import roles
from commissioning.models import Commission, User
from tests import factories
from tests.e2e.conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = factories.TEST_PASSWORD


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    roles.sync_roles(apps)
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    return Commission.objects.get()


def test_officer_searches_from_the_header_and_opens_a_decision(page: Page, live_server, demo):
    sign_in(page, live_server, "officer", PASSWORD)
    screenshot(page, "header-search")
    search = page.get_by_role("search", name="Search the service")
    search.get_by_label("Search").fill("cm001/13")
    search.get_by_label("Search").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for ‘cm001/13’")
    expect(page.get_by_role("heading", name="Decisions (1)")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "search-results")

    page.get_by_label("Search").fill("preston")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Partners \(\d+\)"))).to_be_visible()
    expect(page.get_by_role("link", name="Preston City Council", exact=True)).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Search").fill("")
    page.get_by_role("button", name="Search").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what to search for")
    expect(page).to_have_title(re.compile(r"^Error: Search"))
    assert axe_violations(page) == []

    page.get_by_label("Search").fill("CM001/13")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile(r"^CM001\/13: ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Strategy")


def test_partner_lead_searches_only_their_own_organisation(page: Page, live_server, demo):
    sign_in(page, live_server, "preston-finance", PASSWORD)
    expect(page.get_by_role("search")).to_have_count(0)  # the header box is for staff
    page.goto(f"{live_server.url}/search/?q=council")
    expect(page.get_by_role("heading", name="Partners (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Decisions")).to_have_count(0)
    assert axe_violations(page) == []


def test_accessibility_statement_is_reached_from_the_footer_signed_out(page: Page, live_server, demo):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement for Pooled fund manager")
    assert axe_violations(page) == []


def test_officer_sorts_and_filters_the_decision_and_transaction_lists(page: Page, live_server, demo):
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/commissions/{demo.pk}/transactions/")
    header = page.get_by_role("columnheader", name=re.compile(r"^Number"))
    expect(header).to_have_attribute("aria-sort", "descending")
    header.get_by_role("link").click()
    expect(page.get_by_role("columnheader", name=re.compile(r"^Number"))).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("tbody tr").first.locator("th")).to_have_text("1")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/commissions/{demo.pk}/decisions/")
    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="CM001/13")).to_be_visible()
    page.get_by_role("columnheader", name=re.compile(r"^Title")).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"status=published"))
    expect(page.get_by_role("columnheader", name=re.compile(r"^Title"))).to_have_attribute("aria-sort", "ascending")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/commissions/{demo.pk}/decisions/?status=lost")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a status from the list")
    assert axe_violations(page) == []
