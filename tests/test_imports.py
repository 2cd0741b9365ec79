"""Importing what finance teams really send, and refusing what cannot be read exactly, writing nothing then."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from allocations import imports
from allocations.imports import ImportOptions, TableFileError
from allocations.imports.services import ImportRefusedError, table_import_preview, table_import_run
from allocations.models import (
    BasisDataset,
    BasisValue,
    ImportedContribution,
    ImportedWorkStreamAllocation,
    MonitoringReturn,
    StatedTotal,
    TableImport,
)
from tests import factories

pytestmark = pytest.mark.django_db

WRITTEN = (TableImport, StatedTotal, ImportedContribution, ImportedWorkStreamAllocation, MonitoringReturn)
WRITTEN += (BasisDataset, BasisValue)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


@pytest.fixture
def districts(commission):  # type: ignore[no-untyped-def]
    """Three district councils of the commission, named as the seeds name them."""
    names = ("Preston City Council", "Burnley Borough Council", "Chorley Council")
    return {
        name: factories.MembershipFactory(commission=commission, partner=factories.PartnerFactory(name=name)).partner
        for name in names
    }


def _csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _run(commission, data: bytes, *, kind: str = imports.CONTRIBUTIONS, name: str = "table.csv", **options):  # type: ignore[no-untyped-def]
    return table_import_run(
        commission=commission,
        kind=kind,
        file_name=name,
        data=data,
        options=ImportOptions(title=options.pop("title", "District contributions"), **options),
        by=None,
    )


def _refused(commission, data: bytes, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    """The messages of a refused import, having checked that it wrote nothing at all."""
    before = _counts()
    with pytest.raises(ImportRefusedError) as refused:
        _run(commission, data, **kwargs)
    assert _counts() == before
    return refused.value.messages


def _amounts(table: TableImport) -> dict[str, Decimal]:
    return {line.partner.name: line.amount for line in table.contributions.select_related("partner")}


# Encodings -------------------------------------------------------------------------------------------------


def test_utf8_with_byte_order_mark_reads_the_first_heading_cleanly(commission, districts):
    data = b"\xef\xbb\xbf" + _csv("Partner,Amount", "Preston City Council,£7000")
    table, created = _run(commission, data)
    assert created
    assert _amounts(table) == {"Preston City Council": Decimal("7000.00")}


def test_windows_1252_pound_sign_byte_a3_is_read_as_pounds(commission, districts):
    data = _csv("Partner,Amount", 'Preston City Council,"£7,000"', encoding="cp1252")
    assert b"\xa37,000" in data
    table, _ = _run(commission, data)
    assert _amounts(table) == {"Preston City Council": Decimal("7000.00")}


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_with_the_line(commission, districts):
    data = _csv("Partner,Amount", "Preston City Council,7000") + b"Burnley\x81,9000\r\n"
    messages = _refused(commission, data)
    assert messages == [
        "Line 3 of the file has a byte (0x81) that is neither UTF-8 nor Windows-1252 text."
        " Save the file as 'CSV UTF-8' and try again."
    ]


def test_utf16_is_refused_with_what_to_do(commission, districts):
    data = "Partner,Amount\r\nPreston City Council,7000\r\n".encode("utf-16")
    assert _refused(commission, data) == [
        "The file is saved as UTF-16 ('Unicode text'). Save it as 'CSV UTF-8' and try again."
    ]


# Amounts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "pounds"),
    [
        ("£7,000", "7000.00"),
        ("7000.00", "7000.00"),
        ("7,000 ", "7000.00"),
        (" £ 7,000.50", "7000.50"),
        ("(1,200)", "-1200.00"),
        ("-£1,200", "-1200.00"),
        ("£-1,200", "-1200.00"),
        ("-", "0.00"),
    ],
)
def test_amounts_are_read_exactly_as_finance_teams_write_them(written, pounds):
    assert imports.parse_money(written) == Decimal(pounds)


def test_a_parenthesised_amount_is_imported_as_a_negative(commission, districts):
    table, _ = _run(commission, _csv("Partner,Amount", 'Preston City Council,"(1,200)"'))
    assert _amounts(table) == {"Preston City Council": Decimal("-1200.00")}


def test_a_fraction_of_a_penny_is_refused_with_its_row_and_column(commission, districts):
    data = _csv("Partner,Contribution", "Preston City Council,7000", "Burnley,7000.005")
    assert _refused(commission, data) == [
        "Row 3, Contribution: '7000.005' has a fraction of a penny; round it to whole pence."
    ]


def test_text_where_an_amount_should_be_is_refused(commission, districts):
    data = _csv("Partner,Amount", "Preston City Council,seven thousand")
    assert _refused(commission, data) == ["Row 2, Amount: 'seven thousand' is not an amount of money."]


def test_commas_that_do_not_separate_thousands_are_refused():
    with pytest.raises(ValueError, match="'7,00' is not an amount of money"):
        imports.parse_money("7,00")


# Names -----------------------------------------------------------------------------------------------------


def test_partner_names_match_ignoring_case_and_spaces_and_by_place_alone(commission, districts):
    data = _csv("Area,Amount", "  preston   CITY council ,7000", "BURNLEY,9000", "Chorley ,5000")
    table, _ = _run(commission, data)
    assert _amounts(table) == {
        "Preston City Council": Decimal("7000.00"),
        "Burnley Borough Council": Decimal("9000.00"),
        "Chorley Council": Decimal("5000.00"),
    }
    assert table.contributions.get(partner__name="Preston City Council").name_as_stated == "preston CITY council"


def test_an_unknown_partner_is_refused_with_its_row_number_and_a_suggestion(commission, districts):
    data = _csv("Partner,Amount", "Burnley,9000", "Chorley,5000", "Burnley,1", "Chorley,2", "Burnley,3")
    data += _csv("Prestn City Council,7000")
    messages = _refused(commission, data)
    assert "Row 7: 'Prestn City Council' is not a partner of this commission. Did you mean Preston City Council?" in (
        messages
    )


def test_a_partner_on_two_rows_is_refused(commission, districts):
    data = _csv("Partner,Amount", "Preston City Council,7000", "Burnley,9000", "preston city council ,7000")
    assert _refused(commission, data) == ["Row 4: Preston City Council is already on row 2."]


def test_a_partner_of_another_commission_is_not_a_partner_of_this_one(commission, districts):
    stranger = factories.MembershipFactory().partner
    messages = _refused(commission, _csv("Partner,Amount", f"{stranger.name},7000"))
    assert messages == [f"Row 2: '{stranger.name}' is not a partner of this commission."]


# Files and their shape -------------------------------------------------------------------------------------


def test_an_empty_file_is_refused(commission, districts):
    assert _refused(commission, b"") == ["The file is empty."]


def test_a_file_of_blank_lines_is_refused(commission, districts):
    assert _refused(commission, b"\r\n , \r\n") == ["The file has no headings and no rows."]


def test_headings_without_rows_are_refused(commission, districts):
    assert _refused(commission, _csv("Partner,Amount")) == ["The file has headings but no rows to import."]


def test_a_missing_column_is_refused_saying_what_to_call_it(commission, districts):
    assert _refused(commission, _csv("Partner,Notes", "Preston City Council,paid")) == [
        "The file has no Amount column. Head one column 'Amount' (we also accept Contribution or Contribution to"
        " pooled fund)."
    ]


def test_two_columns_that_could_be_the_amount_are_refused(commission, districts):
    assert _refused(commission, _csv("Partner,Amount,Contribution", "Preston City Council,1,2")) == [
        "Both 'Amount' and 'Contribution' could be the Amount column; rename or remove one."
    ]


def test_a_value_under_no_heading_is_refused(commission, districts):
    data = _csv("Partner,Amount", "Preston City Council,7000", "Burnley,9000,oops")
    assert _refused(commission, data) == ["Row 3 has a value in column C, which has no heading; head every column."]


def test_a_file_over_the_size_limit_is_refused(commission, districts, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    data = _csv("Partner,Amount", *["Preston City Council,7000"] * 100)
    assert _refused(commission, data) == ["The file is 2 KB; the most we accept is 1 KB. Split it into smaller files."]


def test_a_csv_with_too_many_rows_is_refused(commission, districts, settings):
    settings.IMPORT_MAX_ROWS = 3
    data = _csv("Partner,Amount", "Preston City Council,1", "Burnley,2", "Chorley,3", "Preston,4")
    assert _refused(commission, data) == [
        "The file has more than 3 rows; the most we accept in one import is 3. Split it into smaller files."
    ]


def test_an_xlsx_with_too_many_rows_is_refused_while_reading(commission, districts, settings):
    settings.IMPORT_MAX_ROWS = 3
    data = _xlsx([["Partner", "Amount"], ["Preston City Council", 1], ["Burnley", 2], ["Chorley", 3], ["Wyre", 4]])
    assert _refused(commission, data, name="table.xlsx") == [
        "The file has more than 3 rows; the most we accept in one import is 3. Split it into smaller files."
    ]


def test_an_xlsx_whose_rows_run_to_a_million_is_refused_without_reading_them_all(commission, districts, settings):
    """One cell at row 1,000,000: the sheet really is that long, mostly empty. Scanning stops at 10 × (rows + 1)."""
    settings.IMPORT_MAX_ROWS = 3
    workbook = openpyxl.Workbook()
    workbook.active.append(["Partner", "Amount"])
    workbook.active.append(["Preston City Council", 7000])
    workbook.active.cell(row=1_000_000, column=1, value="Burnley")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert _refused(commission, buffer.getvalue(), name="table.xlsx") == [
        "The file has more than 40 rows, counting empty ones. Delete the empty rows below the table and try again."
    ]


def test_an_xlsx_that_only_claims_a_vast_size_imports_what_it_holds(commission, districts):
    """The sheet's dimension says A1:XFD1048576; only its real rows and 50 columns are read."""
    data = _with_dimension(_xlsx([["Partner", "Amount"], ["Preston City Council", 7000]]), "A1:XFD1048576")
    table, _ = _run(commission, data, name="claims.xlsx")
    assert _amounts(table) == {"Preston City Council": Decimal("7000.00")}


