"""The SVG charts: well-formed, described in words with the right figures, bars in proportion to the amounts in
whole pixels, nothing to divide by handled, user text escaped; on the pages and in the PDF without extra queries."""

from __future__ import annotations

import io
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from commissioning import ledger
from partners import services
from reports import charts
from reports.charts import PLOT_WIDTH, WIDTH, SecuredPosition, bar_length
from tests.request_support import IMMEDIATE_TASKS, agree, decline, draft_requests, issue_options
from tests.statement_support import build_book

NS = {"svg": charts.SVG_NS}
HOSTILE = '<script>alert("x")</script> & Sons "Ltd"'


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _title(root: ET.Element) -> str:
    return root.find("svg:title", NS).text  # type: ignore[union-attr,return-value]


def _desc(root: ET.Element) -> str:
    return root.find("svg:desc", NS).text  # type: ignore[union-attr,return-value]


def _texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{{{charts.SVG_NS}}}text")]


def _bars(root: ET.Element) -> list[int]:
    return [int(rect.get("width", "0")) for rect in root.iter(f"{{{charts.SVG_NS}}}rect")]


def _assert_accessible(root: ET.Element) -> None:
    assert root.tag == f"{{{charts.SVG_NS}}}svg"
    assert root.get("role") == "img"
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None
    assert desc is not None
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert root.get("viewBox", "").startswith(f"0 0 {WIDTH} ")
    assert root.get("height") is None  # the height follows from the viewBox, so the chart scales


# The funding chart -------------------------------------------------------------------------------------------------


def test_funding_chart_describes_each_year_and_draws_bars_in_proportion():
    """Largest bar £1,502,449 → 440 px; £751,224.50 is half of it → 220 px; £321,000 → 321,000 × 440 ÷ 1,502,449
    = 94.005… → 94 px; £0 → no bar."""
    svg = charts.funding_by_source_chart(
        [
            ("2013/14", [("Partners' pledges", Decimal("1502449")), ("Reserve drawdowns", Decimal("0"))]),
            ("2014/15", [("Partners' pledges", Decimal("751224.50")), ("Reserve drawdowns", Decimal("321000"))]),
        ]
    )
    root = _parse(svg)
    _assert_accessible(root)
    assert _title(root) == "Funding by source per year"
    assert _desc(root) == (
        "2013/14: Partners' pledges £1,502,449, Reserve drawdowns £0; £1,502,449 in all. "
        "2014/15: Partners' pledges £751,224.50, Reserve drawdowns £321,000; £1,072,224.50 in all."
    )
    assert _bars(root) == [440, 220, 94]
    texts = _texts(root)
    for label in ("2013/14: £1,502,449 in all", "Partners' pledges", "£1,502,449", "£0", "£321,000"):
        assert label in texts
    # A source keeps its colour from year to year; the two sources differ.
    fills = [rect.get("fill") for rect in root.iter(f"{{{charts.SVG_NS}}}rect")]
    assert fills == [charts.BLUE, charts.BLUE, charts.GREEN]


def test_allocation_chart_gives_each_stream_its_amount_and_share():
    """£1,502,449 split 5/17/68/10 by largest remainder: £75,123, £255,416, £1,021,665, £150,245. The largest is
    440 px; 75,123 × 440 ÷ 1,021,665 = 32.35… → 32; 255,416 × 440 ÷ 1,021,665 = 110.000… → 110;
    150,245 × 440 ÷ 1,021,665 = 64.70… → 65. Shares of £1,502,449, to one place: 5%, 17%, 68%, 10%."""
    streams = [
        ("Workforce and Co-ordination", Decimal("75123")),
        ("Early Support", Decimal("255416")),
        ("Medium and High Risk Support", Decimal("1021665")),
        ("Perpetrators", Decimal("150245")),
    ]
    root = _parse(charts.allocation_chart("2013/14", streams))
    _assert_accessible(root)
    assert _title(root) == "Allocation by work-stream, 2013/14"
    assert _desc(root) == (
        "Allocated to work-streams in 2013/14: £1,502,449 in all. Workforce and Co-ordination £75,123 (5%); "
        "Early Support £255,416 (17%); Medium and High Risk Support £1,021,665 (68%); Perpetrators £150,245 (10%)."
    )
    assert _bars(root) == [32, 110, 440, 65]
    assert "£1,021,665 (68%)" in _texts(root)


