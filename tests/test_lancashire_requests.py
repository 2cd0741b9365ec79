"""End to end with the real Lancashire figures (seed 000): the twelve district letters of 18 December 2012.

Issued with a deadline of 28 January 2013; eleven return the pro-forma (ten agree, Lancaster declines) and Wyre
does not reply; the officer accepts them. Hand-checked:

| district | asked a year | reply | pledged (3 years) |
| --- | ---: | --- | ---: |
| Burnley, Fylde, Hyndburn | 7,000 each | agree | 63,000 |
| Chorley, South Ribble, West Lancashire | 9,000 each | agree | 81,000 |
| Pendle | 8,000 | agree | 24,000 |
| Preston | 12,000 | agree | 36,000 |
| Ribble Valley | 5,000 | agree | 15,000 |
| Rossendale | 6,000 | agree | 18,000 |
| Lancaster | 12,000 | declines | 0 |
| Wyre | 10,000 | no reply | 0 |
| total | 101,000 | | 237,000 |

Pledged a year: 101,000 − 12,000 − 10,000 = 79,000; 30 pledges, one ledger transaction each. Shortfall 66,000:
Lancaster's 36,000 declined and Wyre's 30,000 overdue, which is the chase list on 5 February 2013 (8 days late).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from allocations import services as allocation_services
from allocations.models import Formula
from commissioning import ledger
from commissioning.models import Account, Commission, LedgerTransaction, Posting
from partners import selectors, services
from partners.models import Partner, Pledge, ProFormaReturn, RequestLetter
from tests.request_support import IMMEDIATE_TASKS, agree, decline

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ASKED = {
    "Burnley Borough Council": 7000,
    "Chorley Council": 9000,
    "Fylde Borough Council": 7000,
    "Hyndburn Borough Council": 7000,
    "Lancaster City Council": 12000,
    "Pendle Borough Council": 8000,
    "Preston City Council": 12000,
    "Ribble Valley Borough Council": 5000,
    "Rossendale Borough Council": 6000,
    "South Ribble Borough Council": 9000,
    "West Lancashire Borough Council": 9000,
    "Wyre Council": 10000,
}
LANCASTER, WYRE, PRESTON = "Lancaster City Council", "Wyre Council", "Preston City Council"


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=LONDON)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def lancashire(settings, django_capture_on_commit_callbacks, officer):  # type: ignore[no-untyped-def]
    """The twelve letters issued on 18 December 2012 (deadline 28 January 2013), e-mailed by the job."""
    settings.TASKS = IMMEDIATE_TASKS
    call_command("loaddata", "lancashire", verbosity=0)
    commission = Commission.objects.get()
    districts = commission.memberships.filter(partner__kind=Partner.Kind.DISTRICT_COUNCIL).select_related("partner")
    with time_machine.travel(_at("2012-12-18"), tick=False):
        formula = allocation_services.formula_create(
            commission=commission,
            name="District contributions",
            method=Formula.Method.FIXED,
            by=officer,
            participants=[allocation_services.ParticipantInput(m.partner, m.requested_per_year) for m in districts],
        )
        allocation_services.requests_draft(formula=formula, by=officer)
        options = services.IssueOptions(
            deadline=dt.date(2013, 1, 28),
            sender_name="Helen Denton",
            sender_position="Chair, Lancashire Community Safety Strategy Group",
            reminder_days=(7,),
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.letters_issue(commission=commission, options=options, by=officer)
    return commission


def _letter(commission: Commission, name: str) -> RequestLetter:
    return commission.request_letters.get(partner__name=name)


def test_twelve_letters_go_out_once_each_with_the_seed_amounts(lancashire):
    letters = list(lancashire.request_letters.order_by("partner_name"))
    assert {letter.partner_name: letter.requests.count() for letter in letters} == dict.fromkeys(ASKED, 3)
    assert len(mail.outbox) == 12
    assert sorted(message.to[0] for message in mail.outbox) == sorted(letter.recipient_email for letter in letters)
    preston = _text(bytes(_letter(lancashire, PRESTON).letter_pdf))
    assert "Preston City Council" in preston
    assert "£12,000" in preston  # each year
    assert "£36,000" in preston  # over the three years
    assert "£101,000" in preston  # the allocation table's total, from its lines
    assert "28 January 2013" in preston
    assert "Option 1" in preston
    assert "Option 2" in preston


def test_eleven_returns_accepted_give_the_hand_checked_pledges_postings_chase_list_and_shortfall(lancashire, officer):
    with time_machine.travel(_at("2013-01-21"), tick=False):
        for name in ASKED:
            if name == WYRE:
                continue
            letter = _letter(lancashire, name)
            data = decline(letter) if name == LANCASTER else agree(letter)
            services.return_submit(letter=letter, data=data, by=None, via=ProFormaReturn.Via.LINK)
        for pro_forma_return in ProFormaReturn.objects.order_by("pk"):
            services.return_accept(pro_forma_return=pro_forma_return, by=officer)

    assert Pledge.objects.count() == 30
    by_year = {}
    for pledge in Pledge.objects.select_related("financial_year"):
        by_year[pledge.financial_year.label] = by_year.get(pledge.financial_year.label, 0) + pledge.amount
    assert by_year == {"2013/14": Decimal("79000"), "2014/15": Decimal("79000"), "2015/16": Decimal("79000")}
    pledges_tx = LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PLEDGE_ACCEPTED)
    assert pledges_tx.count() == 30
    assert Posting.objects.filter(transaction__in=pledges_tx).count() == 60
    for year in lancashire.years.all():
        pool = Account.objects.get(commission=lancashire, kind=Account.Kind.POOL, financial_year=year)
        assert ledger.balance_of(pool) == Decimal("-79000.00")
    preston = Partner.objects.get(name=PRESTON)
    preston_pledged = Account.objects.filter(kind=Account.Kind.PLEDGED, partner=preston)
    assert sum(ledger.balance_of(account) for account in preston_pledged) == Decimal("36000.00")
    assert not Account.objects.filter(kind=Account.Kind.PLEDGED, partner__name=LANCASTER).exists()

    with time_machine.travel(_at("2013-02-05"), tick=False):
        board = selectors.returns_dashboard(lancashire)
    assert board.counts["issued"] == 12
    assert board.counts["returned"] == 11
    assert board.counts["agreed"] == 10
    assert board.counts["declined"] == 1
    assert board.counts["accepted"] == 10
    assert board.counts["overdue"] == 1
    assert board.requested == Decimal("303000")
    assert board.secured_from_returns == Decimal("237000")
    assert [(row.letter.partner_name, row.days_overdue, row.requested) for row in board.chase_list] == [
        (WYRE, 8, Decimal("30000"))
    ]
    assert [(line.letter.partner_name, line.reason, line.amount) for line in board.shortfall] == [
        (LANCASTER, "Declined", Decimal("36000")),
        (WYRE, "Overdue, no reply", Decimal("30000")),
    ]
    assert board.shortfall_total == Decimal("66000")

    receipt = _text(services.receipt_pdf(_letter(lancashire, PRESTON).returns.get()))
    assert "£12,000" in receipt
    assert "£36,000" in receipt
    assert _letter(lancashire, PRESTON).returns.get().digest in receipt.replace("\n", "")
    declined = _text(services.receipt_pdf(_letter(lancashire, LANCASTER).returns.get()))
    assert "Option 2" in declined
    assert "£0" in declined


# The same exchange through the pages, as the people do it ----------------------------------------------------


def test_the_lancashire_exchange_through_the_pages(
    settings, as_user, officer, client, django_capture_on_commit_callbacks
):
    """The officer issues on the issue page; each finance lead opens the link from their e-mail and returns the
    pro-forma (Lancaster declines, Wyre never replies); the officer accepts each on the request's page; the
    dashboard and chase list pages show the hand-checked figures."""
    from django.urls import reverse

    from tests.portal_support import form_data

    settings.TASKS = IMMEDIATE_TASKS
    call_command("loaddata", "lancashire", verbosity=0)
    commission = Commission.objects.get()
    districts = commission.memberships.filter(partner__kind=Partner.Kind.DISTRICT_COUNCIL).select_related("partner")
    officer_client = as_user(officer)
    with time_machine.travel(_at("2012-12-18"), tick=False):
        formula = allocation_services.formula_create(
            commission=commission,
            name="District contributions",
            method=Formula.Method.FIXED,
            by=officer,
            participants=[allocation_services.ParticipantInput(m.partner, m.requested_per_year) for m in districts],
        )
        allocation_services.requests_draft(formula=formula, by=officer)
        with django_capture_on_commit_callbacks(execute=True):
            page = officer_client.post(
                reverse("letters-issue", args=[commission.pk]),
                {
                    "partners": [str(m.partner_id) for m in districts],
                    "deadline_day": "28",
                    "deadline_month": "1",
                    "deadline_year": "2013",
                    "grace_days": "14",
                    "reminder_days": "7",
                    "sender_name": "Helen Denton",
                    "sender_position": "Chair, Lancashire Community Safety Strategy Group",
                    "message": "",
                },
            )
        assert page.status_code == 302
    assert len(mail.outbox) == 12
    links = {message.to[0]: message.body.split("http://127.0.0.1:8000")[1].split()[0] for message in mail.outbox}

    with time_machine.travel(_at("2013-01-21"), tick=False):
        for letter in commission.request_letters.all():
            if letter.partner_name == WYRE:
                continue
            link = links[letter.recipient_email]
            assert client.get(link).status_code == 200
            overrides = {"option": "decline", "years_agreed": ""} if letter.partner_name == LANCASTER else {}
            response = client.post(link, form_data(letter, **overrides))
            assert response.status_code == 302, response.content.decode()[:2000]
            assert "Pro-forma returned" in client.get(link).content.decode()
        for pro_forma_return in ProFormaReturn.objects.all():
            response = officer_client.post(reverse("return-accept", args=[pro_forma_return.pk]))
            assert response.status_code == 302

    assert Pledge.objects.count() == 30
    assert sum(pledge.amount for pledge in Pledge.objects.all()) == Decimal("237000")
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PLEDGE_ACCEPTED).count() == 30
    with time_machine.travel(_at("2013-02-05"), tick=False):
        dashboard = officer_client.get(reverse("returns-dashboard", args=[commission.pk])).content.decode()
        chase = officer_client.get(reverse("chase-list", args=[commission.pk])).content.decode()
    for figure in ("£303,000", "£237,000", "£66,000", "£36,000", "£30,000"):
        assert figure in dashboard, figure
    assert WYRE in chase
    assert LANCASTER not in chase
    assert "Preston City Council" not in chase
