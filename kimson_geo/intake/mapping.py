"""One source table onto one registry layer: fields, values, ids and provenance.

Every distinct source value is looked at once (``pandas.factorize``), so a column of a
hundred thousand road kinds costs a handful of dictionary look-ups.  What cannot be mapped
is never dropped: source fields that map to nothing, and the raw text of values that map
to no code or number, go into the feature's ``extra`` JSON and into the plan's report;
features whose geometry fits no layer are rejected with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..io.read import coerce_to_registry
from ..registry import (
    CONFIDENCE_FIELD,
    EXTRA,
    ID,
    NAME,
    NAME_KNOWN,
    POSITION_FIELD,
    SOURCE_FIELD,
    SURVEYED,
    FieldSpec,
    LayerSpec,
    layer_spec,
)
from ..text import nfc
from .dictionary import Dictionary, LayerGuess, fold
from .source_table import Rejected, SourceTable
from .values import parse_int, parse_money, parse_number

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["MappedTable", "ValueUse", "map_table", "CONFIDENCE_ORDER"]

#: confidence codes from least to most sure (registry codes of ``confidence``)
CONFIDENCE_ORDER = ("low", "medium", "high")
_RANK = {name: i for i, name in enumerate(CONFIDENCE_ORDER)}
_HOW_RANK = {"mapping": 0, "registry": 1, "dictionary": 2, "shapefile-cut": 3}
_SLUG = re.compile(r"[^0-9A-Za-z]+")
#: pandas' text dtype, the one GDAL's and the registry's text columns have
_TEXT = pd.StringDtype(na_value=np.nan)


@dataclass
class ValueUse:
    """One distinct source value of one field: what it became, how often, and why not."""

    target: object
    count: int = 0
    reason: str | None = None


@dataclass
class MappedTable:
    """A source table mapped onto ``layer``."""

    layer: str
    frame: gpd.GeoDataFrame
    #: source column -> registry field (None: kept in ``extra``)
    fields: dict[str, str | None]
    #: registry field -> source value -> :class:`ValueUse`
    values: dict[str, dict[str, ValueUse]] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)


def _slug(text: str) -> str:
    return _SLUG.sub("_", fold(text)).strip("_") or "source"


def _text(value: object) -> str | None:
    """A source value as text: numbers without a spurious ``.0``, blanks as None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = nfc(str(value)).strip()  # type: ignore[union-attr]
    return text or None


def _parser(spec: FieldSpec, dictionary: Dictionary, layer: str
            ) -> Callable[[object], tuple[object, str, str | None]]:
    """``raw -> (value or None, confidence, reason)`` for one registry field."""
    def user(raw: object) -> tuple[bool, object]:
        return dictionary.user_value(layer, spec.name, str(raw)) if raw is not None \
            else (False, None)

    if spec.codes:
        def coded(raw: object) -> tuple[object, str, str | None]:
            code, sure = dictionary.code_for(layer, spec.name, _text(raw))
            if code is None:
                return None, "low", f"no code of {spec.name} ({', '.join(spec.codes or ())})"
            return code, sure, None
        return coded
    if spec.type == "bool":
        def boolean(raw: object) -> tuple[object, str, str | None]:
            given, target = user(raw)
            value = (target if target != "" else None) if given else dictionary.boolean(raw)
            return (None, "low", "neither true nor false") if value is None \
                else (bool(value), "high", None)
        return boolean
    if spec.type in ("int", "float"):
        parse = parse_number if spec.type == "float" else (
            parse_money if spec.unit == "VND" else parse_int)

        def number(raw: object) -> tuple[object, str, str | None]:
            given, target = user(raw)
            if given and target != "":  # "" is the dry run's "not mapped": parse as ever
                return target, "high", None
            value, reason = parse(raw)
            return (value, "high", None) if value is not None else (None, "low", reason)
        return number

    def text(raw: object) -> tuple[object, str, str | None]:
        return _text(raw), "high", None
    return text


def _plain_text(spec: FieldSpec, series: pd.Series) -> bool:
    """Whether ``series`` goes into a free-text field as it is (all text, and a text
    field maps no values): then it is copied whole instead of value by value."""
    if spec.type != "str" or spec.codes:
        return False
    if isinstance(series.dtype, pd.StringDtype):
        return True
    return pd.api.types.is_object_dtype(series.dtype) and pd.api.types.infer_dtype(
        series, skipna=True) in ("string", "empty")


