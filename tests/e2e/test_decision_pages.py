"""Decisions in a real browser on the Lancashire demo: an officer reads the list and the November 2013 decision,
meets the error summary on the new-decision form, and every page passes axe-core's WCAG 2.2 AA checks."""

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
    roles.sync_roles(apps)
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    return Commission.objects.get()


def test_decision_list_detail_and_form_pass_axe(page: Page, live_server, demo):
    sign_in(page, live_server, "officer", PASSWORD)
    page.get_by_role("link", name=demo.name).click()
    page.get_by_role("navigation", name="Commission pages").get_by_role("link", name="Decisions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decisions")
    assert axe_violations(page) == []

    page.get_by_role("link", name="CM001/13").click()
    main = page.locator("main")
    for text in ("Approved", "12 November 2013", "(iii) Approve the service model"):
        expect(main).to_contain_text(text)
    expect(main).to_contain_text("Drawdown of £321,000")
    expect(main).to_contain_text("Carry-forward of £455,447")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/commissions/{demo.pk}/decisions/new/")
    page.get_by_role("button", name="Create the draft decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the title")
    assert axe_violations(page) == []
