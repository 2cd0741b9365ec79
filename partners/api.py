"""Partners' endpoints: `requests`, the contribution requests, read-only, each with the provenance of its amount;
the request workflow's `letters` (issue, send a new link), `returns` (accept, query) and `pledges`; and the
partner-facing `pro-forma/{token}/`, which reads and submits a pro-forma with the secure link's token alone.

Requests are drafted through `formulas/{id}/draft-requests/` (allocations/api.py), where the formula lives.
Views parse input with an input serializer, call one service, and render what a selector reads back.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commissioning.api import CommissionFilter, FinancialYearField, MoneyField, NamedSerializer, RolePermissions
from commissioning.models import Commission
from partners import selectors, services
from partners.models import (
    ContributionRequest,
    Partner,
    Pledge,
    ProFormaReturn,
    ProFormaReturnLine,
    RequestEvent,
    RequestLetter,
)


class RequestReaders(permissions.BasePermission):
    """Reading: a partner login (it sees only its own partner's records) or staff holding the view permission
    the view names in `read_permission` (a contribution request's by default).

    A partner login holds no model permission, so `RolePermissions` alone would refuse the one person a request is
    addressed to; anything but reading (an action such as accepting a return) still goes through `RolePermissions`.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method not in permissions.SAFE_METHODS:
            return RolePermissions().has_permission(request, view)
        read_permission = getattr(view, "read_permission", "partners.view_contributionrequest")
        return bool(user.partner_id) or user.has_perm(read_permission)


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


# The request workflow: output --------------------------------------------------------------------------------


class RequestedAmountOutput(serializers.Serializer):
    financial_year = FinancialYearField()
    amount = MoneyField(help_text="What the letter asks for the year, frozen when it was issued.")


class RequestEventOutput(serializers.Serializer):
    action = serializers.ChoiceField(choices=RequestEvent.Action.choices)
    status_from = serializers.CharField(help_text="The letter's status before; empty when it did not change.")
    status_to = serializers.CharField(help_text="The letter's status after; empty when it did not change.")
    at = serializers.DateTimeField()
    by = serializers.SerializerMethodField(help_text="The user's username, or who acted when no one was signed in.")
    note = serializers.CharField()

    @extend_schema_field(serializers.CharField())
    def get_by(self, event: RequestEvent) -> str:
        return event.by.username if event.by is not None else event.by_description


class RequestLetterOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="R{commission}/{number}, as the letter and the pro-forma show it.")
    commission = serializers.IntegerField(source="commission_id")
    partner = NamedSerializer(help_text="The partner as it is now.")
    partner_name = serializers.CharField(help_text="The partner's name when the letter was issued.")
    status = serializers.ChoiceField(choices=RequestLetter.Status.choices)
    deadline = serializers.DateField()
    closes_on = serializers.DateField(help_text="The deadline plus the grace period: the link's last day.")
    grace_days = serializers.IntegerField()
    reminder_days = serializers.ListField(child=serializers.IntegerField(), help_text="Days before the deadline.")
    issued_on = serializers.DateField()
    recipient_email = serializers.SerializerMethodField(help_text="Staff only; empty for a partner login.")
    requests = RequestedAmountOutput(many=True, source="requests.all")
    latest_return = serializers.IntegerField(
        source="latest_return_id", allow_null=True, help_text="The id of the newest return; empty before any."
    )
    events = RequestEventOutput(many=True, source="events.all", help_text="Every change, oldest first.")

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_recipient_email(self, letter: RequestLetter) -> str | None:
        request = self.context.get("request")
        if request is None or getattr(request.user, "partner_id", None):
            return None
        return letter.recipient_email


class ReturnLineOutput(serializers.Serializer):
    financial_year = FinancialYearField()
    requested = MoneyField()
    offered = MoneyField(help_text="0.00 for a year not agreed.")


class ProFormaReturnOutput(serializers.Serializer):
    id = serializers.IntegerField()
    letter = serializers.IntegerField(source="letter_id")
    number = serializers.IntegerField(help_text="1 for the first return; 2 after a query, and so on.")
    option = serializers.ChoiceField(choices=ProFormaReturn.Option.choices)
    years_agreed = serializers.IntegerField(allow_null=True)
    counter_offer = serializers.BooleanField(help_text="Agreed for fewer years or a different amount than asked.")
    organisation = serializers.CharField()
    signed_on = serializers.DateField()
    signatory_name = serializers.CharField()
    signatory_position = serializers.CharField()
    signature = serializers.CharField()
    comment = serializers.CharField()
    in_kind_description = serializers.CharField()
    in_kind_value = MoneyField(allow_null=True)
    submitted_at = serializers.DateTimeField()
    via = serializers.ChoiceField(choices=ProFormaReturn.Via.choices)
    digest = serializers.CharField(help_text="SHA-256 of the return as submitted, as its receipt shows it.")
    lines = ReturnLineOutput(many=True, source="lines.all")


class TransactionNumber(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField(help_text="The transaction's number in the commission's ledger.")


class PledgeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="commission_id")
    partner = NamedSerializer()
    financial_year = FinancialYearField()
    amount = MoneyField()
    pro_forma_return = serializers.IntegerField(
        source="pro_forma_return_id", allow_null=True, help_text="Empty for a pledge recorded without a return."
    )
    transaction = TransactionNumber(help_text="The ledger transaction that posted it.")
    note = serializers.CharField()
    accepted_at = serializers.DateTimeField()


class LinkSentOutput(serializers.Serializer):
    detail = serializers.CharField()


# The request workflow: input ---------------------------------------------------------------------------------


class DeadlineChangeInput(serializers.Serializer):
    """A new deadline and grace period for one request waiting for its reply, and why."""

    deadline = serializers.DateField()
    grace_days = serializers.IntegerField(help_text="Days after the deadline the link still opens (0 to 365).")
    reason = serializers.CharField(max_length=1000, allow_blank=True, help_text="Kept in the request's history.")


class LetterIssueInput(serializers.Serializer):
    """Issue a commission's draft requests as letters: to the partners named, or to every partner with drafts."""

    commission = serializers.PrimaryKeyRelatedField(queryset=Commission.objects.all())
    partners = serializers.PrimaryKeyRelatedField(
        queryset=Partner.objects.all(), many=True, required=False, help_text="Leave out to issue all the drafts."
    )
    deadline = serializers.DateField()
    grace_days = serializers.IntegerField(default=14, help_text="Days after the deadline the link still opens.")
    reminder_days = serializers.ListField(
        child=serializers.IntegerField(), default=[14, 7, 1], help_text="Days before the deadline to remind."
    )
    sender_name = serializers.CharField(max_length=200, allow_blank=True)
    sender_position = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    message = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ReturnQueryInput(serializers.Serializer):
    message = serializers.CharField(
        max_length=4000, allow_blank=True, help_text="What the partner needs to change; sent to them by e-mail."
    )


# The request workflow: views ---------------------------------------------------------------------------------


def _requests_by_year() -> Prefetch:
    requests = ContributionRequest.objects.select_related("financial_year").order_by("financial_year__number")
    return Prefetch("requests", queryset=requests)


def _letters(user: Any) -> QuerySet[RequestLetter]:
    """The letters the user may see, with everything the output shows, in a fixed number of queries."""
    latest = ProFormaReturn.objects.filter(letter=OuterRef("pk")).order_by("-number").values("pk")[:1]
    return (
        selectors.visible_letters(user)
        .annotate(latest_return_id=Subquery(latest))
        .prefetch_related(
            _requests_by_year(),
            Prefetch("events", queryset=RequestEvent.objects.select_related("by").order_by("at", "pk")),
        )
    )


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data  # type: ignore[return-value]


class RequestLetterViewSet(viewsets.ReadOnlyModelViewSet):
    """Request letters: each partner's issued request, its amounts per year, where its reply has got to and its
    history. A partner login sees only its own partner's."""

    serializer_class = RequestLetterOutput
    permission_classes = [RequestReaders]
    read_permission = "partners.view_requestletter"
    filter_backends = [CommissionFilter]
    commission_field = "commission"
    queryset = RequestLetter.objects.none()
    action_permissions = {
        "issue": ("partners.add_requestletter", "partners.change_contributionrequest"),
        "send_link": ("partners.change_requestletter",),
        "deadline": ("partners.change_requestletter",),
    }

    def get_queryset(self) -> QuerySet[RequestLetter]:
        return _letters(self.request.user)

    @extend_schema(request=LetterIssueInput, responses={201: RequestLetterOutput(many=True)})
    @action(detail=False, methods=["post"])
    def issue(self, request: Request) -> Response:
        """Issue the commission's draft requests, to the partners named or to all; each finance lead is e-mailed
        the letter and a secure link by a background job. Refused whole, with every reason, if any cannot be."""
        data = _valid(LetterIssueInput, request)
        options = services.IssueOptions(
            deadline=data["deadline"],
            sender_name=data["sender_name"],
            sender_position=data["sender_position"],
            grace_days=data["grace_days"],
            reminder_days=tuple(data["reminder_days"]),
            message=data["message"],
        )
        letters = services.letters_issue(
            commission=data["commission"],
            options=options,
            by=request.user,  # type: ignore[arg-type]
            partners=data.get("partners"),
        )
        issued = self.get_queryset().filter(pk__in=[letter.pk for letter in letters])
        return Response(self.get_serializer(issued, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: LinkSentOutput})
    @action(detail=True, methods=["post"], url_path="send-link")
    def send_link(self, request: Request, pk: str) -> Response:
        """E-mail the partner's finance lead a new secure link, by a background job."""
        letter = self.get_object()
        services.link_resend(letter, by=request.user)  # type: ignore[arg-type]
        detail = f"A new link to {letter} will be e-mailed to {letter.recipient_email}."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=DeadlineChangeInput, responses={200: RequestLetterOutput})
    @action(detail=True, methods=["post"])
    def deadline(self, request: Request, pk: str) -> Response:
        """Move the deadline and grace period of a request waiting for its reply; the secure links follow."""
        data = _valid(DeadlineChangeInput, request)
        letter = services.letter_deadline_change(letter=self.get_object(), by=request.user, **data)  # type: ignore[arg-type]
        return Response(self.get_serializer(self.get_queryset().get(pk=letter.pk)).data)


