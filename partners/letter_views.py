"""The officer's pages for issued requests: issuing the drafts, the returns dashboard and chase list of a commission,
and each request letter with its returns, pledges, e-mails and history, and the actions on it.

Staff who read request letters (officer, manager, auditor) see every page; only an officer acts (issues, accepts,
queries, sends a new link). A partner login never reaches these pages: it uses the portal, and gets the same 404
here as for a letter that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from commissioning import job_selectors
from commissioning.access import get_commission_for_user, require_perm
from commissioning.forms import form_errors
from commissioning.models import Commission, FinancialYear, Job, User
from commissioning.money import ZERO, format_pounds
from commissioning.sorting import Sorting, sorting_from
from partners import selectors, services
from partners.letter_forms import ISSUE_FIELD_FOR, DeadlineChangeForm, LetterIssueForm, ReturnQueryForm
from partners.models import Contact, ContributionRequest, Partner, ProFormaReturn, RequestLetter
from reports.pdf import pdf_response

VIEW = "partners.view_requestletter"
ISSUE = "partners.add_requestletter"
ACT = "partners.change_requestletter"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _commission(request: HttpRequest, commission_pk: int, *, perm: str) -> Commission:
    commission = get_commission_for_user(_user(request), commission_pk)
    require_perm(_user(request), perm)
    return commission


def _staff_only(user: User, perm: str) -> None:
    """Partner logins get a 404 (they use the portal); other users without the permission a 403."""
    if getattr(user, "partner_id", None):
        raise Http404
    require_perm(user, perm)


def _get_letter_for_user(request: HttpRequest, pk: int, *, perm: str = VIEW) -> RequestLetter:
    _staff_only(_user(request), perm)
    return get_object_or_404(selectors.visible_letters(_user(request)), pk=pk)


def _get_return_for_user(request: HttpRequest, pk: int, *, perm: str = VIEW) -> ProFormaReturn:
    _staff_only(_user(request), perm)
    return get_object_or_404(ProFormaReturn.objects.select_related("letter__commission", "letter__partner"), pk=pk)


# Issuing ------------------------------------------------------------------------------------------------------


@dataclass
class DraftGroup:
    """One partner's draft requests, as the issue page lists them."""

    partner: Partner
    partner_name: str
    amounts: dict[int, Decimal] = field(default_factory=dict)  # by financial year pk
    lead: Contact | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


def _draft_groups(commission: Commission) -> tuple[list[FinancialYear], list[DraftGroup]]:
    """The commission's draft requests by partner, with the finance lead each would go to: three queries."""
    drafts = (
        ContributionRequest.objects.filter(commission=commission, status=ContributionRequest.Status.DRAFT)
        .select_related("partner", "financial_year")
        .order_by("partner_name", "financial_year__number")
    )
    groups: dict[int, DraftGroup] = {}
    years: dict[int, FinancialYear] = {}
    for draft in drafts:
        group = groups.setdefault(draft.partner_id, DraftGroup(draft.partner, draft.partner_name))
        group.amounts[draft.financial_year_id] = group.amounts.get(draft.financial_year_id, ZERO) + draft.amount
        years[draft.financial_year_id] = draft.financial_year
    # The same choice as services.finance_lead (the current finance lead with an address, oldest first), for all
    # partners at once.
    leads = (
        Contact.objects.filter(partner_id__in=groups, role=Contact.Role.FINANCE_LEAD, valid_to__isnull=True)
        .exclude(email="")
        .order_by("pk")
    )
    for lead in leads:
        if groups[lead.partner_id].lead is None:
            groups[lead.partner_id].lead = lead
    return sorted(years.values(), key=lambda year: year.number), list(groups.values())


