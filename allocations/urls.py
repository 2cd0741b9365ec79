"""Pages of the allocations app, under /commissions/<commission_pk>/."""

from django.urls import path

from allocations.views import imports

urlpatterns = [
    # Imports and exports of tables: upload → preview → confirm, and downloads (allocations/views/imports.py).
    path("imports/", imports.import_index, name="import-index"),
    path("imports/<slug:kind>/upload/", imports.import_upload, name="import-upload"),
    path("imports/uploads/<int:upload_pk>/", imports.import_preview, name="import-preview"),
    path("imports/uploads/<int:upload_pk>/confirm/", imports.import_confirm, name="import-confirm"),
    path("imports/tables/<int:table_pk>/export.<slug:file_format>", imports.import_export, name="import-export"),
]