def _returns(user: Any) -> QuerySet[ProFormaReturn]:
    return selectors.visible_returns(user)


def _pledges(user: Any) -> QuerySet[Pledge]:
    return selectors.visible_pledges(user)


class ProFormaReturnViewSet(viewsets.ReadOnlyModelViewSet):
    """Pro-forma returns, as the partner submitted them: immutable, each with its lines and digest. A partner
    login sees only its own partner's."""

    serializer_class = ProFormaReturnOutput
    permission_classes = [RequestReaders]
    read_permission = "partners.view_proformareturn"
    filter_backends = [CommissionFilter]
    commission_field = "letter__commission"
    queryset = ProFormaReturn.objects.none()
    action_permissions = {
        "accept": ("partners.change_requestletter", "partners.add_pledge"),
        "query": ("partners.change_requestletter",),
    }

    def get_queryset(self) -> QuerySet[ProFormaReturn]:
        return _returns(self.request.user)

    @extend_schema(request=None, responses={200: PledgeOutput(many=True)})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Accept the return: a pledge per year offered, each posted to the ledger, in one transaction. A decline
        gives no pledge. A return accepted already, or not waiting for review, is refused and nothing changes."""
        pledges = services.return_accept(pro_forma_return=self.get_object(), by=request.user)  # type: ignore[arg-type]
        made = _pledges(request.user).filter(pk__in=[pledge.pk for pledge in pledges])
        return Response(PledgeOutput(made, many=True).data)

    @extend_schema(request=ReturnQueryInput, responses={200: RequestLetterOutput})
    @action(detail=True, methods=["post"])
    def query(self, request: Request, pk: str) -> Response:
        """Send the return back to the partner with a message: the request reopens for one more return."""
        pro_forma_return = self.get_object()
        data = _valid(ReturnQueryInput, request)
        letter = services.return_query(
            pro_forma_return=pro_forma_return,
            message=data["message"],
            by=request.user,  # type: ignore[arg-type]
        )
        fresh = _letters(request.user).get(pk=letter.pk)
        return Response(RequestLetterOutput(fresh, context={"request": request}).data)


class PledgeViewSet(viewsets.ReadOnlyModelViewSet):
    """Pledges: accepted commitments per partner per financial year, each with its ledger transaction. A partner
    login sees only its own partner's."""

    serializer_class = PledgeOutput
    permission_classes = [RequestReaders]
    read_permission = "partners.view_pledge"
    filter_backends = [CommissionFilter]
    commission_field = "commission"
    queryset = Pledge.objects.none()

    def get_queryset(self) -> QuerySet[Pledge]:
        return _pledges(self.request.user)