def test_an_xlsx_that_unpacks_to_far_more_than_the_limit_is_refused(commission, districts, settings):
    """A zip member of 2 MB of zeros compresses to a few KB: more than 20 × the 50 KB limit once unpacked."""
    settings.IMPORT_MAX_UPLOAD_BYTES = 50_000
    buffer = io.BytesIO(_xlsx([["Partner", "Amount"], ["Preston City Council", 7000]]))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * 2_000_000)
    data = buffer.getvalue()
    assert len(data) < 50_000
    messages = _refused(commission, data, name="bomb.xlsx")
    assert re.fullmatch(r"The workbook unpacks to 1\.\d MB, more than the 976 KB we accept\. .*", messages[0])


def test_an_xlsx_imports_numbers_and_text_amounts_exactly(commission, districts):
    data = _xlsx([["Partner", "Amount"], ["Preston City Council", 7000], ["Burnley", 75122.5], ["Chorley", "£9,000"]])
    table, _ = _run(commission, data, name="table.xlsx")
    assert _amounts(table) == {
        "Preston City Council": Decimal("7000.00"),
        "Burnley Borough Council": Decimal("75122.50"),
        "Chorley Council": Decimal("9000.00"),
    }


def test_a_damaged_xlsx_is_refused(commission, districts):
    assert _refused(commission, b"PK\x03\x04 not really a zip", name="table.xlsx") == [
        "The file looks like an Excel workbook but cannot be opened. Save it again."
    ]


