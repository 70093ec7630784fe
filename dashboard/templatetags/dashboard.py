"""Number formats of the dashboard: a missing value is "—", never 0."""

from django import template

register = template.Library()

MISSING = "—"


@register.filter
def num(value):
    """12345 -> "12,345"; None -> "—"."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


@register.filter
def pct(value, digits=1):
    """0.0321 -> "3.2 %"; None -> "—"."""
    if value is None:
        return MISSING
    return f"{value * 100:.{int(digits)}f} %"


@register.filter
def change(value):
    """A relative change with its sign: 0.12 -> "+12 %"; None (cannot be said) -> "—"."""
    if value is None:
        return MISSING
    return f"{value * 100:+.0f} %".replace("-", "\u2212")  # a true minus sign


@register.filter
def trend(value):
    """A CSS class for a change: up, down or flat."""
    if value is None or abs(value) < 0.005:
        return "flat"
    return "up" if value > 0 else "down"


@register.filter
def age(hours):
    """An age in hours, as people say it: "45 min", "6 h", "3 d 4 h"."""
    if hours is None:
        return MISSING
    minutes = round(hours * 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min" if minutes % 60 else f"{minutes // 60} h"
    days, rest = divmod(minutes // 60, 24)
    return f"{days} d {rest} h" if rest else f"{days} d"


@register.filter
def get(mapping, key):
    """mapping[key] in a template."""
    return mapping.get(key) if mapping else None
