"""The Early Support providers of the Lancashire demo and their contracts, transcribed from seed 004.

Seed 004 (Lancashire County Council's June 2014 summary of the joint commission, section 6, "Early Support -
Children and Young People") says:

    Early Support contracts have been awarded to providers within the Greater Together consortium and service
    delivery commenced on 1st January 2014 with funding currently committed to 31st March 2015. The successful
    providers within the consortia are:
    - SafeNet (Burnley and Lancaster)
    - Preston Domestic Violence Services (Chorley and Preston)
    - Fylde Coast Women's Aid (Fylde and Wyre)
    - HARV (Hyndburn and Ribble Valley)
    - Star Centre (Rossendale)
    - Progress Care (South Ribble)
    - Liberty Centre (West Lancashire)

So each provider gets one contract under the Early Support work-stream, from 1 January 2014 to 31 March 2015,
serving the districts in brackets. The seed states no contract's value, reference, or the kind of organisation a
provider is, so none is made up: the contracts carry no values (their note says so), no reference, and the providers
no kind. Pendle is the one district of the twelve that the seed's list does not name.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from commissioning import contract_services
from commissioning.models import Commission, Contract, Provider, User

SOURCE = "Seed 004: Lancashire County Council, summary of the joint commission, June 2014, section 6 (Early Support)."
WORK_STREAM = "Early Support"
STARTS_ON = dt.date(2014, 1, 1)  # "service delivery commenced on 1st January 2014"
ENDS_ON = dt.date(2015, 3, 31)  # "with funding currently committed to 31st March 2015"

# (provider as the seed names it, the districts in its brackets as written there, the same districts as the partners
# are named in fixtures/lancashire.json)
EARLY_SUPPORT: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("SafeNet", "Burnley and Lancaster", ("Burnley Borough Council", "Lancaster City Council")),
    ("Preston Domestic Violence Services", "Chorley and Preston", ("Chorley Council", "Preston City Council")),
    ("Fylde Coast Women's Aid", "Fylde and Wyre", ("Fylde Borough Council", "Wyre Council")),
    ("HARV", "Hyndburn and Ribble Valley", ("Hyndburn Borough Council", "Ribble Valley Borough Council")),
    ("Star Centre", "Rossendale", ("Rossendale Borough Council",)),
    ("Progress Care", "South Ribble", ("South Ribble Borough Council",)),
    ("Liberty Centre", "West Lancashire", ("West Lancashire Borough Council",)),
)

PROVIDER_NOTE = f"One of the successful Early Support providers within the Greater Together consortium. {SOURCE}"
CONTRACT_NOTE = (
    "Awarded within the Greater Together consortium; service delivery commenced on 1 January 2014 with funding "
    "committed to 31 March 2015. The source states no value for this contract, so no value per year is recorded. "
    + SOURCE
)


@transaction.atomic
def demo_providers(commission: Commission, *, by: User | None = None) -> list[Contract]:
    """Make seed 004's Early Support providers and their contracts in `commission` (which needs an "Early Support"
    work-stream and the district partners by their names). Safe to run again: what exists is left as it is.
    Returns the seven contracts, in the seed's order."""
    work_stream = commission.work_streams.filter(name=WORK_STREAM).first()
    if work_stream is None:
        raise ValidationError(f"{commission} has no {WORK_STREAM} work-stream for the seed's providers.")
    partner_model = Contract.districts.field.related_model
    wanted = {name for _, _, names in EARLY_SUPPORT for name in names}
    partners = {partner.name: partner for partner in partner_model.objects.filter(name__in=wanted)}
    missing = sorted(wanted - partners.keys())
    if missing:
        raise ValidationError(f"The seed's providers serve districts that are not partners here: {', '.join(missing)}.")
    contracts = []
    for provider_name, places, district_names in EARLY_SUPPORT:
        provider = Provider.objects.filter(name=provider_name).first() or contract_services.provider_create(
            name=provider_name, note=PROVIDER_NOTE, by=by
        )
        title = f"Early Support, children and young people: {places}"
        contract = Contract.objects.filter(commission=commission, provider=provider, title=title).first()
        if contract is None:
            contract = contract_services.contract_create(
                commission=commission,
                provider=provider,
                work_stream=work_stream,
                title=title,
                starts_on=STARTS_ON,
                ends_on=ENDS_ON,
                districts=[partners[name] for name in district_names],
                note=CONTRACT_NOTE,
                by=by,
            )
        contracts.append(contract)
    return contracts
