"""Pages under /commissions/<commission_pk>/: formulas, requests, allocations, monitoring, reconciliation,
scenarios, and imports and exports of tables."""

from django.urls import path

from allocations.views import imports, pages, scenarios, year_end

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
    path("years/<int:year_pk>/allocations/post/", pages.allocations_post, name="allocations-post"),
    path("years/<int:year_pk>/monitoring/new/", pages.monitoring_create, name="monitoring-create"),
    path("reconciliation/", pages.reconciliation, name="reconciliation"),
    # Scenarios: "what if" a partner declines or pays less, a weight or the target changes.
    path("scenarios/", scenarios.scenario_list, name="scenario-list"),
    path("scenarios/what-if/", scenarios.scenario_what_if, name="scenario-what-if"),
    path("scenarios/compare/", scenarios.scenario_compare, name="scenario-compare"),
    path("scenarios/<int:pk>/", scenarios.scenario_detail, name="scenario-detail"),
    path("scenarios/<int:pk>/adopt/", scenarios.scenario_adopt, name="scenario-adopt"),
    # Year-end: underspends, and carry-forwards from them through their decisions.
    path("year-end/", year_end.year_end, name="year-end"),
    path("year-end/<int:year_pk>/propose/", year_end.carry_forward_propose, name="carry-forward-propose"),
    path("carry-forwards/", year_end.carry_forward_list, name="carry-forward-list"),
    path("carry-forwards/<int:pk>/", year_end.carry_forward_detail, name="carry-forward-detail"),
    path(
        "carry-forwards/<int:pk>/outline-approve/",
        year_end.carry_forward_outline_approve,
        name="carry-forward-outline-approve",
    ),
    path("carry-forwards/<int:pk>/confirm/", year_end.carry_forward_confirm, name="carry-forward-confirm"),
    path("carry-forwards/<int:pk>/reject/", year_end.carry_forward_reject, name="carry-forward-reject"),
    path("carry-forwards/<int:pk>/lapse/", year_end.carry_forward_lapse, name="carry-forward-lapse"),
    # Imports and exports of tables: upload → preview → confirm, and downloads.
    path("imports/", imports.import_index, name="import-index"),
    path("imports/<slug:kind>/upload/", imports.import_upload, name="import-upload"),
    path("imports/uploads/<int:upload_pk>/", imports.import_preview, name="import-preview"),
    path("imports/uploads/<int:upload_pk>/confirm/", imports.import_confirm, name="import-confirm"),
    path("imports/tables/<int:table_pk>/export.<slug:file_format>", imports.import_export, name="import-export"),
]
