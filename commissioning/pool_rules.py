"""Pool rules: how a year's overspend is met, to the penny. Pure: no model, no database, no rounding but the split.

The host holds the pool and underspends stay in it. An overspend is met by the steps of `order`, each taking as
much as it can of what is left:

- `underspends`: the underspends of the other work-streams that year, taken from each in proportion to its size;
- `reserve`: the named reserve, up to what it holds;
- `reductions`: reductions in service, up to the limit the commission has agreed.

What no step meets is the remaining risk, shared among the partners pro rata to their contributions to the year;
with `cap_at_contribution`, no partner bears more than it contributed, and what is left beyond every cap is
reported as `unmet`. Every division is a largest-remainder split to the penny (`commissioning.money.split`), so
the parts always add up to the whole, and a part never exceeds what it is taken from: with a total no larger
than the sum of the weights, each exact quota is at most its weight, and a whole number of pence at least its
quota is then at most the weight too.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from commissioning.money import PENNY, ZERO, MoneyError, split, to_money

UNDERSPENDS = "underspends"
RESERVE = "reserve"
REDUCTIONS = "reductions"
STEPS = (UNDERSPENDS, RESERVE, REDUCTIONS)


@dataclass(frozen=True)
class OverspendCase:
    """A year's overspend and what the pool rules may meet it from. Keys of `underspends` (work-streams) and of
    `contributions` (partners) may be anything hashable; their order is the order ties are broken in."""

    overspend: Decimal
    underspends: Mapping[Hashable, Decimal] = field(default_factory=dict)
    reserve_balance: Decimal = ZERO
    reductions_limit: Decimal = ZERO
    contributions: Mapping[Hashable, Decimal] = field(default_factory=dict)
    order: Sequence[str] = STEPS
    cap_at_contribution: bool = True


@dataclass(frozen=True)
class OverspendOutcome:
    """How an overspend is met: by each step, by each partner, and what is left unmet. The parts sum exactly to
    `overspend`: `from_underspends` + `from_reserve` + `from_reductions` + `partner_shares` + `unmet`."""

    overspend: Decimal
    from_underspends: dict[Hashable, Decimal]
    from_reserve: Decimal
    from_reductions: Decimal
    partner_shares: dict[Hashable, Decimal]
    unmet: Decimal
    steps: tuple[tuple[str, Decimal], ...]
    rounded_partners: tuple[Hashable, ...] = ()

    @property
    def from_underspends_total(self) -> Decimal:
        return sum(self.from_underspends.values(), ZERO)

    @property
    def shared_by_partners(self) -> Decimal:
        return sum(self.partner_shares.values(), ZERO)

    @property
    def met(self) -> Decimal:
        """What the steps and the partners meet: the overspend less anything unmet."""
        return self.overspend - self.unmet


def _amount(value: Decimal, what: str) -> Decimal:
    amount = to_money(value)
    if amount < 0:
        raise MoneyError(f"{what} cannot be negative (got £{amount}).")
    return amount


def _check_order(order: Sequence[str]) -> tuple[str, ...]:
    steps = tuple(order)
    unknown = [step for step in steps if step not in STEPS]
    if unknown or len(set(steps)) != len(steps):
        raise ValueError(f"The order must name each of {', '.join(STEPS)} at most once; got {', '.join(steps)}.")
    return steps


def _take_pro_rata(total: Decimal, pots: Mapping[Hashable, Decimal]) -> tuple[dict[Hashable, Decimal], tuple]:
    """`total` taken from `pots` in proportion to their sizes, exactly; `total` is at most the sum of the pots."""
    keys = [key for key, size in pots.items() if size > 0]
    if total == 0 or not keys:
        return {}, ()
    parts = split(total, [pots[key] for key in keys], PENNY)
    return (
        {key: part for key, part in zip(keys, parts, strict=True) if part > 0},
        tuple(keys[index] for index in parts.rounded),
    )


def meet_overspend(case: OverspendCase) -> OverspendOutcome:
    """Meet `case.overspend` by the pool rules. Amounts must be whole pence and not negative.

    Example: an overspend of £100,000 with £30,000 underspent elsewhere, £50,000 in the reserve, reductions
    capped at £5,000 and partners contributing £60,000 and £40,000: underspends £30,000, reserve £50,000,
    reductions £5,000, and the remaining £15,000 shared £9,000 / £6,000 (60% / 40%).
    """
    overspend = _amount(case.overspend, "An overspend")
    underspends = {key: _amount(value, "An underspend") for key, value in case.underspends.items()}
    reserve_balance = _amount(case.reserve_balance, "A reserve balance")
    reductions_limit = _amount(case.reductions_limit, "A reductions limit")
    contributions = {key: _amount(value, "A contribution") for key, value in case.contributions.items()}
    order = _check_order(case.order)

    remaining = overspend
    from_underspends: dict[Hashable, Decimal] = {}
    from_reserve = from_reductions = ZERO
    steps: list[tuple[str, Decimal]] = []
    for step in order:
        if step == UNDERSPENDS:
            take = min(remaining, sum(underspends.values(), ZERO))
            from_underspends, _ = _take_pro_rata(take, underspends)
        elif step == RESERVE:
            take = from_reserve = min(remaining, reserve_balance)
        else:
            take = from_reductions = min(remaining, reductions_limit)
        steps.append((step, take))
        remaining -= take

    contributed = sum(contributions.values(), ZERO)
    if remaining > 0 and contributed > 0:
        shared = min(remaining, contributed) if case.cap_at_contribution else remaining
    else:
        shared = ZERO
    partner_shares, rounded = _take_pro_rata(shared, contributions)
    return OverspendOutcome(
        overspend=overspend,
        from_underspends=from_underspends,
        from_reserve=from_reserve,
        from_reductions=from_reductions,
        partner_shares=partner_shares,
        unmet=remaining - shared,
        steps=tuple(steps),
        rounded_partners=rounded,
    )


def split_signed(total: Decimal, weights: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """`total` split by `weights` to the penny by largest remainder, for a total of either sign: a negative total
    (an overspent balance) is split as its size and each part negated, so the parts still sum to the total."""
    amount = to_money(total)
    if amount < 0:
        return tuple(-part for part in split(-amount, weights, PENNY))
    return tuple(split(amount, weights, PENNY))
