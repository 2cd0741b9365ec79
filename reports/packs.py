"""A commission's reports in one zip ("Download all reports"): the fund statement for a year, each partner's
statement for the same year and each decision's report, made by a background job (reports/tasks.py) with one
item per PDF, so the job's page shows how far it has got and a report that failed can be made again alone.

Each PDF is rendered by the same code as its own download (`fund-statement-pdf`, `partner-statement-pdf`,
`decision-pdf`): a published decision's report is its stored snapshot, byte for byte; any other is rendered live,
as the officer's download is (nothing redacted).
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from commissioning import job_services
from commissioning.models import Commission, FinancialYear, Job, JobItem, User
from commissioning.models.jobs import job_item_output_prefix
from partners.models import Partner
from reports import decision_documents, selectors
from reports.models import Decision
from reports.pdf import render_pdf

FUND_STATEMENT = "fund-statement"
PARTNER_STATEMENT = "partner-statement"
DECISION_REPORT = "decision-report"


def pack_partners(commission: Commission) -> QuerySet[Partner]:
    """The partners with a statement in the pack: the commission's members and its host."""
    return (
        Partner.objects.filter(Q(memberships__commission=commission) | Q(hosted_commissions=commission))
        .distinct()
        .order_by("name", "pk")
    )


@transaction.atomic
def report_pack_start(*, commission: Commission, year: FinancialYear, by: User) -> Job:
    """Queue a job that makes every report of the commission for `year` and zips them; one item per PDF. The task
    is enqueued once this transaction commits."""
    from reports import tasks  # the tasks module imports this one

    items = [job_services.ItemInput(label=f"Fund statement {year.label}", key=f"{FUND_STATEMENT}:{year.pk}")]
    items += [
        job_services.ItemInput(
            label=f"Statement of {partner.name} {year.label}", target=partner, key=f"{PARTNER_STATEMENT}:{year.pk}"
        )
        for partner in pack_partners(commission)
    ]
    items += [
        job_services.ItemInput(label=f"Decision {decision.reference}: report", target=decision, key=DECISION_REPORT)
        for decision in commission.decisions.order_by("reference_year", "number", "pk")
    ]
    job = job_services.job_create(
        kind=Job.Kind.REPORT_PACK,
        label=f"All reports of {commission.name}, {year.label}",
        by=by,
        commission=commission,
        items=items,
    )
    transaction.on_commit(lambda: tasks.report_pack_task.enqueue(job.pk))
    return job


def item_render(item: JobItem, *, commission: Commission, generated_by: User | None) -> tuple[str, bytes]:
    """One item's PDF, and its path in the zip."""
    kind, _, year_pk = item.key.partition(":")
    if kind == FUND_STATEMENT:
        period = selectors.ReportPeriod(year=commission.years.get(pk=year_pk))
        report = selectors.fund_statement_report(commission, period=period)
        context = {"report": report, "generated_at": timezone.now(), "generated_by": generated_by}
        return f"fund-statement-{period.slug}.pdf", render_pdf("reports/pdf/fund_statement.html", context)
    if kind == PARTNER_STATEMENT:
        partner = Partner.objects.get(pk=item.target_id)
        period = selectors.ReportPeriod(year=commission.years.get(pk=year_pk))
        report = selectors.partner_statement_report(commission, partner, period=period)
        pdf = render_pdf("partners/pdf/partner_statement.html", {"report": report, "generated_at": timezone.now()})
        return f"partner-statements/{slugify(partner.name)}-{partner.pk}-{period.slug}.pdf", pdf
    if kind == DECISION_REPORT:
        decision = Decision.objects.get(pk=item.target_id, commission=commission)
        name = decision.reference.replace("/", "-")
        snapshot = decision.snapshots.order_by("-version").first()  # type: ignore[attr-defined]
        if decision.status == Decision.Status.PUBLISHED and snapshot is not None:
            return f"decisions/{name}-report-v{snapshot.version}.pdf", bytes(snapshot.pdf)
        data = decision_documents.document_context(decision, public=False)
        return f"decisions/{name}-draft-report.pdf", decision_documents.report_pdf(data)
    raise ValueError(f"Not an item of a report pack: {item.key!r}")


def pack_zip(job: Job, *, made_at: datetime | None = None) -> bytes:
    """The zip of the job's items that are done, each under the path it was made with (`item_render`)."""
    buffer = io.BytesIO()
    made = timezone.localtime(made_at or timezone.now())
    stamp = (made.year, made.month, made.day, made.hour, made.minute, made.second)
    prefix = job_item_output_prefix(job.pk)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in job.items.filter(status=JobItem.Status.DONE).exclude(output="").order_by("position"):
            with item.output.open("rb") as pdf:
                archive.writestr(zipfile.ZipInfo(item.output.name.removeprefix(prefix), stamp), pdf.read())
    return buffer.getvalue()


def pack_file_name(job: Job) -> str:
    commission = job.commission
    return f"reports-{slugify(commission.name) if commission else 'commission'}-{job.pk}.zip"
