"""scenarios: who may list, read, preview, compare, save and adopt them; money as decimal strings both ways; changes
refused with the reason; previews that write nothing; and list queries that do not grow with scenarios or partners.

The world (tests/api_support.py) has a fixed formula asking partner A £7,000 and partner B £12,000 a year, so a
target of £19,000 a year, over three years, 2013/14 to 2015/16, of a commission whose target is £3,500,000.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse

from allocations.models import Formula, Scenario
from allocations.scenario_api import ChangesInput
from allocations.scenario_changes import CHANGE_KEYS
from allocations.scenario_services import scenario_save
from allocations.services import ParticipantInput, formula_create, formula_revise
from commissioning import roles
from partners.models import Partner
from tests import factories
from tests.api_support import MONEY_KEYS, another_world, assert_money_strings
from tests.scenarios.conftest import live_data_snapshot

pytestmark = pytest.mark.django_db

PERSONAS = ("officer", "manager", "auditor", "lead_a", "lead_b", "outsider", "anonymous")
ENDPOINTS = ("list", "retrieve", "preview", "compare", "create", "adopt")
WRITES = ("create", "adopt")
_READS = {"list": 200, "retrieve": 200, "preview": 200, "compare": 200}
EXPECTED = {
    "officer": {**_READS, "create": 201, "adopt": 201},
    "manager": {**_READS, "create": 403, "adopt": 403},
    "auditor": {**_READS, "create": 403, "adopt": 403},
    **{persona: dict.fromkeys(ENDPOINTS, 403) for persona in ("lead_a", "lead_b", "outsider")},
    "anonymous": dict.fromkeys(ENDPOINTS, 401),
}

SCENARIO_MONEY_KEYS = MONEY_KEYS | {
    "a",
    "b",
    "alone_becomes",
    "alone_reduction",
    "allocation_total",
    "commission_target",
    "difference",
    "extra",
    "left_after",
    "live",
    "live_shortfall",
    "live_shortfall_against_commission_target",
    "live_shortfall_over_years",
    "live_target",
    "live_target_over_years",
    "live_total",
    "live_total_over_years",
    "needed",
    "new",
    "new_total",
    "opening_balance",
    "per_year",
    "scenario",
    "scenario_total",
    "scenario_total_over_years",
    "short_by",
    "shortfall",
    "shortfall_against_commission_target",
    "shortfall_difference",
    "shortfall_over_years",
    "spread_becomes",
    "spread_becomes_total",
    "spread_reduction",
    "spread_total",
    "target_over_years",
    "total_difference",
    "total_extra",
}
# The only keys whose values are JSON numbers: ids, counts and years. Everything else numeric is a string.
INTEGER_KEYS = {
    "adopted_formula",
    "commission",
    "count",
    "declines",
    "id",
    "number",
    "number_of_years",
    "position",
    "supersedes",
    "superseded_by",
    "version",
    "years",
    "years_covered",
}
# The project's own models; the audit trail's historical models (tests/test_history.py) are not.
PROJECT_MODELS = [
    model
    for model in apps.get_models()
    if model._meta.app_label in roles.PROJECT_APPS and not roles.is_history_model(model)
]


def assert_money_is_strings(data: Any) -> int:
    """Every money value is a decimal string with pence, and the only JSON numbers are ids, counts and years."""

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for child_key, child in value.items():
                walk(child, child_key)
        elif isinstance(value, list):
            for child in value:
                walk(child, key)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            assert key in INTEGER_KEYS, f"{key} is a JSON number: {value!r}"

    walk(data, None)
    return assert_money_strings(data, SCENARIO_MONEY_KEYS)


def _state() -> tuple[dict[str, int], dict[str, list]]:  # type: ignore[type-arg]
    """Every project table's row count, and every row a scenario could touch."""
    return {model.__name__: model.objects.count() for model in PROJECT_MODELS}, live_data_snapshot()


@pytest.fixture
def reserve(world):  # type: ignore[no-untyped-def]
    return factories.ReserveFactory(
        commission=world.commission, name="Crime and Disorder reserve", opening_balance=Decimal("730000.00")
    )


@pytest.fixture
def scenario(world, officer):  # type: ignore[no-untyped-def]
    return scenario_save(
        commission=world.commission,
        formula=world.formula,
        name="B declines",
        description="What if B says no?",
        changes={"declines": [world.partner_b.pk]},
        by=officer,
    )


