"""Money: exact pounds and pence, one rounding rule per purpose, one way to split, one way to display.

- In Python an amount is a `Decimal` of pounds; in the database it is an integer number of pence
  (`MoneyField`), so sums are exact on SQLite and PostgreSQL alike.
- A single value is rounded half-up (`round_half_up`); Python's own default is half-even.
- A total is split by weights with the largest-remainder method (`split`): the parts always sum to the
  total, and the result says which parts took the rounding.
- Display goes through `format_pounds` (`£1,502,449`) and `format_millions` (`£0.455m`).

This module knows no model of the project.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django import forms
from django.core import exceptions
from django.db import models

PENNY = Decimal("0.01")
POUND = Decimal("1")
ZERO = Decimal("0.00")
_HUNDRED = Decimal(100)

MoneyLike = Decimal | int | str


class MoneyError(ValueError):
    """An amount or a split that cannot be exact: the message names the figures."""


def to_money(value: MoneyLike) -> Decimal:
    """Pounds as a `Decimal` with two places; refuses floats and fractions of a penny.

    `to_money("1502449") == Decimal("1502449.00")`; `to_money(0.1)` raises `TypeError`;
    `to_money("1.005")` raises `MoneyError` (round first, explicitly, if that is what you mean).
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"Money must be a Decimal, int or str, never {type(value).__name__} ({value!r}).")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        cleaned = value.strip().replace(",", "").removeprefix("£")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise MoneyError(f"{value!r} is not an amount of money.") from None
    else:
        raise TypeError(f"Money must be a Decimal, int or str, never {type(value).__name__} ({value!r}).")
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not an amount of money.")
    if amount != amount.quantize(PENNY, rounding=ROUND_HALF_UP):
        raise MoneyError(f"£{amount} has a fraction of a penny; round it explicitly first.")
    return amount.quantize(PENNY)


def to_pence(value: MoneyLike) -> int:
    """Whole pence for the database: `to_pence(Decimal("1502449.00")) == 150244900`."""
    return int(to_money(value) * _HUNDRED)


def from_pence(pence: int) -> Decimal:
    """Pounds from whole pence: `from_pence(150244900) == Decimal("1502449.00")`."""
    return Decimal(int(pence)).scaleb(-2)


def round_half_up(value: Decimal, unit: Decimal = PENNY) -> Decimal:
    """Round one value to `unit` (a penny or a pound), halves away from zero, as council finance does."""
    if isinstance(value, float):
        raise TypeError("round_half_up takes a Decimal, never a float.")
    return Decimal(value).quantize(unit, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Split:
    """The parts of a split total, in the order of the weights given.

    `rounded` holds the indexes of the parts that received one extra unit because of rounding,
    so reports can name the line that took it.
    """

    total: Decimal
    unit: Decimal
    parts: tuple[Decimal, ...]
    rounded: tuple[int, ...]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.parts)

    def __len__(self) -> int:
        return len(self.parts)

    def __getitem__(self, index: int) -> Decimal:
        return self.parts[index]


