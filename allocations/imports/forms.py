"""Forms for importing tables: the officer pages' upload form (GOV.UK markup) and the admin's import forms.

Both ask for what the file itself does not say (`imports.ImportOptions`); neither does more than collect it. The
services decide what is valid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from import_export.forms import ConfirmImportForm, ImportForm

from allocations import imports
from allocations.models import TableImport
from commissioning.forms import GovukBoundField, GovukFormMixin
from commissioning.models import Commission, FinancialYear

QUARTERS = [("", "From the file's Quarter column"), *[(str(n), f"Quarter {n}") for n in range(1, 5)]]
# The fields each kind of table asks for, besides the file, its title and its source.
KIND_FIELDS = {
    imports.CONTRIBUTIONS: ("financial_year",),
    imports.BASIS: ("dataset_name", "dataset_measure", "dataset_unit", "dataset_source", "dataset_vintage"),
    imports.MONITORING: ("financial_year", "quarter"),
    imports.WORK_STREAM_ALLOCATIONS: ("years",),
}
_OPTION_FIELDS = ("financial_year", "quarter", "years", *KIND_FIELDS[imports.BASIS])


class TableOptionsForm(forms.Form):
    """What the person importing says about the table: title, source, year, quarter, dataset."""

    title = forms.CharField(max_length=300, help_text="What the table is, for example 'District contributions'.")
    source = forms.CharField(
        max_length=300,
        required=False,
        help_text="Where it came from, for example 'Letter to partners of 18 December 2012'.",
    )
    financial_year = forms.ModelChoiceField(
        queryset=FinancialYear.objects.none(),
        required=False,
        empty_label="Not for one year",
        help_text="The financial year the table is for.",
    )
    quarter = forms.TypedChoiceField(
        choices=QUARTERS,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="The quarter the return is for, unless the file has a Quarter column.",
    )
    years = forms.ModelMultipleChoiceField(
        queryset=FinancialYear.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Years a 'per annum' column applies to",
        help_text="Only for a table with one amount column for every year, headed 'Amount per annum'.",
    )
    dataset_name = forms.CharField(max_length=200, required=False, label="Dataset name")
    dataset_measure = forms.CharField(
        max_length=200, required=False, label="Measure", help_text="What is counted, e.g. 'Population aged 16–59'."
    )
    dataset_unit = forms.CharField(max_length=50, required=False, label="Unit", help_text="e.g. people, calls.")
    dataset_source = forms.CharField(
        max_length=300, required=False, label="Published by", help_text="e.g. 'ONS mid-year population estimates'."
    )
    dataset_vintage = forms.CharField(
        max_length=100, required=False, label="Edition or period", help_text="e.g. mid-2012."
    )

    def set_years(self, queryset: Any) -> None:
        for name in ("financial_year", "years"):
            if name in self.fields:
                self.fields[name].queryset = queryset  # type: ignore[attr-defined]

    def options(self) -> imports.ImportOptions:
        data = self.cleaned_data
        return imports.ImportOptions(
            title=data["title"],
            source=data.get("source") or "",
            financial_year=data.get("financial_year"),
            quarter=data.get("quarter"),
            years=tuple(data.get("years") or ()),
            **{name: data.get(name) or "" for name in KIND_FIELDS[imports.BASIS]},
        )


class _UploadBoundField(GovukBoundField):
    """A file input takes GOV.UK's file upload class, not the text input's."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: forms.Widget | None = None) -> dict[str, Any]:
        widget = widget or self.field.widget
        if isinstance(widget, forms.FileInput):
            error = " govuk-file-upload--error" if self.errors else ""
            return {
                **BoundField.build_widget_attrs(self, attrs, widget),
                "class": f"govuk-file-upload{error}",
            }
        return super().build_widget_attrs(attrs, widget)


class TableUploadForm(GovukFormMixin, TableOptionsForm):
    """The officer pages' upload: the file and, for its kind of table, what the file does not say."""

    bound_field_class = _UploadBoundField
    file = forms.FileField(label="File", widget=forms.FileInput(attrs={"accept": ".csv,.xlsx,text/csv"}))

    field_order = ["file", "title", "source"]

    def __init__(self, *args: Any, commission: Commission, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in _OPTION_FIELDS:
            if name not in KIND_FIELDS[kind]:
                del self.fields[name]
        self.set_years(commission.years.order_by("number"))
        limit = settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)
        self.fields["file"].help_text = (
            f"A CSV file (UTF-8 or Windows-1252) or an Excel workbook (.xlsx), up to {limit} MB and"
            f" {settings.IMPORT_MAX_ROWS:,} rows. A row whose first cell says 'Total' is kept as the table's"
            " stated total."
        )
        if kind == imports.MONITORING:
            self.fields["financial_year"].required = True
            self.fields["financial_year"].empty_label = None  # type: ignore[attr-defined]
        if kind == imports.BASIS:
            for name in ("dataset_name", "dataset_measure", "dataset_source", "dataset_vintage"):
                self.fields[name].required = True

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            limit = settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)
            raise ValidationError(f"The file is larger than {limit} MB. Split it into smaller files.")
        return upload


# The admin's import: django-import-export's forms, with the same options ---------------------------------


class AdminTableImportForm(TableOptionsForm, ImportForm):
    """The admin's first import step: the library's file and format, plus the commission and the options."""

    commission = forms.ModelChoiceField(queryset=Commission.objects.all())

    field_order = ["commission", "title", "source", "resource", "import_file", "format"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_years(FinancialYear.objects.select_related("commission").order_by("commission__name", "number"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        commission = data.get("commission")
        years = [data.get("financial_year"), *(data.get("years") or ())]
        if commission and any(year and year.commission_id != commission.pk for year in years):
            raise ValidationError(f"Choose financial years of {commission}.")
        return data


class AdminTableConfirmForm(TableOptionsForm, ConfirmImportForm):
    """The admin's confirmation step carries the same choices, hidden, to the real import."""

    commission = forms.ModelChoiceField(queryset=Commission.objects.all(), widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_years(FinancialYear.objects.all())
        for name, field in self.fields.items():
            if name in {"import_file_name", "original_file_name", "format", "resource"}:
                continue
            field.widget = forms.MultipleHiddenInput() if name == "years" else forms.HiddenInput()


def admin_confirm_initial(form: AdminTableImportForm) -> dict[str, Any]:
    """The first step's choices, as the confirmation form's initial data."""
    data = form.cleaned_data
    initial = {name: data.get(name) for name in ("title", "source", *KIND_FIELDS[imports.BASIS])}
    initial["commission"] = data["commission"].pk
    initial["financial_year"] = data["financial_year"].pk if data.get("financial_year") else None
    initial["quarter"] = data.get("quarter")
    initial["years"] = [year.pk for year in data.get("years") or ()]
    return initial


def table_import_kind_label(kind: str) -> str:
    return str(dict(TableImport.Kind.choices)[kind])
