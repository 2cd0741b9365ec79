"""Setting up a commission in a real browser, from nothing but a host partner: an officer creates the commission,
adds the four work-streams with shares 5/17/68/10 (a sum of 110% refused first), adds a partner with a contact (a bad
email refused first) and adds it to the commission. Every page visited passes axe-core's WCAG 2.2 AA checks, error
summaries and confirmation panels included."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from commissioning import roles
from commissioning.models import Commission
from partners.models import Partner
from tests import factories
from tests.e2e.conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = factories.TEST_PASSWORD
STREAMS = [
    ("Workforce and Co-ordination", "5"),
    ("Early Support", "17"),
    ("Medium and High Risk Support", "68"),
    ("Perpetrators", "10"),
]


@pytest.fixture
def officer(db):  # type: ignore[no-untyped-def]
    """The role groups (emptied with the database after every browser test) and an officer; one host partner."""
    roles.sync_roles(apps)
    factories.PartnerFactory(name="Essex County Council", kind=Partner.Kind.COUNTY_COUNCIL)
    return factories.OfficerFactory(username="officer")


def _accessible(page: Page) -> None:
    assert axe_violations(page) == [], page.url


def test_officer_sets_up_a_commission_with_work_streams_and_a_partner(page: Page, live_server, officer):
    sign_in(page, live_server, "officer", PASSWORD)
    main = page.locator("main")
    summary = page.locator(".govuk-error-summary")

    # The commission.
    page.get_by_role("link", name="Create a commission").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a commission")
    _accessible(page)
    page.get_by_role("button", name="Create commission").click()
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Create a commission"))
    _accessible(page)
    page.get_by_label("Name", exact=True).fill("Essex domestic abuse services")
    page.get_by_label("Host partner").select_option(label="Essex County Council")
    page.get_by_label("Target, in pounds").fill("1,502,449")
    page.get_by_label("First financial year").select_option(label="2018/19")
    page.get_by_label("Number of years").fill("3")
    page.get_by_role("button", name="Create commission").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Commission created")
    expect(main).to_contain_text("2018/19, 2019/20, 2020/21")
    _accessible(page)
    commission = Commission.objects.get()

    # Its work-streams, then their shares.
    for number, (name, _) in enumerate(STREAMS):
        page.goto(f"{live_server.url}/commissions/{commission.pk}/")
        page.get_by_role("link", name="Add a work-stream").click()
        if number == 0:
            _accessible(page)
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_role("button", name="Add work-stream").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{name} added")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pooled shares")
    _accessible(page)
    for name, share in STREAMS:
        page.get_by_label(f"{name}, percent of the pool").fill("20" if name == "Perpetrators" else share)
    page.get_by_role("button", name="Save shares").click()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("these sum to 110%")
    _accessible(page)
    page.get_by_label("Perpetrators, percent of the pool").fill("10")
    page.get_by_role("button", name="Save shares").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("they sum to 100%")
    expect(page.get_by_role("heading", level=1)).to_have_text("Essex domestic abuse services")
    for text in ("68%", "Total of pooled shares", "100%"):
        expect(main).to_contain_text(text)
    _accessible(page)

    # A partner and its finance lead.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Partners").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partners")
    _accessible(page)
    page.get_by_role("link", name="Add a partner").click()
    page.get_by_label("Name", exact=True).fill("Southend-on-Sea Borough Council")
    page.get_by_label("Unitary authority").check()
    page.get_by_role("button", name="Add partner").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Partner added")
    _accessible(page)
    page.get_by_role("link", name="Add a contact at Southend-on-Sea Borough Council").click()
    page.get_by_label("Full name").fill("Pat Example")
    page.get_by_label("Position").fill("Section 151 Officer")
    page.get_by_label("Finance lead").check()
    page.get_by_label("Email address").fill("pat at southend")
    page.get_by_role("button", name="Add contact").click()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a valid email address")
    _accessible(page)
    page.get_by_label("Email address").fill("pat@southend.example.org")
    page.get_by_role("button", name="Add contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Southend-on-Sea Borough Council")
    expect(main).to_contain_text("pat@southend.example.org")
    _accessible(page)

    # It joins the commission.
    page.goto(f"{live_server.url}/commissions/{commission.pk}/")
    page.get_by_role("link", name="Add a partner to this commission").click()
    _accessible(page)
    page.get_by_label("Partner", exact=True).select_option(label="Southend-on-Sea Borough Council")
    page.get_by_label("Date it joined").fill("1/4/2018")
    page.get_by_label("Contribution requested per year, in pounds (optional)").fill("25,000")
    page.get_by_role("button", name="Add to commission").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now a member of")
    partners = page.locator("#partners ~ table").first
    expect(partners).to_contain_text("Southend-on-Sea Borough Council")
    expect(partners).to_contain_text("£25,000")
    _accessible(page)
    screenshot(page, "setup-commission-overview")
