"""The store's one SQL model, the same for GeoPackage and PostGIS.

Every registry layer has a history table ``<layer>_history``: one row per version of a
feature, with the registry's fields, a geometry, and the revisions it is valid in,
``_rev_from`` (inclusive) to ``_rev_to`` (exclusive; NULL while it is current).  A view
named after the layer shows the current rows, so QGIS opens ``roads`` as a plain layer.
``kimson_revisions`` holds one row per revision (time, author, message, counts, the claims
measured at it); ``kimson_meta`` the schema version.

Reading the inventory as of revision N is one WHERE clause::

    _rev_from <= N AND (_rev_to IS NULL OR _rev_to > N)

This is the valid-time model of temporal tables (SQL:2011), chosen over Kart's Git objects
and geodiff's changesets because both backends answer "as of N" with plain SQL and a
QGIS user sees ordinary tables.  Only the dialect (placeholders, geometry encoding, types,
locking) lives in the backend modules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from ..registry import LAYER_NAMES, WGS84, LayerSpec, layer_spec
from ..text import plain_value

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["SCHEMA_VERSION", "META_TABLE", "REVISIONS_TABLE", "HISTORY_SUFFIX", "REV_FROM",
           "REV_TO", "FID", "GEOM", "Dialect", "history_table", "layer_ddl", "revisions_ddl",
           "select_sql", "insert_sql", "close_sql", "frame_from_rows", "rows_from_frame"]

#: Version of this model; a store written by a newer version is refused.  2: the history
#: tables carry a spatial index (GeoPackage RTree and its triggers; PostGIS GiST)
SCHEMA_VERSION = 2
META_TABLE = "kimson_meta"
REVISIONS_TABLE = "kimson_revisions"
HISTORY_SUFFIX = "_history"
REV_FROM, REV_TO, FID, GEOM = "_rev_from", "_rev_to", "fid", "geom"
#: Columns of the revisions table, in order.
REVISION_COLUMNS = ("rev", "time", "author", "message", "allow_errors", "source", "counts",
                    "claims")


class Dialect(Protocol):
    """What differs between the backends' SQL."""

    #: parameter placeholder (``?`` or ``%s``)
    param: str
    #: column types by registry field type, and of the geometry and key columns
    types: dict[str, str]

    def table(self, name: str) -> str:
        """``name`` quoted (and qualified by the schema)."""

    def geom_param(self) -> str:
        """The placeholder that turns a geometry parameter into the stored geometry."""

    def geom_select(self) -> str:
        """The expression that reads the stored geometry back as something
        :meth:`decode_geometries` takes."""

    def encode_geometries(self, geoms: np.ndarray) -> list[Any]:
        """Parameters for ``geoms`` (shapely, WGS 84)."""

    def decode_geometries(self, values: list[Any]) -> np.ndarray:
        """Shapely geometries from what :meth:`geom_select` returned."""


def history_table(layer: str) -> str:
    return f"{layer}{HISTORY_SUFFIX}"


def _q(name: str) -> str:
    return f'"{name}"'


def layer_ddl(d: Dialect, spec: LayerSpec) -> list[str]:
    """The history table of ``spec``, its indexes and the current-state view."""
    hist = history_table(spec.name)
    columns = [f"{_q(FID)} {d.types['key']}"]
    columns += [f"{_q(f.name)} {d.types[f.type]}" for f in spec.fields]
    columns += [f"{_q(GEOM)} {d.types['geometry']}", f"{_q(REV_FROM)} INTEGER NOT NULL",
                f"{_q(REV_TO)} INTEGER"]
    shown = ", ".join(_q(c) for c in (FID, *spec.field_names, GEOM))
    return [
        f"CREATE TABLE {d.table(hist)} ({', '.join(columns)})",
        f"CREATE INDEX {_q(hist + '_current')} ON {d.table(hist)} ({_q(REV_TO)}, {_q('id')})",
        f"CREATE INDEX {_q(hist + '_from')} ON {d.table(hist)} ({_q(REV_FROM)})",
        f"CREATE VIEW {d.table(spec.name)} AS SELECT {shown} FROM {d.table(hist)} "
        f"WHERE {_q(REV_TO)} IS NULL",
    ]


def revisions_ddl(d: Dialect) -> str:
    return (f"CREATE TABLE {d.table(REVISIONS_TABLE)} (rev INTEGER PRIMARY KEY, "
            f"time TEXT NOT NULL, author TEXT, message TEXT NOT NULL, "
            f"allow_errors BOOLEAN NOT NULL, source TEXT, counts TEXT NOT NULL, "
            f"claims TEXT NOT NULL)")


def select_sql(d: Dialect, spec: LayerSpec, rev: int | None) -> tuple[str, tuple[int, ...]]:
    """Rows of ``spec`` valid at ``rev`` (None: the current ones), fid first, geometry last."""
    cols = ", ".join([_q(FID), *(_q(f) for f in spec.field_names), d.geom_select()])
    sql = f"SELECT {cols} FROM {d.table(history_table(spec.name))} WHERE "
    if rev is None:
        return sql + f"{_q(REV_TO)} IS NULL ORDER BY {_q(FID)}", ()
    p = d.param
    return (sql + f"{_q(REV_FROM)} <= {p} AND ({_q(REV_TO)} IS NULL OR {_q(REV_TO)} > {p}) "
            f"ORDER BY {_q(FID)}", (rev, rev))