def _text_column(series: pd.Series) -> pd.api.extensions.ExtensionArray:
    """A text column as :func:`_text` makes each value: stripped, blanks missing (the
    readers have already put it in NFC); Arrow-backed, so never one Python string each."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(series.astype(object).where(series.notna(), None), type=pa.string()) \
        if pd.api.types.is_object_dtype(series.dtype) else pa.array(series, type=pa.string())
    text = pc.utf8_trim_whitespace(text)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    return pd.array(text, dtype=_TEXT)


def _geometries(table: SourceTable, spec: LayerSpec) -> tuple[np.ndarray, list[Rejected]]:
    """The table's geometries in 2-D, closed lines as polygons where the layer wants
    areas; and the rows whose geometry fits no geometry type of the layer."""
    import shapely

    geoms = np.asarray(table.frame.geometry.to_numpy(), dtype=object).copy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    solid = present & shapely.has_z(geoms)  # force_2d rebuilds even a flat geometry
    if solid.any():
        geoms[solid] = shapely.force_2d(geoms[solid])
    types = np.full(len(geoms), -1, dtype=np.int64)
    types[present] = shapely.get_type_id(geoms[present])
    wants_area = not any(t.endswith(("Point", "LineString")) for t in spec.geometry_types)
    if wants_area:  # a CAD drafter's closed polyline is an area
        lines = (types == shapely.GeometryType.LINESTRING).nonzero()[0]
        for i in lines:
            if geoms[i].is_closed and len(geoms[i].coords) >= 4:
                geoms[i] = shapely.Polygon(geoms[i].coords)
                types[i] = shapely.GeometryType.POLYGON
    allowed = np.array([int(shapely.GeometryType[t.upper()]) for t in spec.geometry_types])
    misfit = present & ~np.isin(types, allowed)
    rejected = [Rejected(table.label, int(table.records[i]), "no geometry")
                for i in (~present).nonzero()[0]]
    rejected += [Rejected(table.label, int(table.records[i]),
                          f"a {geoms[i].geom_type} does not fit layer {spec.name} "
                          f"({', '.join(spec.geometry_types)})") for i in misfit.nonzero()[0]]
    return geoms, rejected


def _fields(table: SourceTable, layer: str, dictionary: Dictionary) -> dict[str, str | None]:
    """Source column -> registry field; of two columns for one field the surer wins."""
    frame = table.frame
    matches = {str(c): dictionary.field_for(layer, str(c)) for c in frame.columns
               if c != frame.geometry.name}
    chosen: dict[str, str | None] = {c: None for c in matches}
    by_target: dict[str, list[str]] = {}
    for column, m in matches.items():
        if m.field is not None:
            by_target.setdefault(m.field, []).append(column)
    for target, columns in by_target.items():
        best = min(columns, key=lambda c: _HOW_RANK.get(matches[c].how, 9))
        chosen[best] = target
    return chosen


def map_table(table: SourceTable, guess: LayerGuess, dictionary: Dictionary,
              *, crs_sure: bool = True) -> MappedTable:
    """Map ``table`` onto the layer of ``guess`` (see the module docstring)."""
    import geopandas as gpd
    import orjson

    layer = guess.layer
    spec = layer_spec(layer)
    frame = table.frame
    geoms, rejected = _geometries(table, spec)
    keep = np.ones(len(frame), dtype=bool)
    if rejected:
        bad = {r.record for r in rejected}
        keep = np.fromiter((int(r) not in bad for r in table.records), dtype=bool,
                           count=len(frame))
    source_fields = _fields(table, layer, dictionary)
    n = len(frame)
    sure = _RANK["high"] if guess.how in ("exact", "mapping") else _RANK["medium"]
    if not crs_sure:
        sure = min(sure, _RANK["medium"])
    confidence = np.full(n, sure, dtype=np.int8)
    out: dict[str, Any] = {}
    values: dict[str, dict[str, ValueUse]] = {}
    # raw text kept beside values that map to nothing, per row: {source column: raw}
    kept_raw: dict[int, dict[str, object]] = {}
    for column, target in source_fields.items():
        if target is None:
            continue
        fspec = spec.field(target)
        series = frame[column]
        if _plain_text(fspec, series):
            out[target] = _text_column(series)
            continue
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        uniques = np.asarray(uniques, dtype=object)  # iterating an Arrow array is slow
        parse = _parser(fspec, dictionary, layer)
        results = [parse(u) for u in uniques]
        mapped = np.empty(len(uniques) + 1, dtype=object)
        mapped[:-1] = [r[0] for r in results]
        mapped[-1] = None
        conf = np.array([_RANK[r[1]] for r in results] + [_RANK["high"]], dtype=np.int8)
        column_values = mapped[codes]  # -1 (missing) picks the trailing None
        confidence = np.minimum(confidence, conf[codes])
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques)) if len(uniques) \
            else np.zeros(0, dtype=np.int64)
        report = bool(fspec.codes) or fspec.type == "bool"
        uses: dict[str, ValueUse] = {}
        for u, (value, _sure, reason), count in zip(uniques, results, counts, strict=True):
            raw = _text(u)
            if raw is None:
                continue
            if report or reason is not None:
                uses[raw] = ValueUse(value if value is not None else "", int(count), reason)
        if uses:
            values.setdefault(target, {}).update(uses)
        failed = np.array([r[2] is not None and _text(u) is not None
                           for u, r in zip(uniques, results, strict=True)] + [False])
        for row in failed[codes].nonzero()[0]:
            kept_raw.setdefault(int(row), {})[column] = _text(uniques[codes[row]])
        out[target] = column_values
    defaults = {**guess.defaults, **table.defaults}
    for name, value in defaults.items():
        if not spec.has_field(name):
            continue
        if name not in out:
            out[name] = np.full(n, value, dtype=object)
        else:
            column = out[name]
            column[pd.isna(column)] = value
    # ids: the source's own, else derived from the source and its record number
    slug = _slug(table.label)
    given = out.get(ID)
    ids = np.empty(n, dtype=object) if given is None else np.array(given, dtype=object)
    derive = np.ones(n, dtype=bool) if given is None else pd.isna(ids)
    ids[derive] = [f"{slug}-{r}" for r in table.records[derive]]
    out[ID] = ids
    names = out.get(NAME)
    named = ~pd.isna(names) if names is not None else np.zeros(n, dtype=bool)
    filled = np.array(names, dtype=object) if names is not None else np.full(n, None, object)
    filled[~named] = [f"{spec.label_vi} {i}" for i in ids[~named]]
    out[NAME] = filled
    if NAME_KNOWN not in out:
        out[NAME_KNOWN] = named
    where = table.path.name + (f", {table.part}" if table.part else "")
    if SOURCE_FIELD not in out:
        import pyarrow as pa
        import pyarrow.compute as pc

        records = pa.array(table.records).cast(pa.string())
        out[SOURCE_FIELD] = pd.array(pc.binary_join_element_wise(
            f"{where}, record ", records, ""), dtype=_TEXT)
    if POSITION_FIELD not in out:
        out[POSITION_FIELD] = np.full(n, SURVEYED, dtype=object)
    if CONFIDENCE_FIELD not in out:
        out[CONFIDENCE_FIELD] = np.asarray(CONFIDENCE_ORDER, dtype=object)[confidence]
    unmapped = [c for c, t in source_fields.items() if t is None]
    out[EXTRA] = _extra(frame, unmapped, kept_raw, orjson)
    columns = [f.name for f in spec.fields if f.name in out]
    result = gpd.GeoDataFrame({c: out[c] for c in columns}, geometry=geoms, crs=frame.crs)
    result = coerce_to_registry(result[keep].reset_index(drop=True), spec)
    return MappedTable(layer, result, source_fields, values, rejected)


def _extra(frame: pd.DataFrame, unmapped: list[str], kept_raw: dict[int, dict[str, object]],
           orjson: Any) -> np.ndarray:
    """Per row, the JSON of its unmapped source fields and unmappable raw values (or None)."""
    n = len(frame)
    out = np.full(n, None, dtype=object)
    if not unmapped and not kept_raw:
        return out
    columns = [frame[c].astype(object).where(frame[c].notna(), None).to_numpy()
               for c in unmapped]
    for row in range(n):
        item = {c: v for c, col in zip(unmapped, columns, strict=True)
                if (v := _plain(col[row])) is not None}
        item.update(kept_raw.get(row, {}))
        if item:
            out[row] = orjson.dumps(item, default=str).decode()
    return out


def _plain(value: object) -> object:
    """A value JSON can hold as it is (numpy scalars unwrapped, NaN and blanks dropped)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    return value