def test_secured_chart_fills_the_bar_to_the_target_with_segments_ending_on_whole_pixels():
    """Target £3,500,000 fills 624 px (640 less two 8 px margins). Secured £2,000,000 ends at 2,000,000 × 624 ÷
    3,500,000 = 356.57 → 357; with provisional £455,000 the running £2,455,000 ends at 437.69 → 438, so
    provisional is 81 px; still to find (£1,045,000) is the remaining 624 − 438 = 186 px."""
    position = SecuredPosition(secured=Decimal("2000000"), provisional=Decimal("455000"), target=Decimal("3500000"))
    root = _parse(charts.secured_vs_target_chart(position))
    _assert_accessible(root)
    assert _title(root) == "Secured against the target"
    assert _desc(root) == (
        "Secured £2,000,000, provisional £455,000, still to find £1,045,000, against a target of £3,500,000."
    )
    assert _bars(root)[:3] == [357, 81, 186]
    texts = _texts(root)
    for label in ("Secured £2,000,000", "Provisional £455,000", "Still to find £1,045,000"):
        assert label in texts
    line = root.find("svg:line", NS)
    assert line is not None
    assert line.get("x1") == str(8 + 624)


def test_secured_chart_beyond_the_target_scales_to_the_funding_and_marks_the_target_inside_it():
    """£3,000,000 + £855,000 = £3,855,000 passes the £3,500,000 target by £355,000; the target's marker is at
    8 + 3,500,000 × 624 ÷ 3,855,000 = 8 + 566.5… → 8 + 567."""
    position = SecuredPosition(secured=Decimal("3000000"), provisional=Decimal("855000"), target=Decimal("3500000"))
    assert position.to_find == Decimal("0")
    assert position.beyond == Decimal("355000")
    root = _parse(charts.secured_vs_target_chart(position))
    assert "beyond the target £355,000" in _desc(root)
    assert "Beyond the target £355,000" in _texts(root)
    assert root.find("svg:line", NS).get("x1") == str(8 + 567)  # type: ignore[union-attr]
    assert sum(_bars(root)[:2]) == 624


# Nothing to show ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "svg",
    [
        charts.funding_by_source_chart([]),
        charts.funding_by_source_chart([("2013/14", [("Partners' pledges", Decimal("0"))])]),
        charts.allocation_chart("2013/14", []),
        charts.allocation_chart("2013/14", [("Early Support", Decimal("0")), ("Perpetrators", Decimal("0"))]),
        charts.secured_vs_target_chart(SecuredPosition(Decimal("0"), Decimal("0"), Decimal("0"))),
    ],
)
def test_a_chart_with_nothing_to_draw_says_so(svg):
    root = _parse(svg)
    _assert_accessible(root)
    assert _desc(root).startswith("Nothing to show: ")
    assert _texts(root) == [_desc(root)]
    assert _bars(root) == []


def test_zero_target_with_funding_is_all_beyond_the_target():
    root = _parse(charts.secured_vs_target_chart(SecuredPosition(Decimal("5000"), Decimal("0"), Decimal("0"))))
    assert _desc(root) == "Secured £5,000, provisional £0, beyond the target £5,000, against a target of £0."
    assert root.find("svg:line", NS) is None  # no target to mark
    assert _bars(root)[0] == 624


def test_a_negative_amount_draws_no_bar_but_keeps_its_value():
    root = _parse(charts.allocation_chart("2013/14", [("A", Decimal("1000")), ("B", Decimal("-200"))]))
    assert _bars(root) == [440]
    assert "-£200 (-25%)" in _texts(root)


# User text ---------------------------------------------------------------------------------------------------------


def test_hostile_labels_are_escaped_and_read_back_as_the_words_typed():
    svg = charts.funding_by_source_chart([(HOSTILE, [(HOSTILE, Decimal("100"))])])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "& " not in svg.replace("&amp; ", "")
    root = _parse(svg)  # still well-formed XML
    assert HOSTILE in _texts(root)
    assert _desc(root).startswith(f"{HOSTILE}: {HOSTILE} £100")
    svg = charts.allocation_chart(HOSTILE, [(HOSTILE, Decimal("100"))], chart_id='x"><script>')
    assert "<script>" not in svg
    root = _parse(svg)
    assert root.get("id") == 'x"><script>'
    assert _title(root) == f"Allocation by work-stream, {HOSTILE}"


