"""The REST API's shared pieces, and the core's own read endpoints (`commissions`, `financial-years`).

- `RolePermissions`: the page permissions, as Django model permissions, for every method, reading included.
- `MoneyField`, `FinancialYearField`: money as decimal strings, financial years as `2013/14`, both ways.
- `CommissionFilter`: `?commission=<id>` on list endpoints, applied after the caller's scope.
- `exception_handler`: a service's Django `ValidationError` becomes a 400 carrying its message.

This module imports no other app of the project: the endpoints of `partners/` and `allocations/` build on it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters, permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from commissioning import financial_years, selectors
from commissioning.models import Commission, FinancialYear
from commissioning.money import MoneyError, to_money

# Permissions ----------------------------------------------------------------------------------------------


class RolePermissions(permissions.DjangoModelPermissions):
    """Each method needs the model permission the pages need: `view_` to read, `add_` to create, `change_` to edit.

    DRF's own `DjangoModelPermissions` lets any signed-in user read; here reading needs `view_`, so an outsider
    or a partner login gets 403 from a staff resource, as from its page. An action that writes more than its
    model (an override, drafting requests) names its permissions in the view's `action_permissions`; a view that
    is not a viewset names them in `required_permissions`.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: APIView) -> bool:
        action_permissions: dict[str, Sequence[str]] = getattr(view, "action_permissions", {})
        required: Sequence[str] | None = action_permissions.get(getattr(view, "action", None) or "")
        if required is None:
            required = getattr(view, "required_permissions", None)  # a plain view's own, for reading included
        if required is not None:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(required))
        return super().has_permission(request, view)


def may_use_api(user: Any) -> bool:
    """Whether a signed-in user has any part of the API to use: staff who read commissions, or a partner login
    (its own partner's requests). Others are refused the schema and the reference too, as they are every page."""
    return bool(user.is_authenticated and (user.partner_id or user.has_perm("commissioning.view_commission")))


class ApiUsers(permissions.BasePermission):
    """For the schema: see `may_use_api`."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may_use_api(request.user)


def scoped(queryset: QuerySet[Any], user: Any, permission: str) -> QuerySet[Any]:
    """The queryset for a caller who holds `permission`, else nothing.

    Permission classes refuse such a caller first; scoping the queryset as well means a view that forgets its
    permission class still shows nothing, because DRF applies no object permission to a list.
    """
    return queryset if user.has_perm(permission) else queryset.none()


# Fields ---------------------------------------------------------------------------------------------------

# Up to 13 whole digits keeps every amount inside the database's integer pence (9.2 × 10^18).
_MONEY_TEXT = re.compile(r"^-?\d{1,13}(\.\d+)?$")
MONEY_SCHEMA = {
    "type": "string",
    "format": "decimal",
    "pattern": r"^-?\d{1,13}(\.\d{1,2})?$",
    "example": "1502449.00",
    "description": "Pounds as a decimal string; never a JSON number.",
}


@extend_schema_field(MONEY_SCHEMA)
class MoneyField(serializers.Field):
    """Pounds as a decimal string both ways: `"1502449.00"` out; `"1502449"` or `"1502449.00"` in.

    A JSON number is refused, not converted: `0.1` has already become a binary float by the time the parser
    hands it over, so the only safe amount is one that was never a number. A fraction of a penny is refused
    rather than rounded, because the sender meant something we would be guessing at.
    """

    default_error_messages = {
        "number": 'Send money as a decimal string such as "1502449.00", not a JSON number.',
        "invalid": 'Send money as a decimal string of pounds such as "1502449.00".',
        "negative": "The amount cannot be negative.",
    }

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        self.allow_negative = allow_negative
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool | int | float | Decimal):
            self.fail("number")
        if not isinstance(data, str) or not _MONEY_TEXT.match(data.strip()):
            self.fail("invalid")
        try:
            amount = to_money(data.strip())
        except MoneyError as error:
            raise serializers.ValidationError(str(error), code="fraction_of_penny") from None
        if amount < 0 and not self.allow_negative:
            self.fail("negative")
        return amount

    def to_representation(self, value: Decimal) -> str:
        return str(to_money(value))


@extend_schema_field(
    {"type": "string", "format": "decimal", "example": "5.00", "description": "A decimal as a string."}
)
class DecimalStringField(serializers.Field):
    """A read-only decimal that is not money (a percentage share), written out exactly as a string."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Decimal) -> str:
        return format(value, "f")


