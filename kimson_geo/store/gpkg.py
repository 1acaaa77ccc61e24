"""The embedded backend: one GeoPackage 1.2 file, through Python's sqlite3.

GDAL creates the file (so its ``gpkg_*`` metadata tables and header are GDAL's own); the
store's tables are then made by the shared SQL of :mod:`.model` and registered in
``gpkg_contents`` and ``gpkg_geometry_columns``, so that QGIS and GDAL open the current
layers (views) and the history tables.  Geometries are GeoPackage binary blobs (a small
header before standard WKB), written here because a store write must stay inside one
sqlite transaction, which GDAL's own writer cannot join.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StoreError
from .model import GEOM, META_TABLE, REVISIONS_TABLE, all_layer_specs, history_table

__all__ = ["GpkgBackend", "is_gpkg_store"]

_SRS_ID = 4326
#: GeoPackage binary header: magic, version 0, flags, srs id (then the envelope)
_HEADER = struct.Struct("<2sBBi")
_ENVELOPE_XY = struct.Struct("<4d")
#: bytes of the envelope for each envelope code in the flags (GeoPackage 1.2, 2.1.3)
_ENVELOPE_BYTES = (0, 32, 48, 48, 64)


def is_gpkg_store(path: Path) -> bool:
    """True when ``path`` is a GeoPackage holding a store's meta table."""
    if not path.is_file() or path.suffix.lower() != ".gpkg":
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (META_TABLE,)).fetchone()
    except sqlite3.Error:
        return False
    return row is not None


class GpkgBackend:
    """A store in the GeoPackage file ``path``."""

    param = "?"
    types = {"str": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "BOOLEAN",
             "geometry": "GEOMETRY", "key": "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"}

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.location = str(self.path)

    # ---------------------------------------------------------------- dialect
    def table(self, name: str) -> str:
        return f'"{name}"'

    def geom_param(self) -> str:
        return "?"

    def geom_select(self) -> str:
        return f'"{GEOM}"'

    def encode_geometries(self, geoms: np.ndarray) -> list[Any]:
        import shapely

        out: list[Any] = [None] * len(geoms)
        present = ~shapely.is_missing(geoms)
        if not present.any():
            return out
        wkb = shapely.to_wkb(geoms[present], byte_order=1, output_dimension=2)
        bounds = shapely.bounds(geoms[present])
        points = shapely.get_type_id(geoms[present]) == 0
        empty = shapely.is_empty(geoms[present])
        for k, pos in enumerate(np.flatnonzero(present)):
            if points[k] or empty[k]:
                # no envelope for points (it is the point); bit 4 marks an empty geometry
                flags = 0b1 | (0b1_0000 if empty[k] else 0)
                out[pos] = _HEADER.pack(b"GP", 0, flags, _SRS_ID) + wkb[k]
            else:
                minx, miny, maxx, maxy = bounds[k]
                out[pos] = (_HEADER.pack(b"GP", 0, 0b11, _SRS_ID)
                            + _ENVELOPE_XY.pack(minx, maxx, miny, maxy) + wkb[k])
        return out

    def decode_geometries(self, values: list[Any]) -> np.ndarray:
        import shapely

        wkb = np.array([None if v is None else
                        bytes(v[8 + _ENVELOPE_BYTES[(v[3] >> 1) & 0b111]:]) for v in values],
                       dtype=object)
        return shapely.from_wkb(wkb)

    # ---------------------------------------------------------------- connections
    def exists(self) -> bool:
        return is_gpkg_store(self.path)

    def connect(self, *, wait_s: float = 30.0) -> sqlite3.Connection:
        """A connection in autocommit mode (transactions are begun explicitly).

        The file is opened read-write (never created) even to read: after a killed
        writer, sqlite rolls its journal back on the next open, which needs write access.
        """
        if not self.path.exists():
            raise StoreError(f"{self.path}: no such store")
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=wait_s,
                                   isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot be opened as a store: {exc}") from None
        return conn

    def begin_write(self, conn: sqlite3.Connection, wait_s: float) -> None:
        """Take the write lock now (waiting up to the connection's busy timeout)."""
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(
                    f"{self.path}: another accept is writing to this store (waited "
                    f"{wait_s:g} s); try again when it has finished") from None
            raise StoreError(f"{self.path}: cannot write: {exc}") from None

    def begin_read(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN")

    @contextlib.contextmanager
    def creating(self) -> Iterator[sqlite3.Connection]:
        """A new, empty GeoPackage at a temporary name, renamed into place on success."""
        if self.path.exists():
            raise StoreError(f"{self.path}: already exists; a store is created in a new file")
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".tmp.gpkg",
                                        dir=folder)
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()  # GDAL creates it
        try:
            _create_container(tmp)
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            finally:
                conn.close()
            os.replace(tmp, self.path)
        finally:
            for leftover in (tmp, Path(f"{tmp}-journal")):
                leftover.unlink(missing_ok=True)

    def register(self, conn: sqlite3.Connection) -> None:
        """Declare the store's tables and views in the GeoPackage's metadata tables."""
        conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, "
                     "description) VALUES (?, 'attributes', ?, ?)",
                     (REVISIONS_TABLE, REVISIONS_TABLE, "kimson-geo store: revisions"))
        for spec in all_layer_specs():
            for name, what in ((spec.name, f"{spec.label_en} (current)"),
                               (history_table(spec.name), f"{spec.label_en} (every version)")):
                conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, "
                             "description, srs_id) VALUES (?, 'features', ?, ?, ?)",
                             (name, name, what, _SRS_ID))
                conn.execute("INSERT INTO gpkg_geometry_columns (table_name, column_name, "
                             "geometry_type_name, srs_id, z, m) VALUES (?, ?, 'GEOMETRY', ?, "
                             "0, 0)", (name, GEOM, _SRS_ID))

    def meta_ddl(self) -> list[str]:
        return []  # GDAL created the meta table with the container

    def execute_ddl(self, conn: Any, statements: list[str]) -> None:
        for statement in statements:
            conn.execute(statement)

    # ---------------------------------------------------------------- statements
    def query(self, conn: Any, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise _busy_or(exc, self.path) from None

    def execute(self, conn: Any, sql: str, params: tuple[Any, ...]) -> None:
        conn.execute(sql, params)

    def executemany(self, conn: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            conn.executemany(sql, rows)

    def commit(self, conn: Any) -> None:
        conn.execute("COMMIT")

    def rollback(self, conn: Any) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _busy_or(exc: sqlite3.OperationalError, path: Path) -> Exception:
    if "no such table" in str(exc):
        return exc  # the caller says what is missing
    if "locked" in str(exc) or "busy" in str(exc):
        return StoreError(f"{path}: the store is busy (an accept is committing); try again")
    return StoreError(f"{path}: cannot be read as a store: {exc}")


def _create_container(path: Path) -> None:
    """An empty GeoPackage 1.2 made by GDAL, holding the store's meta table."""
    import pandas as pd
    import pyogrio

    meta = pd.DataFrame({"key": pd.Series([], dtype=object),
                         "value": pd.Series([], dtype=object)})
    pyogrio.write_dataframe(meta, path, layer=META_TABLE, driver="GPKG", VERSION="1.2")
