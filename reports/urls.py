from django.urls import path

from reports import views

urlpatterns = [
    path("commissions/<int:pk>/summary.pdf", views.commission_summary_pdf, name="commission-summary-pdf"),
]
