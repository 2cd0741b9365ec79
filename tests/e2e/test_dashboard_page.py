"""The commission dashboard in a real browser, on the Lancashire demo with a decision waiting for sign-off: it
passes axe-core's WCAG 2.2 AA checks, its charts are images with their figures in tables, and a screenshot is kept
(docs/dashboard.png is a copy of its top, as the page first opens)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

from commissioning import roles
from commissioning.models import Commission, User
from reports.models import Decision
from tests import factories
from tests.decision_support import cabinet_template, submitted
from tests.e2e.conftest import SCREENSHOTS, axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = factories.TEST_PASSWORD
TITLE = "Use of the 2013/14 underspend in 2015/16"


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    """The demo as `make run` loads it (role groups made again first: a browser test empties the database after
    it), and a report to the cabinet member submitted for sign-off."""
    roles.sync_roles(apps)
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    commission = Commission.objects.get()
    template = commission.decision_templates.filter(kind="cabinet_member").first() or cabinet_template(commission)
    submitted(template, title=TITLE)
    return commission


def test_officer_opens_the_demo_dashboard_and_it_is_accessible(page: Page, live_server, demo):
    sign_in(page, live_server, "officer", PASSWORD)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    nav = page.get_by_role("navigation", name="Commission pages")
    expect(nav.get_by_role("link").first).to_have_text("Dashboard")
    expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")

    main = page.locator("main")
    for text in ("£3,500,000", "£4,507,446", "£4,051,999", "£455,447", "£3,321,999", "Crime and Disorder reserve"):
        expect(main).to_contain_text(text)
    expect(page.get_by_role("img", name="Secured against the target")).to_be_visible()
    expect(page.get_by_role("img", name="Funding position per year")).to_be_visible()
    expect(page.get_by_role("img", name="Arrears by partner")).to_be_visible()
    expect(page.get_by_role("img", name="Reserve balances")).to_be_visible()
    outturn = "Allocation, forecast and actual spend by work-stream, 2013/14"
    expect(page.get_by_role("img", name=outturn)).to_be_visible()
    expect(page.get_by_role("table", name="Funding position by financial year")).to_be_visible()
    # The top of the page as it first opens, small enough for the README (docs/dashboard.png is a copy).
    # A tall viewport, so the summary at a glance and the first chart are in it.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.screenshot(path=str(SCREENSHOTS / "dashboard-viewport.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_text("Show the figures for 2013/14 as a table").click()
    table = page.get_by_role("table", name=outturn)
    expect(table).to_be_visible()
    expect(table).to_contain_text("£1,502,548")
    assert axe_violations(page) == []
    assert screenshot(page, "dashboard").exists()

    decision = Decision.objects.get(title=TITLE)
    page.get_by_role("link", name=decision.reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
