"""The contribution formulas as pure functions: a `FormulaSpec` in, one line per partner out, exact to the unit.

Nothing here reads or writes the database, so the same code computes the live plan, a scenario and a test.
Every line carries its provenance: the method, the inputs and weights it used, and the rounding step.

- fixed: each partner's amount as set;
- weighted: the total split by each partner's value in a basis dataset (largest remainder);
- cost model: the total split across cost categories by their weights, then each category's part split
  across the partners of the kinds that bear it, equally or by a dataset (largest remainder at each step).

A participant of a weighted or cost-model formula may carry a *set amount* (`fixed_amount`): it is asked
exactly that, and what is left of the total is shared among the others by the formula. This is how a partner
that has agreed to pay less (or nothing) stays in the plan while the others make up the difference, and it is
the same computation a scenario's "re-spread the gap" shows. A cost category borne only by partners with set
amounts drops out of that sharing, its weight going to the other categories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from commissioning.money import POUND, ZERO, MoneyError, format_pounds, split

FIXED = "fixed"
WEIGHTED = "weighted"
COST_MODEL = "cost_model"
_RATIO_PLACES = Decimal("0.000001")


class FormulaError(ValueError):
    """The formula cannot be computed as it stands; the message says why in plain words."""


@dataclass(frozen=True)
class Participant:
    """A partner a formula asks: its fixed amount (fixed formulas) or its basis value (weighted formulas)."""

    partner_id: int
    name: str
    kind: str
    fixed_amount: Decimal | None = None
    basis_value: Decimal | None = None


@dataclass(frozen=True)
class Category:
    """A cost category: its weight and source, the partner kinds that bear it, and how it spreads across them."""

    name: str
    weight: Decimal
    source: str
    partner_kinds: tuple[str, ...]
    spread_dataset: str | None = None
    # partner id → value in the spread dataset; None spreads the category equally.
    spread_values: dict[int, Decimal] | None = None


@dataclass(frozen=True)
class FormulaSpec:
    method: str
    participants: tuple[Participant, ...]
    total: Decimal | None = None
    unit: Decimal = POUND
    categories: tuple[Category, ...] = ()
    # Name, source and vintage of the basis dataset, copied into every weighted line's provenance.
    basis: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    partner_id: int
    name: str
    amount: Decimal
    provenance: dict[str, Any]


@dataclass(frozen=True)
class FormulaResult:
    lines: tuple[Line, ...]
    total: Decimal

    def amount_for(self, partner_id: int) -> Decimal:
        return next((line.amount for line in self.lines if line.partner_id == partner_id), ZERO)


def _unit_words(unit: Decimal) -> str:
    return "£1" if unit == POUND else "1p"


def _ratio(numerator: Decimal | Fraction, denominator: Decimal | Fraction) -> str:
    """An exact ratio written to six places, for provenance (the split itself uses exact fractions)."""
    value = Fraction(numerator) / Fraction(denominator)
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(_RATIO_PLACES))


def _split(total: Decimal, weights: Sequence[Decimal], unit: Decimal, what: str):  # type: ignore[no-untyped-def]
    try:
        return split(total, list(weights), unit)
    except MoneyError as error:
        raise FormulaError(f"{what}: {error}") from None


def compute(spec: FormulaSpec) -> FormulaResult:
    """One line per participant, in the order given; the lines sum exactly to the total asked.

    Raises `FormulaError` when the formula cannot be computed (no participants, a missing basis value,
    weights that sum to nothing, a cost category no participant bears).
    """
    if not spec.participants:
        raise FormulaError("The formula asks no partner for anything: add at least one partner.")
    ids = [participant.partner_id for participant in spec.participants]
    if len(set(ids)) != len(ids):
        raise FormulaError("A partner appears twice in the formula.")
    if spec.method == FIXED:
        lines = _fixed(spec)
    elif spec.method == WEIGHTED:
        lines = _weighted(spec)
    elif spec.method == COST_MODEL:
        lines = _cost_model(spec)
    else:
        raise FormulaError(f"Unknown formula method {spec.method!r}.")
    return FormulaResult(lines=tuple(lines), total=sum((line.amount for line in lines), ZERO))


def _require_total(spec: FormulaSpec) -> Decimal:
    if spec.total is None:
        raise FormulaError("The formula needs a yearly total to share out.")
    if spec.total < 0:
        raise FormulaError(f"The total cannot be negative ({format_pounds(spec.total)}).")
    return spec.total


def _fixed(spec: FormulaSpec) -> list[Line]:
    lines = []
    for participant in spec.participants:
        if participant.fixed_amount is None:
            raise FormulaError(f"{participant.name} has no fixed amount.")
        if participant.fixed_amount < 0:
            raise FormulaError(f"{participant.name}'s amount cannot be negative.")
        lines.append(
            Line(
                participant.partner_id,
                participant.name,
                participant.fixed_amount,
                {"method": FIXED, "fixed_amount": str(participant.fixed_amount), "rounding": "none: amount as set"},
            )
        )
    return lines


def _set_amounts(spec: FormulaSpec, total: Decimal) -> tuple[list[Participant], Decimal]:
    """The participants without a set amount, and what is left of the total for them to share."""
    set_sum = ZERO
    for participant in spec.participants:
        if participant.fixed_amount is not None:
            if participant.fixed_amount < 0:
                raise FormulaError(f"{participant.name}'s set amount cannot be negative.")
            set_sum += participant.fixed_amount
    rest = total - set_sum
    if rest < 0:
        raise FormulaError(
            f"The set amounts ({format_pounds(set_sum)}) come to more than the total ({format_pounds(total)})."
        )
    shared = [participant for participant in spec.participants if participant.fixed_amount is None]
    if not shared and rest != 0:
        raise FormulaError(
            f"Every partner has a set amount, and they sum to {format_pounds(set_sum)}, "
            f"not the total {format_pounds(total)}."
        )
    return shared, rest


def _set_line(participant: Participant, method: str, total: Decimal) -> Line:
    assert participant.fixed_amount is not None
    return Line(
        participant.partner_id,
        participant.name,
        participant.fixed_amount,
        {
            "method": method,
            "total": str(total),
            "fixed_amount": str(participant.fixed_amount),
            "rounding": "none: a set amount; the rest of the total is shared by the formula",
        },
    )


def _weighted(spec: FormulaSpec) -> list[Line]:
    total = _require_total(spec)
    shared, rest = _set_amounts(spec, total)
    weights = []
    for participant in shared:
        if participant.basis_value is None:
            raise FormulaError(f"{participant.name} has no value in the basis dataset {spec.basis.get('name', '')}.")
        if participant.basis_value < 0:
            raise FormulaError(f"{participant.name}'s basis value cannot be negative.")
        weights.append(participant.basis_value)
    weight_sum = sum(weights, Decimal(0))
    if shared and weight_sum == 0:
        raise FormulaError("The basis values of the partners sum to zero, so there is nothing to share by.")
    result = _split(rest, weights, spec.unit, "Weighted split") if shared else None
    amounts: dict[int, Line] = {}
    for index, participant in enumerate(shared):
        assert result is not None
        quota = Fraction(rest) * Fraction(weights[index]) / Fraction(weight_sum)
        provenance: dict[str, Any] = {
            "method": WEIGHTED,
            "total": str(total),
            "basis": dict(spec.basis),
            "weight": str(weights[index]),
            "weight_sum": str(weight_sum),
            "share": _ratio(weights[index], weight_sum),
            "exact_amount": _ratio(quota, Fraction(1)),
            "rounding": _rounding_words(index in result.rounded, spec.unit),
        }
        if rest != total:
            provenance["shared_total"] = str(rest)
        amounts[participant.partner_id] = Line(
            participant.partner_id, participant.name, result.parts[index], provenance
        )
    return [
        amounts[p.partner_id] if p.fixed_amount is None else _set_line(p, WEIGHTED, total) for p in spec.participants
    ]


def _rounding_words(took_unit: bool, unit: Decimal) -> str:
    words = f"largest remainder to {_unit_words(unit)}"
    return f"{words}: took one extra {_unit_words(unit)}" if took_unit else f"{words}: rounded down"


def _spread_weights(category: Category, bearers: list[Participant]) -> list[Decimal]:
    """How a category's part is shared among the partners that bear it: equally, or by a dataset."""
    if category.spread_values is None:
        return [Decimal(1)] * len(bearers)
    missing = [p.name for p in bearers if p.partner_id not in category.spread_values]
    if missing:
        raise FormulaError(
            f"'{category.name}' is spread by {category.spread_dataset}, which has no value for "
            + ", ".join(missing)
            + "."
        )
    weights = [category.spread_values[p.partner_id] for p in bearers]
    if sum(weights, Decimal(0)) == 0:
        raise FormulaError(f"The values spreading '{category.name}' sum to zero.")
    return weights


