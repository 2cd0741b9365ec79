"""The fund statement report for partners, a tagged PDF of a year or a quarter: read back with pypdf against figures
worked out by hand, who may download it, what bad input gets, and query counts that do not grow with partners.

The Lancashire demo's 2014/15 figures are those of the hand-checked table in test_demo_ledger.py: the districts
pledge £101,000 a year and the host the balance, £1,080,449; £321,000 is drawn from the Crime and Disorder
reserve; secured £1,181,449 + £321,000 = £1,502,449, the plan, so no shortfall; £1,502,449 allocated 5/17/68/10.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from commissioning import ledger
from commissioning.models import Commission
from partners.models import Partner
from reports.selectors import ReportPeriod, fund_statement_report, partner_statement_report
from tests import factories
from tests.statement_support import build_book

pytestmark = pytest.mark.django_db

D = Decimal
STAFF = ("officer", "manager", "auditor")


def _pdf_text(content: bytes) -> str:
    """The PDF's text, its runs of white space made single spaces (table cells wrap across lines), and a space
    between amounts that pypdf runs together in bold cells ("£0£1,502,449")."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"(\d)£", r"\1 £", re.sub(r"\s+", " ", text))


def _fund_url(commission: Commission) -> str:
    return reverse("fund-statement-pdf", args=[commission.pk])


def _fund_query(year: int, period: str) -> dict[str, str]:
    return {"report-year": str(year), "report-period": period}


def _partner_url(partner: Partner, commission: Commission) -> str:
    return reverse("partner-statement-pdf", args=[partner.pk, commission.pk])


def _assert_pdf(response) -> bytes:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return response.content  # type: ignore[no-any-return]


def _assert_tagged(content: bytes, title: str) -> None:
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"]) is True
    assert catalog["/Lang"] == "en-GB"
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()  # type: ignore[union-attr]
    assert reader.metadata is not None
    assert reader.metadata.title == title
    assert reader.outline, "the headings make the document outline"


# The Lancashire demo -----------------------------------------------------------------------------------------


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=StringIO())
    return Commission.objects.get()


def test_the_demo_annual_report_for_2014_15_has_the_hand_checked_figures(as_user, auditor, demo):
    content = _assert_pdf(as_user(auditor).get(_fund_url(demo), _fund_query(2014, "annual")))
    _assert_tagged(content, f"{demo.name}: fund statement, 2014/15")
    text = _pdf_text(content)
    assert "Page 1 of " in text
    assert "2014/15: 1 April 2014 to 31 March 2015" in text
    assert "Every transaction the ledger holds for 2014/15, whatever its date" in text
    # Funding position: plan £1,502,449 = secured, requested £101,000 (the districts' requests), no shortfall.
    assert "Plan (the year's budget) £1,502,449" in text
    assert "Requested from partners £101,000" in text
    assert "Secured £1,502,449" in text
    assert "Shortfall (plan less secured and provisional) £0" in text
    # Secured by source; the total is the sum of the lines: 1,181,449 + 321,000 + 0 = 1,502,449.
    assert "Partners' pledges £1,181,449" in text
    assert "Reserve drawdowns £321,000" in text
    assert "Secured (sum of the lines) £1,502,449" in text
    # Each partner: Preston £12,000 pledged, nothing invoiced or received; the host the balance.
    assert "Preston City Council £12,000 £0 £0 £12,000" in text
    assert "Lancashire County Council £1,080,449 £0 £0 £1,080,449" in text
    assert "Total (sum of the lines) £1,181,449 £0 £0 £1,181,449" in text
    # Allocations 75,123 + 255,416 + 1,021,665 + 150,245 = 1,502,449; no forecast, so variance = allocation.
    assert "Perpetrators £150,245 £0 £150,245 £0 £0" in text
    assert "Total (sum of the lines) £1,502,449 £0 £1,502,449 £0 £0" in text
    assert "Drawn from Crime and Disorder reserve into 2014/15 £321,000" in text
    assert "Drawn and carried in (sum of the lines) £321,000" in text


def test_the_demo_partner_report_of_preston_names_no_other_partner(as_user, demo):
    preston = Partner.objects.get(name="Preston City Council")
    lead = factories.PartnerLeadFactory(partner=preston)
    content = _assert_pdf(as_user(lead).get(_partner_url(preston, demo), {"year": "2014", "period": "annual"}))
    _assert_tagged(content, f"Preston City Council: statement for {demo.name}, 2014/15")
    text = _pdf_text(content)
    assert "Pledged £12,000" in text
    assert "Outstanding (pledged less received) £12,000" in text
    assert "2014/15 in all (sum of the lines) £12,000 £0 £0" in text
    assert "Page 1 of 1" in text
    others = Partner.objects.exclude(pk=preston.pk).values_list("name", flat=True)
    assert len(others) > 10
    for name in others:
        assert name not in text, name
    assert "£1,080,449" not in text
    assert "£101,000" not in text

    # Another district's lead gets a 404, the same as for a partner that does not exist.
    chorley_lead = factories.PartnerLeadFactory(partner=Partner.objects.get(name="Chorley Council"))
    response = as_user(chorley_lead).get(_partner_url(preston, demo), {"year": "2014", "period": "annual"})
    assert response.status_code == 404


