"""Shared by the API tests: a commission with something at every endpoint, the personas, and money checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from allocations import services
from allocations.models import BasisDataset, Formula, MonitoringReturn, TableImport, WorkStreamAllocation
from commissioning.models import Commission, FinancialYear, User
from partners.models import ContributionRequest, Partner
from tests import factories

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
