"""Reads for the import pages: a commission's imported tables and uploads, and a table's lines for export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from allocations.models import ImportUpload, TableImport
from allocations.resources import RESOURCES
from commissioning.models import Commission


def commission_table_imports(commission: Commission) -> QuerySet[TableImport]:
    """The commission's imported tables, newest first, with what the imports page shows of each."""
    return commission.table_imports.select_related("financial_year", "imported_by").order_by("-imported_at", "-pk")


def commission_import_uploads(commission: Commission, *, limit: int = 20) -> list[ImportUpload]:
    """The commission's latest uploads (waiting, running or finished), newest first."""
    return list(
        commission.import_uploads.select_related("uploaded_by", "table_import")
        .defer("data")
        .order_by("-uploaded_at", "-pk")[:limit]
    )


def table_import_lines(table: TableImport) -> QuerySet[Any]:
    """The lines of an imported table, as its export writes them."""
    resource = RESOURCES[table.kind]()
    return resource.get_queryset().filter(**{resource.table_lookup: table}).order_by(*resource.line_order)