@pytest.fixture
def other_scenario(world, officer):  # type: ignore[no-untyped-def]
    return scenario_save(
        commission=world.commission,
        formula=world.formula,
        name="A pays less",
        description="",
        changes={"pays": {str(world.partner_a.pk): "5000"}},
        by=officer,
    )


def _endpoints(world, scenario, other):  # type: ignore[no-untyped-def]
    """Each endpoint as (method, url, body) with a body the officer may send."""
    return {
        "list": ("get", reverse("api:scenario-list"), None),
        "retrieve": ("get", reverse("api:scenario-detail", args=[scenario.pk]), None),
        "preview": (
            "post",
            reverse("api:scenario-preview"),
            {"formula": world.formula.pk, "changes": {"declines": [world.partner_a.pk]}},
        ),
        "compare": ("get", reverse("api:scenario-compare"), {"a": scenario.pk, "b": other.pk}),
        "create": (
            "post",
            reverse("api:scenario-list"),
            {
                "commission": world.commission.pk,
                "formula": world.formula.pk,
                "name": "A declines",
                "changes": {"declines": [world.partner_a.pk]},
            },
        ),
        "adopt": ("post", reverse("api:scenario-adopt", args=[scenario.pk]), {}),
    }


def _call(client, method, url, body):  # type: ignore[no-untyped-def]
    if method == "get":
        return client.get(url, body or {})
    return client.post(url, body, content_type="application/json")


def _post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json")


def _preview(world, changes):  # type: ignore[no-untyped-def]
    return reverse("api:scenario-preview"), {"formula": world.formula.pk, "changes": changes}


def _create(world, changes, name="Tried"):  # type: ignore[no-untyped-def]
    body = {"commission": world.commission.pk, "formula": world.formula.pk, "name": name, "changes": changes}
    return reverse("api:scenario-list"), body


# Who may do what -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_endpoint_answers_each_persona_as_the_pages_do_and_a_refusal_writes_nothing(
    as_persona, persona, endpoint, world, scenario, other_scenario
):
    """Staff read and preview; only officers save and adopt; partner leads and outsiders get 403 and anonymous
    callers 401 from everything. Only an officer's save or adoption changes a row."""
    client = as_persona(persona)
    method, url, body = _endpoints(world, scenario, other_scenario)[endpoint]
    before = _state()
    response = _call(client, method, url, body)
    assert response.status_code == EXPECTED[persona][endpoint], response.content
    if endpoint in WRITES and response.status_code in (200, 201):
        assert _state() != before
    else:
        assert _state() == before


@pytest.mark.parametrize(
    ("persona", "endpoint"),
    [
        *[(persona, endpoint) for persona in ("officer", "manager", "auditor") for endpoint in _READS],
        ("officer", "create"),
        ("officer", "adopt"),
    ],
)
def test_every_answer_carries_money_as_decimal_strings(
    as_persona, persona, endpoint, world, scenario, other_scenario, reserve
):
    method, url, body = _endpoints(world, scenario, other_scenario)[endpoint]
    response = _call(as_persona(persona), method, url, body)
    assert response.status_code in (200, 201), response.content
    # Adopting answers with the new formula version, whose only money is each partner's amount.
    assert assert_money_is_strings(response.json()) >= (1 if endpoint == "adopt" else 20)


# Reading -------------------------------------------------------------------------------------------------