def insert_sql(d: Dialect, spec: LayerSpec) -> str:
    cols = ", ".join([*(_q(f) for f in spec.field_names), _q(GEOM), _q(REV_FROM)])
    marks = ", ".join([d.param] * len(spec.fields) + [d.geom_param(), d.param])
    return f"INSERT INTO {d.table(history_table(spec.name))} ({cols}) VALUES ({marks})"


def close_sql(d: Dialect, spec: LayerSpec) -> str:
    """Ends a row version: it is not valid from revision ``?`` on."""
    return (f"UPDATE {d.table(history_table(spec.name))} SET {_q(REV_TO)} = {d.param} "
            f"WHERE {_q(FID)} = {d.param}")


_DTYPES = {"str": object, "int": "Int64", "float": "float64", "bool": "boolean"}


def frame_from_rows(d: Dialect, spec: LayerSpec, rows: list[tuple[Any, ...]]
                    ) -> gpd.GeoDataFrame:
    """A layer frame (registry dtypes, WGS 84) indexed by ``fid`` from :func:`select_sql` rows."""
    import geopandas as gpd

    names = [FID, *spec.field_names, GEOM]
    raw = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame(
        {n: pd.Series([], dtype=object) for n in names})
    raw.index = pd.Index(raw[FID].astype("int64"), name=FID)
    data = {}
    for f in spec.fields:
        column = raw[f.name]
        if f.type == "str":
            data[f.name] = column.astype(object).where(column.notna(), None)
        elif f.type == "bool":
            # sqlite gives 0/1, PostgreSQL True/False, both None for NULL
            data[f.name] = column.astype(object).astype("boolean")
        else:
            data[f.name] = pd.to_numeric(column).astype(_DTYPES[f.type])
    geoms = d.decode_geometries(raw[GEOM].tolist())
    index = raw.index
    frame = gpd.GeoDataFrame(pd.DataFrame(data, index=index), geometry=gpd.GeoSeries(
        geoms, index=index, crs=WGS84), crs=WGS84)
    frame.attrs["layer"] = spec.name
    return frame


def rows_from_frame(d: Dialect, spec: LayerSpec, frame: gpd.GeoDataFrame, positions: np.ndarray,
                    rev: int) -> list[tuple[Any, ...]]:
    """Parameters of :func:`insert_sql` for the rows of ``frame`` at ``positions``."""
    columns = []
    for f in spec.fields:
        if f.name not in frame.columns:
            columns.append([None] * len(positions))
            continue
        values = frame[f.name].to_numpy(dtype=object)[positions]
        try:
            columns.append([_sql_value(v, f.type) for v in values])
        except (TypeError, ValueError):
            raise _type_error(spec, frame, positions, f.name, f.type) from None
    geoms = np.asarray(frame.geometry.array, dtype=object)[positions]
    columns.append(d.encode_geometries(geoms))
    columns.append([rev] * len(positions))
    return list(zip(*columns, strict=True))


def _sql_value(value: Any, kind: str) -> Any:
    """``value`` as the column's type holds it; ValueError/TypeError when it cannot be."""
    value = plain_value(value)
    if value is None:
        return None
    if kind == "bool":
        if not isinstance(value, bool | int):
            raise TypeError(value)
        return bool(value)
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(value)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(value)
        return float(value)
    return value


def _type_error(spec: LayerSpec, frame: gpd.GeoDataFrame, positions: np.ndarray, name: str,
                kind: str) -> Exception:
    """The first value of field ``name`` that its typed column cannot hold, located."""
    from ..errors import SchemaError, locate

    values = frame[name].to_numpy(dtype=object)
    ids = frame["id"].to_numpy(dtype=object) if "id" in frame.columns else [None] * len(frame)
    for pos in positions:
        try:
            _sql_value(values[pos], kind)
        except (TypeError, ValueError):
            where = locate(spec.name, feature=int(pos), feature_id=ids[pos], field=name)
            return SchemaError(f"{where}: {values[pos]!r} is not a {kind}; the store keeps "
                               "typed columns, so this value must be fixed before it is "
                               "recorded (even with --allow-errors)")
    return SchemaError(f"{spec.name}: field {name!r}: a value is not a {kind}")


@dataclass(frozen=True)
class Revision:
    """One revision of a store."""

    rev: int
    time: str
    author: str | None
    message: str
    allow_errors: bool
    source: str | None
    #: added / removed / modified per layer that changed
    counts: dict[str, dict[str, int]]
    #: the article's claims measured on the inventory at this revision
    claims: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def all_layer_specs() -> list[LayerSpec]:
    return [layer_spec(name) for name in LAYER_NAMES]
