"""Pages under /commissions/<commission_pk>/: reserves and their drawdowns, and the pool rules."""

from django.urls import path

from commissioning import funding_views as views

urlpatterns = [
    path("reserves/", views.reserve_list, name="reserve-list"),
    path("reserves/<int:pk>/", views.reserve_detail, name="reserve-detail"),
    path("reserves/<int:pk>/post-opening/", views.reserve_post_opening, name="reserve-post-opening"),
    path("reserves/<int:pk>/drawdowns/new/", views.drawdown_propose, name="drawdown-propose"),
    path("reserves/<int:pk>/drawdowns/<int:drawdown_pk>/approve/", views.drawdown_approve, name="drawdown-approve"),
    path("reserves/<int:pk>/drawdowns/<int:drawdown_pk>/reject/", views.drawdown_reject, name="drawdown-reject"),
    path("reserves/<int:pk>/drawdowns/<int:drawdown_pk>/post/", views.drawdown_post, name="drawdown-post"),
    path("pool/", views.pool_rules, name="pool-rules"),
    path("pool/rules/", views.pool_rules_edit, name="pool-rules-edit"),
    path("pool/partners/<int:partner_pk>/", views.pool_partner, name="pool-partner"),
]
