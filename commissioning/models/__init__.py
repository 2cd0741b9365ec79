"""The commission's models: the core (`core.py`), the pooled-fund ledger (`ledger.py`), and reserve drawdowns,
carry-forwards and pool rules (`funding.py`)."""

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
from commissioning.models.ledger import Account, LedgerHead, LedgerTransaction, Posting

__all__ = [
    "HUNDRED",
    "Account",
    "CarryForward",
    "CarryForwardEvent",
    "CarryForwardPart",
    "Commission",
    "FinancialYear",
    "LedgerHead",
    "LedgerTransaction",
    "PoolRules",
    "Posting",
    "Reserve",
    "ReserveDrawdown",
    "ReserveDrawdownEvent",
    "User",
    "WorkStream",
    "validate_pooled_shares",
]
