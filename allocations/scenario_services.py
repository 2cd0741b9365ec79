"""Writes for scenarios: save one, and adopt one as the live plan. One transaction each.

Computing a scenario writes nothing (see `allocations.scenario_selectors`); only saving and adopting do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allocations import formulas, scenarios
from allocations.models import BasisDataset, BasisValue, Formula, Scenario
from allocations.scenario_selectors import formula_is_current, scenario_changes_parse
from allocations.services import CategoryInput, ParticipantInput, formula_revise, formula_spec
from commissioning import history
from commissioning.models import Commission, User

_NAME_LENGTH = Scenario._meta.get_field("name").max_length or 200


@transaction.atomic
def scenario_save(
    *,
    commission: Commission,
    formula: Formula,
    name: str,
    description: str,
    changes: Any,
    by: User | None,
) -> Scenario:
    """A draft scenario on the current version of one of the commission's formulas.

    The changes are checked against the formula and kept in their normalised form (`scenarios.Changes.as_data`);
    a scenario that could not be computed is refused. Nothing is written when anything is wrong: the
    ValidationError says what, keyed by field (`name`, `formula`, `changes`) where there is one.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the scenario."})
    if len(name) > _NAME_LENGTH:
        raise ValidationError({"name": f"The name must be {_NAME_LENGTH} characters or fewer."})
    if formula.commission_id != commission.pk:
        raise ValidationError({"formula": f"{formula} is not a formula of {commission}."})
    if not formula_is_current(formula):
        raise ValidationError({"formula": f"{formula} has been revised; base the scenario on the latest version."})
    if Scenario.objects.filter(commission=commission, name=name).exists():
        raise ValidationError({"name": f"{commission} already has a scenario called '{name}'; choose another name."})
    try:
        parsed = scenario_changes_parse(formula=formula, changes=changes)
    except ValidationError as error:
        raise ValidationError({"changes": error.messages}) from None
    return Scenario.objects.create(
        commission=commission,
        formula=formula,
        name=name,
        description=description.strip(),
        changes=parsed.as_data(),
        created_by=by,
    )


@transaction.atomic
def scenario_adopt(*, scenario: Scenario, by: User | None) -> Formula:
    """Make a scenario the live plan: the next version of its formula, with the scenario's changes in it.

    The new version drops the partners that decline, holds a partner that pays a set amount at that amount (for a
    weighted or cost-model formula the rest of the total is then shared by the formula, which is the scenario's
    "re-spread" way of closing the gap), and takes the changed total, category weights and basis values (these
    in a copy of the basis dataset named after the scenario, so the published dataset is not rewritten). The
    scenario is stamped adopted, with who and when, in the same transaction.

    Refuses a scenario already adopted, one whose formula has been revised since it was saved, and one whose
    changes no longer apply; nothing is written then.
    """
    locked = (
        Scenario.objects.select_for_update(of=("self",)).select_related("formula", "adopted_by").get(pk=scenario.pk)
    )
    if locked.status == Scenario.Status.ADOPTED:
        when = _day(locked.adopted_at) if locked.adopted_at else "an earlier date"
        raise ValidationError(f"'{locked.name}' was adopted on {when}; a scenario is adopted once.")
    formula = Formula.objects.select_for_update().get(pk=locked.formula_id)
    if not formula_is_current(formula):
        raise ValidationError(
            f"{formula} has been revised since '{locked.name}' was saved, so the scenario no longer describes the "
            "live plan. Make a new scenario from the latest version."
        )
    spec = formula_spec(formula)
    changes = scenario_changes_parse(formula=formula, changes=locked.changes, spec=spec)
    adopted = scenarios.adopted_spec(spec, changes)
    try:
        formulas.compute(adopted)
    except formulas.FormulaError as error:
        raise ValidationError(
            f"Adopting '{locked.name}' would leave a formula that cannot be computed: {error}"
        ) from None

    participants_by_id = {p.partner_id: p.partner for p in formula.participants.select_related("partner")}
    live_categories = list(formula.cost_categories.select_related("spread_dataset").order_by("position", "name"))
    changed_weights = changes.category_weights
    categories = [
        CategoryInput(
            name=category.name,
            weight=changed_weights.get(category.name, category.weight),
            source=_changed_source(category.source, category.weight, changed_weights.get(category.name), locked.name),
            partner_kinds=tuple(category.partner_kinds),
            spread_dataset=category.spread_dataset,
        )
        for category in live_categories
    ]
    stamp = _day(timezone.now())
    who = by.get_username() if by else "the system"
    descriptions = " ".join(scenarios.describe(spec, changes, formulas.compute(spec)))
    revise_kwargs: dict[str, Any] = {}
    if changes.basis_values:
        revise_kwargs["basis_dataset"] = _basis_dataset_copy(formula, changes, locked, by)
    new_formula = formula_revise(
        formula=formula,
        by=by,
        total=adopted.total,
        participants=[
            ParticipantInput(partner=participants_by_id[p.partner_id], fixed_amount=p.fixed_amount)
            for p in adopted.participants
        ],
        categories=categories,
        note=f"Adopted from scenario '{locked.name}' by {who} on {stamp}. {descriptions}",
        **revise_kwargs,
    )
    locked.status = Scenario.Status.ADOPTED
    locked.adopted_at = timezone.now()
    locked.adopted_by = by
    locked.adopted_formula = new_formula
    locked.save(update_fields=["status", "adopted_at", "adopted_by", "adopted_formula"])
    return new_formula


def _day(moment: datetime) -> str:
    """`4 March 2014`, in the service's time zone."""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y}"


def _changed_source(source: str, old: Any, new: Any, scenario_name: str) -> str:
    """A category's source, saying where a changed weight came from; the field holds 300 characters."""
    if new is None or new == old:
        return source
    return f"{source}; weight {scenarios.plain(new)} (was {scenarios.plain(old)}) from scenario '{scenario_name}'"[:300]


def _basis_dataset_copy(
    formula: Formula, changes: scenarios.Changes, scenario: Scenario, by: User | None
) -> BasisDataset:
    """A copy of the formula's basis dataset with the scenario's values in place of the published ones."""
    dataset = formula.basis_dataset
    assert dataset is not None  # a weighted formula has one; parse_changes refuses basis values for the rest
    base = f"{dataset.name}, as changed by scenario '{scenario.name}'"[:190]
    name, number = base, 1
    while BasisDataset.objects.filter(name=name).exists():
        number += 1
        name = f"{base} ({number})"
    copy = BasisDataset.objects.create(
        name=name,
        measure=dataset.measure,
        unit=dataset.unit,
        source=f"{dataset.source}; values changed by scenario '{scenario.name}'"[:300],
        vintage=dataset.vintage,
        created_by=by,
    )
    values = {value.partner_id: value.value for value in dataset.values.all()}
    values.update(changes.basis_values)
    history.bulk_create(
        BasisValue,
        (BasisValue(dataset=copy, partner_id=partner_id, value=value) for partner_id, value in values.items()),
    )
    return copy
