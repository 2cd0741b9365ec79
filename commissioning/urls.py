from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from commissioning import views
from commissioning.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("commissions/<int:pk>/", views.commission_detail, name="commission-detail"),
    path("commissions/<int:commission_pk>/", include("allocations.urls")),
    path("partners/", include("partners.urls")),
    path("reports/", include("reports.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
