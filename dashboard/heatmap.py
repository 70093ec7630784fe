"""The best-time heatmap as table rows, shared by the timing page and the overview."""

from tweets import timing

SHADES = 10  # CSS classes .heat-0 ... .heat-9


def rows(result: timing.Timing) -> list[dict]:
    """One row per weekday, each cell with its shade (by median impressions, None when the
    slot has no Tweet or too few)."""
    top = max((s.median_impressions for s in result.slots if s.enough), default=0)
    out = []
    for weekday, cells in enumerate(result.grid()):
        row = []
        for hour, slot in enumerate(cells):
            shade = None
            if slot is not None and slot.enough and top:
                shade = min(SHADES - 1, int(slot.median_impressions / top * SHADES))
            row.append({"hour": hour, "slot": slot, "shade": shade})
        out.append({"weekday": timing.WEEKDAYS[weekday], "cells": row})
    return out
