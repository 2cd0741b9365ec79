"""Shared by the API tests: a commission with something at every endpoint, the personas, and money checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from allocations import services
from allocations.models import BasisDataset, Formula, MonitoringReturn, TableImport, WorkStreamAllocation
from commissioning.models import Commission, FinancialYear, User
from partners import services as partner_services
from partners.models import ContributionRequest, Partner, Pledge, ProFormaReturn, RequestLetter
from tests import factories
from tests.request_support import agree

STAFF = ("officer", "manager", "auditor")
NOT_STAFF = ("lead_a", "lead_b", "outsider")
READ_ONLY_STAFF = ("manager", "auditor")
# Everyone but the officer, and what each gets when trying to write: refused, never written.
REFUSED_WRITERS = (
    ("manager", 403),
    ("auditor", 403),
    ("lead_a", 403),
    ("lead_b", 403),
    ("outsider", 403),
    ("anonymous", 401),
)

MONEY_KEYS = frozenset(
    {
        "actual",
        "allocation",
        "amount",
        "computed_amount",
        "difference_from_formula",
        "fixed_amount",
        "forecast",
        "new_amount",
        "previous_amount",
        "stated_allocation",
        "stated_variance",
        "target",
        "total",
        "variance",
    }
)
_MONEY = re.compile(r"^-?\d+\.\d{2}$")


def _walk(data: Any, key: str | None = None) -> Iterator[tuple[str | None, Any]]:
    yield key, data
    if isinstance(data, dict):
        for child_key, value in data.items():
            yield from _walk(value, child_key)
    elif isinstance(data, list):
        for value in data:
            yield from _walk(value, key)


def assert_money_strings(data: Any, keys: frozenset[str] = MONEY_KEYS) -> int:
    """Every money value in a response is a decimal string with pence (`"1502449.00"`) and nothing is a float.

    `keys` names the money fields (a resource may add its own). Returns how many money values it checked, so a
    test can be sure it looked at some.
    """
    checked = 0
    for key, value in _walk(data):
        assert not isinstance(value, float), f"{key} is a float: {value!r}"
        if key in keys and not isinstance(value, dict | list) and value is not None:
            assert isinstance(value, str), f"{key} is not a string: {value!r}"
            assert _MONEY.match(value), f"{key} is not a decimal string with pence: {value!r}"
            checked += 1
    return checked


@dataclass
class World:
    """Partner A and B's commission with a formula, its drafted requests, the 2013/14 budget and allocations,
    a monitoring return, a basis dataset imported into it, and an imported table whose stated total is £1 more
    than its lines."""

    commission: Commission
    partner_a: Partner
    partner_b: Partner
    formula: Formula
    year: FinancialYear
    allocations: list[WorkStreamAllocation]
    monitoring: MonitoringReturn
    dataset: BasisDataset
    table: TableImport

    def requests_of(self, partner: Partner) -> list[ContributionRequest]:
        return list(ContributionRequest.objects.filter(commission=self.commission, partner=partner))


def build_world(commission: Commission, partner_a: Partner, partner_b: Partner, officer: User) -> World:
    population = factories.TableImportFactory(commission=commission, kind=TableImport.Kind.BASIS, title="Population")
    dataset = factories.BasisDatasetFactory(table_import=population)
    factories.BasisValueFactory(dataset=dataset, partner=partner_a, value=Decimal("120000"))
    factories.BasisValueFactory(dataset=dataset, partner=partner_b, value=Decimal("80000"))
    formula = services.formula_create(
        commission=commission,
        name="Agreed shares",
        method=Formula.Method.FIXED,
        by=officer,
        participants=[
            services.ParticipantInput(partner=partner_a, fixed_amount=Decimal("7000.00")),
            services.ParticipantInput(partner=partner_b, fixed_amount=Decimal("12000.00")),
        ],
    )
    services.requests_draft(formula=formula, by=officer)
    year = commission.years.get(number=1)
    allocations = services.year_budget_set(financial_year=year, amount=Decimal("1502449.00"), by=officer)
    monitoring = services.monitoring_return_record(
        financial_year=year,
        work_stream=allocations[0].work_stream,
        quarter=1,
        forecast=Decimal("70000.00"),
        actual=Decimal("15000.00"),
        by=officer,
    )
    table = factories.TableImportFactory(commission=commission, title="District contributions requested")
    factories.ImportedContributionFactory(table_import=table, partner=partner_a, amount=Decimal("7000.00"))
    factories.ImportedContributionFactory(table_import=table, partner=partner_b, amount=Decimal("12000.00"))
    factories.StatedTotalFactory(table_import=table, amount=Decimal("19001.00"), label="Total", row_number=4)
    return World(commission, partner_a, partner_b, formula, year, allocations, monitoring, dataset, table)


def another_world(officer: User) -> World:
    """Another commission, with its own two partners, built like `build_world`'s."""
    commission = factories.CommissionFactory()
    for position, share in enumerate([Decimal("5"), Decimal("17"), Decimal("68"), Decimal("10")]):
        factories.WorkStreamFactory(commission=commission, pooled_share=share, position=position)
    partner_a = factories.MembershipFactory(commission=commission).partner
    partner_b = factories.MembershipFactory(commission=commission).partner
    return build_world(commission, partner_a, partner_b, officer)


@dataclass
class Letters:
    """The request workflow on top of a world: both partners' requests issued (by post, so no e-mail) as letters;
    partner A agreed to £7,000 a year for three years and the officer accepted it (three pledges); partner B agreed
    to £12,000 a year and waits for review; and a £12,000 pledge of B's for 2013/14 recorded without a return."""

    letter_a: RequestLetter
    letter_b: RequestLetter
    return_a: ProFormaReturn
    return_b: ProFormaReturn
    pledges_a: list[Pledge]
    pledge_b: Pledge


def build_letters(world: World, officer: User) -> Letters:
    """Kept apart from `build_world`: issuing turns the world's draft requests into issued ones, and accepting
    posts to the ledger, which the tests of drafting, requests and the statement read as they are."""
    options = partner_services.IssueOptions(
        deadline=timezone.localdate() + timedelta(days=30), sender_name="Helen Denton"
    )
    issued = partner_services.letters_issue(commission=world.commission, options=options, by=officer, notify=False)
    letter_a = next(letter for letter in issued if letter.partner_id == world.partner_a.pk)
    letter_b = next(letter for letter in issued if letter.partner_id == world.partner_b.pk)
    return_a = partner_services.return_submit(letter=letter_a, data=agree(letter_a), by=None, via="link")
    pledges_a = partner_services.return_accept(pro_forma_return=return_a, by=officer)
    return_b = partner_services.return_submit(letter=letter_b, data=agree(letter_b), by=None, via="link")
    pledge_b = partner_services.pledge_record(
        partner=world.partner_b, financial_year=world.year, amount=Decimal("12000.00"), note="Paid direct", by=officer
    )
    for letter in (letter_a, letter_b):
        letter.refresh_from_db()
    return Letters(letter_a, letter_b, return_a, return_b, pledges_a, pledge_b)
