"""formulas, basis-datasets, allocations, year-budgets and monitoring-returns: who may read and write them, money
as decimal strings, service errors as 400s, and list queries that do not grow with the rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from allocations.models import (
    AllocationOverride,
    Formula,
    MonitoringReturn,
    WorkStreamAllocation,
    YearBudget,
)
from partners.models import ContributionRequest
from tests import factories
from tests.api_support import NOT_STAFF, REFUSED_WRITERS, STAFF, another_world, assert_money_strings

pytestmark = pytest.mark.django_db

READS = {
    "formulas": ("api:formula-list", "api:formula-detail", lambda world: world.formula.pk),
    "basis-datasets": ("api:basis-dataset-list", "api:basis-dataset-detail", lambda world: world.dataset.pk),
    "allocations": ("api:allocation-list", "api:allocation-detail", lambda world: world.allocations[0].pk),
    "year-budgets": ("api:year-budget-list", "api:year-budget-detail", lambda world: world.year.budget.pk),
    "monitoring-returns": (
        "api:monitoring-return-list",
        "api:monitoring-return-detail",
        lambda world: world.monitoring.pk,
    ),
}


WRITES = ("formula-create", "formula-revise", "draft-requests", "override", "year-budget", "monitoring-return")


def _writes(world):  # type: ignore[no-untyped-def]
    """Each write endpoint with a body the officer may send; (url, body, the status it answers)."""
    formula, line = world.formula, world.allocations[0]
    return {
        "formula-create": (
            reverse("api:formula-list"),
            {
                "commission": world.commission.pk,
                "name": "Equal shares",
                "method": "fixed",
                "participants": [{"partner": world.partner_a.pk, "fixed_amount": "5000.00"}],
            },
            201,
        ),
        "formula-revise": (reverse("api:formula-revise", args=[formula.pk]), {"note": "After the board"}, 201),
        "draft-requests": (reverse("api:formula-draft-requests", args=[formula.pk]), {}, 201),
        "override": (
            reverse("api:allocation-override", args=[line.pk]),
            {"amount": "80000.00", "reason": "Board agreed more co-ordination"},
            200,
        ),
        "year-budget": (
            reverse("api:year-budget-list"),
            {"commission": world.commission.pk, "financial_year": "2014/15", "amount": "1000000.00"},
            201,
        ),
        "monitoring-return": (
            reverse("api:monitoring-return-list"),
            {
                "commission": world.commission.pk,
                "financial_year": "2013/14",
                "work_stream": line.work_stream_id,
                "quarter": 2,
                "forecast": "71000.00",
                "actual": "30000.00",
            },
            201,
        ),
    }


def _snapshot():  # type: ignore[no-untyped-def]
    """Everything the write endpoints could change, to prove a refused write changed nothing."""
    return (
        list(Formula.objects.order_by("pk").values_list("pk", "version", "total", "note")),
        list(ContributionRequest.objects.order_by("pk").values_list("pk", "amount")),
        list(WorkStreamAllocation.objects.order_by("pk").values_list("pk", "amount", "computed_amount")),
        list(YearBudget.objects.order_by("pk").values_list("pk", "amount")),
        list(MonitoringReturn.objects.order_by("pk").values_list("pk", "forecast", "actual")),
        AllocationOverride.objects.count(),
    )


def _post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json")


# Who may read ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", READS)
@pytest.mark.parametrize("persona", STAFF)
def test_staff_read_every_allocations_resource_with_money_as_strings(as_persona, persona, resource, world):
    list_name, detail_name, pk_of = READS[resource]
    client = as_persona(persona)
    listing = client.get(reverse(list_name))
    assert listing.status_code == 200
    assert listing.json()["count"] >= 1
    detail = client.get(reverse(detail_name, args=[pk_of(world)]))
    assert detail.status_code == 200
    checked = assert_money_strings(listing.json()) + assert_money_strings(detail.json())
    if resource != "basis-datasets":  # the one resource without money
        assert checked > 0


@pytest.mark.parametrize("resource", READS)
@pytest.mark.parametrize("persona", NOT_STAFF)
def test_partner_leads_and_outsiders_are_refused_allocations_resources(as_persona, persona, resource, world):
    list_name, detail_name, pk_of = READS[resource]
    client = as_persona(persona)
    assert client.get(reverse(list_name)).status_code == 403
    assert client.get(reverse(detail_name, args=[pk_of(world)])).status_code == 403


@pytest.mark.parametrize("resource", READS)
def test_anonymous_callers_get_401_from_allocations_resources(client, resource, world):
    list_name, detail_name, pk_of = READS[resource]
    assert client.get(reverse(list_name)).status_code == 401
    assert client.get(reverse(detail_name, args=[pk_of(world)])).status_code == 401


@pytest.mark.parametrize("resource", READS)
def test_lists_filter_by_commission(as_user, auditor, officer, resource, world):
    other = another_world(officer)
    list_name, _, pk_of = READS[resource]
    client = as_user(auditor)
    everything = {row["id"] for row in client.get(reverse(list_name)).json()["results"]}
    ours = {row["id"] for row in client.get(reverse(list_name), {"commission": world.commission.pk}).json()["results"]}
    theirs = {
        row["id"] for row in client.get(reverse(list_name), {"commission": other.commission.pk}).json()["results"]
    }
    assert pk_of(world) in ours
    assert pk_of(world) not in theirs
    assert pk_of(other) in theirs
    assert pk_of(other) not in ours
    assert ours | theirs == everything


@pytest.mark.parametrize("resource", READS)
def test_list_queries_do_not_grow_with_rows(as_user, auditor, officer, resource, world, django_assert_max_num_queries):
    list_name = READS[resource][0]
    client = as_user(auditor)
    with django_assert_max_num_queries(9) as small:
        first = client.get(reverse(list_name)).json()["count"]
    for _ in range(3):
        another_world(officer)
    with django_assert_max_num_queries(9) as large:
        assert client.get(reverse(list_name)).json()["count"] > first
    assert len(large.captured_queries) == len(small.captured_queries)


# Who may write --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize(("persona", "status"), REFUSED_WRITERS)
def test_only_officers_write_and_a_refused_write_changes_nothing(as_persona, persona, status, write, world):
    url, body, _ = _writes(world)[write]
    before = _snapshot()
    response = _post(as_persona(persona), url, body)
    assert response.status_code == status, response.content
    assert _snapshot() == before


@pytest.mark.parametrize("write", WRITES)
def test_officer_writes_and_gets_money_back_as_strings(as_user, officer, write, world):
    url, body, status = _writes(world)[write]
    before = _snapshot()
    response = _post(as_user(officer), url, body)
    assert response.status_code == status, response.content
    assert assert_money_strings(response.json()) > 0
    assert _snapshot() != before


# Money in: decimal strings only ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("write", "path", "value"),
    [
        ("formula-create", ("participants", 0, "fixed_amount"), 5000),
        ("formula-create", ("participants", 0, "fixed_amount"), 5000.5),
        ("override", ("amount",), 80000),
        ("override", ("amount",), 80000.0),
        ("year-budget", ("amount",), 1000000),
        ("monitoring-return", ("forecast",), 71000.25),
        ("monitoring-return", ("actual",), 30000),
    ],
)
def test_a_json_number_for_money_is_refused_and_nothing_is_written(as_user, officer, write, path, value, world):
    url, body, _ = _writes(world)[write]
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    before = _snapshot()
    response = _post(as_user(officer), url, body)
    assert response.status_code == 400
    assert "not a JSON number" in response.content.decode()
    assert _snapshot() == before


def test_a_fraction_of_a_penny_is_refused(as_user, officer, world):
    url, body, _ = _writes(world)["year-budget"]
    body["amount"] = "1000000.005"
    before = _snapshot()
    response = _post(as_user(officer), url, body)
    assert response.status_code == 400
    assert "fraction of a penny" in response.json()["amount"][0]
    assert _snapshot() == before


# Formulas -------------------------------------------------------------------------------------------------


def test_formula_lists_its_participants_and_sources(as_user, manager, world):
    data = as_user(manager).get(reverse("api:formula-detail", args=[world.formula.pk])).json()
    assert data["method"] == "fixed"
    assert data["version"] == 1
    assert data["superseded_by"] is None
    assert {p["partner"]["id"]: p["fixed_amount"] for p in data["participants"]} == {
        world.partner_a.pk: "7000.00",
        world.partner_b.pk: "12000.00",
    }
    assert {p["partner"]["kind"] for p in data["participants"]} == {"district_council"}


def test_officer_creates_a_weighted_formula_from_a_basis_dataset(as_user, officer, world):
    """£100,000 weighted 120,000 : 80,000 gives £60,000 and £40,000."""
    body = {
        "commission": world.commission.pk,
        "name": "By population",
        "method": "weighted",
        "total": "100000",
        "basis_dataset": world.dataset.pk,
        "participants": [{"partner": world.partner_a.pk}, {"partner": world.partner_b.pk}],
    }
    response = _post(as_user(officer), reverse("api:formula-list"), body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["total"] == "100000.00"
    assert data["basis_dataset"]["source"] == "ONS mid-year population estimates"
    assert data["basis_dataset"]["vintage"] == "mid-2012"
    assert data["created_by"] == officer.username
    drafted = _post(as_user(officer), reverse("api:formula-draft-requests", args=[data["id"]]), {}).json()
    amounts = {(row["partner"]["id"], row["financial_year"]): row["amount"] for row in drafted}
    assert amounts[(world.partner_a.pk, "2013/14")] == "60000.00"
    assert amounts[(world.partner_b.pk, "2015/16")] == "40000.00"
    first = next(row for row in drafted if row["partner"]["id"] == world.partner_a.pk)
    assert first["provenance"]["basis"]["vintage"] == "mid-2012"
    assert first["provenance"]["share"] == "0.600000"


def test_officer_creates_a_cost_model_formula_with_its_categories(as_user, officer, world):
    """£40,000 by weights 3 : 1 gives £30,000 and £10,000, each spread equally over the two district councils."""
    body = {
        "commission": world.commission.pk,
        "name": "Walby cost model",
        "method": "cost_model",
        "total": "40000.00",
        "participants": [{"partner": world.partner_a.pk}, {"partner": world.partner_b.pk}],
        "categories": [
            {"name": "Housing", "weight": "3", "source": "Walby 2009", "partner_kinds": ["district_council"]},
            {"name": "Health", "weight": "1", "source": "Walby 2009", "partner_kinds": ["district_council"]},
        ],
    }
    response = _post(as_user(officer), reverse("api:formula-list"), body)
    assert response.status_code == 201, response.content
    categories = response.json()["cost_categories"]
    assert [(c["name"], c["weight"], c["source"], c["spread_dataset"]) for c in categories] == [
        ("Housing", "3.0000", "Walby 2009", None),
        ("Health", "1.0000", "Walby 2009", None),
    ]
    body["name"], body["categories"][0]["weight"] = "Numbers", 3
    refused = _post(as_user(officer), reverse("api:formula-list"), body)
    assert refused.status_code == 400
    assert "not a JSON number" in refused.content.decode()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"method": "weighted"}, "needs a yearly total"),
        ({"participants": [{"partner": "outsider"}]}, "is not a partner of"),
        ({"participants": [{"partner": "a"}]}, "needs an amount in a fixed formula"),
        ({"participants": []}, "asks no partner for anything"),
    ],
)
def test_a_formula_the_service_refuses_is_a_400_with_its_reason_and_nothing_is_kept(
    as_user, officer, world, change, says
):
    partners = {"outsider": factories.PartnerFactory().pk, "a": world.partner_a.pk}
    body = {"commission": world.commission.pk, "name": "Refused", "method": "fixed", "participants": []}
    body.update(change)
    body["participants"] = [{"partner": partners[p["partner"]]} for p in body["participants"]]
    before = _snapshot()
    response = _post(as_user(officer), reverse("api:formula-list"), body)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert _snapshot() == before


def test_revising_makes_a_new_version_and_keeps_the_old(as_user, officer, world):
    client = as_user(officer)
    body = {"participants": [{"partner": world.partner_a.pk, "fixed_amount": "7500.00"}], "note": "B declined"}
    response = _post(client, reverse("api:formula-revise", args=[world.formula.pk]), body)
    assert response.status_code == 201, response.content
    revised = response.json()
    assert (revised["version"], revised["supersedes"], revised["note"]) == (2, world.formula.pk, "B declined")
    assert [p["fixed_amount"] for p in revised["participants"]] == ["7500.00"]
    old = client.get(reverse("api:formula-detail", args=[world.formula.pk])).json()
    assert old["superseded_by"] == revised["id"]
    assert {p["partner"]["id"]: p["fixed_amount"] for p in old["participants"]} == {
        world.partner_a.pk: "7000.00",
        world.partner_b.pk: "12000.00",
    }

    again = _post(client, reverse("api:formula-revise", args=[world.formula.pk]), {"note": "Again"})
    assert again.status_code == 400
    assert "already been revised" in again.content.decode()
    stale = _post(client, reverse("api:formula-draft-requests", args=[world.formula.pk]), {})
    assert stale.status_code == 400
    assert "superseded" in stale.content.decode()


def test_drafting_replaces_earlier_drafts(as_user, officer, world):
    earlier = set(ContributionRequest.objects.values_list("pk", flat=True))
    response = _post(as_user(officer), reverse("api:formula-draft-requests", args=[world.formula.pk]), {})
    assert response.status_code == 201
    drafted = response.json()
    assert len(drafted) == 6
    assert {row["id"] for row in drafted} == set(ContributionRequest.objects.values_list("pk", flat=True))
    assert not earlier & {row["id"] for row in drafted}


# Basis datasets -------------------------------------------------------------------------------------------


def test_basis_dataset_shows_its_values_source_and_vintage(as_user, auditor, world):
    data = as_user(auditor).get(reverse("api:basis-dataset-detail", args=[world.dataset.pk])).json()
    assert (data["source"], data["vintage"], data["unit"]) == (
        "ONS mid-year population estimates",
        "mid-2012",
        "people",
    )
    assert {(v["partner"]["id"], v["value"]) for v in data["values"]} == {
        (world.partner_a.pk, "120000.0000"),
        (world.partner_b.pk, "80000.0000"),
    }


# Allocations and year budgets -----------------------------------------------------------------------------


def test_year_budget_is_split_by_largest_remainder(as_user, officer, world):
    """£1,502,449 by 5/17/68/10% is 75,123 + 255,416 + 1,021,665 + 150,245 = 1,502,449; the 5% and 10% lines took
    the two pounds that rounding each line half-up would have lost."""
    body = {"commission": world.commission.pk, "financial_year": "2015/16", "amount": "1502449"}
    client = as_user(officer)
    response = _post(client, reverse("api:year-budget-list"), body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["financial_year"], data["amount"]) == ("2015/16", "1502449.00")
    assert [(line["amount"], line["took_rounding"]) for line in data["allocations"]] == [
        ("75123.00", True),
        ("255416.00", False),
        ("1021665.00", False),
        ("150245.00", True),
    ]
    body["amount"] = "1502450.00"
    assert _post(client, reverse("api:year-budget-list"), body).status_code == 200
    budget = YearBudget.objects.get(financial_year__start_year=2015, financial_year__commission=world.commission)
    assert budget.amount == Decimal("1502450.00")


@pytest.mark.parametrize(
    ("year", "says"), [("2020/21", "has no financial year 2020/21"), ("2013/15", "is not a financial year")]
)
def test_a_year_budget_for_a_year_the_commission_does_not_have_is_a_400(as_user, officer, world, year, says):
    body = {"commission": world.commission.pk, "financial_year": year, "amount": "1.00"}
    before = _snapshot()
    response = _post(as_user(officer), reverse("api:year-budget-list"), body)
    assert response.status_code == 400
    assert says in response.json()["financial_year"][0]
    assert _snapshot() == before


def test_override_changes_the_line_and_keeps_its_history(as_user, officer, world):
    """£80,000 in place of the computed £75,123 is £4,877 more than the formula."""
    line = world.allocations[0]
    response = _post(
        as_user(officer),
        reverse("api:allocation-override", args=[line.pk]),
        {"amount": "80000.00", "reason": "Board agreed more co-ordination"},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["computed_amount"], data["amount"], data["difference_from_formula"]) == (
        "75123.00",
        "80000.00",
        "4877.00",
    )
    assert data["is_overridden"] is True
    assert data["overridden_by"] == officer.username
    assert data["overrides"] == [
        {
            "previous_amount": "75123.00",
            "new_amount": "80000.00",
            "reason": "Board agreed more co-ordination",
            "at": data["overrides"][0]["at"],
            "by": officer.username,
        }
    ]


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"amount": "75123.00", "reason": "No change"}, "amount", "already £75,123"),
        ({"amount": "80000.00", "reason": "   "}, "reason", "may not be blank"),
        ({"amount": "-1.00", "reason": "Negative"}, "amount", "cannot be negative"),
    ],
)
def test_a_refused_override_is_a_400_with_the_reason(as_user, officer, world, body, field, says):
    before = _snapshot()
    response = _post(as_user(officer), reverse("api:allocation-override", args=[world.allocations[0].pk]), body)
    assert response.status_code == 400
    assert says in response.json()[field][0]
    assert _snapshot() == before


# Monitoring returns ---------------------------------------------------------------------------------------


def test_monitoring_return_variance_is_computed(as_user, officer, world):
    """Allocation £75,123 − forecast £71,000 = £4,123 underspend."""
    url, body, _ = _writes(world)["monitoring-return"]
    response = _post(as_user(officer), url, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["allocation"], data["forecast"], data["actual"], data["variance"]) == (
        "75123.00",
        "71000.00",
        "30000.00",
        "4123.00",
    )
    assert (data["financial_year"], data["quarter"], data["recorded_by"]) == ("2013/14", 2, officer.username)


def test_a_variance_sent_in_is_ignored_because_it_is_always_computed(as_user, officer, world):
    url, body, _ = _writes(world)["monitoring-return"]
    body["variance"] = "999.00"
    data = _post(as_user(officer), url, body).json()
    assert data["variance"] == "4123.00"


def test_monitoring_without_an_allocation_has_no_variance(as_user, officer, world):
    url, body, _ = _writes(world)["monitoring-return"]
    body["financial_year"] = "2014/15"
    data = _post(as_user(officer), url, body).json()
    assert (data["allocation"], data["variance"]) == (None, None)


def test_a_refused_monitoring_return_is_a_400_with_the_reason(as_user, officer, world):
    client = as_user(officer)
    url, body, _ = _writes(world)["monitoring-return"]
    body["quarter"] = 1
    duplicate = _post(client, url, body)
    assert duplicate.status_code == 400
    assert "already recorded" in duplicate.content.decode()

    other = another_world(officer)
    body["work_stream"], body["quarter"] = other.allocations[0].work_stream_id, 3
    before = _snapshot()
    foreign = _post(client, url, body)
    assert foreign.status_code == 400
    assert "is not a work-stream of" in foreign.content.decode()
    assert _snapshot() == before
