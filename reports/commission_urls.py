"""Pages under /commissions/<commission_pk>/ that read every app: the dashboard, the fund statement and the plan's
versions."""

from django.urls import path

from reports import dashboard_views, views

urlpatterns = [
    path("dashboard/", dashboard_views.dashboard, name="commission-dashboard"),
    path("statement/", views.fund_statement, name="fund-statement"),
    path("statement/report.pdf", views.fund_statement_pdf, name="fund-statement-pdf"),
    path("statement/all-reports/", views.report_pack_start, name="report-pack-start"),
    path("plan-versions/", views.plan_version_list, name="plan-version-list"),
    path("plan-versions/freeze/", views.plan_version_freeze, name="plan-version-freeze"),
    path("plan-versions/movements/", views.plan_movements, name="plan-movements"),
    path("plan-versions/<int:number>/", views.plan_version_detail, name="plan-version-detail"),
]
