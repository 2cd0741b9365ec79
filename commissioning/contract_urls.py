"""A commission's contract pages, under /commissions/<commission_pk>/."""

from django.urls import path

from commissioning import contract_views

urlpatterns = [
    path("contracts/", contract_views.contract_list, name="contract-list"),
    path("contracts/new/", contract_views.contract_create, name="contract-create"),
    path("contracts/<int:pk>/", contract_views.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/values/", contract_views.contract_values, name="contract-values"),
    path("contracts/<int:pk>/spend/new/", contract_views.contract_spend_create, name="contract-spend-create"),
    path("contracts/<int:pk>/end/", contract_views.contract_end, name="contract-end"),
]
