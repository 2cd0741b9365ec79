"""A background job in a real browser: an officer starts "Download all reports" from the fund statement, the job's
page shows the progress bar and polls it with htmx (loaded without console errors), and when the worker has made the
reports the page updates by itself, stops polling and offers the zip. axe-core finds no WCAG 2.2 AA violation."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from commissioning import roles
from commissioning.models import Job
from reports import tasks
from tests import factories
from tests.e2e.conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = factories.TEST_PASSWORD


@pytest.fixture
def commission(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A commission of two districts, an officer, and no worker: the job waits until the test runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    roles.sync_roles(apps)
    commission = factories.CommissionFactory(name="Domestic abuse services")
    for name, amount in (("Preston City Council", "7000"), ("Burnley Borough Council", "9000")):
        partner = factories.PartnerFactory(name=name)
        factories.MembershipFactory(commission=commission, partner=partner, requested_per_year=Decimal(amount))
    factories.OfficerFactory(username="officer")
    return commission


def test_officer_starts_a_report_pack_and_watches_it_finish(page: Page, live_server, commission, tmp_path):
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/commissions/{commission.pk}/statement/")
    expect(page.get_by_role("heading", name="Download all reports")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Make all the reports").click()

    job = Job.objects.get(kind=Job.Kind.REPORT_PACK)
    expect(page).to_have_url(f"{live_server.url}/jobs/{job.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(job.label)
    bar = page.get_by_role("progressbar")
    expect(bar).to_have_attribute("max", "4")  # the fund statement, the host's and two districts' statements
    expect(bar).to_have_attribute("value", "0")
    expect(page.locator("#job-progress")).to_have_attribute("hx-trigger", "every 2s")
    expect(page.get_by_text("0 of 4 reports made")).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert axe_violations(page) == []
    screenshot(page, "job-running")

    tasks.report_pack_task.call(job.pk)  # the worker's turn

    # htmx brings in the change without a reload, then stops polling.
    expect(page.get_by_text("4 of 4 reports made")).to_be_visible(timeout=10_000)
    expect(page.locator("#job-progress")).not_to_have_attribute("hx-trigger", "every 2s")
    expect(page.locator("#job-items")).not_to_contain_text("Waiting")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "4")
    assert axe_violations(page) == []
    screenshot(page, "job-finished")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    path = tmp_path / "pack.zip"
    download_info.value.save_as(path)
    names = zipfile.ZipFile(path).namelist()
    assert len(names) == 4
    assert names[0].startswith("fund-statement-")
