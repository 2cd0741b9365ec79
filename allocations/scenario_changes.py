"""A scenario's `changes`: what they may hold, and reading them from plain data with a clear message per problem.

The changes are plain data (JSON), money and weights as decimal strings, partner ids as JSON keys:

    {
        "declines": [12, 31],                        # these partners pay nothing
        "pays": {"7": "6000.00"},                    # this partner pays this amount a year instead
        "basis_values": {"7": "141250"},             # weighted formulas: a partner's value in the basis dataset
        "category_weights": {"Health": "2.5"},       # cost-model formulas: a category's weight
        "total": "3000000.00"                        # the yearly total to share (weighted, cost model) or,
    }                                                # for a fixed formula, the yearly target

Pure: nothing here touches the database. `allocations.scenarios.parse_changes` reads them and also checks the
formula can still be computed with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from allocations.formulas import COST_MODEL, FIXED, WEIGHTED, FormulaSpec
from commissioning.money import PENNY, POUND, format_pounds, to_money

CHANGE_KEYS = ("declines", "pays", "basis_values", "category_weights", "total")
_UNIT_WORDS = {POUND: "whole pounds", PENNY: "pence"}


class ChangesError(ValueError):
    """A scenario's changes cannot be applied; `messages` says why, one plain sentence per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Changes:
    """A scenario's changes, checked against the formula they apply to. Build one with `parse_changes`."""

    declines: tuple[int, ...] = ()
    pays: Mapping[int, Decimal] = field(default_factory=dict)
    basis_values: Mapping[int, Decimal] = field(default_factory=dict)
    category_weights: Mapping[str, Decimal] = field(default_factory=dict)
    total: Decimal | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.declines or self.pays or self.basis_values or self.category_weights) and self.total is None

    def as_data(self) -> dict[str, Any]:
        """The plain, normalised form kept in `Scenario.changes`: only the kinds of change made, in a fixed order."""
        data: dict[str, Any] = {}
        if self.declines:
            data["declines"] = sorted(self.declines)
        if self.pays:
            data["pays"] = {str(pk): str(amount) for pk, amount in sorted(self.pays.items())}
        if self.basis_values:
            data["basis_values"] = {str(pk): str(value) for pk, value in sorted(self.basis_values.items())}
        if self.category_weights:
            data["category_weights"] = {name: str(weight) for name, weight in sorted(self.category_weights.items())}
        if self.total is not None:
            data["total"] = str(self.total)
        return data


