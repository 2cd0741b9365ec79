"""Exports that are safe to open in a spreadsheet: CSV and XLSX files of imported tables.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and LibreOffice
("CSV injection"): a partner's name typed as `=HYPERLINK(...)` would run when an officer opens the export. Such a
cell is written with a leading apostrophe, so it reads as the text it is. The library's own option
(`IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`) only strips a leading `=`, which changes the text and leaves the rest.

Numbers are not text: amounts go out as numbers (an XLSX number cell; a plain `-1200.00` in CSV), so a negative
amount is never mangled and totals still add up in the spreadsheet.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from import_export.formats import base_formats
from import_export.resources import Resource
from import_export.widgets import NumberWidget

# The characters a spreadsheet takes as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FORMATS = {"csv": base_formats.CSV, "xlsx": base_formats.XLSX}


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made inert with a leading apostrophe.

    `neutralise("=1+1") == "'=1+1"`; numbers and other text come back unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeExportMixin:
    """For a django-import-export resource: neutralise text cells on export, leave number cells as numbers."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        value = super().export_field(field, instance, **kwargs)  # type: ignore[misc]
        if isinstance(field.widget, NumberWidget):
            return value
        return neutralise(value)


def export_response(*, resource: Resource, queryset: Any, file_format: str, file_name: str) -> HttpResponse:
    """A download of `queryset` through `resource`, as `csv` (UTF-8 with a byte-order mark, so Excel reads the
    pound sign right) or `xlsx` (numbers as number cells)."""
    format_class = FORMATS[file_format]
    dataset = resource.export(queryset=queryset, force_native_type=file_format == "xlsx")
    content = format_class().export_data(dataset)
    if isinstance(content, str):
        content = content.encode("utf-8-sig")
    response = HttpResponse(content, content_type=format_class().get_content_type())
    response["Content-Disposition"] = f'attachment; filename="{file_name}.{file_format}"'
    return response
