"""The embedded backend: one GeoPackage 1.2 file, through Python's sqlite3.

GDAL creates the file (so its ``gpkg_*`` metadata tables and header are GDAL's own); the
store's tables are then made by the shared SQL of :mod:`.model` and registered in
``gpkg_contents`` and ``gpkg_geometry_columns``, so that QGIS and GDAL open the current
layers (views) and the history tables.  Geometries are GeoPackage binary blobs (a small
header before standard WKB), written here because a store write must stay inside one
sqlite transaction, which GDAL's own writer cannot join.

Each history table has the GeoPackage RTree spatial index (``rtree_<table>_geom`` and the
triggers of the GeoPackage 1.2 spec, Annex F.3); GDAL, and so QGIS, filters the current
layers (views straight over those tables) through it.  The triggers call ``ST_MinX`` &c.,
which GDAL provides; :meth:`GpkgBackend.connect` gives the store's own connections the same
functions, read from the geometry header.
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
        _add_rtree_functions(conn)
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
            _add_rtree_functions(conn)
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
        conn.execute(_EXTENSIONS_DDL)
        for spec in all_layer_specs():
            for statement in _rtree_ddl(history_table(spec.name)):
                conn.execute(statement)

    def meta_ddl(self) -> list[str]:
        return []  # GDAL created the meta table with the container

    # ---------------------------------------------------------------- statements
    def query(self, conn: Any, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise _busy_or(exc, self.path) from None

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


# ------------------------------------------------------------------ the RTree index

_EXTENSIONS_DDL = ("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, "
                   "column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, "
                   "scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, "
                   "extension_name))")


def _rtree_ddl(table: str) -> list[str]:
    """The RTree of ``table``'s geometry: the virtual table, its triggers (GeoPackage 1.2,
    Annex F.3: insert, geometry update, fid update, delete) and the extension's row."""
    t, g, rt = f'"{table}"', f'"{GEOM}"', f'"rtree_{table}_{GEOM}"'
    name = f"rtree_{table}_{GEOM}"
    box = f"ST_MinX(NEW.{g}), ST_MaxX(NEW.{g}), ST_MinY(NEW.{g}), ST_MaxY(NEW.{g})"
    present = f"(NEW.{g} NOT NULL AND NOT ST_IsEmpty(NEW.{g}))"
    absent = f"(NEW.{g} ISNULL OR ST_IsEmpty(NEW.{g}))"
    return [
        f"CREATE VIRTUAL TABLE {rt} USING rtree(id, minx, maxx, miny, maxy)",
        f'CREATE TRIGGER "{name}_insert" AFTER INSERT ON {t} WHEN {present} '
        f"BEGIN INSERT OR REPLACE INTO {rt} VALUES (NEW.fid, {box}); END",
        f'CREATE TRIGGER "{name}_update1" AFTER UPDATE OF {g} ON {t} WHEN OLD.fid = NEW.fid '
        f"AND {present} BEGIN INSERT OR REPLACE INTO {rt} VALUES (NEW.fid, {box}); END",
        f'CREATE TRIGGER "{name}_update2" AFTER UPDATE OF {g} ON {t} WHEN OLD.fid = NEW.fid '
        f"AND {absent} BEGIN DELETE FROM {rt} WHERE id = OLD.fid; END",
        f'CREATE TRIGGER "{name}_update3" AFTER UPDATE ON {t} WHEN OLD.fid != NEW.fid '
        f"AND {present} BEGIN DELETE FROM {rt} WHERE id = OLD.fid; "
        f"INSERT OR REPLACE INTO {rt} VALUES (NEW.fid, {box}); END",
        f'CREATE TRIGGER "{name}_update4" AFTER UPDATE ON {t} WHEN OLD.fid != NEW.fid '
        f"AND {absent} BEGIN DELETE FROM {rt} WHERE id IN (OLD.fid, NEW.fid); END",
        f'CREATE TRIGGER "{name}_delete" AFTER DELETE ON {t} WHEN OLD.{g} NOT NULL '
        f"BEGIN DELETE FROM {rt} WHERE id = OLD.fid; END",
        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, "
        f"scope) VALUES ('{table}', '{GEOM}', 'gpkg_rtree_index', "
        "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
    ]


def _envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a GeoPackage geometry blob; None when empty or absent.

    From the header's envelope when it has one, else (a point) from the WKB."""
    if blob is None or len(blob) < 8:
        return None
    flags = blob[3]
    if flags & 0b1_0000:
        return None
    little = flags & 0b1
    code = (flags >> 1) & 0b111
    if code:
        return struct.unpack_from("<4d" if little else ">4d", blob, 8)
    wkb = memoryview(blob)[8:]
    order = "<" if wkb[0] == 1 else ">"
    (kind,) = struct.unpack_from(f"{order}I", wkb, 1)
    if kind % 1000 != 1:  # not a point and no envelope: ask shapely
        import shapely

        geom = shapely.from_wkb(bytes(wkb))
        if geom.is_empty:
            return None
        minx, miny, maxx, maxy = geom.bounds
        return minx, maxx, miny, maxy
    x, y = struct.unpack_from(f"{order}2d", wkb, 5)
    if x != x or y != y:  # NaN coordinates: an empty point
        return None
    return x, x, y, y


def _add_rtree_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions the RTree triggers call, as GDAL defines them."""
    def part(k: int) -> Any:
        return lambda blob: (box := _envelope(blob)) and box[k]

    for k, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, part(k), deterministic=True)
    conn.create_function("ST_IsEmpty", 1, lambda blob: None if blob is None
                         else int(_envelope(blob) is None), deterministic=True)
