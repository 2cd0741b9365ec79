"""Partners' resources under `/api/v1/` (included by commissioning/api_urls.py)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from partners import api

router = SimpleRouter()
router.register("requests", api.ContributionRequestViewSet, basename="request")

urlpatterns = [path("", include(router.urls))]
