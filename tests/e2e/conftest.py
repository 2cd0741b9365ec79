"""Real pages in Debian's headless Chromium, driven by Playwright, checked with axe-core.

Playwright cannot download its own browser here, so it launches /usr/bin/chromium (`make test` installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# WCAG 2.2 AA, and everything below it.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the session. While Playwright's sync API is running it keeps an event loop in this
    thread, and Django's async-safety guard would then refuse the ORM calls tests make between page actions,
    although none of them runs inside that loop; the guard is lifted for as long as the browser lives."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield from _launch()


def _launch() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium is not at {CHROMIUM}: run `make test`, which installs Debian's chromium package.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"


def sign_in(page: Page, live_server: Any, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 AA violations on the page as it stands, each with the selectors it failed on."""
    # Evaluated through the browser's DevTools protocol, which the page's Content-Security-Policy does not govern;
    # a <script> tag with axe's source inline (Playwright's add_script_tag) would be blocked by it, as it should be.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                 targets: v.nodes.map(n => n.target.join(" "))}));
        }""",
        WCAG_TAGS,
    )
    return violations


# Screenshots of the main pages, for people to look at: var/screenshots/ (or $SCREENSHOTS), never committed.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS", ROOT / "var" / "screenshots"))


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as <SCREENSHOTS>/<name>.png and return the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
