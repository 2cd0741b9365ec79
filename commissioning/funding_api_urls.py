"""Reserves (with their drawdowns nested) and each commission's pool under `/api/v1/`, included by
commissioning/api_urls.py."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from commissioning import funding_api

router = SimpleRouter()
router.register("reserves", funding_api.ReserveViewSet, basename="reserve")
router.register(r"reserves/(?P<reserve_pk>[0-9]+)/drawdowns", funding_api.ReserveDrawdownViewSet, basename="drawdown")

urlpatterns = [
    path("", include(router.urls)),
    path("commissions/<int:pk>/pool/", funding_api.CommissionPoolView.as_view(), name="commission-pool"),
]
