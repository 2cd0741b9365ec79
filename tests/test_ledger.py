"""The double-entry ledger: balanced postings, refusals that name the figures, append-only rows, reversals, and
the integrity check."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commissioning import ledger
from commissioning.ledger_guard import install_sql, remove_sql
from commissioning.models import Account, LedgerTransaction, Posting
from tests import factories

pytestmark = pytest.mark.django_db

Kind = LedgerTransaction.Kind


@pytest.fixture
def year(commission):  # type: ignore[no-untyped-def]
    return commission.years.get(number=1)


@pytest.fixture
def stream(commission):  # type: ignore[no-untyped-def]
    return commission.work_streams.get(name="Perpetrators")


@pytest.fixture
def reserve(commission):  # type: ignore[no-untyped-def]
    return factories.ReserveFactory(commission=commission, name="Crime and Disorder reserve")


def _balance(commission, kind, **parts):  # type: ignore[no-untyped-def]
    return ledger.account_for(commission, kind, **parts).balance


def _counts() -> tuple[int, int]:
    return LedgerTransaction.objects.count(), Posting.objects.count()


def test_a_pledge_invoiced_and_received_moves_through_the_partner_accounts(commission, partner_a, year, officer):
    """Preston pledges £12,000 for 2013/14, is invoiced £12,000 and pays £12,000: pledged and invoiced end at
    nothing, cash holds £12,000 and the year's pool £12,000 (a credit)."""
    ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("12000"), by=officer)
    ledger.contribution_invoiced_post(partner=partner_a, financial_year=year, amount=Decimal("12000"), by=officer)
    ledger.contribution_received_post(partner=partner_a, financial_year=year, amount=Decimal("12000"), by=officer)
    assert _balance(commission, Account.Kind.PLEDGED, partner=partner_a, year=year) == 0
    assert _balance(commission, Account.Kind.INVOICED, partner=partner_a, year=year) == 0
    assert _balance(commission, Account.Kind.CASH) == Decimal("12000")
    assert _balance(commission, Account.Kind.POOL, year=year) == Decimal("-12000")
    for tx in LedgerTransaction.objects.all():
        assert sum(p.amount for p in tx.postings.all()) == 0
        assert tx.posted_by == officer
    assert [tx.number for tx in LedgerTransaction.objects.order_by("number")] == [1, 2, 3]


def test_receiving_more_than_invoiced_is_refused_unless_flagged(commission, partner_a, year):
    ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("7000"), by=None)
    ledger.contribution_invoiced_post(partner=partner_a, financial_year=year, amount=Decimal("7000"), by=None)
    before = _counts()
    with pytest.raises(ValidationError, match=r"owes £7,000.00 .* receiving £7,500.00 is an over-payment of £500.00"):
        ledger.contribution_received_post(partner=partner_a, financial_year=year, amount=Decimal("7500"), by=None)
    assert _counts() == before
    tx = ledger.contribution_received_post(
        partner=partner_a, financial_year=year, amount=Decimal("7500"), by=None, overpayment=True
    )
    assert "over-payment" in tx.narrative
    assert _balance(commission, Account.Kind.INVOICED, partner=partner_a, year=year) == Decimal("-500")


def test_invoicing_more_than_pledged_is_refused(partner_a, year):
    ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("7000"), by=None)
    before = _counts()
    with pytest.raises(ValidationError, match="£7,000.00 pledged and not yet invoiced"):
        ledger.contribution_invoiced_post(partner=partner_a, financial_year=year, amount=Decimal("7000.01"), by=None)
    assert _counts() == before


def test_allocating_more_than_the_pool_holds_is_refused(partner_a, year, stream):
    ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("1000"), by=None)
    ledger.allocation_post(financial_year=year, work_stream=stream, amount=Decimal("600"), by=None)
    before = _counts()
    with pytest.raises(ValidationError, match=r"pool holds £400.00 not yet allocated; allocating £600.00"):
        ledger.allocation_post(financial_year=year, work_stream=stream, amount=Decimal("600"), by=None)
    assert _counts() == before


