"""Per-commission resources under `/api/v1/` that read every app (included by commissioning/api_urls.py)."""

from django.urls import path

from reports import api

urlpatterns = [
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
