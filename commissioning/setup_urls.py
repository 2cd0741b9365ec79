"""Setting up a commission and its work-streams (commissioning/setup_views.py)."""

from django.urls import path

from commissioning import setup_views

urlpatterns = [
    path("new/", setup_views.commission_create, name="commission-create"),
    path("<int:pk>/created/", setup_views.commission_created, name="commission-created"),
    path("<int:pk>/change/", setup_views.commission_change, name="commission-change"),
    path("<int:commission_pk>/work-streams/new/", setup_views.work_stream_create, name="work-stream-create"),
    path("<int:commission_pk>/work-streams/shares/", setup_views.work_stream_shares, name="work-stream-shares"),
    path(
        "<int:commission_pk>/work-streams/<int:pk>/change/", setup_views.work_stream_change, name="work-stream-change"
    ),
    path("<int:commission_pk>/work-streams/<int:pk>/end/", setup_views.work_stream_end, name="work-stream-end"),
]
