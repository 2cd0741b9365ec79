"""Background jobs: progress counted from their items, letters that are never e-mailed twice however often a job is
retried, the report pack's zip, the progress fragment that stops polling when the job ends, and who may see what."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.text import slugify
from pypdf import PdfReader

from allocations.models import ImportUpload
from commissioning import job_selectors, job_services
from commissioning.models import Job, JobItem
from partners import services as partner_services
from partners import tasks as partner_tasks
from partners.models import OutgoingEmail, RequestLetter
from reports import packs
from tests import factories
from tests.decision_support import cabinet_template, draft
from tests.request_support import IMMEDIATE_TASKS, draft_requests, issue_options

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
CSV = b"Partner,Amount\r\nTotal,16000\r\nPreston,7000\r\nBurnley,9000\r\n"


@pytest.fixture(autouse=True)
def _immediate_tasks_and_media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS
    settings.MEDIA_ROOT = tmp_path / "media"


def _job(n: int, *, kind: str = Job.Kind.ISSUE_LETTERS, commission=None, by=None) -> Job:  # type: ignore[no-untyped-def]
    items = [job_services.ItemInput(label=f"Item {i}", key=f"item-{i}") for i in range(1, n + 1)]
    return job_services.job_create(kind=kind, label="A job", by=by, commission=commission, items=items)


def _run(item: JobItem, *, fail: str = "") -> None:
    assert job_services.job_item_start(item=item)
    if fail:
        job_services.job_item_fail(item=item, error=fail)
    else:
        job_services.job_item_done(item=item)


def _messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(message) for message in get_messages(response.wsgi_request)]


# Progress and transitions -----------------------------------------------------------------------------------------


def test_progress_is_counted_from_the_items_and_the_job_settles_by_how_they_ended(commission):
    """4 items: 2 done, 1 failed, 1 waiting → 3 of 4 settled = 75%; then the last one done → finished with failures."""
    job = _job(4, commission=commission)
    first, second, third, fourth = job.items.order_by("position")
    _run(first)
    _run(second)
    _run(third, fail="It broke.")
    progress = job_selectors.progress_of(job_selectors.job_with_progress(job.pk))
    assert (progress.total, progress.done, progress.failed, progress.waiting, progress.percent) == (4, 2, 1, 1, 75)
    assert job_services.job_finish(job=job).status == Job.Status.RUNNING  # an item still waits: left as it is
    _run(fourth)
    job = job_services.job_finish(job=job)
    assert job.status == Job.Status.FINISHED_WITH_FAILURES
    assert job.started_at <= job.finished_at
    assert JobItem.objects.get(pk=third.pk).error == "It broke."


@pytest.mark.parametrize(("failures", "status"), [(0, Job.Status.FINISHED), (2, Job.Status.FAILED)])
def test_a_job_is_finished_when_every_item_is_done_and_failed_when_every_item_failed(commission, failures, status):
    job = _job(2, commission=commission)
    for position, item in enumerate(job.items.order_by("position")):
        _run(item, fail="No." if position < failures else "")
    assert job_services.job_finish(job=job).status == status


def test_an_item_is_claimed_once_and_an_item_not_in_progress_cannot_be_marked(commission):
    job = _job(1, commission=commission)
    item = job.items.get()
    assert job_services.job_item_start(item=item)
    assert not job_services.job_item_start(item=JobItem.objects.get(pk=item.pk))  # a second run skips it
    job_services.job_item_done(item=item)
    with pytest.raises(ValidationError):
        job_services.job_item_fail(item=item, error="Too late.")
    item.refresh_from_db()
    assert (item.status, item.attempts, item.error) == (JobItem.Status.DONE, 1, "")


def test_a_job_that_stops_fails_its_items_not_done_so_they_can_be_retried(commission):
    job = _job(3, commission=commission)
    _run(job.items.get(position=1))
    job = job_services.job_fail(job=job, error="The worker stopped.")
    assert job.status == Job.Status.FAILED
    statuses = dict(job.items.values_list("position", "status"))
    assert statuses == {1: "done", 2: "failed", 3: "failed"}
    assert job.items.get(position=2).error == job_services.STOPPED


def test_retry_is_refused_while_the_job_runs_and_when_nothing_failed(commission, officer):
    job = _job(1, commission=commission)
    with pytest.raises(ValidationError, match="still running"):
        job_services.job_items_retry(job=job, by=officer)
    _run(job.items.get())
    job = job_services.job_finish(job=job)
    with pytest.raises(ValidationError, match="nothing to retry"):
        job_services.job_items_retry(job=job, by=officer)
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED
    assert job.retried_at is None


# Letters: never e-mailed twice ------------------------------------------------------------------------------------


@pytest.fixture
def drafted(commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    return draft_requests(commission, [(partner_a, "7000"), (partner_b, "12000")])


def _refuse_mail_to(monkeypatch, address: str) -> None:  # type: ignore[no-untyped-def]
    """An SMTP server that refuses one recipient and delivers to everyone else."""
    from django.core.mail import EmailMessage

    deliver = EmailMessage.send

    def send(self, fail_silently=False):  # type: ignore[no-untyped-def]
        if address in self.to:
            raise ConnectionRefusedError("SMTP server refused the recipient")
        return deliver(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", send)


def _issue(commission, officer, capture) -> tuple[Job, RequestLetter, RequestLetter]:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        letters = partner_services.letters_issue(commission=commission, options=issue_options(), by=officer)
    job = Job.objects.get(kind=Job.Kind.ISSUE_LETTERS)
    first, second = sorted(letters, key=lambda letter: letter.partner.name)
    return job, first, second


def _mail_to(letter: RequestLetter) -> list[str]:
    return [message.subject for message in mail.outbox if message.to == [letter.recipient_email]]


def test_a_letter_whose_email_fails_is_retried_with_a_new_link_and_no_one_gets_an_email_twice(
    as_user, officer, commission, drafted, partner_b, monkeypatch, django_capture_on_commit_callbacks
):
    lead_b = partner_services.finance_lead(partner_b)
    _refuse_mail_to(monkeypatch, lead_b.email)
    job, *letters = _issue(commission, officer, django_capture_on_commit_callbacks)
    refused = next(letter for letter in letters if letter.partner == partner_b)
    other = next(letter for letter in letters if letter.partner != partner_b)
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED_WITH_FAILURES
    failed = job.items.get(status=JobItem.Status.FAILED)
    assert failed.target_id == refused.pk
    assert lead_b.email in failed.error
    assert "refused the recipient" in failed.error
    assert job.items.get(target_id=other.pk).status == JobItem.Status.DONE
    monkeypatch.undo()  # the server delivers again

    client = as_user(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("job-retry", args=[job.pk]))
    assert response["Location"] == reverse("job-detail", args=[job.pk])
    assert _messages(response) == ["1 failed item is being tried again."]
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED
    assert job.retried_by == officer
    assert dict(job.items.values_list("target_id", "attempts")) == {other.pk: 1, refused.pk: 2}
    # B: the issue e-mail failed (never delivered), then exactly one new link; A: exactly its issue e-mail.
    assert _mail_to(refused) == [f"{commission}: your link to the pro-forma"]
    assert len(_mail_to(other)) == 1
    keys = dict(OutgoingEmail.objects.filter(letter=refused).values_list("key", "status"))
    assert keys == {f"letter-{refused.pk}:issue": "failed", f"letter-{refused.pk}:link-job{failed.pk}-2": "sent"}
    # Retrying again finds nothing failed; running the job's task again sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("job-retry", args=[job.pk]))
    assert _messages(again)[-1] == "No item of this job failed: there is nothing to retry."
    partner_tasks.letters_send_task.call([refused.pk, other.pk], job.pk)
    assert len(mail.outbox) == 2
    assert OutgoingEmail.objects.filter(status="sent").count() == 2


def test_retrying_a_letter_again_and_again_sends_at_most_one_link_and_none_once_one_has_gone(
    officer, commission, drafted, partner_b, monkeypatch, django_capture_on_commit_callbacks
):
    lead_b = partner_services.finance_lead(partner_b)
    _refuse_mail_to(monkeypatch, lead_b.email)
    job, *letters = _issue(commission, officer, django_capture_on_commit_callbacks)
    refused = next(letter for letter in letters if letter.partner == partner_b)
    # The first retry fails too (the server still refuses): a new key for each attempt, none sent.
    with django_capture_on_commit_callbacks(execute=True):
        assert job_services.job_items_retry(job=Job.objects.get(pk=job.pk), by=officer) == 1
    item = job.items.get(target_id=refused.pk)
    assert (item.status, item.attempts) == (JobItem.Status.FAILED, 2)
    monkeypatch.undo()
    # Meanwhile an officer sends a new link from the letter's page, and it goes.
    with django_capture_on_commit_callbacks(execute=True):
        partner_services.link_resend(refused, by=officer)
    assert len(_mail_to(refused)) == 1
    # Now a retry finds a link has gone: the item is done, and nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        job_services.job_items_retry(job=Job.objects.get(pk=job.pk), by=officer)
    item.refresh_from_db()
    assert (item.status, item.attempts) == (JobItem.Status.DONE, 3)
    assert len(_mail_to(refused)) == 1
    assert Job.objects.get(pk=job.pk).status == Job.Status.FINISHED


def test_issuing_without_email_makes_no_job(officer, commission, drafted):
    partner_services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)
    assert not Job.objects.exists()


# The report pack ----------------------------------------------------------------------------------------------------


@pytest.fixture
def decision(commission, officer):  # type: ignore[no-untyped-def]
    return draft(cabinet_template(commission), officer)


def _start_pack(client, commission, capture, year: str = ""):  # type: ignore[no-untyped-def]
    year = year or str(commission.years.get(number=1).start_year)
    with capture(execute=True):
        return client.post(reverse("report-pack-start", args=[commission.pk]), {"pack-year": year})


def _zip(client, job: Job) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    response = client.get(reverse("job-download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_report_pack_zips_the_fund_statement_each_partner_statement_and_each_decision(
    as_user, officer, commission, partner_a, partner_b, decision, django_capture_on_commit_callbacks
):
    client = as_user(officer)
    response = _start_pack(client, commission, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind=Job.Kind.REPORT_PACK)
    assert response["Location"] == reverse("job-detail", args=[job.pk])
    assert job.status == Job.Status.FINISHED
    year = commission.years.get(number=1).label.replace("/", "-")
    partners = packs.pack_partners(commission)
    assert job.items.count() == 1 + partners.count() + 1  # the fund statement, each partner (and host), a decision
    names = _zip(client, job).namelist()
    assert names[0] == f"fund-statement-{year}.pdf"
    assert {name for name in names if name.startswith("partner-statements/")} == {
        f"partner-statements/{slugify(partner.name)}-{partner.pk}-{year}.pdf" for partner in partners
    }
    assert f"decisions/{decision.reference.replace('/', '-')}-draft-report.pdf" in names
    text = PdfReader(io.BytesIO(_zip(client, job).read(names[0]))).pages[0].extract_text()
    assert commission.name in text
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert reverse("job-download", args=[job.pk]) in page
    assert "hx-trigger" not in page


def test_a_report_that_fails_is_made_again_alone_and_the_zip_then_holds_it(
    as_user, officer, commission, partner_a, decision, monkeypatch, django_capture_on_commit_callbacks
):
    render = packs.item_render

    def failing(item, **kw):  # type: ignore[no-untyped-def]
        if item.key == packs.DECISION_REPORT:
            raise RuntimeError("WeasyPrint ran out of memory")
        return render(item, **kw)

    monkeypatch.setattr(packs, "item_render", failing)
    client = as_user(officer)
    _start_pack(client, commission, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind=Job.Kind.REPORT_PACK)
    assert job.status == Job.Status.FINISHED_WITH_FAILURES
    failed = job.items.get(status=JobItem.Status.FAILED)
    assert failed.error == "This report could not be made. Retry; if it fails again, tell the service's support team."
    assert "WeasyPrint" not in failed.error  # the log has the details, the page a plain reason
    assert not any(name.startswith("decisions/") for name in _zip(client, job).namelist())
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("job-retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED
    assert set(job.items.values_list("attempts", flat=True)) == {1, 2}
    assert job.items.get(pk=failed.pk).attempts == 2  # only the failed report was made again
    assert any(name.startswith("decisions/") for name in _zip(client, job).namelist())


def test_a_pack_for_a_year_not_the_commissions_is_refused_and_starts_nothing(
    as_user, officer, commission, django_capture_on_commit_callbacks
):
    response = _start_pack(as_user(officer), commission, django_capture_on_commit_callbacks, year="1999")
    assert response.status_code == 200
    assert "Select one of the commission&#x27;s financial years" in response.content.decode()
    assert not Job.objects.exists()


# Large imports ------------------------------------------------------------------------------------------------------


@pytest.fixture
def districts(commission):  # type: ignore[no-untyped-def]
    return [
        factories.MembershipFactory(commission=commission, partner=factories.PartnerFactory(name=name))
        for name in ("Preston City Council", "Burnley Borough Council")
    ]


def test_a_refused_background_import_is_a_failed_job_and_a_retry_imports_it_once_the_cause_is_fixed(
    as_user, officer, commission, districts, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    upload = factories.ImportUploadFactory(commission=commission, data=CSV, uploaded_by=officer)
    preston = districts[0]
    partner = preston.partner
    preston.delete()  # between the preview and the run, Preston stops being a partner
    client = as_user(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-confirm", args=[commission.pk, upload.pk]))
    job = Job.objects.get(kind=Job.Kind.TABLE_IMPORT)
    assert job.status == Job.Status.FAILED
    assert job.items.get().error.startswith("The table was not imported")
    factories.MembershipFactory(commission=commission, partner=partner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("job-retry", args=[job.pk]))
    upload.refresh_from_db()
    assert upload.status == ImportUpload.Status.IMPORTED
    assert upload.table_import.contributions.count() == 2
    job.refresh_from_db()
    assert job.status == Job.Status.FINISHED


def test_a_queued_import_page_shows_the_jobs_progress_bar(
    as_user, officer, commission, districts, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # no worker: it stays queued
    upload = factories.ImportUploadFactory(commission=commission, data=CSV, uploaded_by=officer)
    client = as_user(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-confirm", args=[commission.pk, upload.pk]))
    job = Job.objects.get(kind=Job.Kind.TABLE_IMPORT)
    page = client.get(reverse("import-preview", args=[commission.pk, upload.pk])).content.decode()
    assert '<progress id="job-progress-bar" class="app-progress" max="1" value="0">' in page
    assert "0 of 1 file imported" in page
    assert f'hx-get="{reverse("job-progress", args=[job.pk])}?seen=' in page
    # Polled from the import's page once the job has finished, htmx is told to reload that page.
    _run(job.items.get())
    job_services.job_finish(job=job)
    fragment = client.get(
        reverse("job-progress", args=[job.pk]), HTTP_HX_CURRENT_URL=f"http://testserver/x/{upload.pk}/", **HTMX
    )
    assert fragment["HX-Refresh"] == "true"


# The pages and the fragment -----------------------------------------------------------------------------------------


def test_the_fragment_polls_while_the_job_runs_answers_204_when_nothing_changed_and_stops_when_it_ends(
    as_user, auditor, commission
):
    job = _job(3, commission=commission)
    _run(job.items.get(position=1))
    client = as_user(auditor)
    url = reverse("job-progress", args=[job.pk])
    current = {"HTTP_HX_CURRENT_URL": "http://testserver" + reverse("job-detail", args=[job.pk])}
    fragment = client.get(url, **HTMX, **current)
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert 'hx-swap="outerHTML"' in html
    assert "1 of 3 letters sent" in html
    assert '<progress id="job-progress-bar" class="app-progress" max="3" value="1">33%</progress>' in html
    assert 'id="job-items" hx-swap-oob="true"' in html  # the items table, swapped out of band
    seen = html.split("?seen=")[1].split('"')[0]
    assert client.get(url, {"seen": seen}, **HTMX, **current).status_code == 204
    _run(job.items.get(position=2), fail="The address bounced.")
    _run(job.items.get(position=3))
    job_services.job_finish(job=job)
    finished = client.get(url, {"seen": seen}, **HTMX, **current)
    assert finished.status_code == 200
    html = finished.content.decode()
    assert "hx-trigger" not in html
    assert "hx-get" not in html
    assert "2 of 3 letters sent, 1 failed" in html
    assert "HX-Refresh" not in finished
    assert "Retry the failed items" not in html  # an auditor reads, and does not retry
    plain = client.get(url)  # without htmx: the fragment alone, as a page
    assert plain.status_code == 200
    assert "job-items" not in plain.content.decode()


def test_the_job_page_shows_the_bar_the_items_and_the_retry_button_to_an_officer(as_user, officer, commission):
    job = _job(2, commission=commission, by=officer)
    _run(job.items.get(position=1))
    _run(job.items.get(position=2), fail="The address <b>bounced</b>.")
    job_services.job_finish(job=job)
    page = as_user(officer).get(reverse("job-detail", args=[job.pk])).content.decode()
    assert '<div aria-live="polite">' in page
    assert "1 of 2 letters sent, 1 failed" in page
    assert "Finished with failures" in page
    assert "The address &lt;b&gt;bounced&lt;/b&gt;." in page
    assert f'action="{reverse("job-retry", args=[job.pk])}"' in page
    assert "htmx/htmx.min.js" in page
    assert "hx-trigger" not in page


def test_the_job_list_shows_a_commissions_jobs_most_recent_first(as_user, manager, commission):
    other = factories.CommissionFactory()
    older = _job(1, commission=commission)
    newer = _job(2, commission=commission)
    elsewhere = _job(1, commission=other)
    page = as_user(manager).get(reverse("job-list"), {"commission": commission.pk}).content.decode()
    assert page.index(reverse("job-detail", args=[newer.pk])) < page.index(reverse("job-detail", args=[older.pk]))
    assert reverse("job-detail", args=[elsewhere.pk]) not in page
    assert "0 of 2 letters sent" in page
    every = as_user(manager).get(reverse("job-list")).content.decode()
    assert reverse("job-detail", args=[elsewhere.pk]) in every


def _job_urls(job: Job) -> list[str]:
    return [
        reverse("job-list"),
        reverse("job-detail", args=[job.pk]),
        reverse("job-progress", args=[job.pk]),
        reverse("job-download", args=[job.pk]),
    ]


def test_anonymous_users_are_sent_to_sign_in(client, commission):
    job = _job(1, commission=commission)
    for url in [*_job_urls(job), reverse("report-pack-start", args=[commission.pk])]:
        response = client.get(url) if "start" not in url else client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.post(reverse("job-retry", args=[job.pk]))["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "lead_a"])
def test_outsiders_and_partner_leads_are_refused_every_job_page(request, as_user, persona, commission):
    job = _job(1, commission=commission)
    client = as_user(request.getfixturevalue(persona))
    for url in _job_urls(job):
        assert client.get(url).status_code == 403
    assert client.post(reverse("job-retry", args=[job.pk])).status_code == 403
    year = str(commission.years.get(number=1).start_year)
    assert client.post(reverse("report-pack-start", args=[commission.pk]), {"pack-year": year}).status_code == 403
    assert Job.objects.count() == 1


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_managers_and_auditors_read_jobs_but_neither_retry_nor_start_one(request, as_user, persona, commission):
    job = _job(1, commission=commission)
    _run(job.items.get(), fail="No.")
    job_services.job_finish(job=job)
    client = as_user(request.getfixturevalue(persona))
    for url in _job_urls(job)[:3]:
        assert client.get(url).status_code == 200
    assert client.get(_job_urls(job)[3]).status_code == 404  # nothing made to download
    assert client.post(reverse("job-retry", args=[job.pk])).status_code == 403
    year = str(commission.years.get(number=1).start_year)
    assert client.post(reverse("report-pack-start", args=[commission.pk]), {"pack-year": year}).status_code == 403
    assert Job.objects.count() == 1
    assert job.items.get().status == JobItem.Status.FAILED
    statement = client.get(reverse("fund-statement", args=[commission.pk])).content.decode()
    assert "Make all the reports" not in statement


def test_retry_answers_only_post_and_a_missing_job_is_a_404(as_user, officer, commission):
    job = _job(1, commission=commission)
    client = as_user(officer)
    assert client.get(reverse("job-retry", args=[job.pk])).status_code == 405
    assert client.get(reverse("job-detail", args=[job.pk + 1])).status_code == 404


@pytest.mark.parametrize("items", [2, 40])
def test_the_job_page_and_fragment_take_the_same_queries_however_many_items(
    as_user, officer, commission, items, django_assert_max_num_queries
):
    job = _job(items, commission=commission)
    for item in job.items.all()[: items // 2]:
        _run(item)
    client = as_user(officer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("job-detail", args=[job.pk])).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("job-progress", args=[job.pk]), **HTMX).status_code == 200


@pytest.mark.parametrize("jobs", [2, 30])
def test_the_job_list_takes_the_same_queries_however_many_jobs_and_items(
    as_user, auditor, commission, jobs, django_assert_max_num_queries
):
    for _ in range(jobs):
        _job(3, commission=commission, by=auditor)
    client = as_user(auditor)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("job-list"), {"commission": commission.pk}).status_code == 200
