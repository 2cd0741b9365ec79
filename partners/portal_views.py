"""SKELETON (helper B replaces this file)."""

from django.http import Http404


def _missing(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


pro_forma_by_link = letter_pdf_by_link = receipt_by_link = portal_home = pro_forma_by_login = _missing
letter_pdf_by_login = receipt_by_login = _missing
