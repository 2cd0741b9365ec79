"""Pages for a decision's report and its publication: the HTML preview, the PDFs (draft, published, notice), the
prose sections, redactions, and publishing.

Reading needs `reports.view_decision` (officers, managers, auditors), like the decision's page; writing needs
`reports.change_decision` (officers). A partner login is refused at the commission (403), as on every decision
page. A published report is served from its snapshot, byte for byte; anything else is rendered live.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning.forms import form_errors
from reports import decision_documents, publication_services
from reports.decision_forms import RedactionForm, SectionsForm
from reports.decision_views import CHANGE, _commission, _decision, _form_page, _to_decision, _user
from reports.models import Decision, DecisionRedaction, DecisionSnapshot
from reports.pdf import pdf_response


def _pdf(content: bytes, decision: Decision, what: str) -> HttpResponse:
    return pdf_response(content, f"{decision.reference.replace('/', '-')}-{what}.pdf")


def _latest_snapshot(decision: Decision) -> DecisionSnapshot:
    snapshot = decision.snapshots.order_by("-version").first()  # type: ignore[attr-defined]
    if snapshot is None:
        raise Http404("Not published.")
    return snapshot  # type: ignore[no-any-return]


@login_required
def decision_preview(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    """The report (the cabinet report or the PCC decision report) as the PDF's own HTML, live. `?version=public`
    shows it as it would be published: redactions replaced and exempt sections withheld."""
    commission = _commission(request, commission_pk)
    decision = _decision(commission, pk)
    public = request.GET.get("version") == "public"
    data = decision_documents.document_context(decision, public=public)
    template = decision_documents.report_template(decision)
    back_url = reverse("decision-detail", args=[commission.pk, decision.pk])
    html = render_to_string(template, {"doc": data, "stamp": None, "back_url": back_url}, request=request)
    return HttpResponse(html)


@login_required
def decision_pdf(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    """The report as it stands (internal: nothing redacted); a published one is its snapshot."""
    commission = _commission(request, commission_pk)
    decision = _decision(commission, pk)
    if decision.status == Decision.Status.PUBLISHED:
        return redirect("decision-published-pdf", commission_pk=commission.pk, pk=decision.pk)
    data = decision_documents.document_context(decision, public=False)
    return _pdf(decision_documents.report_pdf(data), decision, "draft-report")


@login_required
def decision_published_pdf(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    """The published report, exactly as stored at publication."""
    commission = _commission(request, commission_pk)
    decision = _decision(commission, pk)
    snapshot = _latest_snapshot(decision)
    response = _pdf(bytes(snapshot.pdf), decision, f"report-v{snapshot.version}")
    response["X-Content-SHA256"] = snapshot.sha256
    return response


@login_required
def decision_notice_pdf(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    """The decision notice (seed 001), a separate document from the report: live, in its public form once
    published."""
    commission = _commission(request, commission_pk)
    decision = _decision(commission, pk)
    published = decision.status == Decision.Status.PUBLISHED
    data = decision_documents.document_context(decision, public=published)
    return _pdf(decision_documents.notice_pdf(data), decision, "notice")


@login_required
def decision_sections(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, CHANGE)
    decision = _decision(commission, pk)
    form = SectionsForm(
        request.POST if request.method == "POST" else None,
        kind=decision.template.kind,
        initial=SectionsForm.initial_for(decision),
    )
    if request.method == "POST" and form.is_valid():
        try:
            publication_services.sections_update(
                decision=decision,
                sections=form.section_inputs(),
                schedule_12a_paragraph=form.cleaned_data["schedule_12a_paragraph"],
                public_interest_reason=form.cleaned_data["public_interest_reason"],
                by=_user(request),
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"The report's sections for {decision.reference} saved.")
            return _to_decision(decision)
    if not decision.is_editable and request.method == "GET":
        messages.error(
            request,
            f"{decision.reference} is {decision.get_status_display().lower()}: return it to draft to change it.",
        )
        return _to_decision(decision)
    return _form_page(
        request,
        commission,
        decision,
        form=form,
        title=f"The report's sections: {decision.reference}",
        intro="Write each section in Markdown: a blank line between paragraphs, '- ' for a list, **bold**, "
        "[words](https://…) for a link. HTML is shown as text. The tables are generated from the ledger.",
        submit="Save the sections",
    )


@login_required
def decision_redactions(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, CHANGE)
    decision = _decision(commission, pk)
    form = RedactionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            publication_services.redaction_add(
                decision=decision, text=form.cleaned_data["text"], reason=form.cleaned_data["reason"], by=_user(request)
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, "Redaction added.")
            return redirect("decision-redactions", commission_pk=commission.pk, pk=decision.pk)
    context = {
        "commission": commission,
        "decision": decision,
        "redactions": decision.redactions.select_related("created_by").order_by("pk"),  # type: ignore[attr-defined]
        "form": form,
        "may_change": decision.status != Decision.Status.PUBLISHED,
    }
    return render(request, "reports/decisions/decision_redactions.html", context)


@require_POST
@login_required
def redaction_remove(request: HttpRequest, commission_pk: int, pk: int, redaction_pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, CHANGE)
    decision = _decision(commission, pk)
    redaction = get_object_or_404(DecisionRedaction, decision=decision, pk=redaction_pk)
    try:
        publication_services.redaction_remove(redaction=redaction, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Redaction removed.")
    return redirect("decision-redactions", commission_pk=commission.pk, pk=decision.pk)


@require_POST
@login_required
def decision_publish(request: HttpRequest, commission_pk: int, pk: int) -> HttpResponse:
    commission = _commission(request, commission_pk, CHANGE)
    decision = _decision(commission, pk)
    try:
        snapshot = publication_services.decision_publish(decision=decision, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{decision.reference} published as version {snapshot.version}.")
    return _to_decision(decision)