def test_a_scenario_shows_its_changes_and_figures_beside_the_live_plan(as_user, auditor, world, scenario, reserve):
    """B declines: the scenario asks A £7,000 and B nothing, £7,000 against the target of £19,000 a year, so
    £12,000 short a year, £36,000 over three years, and £3,500,000 − 3 × £7,000 = £3,479,000 short of the
    commission's target (the live plan: £3,500,000 − 3 × £19,000 = £3,443,000)."""
    data = as_user(auditor).get(reverse("api:scenario-detail", args=[scenario.pk])).json()
    assert (data["name"], data["description"], data["status"]) == ("B declines", "What if B says no?", "draft")
    assert data["formula"] == {"id": world.formula.pk, "name": "Agreed shares", "version": 1}
    assert data["formula_is_current"] is True
    assert data["changes"] == {
        "declines": [world.partner_b.pk],
        "pays": {},
        "basis_values": {},
        "category_weights": {},
        "total": None,
    }
    assert data["problem"] == ""
    result = data["result"]
    by_partner = {line["partner"]["id"]: line for line in result["lines"]}
    assert (by_partner[world.partner_b.pk]["difference"], by_partner[world.partner_b.pk]["change"]) == (
        "-12000.00",
        "declines",
    )
    assert (by_partner[world.partner_a.pk]["difference"], by_partner[world.partner_a.pk]["change"]) == ("0.00", "")
    figures = {key: result[key] for key in result if isinstance(result[key], str)}
    assert figures == {
        "method": "fixed",
        "rounding_unit": "1",
        "live_total": "19000.00",
        "scenario_total": "7000.00",
        "total_difference": "-12000.00",
        "live_target": "19000.00",
        "target": "19000.00",
        "live_shortfall": "0.00",
        "shortfall": "12000.00",
        "live_total_over_years": "57000.00",
        "scenario_total_over_years": "21000.00",
        "live_target_over_years": "57000.00",
        "target_over_years": "57000.00",
        "live_shortfall_over_years": "0.00",
        "shortfall_over_years": "36000.00",
        "commission_target": "3500000.00",
        "live_shortfall_against_commission_target": "3443000.00",
        "shortfall_against_commission_target": "3479000.00",
    }
    assert [(year["financial_year"], year["shortfall"]) for year in result["years"]] == [
        ("2013/14", "12000.00"),
        ("2014/15", "12000.00"),
        ("2015/16", "12000.00"),
    ]
    assert result["descriptions"][0].endswith("declines (the live plan asks £12,000 a year).")


def test_the_ways_to_close_the_gap_add_up(as_user, manager, world, scenario, reserve):
    """The £12,000 gap: (a) A alone remains, so A is asked £7,000 + £12,000 = £19,000; (b) the reserve's £730,000
    less 3 × £12,000 leaves £694,000; (c) in 2013/14, cut from the allocations, the 5/17/68/10% spread is £600 +
    £2,040 + £8,160 + £1,200 = £12,000, and Workforce's £75,123 alone would become £63,123; in 2014/15, with no
    allocations, the year's £19,000 target split 5% gives Workforce £950, which cannot absorb £12,000 alone."""
    ways = (
        as_user(manager)
        .get(reverse("api:scenario-detail", args=[scenario.pk]))
        .json()["result"]["ways_to_close_the_gap"]
    )
    respread = ways["respread"]
    assert respread["possible"] is True
    assert [(line["partner"]["id"], line["extra"], line["new"]) for line in respread["lines"]] == [
        (world.partner_a.pk, "12000.00", "19000.00")
    ]
    assert (respread["total_extra"], respread["new_total"]) == ("12000.00", "19000.00")
    assert [
        (reserve["name"], reserve["needed"], reserve["covers"], reserve["left_after"]) for reserve in ways["reserves"]
    ] == [("Crime and Disorder reserve", "36000.00", True, "694000.00")]
    first, second = ways["work_streams"][0], ways["work_streams"][1]
    assert (first["financial_year"], first["from_allocations"]) == ("2013/14", True)
    assert [cut["spread_reduction"] for cut in first["cuts"]] == ["600.00", "2040.00", "8160.00", "1200.00"]
    assert first["spread_total"] == "12000.00"
    assert (first["cuts"][0]["allocation"], first["cuts"][0]["alone_becomes"]) == ("75123.00", "63123.00")
    assert (second["from_allocations"], second["cuts"][0]["allocation"]) == (False, "950.00")
    assert (second["cuts"][0]["alone_becomes"], second["cuts"][0]["alone_possible"]) == ("-11050.00", False)


def test_a_surplus_is_a_negative_shortfall_with_no_ways_to_close(as_user, officer, world):
    """A target of £18,000 against £19,000 asked is a shortfall of −£1,000: a surplus, so nothing to close."""
    url, body = _preview(world, {"total": "18000"})
    result = _post(as_user(officer), url, body).json()["result"]
    assert result["shortfall"] == "-1000.00"
    assert result["ways_to_close_the_gap"] == {"respread": None, "reserves": [], "work_streams": []}


