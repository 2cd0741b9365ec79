"""Scenario fixtures: the Lancashire districts' fixed formula from the December 2012 letter (seed 000), a small
weighted formula and a small cost-model formula, on the shared `commission` (target £3.5m, 2013/14 to 2015/16,
work-streams 5/17/68/10%)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from allocations.models import (
    BasisDataset,
    BasisValue,
    CostCategory,
    Formula,
    FormulaParticipant,
    Scenario,
    WorkStreamAllocation,
    YearBudget,
)
from allocations.services import CategoryInput, ParticipantInput, formula_create
from commissioning.models import Commission, Reserve, WorkStream
from partners.models import ContributionRequest, Membership, Partner
from tests import factories

# The 12 districts and the yearly amounts the letter of 18 December 2012 asked of them. They sum to £101,000,
# though the letter states the district total as £100,000.
LANCASHIRE_DISTRICTS = (
    ("Burnley Borough Council", Decimal("7000")),
    ("Chorley Council", Decimal("9000")),
    ("Fylde Borough Council", Decimal("7000")),
    ("Hyndburn Borough Council", Decimal("7000")),
    ("Lancaster City Council", Decimal("12000")),
    ("Pendle Borough Council", Decimal("8000")),
    ("Preston City Council", Decimal("12000")),
    ("Ribble Valley Borough Council", Decimal("5000")),
    ("Rossendale Borough Council", Decimal("6000")),
    ("South Ribble Borough Council", Decimal("9000")),
    ("West Lancashire Borough Council", Decimal("9000")),
    ("Wyre Council", Decimal("10000")),
)


@pytest.fixture
def districts(commission):  # type: ignore[no-untyped-def]
    """name → Partner for the 12 districts, each a member of the commission with its requested amount."""
    partners = {}
    for name, amount in LANCASHIRE_DISTRICTS:
        partner = factories.PartnerFactory(name=name, kind=Partner.Kind.DISTRICT_COUNCIL)
        factories.MembershipFactory(commission=commission, partner=partner, requested_per_year=amount)
        partners[name] = partner
    return partners


@pytest.fixture
def fixed_formula(commission, districts, officer):  # type: ignore[no-untyped-def]
    """The districts' fixed formula: the letter's 12 amounts, £101,000 a year."""
    return formula_create(
        commission=commission,
        name="District contributions",
        method=Formula.Method.FIXED,
        by=officer,
        participants=[
            ParticipantInput(partner=districts[name], fixed_amount=amount) for name, amount in LANCASHIRE_DISTRICTS
        ],
    )


@pytest.fixture
def reserve(commission):  # type: ignore[no-untyped-def]
    return factories.ReserveFactory(
        commission=commission, name="Crime and Disorder reserve", opening_balance=Decimal("730000.00")
    )


@pytest.fixture
def trio(commission):  # type: ignore[no-untyped-def]
    """Three districts, A, B and C, members of the commission."""
    partners = {}
    for name in ("District A", "District B", "District C"):
        partners[name] = factories.PartnerFactory(name=name, kind=Partner.Kind.DISTRICT_COUNCIL)
        factories.MembershipFactory(commission=commission, partner=partners[name])
    return partners


@pytest.fixture
def weighted_formula(commission, trio, officer):  # type: ignore[no-untyped-def]
    """£60,000 a year weighted by population 100 / 200 / 300: A £10,000, B £20,000, C £30,000."""
    dataset = BasisDataset.objects.create(
        name="Population (test)", measure="People", source="A test table", vintage="mid-2012"
    )
    for name, value in (("District A", "100"), ("District B", "200"), ("District C", "300")):
        BasisValue.objects.create(dataset=dataset, partner=trio[name], value=Decimal(value))
    return formula_create(
        commission=commission,
        name="Weighted by population",
        method=Formula.Method.WEIGHTED,
        by=officer,
        total=Decimal("60000"),
        basis_dataset=dataset,
        participants=[ParticipantInput(partner=partner) for partner in trio.values()],
    )


@pytest.fixture
def cost_partners(commission):  # type: ignore[no-untyped-def]
    kinds = {
        "Police and Crime Commissioner": Partner.Kind.POLICE_AND_CRIME_COMMISSIONER,
        "CCG A": Partner.Kind.HEALTH_BODY,
        "CCG B": Partner.Kind.HEALTH_BODY,
        "County Council": Partner.Kind.COUNTY_COUNCIL,
        "District Council": Partner.Kind.DISTRICT_COUNCIL,
    }
    partners = {}
    for name, kind in kinds.items():
        partners[name] = factories.PartnerFactory(name=name, kind=kind)
        factories.MembershipFactory(commission=commission, partner=partners[name])
    return partners


@pytest.fixture
def cost_model_formula(commission, cost_partners, officer):  # type: ignore[no-untyped-def]
    """£100,000 a year: criminal justice 3 (the PCC), health 2 (the CCGs, equally), local government 5 (county and
    district, equally): PCC £30,000, CCG A £10,000, CCG B £10,000, County £25,000, District £25,000."""
    return formula_create(
        commission=commission,
        name="Cost model",
        method=Formula.Method.COST_MODEL,
        by=officer,
        total=Decimal("100000"),
        participants=[ParticipantInput(partner=partner) for partner in cost_partners.values()],
        categories=[
            CategoryInput("Criminal justice", Decimal("3"), "Walby", (Partner.Kind.POLICE_AND_CRIME_COMMISSIONER,)),
            CategoryInput("Health", Decimal("2"), "Walby", (Partner.Kind.HEALTH_BODY,)),
            CategoryInput(
                "Local government",
                Decimal("5"),
                "Walby",
                (Partner.Kind.COUNTY_COUNCIL, Partner.Kind.DISTRICT_COUNCIL),
            ),
        ],
    )


def ids(partners: dict, *names: str) -> list[int]:  # type: ignore[type-arg]
    return [partners[name].pk for name in names]


def live_data_snapshot() -> dict[str, list]:  # type: ignore[type-arg]
    """Every row of live data a scenario could touch, as plain values."""
    models = (
        Commission,
        WorkStream,
        Reserve,
        Partner,
        Membership,
        Formula,
        FormulaParticipant,
        CostCategory,
        BasisDataset,
        BasisValue,
        ContributionRequest,
        YearBudget,
        WorkStreamAllocation,
        Scenario,
    )
    return {model.__name__: list(model.objects.order_by("pk").values_list()) for model in models}
