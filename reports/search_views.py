"""The search page (`/search/?q=…`): one box that finds partners, request letters, decisions and transactions.

What it finds is scoped in `reports/search.py`; this view only reads the query, refuses users who may search
nothing, and shows a clear message instead of searching for an empty or too-short query.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from commissioning.forms import GovukFormMixin
from commissioning.models import User
from reports import search as search_selectors


class SearchForm(GovukFormMixin, forms.Form):
    q = forms.CharField(
        label="Search",
        help_text="A partner or contact, a decision reference such as CM001/13, a letter reference such as R1/004, "
        "a transaction number, or words from a title or description",
        max_length=search_selectors.MAX_LENGTH,
        error_messages={
            "required": "Enter what to search for",
            "max_length": f"Search must be {search_selectors.MAX_LENGTH} characters or fewer",
        },
    )

    def clean_q(self) -> str:
        query = self.cleaned_data["q"].strip()
        # A transaction number may be a single digit; any other query needs two characters to mean something.
        if len(query) < search_selectors.MIN_LENGTH and not query.isdigit():
            raise forms.ValidationError(
                f"Enter at least {search_selectors.MIN_LENGTH} characters, or a transaction number"
            )
        return query


@login_required
def search(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not search_selectors.may_search(user):
        raise PermissionDenied
    form = SearchForm(request.GET if "q" in request.GET else None)
    results = search_selectors.search(user, form.cleaned_data["q"]) if form.is_valid() else None
    context = {"form": form, "results": results, "limit": search_selectors.LIMIT}
    return render(request, "reports/search.html", context)
