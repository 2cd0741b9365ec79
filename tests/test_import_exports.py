"""Exports that a spreadsheet cannot run, read back from CSV and XLSX; and the admin's import and export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from allocations.exports import neutralise
from allocations.models import ImportedContribution, StatedTotal, TableImport
from tests import factories

pytestmark = pytest.mark.django_db

DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_a_spreadsheet_would_run_is_made_inert(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Preston City Council", "", "1 = 1", Decimal("-1200.00"), -5, None])
def test_other_values_are_left_alone(value):
    assert neutralise(value) == value


@pytest.fixture
def risky_table(commission):  # type: ignore[no-untyped-def]
    """An imported table whose names a hostile or careless sender typed as formulas, with a negative amount."""
    evil = factories.PartnerFactory(name='=HYPERLINK("http://example.com/x","Preston")')
    factories.MembershipFactory(commission=commission, partner=evil)
    table = TableImport.objects.create(
        commission=commission, kind=TableImport.Kind.CONTRIBUTIONS, title="@Totals", file_sha256="0" * 64
    )
    others = [factories.MembershipFactory(commission=commission).partner for _ in DANGEROUS]
    ImportedContribution.objects.create(
        table_import=table, row_number=2, partner=evil, name_as_stated=evil.name, amount=Decimal("-1200.00")
    )
    for row, (partner, text) in enumerate(zip(others, DANGEROUS, strict=True), start=3):
        ImportedContribution.objects.create(
            table_import=table, row_number=row, partner=partner, name_as_stated=text, amount=Decimal("7000.50")
        )
    return table


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_csv_export_neutralises_text_and_keeps_amounts_as_numbers(as_user, officer, commission, risky_table):
    response = as_user(officer).get(reverse("import-export", args=[commission.pk, risky_table.pk, "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response.content)
    assert rows[0] == ["table", "row", "partner", "name as stated", "amount"]
    assert rows[1] == [
        "'@Totals",
        "2",
        '\'=HYPERLINK("http://example.com/x","Preston")',
        '\'=HYPERLINK("http://example.com/x","Preston")',
        "-1200.00",
    ]
    assert [row[3] for row in rows[2:]] == ["'" + text for text in DANGEROUS]
    assert {row[4] for row in rows[2:]} == {"7000.50"}


def test_xlsx_export_neutralises_text_and_keeps_amounts_as_number_cells(as_user, officer, commission, risky_table):
    response = as_user(officer).get(reverse("import-export", args=[commission.pk, risky_table.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2))
    first = rows[0]
    assert first[2].value == '\'=HYPERLINK("http://example.com/x","Preston")'
    assert first[2].data_type == "s"  # text, not a formula
    assert first[4].data_type == "n"
    assert first[4].value == -1200
    # XML reads a carriage return back as a line feed; the apostrophe in front is what matters.
    assert [row[3].value for row in rows[1:]] == ["'" + text.replace("\r", "\n") for text in DANGEROUS]
    assert all(row[3].data_type == "s" for row in rows)
    assert {Decimal(str(row[4].value)) for row in rows[1:]} == {Decimal("7000.5")}


def test_admin_export_neutralises_text_too(as_user, auditor, commission, risky_table):
    fields = ("table", "row", "partner", "name_as_stated", "amount")
    data = {"format": "0", "resource": "0", **{f"contributionresource_{name}": "on" for name in fields}}
    response = as_user(auditor).post(reverse("admin:allocations_importedcontribution_export"), data)
    assert response.status_code == 200
    rows = _csv_rows(response.content)
    assert rows[1][2].startswith("'=HYPERLINK")
    assert rows[1][4] == "-1200.00"


# The admin's import ---------------------------------------------------------------------------------------


@pytest.fixture
def districts(commission):  # type: ignore[no-untyped-def]
    for name in ("Preston City Council", "Burnley Borough Council"):
        factories.MembershipFactory(commission=commission, partner=factories.PartnerFactory(name=name))


IMPORT_URL = "admin:allocations_importedcontribution_import"


def _admin_dry_run(client, commission, data: bytes, name: str = "t.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse(IMPORT_URL),
        {
            "commission": commission.pk,
            "title": "District contributions",
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile(name, data),
        },
    )


def test_admin_import_previews_then_imports_a_windows_1252_table_with_its_total(
    as_user, officer, commission, districts
):
    client = as_user(officer)
    data = 'Area,Contribution\r\nTotal,"£16,000"\r\nPreston,"£7,000"\r\nBurnley,"£9,000"\r\n'.encode("cp1252")
    preview = _admin_dry_run(client, commission, data)
    assert preview.status_code == 200
    confirm = preview.context["confirm_form"]
    assert confirm is not None, preview.content.decode()
    assert not TableImport.objects.exists()  # the dry run wrote nothing

    posted = {name: value for name, value in confirm.initial.items() if value is not None}
    response = client.post(reverse("admin:allocations_importedcontribution_process_import"), posted)
    assert response.status_code == 302
    table = TableImport.objects.get()
    assert (table.title, table.imported_by) == ("District contributions", officer)
    assert sorted(table.contributions.values_list("amount", flat=True)) == [Decimal("7000.00"), Decimal("9000.00")]
    assert StatedTotal.objects.get().amount == Decimal("16000.00")


def test_admin_import_shows_row_errors_and_writes_nothing(as_user, officer, commission, districts):
    preview = _admin_dry_run(as_user(officer), commission, b"Partner,Amount\r\nPrestn,7000\r\nBurnley,1.005\r\n")
    page = preview.content.decode()
    assert preview.context.get("confirm_form") is None
    assert "is not a partner of this commission." in page
    assert "has a fraction of a penny" in page
    assert not TableImport.objects.exists()


def test_admin_import_explains_a_file_it_cannot_read(as_user, officer, commission, districts):
    preview = _admin_dry_run(as_user(officer), commission, b"Partner,Amount\r\nPreston\x81,7000\r\n")
    assert "neither UTF-8 nor Windows-1252" in preview.content.decode()
    assert not TableImport.objects.exists()


def test_admin_import_refuses_a_table_imported_before(as_user, officer, commission, districts):
    client = as_user(officer)
    data = b"Partner,Amount\r\nPreston,7000\r\n"
    confirm = _admin_dry_run(client, commission, data).context["confirm_form"]
    client.post(
        reverse("admin:allocations_importedcontribution_process_import"),
        {name: value for name, value in confirm.initial.items() if value is not None},
    )
    again = _admin_dry_run(client, commission, data).content.decode()
    assert "This table was already imported on" in again
    assert TableImport.objects.count() == 1


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_only_those_who_may_add_may_import_in_the_admin(request, as_user, persona, commission, districts):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert _admin_dry_run(client, commission, b"Partner,Amount\r\nPreston,7000\r\n").status_code == 403
    assert not TableImport.objects.exists()


def test_officer_may_open_the_admin_import_of_every_imported_kind(as_user, officer):
    client = as_user(officer)
    for model in ("importedcontribution", "importedworkstreamallocation", "monitoringreturn", "basisvalue"):
        assert client.get(reverse(f"admin:allocations_{model}_import")).status_code == 200, model


def test_admin_import_carries_the_year_and_quarter_through_to_the_monitoring_return(as_user, officer, commission):
    client = as_user(officer)
    year = commission.years.get(number=1)
    data = (
        b"Work Theme area,Year 1 Allocation,Year 1 Forecast\r\nEarly Support,255433,187288\r\nTotals,255433,187288\r\n"
    )
    preview = client.post(
        reverse("admin:allocations_monitoringreturn_import"),
        {
            "commission": commission.pk,
            "title": "Year 1 forecast",
            "financial_year": year.pk,
            "quarter": "2",
            "resource": "0",
            "format": "1",  # XLSX chosen for a CSV file: the reader goes by the bytes, so it still reads
            "import_file": SimpleUploadedFile("year1.csv", data),
        },
    )
    confirm = preview.context.get("confirm_form")
    assert confirm is not None, preview.context["form"].errors
    hidden = confirm.as_p()
    assert f'name="financial_year" value="{year.pk}"' in hidden
    assert 'name="quarter" value="2"' in hidden
    posted = {name: value for name, value in confirm.initial.items() if value is not None}
    client.post(reverse("admin:allocations_monitoringreturn_process_import"), posted)
    table = TableImport.objects.get()
    line = table.monitoring_returns.get()
    assert (line.financial_year, line.quarter, line.forecast) == (year, 2, Decimal("187288.00"))
    assert sorted(table.stated_totals.values_list("column", flat=True)) == ["allocation", "forecast"]
