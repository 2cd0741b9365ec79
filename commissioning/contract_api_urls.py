"""Providers and contracts under `/api/v1/` (included by commissioning/api_urls.py)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from commissioning import contract_api

router = SimpleRouter()
router.register("providers", contract_api.ProviderViewSet, basename="provider")
router.register("contracts", contract_api.ContractViewSet, basename="contract")

urlpatterns = [path("", include(router.urls))]
