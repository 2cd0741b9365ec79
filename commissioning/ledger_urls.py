"""The ledger's pages under /commissions/<commission_pk>/."""

from django.urls import path

from commissioning import ledger_views

urlpatterns = [
    path("transactions/", ledger_views.transaction_list, name="transaction-list"),
]