def _cost_model(spec: FormulaSpec) -> list[Line]:
    total = _require_total(spec)
    if not spec.categories:
        raise FormulaError("A cost-model formula needs at least one cost category.")
    if any(category.weight < 0 for category in spec.categories):
        raise FormulaError("Cost category weights cannot be negative.")
    if sum((category.weight for category in spec.categories), Decimal(0)) == 0:
        raise FormulaError("The cost category weights sum to zero, so there is nothing to share by.")
    shared, rest = _set_amounts(spec, total)
    categories = _categories_shared(spec, shared)
    weight_sum = sum((category.weight for category in categories), Decimal(0))
    amounts = {participant.partner_id: ZERO for participant in shared}
    breakdown: dict[int, list[dict[str, str]]] = {participant.partner_id: [] for participant in shared}
    if shared:
        if weight_sum == 0:
            raise FormulaError("The weights of the cost categories the partners without a set amount bear sum to zero.")
        category_split = _split(rest, [category.weight for category in categories], spec.unit, "Category split")
        for index, category in enumerate(categories):
            _spread_category(spec, category, category_split.parts[index], weight_sum, shared, amounts, breakdown)
    lines = []
    for participant in spec.participants:
        if participant.fixed_amount is not None:
            lines.append(_set_line(participant, COST_MODEL, total))
            continue
        provenance: dict[str, Any] = {
            "method": COST_MODEL,
            "total": str(total),
            "category_weight_sum": str(weight_sum),
            "categories": breakdown[participant.partner_id],
            "rounding": f"largest remainder to {_unit_words(spec.unit)} at each step",
        }
        if rest != total:
            provenance["shared_total"] = str(rest)
        lines.append(Line(participant.partner_id, participant.name, amounts[participant.partner_id], provenance))
    return lines


