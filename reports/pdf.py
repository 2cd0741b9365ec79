"""The one way the project makes a PDF: a Django template rendered by WeasyPrint, tagged (PDF/UA-1).

WeasyPrint fetches every image, stylesheet and font a document names through a URL fetcher. Ours serves
only the project's own static files, read from disk, and refuses everything else: no `file://`, no
network (so no redirects either), and `data:` only for raster images. A refused resource is left out and
the PDF still renders, so text a user typed can never make the renderer read a local file or call a server.
User text reaches the template through Django's autoescaping, which is the first line of defence; the
fetcher is the second.

This module imports no app of the project, so partners' letters and receipts can use it without a loop.
"""

from __future__ import annotations

import base64
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

logger = logging.getLogger(__name__)

# Relative URLs in a report resolve against this made-up origin (`.invalid` can never be a real host),
# so `{% static %}` paths arrive at the fetcher in one recognisable form.
BASE_URL = "https://pdf-static.invalid/"
_STATIC_ORIGIN = urlsplit(BASE_URL)
_DATA_IMAGE = re.compile(r"^data:(image/(?:png|jpeg|gif|webp))(;base64)?,(.*)$", re.DOTALL)
_CONTENT_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
}


class StaticOnlyFetcher(URLFetcher):
    """Serves the project's static files and raster `data:` images; refuses every other URL."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return self._data_image(url)
        path = self._static_path(url)
        if path is None:
            logger.warning("PDF renderer refused %s", url[:200])
            raise URLFetchingError(f"Refused: {url[:200]}")
        content_type = _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    def _data_image(self, url: str) -> URLFetcherResponse:
        match = _DATA_IMAGE.match(url)
        if not match:
            logger.warning("PDF renderer refused a data: URL that is not a raster image")
            raise URLFetchingError("Refused: data: URL that is not a raster image")
        content_type, is_base64, payload = match.groups()
        try:
            body = base64.b64decode(payload, validate=True) if is_base64 else unquote(payload).encode("latin-1")
        except ValueError as error:
            raise URLFetchingError("Refused: malformed data: URL") from error
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    def _static_path(self, url: str) -> Path | None:
        """The file on disk behind a static URL of this project, or None for anything else."""
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (_STATIC_ORIGIN.scheme, _STATIC_ORIGIN.netloc):
            return None
        prefix = "/" + settings.STATIC_URL.lstrip("/")
        path = unquote(parts.path)
        if not path.startswith(prefix):
            return None
        name = path.removeprefix(prefix)
        if not name or "\x00" in name:
            return None
        try:
            # Collected (possibly hashed) files first, when they are on this disk; then the source folders.
            # Both refuse `..`. A storage elsewhere (no local path) is left to the finders.
            if isinstance(staticfiles_storage, FileSystemStorage) and staticfiles_storage.exists(name):
                return Path(staticfiles_storage.path(name))
            found = finders.find(name)
        except (SuspiciousFileOperation, ValueError):
            return None
        if isinstance(found, list):
            found = found[0] if found else None
        return Path(found) if found else None


def html_to_pdf(html: str) -> bytes:
    """A tagged PDF (PDF/UA-1) of an HTML document, fetching only through `StaticOnlyFetcher`."""
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(pdf_variant="pdf/ua-1")  # type: ignore[no-any-return]


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF as a download: its type, a properly quoted attachment filename, and no content sniffing."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a template that extends `pdf/base.html` to PDF bytes.

    The template is rendered with autoescaping, like every page; the same HTML serves as the report's preview.
    """
    return html_to_pdf(render_to_string(template_name, context))
