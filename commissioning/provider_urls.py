"""Provider pages under /providers/ (a provider is not tied to one commission)."""

from django.urls import path

from commissioning import contract_views

urlpatterns = [
    path("", contract_views.provider_list, name="provider-list"),
    path("new/", contract_views.provider_create, name="provider-create"),
    path("<int:pk>/", contract_views.provider_detail, name="provider-detail"),
    path("<int:pk>/end/", contract_views.provider_end, name="provider-end"),
]