def test_adoption_shows_what_the_next_version_would_ask(as_user, auditor, world, scenario):
    """A fixed formula keeps its gap when adopted: A's £7,000 alone, £12,000 short of £19,000."""
    adoption = as_user(auditor).get(reverse("api:scenario-detail", args=[scenario.pk])).json()["result"]["adoption"]
    assert adoption == {
        "problem": "",
        "lines": [{"partner": {"id": world.partner_a.pk, "name": world.partner_a.name}, "amount": "7000.00"}],
        "total": "7000.00",
        "shortfall": "12000.00",
    }


def test_list_shows_every_scenario_with_its_result_and_filters_by_commission(
    as_user, auditor, officer, world, scenario, other_scenario
):
    other = another_world(officer)
    theirs = scenario_save(
        commission=other.commission,
        formula=other.formula,
        name="Theirs",
        description="",
        changes={"declines": [other.partner_a.pk]},
        by=officer,
    )
    client = as_user(auditor)
    everything = client.get(reverse("api:scenario-list")).json()
    assert everything["count"] == 3
    assert all(row["result"]["lines"] for row in everything["results"])
    ours = client.get(reverse("api:scenario-list"), {"commission": world.commission.pk}).json()["results"]
    assert [row["name"] for row in ours] == ["A pays less", "B declines"]  # newest first
    assert [row["result"]["scenario_total"] for row in ours] == ["17000.00", "7000.00"]
    only_theirs = client.get(reverse("api:scenario-list"), {"commission": other.commission.pk}).json()["results"]
    assert [row["id"] for row in only_theirs] == [theirs.pk]
    assert client.get(reverse("api:scenario-list"), {"commission": "x"}).status_code == 400


def test_a_scenario_whose_changes_no_longer_apply_says_why_instead_of_a_result(as_user, auditor, world, scenario):
    Scenario.objects.filter(pk=scenario.pk).update(changes={"declines": [999999]})
    client = as_user(auditor)
    data = client.get(reverse("api:scenario-detail", args=[scenario.pk])).json()
    assert data["result"] is None
    assert "Partner 999999 is not in the formula 'Agreed shares' (version 1)." in data["problem"]
    listed = client.get(reverse("api:scenario-list")).json()["results"]
    assert [(row["result"], bool(row["problem"])) for row in listed] == [(None, True)]


def test_a_scenario_of_an_unknown_id_is_not_found(as_user, auditor, world):
    assert as_user(auditor).get(reverse("api:scenario-detail", args=[999999])).status_code == 404


# Previewing ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["officer", "manager", "auditor"])
def test_preview_computes_and_writes_nothing(as_persona, persona, world, reserve):
    """A pays £5,000 and the target is £20,000: £5,000 + £12,000 = £17,000 asked, £3,000 short a year."""
    client = as_persona(persona)
    url, body = _preview(world, {"pays": {str(world.partner_a.pk): "5000"}, "total": "20000.00"})
    before = _state()
    response = _post(client, url, body)
    assert response.status_code == 200, response.content
    assert _state() == before
    data = response.json()
    assert data["formula"] == {"id": world.formula.pk, "name": "Agreed shares", "version": 1}
    assert (data["result"]["scenario_total"], data["result"]["target"], data["result"]["shortfall"]) == (
        "17000.00",
        "20000.00",
        "3000.00",
    )


def test_a_saved_scenarios_changes_preview_to_the_same_result(as_user, officer, world, scenario, reserve):
    client = as_user(officer)
    saved = client.get(reverse("api:scenario-detail", args=[scenario.pk])).json()
    url, body = _preview(world, saved["changes"])
    previewed = _post(client, url, body)
    assert previewed.status_code == 200, previewed.content
    assert previewed.json()["result"] == saved["result"]


# Changes in: decimal strings, checked -----------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["preview", "create"])
@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("pays", 5000.5),
        ("pays", 5000),
        ("total", 19000.0),
        ("total", 19000),
        ("basis_values", 2.5),
        ("category_weights", 3),
    ],
)
def test_a_json_number_in_changes_is_refused_naming_the_field_and_nothing_is_written(
    as_user, officer, world, endpoint, kind, value
):
    partner = str(world.partner_a.pk)
    changes = (
        {kind: value} if kind == "total" else {kind: {partner if kind != "category_weights" else "Housing": value}}
    )
    url, body = (_preview if endpoint == "preview" else _create)(world, changes)
    before = _state()
    response = _post(as_user(officer), url, body)
    assert response.status_code == 400
    errors = response.json()["changes"][kind]
    message = errors[0] if kind == "total" else next(iter(errors.values()))[0]
    assert "not a JSON number" in message
    assert _state() == before


