"""A commission's decision records, under /commissions/<commission_pk>/decisions/ (commissioning/urls.py)."""

from django.urls import path

from reports import decision_views as views

urlpatterns = [
    path("", views.decision_list, name="decision-list"),
    path("new/", views.decision_create, name="decision-create"),
    path("<int:pk>/", views.decision_detail, name="decision-detail"),
    path("<int:pk>/edit/", views.decision_edit, name="decision-edit"),
    path("<int:pk>/recommendations/add/", views.recommendation_add, name="decision-recommendation-add"),
    path("<int:pk>/recommendations/<int:number>/", views.recommendation_edit, name="decision-recommendation-edit"),
    path("<int:pk>/submit/", views.decision_submit, name="decision-submit"),
    path("<int:pk>/sign-off/", views.decision_sign_off, name="decision-sign-off"),
    path("<int:pk>/decide/", views.decision_decide, name="decision-decide"),
    path("<int:pk>/return-to-draft/", views.decision_return, name="decision-return"),
]
