"""Allocation pages of one commission, included under `commissions/<int:commission_pk>/`."""

from django.urls import path

from allocations.views import scenarios

urlpatterns = [
    # Scenarios: "what if" a partner declines or pays less, a weight or the target changes.
    path("scenarios/", scenarios.scenario_list, name="scenario-list"),
    path("scenarios/what-if/", scenarios.scenario_what_if, name="scenario-what-if"),
    path("scenarios/compare/", scenarios.scenario_compare, name="scenario-compare"),
    path("scenarios/<int:pk>/", scenarios.scenario_detail, name="scenario-detail"),
    path("scenarios/<int:pk>/adopt/", scenarios.scenario_adopt, name="scenario-adopt"),
]
