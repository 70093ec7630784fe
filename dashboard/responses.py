"""JSON responses encoded by orjson, for the dashboard's API.

A Tweet's series.json carries about 15,000 numbers and 700 instants: Django's JsonResponse
(the standard library's encoder, each instant through DjangoJSONEncoder.default) took
2.4 ms to encode it, orjson 0.12 (docs/BENCHMARKS.md, "A Tweet's reads"). The bytes are
the same as JsonResponse's with compact separators: instants in ISO 8601 with UTC as
"Z", numbers as Python writes them. The one difference: an instant with a fraction of a
second keeps its microseconds, where DjangoJSONEncoder cuts it to milliseconds (the
instants we keep are whole seconds: a poll's, X's). What orjson does not know (a Decimal,
a lazy translation, a timedelta) goes to DjangoJSONEncoder as before.
"""

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

_DJANGO = DjangoJSONEncoder()
# Dict keys other than strings (a weekday number) are written as str() of them, as json does.
OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def dumps(data) -> bytes:
    """`data` as JSON bytes (see the module's docstring)."""
    return orjson.dumps(data, default=_DJANGO.default, option=OPTIONS)


class JSONResponse(HttpResponse):
    """JsonResponse's job (a dict, unless safe=False, as application/json) through dumps."""

    def __init__(self, data, safe: bool = True, **kwargs):
        if safe and not isinstance(data, dict):
            raise TypeError("Only a dict is sent unless safe=False, as JsonResponse says.")
        kwargs.setdefault("content_type", "application/json")
        super().__init__(content=dumps(data), **kwargs)
