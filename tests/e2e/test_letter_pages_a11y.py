"""The officer's request pages in a real browser: issue the drafts (meeting the error summary first), read the
returns dashboard and chase list, and accept a return on its letter's page. Every page passes axe-core's WCAG 2.2 AA
checks, error summary included."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from commissioning import roles
from partners import services
from partners.models import Pledge, RequestLetter
from tests import factories
from tests.e2e.conftest import axe_violations, sign_in
from tests.request_support import IMMEDIATE_TASKS, agree, draft_requests

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = factories.TEST_PASSWORD


@pytest.fixture
def drafted(settings, commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    """Partner A asked £7,000 and partner B £12,000 a year, as drafts; an officer to issue them."""
    settings.TASKS = IMMEDIATE_TASKS
    roles.sync_roles(apps)
    draft_requests(commission, [(partner_a, "7000"), (partner_b, "12000")])
    return factories.OfficerFactory(first_name="Helen", last_name="Denton")


def test_officer_issues_reviews_and_accepts(page: Page, live_server, commission, partner_a, drafted):
    officer = drafted
    sign_in(page, live_server, officer.username, PASSWORD)
    page.goto(f"{live_server.url}/commissions/{commission.pk}/requests/")
    page.get_by_role("link", name="Issue requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue requests")
    main = page.locator("main")
    expect(main).to_contain_text("£12,000")
    assert axe_violations(page) == []

    # No deadline: the error summary, focused, links to the day field.
    page.get_by_role("button", name="Issue requests").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the deadline, for example, 27 3 2026.")
    assert axe_violations(page) == []
    assert RequestLetter.objects.count() == 0

    deadline = timezone.localdate() + timedelta(days=30)
    page.get_by_label("Day", exact=True).fill(str(deadline.day))
    page.get_by_label("Month", exact=True).fill(str(deadline.month))
    page.get_by_label("Year", exact=True).fill(str(deadline.year))
    page.get_by_label("Message to add to the letter (optional)").fill("<script>alert(1)</script>")
    page.get_by_role("button", name="Issue requests").click()
    # The e-mails go in the background: the job's page follows them (here they have gone already).
    expect(page.get_by_role("heading", level=1)).to_have_text("Send 2 request letters")
    expect(main).to_contain_text("2 request letters issued.")
    expect(main).to_contain_text("2 of 2 letters sent")
    assert axe_violations(page) == []
    assert RequestLetter.objects.count() == 2

    page.get_by_role("navigation", name="Commission pages").get_by_role("link", name="Returns and chase list").click()
    letter = RequestLetter.objects.get(partner=partner_a)
    services.return_submit(letter=letter, data=agree(letter, comment="<b>Agreed</b>"), by=None, via="link")
    page.reload()
    chart = page.get_by_role("img", name="Secured against the target")
    expect(chart).to_contain_text("Agreed, waiting for review £21,000")
    assert axe_violations(page) == []
    page.get_by_role("link", name=letter.partner_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Request to {letter.partner_name}")
    expect(main).to_contain_text("<b>Agreed</b>")
    expect(main).to_contain_text("<script>alert(1)</script>")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Accept return").click()
    expect(main).to_contain_text("Return 1 accepted: 3 pledges of £21,000 in all, posted to the ledger.")
    assert axe_violations(page) == []
    assert Pledge.objects.count() == 3

    page.goto(f"{live_server.url}/commissions/{commission.pk}/returns/chase/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chase list")
    assert axe_violations(page) == []
