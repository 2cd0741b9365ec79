"""The ledger's endpoint: `transactions`, each with its postings and source, read-only (the ledger is written by
`commissioning.ledger` alone), filterable by commission, financial year, kind, partner and work-stream."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters, serializers, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from commissioning import financial_years, ledger_selectors
from commissioning.api import CommissionFilter, FinancialYearField, MoneyField, RolePermissions, scoped
from commissioning.models import Account, LedgerTransaction

# Output ---------------------------------------------------------------------------------------------------


class AccountOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Account.Kind.choices)
    financial_year = FinancialYearField(allow_null=True)
    partner = serializers.IntegerField(source="partner_id", allow_null=True)
    work_stream = serializers.IntegerField(source="work_stream_id", allow_null=True)
    reserve = serializers.IntegerField(source="reserve_id", allow_null=True)


class PostingOutput(serializers.Serializer):
    account = AccountOutput()
    amount = MoneyField(allow_negative=True, help_text="Positive is a debit, negative a credit.")


class SourceOutput(serializers.Serializer):
    type = serializers.CharField(help_text="The source's model, such as `commissioning.reserve`.")
    id = serializers.IntegerField()


class TransactionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="commission_id")
    number = serializers.IntegerField(help_text="Position in the commission's ledger, from 1.")
    financial_year = FinancialYearField()
    kind = serializers.ChoiceField(choices=LedgerTransaction.Kind.choices)
    date = serializers.DateField()
    narrative = serializers.CharField()
    posted_at = serializers.DateTimeField()
    posted_by = serializers.CharField(source="posted_by.username", allow_null=True, default=None)
    source = serializers.SerializerMethodField()
    source_reference = serializers.CharField()
    reverses = serializers.IntegerField(
        source="reverses.number", allow_null=True, default=None, help_text="The number of the transaction reversed."
    )
    reversed_by = serializers.SerializerMethodField()
    postings = PostingOutput(many=True)
    digest = serializers.CharField(help_text="SHA-256 of the previous transaction's digest and this one.")

    @extend_schema_field(SourceOutput(allow_null=True))
    def get_source(self, tx: LedgerTransaction) -> dict[str, Any] | None:
        if tx.source_type_id is None:
            return None
        return {"type": f"{tx.source_type.app_label}.{tx.source_type.model}", "id": tx.source_id}

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="The number of its reversal."))
    def get_reversed_by(self, tx: LedgerTransaction) -> int | None:
        reversal = getattr(tx, "reversed_by", None)
        return reversal.number if reversal is not None else None


# Filtering ------------------------------------------------------------------------------------------------

_FILTERS = (
    ("financial_year", "string", "Transactions of this financial year (`2013/14`) and those that post into it."),
    ("kind", "string", "Transactions of this kind, such as `pledge_accepted`."),
    ("partner", "integer", "Transactions posting to this partner's accounts (its id)."),
    ("work_stream", "integer", "Transactions posting to this work-stream's accounts (its id)."),
)


class TransactionFilter(filters.BaseFilterBackend):
    """`?financial_year=2013/14&kind=…&partner=<id>&work_stream=<id>`; a value that names nothing is a 400."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        params = request.query_params
        start_year = kind = partner_id = work_stream_id = None
        if params.get("financial_year"):
            try:
                start_year = financial_years.parse(params["financial_year"])
            except ValueError as error:
                raise exceptions.ValidationError({"financial_year": [str(error)]}) from None
        if params.get("kind"):
            kind = params["kind"]
            if kind not in LedgerTransaction.Kind.values:
                known = ", ".join(LedgerTransaction.Kind.values)
                raise exceptions.ValidationError(
                    {"kind": [f"{kind!r} is not a kind of transaction; use one of {known}."]}
                )
        partner_id, work_stream_id = self._id(params, "partner"), self._id(params, "work_stream")
        return ledger_selectors.transactions_narrowed(
            queryset, start_year=start_year, kind=kind or "", partner_id=partner_id, work_stream_id=work_stream_id
        )

    @staticmethod
    def _id(params: Any, name: str) -> int | None:
        raw = params.get(name)
        if not raw:
            return None
        if not raw.isdigit():
            raise exceptions.ValidationError({name: [f"{raw!r} is not an id."]})
        return int(raw)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {"name": name, "required": False, "in": "query", "description": description, "schema": {"type": kind}}
            for name, kind, description in _FILTERS
        ]


class TransactionViewSet(viewsets.ReadOnlyModelViewSet):
    """The pooled-fund ledger's transactions, latest first within each commission, each with its postings (positive
    a debit, negative a credit) and its source. Read-only: a correction is a reversal, posted by the services."""

    serializer_class = TransactionOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter, TransactionFilter]
    commission_field = "commission"
    queryset = LedgerTransaction.objects.none()

    def get_queryset(self) -> QuerySet[LedgerTransaction]:
        return scoped(ledger_selectors.transaction_list(), self.request.user, "commissioning.view_ledgertransaction")