def _with_dimension(data: bytes, dimension: str) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]+"', f'<dimension ref="{dimension}"'.encode(), content)
            target.writestr(info, content)
    return out.getvalue()


# Stated totals, preview, all or nothing, and repeats -------------------------------------------------------


def test_a_total_row_becomes_a_stated_total_not_a_line(commission, districts):
    data = _csv("Area,Contribution to pooled fund", 'Lancashire – District Council Total,"£20,000"')
    data += _csv('Preston,"£7,000"', 'Burnley,"£12,000"')
    table, _ = _run(commission, data)
    assert table.contributions.count() == 2
    total = table.stated_totals.get()
    assert (total.label, total.row_number, total.amount) == ("Lancashire – District Council Total", 2, Decimal("20000"))


def test_a_total_that_is_not_an_amount_is_refused(commission, districts):
    data = _csv("Partner,Amount", "Preston City Council,7000", "Total,about seven")
    assert _refused(commission, data) == ["Row 3, Amount: 'about seven' is not an amount of money."]


def test_preview_reads_matches_and_checks_everything_and_writes_nothing(commission, districts):
    data = _csv("Partner,Amount", "Total,16000", "Preston,7000", "Burnley,9000")
    before = _counts()
    preview = table_import_preview(
        commission=commission, kind=imports.CONTRIBUTIONS, file_name="t.csv", data=data, options=ImportOptions("T")
    )
    assert _counts() == before
    assert preview.can_import
    assert preview.errors == []
    assert [[cell.text for cell in line] for line in preview.lines] == [
        ["3", "Preston", "Preston City Council", "£7,000"],
        ["4", "Burnley", "Burnley Borough Council", "£9,000"],
    ]
    assert [(t.label, t.amount) for t in preview.totals] == [("Total", Decimal("16000.00"))]


