"""The officer's journey in a real browser, from a formula to a published decision, on a commission with two
partners, a reserve and a kind of decision report but no formula yet: the officer sets up a formula, drafts the
requests and issues the letters; partner A returns its pro-forma through the link it was e-mailed; the officer
accepts the return, sets the year's budget and records a monitoring return, and proposes a drawdown from the
reserve; a decision is drafted, given a recommendation and submitted, signed off by the officer and then by a
manager (a second person, in a second browser), decided, the drawdown approved on it and posted, and the decision
published; its published PDF is read back. Every page the journey lands on, error pages and confirmations included,
passes axe-core's WCAG 2.2 AA checks and is photographed. The pages are driven by their own labels, so a change of
wording breaks this test loudly."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from allocations.models import Formula, MonitoringReturn
from commissioning import roles
from commissioning.models import Commission, ReserveDrawdown
from partners.models import ContributionRequest, Pledge, ProFormaReturn, RequestLetter
from reports.models import Decision
from tests import factories
from tests.decision_support import cabinet_template
from tests.e2e.journey import Visits, emailed_link, pdf_of, second_person
from tests.request_support import IMMEDIATE_TASKS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = factories.TEST_PASSWORD
FORMULA = "Contributions 2013 to 2016"
RESERVE = "Crime and Disorder reserve"
TITLE = "Use of the Crime and Disorder reserve in 2014/15"
# No figure in the words: the figures the PDF is checked for come from its tables, which are read from the ledger.
RECOMMENDATION = "Approve the use of the Crime and Disorder reserve to meet the gap in funding of 2014/15."


@pytest.fixture
def setting_up(settings, live_server, commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    """The commission as set up before any formula: partners A (asked £7,000 a year in its membership) and B
    (£12,000), each with a finance lead to write to; the Crime and Disorder reserve of £730,000, its opening balance
    not yet posted; a Report to the Cabinet Member, signed off by its author and the chief finance officer. An
    officer and a manager to sign in. Background jobs run at once; links in e-mails point at this server."""
    settings.TASKS = IMMEDIATE_TASKS
    settings.SITE_URL = live_server.url
    roles.sync_roles(apps)
    for partner in (partner_a, partner_b):
        factories.ContactFactory(partner=partner, role="finance_lead", email=f"finance@p{partner.pk}.example.org")
    factories.ReserveFactory(commission=commission, name=RESERVE, opening_balance=Decimal("730000.00"))
    cabinet_template(commission)
    officer = factories.OfficerFactory(username="helen", first_name="Helen", last_name="Denton")
    manager = factories.ManagerFactory(username="angie", first_name="Angie", last_name="Ridgwell")
    assert not commission.formulas.exists()
    return officer, manager


def _sign_in(page: Page, visit: Visits, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/")
    _h1(page, "Sign in")
    visit(page, "sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    _h1(page, "Commissions")
    visit(page, "home")


def _nav(page: Page, visit: Visits, name: str, heading: str | None = None) -> None:
    """Follow the commission's navigation to the page `name` (headed `heading`, when it differs), checking the
    page reached; from a page without the navigation, first the breadcrumb back to the commission."""
    nav = page.get_by_role("navigation", name="Commission pages")
    if not nav.count():
        page.get_by_role("navigation", name="Breadcrumb").get_by_role("link").nth(1).click()
        expect(nav).to_be_visible()
        visit(page, "commission")
    nav.get_by_role("link", name=name).click()
    _h1(page, heading or name)
    visit(page, name.lower().replace(" ", "-"))


def _open_the_reserve(page: Page, visit: Visits) -> None:
    _nav(page, visit, "Reserves")
    page.get_by_role("link", name=RESERVE).click()
    _h1(page, RESERVE)
    visit(page, "reserve")


def _banner(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def _h1(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def _errors(page: Page, *messages: str) -> None:
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    for message in messages:
        expect(summary).to_contain_text(message)


def _set_up_the_formula(page: Page, visit: Visits, commission: Commission) -> None:
    page.get_by_role("link", name=commission.name).click()
    _h1(page, commission.name)
    visit(page, "commission")
    _nav(page, visit, "Formulas", "Contribution formulas")
    page.get_by_role("link", name="Set up a formula").click()
    _h1(page, "Set up a formula")
    visit(page, "formula-new")

    page.get_by_role("button", name="Save and compute").click()
    _errors(page)
    visit(page, "formula-errors")
    assert not Formula.objects.exists()

    page.get_by_label("Name", exact=True).fill(FORMULA)
    page.get_by_label("Fixed amounts").check()
    partners = page.get_by_role("group", name="Partners to ask")
    for checkbox in partners.get_by_role("checkbox").all():
        checkbox.check()
    page.get_by_role("button", name="Save and compute").click()
    _banner(page, "created")
    _h1(page, FORMULA)
    # A £7,000 and B £12,000 a year, as their memberships ask.
    expect(page.locator("main")).to_contain_text("£19,000")
    visit(page, "formula")

    page.get_by_role("button", name="Draft requests for every year").click()
    _h1(page, "Contribution requests")
    _banner(page, "6 draft requests made")
    visit(page, "requests")
    assert ContributionRequest.objects.filter(status=ContributionRequest.Status.DRAFT).count() == 6


def _issue_the_letters(page: Page, visit: Visits) -> None:
    page.get_by_role("link", name="Issue requests").click()
    _h1(page, "Issue requests")
    visit(page, "issue")
    deadline = timezone.localdate() + timedelta(days=30)
    page.get_by_label("Day", exact=True).fill(str(deadline.day))
    page.get_by_label("Month", exact=True).fill(str(deadline.month))
    page.get_by_label("Year", exact=True).fill(str(deadline.year))
    page.get_by_label("Their position").fill("Chair, Community Safety Strategy Group")
    page.get_by_role("button", name="Issue requests").click()
    # Flow: the issue page redirects to the job that sends the e-mails, which shows their progress (here the
    # immediate backend has sent them already); the commission's pages lead on to the returns dashboard.
    _h1(page, "Send 2 request letters")
    _banner(page, "2 request letters issued.")
    expect(page.locator("main")).to_contain_text("2 of 2 letters sent")
    visit(page, "issue-job")
    page.get_by_role("navigation", name="Commission pages").get_by_role("link", name="Returns and chase list").click()
    _h1(page, "Returns")
    visit(page, "returns")
    assert RequestLetter.objects.count() == 2
    assert len(mail.outbox) == 2


def _partner_returns_the_pro_forma(browser: Browser, visit: Visits, letter: RequestLetter) -> None:
    """Partner A's finance lead, at their own desk, opens the link from the e-mail and returns Option 1 for all
    three years. (The keyboard-only return is test_partner_journey.py.)"""
    with second_person(browser) as partner:
        partner.goto(emailed_link(letter.recipient_email))
        _h1(partner, "Pro-forma: contribution request")
        visit(partner, "partner-pro-forma")
        partner.get_by_label("Option 1: we agree to contribute, as asked").check()
        partner.get_by_label("Signatory's full name").fill("Pat Example")
        partner.get_by_label("Position", exact=True).fill("Section 151 Officer")
        partner.get_by_label("Type your full name as your signature").fill("Pat Example")
        partner.get_by_label(re.compile("I confirm I have authority")).check()
        partner.get_by_role("button", name="Return the pro-forma").click()
        expect(partner.locator(".govuk-panel__title")).to_have_text("Pro-forma returned")
        visit(partner, "partner-returned")
    assert ProFormaReturn.objects.filter(letter=letter).count() == 1


def _accept_the_return(page: Page, visit: Visits, letter: RequestLetter) -> None:
    page.reload()
    expect(page.get_by_role("link", name=letter.partner_name)).to_be_visible()
    visit(page, "returns-with-the-return")
    page.get_by_role("link", name=letter.partner_name).click()
    _h1(page, f"Request to {letter.partner_name}")
    visit(page, "letter")
    page.get_by_role("button", name="Accept return").click()
    _banner(page, "3 pledges of £21,000 in all, posted to the ledger.")
    visit(page, "letter-accepted")
    assert Pledge.objects.filter(partner=letter.partner).count() == 3


def _monitor_the_first_year(page: Page, visit: Visits) -> None:
    _nav(page, visit, "Allocations and monitoring")
    page.get_by_role("link", name="Set the 2013/14 budget").click()
    _h1(page, "2013/14")
    visit(page, "budget")
    # The year's budget is what is secured for it so far: partner A's £7,000.
    page.get_by_label("Pooled budget for the year, in pounds").fill("7,000")
    page.get_by_role("button", name=re.compile("^Save")).click()
    _banner(page, "2013/14 budget set to £7,000 and split.")
    visit(page, "allocations-budgeted")
    page.get_by_role("button", name="Post the 2013/14 allocations to the ledger").click()
    _banner(page, "allocations for 2013/14 posted to the ledger.")
    visit(page, "allocations-posted")

    page.get_by_role("link", name="Record a monitoring return for 2013/14").click()
    _h1(page, "Record a monitoring return, 2013/14")
    visit(page, "monitoring")
    page.get_by_label("Work-stream").select_option(label="Medium and High Risk Support")
    page.get_by_label("Quarter 2 (July to September)").check()
    page.get_by_label("Full-year forecast outturn, in pounds").fill("4,500")
    page.get_by_label("Actual spend to the end of the quarter, in pounds").fill("2,100")
    page.get_by_role("button", name="Record").click()
    _banner(page, "Monitoring return recorded.")
    visit(page, "allocations-monitored")
    monitoring = MonitoringReturn.objects.get()
    assert (monitoring.quarter, monitoring.forecast, monitoring.actual) == (2, Decimal("4500"), Decimal("2100"))


def _propose_a_drawdown(page: Page, visit: Visits) -> None:
    _open_the_reserve(page, visit)
    page.get_by_role("button", name="Post the opening balance of £730,000").click()
    _banner(page, "Opening balance of £730,000 posted")
    visit(page, "reserve-opened")

    page.get_by_role("link", name=f"Propose a drawdown from the {RESERVE}").click()
    _h1(page, f"Propose a drawdown from the {RESERVE}")
    visit(page, "drawdown")
    page.get_by_label("2014/15 (year 2)").check()
    page.get_by_label("Amount to draw, in pounds").fill("321,000")
    page.get_by_label("Why the reserve is drawn on").fill("Meet the gap in funding of 2014/15.")
    page.get_by_role("button", name="Propose the drawdown").click()
    _banner(page, "Drawdown of £321,000 proposed.")
    visit(page, "drawdown-proposed")
    assert ReserveDrawdown.objects.get().status == ReserveDrawdown.Status.PROPOSED


def _draft_and_submit_a_decision(page: Page, visit: Visits) -> Decision:
    _nav(page, visit, "Decisions")
    page.get_by_role("link", name="New decision").click()
    _h1(page, "New decision")
    visit(page, "decision-new")
    page.get_by_role("button", name="Create the draft decision").click()
    _errors(page, "Enter the title")
    visit(page, "decision-errors")
    assert not Decision.objects.exists()

    page.get_by_label(re.compile("^Report to the Cabinet Member")).check()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Decision-maker").fill("Cabinet Member for Adult and Community Services")
    page.get_by_role("button", name="Create the draft decision").click()
    decision = Decision.objects.get()
    _banner(page, f"Decision {decision.reference} created as a draft.")
    _h1(page, TITLE)
    visit(page, "decision-draft")

    page.get_by_role("link", name="Add a recommendation").click()
    _h1(page, f"Add a recommendation to {decision.reference}")
    visit(page, "recommendation")
    page.get_by_label("Recommendation").fill(RECOMMENDATION)
    page.get_by_role("button", name="Add the recommendation").click()
    _banner(page, "Recommendation (i) added.")
    expect(page.locator("main")).to_contain_text(RECOMMENDATION)
    visit(page, "decision-recommended")

    page.get_by_role("button", name="Submit for sign-off").click()
    _banner(page, f"{decision.reference} submitted for sign-off.")
    visit(page, "decision-submitted")
    # The officer who submitted it signs as its author.
    page.get_by_role("button", name="Sign off as report author").click()
    _banner(page, "Signed off as report author")
    visit(page, "decision-author-signed")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.SUBMITTED
    return decision


def _manager_signs_off_decides_and_approves(browser: Browser, live_server, manager, decision: Decision) -> None:  # type: ignore[no-untyped-def]
    """A manager, signed in at their own desk, signs off as chief finance officer, records the decision, and
    approves the drawdown on it."""
    visit = Visits("manager")
    commission = decision.commission
    with second_person(browser) as page:
        _sign_in(page, visit, live_server, manager.username)
        page.get_by_role("link", name=commission.name).click()
        _h1(page, commission.name)
        visit(page, "commission")
        _nav(page, visit, "Decisions")
        page.get_by_role("link", name=decision.reference).click()
        _h1(page, TITLE)
        visit(page, "decision-submitted")
        page.get_by_role("button", name="Sign off as chief finance officer (treasurer)").click()
        _banner(page, "Signed off as chief finance officer (treasurer)")
        visit(page, "decision-signed-off")

        page.get_by_role("link", name="Record the decision").click()
        _h1(page, f"Record the decision on {decision.reference}")
        visit(page, "decide")
        page.get_by_role("group", name="Outcome").get_by_label("Approved", exact=True).check()
        page.get_by_role("group", name="Recommendation (i)").get_by_label("Approved", exact=True).check()
        page.get_by_role("button", name="Record the decision").click()
        _banner(page, f"{decision.reference} decided: approved.")
        visit(page, "decision-decided")

        # The decision approves the proposed drawdown.
        _open_the_reserve(page, visit)
        page.get_by_role("link", name="Approve the drawdown into 2014/15").click()
        _h1(page, "Approve the drawdown of £321,000 into 2014/15")
        visit(page, "drawdown-approve")
        page.get_by_label("Decision record", exact=True).select_option(label=f"{decision.reference}: {TITLE}")
        page.get_by_role("button", name="Approve the drawdown").click()
        _banner(page, "Drawdown of £321,000 approved.")
        visit(page, "drawdown-approved")
    drawdown = ReserveDrawdown.objects.get()
    assert (drawdown.status, drawdown.decision_id) == (ReserveDrawdown.Status.APPROVED, decision.pk)


def _post_publish_and_download(page: Page, visit: Visits, decision: Decision, partner_name: str) -> None:
    _open_the_reserve(page, visit)
    page.get_by_role("button", name="Post the drawdown into 2014/15").click()
    _banner(page, "Drawdown of £321,000 posted to the 2014/15 pool")
    visit(page, "drawdown-posted")

    _nav(page, visit, "Decisions")
    page.get_by_role("link", name=decision.reference).click()
    expect(page.locator("main")).to_contain_text(
        "Drawdown of £321,000 from the Crime and Disorder reserve into 2014/15"
    )
    visit(page, "decision-decided")
    page.get_by_role("button", name="Publish the decision").click()
    _banner(page, f"{decision.reference} published as version 1.")
    visit(page, "decision-published")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.PUBLISHED

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the published report (PDF)").click()
    _, text = pdf_of(download.value)
    assert decision.reference in text
    assert RECOMMENDATION in " ".join(text.split())
    # From the report's tables: the drawdown; Medium and High Risk Support's 68% of £7,000 and its forecast.
    assert "£321,000" in text
    assert "£4,760" in text
    assert "£4,500" in text
    # Appendix B: partner A's pledges, accepted from its return.
    assert f"{partner_name} £7,000 £7,000 £7,000 £21,000" in text


def test_an_officer_takes_a_commission_from_a_formula_to_a_published_decision(
    page: Page, browser: Browser, live_server, commission, partner_a, setting_up
):
    officer, manager = setting_up
    visit = Visits("officer")
    _sign_in(page, visit, live_server, officer.username)
    _set_up_the_formula(page, visit, commission)
    _issue_the_letters(page, visit)
    letter = RequestLetter.objects.get(partner=partner_a)
    _partner_returns_the_pro_forma(browser, visit, letter)
    _accept_the_return(page, visit, letter)
    _monitor_the_first_year(page, visit)
    _propose_a_drawdown(page, visit)
    decision = _draft_and_submit_a_decision(page, visit)
    _manager_signs_off_decides_and_approves(browser, live_server, manager, decision)
    _post_publish_and_download(page, visit, decision, letter.partner_name)