@login_required
def letters_issue(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm=ISSUE)
    years, groups = _draft_groups(commission)
    user = _user(request)
    initial = {"sender_name": user.get_full_name() or user.get_username()}
    form = LetterIssueForm(
        request.POST or None,
        initial=initial,
        partner_choices=[(group.partner.pk, group.partner_name) for group in groups],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = set(data["partners"])
        try:
            letters = services.letters_issue(
                commission=commission,
                options=services.IssueOptions(
                    deadline=data["deadline"],
                    sender_name=data["sender_name"],
                    sender_position=data["sender_position"],
                    grace_days=data["grace_days"],
                    reminder_days=data["reminder_days"],
                    message=data["message"],
                ),
                by=user,
                partners=[group.partner for group in groups if group.partner.pk in chosen],
            )
        except ValidationError as error:
            form_errors(form, error, rename=ISSUE_FIELD_FOR)
        else:
            count = len(letters)
            messages.success(
                request,
                f"{count} request letter{'s' if count != 1 else ''} issued. The e-mails to the finance leads are "
                "being sent in the background; this page shows how far they have got.",
            )
            job = job_selectors.latest_job_for(letters[0], kind=Job.Kind.ISSUE_LETTERS)
            if job is None:  # pragma: no cover - letters_issue always makes one when it e-mails
                return redirect("returns-dashboard", commission_pk=commission.pk)
            return redirect("job-detail", pk=job.pk)
    rows = [(group, [group.amounts.get(year.pk) for year in years]) for group in groups]
    checked = {str(value) for value in (form["partners"].value() or [])}
    context = {
        "commission": commission,
        "form": form,
        "years": years,
        "rows": rows,
        "checked": checked,
        "total": sum((group.total for group in groups), ZERO),
    }
    return render(request, "partners/letters_issue.html", context)


# The returns dashboard and chase list -------------------------------------------------------------------------


# The sortable columns of the dashboard's letters: key -> (header, and the row's value it orders by). The rows are
# computed in Python from a fixed number of queries (partners/selectors.py), so they are sorted there too.
_DASHBOARD_SORT_KEYS: dict[str, tuple[str, Callable[[selectors.ReturnRow], Any]]] = {
    "partner": ("Partner", lambda row: row.letter.partner_name.casefold()),
    "status": ("Status", lambda row: row.letter.get_status_display()),
    "deadline": ("Deadline", lambda row: row.letter.deadline),
    "asked": ("Asked", lambda row: row.requested),
    "pledged": ("Pledged", lambda row: row.pledged),
}
DASHBOARD_COLUMNS: dict[str, tuple[str, list[str]]] = {
    key: (label, []) for key, (label, _) in _DASHBOARD_SORT_KEYS.items()
}


def _sorted_rows(rows: list[selectors.ReturnRow], sorting: Sorting) -> list[selectors.ReturnRow]:
    """The rows in the chosen order, ties broken by partner name then letter number (reversed with the order)."""
    value = _DASHBOARD_SORT_KEYS[sorting.key][1]
    return sorted(
        rows,
        key=lambda row: (value(row), row.letter.partner_name.casefold(), row.letter.number),
        reverse=sorting.descending,
    )


@login_required
def returns_dashboard(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm=VIEW)
    dashboard = selectors.returns_dashboard(commission)
    sorting = sorting_from(request.GET, DASHBOARD_COLUMNS, default="partner")
    context = {
        "commission": commission,
        "dashboard": dashboard,
        "sorting": sorting,
        "rows": _sorted_rows(dashboard.rows, sorting),
        "beyond_target": -dashboard.to_target,
        "may_issue": _user(request).has_perm(ISSUE),
        "drafts": commission.contribution_requests.filter(status=ContributionRequest.Status.DRAFT).exists(),
    }
    return render(request, "partners/returns_dashboard.html", context)


@login_required
def chase_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, perm=VIEW)
    dashboard = selectors.returns_dashboard(commission)
    context = {"commission": commission, "rows": dashboard.chase_list}
    return render(request, "partners/chase_list.html", context)


# One letter ---------------------------------------------------------------------------------------------------