def test_preview_lists_every_error_at_once_and_writes_nothing(commission, districts):
    data = _csv("Partner,Amount", "Prestn,7000", "Burnley,7000.001", "Burnley,1", "Total,x")
    before = _counts()
    preview = table_import_preview(
        commission=commission, kind=imports.CONTRIBUTIONS, file_name="t.csv", data=data, options=ImportOptions("T")
    )
    assert _counts() == before
    assert not preview.can_import
    assert preview.errors == [
        "Row 2: 'Prestn' is not a partner of this commission.",
        "Row 3, Amount: '7000.001' has a fraction of a penny; round it to whole pence.",
        "Row 4: Burnley Borough Council is already on row 3.",
        "Row 5, Amount: 'x' is not an amount of money.",
    ]


def test_one_bad_row_among_good_ones_writes_nothing(commission, districts):
    data = _csv("Partner,Amount", "Total,16000", "Preston,7000", "Burnley,9000", "Chorley,nine")
    assert _refused(commission, data) == ["Row 5, Amount: 'nine' is not an amount of money."]
    assert not TableImport.objects.exists()


def test_importing_the_same_table_again_changes_nothing(commission, districts):
    data = _csv("Partner,Amount", "Total,16000", "Preston,7000", "Burnley,9000")
    first, created = _run(commission, data)
    assert created
    before = _counts()
    again, created_again = _run(commission, data, title="The same, under another title")
    assert (again, created_again) == (first, False)
    assert _counts() == before


def test_the_same_table_in_another_encoding_or_as_xlsx_is_the_same_table(commission, districts):
    first, _ = _run(commission, _csv("Partner,Amount", "Preston,£7000", "Burnley,9000"))
    cp1252 = _csv("Partner,Amount", '"Preston "," £7,000.00"', "burnley,9000", encoding="cp1252")
    xlsx = _xlsx([["Partner", "Amount"], ["Preston", 7000], ["Burnley", 9000]])
    before = _counts()
    assert _run(commission, cp1252) == (first, False)
    assert _run(commission, xlsx, name="t.xlsx") == (first, False)
    assert _counts() == before


def test_the_same_rows_for_another_year_are_another_table(commission, districts):
    years = list(commission.years.order_by("number"))
    data = _csv("Partner,Amount", "Preston,7000")
    _, created = _run(commission, data, financial_year=years[0])
    _, created_again = _run(commission, data, financial_year=years[1])
    assert created
    assert created_again


def test_preview_says_when_a_table_was_imported_before(commission, districts):
    data = _csv("Partner,Amount", "Preston,7000")
    first, _ = _run(commission, data)
    preview = table_import_preview(
        commission=commission, kind=imports.CONTRIBUTIONS, file_name="t.csv", data=data, options=ImportOptions("T")
    )
    assert preview.already_imported == first
    assert not preview.can_import


