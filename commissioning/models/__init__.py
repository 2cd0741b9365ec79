"""The commission's models: the core (`core.py`), the pooled-fund ledger (`ledger.py`), and providers and their
contracts (`contracts.py`)."""

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
from commissioning.models.ledger import Account, LedgerHead, LedgerTransaction, Posting
from commissioning.models.plans import FundingPlanVersion

__all__ = [
    "HUNDRED",
    "Account",
    "Commission",
    "Contract",
    "ContractSpend",
    "ContractValue",
    "FinancialYear",
    "FundingPlanVersion",
    "LedgerHead",
    "LedgerTransaction",
    "Posting",
    "Provider",
    "Reserve",
    "User",
    "WorkStream",
    "validate_pooled_shares",
]