# A quarter against the year ----------------------------------------------------------------------------------


@pytest.fixture
def book(commission, partner_a, partner_b, officer):  # type: ignore[no-untyped-def]
    return build_book(commission, partner_a, partner_b, officer)


def test_a_quarter_report_counts_transactions_dated_in_it_and_the_position_at_its_end(as_user, manager, book):
    """2013/14 in tests/statement_support.build_book, by date:

    | transaction | date | quarter |
    | A pledges 7,000 | 20 Mar 2013 | before the year |
    | B pledges 12,000 | 10 Apr 2013 | Q1 |
    | A and B invoiced 7,000 and 12,000 | 1 May 2013 | Q1 |
    | allocations 950 + 3,230 + 12,920 + 1,900 = 19,000 | 1 Jun 2013 | Q1 |
    | A pays 7,000 | 15 Jul 2013 | Q2 |
    | B pays 2,000 | 1 Oct 2013 | Q3 |
    | forecasts 950 + 2,000 + 12,000 + 500 = 15,450 | 31 Dec 2013 | Q3 |
    | B pays 3,000 | 15 Jan 2014 | Q4 |

    Q1, dated in it: pledged 12,000, invoiced 19,000, received 0, allocated 19,000.
    Q1, at 30 June 2013: pledged 19,000, invoiced 19,000, received 0, outstanding 19,000; forecast 0, so
    variance 19,000. The year: received 7,000 + 2,000 + 3,000 = 12,000, outstanding 7,000, forecast 15,450,
    variance 19,000 − 15,450 = 3,550.
    """
    client = as_user(manager)
    quarter = _pdf_text(_assert_pdf(client.get(_fund_url(book.commission), _fund_query(2013, "q1"))))
    year = _pdf_text(_assert_pdf(client.get(_fund_url(book.commission), _fund_query(2013, "annual"))))
    a, b = book.partner_a.name, book.partner_b.name

    assert "Q1 2013/14: 1 April 2013 to 30 June 2013" in quarter
    assert "every transaction for 2013/14 dated on or before 30 June 2013" in quarter
    assert "Partners' pledges £12,000 £19,000" in quarter  # in the quarter, at its end
    # Dated in the quarter (no outstanding column), then at 30 June 2013.
    assert f"{a} £0 £7,000 £0 {b} £12,000 £12,000 £0 Total (sum of the lines) £12,000 £19,000 £0 " in quarter
    assert f"{a} £7,000 £7,000 £0 £7,000 {b} £12,000 £12,000 £0 £12,000" in quarter
    assert "Total (sum of the lines) £19,000 £19,000 £0 £19,000" in quarter
    assert "Total (sum of the lines) £19,000 £0 £0 £0" in quarter  # allocated in Q1; no forecast, spend or carry
    assert "Total (sum of the lines) £19,000 £0 £19,000 £0 £0" in quarter  # at 30 June: variance = allocation

    assert "Total (sum of the lines) £19,000 £19,000 £12,000 £7,000" in year
    assert "Total (sum of the lines) £19,000 £15,450 £3,550 £6,400 £2,400" in year
    assert "Partners' pledges £19,000" in year
    assert "Dated in the quarter" not in year


def test_a_quarter_of_the_partners_report_differs_from_its_year(as_user, lead_b, book):
    """Partner B, 2013/14: pledged 12,000 and invoiced 12,000 in Q1; paid 2,000 (1 Oct, Q3) and 3,000 (15 Jan 2014,
    Q4). Q3: received 2,000 in it; at 31 December 2013 received 2,000, outstanding 12,000 − 2,000 = 10,000. The
    year: received 5,000, outstanding 7,000."""
    client = as_user(lead_b)
    url = _partner_url(book.partner_b, book.commission)
    quarter = _pdf_text(_assert_pdf(client.get(url, {"year": "2013", "period": "q3"})))
    year = _pdf_text(_assert_pdf(client.get(url, {"year": "2013", "period": "annual"})))
    assert "Q3 2013/14: 1 October 2013 to 31 December 2013" in quarter
    assert "Pledged £0 £12,000 Invoiced £0 £12,000 Received £2,000 £2,000" in quarter
    assert "Outstanding (pledged less received) – £10,000" in quarter
    assert "Received £5,000" in year
    assert "Outstanding (pledged less received) £7,000" in year
    assert book.partner_a.name not in quarter + year


