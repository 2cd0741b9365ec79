"""The partner's journey in a real browser, by keyboard alone: from the secure link in the e-mail they were sent, a
partner's finance lead returns the pro-forma using only Tab, Shift+Tab, Space, Enter and typing (no clicks, no
filling fields by script). Focus reaches every field of the form in the page's order; a bad submission shows the
error summary, focused, whose links take the focus to their fields; the return gives the confirmation panel and a
receipt PDF. Every page passes axe-core's WCAG 2.2 AA checks and is photographed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from commissioning import roles
from partners import services
from partners.models import ProFormaReturn, RequestLetter
from partners.portal_forms import ProFormaForm
from tests.e2e.journey import Visits, emailed_link, focused, pdf_of, squashed
from tests.request_support import IMMEDIATE_TASKS, draft_requests, issue_options

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUBMIT = "Return the pro-forma"

# The form's own tab stops in the order the page gives them: each control once, a radio group once (at its chosen
# radio, or its first when none is chosen), as a browser's Tab key moves through them.
TAB_STOPS_JS = """(anchor) => {
    const form = document.getElementById(anchor).form;
    const stops = [];
    const groups = new Set();
    for (const el of form.querySelectorAll("input, select, textarea, button, a[href]")) {
        if (el.disabled || el.type === "hidden" || el.tabIndex < 0 || el.getClientRects().length === 0) continue;
        if (el.type === "radio") {
            if (groups.has(el.name)) continue;
            groups.add(el.name);
            const chosen = form.querySelector(`input[type=radio][name="${el.name}"]:checked`);
            stops.push(el.name + "#" + (chosen || el).id);
            continue;
        }
        stops.push(el.getAttribute("name") || el.textContent.trim());
    }
    return stops;
}"""


@pytest.fixture
def emailed(settings, live_server, commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    """Partner A asked £7,000 and partner B £12,000 a year; the letters issued and e-mailed (the background jobs
    run at once), each with its secure link to this server."""
    settings.TASKS = IMMEDIATE_TASKS
    settings.SITE_URL = live_server.url
    roles.sync_roles(apps)
    draft_requests(commission, [(partner_a, "7000"), (partner_b, "12000")])
    services.letters_issue(commission=commission, options=issue_options(), by=None)
    letter = RequestLetter.objects.get(partner=partner_a)
    return letter, emailed_link(letter.recipient_email)


def _stop(page: Page) -> str:
    """The focused element as TAB_STOPS_JS names it."""
    now = focused(page)
    if now["type"] == "radio":
        return f"{now['name']}#{now['id']}"
    return now["name"] or now["text"]


def _press_until(page: Page, key: str, wanted: Callable[[dict[str, Any]], bool], limit: int = 60) -> dict[str, Any]:
    for _ in range(limit):
        now = focused(page)
        if wanted(now):
            return now
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached the element wanted; the focus is on {focused(page)}")


def test_a_partner_returns_the_pro_forma_from_the_emailed_link_by_keyboard_alone(page: Page, live_server, emailed):
    letter, link = emailed
    assert link.startswith(live_server.url)
    visit = Visits("partner")

    # The e-mailed link opens the partner's pro-forma, with no sign-in.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pro-forma: contribution request")
    expect(page.locator("main")).to_contain_text(letter.reference)
    visit(page, "pro-forma")

    # From the top of the page, Tab reaches the response; Space chooses Option 1, whose questions appear under it.
    _press_until(page, "Tab", lambda now: now["name"] == "option")
    assert focused(page)["id"] == "id_option_0"
    page.keyboard.press("Space")
    expect(page.get_by_label("Option 1: we agree to contribute, as asked")).to_be_checked()
    expect(page.get_by_text("For how many years?")).to_be_visible()

    # Returning it unsigned: the error summary, focused, and nothing returned.
    _press_until(page, "Tab", lambda now: now["text"] == SUBMIT)
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the signatory's full name.")
    expect(summary).to_contain_text("Confirm that you have authority to commit the organisation.")
    visit(page, "pro-forma-errors")
    assert ProFormaReturn.objects.count() == 0

    # Each link in the summary, reached by Tab (and Shift+Tab back to the summary for the next), takes the focus to
    # its field when Enter is pressed.
    targets = summary.get_by_role("link").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert len(targets) >= 2, targets
    page.keyboard.press("Tab")
    for number, target in enumerate(targets):
        key = "Tab" if number == 0 else "Shift+Tab"
        _press_until(page, key, lambda now, target=target: now["tag"] == "a" and now["href"] == target)
        page.keyboard.press("Enter")
        assert f"#{focused(page)['id']}" == target, (target, focused(page))

    # Back to the response (still Option 1), then through the whole form in order, typing where it asks.
    _press_until(page, "Shift+Tab", lambda now: now["name"] == "option")
    expect(page.get_by_label("Option 1: we agree to contribute, as asked")).to_be_checked()
    expected = page.evaluate(TAB_STOPS_JS, "id_signatory_name")
    typed = {
        "signatory_name": "Pat Example",
        "signatory_position": "Section 151 Officer",
        "signature": "Pat Example",
        "comment": "Agreed at Cabinet on 4 March.",
    }
    seen = [_stop(page)]
    while seen[-1] != SUBMIT:
        page.keyboard.press("Tab")
        seen.append(_stop(page))
        if seen[-1] in typed:
            page.keyboard.type(typed[seen[-1]])
        elif seen[-1] == "authority_confirmed":
            page.keyboard.press("Space")
        assert len(seen) <= len(expected), seen
    assert seen == expected
    reached = {stop.split("#")[0] for stop in seen}
    assert set(ProFormaForm.base_fields) <= reached, set(ProFormaForm.base_fields) - reached

    page.keyboard.press("Enter")
    expect(page.locator(".govuk-panel__title")).to_have_text("Pro-forma returned")
    returned = ProFormaReturn.objects.get()
    assert (returned.letter_id, returned.signatory_name, returned.years_agreed) == (letter.pk, "Pat Example", 3)
    assert returned.comment == "Agreed at Cabinet on 4 March."
    main = page.locator("main")
    expect(main).to_contain_text(returned.digest)
    expect(main).to_contain_text("£21,000")
    visit(page, "pro-forma-returned")

    # The receipt, reached and opened from the keyboard.
    _press_until(page, "Tab", lambda now: now["text"] == "Download your receipt (PDF)")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    _, text = pdf_of(download.value)
    assert returned.digest in squashed(text)
    assert letter.reference in text
    assert "21,000" in text