@pytest.mark.parametrize("endpoint", ["preview", "create"])
@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"declines": [999999]}, "Partner 999999 is not in the formula 'Agreed shares' (version 1)."),
        ({}, "The scenario changes nothing: make at least one change."),
        ({"total": "19000.50"}, "is not a whole number of pounds"),
        ({"basis_values": {"1": "5"}}, "Basis values weight only a weighted formula"),
        ({"category_weights": {"Housing": "2"}}, "Category weights belong to a cost-model formula"),
    ],
)
def test_changes_that_cannot_be_applied_are_a_400_with_the_reason_and_nothing_is_written(
    as_user, officer, world, endpoint, changes, says
):
    url, body = (_preview if endpoint == "preview" else _create)(world, changes)
    before = _state()
    response = _post(as_user(officer), url, body)
    assert response.status_code == 400
    assert any(says in message for message in response.json()["changes"]), response.json()
    assert _state() == before


def test_a_partner_that_both_declines_and_pays_is_refused(as_user, officer, world):
    a = world.partner_a.pk
    url, body = _preview(world, {"declines": [a], "pays": {str(a): "5000"}})
    response = _post(as_user(officer), url, body)
    assert response.status_code == 400
    assert f"{world.partner_a.name} cannot both decline and pay £5,000." in response.json()["changes"]


def test_an_unknown_kind_of_change_is_refused_not_ignored(as_user, officer, world):
    url, body = _preview(world, {"decline": [world.partner_a.pk], "total": "20000"})
    response = _post(as_user(officer), url, body)
    assert response.status_code == 400
    assert "Unknown kind of change" in response.json()["changes"]["decline"][0]


def test_the_api_takes_every_kind_of_change_the_pages_keep():
    assert set(ChangesInput().fields) == set(CHANGE_KEYS)


def test_a_weighted_formulas_basis_values_travel_as_strings(as_user, officer, world):
    """£100,000 weighted 120,000 : 80,000 is £60,000 and £40,000; with A's value at 20,000 instead it is
    20,000 : 80,000, so A £20,000 and B £80,000."""
    weighted = formula_create(
        commission=world.commission,
        name="By population",
        method=Formula.Method.WEIGHTED,
        by=officer,
        total=Decimal("100000"),
        basis_dataset=world.dataset,
        participants=[ParticipantInput(partner=world.partner_a), ParticipantInput(partner=world.partner_b)],
    )
    body = {"formula": weighted.pk, "changes": {"basis_values": {str(world.partner_a.pk): "20000"}}}
    response = _post(as_user(officer), reverse("api:scenario-preview"), body)
    assert response.status_code == 200, response.content
    lines = {line["partner"]["id"]: line["scenario"] for line in response.json()["result"]["lines"]}
    assert lines == {world.partner_a.pk: "20000.00", world.partner_b.pk: "80000.00"}


# Saving --------------------------------------------------------------------------------------------------


def test_officer_saves_a_scenario_with_its_changes_normalised(as_user, officer, world):
    url, body = _create(world, {"pays": {str(world.partner_a.pk): "5000"}, "declines": []}, name="  A pays less ")
    body["description"] = "After the board"
    response = _post(as_user(officer), url, body)
    assert response.status_code == 201, response.content
    data = response.json()
    saved = Scenario.objects.get(pk=data["id"])
    assert (saved.name, saved.changes, saved.created_by) == (
        "A pays less",
        {"pays": {str(world.partner_a.pk): "5000.00"}},
        officer,
    )
    assert (data["name"], data["created_by"], data["status"]) == ("A pays less", officer.username, "draft")
    assert data["changes"]["pays"] == {str(world.partner_a.pk): "5000.00"}
    assert data["result"]["scenario_total"] == "17000.00"


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ("other-commission", "formula", "is not a formula of"),
        ("same-name", "name", "already has a scenario called 'B declines'"),
        ("revised", "formula", "has been revised"),
    ],
)
def test_a_scenario_the_service_refuses_is_a_400_on_the_field_and_nothing_is_kept(
    as_user, officer, world, scenario, change, field, says
):
    url, body = _create(world, {"declines": [world.partner_a.pk]})
    if change == "other-commission":
        body["formula"] = another_world(officer).formula.pk
    elif change == "same-name":
        body["name"] = "B declines"
    else:
        formula_revise(formula=world.formula, by=officer, note="Later")
    client = as_user(officer)
    before = _state()
    response = _post(client, url, body)
    assert response.status_code == 400
    assert says in response.json()[field][0]
    assert _state() == before


