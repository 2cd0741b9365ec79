"""The one PDF renderer: real PDFs read back, tagged for accessibility, and closed to files and the network."""

from __future__ import annotations

import base64
import io
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reports.pdf import html_to_pdf, render_pdf
from tests import factories

pytestmark = pytest.mark.django_db

# A 1×1 PNG: small enough to inline, real enough for WeasyPrint to embed.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


class _CountingServer:
    """A real HTTP server on 127.0.0.1 that counts every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                outer.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red }")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _CountingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def counting_server():  # type: ignore[no-untyped-def]
    with _CountingServer() as server:
        yield server


def _document(body: str, head: str = "") -> str:
    return f'<!DOCTYPE html><html lang="en-GB"><head><title>Test</title>{head}</head><body>{body}</body></html>'


def test_commission_summary_pdf_reads_back_with_the_figures_computed_from_the_lines(as_user, officer, commission):
    factories.MembershipFactory(commission=commission, requested_per_year=Decimal("7000"))
    factories.MembershipFactory(commission=commission, requested_per_year=Decimal("12000"))
    factories.ReserveFactory(commission=commission, name="Crime and Disorder reserve")
    response = as_user(officer).get(reverse("commission-summary-pdf", args=[commission.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = _text(response.content)
    for expected in (commission.name, "2013/14", "2015/16", "£3,500,000", "£3.500m", "£19,000", "68%", "£730,000"):
        assert expected in text, expected
    assert officer.get_username() in text  # the stamp says who produced it


def test_pdfs_are_tagged_pdf_ua_with_the_document_language(commission):
    pdf = render_pdf("reports/commission_summary.html", {"commission": commission, "overview": _overview(commission)})
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"]) is True
    assert catalog["/Lang"] == "en-GB"
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()  # type: ignore[union-attr]


def _overview(commission):  # type: ignore[no-untyped-def]
    from commissioning.selectors import commission_overview

    return commission_overview(commission)


def test_text_typed_by_users_reaches_the_pdf_as_text_never_as_markup(commission, counting_server, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_1X1)
    hostile = (
        f'<img src="file://{secret}"><img src="file:///etc/passwd">'
        f'<link rel="stylesheet" href="{counting_server.url}/evil.css">'
    )
    factories.WorkStreamFactory(commission=commission, name="Hostile", description=hostile)
    pdf = render_pdf("reports/commission_summary.html", {"commission": commission, "overview": _overview(commission)})
    assert counting_server.requests == []
    assert _image_count(pdf) == 0
    # Shown as the words the user typed (the long line wraps, so compare without white space).
    assert '<imgsrc="file:///etc/passwd">' in "".join(_text(pdf).split())


def test_file_urls_are_neither_read_nor_embedded_even_if_markup_got_through(tmp_path, caplog):
    """Defence in depth: were escaping ever bypassed, the fetcher still refuses local files."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_1X1)
    images = f'<img src="file://{secret}" alt=""><img src="file:///etc/passwd" alt="">'
    pdf = html_to_pdf(_document(f"<p>Report</p>{images}"))
    assert _image_count(pdf) == 0
    assert "root:" not in _text(pdf)
    refused = [record.getMessage() for record in caplog.records if record.name == "reports.pdf"]
    assert f"PDF renderer refused file://{secret}" in refused
    assert "PDF renderer refused file:///etc/passwd" in refused


def test_network_urls_are_never_fetched_even_if_markup_got_through(counting_server):
    html = _document(
        f'<p>Report</p><img src="{counting_server.url}/pixel.png" alt="">',
        head=f'<link rel="stylesheet" href="{counting_server.url}/evil.css">'
        f"<style>@import url('{counting_server.url}/imported.css');</style>",
    )
    pdf = html_to_pdf(html)
    assert counting_server.requests == []
    assert "Report" in _text(pdf)


def test_static_files_of_the_project_are_served_but_not_paths_outside_them(caplog):
    html = _document(
        "<p>Styled</p>",
        head='<link rel="stylesheet" href="/static/pdf/report.css">'
        '<link rel="stylesheet" href="/static/../commissioning/settings.py">'
        '<link rel="stylesheet" href="/static/%2e%2e/%2e%2e/etc/passwd">',
    )
    pdf = html_to_pdf(html)
    assert "Styled" in _text(pdf)
    refused = " ".join(record.getMessage() for record in caplog.records if record.name == "reports.pdf")
    assert "report.css" not in refused
    assert "passwd" in refused or "settings.py" in refused


def test_raster_data_images_are_embedded_and_other_data_urls_refused(caplog):
    png = base64.b64encode(PNG_1X1).decode()
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>').decode()
    pdf = html_to_pdf(
        _document(
            f'<img src="data:image/png;base64,{png}" alt="a dot">'
            f'<img src="data:image/svg+xml;base64,{svg}" alt="">'
            '<link rel="stylesheet" href="data:text/css,body{color:red}">'
        )
    )
    assert _image_count(pdf) == 1
    refused = [record.getMessage() for record in caplog.records if record.name == "reports.pdf"]
    assert len(refused) == 2