def test_q4_runs_from_january_to_march_of_the_next_calendar_year(as_user, officer, book):
    """2013/14 Q4: B's £3,000 of 15 January 2014 and the spend of 31 March 2014 (6,000 + 400 = 6,400) and the
    carry-forward of 1,000 + 1,400 = 2,400, all dated in it."""
    text = _pdf_text(_assert_pdf(as_user(officer).get(_fund_url(book.commission), _fund_query(2013, "q4"))))
    assert "Q4 2013/14: 1 January 2014 to 31 March 2014" in text
    assert "Total (sum of the lines) £0 £0 £3,000 " in text
    assert "Total (sum of the lines) £0 £0 £6,400 £2,400" in text


# Who may download it ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", STAFF)
def test_staff_download_both_reports(as_persona, persona, book):
    client = as_persona(persona)
    _assert_pdf(client.get(_fund_url(book.commission), _fund_query(2014, "q2")))
    _assert_pdf(client.get(_partner_url(book.partner_a, book.commission), {"year": "2014", "period": "q2"}))


def test_anonymous_visitors_are_sent_to_sign_in(client, book):
    for url in (_fund_url(book.commission), _partner_url(book.partner_a, book.commission)):
        response = client.get(url, {**_fund_query(2014, "annual"), "year": "2014", "period": "annual"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "lead_a", "lead_b"])
def test_outsiders_and_partner_leads_are_refused_the_commissions_report(as_persona, persona, book):
    assert as_persona(persona).get(_fund_url(book.commission), _fund_query(2014, "annual")).status_code == 403


def test_an_outsider_is_refused_a_partners_report(as_persona, book):
    url = _partner_url(book.partner_a, book.commission)
    assert as_persona("outsider").get(url, {"year": "2014", "period": "annual"}).status_code == 403


def test_a_partner_lead_downloads_their_own_report_and_not_another_partners(as_user, lead_a, book):
    client = as_user(lead_a)
    query = {"year": "2014", "period": "annual"}
    _assert_pdf(client.get(_partner_url(book.partner_a, book.commission), query))
    assert client.get(_partner_url(book.partner_b, book.commission), query).status_code == 404
    assert client.get(_partner_url(book.partner_a, factories.CommissionFactory()), query).status_code == 404


def test_the_statement_pages_offer_the_report(as_user, officer, lead_a, book):
    page = as_user(officer).get(reverse("fund-statement", args=[book.commission.pk])).content.decode()
    assert f'action="{_fund_url(book.commission)}"' in page
    assert 'name="report-period"' in page
    url = reverse("partner-statement", args=[book.partner_a.pk, book.commission.pk])
    page = as_user(lead_a).get(url).content.decode()
    assert f'action="{_partner_url(book.partner_a, book.commission)}"' in page
    assert 'name="period"' in page


# Bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (_fund_query(2014, "q5"), "Select the whole year or a quarter from Q1 to Q4"),
        (_fund_query(2020, "annual"), "Select one of the commission&#x27;s financial years"),
        ({"report-year": "2014"}, "Select the whole year or a quarter"),
        ({"report-year": "next", "report-period": "annual"}, "Select one of the commission&#x27;s financial years"),
    ],
)
def test_a_bad_year_or_period_shows_the_statement_page_with_the_error_and_no_pdf(
    as_user, auditor, book, query, message
):
    response = as_user(auditor).get(_fund_url(book.commission), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert 'href="#id_report-' in page  # the error summary links to the field


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "2014", "period": "q5"}, "Select the whole year or a quarter from Q1 to Q4"),
        ({"year": "1999", "period": "q1"}, "Select one of the commission&#x27;s financial years"),
    ],
)
def test_a_bad_year_or_period_on_the_partners_report_is_an_error_and_no_pdf(as_user, lead_a, book, query, message):
    response = as_user(lead_a).get(_partner_url(book.partner_a, book.commission), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()


# Query counts -------------------------------------------------------------------------------------------------


def test_report_queries_do_not_grow_with_partners(as_user, officer, book, django_assert_max_num_queries):
    client = as_user(officer)
    year = book.commission.years.get(number=2)
    requests = [
        (_fund_url(book.commission), _fund_query(2014, "annual"), 13),
        (_fund_url(book.commission), _fund_query(2014, "q1"), 16),
        (_partner_url(book.partner_a, book.commission), {"year": "2014", "period": "q1"}, 9),
    ]
    counts: list[list[int]] = []
    for _ in range(2):
        counts.append([])
        for url, query, most in requests:
            with django_assert_max_num_queries(most) as captured:
                _assert_pdf(client.get(url, query))
            counts[-1].append(len(captured.captured_queries))
        for _ in range(8):
            partner = factories.MembershipFactory(commission=book.commission).partner
            ledger.pledge_accepted_post(partner=partner, financial_year=year, amount=Decimal("1000"), by=None)
    assert counts[0] == counts[1]


# The selectors ------------------------------------------------------------------------------------------------


def test_quarters_run_april_to_march(commission):
    year = commission.years.get(start_year=2014)
    dates = [(ReportPeriod(year, q).starts_on, ReportPeriod(year, q).ends_on) for q in (1, 2, 3, 4)]
    assert dates == [
        (date(2014, 4, 1), date(2014, 6, 30)),
        (date(2014, 7, 1), date(2014, 9, 30)),
        (date(2014, 10, 1), date(2014, 12, 31)),
        (date(2015, 1, 1), date(2015, 3, 31)),
    ]
    assert (ReportPeriod(year).starts_on, ReportPeriod(year).ends_on) == (date(2014, 4, 1), date(2015, 3, 31))
    assert ReportPeriod(year, 4).dates == "1 January 2015 to 31 March 2015"


def test_the_quarter_figures_are_summed_from_transactions_dated_in_it(book):
    """2013/14 Q2 (1 July – 30 September 2013): only A's receipt of £7,000 (15 July) is dated in it. At 30
    September: pledged 7,000 + 12,000 = 19,000, invoiced 19,000, received 7,000, outstanding 12,000; allocated
    19,000, forecast 0 (the forecasts are dated 31 December). The year: received 12,000, forecast 15,450."""
    year = book.commission.years.get(start_year=2013)
    report = fund_statement_report(book.commission, period=ReportPeriod(year, 2))
    moved, position = report.movements, report.position
    assert moved is not None
    assert (moved.pledged, moved.invoiced, moved.received, moved.allocated, moved.forecast) == (
        D("0"),
        D("0"),
        D("7000"),
        D("0"),
        D("0"),
    )
    assert [(line.name, line.received) for line in moved.partners] == [(book.partner_a.name, D("7000"))]
    assert (position.pledged, position.invoiced, position.received, position.outstanding) == (
        D("19000"),
        D("19000"),
        D("7000"),
        D("12000"),
    )
    assert (position.allocated, position.forecast, position.variance) == (D("19000"), D("0"), D("19000"))
    annual = fund_statement_report(book.commission, period=ReportPeriod(year))
    assert annual.movements is None
    assert (annual.position.received, annual.position.forecast) == (D("12000"), D("15450"))

    mine = partner_statement_report(book.commission, book.partner_a, period=ReportPeriod(year, 2))
    assert mine.movements is not None
    assert (mine.movements.pledged, mine.movements.received) == (D("0"), D("7000"))
    assert (mine.position.pledged, mine.position.received, mine.position.outstanding) == (
        D("7000"),  # pledged 20 March 2013, before the year: in the position at any quarter's end
        D("7000"),
        D("0"),
    )


def test_table_headers_repeat_on_every_page_a_table_runs_onto(as_user, officer, commission):
    """Sixty partners make the partners' table run over a page: its header row is printed again on the next."""
    year = commission.years.get(start_year=2013)
    for number in range(60):
        partner = factories.MembershipFactory(commission=commission, partner__name=f"District {number:02}").partner
        ledger.pledge_accepted_post(partner=partner, financial_year=year, amount=Decimal("1000"), by=None)
    content = _assert_pdf(as_user(officer).get(_fund_url(commission), _fund_query(2013, "annual")))
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]
    with_header = [n for n, text in enumerate(pages) if "Partner Pledged Invoiced Received Outstanding" in text]
    assert len(with_header) >= 2
    assert with_header == list(range(with_header[0], with_header[0] + len(with_header)))  # consecutive pages
    assert f"Page 1 of {len(pages)}" in pages[0]


def test_a_quarter_with_nothing_dated_by_its_end_says_so(as_user, officer, commission):
    text = _pdf_text(_assert_pdf(as_user(officer).get(_fund_url(commission), _fund_query(2013, "q1"))))
    assert "No partner's pledge, invoice or receipt is dated in the quarter." in text
    assert "No partner's pledge, invoice or receipt is dated on or before 30 June 2013." in text
    assert "Nothing drawn from a reserve or carried in is dated in the quarter." in text
