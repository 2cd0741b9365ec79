"""The commission's models: the core (`core.py`) and the pooled-fund ledger (`ledger.py`)."""

from commissioning.models.core import (
    HUNDRED,
    Commission,
    FinancialYear,
    Reserve,
    User,
    WorkStream,
    validate_pooled_shares,
)
from commissioning.models.ledger import Account, LedgerHead, LedgerTransaction, Posting
from commissioning.models.plans import FundingPlanVersion

__all__ = [
    "HUNDRED",
    "Account",
    "Commission",
    "FinancialYear",
    "FundingPlanVersion",
    "LedgerHead",
    "LedgerTransaction",
    "Posting",
    "Reserve",
    "User",
    "WorkStream",
    "validate_pooled_shares",
]