# Adopting ------------------------------------------------------------------------------------------------


def test_adopting_makes_the_next_formula_version_once(as_user, officer, world, scenario):
    client = as_user(officer)
    url = reverse("api:scenario-adopt", args=[scenario.pk])
    response = _post(client, url, {})
    assert response.status_code == 201, response.content
    new = response.json()
    assert (new["name"], new["version"], new["supersedes"]) == ("Agreed shares", 2, world.formula.pk)
    assert [(p["partner"]["id"], p["fixed_amount"]) for p in new["participants"]] == [(world.partner_a.pk, "7000.00")]
    assert "Adopted from scenario 'B declines'" in new["note"]
    shown = client.get(reverse("api:scenario-detail", args=[scenario.pk])).json()
    assert (shown["status"], shown["adopted_formula"], shown["adopted_by"]) == ("adopted", new["id"], officer.username)
    assert shown["formula_is_current"] is False

    before = _state()
    again = _post(client, url, {})
    assert again.status_code == 400
    assert "a scenario is adopted once" in again.content.decode()
    assert _state() == before
    assert Formula.objects.filter(commission=world.commission).count() == 2


def test_a_scenario_on_a_revised_formula_cannot_be_adopted(as_user, officer, world, scenario):
    client = as_user(officer)
    _post(client, reverse("api:formula-revise", args=[world.formula.pk]), {"note": "Someone else's change"})
    before = _state()
    response = _post(client, reverse("api:scenario-adopt", args=[scenario.pk]), {})
    assert response.status_code == 400
    assert "has been revised since 'B declines' was saved" in response.content.decode()
    assert _state() == before


def test_adopt_needs_post(as_user, officer, scenario):
    assert as_user(officer).get(reverse("api:scenario-adopt", args=[scenario.pk])).status_code == 405


# Comparing -----------------------------------------------------------------------------------------------


def test_compare_sets_two_scenarios_side_by_side(as_user, manager, world, scenario, other_scenario):
    """A: B declines, £7,000 + £0 = £7,000. B: A pays £5,000, £5,000 + £12,000 = £17,000. B − A: partner A
    −£2,000, partner B +£12,000, total +£10,000; shortfalls £12,000 and £2,000, so −£10,000."""
    response = as_user(manager).get(reverse("api:scenario-compare"), {"a": scenario.pk, "b": other_scenario.pk})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["a"]["name"], data["b"]["name"]) == ("B declines", "A pays less")
    lines = {line["partner"]["id"]: (line["a"], line["b"], line["difference"]) for line in data["lines"]}
    assert lines == {
        world.partner_a.pk: ("7000.00", "5000.00", "-2000.00"),
        world.partner_b.pk: ("0.00", "12000.00", "12000.00"),
    }
    assert (data["total_difference"], data["shortfall_difference"]) == ("10000.00", "-10000.00")
    assert (data["result_a"]["shortfall"], data["result_b"]["shortfall"]) == ("12000.00", "2000.00")


def test_compare_refuses_a_scenario_of_another_commission(as_user, officer, manager, world, scenario):
    other = another_world(officer)
    theirs = scenario_save(
        commission=other.commission,
        formula=other.formula,
        name="Theirs",
        description="",
        changes={"declines": [other.partner_a.pk]},
        by=officer,
    )
    client = as_user(manager)
    before = _state()
    response = client.get(reverse("api:scenario-compare"), {"a": scenario.pk, "b": theirs.pk})
    assert response.status_code == 400
    assert "Only scenarios of the same commission can be compared." in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("same", "non_field_errors", "Choose two different scenarios to compare."),
        ("missing-b", "b", "This field is required."),
        ("unknown-b", "b", "does not exist"),
    ],
)
def test_compare_needs_two_different_known_scenarios(as_user, manager, scenario, query, field, says):
    params = {
        "same": {"a": scenario.pk, "b": scenario.pk},
        "missing-b": {"a": scenario.pk},
        "unknown-b": {"a": scenario.pk, "b": 999999},
    }[query]
    response = as_user(manager).get(reverse("api:scenario-compare"), params)
    assert response.status_code == 400
    assert says in response.json()[field][0]


