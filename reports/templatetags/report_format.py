"""Numbers as reports print them: "12,345", "3.4 %", "+12 %"; missing is "—", never 0."""

from django import template

from reports.content import short as cut

register = template.Library()

MISSING = "—"


@register.filter
def num(value) -> str:
    """A count with thousands separators."""
    return MISSING if value is None else f"{value:,.0f}"


@register.filter
def pct(value) -> str:
    """A rate (0.034) as a percentage ("3.4 %")."""
    return MISSING if value is None else f"{value * 100:.1f} %"


@register.filter
def kpi_value(kpi) -> str:
    return pct(kpi.value) if kpi.is_rate else num(kpi.value)


@register.filter
def change(kpi) -> str:
    """The change against the previous period ("+12 %", a minus sign and "8 %"), or ""."""
    if kpi.change is None:
        return ""
    rounded = round(kpi.change * 100)
    if rounded == 0:
        return "±0 %"
    return f"+{rounded} %" if rounded > 0 else f"\N{MINUS SIGN}{-rounded} %"


@register.filter
def change_colour(kpi) -> str:
    """Green up, red down, grey flat or unknown (inline CSS: email clients drop classes)."""
    if kpi.change is None or round(kpi.change * 100) == 0:
        return "#59636e"
    return "#1a7f37" if kpi.change > 0 else "#b42318"


@register.filter
def short(text: str, length: int = 80) -> str:
    """A Tweet's text on one line, cut at a word."""
    return cut(text or "", int(length))
