"""Decision records under `/api/v1/decisions/`: read by staff, moved through sign-off by actions that need the
same permissions as the pages (`submit`, `sign-off`, `decide`, `return-to-draft`, `publish`). `pdf` downloads the
decision's document: the published one from its snapshot, byte for byte, or else the report (the cabinet report or
the PCC decision report) rendered live. Partner logins see none."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from commissioning.api import CommissionFilter, RolePermissions, scoped
from commissioning.funding_api import valid
from reports import decision_documents, decision_selectors, decision_services, publication_services
from reports.models import Decision, DecisionEvent, DecisionRecommendation, SectionKey, SignOffRole
from reports.pdf import pdf_response


class RecommendationOutput(serializers.Serializer):
    number = serializers.IntegerField()
    numeral = serializers.CharField(help_text="As printed: i, ii, iii.")
    text = serializers.CharField()
    result = serializers.ChoiceField(choices=DecisionRecommendation.Result.choices, allow_blank=True)
    amendment = serializers.CharField()


class SignOffOutput(serializers.Serializer):
    role = serializers.ChoiceField(choices=SignOffRole.choices)
    printed_name = serializers.CharField()
    signed_by = serializers.CharField(source="signed_by.username", allow_null=True)
    signed_at = serializers.DateTimeField()
    comment = serializers.CharField()


class DecisionEventOutput(serializers.Serializer):
    action = serializers.ChoiceField(choices=DecisionEvent.Action.choices)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.CharField(source="by.username", allow_null=True, help_text="Empty: the system.")
    note = serializers.CharField()


class LinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class PlanVersionLink(serializers.Serializer):
    number = serializers.IntegerField()
    label = serializers.CharField()


class SectionOutput(serializers.Serializer):
    key = serializers.ChoiceField(choices=SectionKey.choices)
    body = serializers.CharField(help_text="Markdown, as written.")
    exempt = serializers.BooleanField(help_text="Part II: withheld from the published report.")


class SnapshotOutput(serializers.Serializer):
    version = serializers.IntegerField()
    sha256 = serializers.CharField(help_text="SHA-256 of the published PDF's bytes.")
    data_sha256 = serializers.CharField(help_text="SHA-256 of the report's data, printed in the PDF's footer.")
    created_at = serializers.DateTimeField()


class DecisionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="commission_id")
    template = serializers.CharField(source="template.name")
    kind = serializers.CharField(source="template.kind")
    sign_off_roles = serializers.ListField(source="template.sign_off_roles", child=serializers.CharField())
    classification = serializers.CharField(source="template.classification")
    reference = serializers.CharField()
    title = serializers.CharField()
    decision_maker = serializers.CharField()
    is_key = serializers.BooleanField()
    key_reason = serializers.CharField()
    status = serializers.ChoiceField(choices=Decision.Status.choices)
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices, allow_blank=True)
    amendments = serializers.CharField()
    notice_published_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    decided_on = serializers.DateField(allow_null=True)
    effective_from = serializers.DateField(allow_null=True)
    subject_to_call_in = serializers.BooleanField()
    divisions_affected = serializers.CharField()
    contact_name = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    reasons = serializers.CharField()
    alternatives_rejected = serializers.CharField()
    conflicts_of_interest = serializers.CharField()
    recommendations = RecommendationOutput(source="recommendations.all", many=True)
    sign_offs = SignOffOutput(source="sign_offs.all", many=True)
    history = DecisionEventOutput(source="events.all", many=True)
    reserve_drawdowns = LinkOutput(source="reserve_drawdowns.all", many=True, help_text="Drawdowns it approved.")
    carry_forwards = LinkOutput(source="carry_forwards.all", many=True, help_text="Carry-forwards it approved.")
    plan_versions = PlanVersionLink(source="plan_versions.all", many=True, help_text="Plan versions frozen for it.")
    published_on = serializers.DateField(allow_null=True)
    schedule_12a_paragraph = serializers.IntegerField(allow_null=True)
    public_interest_reason = serializers.CharField()
    sections = SectionOutput(source="sections.all", many=True, help_text="The report's prose sections.")
    snapshots = SnapshotOutput(source="snapshots.all", many=True, help_text="Published versions, oldest first.")


class SignOffInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=SignOffRole.choices)
    printed_name = serializers.CharField(required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ResultInput(serializers.Serializer):
    number = serializers.IntegerField(min_value=1)
    result = serializers.ChoiceField(choices=DecisionRecommendation.Result.choices)
    amendment = serializers.CharField(required=False, allow_blank=True, default="")


class DecideInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    decided_on = serializers.DateField()
    effective_from = serializers.DateField(required=False, allow_null=True, default=None)
    amendments = serializers.CharField(required=False, allow_blank=True, default="")
    results = ResultInput(many=True, help_text="Each recommendation's result, by its number.")


class ReturnInput(serializers.Serializer):
    reason = serializers.CharField()


class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Decision records with their recommendations, sign-offs, history and the funding they approve."""

    serializer_class = DecisionOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter]
    commission_field = "commission"
    queryset = Decision.objects.none()
    action_permissions = {
        "submit": ("reports.view_decision", "reports.change_decision"),
        "sign_off": ("reports.view_decision",),  # the service checks who may sign which role
        "decide": ("reports.view_decision", "commissioning.sign_off_decision"),
        "return_to_draft": ("reports.view_decision",),  # officers or sign-off holders, checked below
        "publish": ("reports.view_decision", "reports.change_decision"),
        "pdf": ("reports.view_decision",),
    }

    def get_queryset(self) -> Any:
        return scoped(decision_selectors.decision_for_api(), self.request.user, "reports.view_decision")

    def _output(self, decision: Decision) -> Response:
        return Response(DecisionOutput(decision_selectors.decision_for_api().get(pk=decision.pk)).data)

    @extend_schema(request=None, responses={200: DecisionOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit a draft for sign-off (officers)."""
        decision = self.get_object()
        decision_services.decision_submit(decision=decision, by=request.user)  # type: ignore[arg-type]
        return self._output(decision)

    @extend_schema(request=SignOffInput, responses={200: DecisionOutput})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str) -> Response:
        """Sign one required role (sign-off holders; the report author's role also the officer who submitted)."""
        decision = self.get_object()
        data = valid(SignOffInput, request)
        decision_services.decision_sign_off(decision=decision, by=request.user, **data)  # type: ignore[arg-type]
        return self._output(decision)

    @extend_schema(request=DecideInput, responses={200: DecisionOutput})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        """Record the decision on a signed-off decision: outcome, date and each recommendation's result."""
        decision = self.get_object()
        data = valid(DecideInput, request)
        results = {
            row["number"]: decision_services.RecommendationResult(row["result"], row["amendment"])
            for row in data.pop("results")
        }
        decision_services.decision_decide(decision=decision, results=results, by=request.user, **data)  # type: ignore[arg-type]
        return self._output(decision)

    @extend_schema(request=ReturnInput, responses={200: DecisionOutput})
    @action(detail=True, methods=["post"], url_path="return-to-draft")
    def return_to_draft(self, request: Request, pk: str) -> Response:
        """Return a submitted or signed-off decision to draft, with the reason; its sign-offs are cleared."""
        user = request.user
        if not (user.has_perm("reports.change_decision") or user.has_perm("commissioning.sign_off_decision")):
            raise PermissionDenied
        decision = self.get_object()
        data = valid(ReturnInput, request)
        decision_services.decision_return_to_draft(decision=decision, by=user, **data)  # type: ignore[arg-type]
        return self._output(decision)

    @extend_schema(request=None, responses={200: DecisionOutput})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Publish a decided decision: its public report and PDF are frozen in a snapshot with their SHA-256."""
        decision = self.get_object()
        publication_services.decision_publish(decision=decision, by=request.user)  # type: ignore[arg-type]
        return self._output(decision)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        """The decision's PDF: once published, the snapshot's bytes (header `X-Content-SHA256`); before, the report
        (the cabinet report or the PCC decision report) as it stands, nothing redacted."""
        decision = self.get_object()
        snapshot = decision.snapshots.order_by("-version").first()  # type: ignore[attr-defined]
        if snapshot is not None:
            content = bytes(snapshot.pdf)
        else:
            data = decision_documents.document_context(decision, public=False)
            content = decision_documents.report_pdf(data)
        response = pdf_response(content, f"{decision.reference.replace('/', '-')}.pdf")
        if snapshot is not None:
            response["X-Content-SHA256"] = snapshot.sha256
        return response
