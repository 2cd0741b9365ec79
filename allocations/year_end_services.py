"""Year-end writes: propose a carry-forward from the year's underspends (see `allocations.year_end_selectors`).

The carry-forward itself, its transitions and its posting are the core's (`commissioning.funding_services`); this
module works out the parts, which needs the plan figures only allocations holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from allocations import year_end_selectors
from commissioning import funding_services
from commissioning.funding_services import CarryForwardPartInput
from commissioning.models import CarryForward, FinancialYear, User, WorkStream


@transaction.atomic
def carry_forward_propose_from_year_end(
    *,
    from_year: FinancialYear,
    to_year: FinancialYear,
    amount: Decimal,
    reason: str,
    by: User | None,
    parts: Mapping[WorkStream, Decimal] | None = None,
) -> CarryForward:
    """Propose carrying `amount` of `from_year`'s underspend to `to_year`.

    Without `parts`, the amount is split across the work-streams by their available underspends (largest
    remainder); with them, each part is checked against its work-stream's available underspend. The year is
    locked before the underspends are read, so a proposal made at the same moment waits and then sees this one's
    claim.
    """
    funding_services.carry_forward_years_check(from_year, to_year)
    FinancialYear.objects.select_for_update().get(pk=from_year.pk)
    year_end = year_end_selectors.year_end_of(from_year)
    if parts is None:
        inputs = year_end_selectors.carry_forward_split(year_end, amount)
    else:
        lines = {line.work_stream.pk: line for line in year_end.lines}
        inputs = []
        for stream, value in parts.items():
            line = lines.get(stream.pk)
            if line is None:
                raise ValidationError(f"{stream} is not a pooled work-stream of {from_year.commission} in {from_year}.")
            inputs.append(CarryForwardPartInput(work_stream=line.work_stream, amount=value, underspend=line.available))
    return funding_services.carry_forward_propose(
        from_year=from_year,
        to_year=to_year,
        amount=amount,
        parts=inputs,
        reason=reason,
        by=by,
        basis=year_end.basis,
    )
