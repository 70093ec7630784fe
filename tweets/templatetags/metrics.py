"""How numbers read, on pages and in emails (`{% load metrics %}`): one library for both.

Every filter is a thin wrapper over tweets.metrics, so a page and an email print the same
number the same way: "12,345", "3.2 %", "+12 %", "±0 %"; missing is "—", never 0.
"""

from django import template

from tweets.metrics import COLOURS, format_change, format_count, format_rate
from tweets.metrics import trend as direction

register = template.Library()


@register.filter
def num(value) -> str:
    """A count with thousands separators: 12345 -> "12,345"; None -> "—"."""
    return format_count(value)


@register.filter
def pct(value, digits=1) -> str:
    """A rate as a percentage: 0.0321 -> "3.2 %"; None -> "—"."""
    return format_rate(value, digits)


@register.filter
def change(value) -> str:
    """A relative change with its sign: 0.12 -> "+12 %", 0.001 -> "±0 %"; None -> "—"."""
    return format_change(value)


@register.filter
def trend(value) -> str:
    """A change's direction, also its CSS class: "up", "down" or "flat"."""
    return direction(value)


@register.filter
def kpi_value(kpi) -> str:
    """A KPI's value: a rate as a percentage, a count with separators."""
    return format_rate(kpi.value) if kpi.is_rate else format_count(kpi.value)


@register.filter
def change_colour(value) -> str:
    """A change's colour as inline CSS (email clients drop classes): up, down or text."""
    return COLOURS.get(direction(value), COLOURS["text"])