def split(total: MoneyLike, weights: Sequence[Decimal | int], unit: Decimal = POUND) -> Split:
    """Split `total` by `weights` with the largest-remainder method, to whole `unit`s (£1 or 1p).

    Each part first gets the whole units of its exact quota (total × weight ÷ sum of weights); the
    units left over go one each to the parts with the largest remainders. Equal remainders go to the
    earlier part, so the same input always gives the same output. The parts sum exactly to `total`.

    Example: £1,502,449 by 5/17/68/10 gives 75,123 / 255,416 / 1,021,665 / 150,245 (sum 1,502,449);
    the 10% and 5% lines took the two pounds that half-up rounding of each line would have lost.
    """
    if unit not in (POUND, PENNY):
        raise MoneyError(f"Split to £1 or 1p, not £{unit}.")
    amount = to_money(total)
    if amount < 0:
        raise MoneyError(f"Cannot split a negative total (£{amount}).")
    units_total = amount / unit
    if units_total != units_total.to_integral_value():
        raise MoneyError(f"£{amount} is not a whole number of £{unit} units; round the total first.")
    if not weights:
        raise MoneyError("Cannot split without weights.")
    exact_weights = []
    for weight in weights:
        if isinstance(weight, float | bool):
            raise TypeError(f"Weights must be Decimal or int, never {type(weight).__name__} ({weight!r}).")
        fraction = Fraction(weight)
        if fraction < 0:
            raise MoneyError(f"Weights cannot be negative (got {weight}).")
        exact_weights.append(fraction)
    weight_sum = sum(exact_weights, Fraction(0))
    if weight_sum == 0:
        raise MoneyError("Cannot split by weights that sum to zero.")

    n_units = int(units_total)
    quotas = [n_units * weight / weight_sum for weight in exact_weights]
    floors = [quota.numerator // quota.denominator for quota in quotas]
    leftover = n_units - sum(floors)
    # Largest remainder first; on a tie the earlier part wins, so the order is deterministic.
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), i))
    rounded = tuple(sorted(by_remainder[:leftover]))
    units = [floor + (1 if i in rounded else 0) for i, floor in enumerate(floors)]
    parts = tuple((Decimal(count) * unit).quantize(PENNY) for count in units)
    return Split(total=amount, unit=unit, parts=parts, rounded=rounded)


def _group(value: Decimal, places: int) -> str:
    return f"{value:,.{places}f}"


def format_pounds(value: Decimal | None, *, pence: bool | None = None) -> str:
    """`£1,502,449` for tables. Pence are shown when asked, or by default when the value has any.

    Negative amounts read `-£1,000`. `None` reads as an empty string.
    """
    if value is None:
        return ""
    amount = to_money(value) if not isinstance(value, Decimal) else value
    show_pence = (amount != amount.to_integral_value()) if pence is None else pence
    places = 2 if show_pence else 0
    rounded = round_half_up(abs(amount), PENNY if show_pence else POUND)
    sign = "-" if amount < 0 and rounded != 0 else ""
    return f"{sign}£{_group(rounded, places)}"


def format_millions(value: Decimal | None, places: int = 3) -> str:
    """`£0.455m` for prose: millions of pounds, half-up to `places` decimals."""
    if value is None:
        return ""
    amount = value if isinstance(value, Decimal) else to_money(value)
    millions = round_half_up(abs(amount) / Decimal(1_000_000), Decimal(1).scaleb(-places))
    sign = "-" if amount < 0 and millions != 0 else ""
    return f"{sign}£{_group(millions, places)}m"


class MoneyFormField(forms.DecimalField):
    """Pounds and pence typed by a person: accepts `1,502,449`, `£1502449.00`; refuses fractions of a penny."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 17)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().replace(",", "").removeprefix("£")
        return super().to_python(value)


class MoneyField(models.BigIntegerField):
    """An amount of money: integer pence in the database, a `Decimal` of pounds in Python.

    Sums and differences computed by the database stay exact on SQLite and PostgreSQL, and
    `Sum("amount")` comes back as pounds because aggregates reuse this field's converters.
    """

    description = "Amount of money (stored as integer pence)"

    def from_db_value(self, value: int | None, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return from_pence(value)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        try:
            return to_money(value)
        except (MoneyError, TypeError) as error:
            raise exceptions.ValidationError(str(error), code="invalid") from error

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value  # type: ignore[no-any-return]
        return to_pence(value)

    def formfield(self, **kwargs: Any) -> forms.Field:
        # Skip IntegerField's form field: a person types pounds, not pence.
        defaults: dict[str, Any] = {
            "form_class": MoneyFormField,
            "required": not self.blank,
            "label": self.verbose_name[:1].upper() + self.verbose_name[1:],
            "help_text": self.help_text,
        }
        if self.has_default():
            defaults["initial"] = self.get_default()
        defaults.update(kwargs)
        form_class = defaults.pop("form_class")
        return form_class(**defaults)  # type: ignore[no-any-return]
