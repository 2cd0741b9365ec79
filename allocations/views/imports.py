"""Importing and exporting tables on the officer pages: upload → preview → confirm, and downloads.

Only those who may add the model a kind of table fills (commissioning officers) may upload, preview and confirm;
staff who may view it (officers, managers, auditors) may see the imported tables and download them. Partner
finance leads and everyone else are refused. The work is done by `allocations.imports.services`; these views only turn
requests into calls and results into pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from allocations.exports import FORMATS, export_response
from allocations.imports import selectors, services
from allocations.imports.forms import TableUploadForm, table_import_kind_label
from allocations.models import ImportUpload, TableImport
from allocations.resources import RESOURCES
from commissioning import job_selectors, job_views
from commissioning.models import Commission, Job, User


def _permission(kind: str, action: str) -> str:
    """`allocations.add_importedcontribution` for importing a contributions table, and so on."""
    if kind not in RESOURCES:
        raise Http404("No such kind of table.")
    return f"allocations.{action}_{RESOURCES[kind]._meta.model._meta.model_name}"


def _may(user: User, kind: str, action: str) -> bool:
    return not user.partner_id and user.has_perm(_permission(kind, action))


def _get_commission_for_user(user: User, pk: int, *, kind: str | None = None, action: str = "view") -> Commission:
    """The commission, once the user may `action` tables of `kind` (of any kind, when none is given)."""
    kinds = [kind] if kind else list(RESOURCES)
    if not any(_may(user, each, action) for each in kinds):
        raise PermissionDenied
    return get_object_or_404(Commission, pk=pk)


def _get_upload_for_user(user: User, commission_pk: int, upload_pk: int) -> ImportUpload:
    if not any(_may(user, kind, "add") for kind in RESOURCES):
        raise PermissionDenied  # before the lookup, so no one else learns which uploads exist
    upload = get_object_or_404(
        ImportUpload.objects.select_related("commission", "table_import"), pk=upload_pk, commission_id=commission_pk
    )
    if not _may(user, upload.kind, "add"):
        raise PermissionDenied
    return upload


@login_required
def import_index(request: HttpRequest, commission_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    commission = _get_commission_for_user(user, commission_pk)
    kinds = [(kind, table_import_kind_label(kind)) for kind in RESOURCES if _may(user, kind, "add")]
    readable = [kind for kind in RESOURCES if _may(user, kind, "view")]
    context = {
        "commission": commission,
        "kinds": kinds,
        "tables": selectors.commission_table_imports(commission).filter(kind__in=readable),
        "uploads": selectors.commission_import_uploads(commission) if kinds else [],
        "formats": list(FORMATS),
    }
    return render(request, "allocations/import_index.html", context)


@login_required
def import_upload(request: HttpRequest, commission_pk: int, kind: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    commission = _get_commission_for_user(user, commission_pk, kind=kind, action="add")
    form = TableUploadForm(request.POST or None, request.FILES or None, commission=commission, kind=kind)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            upload = services.import_upload_create(
                commission=commission,
                kind=kind,
                options=form.options(),
                file_name=upload_file.name,
                data=upload_file.read(),
                by=user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("import-preview", commission_pk=commission.pk, upload_pk=upload.pk)
    context = {"commission": commission, "form": form, "kind": kind, "kind_label": table_import_kind_label(kind)}
    return render(request, "allocations/import_upload.html", context)


@login_required
def import_preview(request: HttpRequest, commission_pk: int, upload_pk: int) -> HttpResponse:
    upload = _get_upload_for_user(request.user, commission_pk, upload_pk)  # type: ignore[arg-type]
    options = services.import_upload_options(upload)
    waiting = upload.status == ImportUpload.Status.UPLOADED
    context = {
        "commission": upload.commission,
        "upload": upload,
        "kind_label": table_import_kind_label(upload.kind),
        "preview": services.import_upload_preview(upload=upload, options=options) if waiting else None,
        "options": options,
    }
    job = None if waiting else job_selectors.latest_job_for(upload, kind=Job.Kind.TABLE_IMPORT)
    if job is not None:
        context.update(job_views.progress_context(request, job))
    return render(request, "allocations/import_preview.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, commission_pk: int, upload_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    upload = _get_upload_for_user(user, commission_pk, upload_pk)
    try:
        upload = services.import_upload_confirm(upload=upload, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("import-preview", commission_pk=commission_pk, upload_pk=upload_pk)
    if upload.status == ImportUpload.Status.IMPORTED:
        messages.success(request, f"Imported '{upload.table_import}'.")
    elif upload.status == ImportUpload.Status.QUEUED:
        messages.info(request, f"The file has {upload.row_count:,} rows, so it is being imported in the background.")
    return redirect("import-preview", commission_pk=commission_pk, upload_pk=upload_pk)


@login_required
def import_export(request: HttpRequest, commission_pk: int, table_pk: int, file_format: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    commission = _get_commission_for_user(user, commission_pk)
    table = get_object_or_404(TableImport, pk=table_pk, commission=commission)
    if file_format not in FORMATS:
        raise Http404("Download as csv or xlsx.")
    if not _may(user, table.kind, "view"):
        raise PermissionDenied
    resource = RESOURCES[table.kind]()
    return export_response(
        resource=resource,
        queryset=selectors.table_import_lines(table),
        file_format=file_format,
        file_name=f"table-{table.pk}-{table.kind.replace('_', '-')}",
    )
