"""A commission's decision records, under /commissions/<commission_pk>/decisions/ (commissioning/urls.py)."""

from django.urls import path

from reports import decision_views as views
from reports import publication_views as publication

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
    path("<int:pk>/preview/", publication.decision_preview, name="decision-preview"),
    path("<int:pk>/report.pdf", publication.decision_pdf, name="decision-pdf"),
    path("<int:pk>/published.pdf", publication.decision_published_pdf, name="decision-published-pdf"),
    path("<int:pk>/notice.pdf", publication.decision_notice_pdf, name="decision-notice-pdf"),
    path("<int:pk>/sections/", publication.decision_sections, name="decision-sections"),
    path("<int:pk>/redactions/", publication.decision_redactions, name="decision-redactions"),
    path(
        "<int:pk>/redactions/<int:redaction_pk>/remove/", publication.redaction_remove, name="decision-redaction-remove"
    ),
    path("<int:pk>/publish/", publication.decision_publish, name="decision-publish"),
]
