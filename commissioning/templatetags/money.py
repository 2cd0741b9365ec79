"""`{{ amount|pounds }}` → `£1,502,449`; `{{ amount|millions }}` → `£0.455m`; `{{ share|percent }}` → `17%`.

The same helpers format pages and PDFs, so a figure reads the same everywhere.
"""

from decimal import Decimal

from django import template

from commissioning.money import format_millions, format_pounds

register = template.Library()


@register.filter
def pounds(value: Decimal | None) -> str:
    return format_pounds(value)


@register.filter
def pounds_pence(value: Decimal | None) -> str:
    return format_pounds(value, pence=True)


@register.filter
def millions(value: Decimal | None) -> str:
    return format_millions(value)


@register.filter
def percent(value: Decimal | None) -> str:
    """`Decimal("17.00")` → `17%`; `Decimal("12.50")` → `12.5%`; `None` → `not pooled`."""
    if value is None:
        return "not pooled"
    return f"{value.normalize():f}%"
