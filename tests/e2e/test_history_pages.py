"""The audit trail in a real browser on the Lancashire demo: an officer changes an allocation and an auditor reads
who changed what; every history page passes axe-core's WCAG 2.2 AA checks."""

from __future__ import annotations

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
    """The demo as `make run` loads it, with the role groups made again first (see tests/e2e/test_pages.py)."""
    roles.sync_roles(apps)
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    return Commission.objects.get()


def test_auditor_reads_who_changed_an_allocation_and_each_history_page_is_accessible(
    page: Page, live_server, demo, browser
):
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/commissions/{demo.pk}/allocations/")
    page.get_by_role("link", name="Override Workforce and Co-ordination 2013/14").click()
    page.get_by_label("New allocation, in pounds").fill("80,000")
    page.get_by_label("Why the allocation differs from the formula").fill("Extra co-ordinator for the winter")
    page.get_by_role("button", name="Save").click()

    auditor = browser.new_context(locale="en-GB").new_page()
    sign_in(auditor, live_server, "auditor", PASSWORD)
    auditor.get_by_role("link", name=demo.name).click()
    auditor.get_by_role("link", name="History of this commission").click()
    expect(auditor.get_by_role("heading", level=1)).to_have_text(f"History of {demo.name}")
    expect(auditor.locator("main")).to_contain_text("Loaded by the demo loader")
    assert axe_violations(auditor) == []

    auditor.goto(f"{live_server.url}/commissions/{demo.pk}/allocations/")
    auditor.get_by_role("link", name="History of Workforce and Co-ordination 2013/14").click()
    expect(auditor.get_by_role("heading", level=1)).to_have_text("History of Workforce and Co-ordination 2013/14")
    latest = auditor.locator(".govuk-summary-card").first
    expect(latest).to_contain_text("Changed on")
    expect(latest).to_contain_text("officer")
    amount = latest.get_by_role("row", name="Amount", exact=False).first
    expect(amount).to_contain_text("£80,000")
    expect(latest).to_contain_text("Extra co-ordinator for the winter")
    assert axe_violations(auditor) == []
    auditor.context.close()