def _categories_shared(spec: FormulaSpec, shared: list[Participant]) -> list[Category]:
    """The categories the partners without a set amount share.

    A category borne only by partners with set amounts has no one left to share it: it drops out, and what is
    left of the total goes to the other categories by their weights. With no set amounts, every category.
    """
    if len(shared) == len(spec.participants):
        return list(spec.categories)
    return [
        category
        for category in spec.categories
        if any(p.kind in category.partner_kinds for p in shared)
        or not any(p.kind in category.partner_kinds for p in spec.participants)
    ]


def _spread_category(
    spec: FormulaSpec,
    category: Category,
    category_amount: Decimal,
    weight_sum: Decimal,
    shared: list[Participant],
    amounts: dict[int, Decimal],
    breakdown: dict[int, list[dict[str, str]]],
) -> None:
    """Share one category's part across the partners that bear it, adding to their amounts and breakdowns."""
    bearers = [p for p in shared if p.kind in category.partner_kinds]
    if not bearers:
        if category_amount == 0:
            return
        raise FormulaError(
            f"No partner in the formula is of the kinds that bear '{category.name}' "
            f"({', '.join(category.partner_kinds)}); add one or set the category's weight to 0."
        )
    spread_weights = _spread_weights(category, bearers)
    within = _split(category_amount, spread_weights, spec.unit, f"Spreading '{category.name}'")
    spread_sum = sum(spread_weights, Decimal(0))
    for position, bearer in enumerate(bearers):
        amounts[bearer.partner_id] += within.parts[position]
        breakdown[bearer.partner_id].append(
            {
                "category": category.name,
                "category_weight": str(category.weight),
                "category_share": _ratio(category.weight, weight_sum),
                "category_amount": str(category_amount),
                "category_source": category.source,
                "spread": category.spread_dataset or "equally",
                "spread_weight": str(spread_weights[position]),
                "spread_share": _ratio(spread_weights[position], spread_sum),
                "amount": str(within.parts[position]),
                "rounding": _rounding_words(position in within.rounded, spec.unit),
            }
        )
