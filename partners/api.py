"""Partners' endpoints: `requests`, the contribution requests, read-only, each with the provenance of its amount.

Requests are drafted through `formulas/{id}/draft-requests/` (allocations/api.py), where the formula lives.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from commissioning.api import CommissionFilter, FinancialYearField, MoneyField, NamedSerializer, RolePermissions
from partners import selectors
from partners.models import ContributionRequest


class RequestReaders(permissions.BasePermission):
    """Reading: a partner login (it sees only its own partner's requests) or staff holding the view permission.

    A partner login holds no model permission, so `RolePermissions` alone would refuse the one person a request is
    addressed to; anything but reading still goes through `RolePermissions`.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method not in permissions.SAFE_METHODS:
            return RolePermissions().has_permission(request, view)
        return bool(user.partner_id) or user.has_perm("partners.view_contributionrequest")


class FormulaReference(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()


class ContributionRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="commission_id")
    partner = NamedSerializer(help_text="The partner as it is now.")
    partner_name = serializers.CharField(help_text="The partner's name when the request was made.")
    financial_year = FinancialYearField()
    formula = FormulaReference(allow_null=True)
    amount = MoneyField()
    status = serializers.ChoiceField(choices=ContributionRequest.Status.choices)
    provenance = serializers.JSONField(
        help_text="How the amount was computed: the formula, its method, inputs, weights and rounding step."
    )
    created_at = serializers.DateTimeField()


class ContributionRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """Contribution requests: what a commission asks each partner for each financial year, and how it got there."""

    serializer_class = ContributionRequestOutput
    permission_classes = [RequestReaders]
    filter_backends = [CommissionFilter]
    commission_field = "commission"
    queryset = ContributionRequest.objects.none()

    def get_queryset(self) -> QuerySet[ContributionRequest]:
        return selectors.visible_requests(self.request.user)