@login_required
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _get_letter_for_user(request, pk)
    user = _user(request)
    detail = selectors.letter_detail(letter)
    context = {
        "commission": letter.commission,
        "letter": letter,
        **detail,
        "total_asked": sum((r.amount for r in detail["requests"]), ZERO),
        "may_act": user.has_perm(ACT),
        "may_see_ledger": user.has_perm("commissioning.view_ledgertransaction"),
        "reviewable": letter.status == RequestLetter.Status.RETURNED and detail["latest_return"] is not None,
        "awaiting_reply": letter.status in RequestLetter.AWAITING_REPLY,
        "may_resend": letter.status in (*RequestLetter.AWAITING_REPLY, RequestLetter.Status.RETURNED)
        and bool(letter.recipient_email),
    }
    return render(request, "partners/letter_detail.html", context)


@login_required
def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _get_letter_for_user(request, pk)
    pdf = services.letter_pdf_ensure(letter, by=_user(request))
    return pdf_response(pdf, f"request-{letter.reference.replace('/', '-')}.pdf")


@login_required
def return_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    pro_forma_return = _get_return_for_user(request, pk)
    pdf = services.receipt_pdf(pro_forma_return)
    reference = pro_forma_return.letter.reference.replace("/", "-")
    return pdf_response(pdf, f"receipt-{reference}-{pro_forma_return.number}.pdf")


@login_required
@require_POST
def link_resend(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _get_letter_for_user(request, pk, perm=ACT)
    try:
        services.link_resend(letter, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"A new link is being e-mailed to {letter.recipient_email} in the background.")
    return redirect(letter)


@login_required
def deadline_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a request's deadline and grace period while it waits for the partner's reply."""
    letter = _get_letter_for_user(request, pk, perm=ACT)
    initial = {
        "deadline_day": letter.deadline.day,
        "deadline_month": letter.deadline.month,
        "deadline_year": letter.deadline.year,
        "grace_days": letter.grace_days,
    }
    form = DeadlineChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.letter_deadline_change(
                letter=letter,
                deadline=data["deadline"],
                grace_days=data["grace_days"],
                reason=data["reason"],
                by=_user(request),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form_errors(form, error, rename=ISSUE_FIELD_FOR)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect(letter)
        else:
            letter.refresh_from_db()
            messages.success(
                request,
                f"The deadline is now {letter.deadline:%-d %B %Y}; the secure links close on "
                f"{letter.closes_on:%-d %B %Y}.",
            )
            return redirect(letter)
    return render(
        request, "partners/deadline_change.html", {"commission": letter.commission, "letter": letter, "form": form}
    )


@login_required
@require_POST
def return_accept(request: HttpRequest, pk: int) -> HttpResponse:
    pro_forma_return = _get_return_for_user(request, pk, perm=ACT)
    try:
        pledges = services.return_accept(pro_forma_return=pro_forma_return, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if pro_forma_return.option == ProFormaReturn.Option.DECLINE:
            text = f"Return {pro_forma_return.number} accepted: the decline is recorded and no money is pledged."
        else:
            total = sum((pledge.amount for pledge in pledges), ZERO)
            text = (
                f"Return {pro_forma_return.number} accepted: {len(pledges)} pledge{'s' if len(pledges) != 1 else ''}"
                f" of {format_pounds(total)} in all, posted to the ledger."
            )
        messages.success(request, text)
    return redirect(pro_forma_return.letter)


@login_required
def return_query(request: HttpRequest, pk: int) -> HttpResponse:
    pro_forma_return = _get_return_for_user(request, pk, perm=ACT)
    letter = pro_forma_return.letter
    form = ReturnQueryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.return_query(
                pro_forma_return=pro_forma_return, message=form.cleaned_data["message"], by=_user(request)
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form_errors(form, error, rename=ISSUE_FIELD_FOR)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect(letter)
        else:
            messages.success(
                request,
                f"Return {pro_forma_return.number} queried. The request is open to the partner again, and your "
                "message is being e-mailed to them with a new link.",
            )
            return redirect(letter)
    context = {"commission": letter.commission, "letter": letter, "pro_forma_return": pro_forma_return, "form": form}
    return render(request, "partners/return_query.html", context)