# The partner's pro-forma, by its secure link ------------------------------------------------------------------


class ProFormaSummaryOutput(serializers.Serializer):
    reference = serializers.CharField()
    commission = serializers.CharField(source="commission.name")
    partner_name = serializers.CharField()
    status = serializers.ChoiceField(choices=RequestLetter.Status.choices)
    deadline = serializers.DateField()
    closes_on = serializers.DateField(help_text="The link's last day: the deadline plus the grace period.")
    requests = RequestedAmountOutput(many=True, source="requests.all")


class ProFormaSubmitInput(serializers.Serializer):
    """The pro-forma: Option 1 (agree, for the first `years_agreed` years, at the amounts asked or at another
    yearly amount) or Option 2 (decline), signed by someone with authority to commit the organisation."""

    _option = "Select Option 1 (agree) or Option 2 (decline)."
    option = serializers.ChoiceField(
        choices=ProFormaReturn.Option.choices, error_messages={"invalid_choice": _option, "required": _option}
    )
    years_agreed = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Option 1: how many years, from the first."
    )
    different_amount = MoneyField(
        required=False, allow_null=True, default=None, help_text="Option 1: a yearly amount other than the one asked."
    )
    organisation = serializers.CharField(max_length=200, allow_blank=True, default="")
    signed_on = serializers.DateField(error_messages={"required": "Enter the date you signed, such as 2013-01-28."})
    signatory_name = serializers.CharField(max_length=200, allow_blank=True, default="")
    signatory_position = serializers.CharField(max_length=200, allow_blank=True, default="")
    signature = serializers.CharField(
        max_length=200, allow_blank=True, default="", help_text="The signatory's full name, typed as a signature."
    )
    authority_confirmed = serializers.BooleanField(
        default=False, help_text="The signatory has authority to commit the organisation."
    )
    comment = serializers.CharField(max_length=4000, allow_blank=True, default="")
    in_kind_description = serializers.CharField(max_length=2000, allow_blank=True, default="")
    in_kind_value = MoneyField(required=False, allow_null=True, default=None)


