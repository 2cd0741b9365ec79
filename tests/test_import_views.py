"""The import pages: who may use them, upload → preview → confirm, the background run, and their query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from allocations import imports
from allocations.imports.services import table_import_run
from allocations.models import ImportedContribution, ImportUpload, StatedTotal, TableImport
from commissioning.models import Job
from tests import factories

pytestmark = pytest.mark.django_db

CSV = b"Partner,Amount\r\nTotal,16000\r\nPreston,7000\r\nBurnley,9000\r\n"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def districts(commission):  # type: ignore[no-untyped-def]
    for name in ("Preston City Council", "Burnley Borough Council"):
        factories.MembershipFactory(commission=commission, partner=factories.PartnerFactory(name=name))


@pytest.fixture
def upload(commission, districts, officer):  # type: ignore[no-untyped-def]
    return factories.ImportUploadFactory(commission=commission, data=CSV, uploaded_by=officer)


@pytest.fixture
def table(commission, districts):  # type: ignore[no-untyped-def]
    imported, _ = table_import_run(
        commission=commission,
        kind=imports.CONTRIBUTIONS,
        file_name="districts.csv",
        data=CSV,
        options=imports.ImportOptions(title="District contributions"),
        by=None,
    )
    return imported


def _import_urls(commission, upload):  # type: ignore[no-untyped-def]
    """Pages for those who may import: GET each."""
    return [
        reverse("import-upload", args=[commission.pk, "contributions"]),
        reverse("import-upload", args=[commission.pk, "monitoring"]),
        reverse("import-preview", args=[commission.pk, upload.pk]),
    ]


def _read_urls(commission, table):  # type: ignore[no-untyped-def]
    """Pages for staff who may read imported tables: GET each."""
    return [
        reverse("import-index", args=[commission.pk]),
        reverse("import-export", args=[commission.pk, table.pk, "csv"]),
        reverse("import-export", args=[commission.pk, table.pk, "xlsx"]),
    ]


def _confirm_url(commission, upload) -> str:  # type: ignore[no-untyped-def]
    return reverse("import-confirm", args=[commission.pk, upload.pk])


# Who may do what -------------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in_from_every_import_page(client, commission, upload, table):
    for url in [*_import_urls(commission, upload), *_read_urls(commission, table)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    response = client.post(_confirm_url(commission, upload))
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "lead_a"])
def test_outsiders_and_partner_leads_are_refused_every_import_page(
    request, as_user, persona, commission, upload, table
):
    client = as_user(request.getfixturevalue(persona))
    for url in [*_import_urls(commission, upload), *_read_urls(commission, table)]:
        assert client.get(url).status_code == 403, url
    assert client.post(_confirm_url(commission, upload)).status_code == 403
    upload.refresh_from_db()
    assert upload.status == ImportUpload.Status.UPLOADED


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_managers_and_auditors_read_and_download_tables_but_cannot_import(
    request, as_user, persona, commission, upload, table
):
    client = as_user(request.getfixturevalue(persona))
    for url in _read_urls(commission, table):
        assert client.get(url).status_code == 200, url
    for url in _import_urls(commission, upload):
        assert client.get(url).status_code == 403, url
    assert client.post(_confirm_url(commission, upload)).status_code == 403
    index = client.get(reverse("import-index", args=[commission.pk])).content.decode()
    assert "Import a table" not in index
    assert not TableImport.objects.exclude(pk=table.pk).exists()


def test_officer_may_use_every_import_page(as_user, officer, commission, upload, table):
    client = as_user(officer)
    for url in [*_import_urls(commission, upload), *_read_urls(commission, table)]:
        assert client.get(url).status_code == 200, url
    assert client.post(_confirm_url(commission, upload)).status_code == 302


def test_confirm_takes_only_post(as_user, officer, commission, upload):
    assert as_user(officer).get(_confirm_url(commission, upload)).status_code == 405


def test_an_unknown_kind_or_format_or_another_commissions_upload_is_not_found(
    as_user, officer, commission, upload, table
):
    client = as_user(officer)
    other = factories.CommissionFactory()
    assert client.get(reverse("import-upload", args=[commission.pk, "ledger"])).status_code == 404
    assert client.get(reverse("import-export", args=[commission.pk, table.pk, "ods"])).status_code == 404
    assert client.get(reverse("import-preview", args=[other.pk, upload.pk])).status_code == 404
    assert client.get(reverse("import-export", args=[other.pk, table.pk, "csv"])).status_code == 404


# Upload, preview, confirm ----------------------------------------------------------------------------------


def _post_upload(client, commission, data: bytes, name: str = "districts.csv", **fields):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("import-upload", args=[commission.pk, fields.pop("kind", "contributions")]),
        {"title": "District contributions", "file": SimpleUploadedFile(name, data), **fields},
    )


def test_officer_uploads_previews_and_confirms_a_table(as_user, officer, commission, districts):
    client = as_user(officer)
    response = _post_upload(client, commission, CSV, source="Letter of 18 December 2012")
    upload = ImportUpload.objects.get()
    assert response["Location"] == reverse("import-preview", args=[commission.pk, upload.pk])
    assert not TableImport.objects.exists()  # uploading imports nothing

    page = client.get(response["Location"]).content.decode()
    for text in ("Check the table before importing", "Preston City Council", "£7,000", "£16,000", "Import 2 lines"):
        assert text in page, text
    assert not TableImport.objects.exists()  # nor does the preview

    confirmed = client.post(_confirm_url(commission, upload))
    assert confirmed.status_code == 302
    upload.refresh_from_db()
    assert upload.status == ImportUpload.Status.IMPORTED
    assert upload.confirmed_by == officer
    assert upload.table_import.source == "Letter of 18 December 2012"
    assert upload.table_import.imported_by == officer
    assert ImportedContribution.objects.count() == 2
    assert StatedTotal.objects.get().amount == Decimal("16000.00")
    assert "Table imported" in client.get(response["Location"]).content.decode()


def test_a_second_confirmation_changes_nothing(as_user, officer, commission, upload):
    client = as_user(officer)
    client.post(_confirm_url(commission, upload))
    counts = (TableImport.objects.count(), ImportedContribution.objects.count())
    response = client.post(_confirm_url(commission, upload), follow=True)
    assert "This file is already imported." in response.content.decode()
    assert (TableImport.objects.count(), ImportedContribution.objects.count()) == counts


def test_preview_shows_every_error_and_offers_no_import(as_user, officer, commission, districts):
    client = as_user(officer)
    response = _post_upload(client, commission, b"Partner,Amount\r\nPrestn City Council,7000\r\nBurnley,7.001\r\n")
    page = client.get(response["Location"]).content.decode()
    assert "The table cannot be imported" in page
    assert "Row 2: &#x27;Prestn City Council&#x27; is not a partner of this commission." in page
    assert "Did you mean Preston City Council?" in page
    assert "Row 3, Amount: &#x27;7.001&#x27; has a fraction of a penny; round it to whole pence." in page
    assert "/confirm/" not in page
    assert not TableImport.objects.exists()


def test_preview_says_a_table_was_already_imported(as_user, officer, commission, districts, table):
    client = as_user(officer)
    response = _post_upload(client, commission, CSV, name="again.csv")
    page = client.get(response["Location"]).content.decode()
    assert "This table was already imported on" in page
    assert "/confirm/" not in page


def test_a_file_that_cannot_be_read_is_refused_on_the_upload_form(as_user, officer, commission, districts):
    client = as_user(officer)
    response = _post_upload(client, commission, b"Partner,Amount\r\nPreston\x81,7000\r\n")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Line 2 of the file has a byte (0x81) that is neither UTF-8 nor Windows-1252 text." in page
    assert not ImportUpload.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(as_user, officer, commission, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    response = _post_upload(as_user(officer), commission, b"x" * (1024 * 1024 + 1))
    assert "The file is larger than 1 MB. Split it into smaller files." in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_a_monitoring_upload_asks_for_its_year(as_user, officer, commission):
    response = _post_upload(
        as_user(officer), commission, b"Work-stream,Forecast\r\nEarly Support,1\r\n", kind="monitoring"
    )
    assert "This field is required." in response.content.decode()
    assert not ImportUpload.objects.exists()


# Large files: a background task -----------------------------------------------------------------------------


def test_a_large_file_is_queued_and_the_page_says_so(as_user, officer, commission, upload, settings):
    settings.IMPORT_BACKGROUND_ROWS = 1
    client = as_user(officer)
    client.post(_confirm_url(commission, upload))
    upload.refresh_from_db()
    assert upload.status == ImportUpload.Status.QUEUED
    assert not TableImport.objects.exists()
    page = client.get(reverse("import-preview", args=[commission.pk, upload.pk])).content.decode()
    assert "Waiting to be imported" in page


def test_a_large_file_is_imported_by_the_task_once_the_request_commits(
    as_user, officer, commission, upload, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        as_user(officer).post(_confirm_url(commission, upload))
    upload.refresh_from_db()
    assert upload.status == ImportUpload.Status.IMPORTED
    assert upload.task_id
    assert upload.table_import.contributions.count() == 2
    assert upload.table_import.imported_by == officer


def test_the_database_backend_queues_the_task_for_a_worker(
    as_user, officer, commission, upload, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        as_user(officer).post(_confirm_url(commission, upload))
    upload.refresh_from_db()
    queued = DBTaskResult.objects.get()
    job = Job.objects.get(kind=Job.Kind.TABLE_IMPORT)  # the upload's progress, on its page and the job's
    assert queued.args_kwargs["args"] == [upload.pk, job.pk]
    assert job.status == Job.Status.QUEUED
    assert upload.task_id == str(queued.id)
    assert upload.status == ImportUpload.Status.QUEUED


def test_a_background_import_that_is_refused_records_why_and_writes_nothing(
    as_user, officer, commission, districts, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    settings.TASKS = IMMEDIATE
    upload = factories.ImportUploadFactory(commission=commission, data=CSV, uploaded_by=officer)
    # Between the preview and the run, Preston stops being a partner: the run finds its row no longer matches.
    commission.memberships.filter(partner__name="Preston City Council").delete()
    with django_capture_on_commit_callbacks(execute=True):
        as_user(officer).post(_confirm_url(commission, upload))
    upload.refresh_from_db()
    assert upload.status == ImportUpload.Status.FAILED
    assert upload.errors == ["Row 3: 'Preston' is not a partner of this commission."]
    assert not TableImport.objects.exists()
    page = as_user(officer).get(reverse("import-preview", args=[commission.pk, upload.pk])).content.decode()
    assert "The table was not imported" in page


# Query counts ----------------------------------------------------------------------------------------------


def test_import_pages_take_a_fixed_number_of_queries(
    as_user, officer, commission, upload, table, django_assert_max_num_queries
):
    client = as_user(officer)
    for _ in range(5):
        factories.ImportUploadFactory(commission=commission, data=CSV, uploaded_by=officer)
    # Each page: the session, the user and their permissions (4 queries), then its own reads.
    with django_assert_max_num_queries(7):
        assert client.get(reverse("import-index", args=[commission.pk])).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("import-upload", args=[commission.pk, "monitoring"])).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("import-export", args=[commission.pk, table.pk, "xlsx"])).status_code == 200


def test_preview_takes_as_many_queries_for_600_rows_as_for_one(
    as_user, officer, commission, districts, django_assert_max_num_queries
):
    """The upload, the years, the repeat check and the partners, each read once, plus django-import-export's
    savepoints: 19 in all, whatever the number of rows (and with every row in error)."""
    short = factories.ImportUploadFactory(commission=commission, data=b"Partner,Amount\r\nPreston,1\r\n")
    long_rows = b"".join(f"P{n},1\r\n".encode() for n in range(600))
    long = factories.ImportUploadFactory(commission=commission, data=b"Partner,Amount\r\n" + long_rows)
    client = as_user(officer)
    with django_assert_max_num_queries(19):
        assert "Import 1 line" in client.get(reverse("import-preview", args=[commission.pk, short.pk])).content.decode()
    with django_assert_max_num_queries(19):
        page = client.get(reverse("import-preview", args=[commission.pk, long.pk])).content.decode()
    assert "Row 100: &#x27;P98&#x27; is not a partner of this commission." in page
    assert "Row 102:" not in page
    assert "And 500 more." in page
