from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from commissioning import views
from commissioning.forms import LoginForm
from partners import letter_urls
from reports import search_views

urlpatterns = [
    path("", views.home, name="home"),
    path("commissions/<int:pk>/", views.commission_detail, name="commission-detail"),
    # Setting up a commission, its work-streams and its partners' membership (setup_urls.py, membership_urls.py).
    path("commissions/", include("commissioning.setup_urls")),
    path("commissions/<int:commission_pk>/", include("partners.membership_urls")),
    path("commissions/<int:commission_pk>/", include("allocations.urls")),
    # Providers and contracts: commissioning/contract_urls.py and provider_urls.py.
    path("commissions/<int:commission_pk>/", include("commissioning.contract_urls")),
    path("providers/", include("commissioning.provider_urls")),
    # The ledger's pages (transactions), and the fund statement and plan versions, which read all the apps.
    path("commissions/<int:commission_pk>/", include("commissioning.ledger_urls")),
    path("commissions/<int:commission_pk>/", include("reports.commission_urls")),
    # Decision records and their sign-off (reports/decision_urls.py).
    path("commissions/<int:commission_pk>/decisions/", include("reports.decision_urls")),
    # Reserves, drawdowns and pool rules.
    path("commissions/<int:commission_pk>/", include("commissioning.funding_urls")),
    # Issuing requests, the returns dashboard and chase list, and each request letter (partners/letter_urls.py).
    path("commissions/<int:commission_pk>/", include(letter_urls.commission_urlpatterns)),
    path("requests/", include("partners.letter_urls")),
    # The partner's side: the pro-forma by secure link, and the partner portal.
    path("", include("partners.portal_urls")),
    path("partners/", include("partners.urls")),
    path("reports/", include("reports.urls")),
    # One search box across the apps (reports/search.py), and the accessibility statement (public).
    path("search/", search_views.search, name="search"),
    path("accessibility/", views.accessibility_statement, name="accessibility-statement"),
    # Background jobs and their progress (commissioning/job_views.py).
    path("jobs/", include("commissioning.job_urls")),
    # The audit trail: any tracked object's versions (commissioning/history_views.py).
    path("history/", include("commissioning.history_urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("commissioning.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", views.api_reference, name="api-docs"),
]
