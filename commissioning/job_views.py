"""Background jobs' pages: the recent jobs, one job with its progress bar and items, the progress fragment the job's
page polls (htmx) while the job runs, retrying the failed items, and downloading what the job made.

Staff who may read commissions and jobs (officer, manager, auditor) see every page; only an officer retries. Partner
finance leads and users without a role are refused (403), as on the commission's other pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import job_selectors, job_services
from commissioning.access import get_commission_for_user, require_perm
from commissioning.job_selectors import JobProgress
from commissioning.models import Job, User

VIEW = "commissioning.view_job"
RETRY = "commissioning.change_job"
PAGE_SIZE = 25
POLL_EVERY = "every 2s"
# What the progress text calls one item of each kind of job, and what happens to it: "7 of 12 letters sent".
ITEM_WORDS = {
    Job.Kind.ISSUE_LETTERS: ("letter", "letters", "sent"),
    Job.Kind.REPORT_PACK: ("report", "reports", "made"),
    Job.Kind.TABLE_IMPORT: ("file", "files", "imported"),
}
STATUS_TAGS = {
    Job.Status.QUEUED: "govuk-tag--grey",
    Job.Status.RUNNING: "govuk-tag--blue",
    Job.Status.FINISHED: "govuk-tag--green",
    Job.Status.FINISHED_WITH_FAILURES: "govuk-tag--orange",
    Job.Status.FAILED: "govuk-tag--red",
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _staff_reading_jobs(user: User) -> None:
    require_perm(user, "commissioning.view_commission")
    require_perm(user, VIEW)


def _get_job_for_user(request: HttpRequest, pk: int, *, perm: str = VIEW) -> Job:
    user = _user(request)
    _staff_reading_jobs(user)
    require_perm(user, perm)
    try:
        return job_selectors.job_with_progress(pk)
    except Job.DoesNotExist:
        raise Http404 from None


def progress_text(job: Job, progress: JobProgress) -> str:
    """The progress in words, e.g. "7 of 12 letters sent, 1 failed"."""
    one, many, verb = ITEM_WORDS.get(job.kind, ("item", "items", "done"))  # type: ignore[call-overload]
    text = f"{progress.done} of {progress.total} {one if progress.total == 1 else many} {verb}"
    if progress.failed:
        text += f", {progress.failed} failed"
    return text


def _version(job: Job, progress: JobProgress) -> str:
    """Changes whenever what the fragment shows changes; the poll sends it back, and an unchanged job gets 204."""
    return f"{job.status}-{progress.done}-{progress.failed}-{progress.running}"


def progress_context(request: HttpRequest, job: Job) -> dict[str, object]:
    """What `partials/job_progress.html` needs, for the job's page and for any page that shows a job's progress
    (an import's page); `job` comes from `job_selectors` with its counts."""
    progress = job_selectors.progress_of(job)
    return {
        "job": job,
        "progress": progress,
        "progress_text": progress_text(job, progress),
        "version": _version(job, progress),
        "poll_every": POLL_EVERY,
        "status_tag": STATUS_TAGS[job.status],  # type: ignore[index]
        "may_retry": _user(request).has_perm(RETRY) and job.is_finished and progress.failed > 0,
    }


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _staff_reading_jobs(user)
    commission = None
    if request.GET.get("commission", "").isdigit():
        commission = get_commission_for_user(user, int(request.GET["commission"]))
    paginator = Paginator(job_selectors.job_list(commission=commission), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [(job, progress_text(job, job_selectors.progress_of(job)), STATUS_TAGS[job.status]) for job in page]  # type: ignore[index]
    context = {
        "commission": commission,
        "page": page,
        "rows": rows,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        "ellipsis": Paginator.ELLIPSIS,
    }
    return render(request, "commissioning/job_list.html", context)


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job_for_user(request, pk)
    context = {
        **progress_context(request, job),
        "items": job_selectors.job_items(job),
        "jobs_url": _jobs_url(job.commission_id),
    }
    return render(request, "commissioning/job_detail.html", context)


def _jobs_url(commission_pk: int | None) -> str:
    url = reverse("job-list")
    return f"{url}?commission={commission_pk}" if commission_pk else url


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment. Polled by htmx while the job runs: 204 (nothing to swap) when nothing has changed
    since the version the page shows; otherwise the fragment, and the items table swapped out of band."""
    job = _get_job_for_user(request, pk)
    context = progress_context(request, job)
    is_htmx = request.headers.get("HX-Request") == "true"
    if is_htmx and request.GET.get("seen") == context["version"]:
        return HttpResponse(status=204)
    if not is_htmx:
        return render(request, "commissioning/partials/job_progress.html", context)
    if not _polled_from_job_page(request, job):
        # Another page showing the job (an import's): once the job has finished, that page itself says how it
        # ended, so htmx reloads it rather than swapping in the fragment.
        response = render(request, "commissioning/partials/job_progress.html", context)
        if job.is_finished:
            response["HX-Refresh"] = "true"
        return response
    context["items"] = job_selectors.job_items(job)
    return render(request, "commissioning/partials/job_progress_update.html", context)


def _polled_from_job_page(request: HttpRequest, job: Job) -> bool:
    current = urlsplit(request.headers.get("HX-Current-URL", "")).path
    return current == reverse("job-detail", args=[job.pk])


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job_for_user(request, pk, perm=RETRY)
    try:
        count = job_services.job_items_retry(job=job, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{count} failed item{'s are' if count != 1 else ' is'} being tried again.")
    return redirect("job-detail", pk=job.pk)


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    """What the job made (a zip of reports), once it has finished; never served from a public URL."""
    job = _get_job_for_user(request, pk)
    if not job.is_finished or not job.result:
        raise Http404
    name = job.result.name.rsplit("/", 1)[-1]
    return FileResponse(job.result.open("rb"), as_attachment=True, filename=name)
