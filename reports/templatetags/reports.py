"""Text as reports print it (`{% load reports %}`); numbers come from `{% load metrics %}`."""

from django import template

from reports.content import short as cut

register = template.Library()


@register.filter
def short(text: str, length: int = 80) -> str:
    """A Tweet's text on one line, cut at a word."""
    return cut(text or "", int(length))
