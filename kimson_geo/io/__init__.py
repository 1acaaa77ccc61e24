"""Reading and writing layers (GDAL through pyogrio and fiona)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


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
