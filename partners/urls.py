from django.urls import path

from partners import views

urlpatterns = [
    path("<int:pk>/", views.partner_detail, name="partner-detail"),
    path("<int:pk>/statements/<int:commission_pk>/", views.partner_statement, name="partner-statement"),
    path(
        "<int:pk>/statements/<int:commission_pk>/report.pdf",
        views.partner_statement_pdf,
        name="partner-statement-pdf",
    ),
]
