"""Reserves, year-end, carry-forwards and the pool in a real browser on the Lancashire demo with its funding
history: an officer reads them and meets an error summary, a manager approves a carry-forward's outline, and
Preston's finance lead sees Preston's share of the pool. Every page passes axe-core's WCAG 2.2 AA checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

from allocations.year_end_services import carry_forward_propose_from_year_end
from commissioning import roles
from commissioning.models import Commission, User
from partners.models import Partner
from tests import factories
from tests.e2e.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = factories.TEST_PASSWORD


@pytest.fixture
def demo_history(settings):  # type: ignore[no-untyped-def]
    """The demo (which carries the seeds' reserve drawdowns, the provisional £455,447 carry-forward and Preston's
    £12,000 pledged for each year), and a proposed carry-forward of what is left (£99) for the manager to decide."""
    roles.sync_roles(apps)
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    commission = Commission.objects.get()
    years = list(commission.years.order_by("number"))
    carry_forward_propose_from_year_end(
        from_year=years[0], to_year=years[1], amount=Decimal("99"), reason="What is left", by=None
    )
    return commission


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Commission pages").get_by_role("link", name=name).click()


def test_officer_reads_reserves_year_end_and_pool_and_meets_an_error(page: Page, live_server, demo_history):
    commission = demo_history
    sign_in(page, live_server, "officer", PASSWORD)
    page.get_by_role("link", name=commission.name).click()

    _nav(page, "Reserves")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reserves")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Crime and Disorder reserve").click()
    main = page.locator("main")
    for text in ("£730,000", "£321,000", "£409,000", "CM001/13"):
        expect(main).to_contain_text(text)
    page.get_by_text("History", exact=False).first.click()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Propose a drawdown").click()
    page.get_by_label("2015/16 (year 3)").check()
    page.get_by_label("Amount to draw, in pounds").fill("1")
    page.get_by_label("Why the reserve is drawn on").fill("More")
    page.get_by_role("button", name="Propose the drawdown").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("a drawdown of £1.00 is more than that")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/commissions/{commission.pk}/year-end/")
    expect(page.locator("main")).to_contain_text("£455,546")
    assert axe_violations(page) == []
    # All of 2013/14's underspend is claimed (455,447 + 99 = 455,546), so the page offers no proposal; the form
    # itself still opens, and says so.
    expect(page.get_by_role("link", name="Propose a carry-forward from 2013/14")).to_have_count(0)
    page.goto(f"{live_server.url}/commissions/{commission.pk}/year-end/{commission.years.get(number=1).pk}/propose/")
    expect(page.locator("main")).to_contain_text("£0 of 2013/14 underspend left to carry forward")
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a carry-forward from 2013/14")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/commissions/{commission.pk}/")
    _nav(page, "Pool rules")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pool rules")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Change the pool rules").click()
    assert axe_violations(page) == []


def test_manager_gives_a_carry_forward_outline_approval(page: Page, live_server, demo_history):
    commission = demo_history
    sign_in(page, live_server, "manager", PASSWORD)
    page.goto(f"{live_server.url}/commissions/{commission.pk}/carry-forwards/")
    expect(page.locator("main")).to_contain_text("Outline approved")
    assert axe_violations(page) == []
    page.get_by_role("link", name="2013/14 to 2014/15, £99").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("£99 from 2013/14 to 2014/15")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Give outline approval").click()
    assert axe_violations(page) == []
    page.get_by_label("Decision reference").fill("Partnership Board, 20 March 2014")
    page.get_by_role("button", name="Give outline approval").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("given outline approval")
    expect(page.locator("main")).to_contain_text("Provisional funding of 2014/15")
    assert axe_violations(page) == []


def test_prestons_finance_lead_sees_prestons_share_of_the_pool(page: Page, live_server, demo_history):
    commission = demo_history
    preston = Partner.objects.get(name="Preston City Council")
    sign_in(page, live_server, "preston-finance", PASSWORD)
    page.goto(f"{live_server.url}/commissions/{commission.pk}/pool/partners/{preston.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Preston City Council's share of the pool")
    # 2014/15: Preston pledged £12,000 of the £1,181,449 pledged (the districts' £101,000 and the host's £1,080,449);
    # the pool's income is £1,181,449 + the £321,000 drawdown = £1,502,449, so its share is
    # 1,502,449 × 12,000 ÷ 1,181,449 = £15,260.403…, £15,260.41 once the partners' shares are split to the penny.
    expect(page.locator("main")).to_contain_text("£15,260.41")
    assert axe_violations(page) == []
