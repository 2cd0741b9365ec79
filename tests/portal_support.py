"""Shared set-up for the partner's pages: issued letters for partners A and B, secure links, and the pro-forma's
form data as a browser posts it."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.utils import timezone
from pypdf import PdfReader

from partners import services
from partners.models import RequestLetter
from tests.request_support import draft_requests, issue_options


def issue_letters(commission, partner_a, partner_b) -> tuple[RequestLetter, RequestLetter]:  # type: ignore[no-untyped-def]
    """A asked £7,000 and B £12,000 for each of the commission's 3 years; issued without e-mail."""
    draft_requests(commission, [(partner_a, "7000"), (partner_b, "12000")])
    letters = services.letters_issue(commission=commission, options=issue_options(), by=None, notify=False)
    by_partner = {letter.partner_id: letter for letter in letters}
    return by_partner[partner_a.pk], by_partner[partner_b.pk]


def form_data(letter: RequestLetter, *, on: date | None = None, **overrides: Any) -> dict[str, str]:
    """Option 1 for all years, signed today by Pat Example; an override of None leaves the field out."""
    on = on or timezone.localdate()
    data: dict[str, Any] = {
        "option": "agree",
        "years_agreed": "3",
        "different_amount": "",
        "organisation": letter.partner_name,
        "signed_on_day": str(on.day),
        "signed_on_month": str(on.month),
        "signed_on_year": str(on.year),
        "signatory_name": "Pat Example",
        "signatory_position": "Section 151 Officer",
        "signature": "Pat Example",
        "authority_confirmed": "on",
        "comment": "",
        "in_kind_description": "",
        "in_kind_value": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
