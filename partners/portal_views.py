"""The partner's pages: the pro-forma through its secure link (no sign-in), and the partner portal (a partner login,
scoped to its own partner). Both routes reach the same pro-forma page and the same downloads.

A bad token (unknown, tampered, revoked, expired, or another partner's when a partner is signed in) always gets the
same plain 404, byte for byte, so a response never tells one kind of bad token from another; rejected attempts are
counted per client and, past the limit, even a good token is refused for a while. Pages and files reached by a token
are never cached and never send the token on in a Referer header.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commissioning.models import User
from partners import selectors, services
from partners.models import ProFormaReturn, RequestEvent, RequestLetter
from partners.portal_forms import ProFormaForm
from reports.pdf import pdf_response


def _private(response: HttpResponse, *, referrer_policy: str = "no-referrer") -> HttpResponse:
    """The token is in the URL: keep the response out of caches and the URL out of Referer headers."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = referrer_policy
    return response


def _link_not_found() -> HttpResponse:
    # Rendered without the request, so nothing about the visitor or the token can make two bodies differ.
    return _private(HttpResponseNotFound(render_to_string("partners/portal/link_not_found.html")))


def _too_many_attempts() -> HttpResponse:
    response = HttpResponse(render_to_string("partners/portal/too_many_attempts.html"), status=429)
    response["Retry-After"] = str(int(services.LINK_ATTEMPT_WINDOW.total_seconds()))
    return _private(response)


