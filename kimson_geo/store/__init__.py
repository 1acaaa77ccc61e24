"""The inventory over time: a store of every layer and its history.

A store is one GeoPackage file (``ward.gpkg``) or a PostgreSQL database with PostGIS
(``postgresql://user@host/db``, tables in the schema after ``#``, default ``kimson``).
Both hold the same tables (see :mod:`kimson_geo.store.model`): QGIS opens the current
layers directly; each accepted delivery is a numbered revision.

A revision is named ``STORE@N`` everywhere (``ward.gpkg@2``), and a date ``STORE@DATE``
names the last revision recorded by then (``ward.gpkg@2024-06-30``)::

    import kimson_geo
    from kimson_geo.store import init_store, open_store

    store = init_store("ward.gpkg", source="data/", message="survey 2017")
    store.accept("delivery-2024/", message="2024 delivery", author="Phòng QLĐT")
    old = kimson_geo.load("ward.gpkg@1")
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .core import PAUSE_ENV, Store, backend_for, init_store, open_store
from .model import SCHEMA_VERSION, Revision

if TYPE_CHECKING:
    from ..inventory import Inventory

__all__ = ["Store", "Revision", "StoreRef", "open_store", "init_store", "parse_ref",
           "is_store", "SCHEMA_VERSION", "PAUSE_ENV", "backend_for"]

_AT = re.compile(r"^(?P<store>.+)@(?P<at>\d+|\d{4}-\d{2}-\d{2}(?:[T ][0-9:.+\-Z]*)?)$")


@dataclass(frozen=True)
class StoreRef:
    """A store and, optionally, a revision or a date in it."""

    location: str
    rev: int | None = None
    as_of: str | None = None

    def open(self) -> Store:
        return open_store(self.location)

    def load(self, *, layer: str | None = None) -> Inventory:
        return self.open().load(rev=self.rev, as_of=self.as_of, layer=layer)

    def __str__(self) -> str:
        at = self.rev if self.rev is not None else self.as_of
        return self.location if at is None else f"{self.location}@{at}"


def is_store(location: str | os.PathLike[str]) -> bool:
    """True when ``location`` is a ``postgresql://`` URL or a GeoPackage holding a store."""
    from .gpkg import is_gpkg_store

    text = os.fspath(location)
    return text.startswith(("postgresql://", "postgres://")) or is_gpkg_store(Path(text))


def parse_ref(source: object, *, rev: int | None = None,
              as_of: str | None = None) -> StoreRef | None:
    """The store ``source`` names (``STORE``, ``STORE@N`` or ``STORE@DATE``), or None when it
    is not a store.  ``rev`` / ``as_of`` (``--rev`` / ``--as-of``) add to a plain STORE.

    Examples
    --------
    >>> parse_ref("postgresql://me@db/ward@3")
    StoreRef(location='postgresql://me@db/ward', rev=3, as_of=None)
    >>> parse_ref("data/") is None
    True
    """
    if not isinstance(source, (str, os.PathLike)):
        return None
    text = os.fspath(source)
    if isinstance(text, bytes):
        return None
    at: str | None = None
    if not Path(text).exists():
        match = _AT.match(text)
        if match and (is_store(match["store"]) or match["store"].lower().endswith(".gpkg")):
            text, at = match["store"], match["at"]
        elif match and Path(match["store"]).exists():
            from ..errors import DataSourceError

            raise DataSourceError(f"{match['store']}: is not a store; @{match['at']} names a "
                                  "revision (or date) of a store")
    if at is None and not is_store(text):
        return None
    if at is not None and (rev is not None or as_of is not None):
        from ..errors import StoreError

        raise StoreError(f"{source}: names a revision already; drop --rev/--as-of")
    if at is not None and at.isdigit():
        rev = int(at)
    elif at is not None:
        as_of = at
    return StoreRef(text, rev, as_of)