# Properties --------------------------------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=Decimal("10000000000"), places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(amounts, min_size=1, max_size=12))
@settings(max_examples=200, deadline=None)
def test_bars_stay_in_the_plot_and_larger_amounts_never_get_shorter_bars(values):
    largest = max(values)
    lengths = {value: bar_length(value, largest) for value in values}
    assert all(0 <= length <= PLOT_WIDTH for length in lengths.values())
    ordered = sorted(values)
    assert all(lengths[a] <= lengths[b] for a, b in zip(ordered, ordered[1:], strict=False))
    if largest > 0:
        assert lengths[largest] == PLOT_WIDTH

    root = _parse(charts.allocation_chart("2013/14", [(f"Stream {i}", value) for i, value in enumerate(values)]))
    for rect in root.iter(f"{{{charts.SVG_NS}}}rect"):
        assert int(rect.get("x", "0")) + int(rect.get("width", "0")) <= charts.MARGIN + PLOT_WIDTH


@given(amounts, amounts, amounts)
@settings(max_examples=200, deadline=None)
def test_the_secured_bar_never_leaves_the_chart(secured, provisional, target):
    root = _parse(charts.secured_vs_target_chart(SecuredPosition(secured, provisional, target)))
    for rect in root.iter(f"{{{charts.SVG_NS}}}rect"):
        assert int(rect.get("x", "0")) >= 0
        assert int(rect.get("x", "0")) + int(rect.get("width", "0")) <= WIDTH - charts.MARGIN
    line = root.find("svg:line", NS)
    if line is not None:
        assert charts.MARGIN <= int(line.get("x1", "0")) <= WIDTH - charts.MARGIN


def test_share_text_is_half_up_to_one_place():
    assert charts.share_text(Decimal("1"), Decimal("8")) == "12.5%"
    assert charts.share_text(Decimal("1"), Decimal("3")) == "33.3%"
    assert charts.share_text(Decimal("2"), Decimal("3")) == "66.7%"
    assert charts.share_text(Decimal("1"), Decimal("0")) == ""
    assert bar_length(Decimal("1"), Decimal("0")) == 0


def test_bar_arithmetic_takes_decimals_not_floats():
    assert bar_length(Decimal("0.01"), Decimal("880")) == 0  # 0.005 px rounds down
    assert bar_length(Decimal("1"), Decimal("880")) == 1  # 0.5 px rounds half-up
    assert isinstance(bar_length(Decimal("1"), Decimal("3")), int)


# On the pages and in the PDF -----------------------------------------------------------------------------------------


@pytest.fixture
def book(commission, partner_a, partner_b, officer):  # type: ignore[no-untyped-def]
    return build_book(commission, partner_a, partner_b, officer)


def _svgs(page: str) -> dict[str, ET.Element]:
    """Every chart on a page, by id, parsed as XML."""
    found = {}
    start = page.find("<svg")
    while start != -1:
        end = page.index("</svg>", start) + len("</svg>")
        root = _parse(page[start:end])
        found[root.get("id", "")] = root
        start = page.find("<svg", end)
    return found


@pytest.mark.django_db
def test_fund_statement_page_charts_funding_by_source_and_the_years_allocations(as_user, auditor, book):
    """The book's 2013/14: A £7,000 and B £12,000 pledged (£19,000); 2014/15: £19,000 pledged and £321,000 drawn
    from the reserve; 2015/16: B's £12,000 and £2,400 carried forward (£1,000 + £1,400). 2013/14's £19,000 is
    allocated £950 / £3,230 / £12,920 / £1,900: 5% / 17% / 68% / 10%."""
    page = as_user(auditor).get(reverse("fund-statement", args=[book.commission.pk]), {"year": "2013"})
    assert page.status_code == 200
    svgs = _svgs(page.content.decode())
    funding, allocation = svgs[charts.FUNDING_CHART_ID], svgs[charts.ALLOCATION_CHART_ID]
    assert _desc(funding) == (
        "2013/14: Partners' pledges £19,000, Reserve drawdowns £0, Carried forward from earlier years £0; "
        "£19,000 in all. "
        "2014/15: Partners' pledges £19,000, Reserve drawdowns £321,000, Carried forward from earlier years £0; "
        "£340,000 in all. "
        "2015/16: Partners' pledges £12,000, Reserve drawdowns £0, Carried forward from earlier years £2,400; "
        "£14,400 in all."
    )
    assert _desc(allocation) == (
        "Allocated to work-streams in 2013/14: £19,000 in all. Workforce and Co-ordination £950 (5%); "
        "Early Support £3,230 (17%); Medium and High Risk Support £12,920 (68%); Perpetrators £1,900 (10%)."
    )
    # The table under the funding chart holds the same figures.
    assert "Secured funding by source and financial year" in page.content.decode()


