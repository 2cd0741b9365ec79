from django.urls import path

from partners import partner_views, views

urlpatterns = [
    path("", partner_views.partner_list, name="partner-list"),
    path("new/", partner_views.partner_create, name="partner-create"),
    path("<int:pk>/", views.partner_detail, name="partner-detail"),
    path("<int:pk>/added/", partner_views.partner_created, name="partner-created"),
    path("<int:pk>/change/", partner_views.partner_change, name="partner-change"),
    path("<int:pk>/end/", partner_views.partner_end, name="partner-end"),
    path("<int:pk>/contacts/new/", partner_views.contact_create, name="contact-create"),
    path("<int:pk>/contacts/<int:contact_pk>/change/", partner_views.contact_change, name="contact-change"),
    path("<int:pk>/contacts/<int:contact_pk>/end/", partner_views.contact_end, name="contact-end"),
    path("<int:pk>/statements/<int:commission_pk>/", views.partner_statement, name="partner-statement"),
    path(
        "<int:pk>/statements/<int:commission_pk>/report.pdf",
        views.partner_statement_pdf,
        name="partner-statement-pdf",
    ),
]
