"""A partner joining and leaving a commission, under /commissions/<commission_pk>/ (partners/partner_views.py)."""

from django.urls import path

from partners import partner_views

urlpatterns = [
    path("members/new/", partner_views.membership_create, name="membership-create"),
    path("members/<int:pk>/leave/", partner_views.membership_leave, name="membership-leave"),
]