def test_drawing_more_than_a_reserve_holds_is_refused(commission, reserve, year):
    """The Crime and Disorder reserve opens at £730,000; £321,000 and then £409,000 leave it empty."""
    y2, y3 = commission.years.get(number=2), commission.years.get(number=3)
    ledger.reserve_opening_post(reserve=reserve, financial_year=year, by=None)
    ledger.reserve_drawdown_post(reserve=reserve, financial_year=y2, amount=Decimal("321000"), by=None)
    with pytest.raises(ValidationError, match=r"holds £409,000.00; a drawdown of £409,000.01"):
        ledger.reserve_drawdown_post(reserve=reserve, financial_year=y3, amount=Decimal("409000.01"), by=None)
    ledger.reserve_drawdown_post(reserve=reserve, financial_year=y3, amount=Decimal("409000"), by=None)
    assert _balance(commission, Account.Kind.RESERVE, reserve=reserve) == 0
    assert _balance(commission, Account.Kind.POOL, year=y2) == Decimal("-321000")
    with pytest.raises(ValidationError, match="already posted"):
        ledger.reserve_opening_post(reserve=reserve, financial_year=year, by=None)


def test_carry_forward_takes_underspend_into_a_later_years_pool(commission, partner_a, year, stream):
    """Perpetrators 2013/14: allocated £150,255, forecast £12,521, so £137,734 underspent; £137,734 can go to
    2015/16's pool, a penny more cannot."""
    y3 = commission.years.get(number=3)
    ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("150255"), by=None)
    ledger.allocation_post(financial_year=year, work_stream=stream, amount=Decimal("150255"), by=None)
    ledger.forecast_post(financial_year=year, work_stream=stream, forecast=Decimal("20000"), by=None)
    ledger.forecast_post(financial_year=year, work_stream=stream, forecast=Decimal("12521"), by=None)
    assert ledger.underspend(year, stream) == Decimal("137734")
    with pytest.raises(ValidationError, match=r"underspent £137,734.00 in 2013/14; carrying £137,734.01"):
        ledger.carry_forward_post(from_year=year, to_year=y3, parts={stream: Decimal("137734.01")}, by=None)
    tx = ledger.carry_forward_post(from_year=year, to_year=y3, parts={stream: Decimal("137734")}, by=None)
    assert tx.kind == Kind.CARRY_FORWARD
    assert _balance(commission, Account.Kind.POOL, year=y3) == Decimal("-137734")
    assert ledger.underspend(year, stream) == 0
    with pytest.raises(ValidationError, match="to a later year"):
        ledger.carry_forward_post(from_year=y3, to_year=year, parts={stream: Decimal("1")}, by=None)


def test_forecast_posts_only_the_change_so_the_account_holds_the_latest(commission, year, stream):
    ledger.forecast_post(financial_year=year, work_stream=stream, forecast=Decimal("20000"), by=None)
    assert ledger.forecast_post(financial_year=year, work_stream=stream, forecast=Decimal("20000"), by=None) is None
    ledger.forecast_post(financial_year=year, work_stream=stream, forecast=Decimal("12521"), by=None)
    assert _balance(commission, Account.Kind.FORECAST, year=year, work_stream=stream) == Decimal("12521")
    assert LedgerTransaction.objects.filter(kind=Kind.FORECAST).count() == 2


def test_a_reversal_mirrors_the_original_once(commission, partner_a, year):
    original = ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("7000"), by=None)
    with pytest.raises(ValidationError, match="Say why"):
        ledger.transaction_reverse(original=original, reason=" ", by=None)
    reversal = ledger.transaction_reverse(original=original, reason="Entered against the wrong partner", by=None)
    assert reversal.reverses == original
    assert sorted(p.amount for p in reversal.postings.all()) == [Decimal("-7000"), Decimal("7000")]
    assert _balance(commission, Account.Kind.POOL, year=year) == 0
    with pytest.raises(ValidationError, match="already been reversed"):
        ledger.transaction_reverse(original=original, reason="again", by=None)
    with pytest.raises(ValidationError, match="cannot itself be reversed"):
        ledger.transaction_reverse(original=reversal, reason="again", by=None)


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("0.001")])
def test_amounts_that_make_no_sense_are_refused_and_nothing_is_written(partner_a, year, amount):
    with pytest.raises(ValidationError):
        ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=amount, by=None)
    assert _counts() == (0, 0)
    assert not Account.objects.exclude(balance=0).exists()


def test_a_year_of_another_commission_is_refused(partner_a, stream):
    other_year = factories.CommissionFactory().years.first()
    with pytest.raises(ValidationError, match="not a work-stream"):
        ledger.allocation_post(financial_year=other_year, work_stream=stream, amount=Decimal("1"), by=None)
    assert _counts() == (0, 0)


# The database refuses changes to posted rows ---------------------------------------------------------------


