"""SKELETON (helper A replaces this file)."""

from django.http import Http404


def _missing(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


letters_issue = returns_dashboard = chase_list = letter_detail = letter_pdf = link_resend = _missing
return_accept = return_query = return_receipt = _missing
