"""The officer's pages for issued requests: issuing, the returns dashboard and chase list (per commission), and
each request letter with its returns, history and actions."""

from django.urls import path

from partners import letter_views

# Under /commissions/<commission_pk>/
commission_urlpatterns = [
    path("requests/issue/", letter_views.letters_issue, name="letters-issue"),
    path("returns/", letter_views.returns_dashboard, name="returns-dashboard"),
    path("returns/chase/", letter_views.chase_list, name="chase-list"),
]

# Under /requests/
urlpatterns = [
    path("<int:pk>/", letter_views.letter_detail, name="request-letter-detail"),
    path("<int:pk>/letter.pdf", letter_views.letter_pdf, name="request-letter-pdf"),
    path("<int:pk>/send-link/", letter_views.link_resend, name="request-letter-send-link"),
    path("<int:pk>/deadline/", letter_views.deadline_change, name="request-letter-deadline"),
    path("returns/<int:pk>/accept/", letter_views.return_accept, name="return-accept"),
    path("returns/<int:pk>/query/", letter_views.return_query, name="return-query"),
    path("returns/<int:pk>/receipt.pdf", letter_views.return_receipt, name="return-receipt"),
]
