"""Content-Security-Policy (django-csp): our own scripts and styles only, nothing inline, no framing.

The pages must not need what the policy forbids; the browser tests (tests/e2e) fail on the console errors that
Chromium logs for anything it blocks, and the checks here keep inline code out of the templates and the charts.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from reports import charts

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


def test_the_sign_in_page_carries_the_strict_policy(client):
    assert _policy(client.get(reverse("login"))) == STRICT


def test_signed_in_pages_and_the_api_reference_carry_the_strict_policy(as_user, officer, commission):
    client = as_user(officer)
    for url in (reverse("home"), reverse("commission-detail", args=[commission.pk]), reverse("api-docs")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _policy(response) == STRICT, url


def test_the_admin_alone_may_run_inline_script_and_style(as_user):
    from tests import factories

    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    response = as_user(staff).get(reverse("admin:index"))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == "'self' 'unsafe-inline'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert {name: value for name, value in policy.items() if name not in {"script-src", "style-src"}} == {
        name: value for name, value in STRICT.items() if name not in {"script-src", "style-src"}
    }


# What a strict policy blocks: a style attribute, a <script> with a body, an inline event handler, a <style> element.
INLINE = re.compile(r"""\sstyle\s*=|<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=\s*["']|<style[\s>]""", re.IGNORECASE)


def test_no_page_template_holds_inline_script_or_style():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "pdf" in path.relative_to(ROOT / "templates").parts:
            continue  # PDFs are drawn by WeasyPrint, never by a browser under the policy
        offenders += [f"{path.relative_to(ROOT)}: {match.group()}" for match in INLINE.finditer(path.read_text())]
    assert offenders == []


def test_the_charts_use_presentation_attributes_not_style():
    rows = [("Partner A", Decimal("7000.00")), ("<script>", Decimal("12000.00"))]
    drawn = [
        charts.share_bar_chart(
            chart_id="shares",
            title="Contributions",
            intro="Each partner's share.",
            bars=[charts.Bar(label, value) for label, value in rows],
            empty="Nothing yet.",
        ),
        charts.arrears_chart(rows),
        charts.funding_by_source_chart([("2013/14", rows)]),
    ]
    for svg in drawn:
        assert "<svg" in svg
        assert "fill=" in svg
        assert INLINE.search(svg) is None, svg
