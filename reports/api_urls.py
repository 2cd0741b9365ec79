"""Decisions, and per-commission resources under `/api/v1/` that read every app (in commissioning/api_urls.py)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from reports import api, decision_api

router = SimpleRouter()
router.register("decisions", decision_api.DecisionViewSet, basename="decision")

urlpatterns = [
    path("", include(router.urls)),
    path("commissions/<int:pk>/statement/", api.CommissionStatementView.as_view(), name="commission-statement"),
    path("commissions/<int:pk>/plan-versions/", api.PlanVersionListView.as_view(), name="commission-plan-versions"),
    path(
        "commissions/<int:pk>/plan-versions/movements/",
        api.PlanMovementsView.as_view(),
        name="commission-plan-movements",
    ),
    path(
        "commissions/<int:pk>/plan-versions/<int:number>/",
        api.PlanVersionDetailView.as_view(),
        name="commission-plan-version",
    ),
]