# The other kinds -------------------------------------------------------------------------------------------


def test_a_monitoring_return_keeps_stated_allocation_and_variance(commission):
    year = commission.years.get(number=1)
    data = _csv(
        "Work Theme area,Year 1 Allocation (£),Year 1 Forecast (£),Actual,Variance (£)",
        'Work force and coordination,"75,127","37,563","20,000","30,217"',
        'Medium & High Risk Support,"1,021,733","809,630",,"212,035"',
        'Totals,"1,096,860","847,193",,"242,252"',
    )
    table, _ = _run(commission, data, kind=imports.MONITORING, financial_year=year, quarter=2)
    returns = {r.work_stream.name: r for r in table.monitoring_returns.select_related("work_stream")}
    workforce = returns["Workforce and Co-ordination"]
    assert (workforce.quarter, workforce.forecast, workforce.actual) == (2, Decimal("37563.00"), Decimal("20000.00"))
    assert (workforce.stated_allocation, workforce.stated_variance) == (Decimal("75127.00"), Decimal("30217.00"))
    assert returns["Medium and High Risk Support"].actual is None
    assert sorted(table.stated_totals.values_list("column", flat=True)) == ["allocation", "forecast", "variance"]


def test_a_monitoring_return_refuses_a_negative_forecast_and_a_quarter_already_recorded(commission):
    year = commission.years.get(number=1)
    early = commission.work_streams.get(name="Early Support")
    factories.MonitoringReturnFactory(financial_year=year, work_stream=early, quarter=1)
    data = _csv("Work-stream,Quarter,Forecast", "Early Support,Q1,100", "Perpetrators,1,(50)", "Perpetrators,5,1")
    messages = _refused(commission, data, kind=imports.MONITORING, financial_year=year)
    assert messages == [
        "Row 2, Quarter: Quarter 1 of 2013/14 is already recorded for Early Support.",
        "Row 3, Forecast: '(50)' is negative; a forecast cannot be less than £0.",
        "Row 4, Quarter: '5' is not a quarter; write 1, 2, 3 or 4.",
    ]


def test_a_monitoring_return_needs_its_year_and_quarter(commission):
    data = _csv("Work-stream,Forecast", "Early Support,100")
    assert _refused(commission, data, kind=imports.MONITORING) == [
        "Say which financial year the monitoring return is for."
    ]
    year = commission.years.get(number=1)
    assert _refused(commission, data, kind=imports.MONITORING, financial_year=year) == [
        "Say which quarter the monitoring return is for, or add a Quarter column to the file."
    ]


def test_a_work_stream_table_gives_one_line_per_year_column(commission):
    data = _csv(
        "Work Stream Funding Allocation,%,2014/15,Year 3 (£)",
        'Workforce and Co-ordination,5%,"75,122","75,122"',
        'Early Support,17%,"255,416",n/a',
        'Totals,100%,"330,538","75,122"',
    )
    table, _ = _run(commission, data, kind=imports.WORK_STREAM_ALLOCATIONS)
    lines = sorted(
        (line.work_stream.name, line.financial_year.label, line.stated_share, line.amount)
        for line in table.work_stream_allocations.select_related("work_stream", "financial_year")
    )
    assert lines == [
        ("Early Support", "2014/15", Decimal("17.00"), Decimal("255416.00")),
        ("Workforce and Co-ordination", "2014/15", Decimal("5.00"), Decimal("75122.00")),
        ("Workforce and Co-ordination", "2015/16", Decimal("5.00"), Decimal("75122.00")),
    ]
    assert sorted((t.financial_year.label, t.amount) for t in table.stated_totals.all()) == [
        ("2014/15", Decimal("330538.00")),
        ("2015/16", Decimal("75122.00")),
    ]


def test_a_work_stream_table_refuses_a_year_the_commission_does_not_have(commission):
    data = _csv("Work-stream,2019/20", "Early Support,1")
    assert _refused(commission, data, kind=imports.WORK_STREAM_ALLOCATIONS) == [
        "The column '2019/20' is not a financial year of this commission."
    ]


