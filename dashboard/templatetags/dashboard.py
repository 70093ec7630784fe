"""The dashboard's own template tags; numbers, rates and changes are `{% load metrics %}`'s."""

from django import template
from django.utils.html import json_script

from tweets.metrics import COLOURS, MISSING

register = template.Library()
# The colours never change while the process runs: encoded once.
CHART_COLOURS = json_script(COLOURS, "chart-colours")


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


@register.simple_tag
def chart_colours():
    """The colour table (tweets.metrics.COLOURS) for static/js/charts.js, as json_script."""
    return CHART_COLOURS
