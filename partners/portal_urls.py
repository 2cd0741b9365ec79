"""The partner's pages: the pro-forma through its secure link (no sign-in), and the partner portal (a partner
login, scoped to its own partner). Both reach the same pro-forma page."""

from django.urls import path

from partners import portal_views

urlpatterns = [
    path("pro-forma/<str:token>/", portal_views.pro_forma_by_link, name="pro-forma"),
    path("pro-forma/<str:token>/letter.pdf", portal_views.letter_pdf_by_link, name="pro-forma-letter"),
    path("pro-forma/<str:token>/receipts/<int:number>.pdf", portal_views.receipt_by_link, name="pro-forma-receipt"),
    path("portal/", portal_views.portal_home, name="portal"),
    path("portal/requests/<int:pk>/", portal_views.pro_forma_by_login, name="portal-request"),
    path("portal/requests/<int:pk>/letter.pdf", portal_views.letter_pdf_by_login, name="portal-letter"),
    path("portal/requests/<int:pk>/receipts/<int:number>.pdf", portal_views.receipt_by_login, name="portal-receipt"),
]
