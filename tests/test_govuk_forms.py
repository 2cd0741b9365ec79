"""The GOV.UK form rendering: each widget becomes the GOV.UK component that matches it."""

from __future__ import annotations

from django import forms

from commissioning.forms import GovukFormMixin


class _Choices(GovukFormMixin, forms.Form):
    several = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, choices=[("a", "A"), ("b", "B")])
    one = forms.ChoiceField(widget=forms.RadioSelect, choices=[("a", "A"), ("b", "B")])


def test_checkboxes_render_as_govuk_checkboxes_not_radios():
    """Django's CheckboxSelectMultiple subclasses RadioSelect, so the checkbox kind must be matched first."""
    form = _Choices()
    assert form["several"].govuk_kind == "checkboxes"
    html = str(form["several"].as_field_group())
    assert 'class="govuk-checkboxes"' in html
    assert 'type="checkbox"' in html
    assert "govuk-checkboxes__input" in html
    assert "govuk-radios" not in html


def test_radios_still_render_as_govuk_radios():
    form = _Choices()
    assert form["one"].govuk_kind == "radios"
    assert 'class="govuk-radios"' in str(form["one"].as_field_group())
