"""GOV.UK Design System rendering for the project's own forms.

Frontend 6's form macros are Nunjucks, so the project keeps a small set of Django templates that
produce the same markup (`templates/govuk/forms/`). A form opts in with `GovukFormMixin`; the admin
keeps Django's own rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Input

# The GOV.UK component, and the class its control carries, for each kind of widget. The first match wins, and
# Django's CheckboxSelectMultiple is a subclass of RadioSelect, so it comes first.
_KINDS: tuple[tuple[type[forms.Widget], str, str], ...] = (
    (forms.CheckboxSelectMultiple, "checkboxes", "govuk-checkboxes__input"),
    (forms.RadioSelect, "radios", "govuk-radios__input"),
    (forms.CheckboxInput, "checkbox", "govuk-checkboxes__input"),
    (forms.Textarea, "textarea", "govuk-textarea"),
    (forms.Select, "select", "govuk-select"),
    (Input, "input", "govuk-input"),
)


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"


class GovukBoundField(BoundField):
    """A field that knows its GOV.UK component and puts the component's classes on its control."""

    @property
    def govuk_kind(self) -> str:
        for widget_class, kind, _ in _KINDS:
            if isinstance(self.field.widget, widget_class):
                return kind
        return "input"

    @property
    def govuk_anchor(self) -> str:
        """Where the error summary links to: the control itself, or the first option of a group."""
        if self.govuk_kind in {"radios", "checkboxes"}:
            return f"{self.auto_id}_0"
        return self.auto_id or self.html_name

    def build_widget_attrs(self, attrs: dict[str, Any], widget: forms.Widget | None = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        css_class = next((css for widget_class, _, css in _KINDS if isinstance(widget, widget_class)), "")
        if css_class and not widget.is_hidden:
            classes = [attrs.get("class", ""), widget.attrs.get("class", ""), css_class]
            if self.errors and css_class in {"govuk-input", "govuk-textarea", "govuk-select"}:
                classes.append(f"{css_class}--error")
            attrs["class"] = " ".join(name for name in classes if name)
        return attrs


class GovukFormMixin:
    """Render this form with GOV.UK markup: labels, hints, error messages and the error summary."""

    default_renderer = GovukFormRenderer
    bound_field_class = GovukBoundField


class LoginForm(GovukFormMixin, AuthenticationForm):
    """Sign-in, in the GOV.UK style; usernames are not e-mail addresses, so no autocomplete hint beyond that."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


def form_errors(form: forms.BaseForm, error: ValidationError, *, rename: Mapping[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form, word for word: by field where it names one of the form's
    fields (after `rename`, for a service that names a field differently), on the whole form otherwise."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            field = (rename or {}).get(name, name)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
