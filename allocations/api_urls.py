"""Allocations' resources under `/api/v1/` (included by commissioning/api_urls.py)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from allocations import api, scenario_api, year_end_api

router = SimpleRouter()
router.register("formulas", api.FormulaViewSet, basename="formula")
router.register("basis-datasets", api.BasisDatasetViewSet, basename="basis-dataset")
router.register("allocations", api.AllocationViewSet, basename="allocation")
router.register("year-budgets", api.YearBudgetViewSet, basename="year-budget")
router.register("monitoring-returns", api.MonitoringReturnViewSet, basename="monitoring-return")
router.register("scenarios", scenario_api.ScenarioViewSet, basename="scenario")
router.register("carry-forwards", year_end_api.CarryForwardViewSet, basename="carry-forward")

urlpatterns = [
    path("", include(router.urls)),
    path(
        "commissions/<int:pk>/reconciliation/",
        api.CommissionReconciliationView.as_view(),
        name="commission-reconciliation",
    ),
    path("commissions/<int:pk>/year-end/", year_end_api.CommissionYearEndView.as_view(), name="commission-year-end"),
]
