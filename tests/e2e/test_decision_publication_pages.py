"""A decision's report in a real browser on the Lancashire demo: the published CM001/13 previewed as HTML, and an
officer writing a draft's sections and meeting the Part II error; each page passes axe-core's WCAG 2.2 AA checks."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import Page, expect

from commissioning import roles
from commissioning.models import Commission, User
from reports import decision_services as ds
from reports.models import DecisionTemplate
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


def test_the_report_preview_and_the_sections_form_pass_axe(page: Page, live_server, demo):
    sign_in(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/commissions/{demo.pk}/decisions/")
    page.get_by_role("link", name="CM001/13").click()
    main = page.locator("main")
    expect(main).to_contain_text("Download the published report (PDF)")
    page.get_by_role("link", name="Preview the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Strategy for the Joint Commission of Specialist Domestic Abuse Services in Lancashire"
    )
    for text in ("£730,000", "£455,447", "£1,502,449", "Appendix B: partner contributions"):
        expect(page.locator("main")).to_contain_text(text)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Back to CM001/13").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Strategy for the Joint Commission")

    template = DecisionTemplate.objects.get(commission=demo)
    draft = ds.decision_create(
        template=template, data=ds.DecisionInput(title="Year 3 contracts", decision_maker="Cabinet Member"), by=None
    )
    page.goto(f"{live_server.url}/commissions/{demo.pk}/decisions/{draft.pk}/sections/")
    page.get_by_label("Executive summary", exact=True).fill("Typed <script>alert(1)</script> text")
    page.get_by_label("Consultations", exact=True).fill("Tender prices")
    page.get_by_label("Consultations is exempt (Part II): withhold it from the published report").check()
    page.get_by_role("button", name="Save the sections").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose the paragraph of Schedule 12A (1 to 7)")
    assert axe_violations(page) == []
    page.get_by_label("Schedule 12A paragraph (when any section is exempt)").select_option("3")
    page.get_by_label("Public-interest reason (when any section is exempt)").fill("Commercially sensitive.")
    page.get_by_role("button", name="Save the sections").click()
    expect(page.locator("main")).to_contain_text("1 section exempt (Part II, paragraph 3 of Schedule 12A)")
    page.get_by_role("link", name="Preview the report").click()
    expect(page.locator("main")).to_contain_text("Typed <script>alert(1)</script> text")
