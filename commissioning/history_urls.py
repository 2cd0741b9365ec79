"""The audit trail's page: /history/<app_label>/<model>/<pk>/ (included by commissioning/urls.py)."""

from django.urls import path

from commissioning import history_views

urlpatterns = [
    path("<slug:app_label>/<slug:model_name>/<int:pk>/", history_views.object_history, name="object-history"),
]
