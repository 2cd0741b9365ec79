"""Shared set-up for the request workflow's tests: drafted requests, issued letters, and a partner's return."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from allocations import services as allocation_services
from allocations.models import Formula
from partners import services
from partners.models import ProFormaReturn, RequestLetter
from tests import factories

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def draft_requests(commission, partners_and_amounts, *, name: str = "Districts"):  # type: ignore[no-untyped-def]
    """A fixed formula asking each partner its yearly amount, drafted into requests; each partner gets a finance
    lead to send to (unless it has one)."""
    for partner, _ in partners_and_amounts:
        if not services.finance_lead(partner):
            factories.ContactFactory(partner=partner, role="finance_lead", email=f"finance@p{partner.pk}.example.org")
    formula = allocation_services.formula_create(
        commission=commission,
        name=name,
        method=Formula.Method.FIXED,
        by=None,
        participants=[allocation_services.ParticipantInput(p, Decimal(a)) for p, a in partners_and_amounts],
    )
    return allocation_services.requests_draft(formula=formula, by=None)


def issue_options(**overrides: Any) -> services.IssueOptions:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "deadline": today + timedelta(days=30),
        "sender_name": "Helen Denton",
        "sender_position": "Chair, Community Safety Strategy Group",
        "grace_days": 14,
        "reminder_days": (14, 7, 1),
    }
    values.update(overrides)
    return services.IssueOptions(**values)


def agree(letter: RequestLetter, **overrides: Any) -> services.ReturnInput:
    """Option 1 for every year asked, signed by the finance lead today."""
    values: dict[str, Any] = {
        "option": ProFormaReturn.Option.AGREE,
        "years_agreed": letter.requests.count(),
        "organisation": letter.partner_name,
        "signed_on": timezone.localdate(),
        "signatory_name": "Pat Example",
        "signatory_position": "Section 151 Officer",
        "signature": "Pat Example",
        "authority_confirmed": True,
    }
    values.update(overrides)
    return services.ReturnInput(**values)


def decline(letter: RequestLetter, **overrides: Any) -> services.ReturnInput:
    return agree(letter, option=ProFormaReturn.Option.DECLINE, years_agreed=None, **overrides)


def day(text: str) -> date:
    return date.fromisoformat(text)