class RefusedOutput(serializers.Serializer):
    detail = serializers.CharField()


# Wrong, tampered, expired and revoked tokens all get exactly this: nothing tells them apart.
_NOT_FOUND = {"detail": "Not found."}
_TOO_MANY = {"detail": "Too many attempts with links that do not work. Try again later."}
_TOKEN = OpenApiParameter(
    "token", str, OpenApiParameter.PATH, description="The token from the secure link e-mailed to the finance lead."
)


class ProFormaByLink(APIView):
    """The partner's pro-forma, reached with the secure link's token alone, as the page is: no sign-in.

    A token that opens nothing (wrong, tampered, expired, revoked) gets a plain 404, the same for each; a client
    with too many such attempts gets 429 for a while, whatever it sends.
    """

    authentication_classes: list[type] = []  # the token is the credential; no session, so no CSRF to check
    permission_classes = [permissions.AllowAny]

    def _letter(self, request: Request, token: str) -> RequestLetter | Response:
        client = services.client_key(request.META.get("REMOTE_ADDR", ""))
        if services.link_attempts_exceeded(client):
            return Response(_TOO_MANY, status=status.HTTP_429_TOO_MANY_REQUESTS)
        letter = services.letter_for_token(token)
        if letter is None:
            services.link_attempt_rejected(client)
            return Response(_NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        return letter

    @extend_schema(
        parameters=[_TOKEN],
        responses={
            200: ProFormaSummaryOutput,
            404: OpenApiResponse(RefusedOutput, description="The token opens nothing."),
            429: OpenApiResponse(RefusedOutput, description="Too many tokens that open nothing."),
        },
    )
    def get(self, request: Request, token: str) -> Response:
        """The request the token opens: what it asks for each year, and where the reply has got to."""
        letter = self._letter(request, token)
        if isinstance(letter, Response):
            return letter
        if letter.status == RequestLetter.Status.ISSUED:
            services.letter_viewed(letter, by=None)
        prefetch_related_objects([letter], _requests_by_year())
        return Response(ProFormaSummaryOutput(letter).data)

    @extend_schema(
        parameters=[_TOKEN],
        request=ProFormaSubmitInput,
        responses={
            201: ProFormaReturnOutput,
            400: OpenApiResponse(description="Field errors, by field; or why the request cannot take a return."),
            404: OpenApiResponse(RefusedOutput, description="The token opens nothing."),
            429: OpenApiResponse(RefusedOutput, description="Too many tokens that open nothing."),
        },
    )
    def post(self, request: Request, token: str) -> Response:
        """Submit the pro-forma. The return is immutable from then on; a second submission is refused (the
        officer reopens the request by querying the return)."""
        letter = self._letter(request, token)
        if isinstance(letter, Response):
            return letter
        data = _valid(ProFormaSubmitInput, request)
        returned = services.return_submit(
            letter=letter,
            data=services.ReturnInput(**data),
            by=None,
            via=ProFormaReturn.Via.API,
        )
        fresh = ProFormaReturn.objects.prefetch_related(
            Prefetch("lines", queryset=ProFormaReturnLine.objects.select_related("financial_year"))
        ).get(pk=returned.pk)
        return Response(ProFormaReturnOutput(fresh).data, status=status.HTTP_201_CREATED)
