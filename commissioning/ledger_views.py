"""The ledger's pages: a commission's transactions with their postings, filtered and a page at a time."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from commissioning import ledger_selectors
from commissioning.access import get_commission_for_user, require_perm
from commissioning.ledger_forms import TransactionFilterForm
from commissioning.models import LedgerTransaction, User
from commissioning.sorting import sort_queryset, sorting_from

PAGE_SIZE = 50
# The sortable columns of the transaction list: key -> (header, the fields it orders by, ascending).
TRANSACTION_COLUMNS = {
    "number": ("Number", ["number"]),
    "date": ("Date and year", ["date", "number"]),
    "kind": ("Transaction", ["kind", "number"]),
}


def _source(tx: LedgerTransaction) -> None:
    """Name a transaction's source by its type and id, and link to it in the admin where the admin shows that type.
    The source itself is not fetched: its type is enough to say what it is, and a page stays at a fixed number
    of queries whatever sources its transactions have."""
    tx.source_label = ""  # type: ignore[attr-defined]
    tx.source_url = None  # type: ignore[attr-defined]
    if tx.source_type_id is None:
        return
    kind = tx.source_type.name
    tx.source_label = f"{kind[:1].upper()}{kind[1:]} {tx.source_id}"  # type: ignore[attr-defined]
    try:
        tx.source_url = reverse(  # type: ignore[attr-defined]
            f"admin:{tx.source_type.app_label}_{tx.source_type.model}_change", args=[tx.source_id]
        )
    except NoReverseMatch:
        pass


@login_required
def transaction_list(request: HttpRequest, commission_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    commission = get_commission_for_user(user, commission_pk)
    require_perm(user, "commissioning.view_ledgertransaction")
    form = TransactionFilterForm(
        request.GET or None,
        years=list(commission.years.order_by("number")),
        work_streams=list(commission.work_streams.order_by("position", "name")),
        partners=ledger_selectors.ledger_partners(commission),
    )
    sorting = sorting_from(request.GET, TRANSACTION_COLUMNS, default="-number")
    page, page_range = None, []
    if form.is_valid() or not form.is_bound:
        filters = form.filters() if form.is_bound else {}
        found = sort_queryset(ledger_selectors.transaction_list(commission, **filters), sorting, TRANSACTION_COLUMNS)
        paginator = Paginator(found, PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        page_range = list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
        for tx in page:
            _source(tx)
            for posting in tx.postings.all():
                posting.debit = posting.amount if posting.amount > 0 else None
                posting.credit = -posting.amount if posting.amount < 0 else None
    context = {
        "commission": commission,
        "form": form,
        "sorting": sorting,
        "page": page,
        "page_range": page_range,
        "ellipsis": Paginator.ELLIPSIS,
        "filtered": form.is_bound and form.is_valid() and any(form.cleaned_data.get(f) for f in form.fields),
    }
    return render(request, "commissioning/transaction_list.html", context)