class StrictDecimalField(serializers.DecimalField):
    """A decimal (a weight, a measure) that, like money, must arrive as a string and never as a JSON number."""

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str):
            raise serializers.ValidationError('Send this as a decimal string such as "2.5", not a JSON number.')
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}/\d{2}$", "example": "2013/14"})
class FinancialYearField(serializers.Field):
    """A financial year as `"2013/14"`. Out, from a `FinancialYear`; in, the calendar year it starts in (2013).

    A label names a year only within a commission, so the input serializer finds the `FinancialYear` itself.
    """

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str):
            raise serializers.ValidationError('Write a financial year as a string such as "2013/14".')
        try:
            return financial_years.parse(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value: FinancialYear) -> str:
        return value.label


def financial_year_of(commission: Commission, start_year: int) -> FinancialYear:
    """The commission's financial year starting in `start_year`, or a 400 naming the years it has."""
    year = commission.years.filter(start_year=start_year).first()
    if year is None:
        raise serializers.ValidationError(
            {"financial_year": f"{commission} has no financial year {financial_years.label(start_year)}."}
        )
    return year


class NamedSerializer(serializers.Serializer):
    """A related record as its id and name, for navigation."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


# Filtering and errors -------------------------------------------------------------------------------------


class CommissionFilter(filters.BaseFilterBackend):
    """`?commission=<id>` narrows a list to one commission. It runs after `get_queryset`, so it only ever narrows
    what the caller may already see. A view names the path to the commission in `commission_field`, or filters
    itself in `filter_commission` where the path is not a single lookup."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        raw = request.query_params.get("commission")
        if raw is None or raw == "":
            return queryset
        if not raw.isdigit():
            raise exceptions.ValidationError({"commission": f"{raw!r} is not a commission id."})
        if hasattr(view, "filter_commission"):
            return view.filter_commission(queryset, int(raw))  # type: ignore[no-any-return]
        return queryset.filter(**{view.commission_field: int(raw)})  # type: ignore[attr-defined]

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": "commission",
                "required": False,
                "in": "query",
                "description": "Only the records of this commission (its id).",
                "schema": {"type": "integer"},
            }
        ]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: a Django `ValidationError` raised by a service is a 400 with its message.

    Services validate with Django's exception (they serve pages and the admin too); without this DRF would
    let it through as a 500.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    return drf_exception_handler(exc, context)


# The core's endpoints -------------------------------------------------------------------------------------


class CommissionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    host = NamedSerializer()
    target = MoneyField()
    first_year = serializers.SerializerMethodField()
    number_of_years = serializers.IntegerField()
    period = serializers.CharField(source="period_label")
    status = serializers.ChoiceField(choices=Commission.Status.choices)
    partner_count = serializers.IntegerField()
    work_stream_count = serializers.IntegerField()

    @extend_schema_field({"type": "string", "pattern": r"^\d{4}/\d{2}$", "example": "2013/14"})
    def get_first_year(self, commission: Commission) -> str:
        return financial_years.label(commission.first_year)


class FinancialYearOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="commission_id")
    number = serializers.IntegerField(help_text="Year 1 is the commission's first.")
    financial_year = FinancialYearField(source="*")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class CommissionViewSet(viewsets.ReadOnlyModelViewSet):
    """Joint commissions: the pooled funds, each with its host, target and period."""

    serializer_class = CommissionOutput
    permission_classes = [RolePermissions]
    queryset = Commission.objects.none()  # the model, for RolePermissions; get_queryset gives the rows

    def get_queryset(self) -> QuerySet[Commission]:
        return scoped(selectors.commission_list(), self.request.user, "commissioning.view_commission")


class FinancialYearViewSet(viewsets.ReadOnlyModelViewSet):
    """Commissions' financial years, 1 April to 31 March, written `2013/14`."""

    serializer_class = FinancialYearOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter]
    commission_field = "commission"
    queryset = FinancialYear.objects.none()

    def get_queryset(self) -> QuerySet[FinancialYear]:
        years = FinancialYear.objects.order_by("commission_id", "number")
        return scoped(years, self.request.user, "commissioning.view_financialyear")