@pytest.mark.django_db
def test_fund_statement_escapes_a_hostile_work_stream_name_in_the_chart(as_user, auditor, book):
    stream = book.streams["Perpetrators"]
    stream.name = HOSTILE
    stream.save()
    content = as_user(auditor).get(reverse("fund-statement", args=[book.commission.pk]), {"year": "2013"})
    page = content.content.decode()
    assert '<script>alert("x")' not in page
    assert "&lt;script&gt;alert(" in page
    assert f"{HOSTILE} £1,900 (10%)" in _desc(_svgs(page)[charts.ALLOCATION_CHART_ID])


@pytest.fixture
def letters(settings, commission, partner_a, partner_b, officer):  # type: ignore[no-untyped-def]
    settings.TASKS = IMMEDIATE_TASKS
    draft_requests(commission, [(partner_a, "7000"), (partner_b, "12000")])
    issued = services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)
    return {letter.partner_id: letter for letter in issued}


@pytest.mark.django_db
def test_returns_dashboard_charts_secured_and_waiting_for_review_against_the_target(
    as_user, officer, commission, letters, partner_a, partner_b
):
    """A agrees £7,000 a year for 3 years and is accepted: £21,000 secured. B agrees £12,000 a year, waiting for
    review: £36,000 provisional. Still to find: target − £21,000 − £36,000."""
    a, b = letters[partner_a.pk], letters[partner_b.pk]
    services.return_accept(
        pro_forma_return=services.return_submit(letter=a, data=agree(a), by=None, via="link"), by=officer
    )
    services.return_submit(letter=b, data=agree(b), by=None, via="link")
    page = as_user(officer).get(reverse("returns-dashboard", args=[commission.pk])).content.decode()
    to_find = commission.target - Decimal("21000") - Decimal("36000")
    chart = _svgs(page)[charts.SECURED_CHART_ID]
    assert _desc(chart) == (
        f"Secured £21,000, agreed, waiting for review £36,000, still to find £{to_find:,.0f}, "
        f"against a target of £{commission.target:,.0f}."
    )
    assert "Agreed in returns waiting for review (provisional until accepted)" in page
    assert f"£{to_find:,.0f}" in page.split("</svg>")[1]  # and in the table after it


@pytest.mark.django_db
def test_a_declined_return_is_not_provisional(as_user, officer, commission, letters, partner_b):
    b = letters[partner_b.pk]
    services.return_submit(letter=b, data=decline(b), by=None, via="link")
    page = as_user(officer).get(reverse("returns-dashboard", args=[commission.pk])).content.decode()
    assert "agreed, waiting for review £0," in _desc(_svgs(page)[charts.SECURED_CHART_ID])


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.django_db
def test_commission_summary_pdf_draws_the_charts_with_their_text_labels(as_user, officer, book):
    """Secured in all years: £19,000 + £340,000 + £14,400 = £373,400; against the £3,500,000 target £3,126,600 is
    still to find."""
    response = as_user(officer).get(reverse("commission-summary-pdf", args=[book.commission.pk]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # still tagged
    text = _pdf_text(response.content)
    for label in (
        "Target £3,500,000 (the black line)",
        "Secured £373,400",
        "Still to find £3,126,600",
        "2014/15: £340,000 in all",
        "Reserve drawdowns",
        "£12,920 (68%)",
    ):
        assert label in text, label


@pytest.mark.django_db
def test_commission_summary_pdf_queries_do_not_grow_with_the_ledger(
    as_user, officer, commission, partner_a, django_assert_max_num_queries
):
    client = as_user(officer)
    url = reverse("commission-summary-pdf", args=[commission.pk])
    year, stream = commission.years.get(number=1), commission.work_streams.get(name="Perpetrators")
    counts = []
    for times in (1, 20):
        for _ in range(times):
            ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=Decimal("10"), by=None)
            ledger.allocation_post(financial_year=year, work_stream=stream, amount=Decimal("10"), by=None)
        with django_assert_max_num_queries(20) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
