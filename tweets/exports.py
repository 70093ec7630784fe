"""CSV cells a spreadsheet reads as data, never as formulas: every export writes through here.

OWASP's CSV injection rule: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading single quote, and every text cell is wrapped in double
quotes (inner quotes doubled), so no separator inside it starts a new cell either. The
rule applies to text only: numbers (a negative count included) stay numbers.
"""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """One value as a CSV cell: None is empty (not measured), a date or datetime is ISO 8601,
    a number stays a number, and text that could start a formula is neutralised."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_writer(out, **options):
    """A csv.writer on `out` that quotes every text cell; pass rows through `csv_row`."""
    return csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, **options)


def csv_row(values) -> list:
    """A row of values as neutralised cells (see `csv_cell`)."""
    return [csv_cell(value) for value in values]
