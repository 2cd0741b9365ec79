"""Importing a table as an officer does it: every step accessible, the error summary first, nothing written
until the confirmation."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

from allocations.models import TableImport
from commissioning import roles
from commissioning.models import Commission, User
from tests import factories
from tests.e2e.conftest import axe_violations, sign_in

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


def test_officer_uploads_checks_and_imports_a_table(page: Page, live_server, demo, tmp_path):
    seed_tables = TableImport.objects.count()
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/commissions/{demo.pk}/")
    page.get_by_role("link", name="Imported tables").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imported tables")
    expect(page.locator("main")).to_contain_text("District contributions requested")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Partner contributions (allocation table)").click()
    page.get_by_role("button", name="Continue to check the table").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert axe_violations(page) == []

    bad = tmp_path / "pledges.csv"
    bad.write_bytes('Partner,Amount\r\nPrestn City Council,"£8,000"\r\n'.encode("cp1252"))
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_label("Title").fill("Pledges for 2014/15")
    page.get_by_role("button", name="Continue to check the table").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Row 2: 'Prestn City Council' is not a partner of this commission. Did you mean Preston City Council?"
    )
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    assert axe_violations(page) == []

    page.get_by_role("link", name="Upload a different file").click()
    good = tmp_path / "pledges-corrected.csv"
    good.write_bytes(
        'Partner,Amount\r\nTotal,"£20,000"\r\nPreston City Council,"£8,000"\r\nBurnley,"£12,000"\r\n'.encode("cp1252")
    )
    page.get_by_label("File").set_input_files(str(good))
    page.get_by_label("Title").fill("Pledges for 2014/15")
    page.get_by_label("Financial year").select_option(label="2014/15")
    page.get_by_role("button", name="Continue to check the table").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the table before importing")
    main = page.locator("main")
    for text in ("CSV, Windows-1252", "Burnley Borough Council", "£12,000", "£20,000"):
        expect(main).to_contain_text(text)
    assert axe_violations(page) == []
    assert TableImport.objects.count() == seed_tables

    page.get_by_role("button", name="Import 2 lines and 1 stated total").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Table imported")
    assert axe_violations(page) == []
    assert TableImport.objects.count() == seed_tables + 1
