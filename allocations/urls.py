"""Pages under /commissions/<commission_pk>/: formulas, requests, allocations, monitoring, reconciliation."""

from django.urls import path

from allocations.views import pages

urlpatterns = [
    path("formulas/", pages.formula_list, name="formula-list"),
    path("formulas/new/", pages.formula_create, name="formula-create"),
    path("formulas/<int:pk>/", pages.formula_detail, name="formula-detail"),
    path("formulas/<int:pk>/revise/", pages.formula_revise, name="formula-revise"),
    path("formulas/<int:pk>/draft-requests/", pages.formula_draft_requests, name="formula-draft-requests"),
    path("requests/", pages.request_list, name="request-list"),
    path("allocations/", pages.allocation_list, name="allocation-list"),
    path("allocations/<int:pk>/override/", pages.allocation_override, name="allocation-override"),
    path("years/<int:year_pk>/budget/", pages.year_budget_edit, name="year-budget-edit"),
    path("years/<int:year_pk>/monitoring/new/", pages.monitoring_create, name="monitoring-create"),
    path("reconciliation/", pages.reconciliation, name="reconciliation"),
]