def _signed_in(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None  # type: ignore[return-value]


def _letter_by_link(request: HttpRequest, token: str) -> RequestLetter | HttpResponse:
    """The letter the token opens, or the response refusing it (429 past the rate limit, else the plain 404)."""
    client = services.client_key(request.META.get("REMOTE_ADDR", ""))
    if services.link_attempts_exceeded(client):
        return _too_many_attempts()
    letter = services.letter_for_token(token)
    if letter is None:
        services.link_attempt_rejected(client)
        return _link_not_found()
    user = _signed_in(request)
    if user is not None and user.partner_id and user.partner_id != letter.partner_id:
        return _link_not_found()  # a good token, but another partner's: the same answer as a bad one
    return letter


def _partner_user(request: HttpRequest) -> User:
    """The signed-in partner login; staff and anyone tied to no partner find nothing here."""
    user: User = request.user  # type: ignore[assignment]
    if not user.partner_id:
        raise Http404
    return user


def _letter_for_login(request: HttpRequest, pk: int) -> RequestLetter:
    # Scoped before the lookup, so another partner's letter looks exactly like a missing one.
    return get_object_or_404(selectors.visible_letters(_partner_user(request)), pk=pk)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    return _private(pdf_response(content, filename))


def _file_stem(letter: RequestLetter) -> str:
    return letter.reference.replace("/", "-")


# The pro-forma page -------------------------------------------------------------------------------------------


def _pro_forma(
    request: HttpRequest,
    letter: RequestLetter,
    *,
    via: str,
    letter_url: str,
    receipt_url: Callable[[int], str],
) -> HttpResponse:
    """The one pro-forma page: the request, and the form while it is open, or the return once it is in."""
    user = _signed_in(request)
    today = timezone.localdate()
    detail = selectors.letter_detail(letter)
    requests = detail["requests"]
    posted = request.POST if request.method == "POST" else None
    form = ProFormaForm(posted, requests=requests, organisation=letter.partner_name, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            services.return_submit(letter=letter, data=form.return_input(), by=user, via=via)
        except ValidationError as error:
            form.add_service_errors(error)
            letter.refresh_from_db(fields=["status"])
        else:
            return redirect(request.path)
    elif request.method == "GET" and letter.status == RequestLetter.Status.ISSUED:
        services.letter_viewed(letter, by=user)

    returns: list[ProFormaReturn] = detail["returns"]
    latest = returns[0] if returns else None
    awaiting = letter.status in RequestLetter.AWAITING_REPLY
    queried = [event for event in detail["events"] if event.action == RequestEvent.Action.QUERIED]
    context: dict[str, Any] = {
        "letter": letter,
        "commission": letter.commission,
        "requests": requests,
        "total_asked": sum((row.amount for row in requests), Decimal(0)),
        "form": form,
        "is_open": letter.is_open(today),
        "awaiting_reply": awaiting,
        "latest_return": latest,
        "latest_lines": list(latest.lines.all()) if latest else [],
        "latest_offered": sum((line.offered for line in latest.lines.all()), Decimal(0)) if latest else None,
        # While the request is open again (queried), every return so far is an earlier one.
        "earlier_returns": [(row, receipt_url(row.number)) for row in (returns if awaiting else returns[1:])],
        "receipt_url": receipt_url(latest.number) if latest else "",
        "query": queried[-1] if queried and letter.status == RequestLetter.Status.QUERIED else None,
        "letter_url": letter_url,
        "by_login": via == ProFormaReturn.Via.LOGIN,
    }
    # Not "no-referrer" on the page with the form: under that policy a browser sends `Origin: null` with the form's
    # POST (the Fetch standard), which Django's CSRF check rightly refuses. "same-origin" still never sends the
    # token to another site, and the page links to no other site.
    return _private(render(request, "partners/portal/pro_forma.html", context), referrer_policy="same-origin")


# Through the secure link --------------------------------------------------------------------------------------


def pro_forma_by_link(request: HttpRequest, token: str) -> HttpResponse:
    found = _letter_by_link(request, token)
    if isinstance(found, HttpResponse):
        return found
    return _pro_forma(
        request,
        found,
        via=ProFormaReturn.Via.LINK,
        letter_url=reverse("pro-forma-letter", args=[token]),
        receipt_url=lambda number: reverse("pro-forma-receipt", args=[token, number]),
    )


def letter_pdf_by_link(request: HttpRequest, token: str) -> HttpResponse:
    found = _letter_by_link(request, token)
    if isinstance(found, HttpResponse):
        return found
    return _pdf(services.letter_pdf_ensure(found), f"{_file_stem(found)}-request-letter.pdf")


def receipt_by_link(request: HttpRequest, token: str, number: int) -> HttpResponse:
    found = _letter_by_link(request, token)
    if isinstance(found, HttpResponse):
        return found
    pro_forma_return = found.returns.select_related("letter__commission__host").filter(number=number).first()
    if pro_forma_return is None:
        return _link_not_found()
    return _receipt(pro_forma_return)


def _receipt(pro_forma_return: ProFormaReturn) -> HttpResponse:
    stem = _file_stem(pro_forma_return.letter)
    return _pdf(services.receipt_pdf(pro_forma_return), f"{stem}-receipt-{pro_forma_return.number}.pdf")


# Through a partner login --------------------------------------------------------------------------------------


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    """The partner's request letters, newest commission first, with where each has got to."""
    user = _partner_user(request)
    today = timezone.localdate()
    letters = [(letter, letter.is_open(today)) for letter in selectors.visible_letters(user)]
    return _private(render(request, "partners/portal/portal_home.html", {"letters": letters}))


@login_required
def pro_forma_by_login(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter_for_login(request, pk)
    return _pro_forma(
        request,
        letter,
        via=ProFormaReturn.Via.LOGIN,
        letter_url=reverse("portal-letter", args=[letter.pk]),
        receipt_url=lambda number: reverse("portal-receipt", args=[letter.pk, number]),
    )


@login_required
def letter_pdf_by_login(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter_for_login(request, pk)
    return _pdf(services.letter_pdf_ensure(letter), f"{_file_stem(letter)}-request-letter.pdf")


@login_required
def receipt_by_login(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    letter = _letter_for_login(request, pk)
    pro_forma_return = get_object_or_404(letter.returns.select_related("letter__commission__host"), number=number)
    return _receipt(pro_forma_return)
