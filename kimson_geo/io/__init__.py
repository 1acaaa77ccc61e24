"""Reading and writing layers (GDAL through pyogrio and fiona)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["gc_frozen", "gc_paused", "json_lines"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector while millions of acyclic containers are built (a parsed
    document, a report's rows, the features of a GeoJSON file): its repeated passes over
    them cost more than the work."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def gc_frozen() -> Iterator[None]:
    """Hide what is in memory now from the cyclic collector while the block runs.

    The layers of a validation are millions of objects that every full pass would scan
    again (a quarter of the rules' time on a dirty delivery); what the block makes is
    collected as usual.  Nothing is done when something is frozen already (the caller's
    own :func:`gc.freeze`, or an enclosing ``gc_frozen``)."""
    owner = not gc.get_freeze_count()
    if owner:
        gc.freeze()
    try:
        yield
    finally:
        if owner:
            gc.unfreeze()


def json_lines(rows: list[Any], start: bytes, sep: bytes, **dumps: Any) -> bytes:
    """``rows`` as JSON by one ``orjson.dumps`` call (``dumps`` are its arguments), ``sep``
    between them instead of a comma, no brackets around them.

    ``start`` is how every row begins (``b'{"rule":'``): it must include a quote and must
    not begin any object inside a row, since a row is found by ``},`` followed by it (a
    quote inside a string is escaped, so no string can hold it).  One call for thousands
    of rows costs a fifth of a call a row.
    """
    import orjson

    text = orjson.dumps(rows, **dumps)
    return text[1:-1].replace(b"}," + start, b"}" + sep + start)
