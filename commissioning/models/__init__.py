"""The commission's models: the core (`core.py`), the pooled-fund ledger (`ledger.py`), providers and their
contracts (`contracts.py`), reserve drawdowns, carry-forwards and pool rules (`funding.py`), funding plan
versions (`plans.py`), and background jobs with their progress (`jobs.py`)."""

from commissioning.models.contracts import Contract, ContractSpend, ContractValue, Provider
from commissioning.models.core import (
    HUNDRED,
    Commission,
    FinancialYear,
    Reserve,
    User,
    WorkStream,
    validate_pooled_shares,
)
from commissioning.models.funding import (
    CarryForward,
    CarryForwardEvent,
    CarryForwardPart,
    PoolRules,
    ReserveDrawdown,
    ReserveDrawdownEvent,
)
from commissioning.models.jobs import Job, JobItem
from commissioning.models.ledger import Account, LedgerHead, LedgerTransaction, Posting
from commissioning.models.plans import FundingPlanVersion

__all__ = [
    "HUNDRED",
    "Account",
    "CarryForward",
    "CarryForwardEvent",
    "CarryForwardPart",
    "Commission",
    "Contract",
    "ContractSpend",
    "ContractValue",
    "FinancialYear",
    "FundingPlanVersion",
    "Job",
    "JobItem",
    "LedgerHead",
    "LedgerTransaction",
    "PoolRules",
    "Posting",
    "Provider",
    "Reserve",
    "ReserveDrawdown",
    "ReserveDrawdownEvent",
    "User",
    "WorkStream",
    "validate_pooled_shares",
]