@pytest.fixture
def posted(partner_a, year):  # type: ignore[no-untyped-def]
    return ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("7000"), by=None)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE commissioning_ledgertransaction SET narrative = 'changed'",
        "DELETE FROM commissioning_ledgertransaction",
        "UPDATE commissioning_posting SET amount = amount * 2",
        "DELETE FROM commissioning_posting",
    ],
)
def test_the_database_refuses_update_and_delete_of_posted_rows(posted, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    posted.refresh_from_db()
    assert posted.narrative.startswith("Pledge accepted")
    assert Posting.objects.count() == 2


def test_the_orm_cannot_edit_or_delete_a_posting_either(posted):
    posting = posted.postings.first()
    posting.amount = Decimal("1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        posting.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).delete()


# Integrity check ------------------------------------------------------------------------------------------


def _check() -> str:
    out = StringIO()
    call_command("ledger_check", stdout=out, stderr=out)
    return out.getvalue()


def test_ledger_check_passes_on_a_sound_ledger(posted):
    assert "Ledger check passed: 1 transactions, 2 postings" in _check()


def test_ledger_check_names_a_cached_balance_that_differs_from_its_postings(posted):
    pool = Account.objects.get(kind=Account.Kind.POOL)
    Account.objects.filter(pk=pool.pk).update(balance=Decimal("-6999"))
    out = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("ledger_check", stdout=out, stderr=out)
    assert "shows a balance of -£6,999.00 but its postings sum to -£7,000.00" in out.getvalue()


def test_ledger_check_finds_a_row_altered_behind_the_triggers_back(posted):
    """Someone with database rights drops the trigger, edits a narrative and puts the trigger back."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for statement in remove_sql(vendor):
            cursor.execute(statement)
        cursor.execute("UPDATE commissioning_ledgertransaction SET narrative = 'Nothing to see here'")
        for statement in install_sql(vendor):
            cursor.execute(statement)
    out = StringIO()
    with pytest.raises(CommandError, match="Ledger check failed"):
        call_command("ledger_check", stdout=out, stderr=out)
    assert f"Transaction #1 of {posted.commission} (id {posted.pk}) was altered after it was posted" in out.getvalue()


# Property: any sequence of valid calls keeps the ledger balanced and its balances equal to raw postings -----

operations = st.lists(
    st.tuples(
        st.sampled_from(["pledge", "invoice", "receive", "allocate", "forecast", "spend", "carry", "reverse"]),
        st.integers(min_value=1, max_value=5_000_000).map(lambda pence: Decimal(pence).scaleb(-2)),
        st.integers(min_value=0, max_value=2),
    ),
    max_size=25,
)


def _attempt(commission, partners, streams, op, amount, pick):  # type: ignore[no-untyped-def]
    years = list(commission.years.order_by("number"))
    year, partner, stream = years[pick], partners[pick % len(partners)], streams[pick % len(streams)]
    calls = {
        "pledge": lambda: ledger.pledge_accepted_post(partner=partner, financial_year=year, amount=amount, by=None),
        "invoice": lambda: ledger.contribution_invoiced_post(
            partner=partner, financial_year=year, amount=amount, by=None
        ),
        "receive": lambda: ledger.contribution_received_post(
            partner=partner, financial_year=year, amount=amount, by=None
        ),
        "allocate": lambda: ledger.allocation_post(financial_year=year, work_stream=stream, amount=amount, by=None),
        "forecast": lambda: ledger.forecast_post(financial_year=year, work_stream=stream, forecast=amount, by=None),
        "spend": lambda: ledger.actual_spend_post(financial_year=year, work_stream=stream, amount=amount, by=None),
        "carry": lambda: ledger.carry_forward_post(
            from_year=years[0],
            to_year=years[2],
            parts={stream: min(amount, ledger.underspend(years[0], stream))},
            by=None,
        ),
        "reverse": lambda: ledger.transaction_reverse(
            original=LedgerTransaction.objects.exclude(kind=Kind.REVERSAL).filter(reversed_by__isnull=True).last(),
            reason="property test",
            by=None,
        ),
    }
    try:
        calls[op]()
    except (ValidationError, AttributeError, LedgerTransaction.DoesNotExist):
        pass  # refused calls write nothing; the invariants below must still hold


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_any_sequence_of_calls_keeps_every_transaction_balanced(commission, partner_a, partner_b, steps):
    streams = list(commission.work_streams.filter(pooled_share__isnull=False))
    for op, amount, pick in steps:
        _attempt(commission, [partner_a, partner_b], streams, op, amount, pick)
    raw: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    per_tx: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for posting in Posting.objects.all():
        raw[posting.account_id] += posting.amount
        per_tx[posting.transaction_id] += posting.amount
    assert all(total == 0 for total in per_tx.values())
    for account in Account.objects.all():
        assert account.balance == raw[account.pk], account
    numbers = list(LedgerTransaction.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
