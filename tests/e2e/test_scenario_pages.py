"""Scenarios in a real browser on the Lancashire demo: an officer tries 'Preston declines', saves it and reaches
the adoption page; every page passes axe-core's WCAG 2.2 AA checks, error summary included."""

from __future__ import annotations

import re

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
def demo_formula(settings):  # type: ignore[no-untyped-def]
    """The demo, with its districts' fixed formula from the amounts their letter asked (£101,000 a year)."""
    roles.sync_roles(apps)
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    # load_demo makes the districts' fixed formula: the twelve seed 000 amounts, £101,000 a year.
    return Commission.objects.get().formulas.get()


def test_officer_tries_saves_and_reaches_adoption_of_a_scenario(page: Page, live_server, demo_formula):
    sign_in(page, live_server, "officer", PASSWORD)
    page.get_by_role("link", name=demo_formula.commission.name).click()
    page.get_by_role("navigation", name="Commission pages").get_by_role("link", name="Scenarios").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scenarios")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Try a what if").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What if")
    assert axe_violations(page) == []

    page.get_by_label("Lancaster City Council", exact=True).fill("-5")
    page.get_by_role("button", name="Preview").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter an amount of £0 or more")
    assert axe_violations(page) == []

    page.get_by_label("Lancaster City Council", exact=True).fill("")
    page.get_by_label(re.compile(r"^Preston City Council \(live plan")).check()
    page.get_by_role("button", name="Preview").click()
    main = page.locator("main")
    for text in ("£89,000", "£36,000", "Crime and Disorder reserve", "£694,000"):
        expect(main).to_contain_text(text)
    assert axe_violations(page) == []

    page.get_by_label("Scenario name").fill("Preston declines")
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preston declines")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Adopt as the live plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adopt 'Preston declines' as the live plan?")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Adopt as the live plan").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now the live plan")
    assert axe_violations(page) == []