# Queries -------------------------------------------------------------------------------------------------


def _bigger_world(world, officer, partners: int) -> None:
    """More partners in a new fixed formula of the same commission, a scenario on it, and another commission's
    scenario: more rows of everything a list reads."""
    members = [factories.PartnerFactory(kind=Partner.Kind.DISTRICT_COUNCIL) for _ in range(partners)]
    for partner in members:
        factories.MembershipFactory(commission=world.commission, partner=partner)
    big = formula_create(
        commission=world.commission,
        name=f"Big {partners}",
        method=Formula.Method.FIXED,
        by=officer,
        participants=[ParticipantInput(partner=p, fixed_amount=Decimal("1000")) for p in members],
    )
    scenario_save(
        commission=world.commission,
        formula=big,
        name=f"Big {partners} declines",
        description="",
        changes={"declines": [members[0].pk]},
        by=officer,
    )
    other = another_world(officer)
    factories.ReserveFactory(commission=other.commission)
    scenario_save(
        commission=other.commission,
        formula=other.formula,
        name="Theirs",
        description="",
        changes={"pays": {str(other.partner_b.pk): "1000"}},
        by=officer,
    )


def test_list_queries_do_not_grow_with_scenarios_or_partners(
    as_user, auditor, officer, world, scenario, reserve, django_assert_max_num_queries
):
    """Session, user, permissions, the count, the page of scenarios, then the formulas' participants, categories
    and basis values, the commissions' years, work-streams, allocations and reserves, and which formulas have
    been revised: the same for one scenario of two partners as for seven across four commissions, 40 partners in
    one formula."""
    client = as_user(auditor)
    with django_assert_max_num_queries(13) as small:
        assert client.get(reverse("api:scenario-list")).json()["count"] == 1
    for size in (40, 39, 3):
        _bigger_world(world, officer, size)
    with django_assert_max_num_queries(13) as large:
        listing = client.get(reverse("api:scenario-list")).json()
    assert listing["count"] == 7
    assert all(row["result"] is not None for row in listing["results"])
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_scenario_costs_the_same_queries_for_2_partners_as_for_40(
    as_user, auditor, officer, world, scenario, django_assert_max_num_queries
):
    client = as_user(auditor)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("api:scenario-detail", args=[scenario.pk])).status_code == 200
    _bigger_world(world, officer, 40)
    big = Scenario.objects.get(name="Big 40 declines")
    with django_assert_max_num_queries(12) as large:
        assert client.get(reverse("api:scenario-detail", args=[big.pk])).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# Schema --------------------------------------------------------------------------------------------------

SCENARIO_PATHS = {
    "/api/v1/scenarios/",
    "/api/v1/scenarios/{id}/",
    "/api/v1/scenarios/{id}/adopt/",
    "/api/v1/scenarios/compare/",
    "/api/v1/scenarios/preview/",
}


def test_schema_lists_the_scenario_paths_with_money_as_decimal_strings(as_user, officer):
    response = as_user(officer).get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    assert {path for path in schema["paths"] if "/scenarios/" in path} == SCENARIO_PATHS
    assert set(schema["paths"]["/api/v1/scenarios/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/scenarios/preview/"]) == {"post"}
    assert set(schema["paths"]["/api/v1/scenarios/compare/"]) == {"get"}
    assert set(schema["paths"]["/api/v1/scenarios/{id}/adopt/"]) == {"post"}
    components = schema["components"]["schemas"]
    for component, field in (
        ("ScenarioResultOutput", "shortfall"),
        ("ScenarioLineOutput", "scenario"),
        ("ChangesInput", "total"),
        ("ComparisonLineOutput", "difference"),
    ):
        money = components[component]["properties"][field]
        assert (money["type"], money["format"]) == ("string", "decimal"), (component, field)
