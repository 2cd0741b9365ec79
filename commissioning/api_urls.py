"""The REST API under `/api/v1/`: one resource per word of DESIGN.md.

Each app routes its own resources (`partners/api_urls.py`, `allocations/api_urls.py`); they are included here by
name, as the page URLs are, so the core imports no other app.
"""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from commissioning import api, ledger_api

router = SimpleRouter()
router.register("commissions", api.CommissionViewSet, basename="commission")
router.register("financial-years", api.FinancialYearViewSet, basename="financial-year")
router.register("transactions", ledger_api.TransactionViewSet, basename="transaction")

urlpatterns = [
    path("", include(router.urls)),
    path("", include("partners.api_urls")),
    path("", include("allocations.api_urls")),
    path("", include("commissioning.contract_api_urls")),
    path("", include("reports.api_urls")),
    path("", include("commissioning.funding_api_urls")),  # reserves, drawdowns, the pool
]
