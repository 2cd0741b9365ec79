"""Background jobs, under /jobs/ (commissioning/job_views.py)."""

from django.urls import path

from commissioning import job_views

urlpatterns = [
    path("", job_views.job_list, name="job-list"),
    path("<int:pk>/", job_views.job_detail, name="job-detail"),
    path("<int:pk>/progress/", job_views.job_progress, name="job-progress"),
    path("<int:pk>/retry/", job_views.job_retry, name="job-retry"),
    path("<int:pk>/download/", job_views.job_download, name="job-download"),
]