class _Reader:
    """Reads each kind of change from raw data, collecting every problem rather than stopping at the first."""

    def __init__(self, raw: Mapping[str, Any], spec: FormulaSpec, formula_words: str) -> None:
        self.raw = raw
        self.spec = spec
        self.formula_words = formula_words
        self.names = {participant.partner_id: participant.name for participant in spec.participants}
        self.problems: list[str] = []

    def partner_id(self, raw: Any) -> int | None:
        """A partner id from JSON (an int, or digits when it is an object's key), checked against the formula."""
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            self.problems.append(f"{raw!r} is not a partner id.")
            return None
        if isinstance(raw, str):
            if not raw.strip().isdigit():
                self.problems.append(f"{raw!r} is not a partner id.")
                return None
            raw = int(raw)
        if raw not in self.names:
            self.problems.append(f"Partner {raw} is not in {self.formula_words}.")
            return None
        return raw

    def number(self, raw: Any, what: str, *, places: int = 4, digits: int = 16) -> Decimal | None:
        """A non-negative decimal from a decimal string (or a Decimal or int from Python); floats are refused.

        At most `places` decimal places and `digits` digits before the point, as the database keeps them.
        """
        if isinstance(raw, float):
            self.problems.append(
                f'{what}: give the figure as a decimal string such as "12000.00", not a float ({raw!r}).'
            )
            return None
        if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
            self.problems.append(f"{what}: {raw!r} is not a number.")
            return None
        try:
            value = Decimal(raw.strip().replace(",", "")) if isinstance(raw, str) else Decimal(raw)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            self.problems.append(f"{what}: {raw!r} is not a number.")
            return None
        if value < 0:
            self.problems.append(f"{what} cannot be negative ({value:f}).")
            return None
        if value.adjusted() >= digits:
            self.problems.append(f"{what}: {value:f} is too large.")
            return None
        if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):
            self.problems.append(f"{what}: {value:f} has more than {places} decimal places.")
            return None
        return value

    def money(self, raw: Any, what: str) -> Decimal | None:
        """An amount of money: exact, not negative, a whole number of the formula's unit (pounds or pence)."""
        if isinstance(raw, str):
            raw = raw.strip().replace(",", "").removeprefix("£")
        value = self.number(raw, what, places=2, digits=15)
        if value is None:
            return None
        amount = to_money(value)
        if amount != amount.quantize(self.spec.unit):
            self.problems.append(
                f"{what}: {format_pounds(amount, pence=True)} is not a whole number of pounds; "
                f"this formula works in {_UNIT_WORDS.get(self.spec.unit, str(self.spec.unit))}."
            )
            return None
        return amount

    def mapping(self, key: str, what: str) -> Mapping[Any, Any]:
        value = self.raw.get(key, {})
        if not isinstance(value, Mapping):
            self.problems.append(f"'{key}' must be an object of {what}.")
            return {}
        return value

    def declines(self) -> list[int]:
        raw = self.raw.get("declines", [])
        if not isinstance(raw, list):
            self.problems.append("'declines' must be a list of partner ids.")
            return []
        declines: list[int] = []
        for item in raw:
            partner_id = self.partner_id(item)
            if partner_id is not None and partner_id in declines:
                self.problems.append(f"{self.names[partner_id]} is listed twice among the partners that decline.")
            elif partner_id is not None:
                declines.append(partner_id)
        return declines

    def pays(self, declines: list[int]) -> dict[int, Decimal]:
        pays: dict[int, Decimal] = {}
        for key, value in self.mapping("pays", "partner ids to amounts").items():
            partner_id = self.partner_id(key)
            if partner_id is None:
                continue
            amount = self.money(value, f"The amount {self.names[partner_id]} pays")
            if amount is not None and partner_id in declines:
                self.problems.append(f"{self.names[partner_id]} cannot both decline and pay {format_pounds(amount)}.")
            elif amount is not None:
                pays[partner_id] = amount
        return pays

    def basis_values(self) -> dict[int, Decimal]:
        raw = self.mapping("basis_values", "partner ids to values")
        if raw and self.spec.method != WEIGHTED:
            self.problems.append("Basis values weight only a weighted formula; this formula is not weighted.")
            return {}
        values: dict[int, Decimal] = {}
        for key, value in raw.items():
            partner_id = self.partner_id(key)
            number = None if partner_id is None else self.number(value, f"The basis value of {self.names[partner_id]}")
            if partner_id is not None and number is not None:
                values[partner_id] = number
        return values

    def category_weights(self) -> dict[str, Decimal]:
        raw = self.mapping("category_weights", "category names to weights")
        if raw and self.spec.method != COST_MODEL:
            self.problems.append(
                "Category weights belong to a cost-model formula; this formula has no cost categories."
            )
            return {}
        known = {category.name for category in self.spec.categories}
        weights: dict[str, Decimal] = {}
        for name, value in raw.items():
            if name not in known:
                self.problems.append(f"The formula has no cost category called {name!r}.")
                continue
            number = self.number(value, f"The weight of '{name}'", digits=10)
            if number is not None:
                weights[str(name)] = number
        return weights

    def total(self) -> Decimal | None:
        if self.raw.get("total") is None:
            return None
        return self.money(self.raw["total"], "The yearly target" if self.spec.method == FIXED else "The yearly total")


def read_changes(raw: Any, spec: FormulaSpec, *, formula_words: str = "the formula") -> Changes:
    """Read a scenario's changes against the formula's partners, categories and unit, as `Changes`.

    Raises `ChangesError` listing every problem: an unknown kind of change, a partner not in the formula, a
    partner that both declines and pays, a negative or float amount, a fraction of the formula's unit, a change
    the formula's method cannot take (basis values belong to weighted formulas, category weights to cost-model
    ones), an unknown cost category, or no change at all.
    """
    if not isinstance(raw, Mapping):
        raise ChangesError(['The changes must be an object such as {"declines": [12]}.'])
    reader = _Reader(raw, spec, formula_words)
    unknown = [str(key) for key in raw if key not in CHANGE_KEYS]
    if unknown:
        reader.problems.append(f"Unknown kind of change: {', '.join(unknown)}. The kinds are {', '.join(CHANGE_KEYS)}.")
    declines = reader.declines()
    changes = Changes(
        declines=tuple(sorted(declines)),
        pays=reader.pays(declines),
        basis_values=reader.basis_values(),
        category_weights=reader.category_weights(),
        total=reader.total(),
    )
    if reader.problems:
        raise ChangesError(reader.problems)
    if changes.is_empty:
        raise ChangesError(["The scenario changes nothing: make at least one change."])
    return changes
