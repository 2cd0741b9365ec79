"""Shared by the two browser journeys (test_officer_journey.py, test_partner_journey.py): every page a journey lands
on is checked with axe-core and photographed, a second person gets their own browser context, the secure link is
read from the e-mail the partner was sent, and a download is read as a PDF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core import mail
from playwright.sync_api import Browser, Download, Page

from tests.e2e.conftest import axe_violations, screenshot
from tests.portal_support import pdf_text

LINK = re.compile(r"https?://\S+/pro-forma/[^/\s]+/")


def visit_checked(page: Page, name: str) -> None:
    """The page as it stands has no WCAG 2.2 AA violation, and is saved as <SCREENSHOTS>/<name>.png."""
    page.wait_for_load_state()
    violations = axe_violations(page)
    assert violations == [], f"{name} ({page.url}): {violations}"
    screenshot(page, name)


@contextmanager
def second_person(browser: Browser) -> Iterator[Page]:
    """A page in a browser context of its own (its own cookies: another person at another desk), failing the test
    on any error the browser reports, as the `page` fixture does."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"the browser reported errors: {errors}"


def emailed_link(to: str) -> str:
    """The secure pro-forma link in the one e-mail sent to `to`."""
    sent = [message for message in mail.outbox if to in message.to]
    assert len(sent) == 1, [(message.to, message.subject) for message in mail.outbox]
    found = LINK.findall(sent[0].body)
    assert len(found) == 1, sent[0].body
    return str(found[0])


def pdf_of(download: Download) -> tuple[bytes, str]:
    """A downloaded file's bytes, checked to be a PDF, and its text."""
    content = open(download.path(), "rb").read()  # noqa: SIM115 (read once)
    assert content.startswith(b"%PDF"), content[:20]
    return content, pdf_text(content)


def squashed(text: str) -> str:
    """Text with all white space removed, for finding words a PDF's text layer may break across lines."""
    return "".join(text.split())


def focused(page: Page) -> dict[str, Any]:
    """What has the keyboard focus: its tag, id, name, type, whether it is checked, and its text."""
    result: dict[str, Any] = page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName.toLowerCase(), id: el.id || "", name: el.getAttribute("name") || "",
                    type: el.getAttribute("type") || "", checked: !!el.checked,
                    text: (el.textContent || "").trim().replace(/\\s+/g, " "), href: el.getAttribute("href") || ""};
        }"""
    )
    return result


class Visits:
    """`visit_checked` with the screenshots numbered in the order the journey lands on its pages:
    `visits(page, "formula")` saves <prefix>-07-formula.png when it is the seventh page."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0

    def __call__(self, page: Page, name: str) -> None:
        self.count += 1
        visit_checked(page, f"{self.prefix}-{self.count:02d}-{name}")
