"""Partners' resources under `/api/v1/` (included by commissioning/api_urls.py)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from partners import api

router = SimpleRouter()
router.register("requests", api.ContributionRequestViewSet, basename="request")
router.register("letters", api.RequestLetterViewSet, basename="letter")
router.register("returns", api.ProFormaReturnViewSet, basename="return")
router.register("pledges", api.PledgeViewSet, basename="pledge")

urlpatterns = [
    path("", include(router.urls)),
    # The partner's pro-forma by its secure link: the token is the credential, so it is no router resource.
    path("pro-forma/<str:token>/", api.ProFormaByLink.as_view(), name="pro-forma"),
]
