"""The fund statement, transactions, plan versions and a partner's own statement in a real browser, on the
Lancashire demo with a few postings: every page passes axe-core's WCAG 2.2 AA checks, error summaries included."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

from commissioning import ledger, roles, statement
from commissioning.models import Commission, User
from commissioning.money import format_pounds
from partners.models import Partner
from reports.selectors import commission_fund_statement
from tests import factories
from tests.e2e.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = factories.TEST_PASSWORD


@pytest.fixture
def demo_ledger(settings):  # type: ignore[no-untyped-def]
    """The demo, with Preston's £12,000 pledged, invoiced and £5,000 of it received for 2013/14, and £12,000
    allocated to Medium and High Risk Support."""
    roles.sync_roles(apps)
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    commission = Commission.objects.get()
    preston = Partner.objects.get(name="Preston City Council")
    year = commission.years.get(number=1)
    for post in (ledger.pledge_accepted_post, ledger.contribution_invoiced_post):
        post(partner=preston, financial_year=year, amount=Decimal("12000"), by=None, date=date(2013, 4, 10))
    ledger.contribution_received_post(
        partner=preston, financial_year=year, amount=Decimal("5000"), by=None, date=date(2013, 10, 1)
    )
    ledger.allocation_post(
        financial_year=year,
        work_stream=commission.work_streams.get(name="Medium and High Risk Support"),
        amount=Decimal("12000"),
        by=None,
    )
    return commission


def test_officer_reads_the_statement_and_transactions_and_freezes_the_plan(page: Page, live_server, demo_ledger):
    sign_in(page, live_server, "officer", PASSWORD)
    page.get_by_role("link", name=demo_ledger.name).click()
    nav = page.get_by_role("navigation", name="Commission pages")

    nav.get_by_role("link", name="Fund statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fund statement")
    page.get_by_label("Financial year", exact=True).select_option("2013/14")
    page.get_by_role("button", name="Show the year").click()
    main = page.locator("main")
    for text in ("Income by source, 2013/14", "Preston City Council", "Total outstanding"):
        expect(main).to_contain_text(text)
    # The charts are images named by their titles, described by their figures, drawn before their tables.
    first = commission_fund_statement(demo_ledger).years[0]
    funding = page.get_by_role("img", name="Funding by source per year")
    expect(funding).to_be_visible()
    pledged = re.escape(f"2013/14: Partners' pledges {format_pounds(first.pledged)},")
    expect(funding).to_have_accessible_description(re.compile(f"^{pledged}"))
    allocation = page.get_by_role("img", name="Allocation by work-stream, 2013/14")
    expect(allocation).to_be_visible()
    allocated = re.escape(f"Allocated to work-streams in 2013/14: {format_pounds(first.allocated)} in all.")
    expect(allocation).to_have_accessible_description(re.compile(f"^{allocated}"))
    assert axe_violations(page) == []

    # The report for partners: a quarter's PDF downloads; a period that is not offered is an error summary.
    page.get_by_label("Financial year to report on").select_option("2013/14")
    page.get_by_label("Q3: October to December").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the report (PDF)").click()
    assert download.value.suggested_filename == f"fund-statement-{demo_ledger.pk}-2013-14-q3.pdf"
    page.goto(f"{live_server.url}/commissions/{demo_ledger.pk}/statement/report.pdf?report-year=2013&report-period=q5")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the whole year or a quarter from Q1 to Q4")
    assert axe_violations(page) == []

    page.get_by_role("navigation", name="Commission pages").get_by_role("link", name="Transactions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Transactions")
    posted = demo_ledger.ledger_transactions.count()
    received = demo_ledger.ledger_transactions.filter(kind="contribution_received").count()
    expect(page.locator("main")).to_contain_text(f"{posted} transactions")
    page.get_by_label("Kind").select_option("Contribution received")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("main")).to_contain_text(f"{received} transaction{'s' if received > 1 else ''} match")
    assert axe_violations(page) == []
    page.goto(f"{page.url}&year=1999")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select a financial year from the list")
    assert axe_violations(page) == []

    page.get_by_role("navigation", name="Commission pages").get_by_role("link", name="Plan versions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funding plan versions")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Freeze the plan as a new version").click()
    page.get_by_role("button", name="Freeze the plan").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a label for the version")
    assert axe_violations(page) == []
    page.get_by_label("Label").fill("Initial approval")
    # The demo's November 2013 decision is decided and approved, so the plan can be frozen for it.
    decision = page.get_by_label("Decision record (optional)")
    decision.select_option(index=1)
    page.get_by_role("button", name="Freeze the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Initial approval")
    expect(page.locator("main")).to_contain_text("SHA-256")
    expect(page.get_by_role("link", name="CM001/13")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="What has changed since this version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funding movements")
    expect(page.locator("main")).to_contain_text("No figure changed between these two plans.")
    assert axe_violations(page) == []


def test_a_partner_lead_reads_their_own_statement(page: Page, live_server, demo_ledger):
    sign_in(page, live_server, "preston-finance", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Preston City Council")
    page.get_by_role("link", name=f"Statement for {demo_ledger.name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Statement for {demo_ledger.name}")
    mine = statement.partner_statement(demo_ledger, Partner.objects.get(name="Preston City Council").pk)
    main = page.locator("main")
    for text in ("Q3 (Oct–Dec)", f"Outstanding (pledged, not yet received) {format_pounds(mine.outstanding)}"):
        expect(main).to_contain_text(text)
    assert axe_violations(page) == []
    page.get_by_label("Financial year to report on").select_option("2013/14")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the report (PDF)").click()
    assert download.value.suggested_filename.endswith("-2013-14.pdf")