def test_a_per_annum_column_needs_its_years(commission):
    data = _csv("Work-stream,£ Amount per annum", "Early Support,1")
    assert _refused(commission, data, kind=imports.WORK_STREAM_ALLOCATIONS) == [
        "The column '£ Amount per annum' applies to every year: say which financial years it is for."
    ]


def test_a_basis_dataset_is_created_with_its_values(commission, districts):
    data = _csv("District,Population aged 16-59", 'Preston,"85,000"', "Burnley,52000.5", "Total,137000.5")
    options = {
        "dataset_name": "Population 16-59, mid-2012",
        "dataset_measure": "Population aged 16-59",
        "dataset_source": "ONS mid-year estimates",
        "dataset_vintage": "mid-2012",
    }
    table, _ = _run(commission, _csv("District,Value") + data.split(b"\r\n", 1)[1], kind=imports.BASIS, **options)
    dataset = BasisDataset.objects.get(table_import=table)
    values = {value.partner.name: value.value for value in dataset.values.select_related("partner")}
    assert values == {"Preston City Council": Decimal("85000"), "Burnley Borough Council": Decimal("52000.5")}
    assert not table.stated_totals.exists()
    again = _csv("District,Value", "Chorley,1")
    assert _refused(commission, again, kind=imports.BASIS, **options) == [
        "A basis dataset called 'Population 16-59, mid-2012' already exists; give this one another name."
    ]


def test_reading_a_file_refuses_what_it_cannot_read_before_any_import():
    with pytest.raises(TableFileError, match="The file is empty"):
        imports.read_table(file_name="x.csv", data=b"")


def test_a_place_name_two_partners_share_matches_neither(commission):
    for name in ("Lancaster City Council", "Lancaster District Council"):
        factories.MembershipFactory(commission=commission, partner=factories.PartnerFactory(name=name))
    assert _refused(commission, _csv("Partner,Amount", "Lancaster,7000")) == [
        "Row 2: 'Lancaster' could be Lancaster City Council or Lancaster District Council; write the full name."
    ]


def test_work_stream_aliases_are_the_seeds_labels():
    assert imports.WORK_STREAM_ALIASES == {
        "work force and coordination": "workforce and coordination",
        "workforce development": "workforce and coordination",
        "medium and high risk": "medium and high risk support",
    }


def _preview(commission, data: bytes, kind: str, **options):  # type: ignore[no-untyped-def]
    return table_import_preview(
        commission=commission, kind=kind, file_name="t.csv", data=data, options=ImportOptions("T", **options)
    )


def test_previews_of_every_kind_show_each_line_as_matched(commission, districts):
    def cells(preview):  # type: ignore[no-untyped-def]
        return [[cell.text for cell in line] for line in preview.lines]

    year = commission.years.get(number=1)
    monitoring = _preview(
        commission,
        _csv("Work theme,Quarter,Forecast,Variance", "Medium & High Risk,Q3,1000,(5)"),
        "monitoring",
        financial_year=year,
    )
    assert monitoring.columns[-1] == "Variance (stated)"
    assert cells(monitoring) == [
        ["2", "Medium & High Risk", "Medium and High Risk Support", "3", "£1,000", "", "", "-£5"]
    ]
    allocations = _preview(
        commission, _csv("Work-stream,%,2014/15", "Early Support,17.5%,100"), "work_stream_allocations"
    )
    assert cells(allocations) == [["2", "Early Support", "Early Support", "2014/15", "17.5%", "£100"]]
    basis = _preview(
        commission,
        _csv("Partner,Population", 'Preston,"85,000"'),
        "basis",
        dataset_name="P",
        dataset_measure="People",
        dataset_source="ONS",
        dataset_vintage="2012",
    )
    assert cells(basis) == [["2", "Preston", "Preston City Council", "85,000"]]
    failing = _preview(commission, _csv("Partner,Amount", "Nowhere,1"), "contributions")
    assert cells(failing) == [["2", "Nowhere", "See the errors above", ""]]
