"""Providers and contracts in a real browser on the Lancashire demo with seed 004's Early Support providers: an
officer reads the contracts, records a quarter's spend (a refused one first), and adds a provider; every page passes
axe-core's WCAG 2.2 AA checks, error summaries included."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

from commissioning import roles
from commissioning.demo_providers import demo_providers
from commissioning.models import Commission, Contract, User
from tests import factories
from tests.e2e.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = factories.TEST_PASSWORD


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    """The demo as `make run` loads it, with seed 004's providers and contracts added as the demo loader adds them."""
    roles.sync_roles(apps)
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    commission = Commission.objects.get()
    if not commission.contracts.exists():
        demo_providers(commission)
    return commission


def test_officer_reads_contracts_and_records_spend(page: Page, live_server, demo):
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/commissions/{demo.pk}/")
    page.get_by_role("navigation", name="Commission pages").get_by_role("link", name="Providers and contracts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Providers and contracts")
    main = page.locator("main")
    for text in ("SafeNet", "Liberty Centre", "Burnley Borough Council", "Committed against allocated"):
        expect(main).to_contain_text(text)
    assert axe_violations(page) == []

    page.get_by_label("Financial year").select_option(label="2014/15")
    page.get_by_role("button", name="Show contracts").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("running in 2014/15")
    assert axe_violations(page) == []

    contract = Contract.objects.get(provider__name="SafeNet")
    page.get_by_role("link", name=contract.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(contract.title)
    expect(main).to_contain_text("Lancaster City Council")
    expect(main).to_contain_text("no value per year is recorded")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Record spend").click()
    page.get_by_label("Financial year").select_option(label="2013/14")
    page.get_by_label("Quarter 3 (October to December)").check()
    page.get_by_label("Forecast outturn for the whole year, in pounds").fill("30,000")
    page.get_by_label("Actual spend in the quarter, in pounds (optional)").fill("7,500")
    page.get_by_role("button", name="Record spend").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Quarter 3 of 2013/14 (1 October 2013 to 31 December 2013) is outside")
    assert axe_violations(page) == []

    page.get_by_label("Quarter 4 (January to March)").check()
    page.get_by_role("button", name="Record spend").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("£7,500.00 posted as spend")
    expect(main).to_contain_text("£7,500")
    assert axe_violations(page) == []


def test_provider_pages_and_forms_are_accessible(page: Page, live_server, demo):
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/providers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Providers")
    assert axe_violations(page) == []
    page.get_by_role("link", name="HARV").click()
    expect(page.locator("main")).to_contain_text("Ribble Valley Borough Council")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/providers/new/")
    page.get_by_label("Name").fill("harv")
    page.get_by_role("button", name="Add provider").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("There is already a provider called HARV")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/commissions/{demo.pk}/contracts/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a contract")
    assert axe_violations(page) == []
