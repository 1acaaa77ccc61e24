"""Reading layers from GeoJSON, GeoPackage, Shapefile and anything else GDAL reads.

Frames are read through geopandas with the pyogrio engine; :func:`iter_features` streams
records one by one through fiona for files too large to hold.  Every layer comes out in
WGS 84 with its text in NFC and its attributes typed as the registry says.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..crs import ensure_wgs84, resolve_crs
from ..errors import DataSourceError, LayerError
from ..registry import LAYER_NAMES, WGS84, LayerSpec, layer_spec
from ..text import is_text_dtype, nfc, normalize_frame_text
from .encoding import READ_AS, shapefile_encoding, transcode_frame
from .sources import READABLE_SUFFIXES, check_input, resolve

__all__ = [
    "READABLE_SUFFIXES",
    "TEXT_ENCODING",
    "find_layer_files",
    "read_layer",
    "read_layers",
    "iter_features",
    "coerce_to_registry",
]

#: ``frame.attrs`` key of a Shapefile's :class:`~kimson_geo.io.encoding.TextEncoding`
TEXT_ENCODING = "text_encoding"

_TRUE = {"true", "t", "yes", "y", "1", "có", "co", "đúng"}
_FALSE = {"false", "f", "no", "n", "0", "không", "khong", "sai"}


def _gdal_open_options(path: Path) -> dict[str, Any]:
    if path.suffix.lower() == ".csv":
        return {"GEOM_POSSIBLE_NAMES": "geometry,WKT,wkt", "KEEP_GEOM_COLUMNS": "NO"}
    return {}


def _read_frame(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    import pyogrio
    from pyogrio.errors import DataLayerError
    from pyogrio.errors import DataSourceError as OgrSourceError

    check_input(path)
    encoding = None
    try:
        kwargs: dict[str, Any] = _gdal_open_options(path)
        if path.suffix.lower() == ".shp":
            # GDAL misreads several .cpg names (and loses a character per value in
            # Windows-1258): read the bytes as Latin-1 and decode them here
            encoding = shapefile_encoding(path)
            plain = encoding.name in ("ascii", "utf-8")
            kwargs["encoding"] = "UTF-8" if plain else READ_AS
        with warnings.catch_warnings():
            # a column of mixed numbers and text stays text; the registry types it below
            warnings.filterwarnings("ignore", message="Could not parse column")
            # GDAL's notes on what it dropped; the structure checks report them properly
            warnings.filterwarnings("ignore", category=RuntimeWarning, module="pyogrio")
            frame = pyogrio.read_dataframe(path, layer=layer, **kwargs)
    except (OgrSourceError, DataLayerError) as exc:
        reason = " ".join(str(exc).split())
        raise DataSourceError(f"{path}: cannot be read as a vector layer: {reason}") from exc
    except UnicodeDecodeError as exc:
        raise DataSourceError(
            f"{path}: text is not UTF-8 (Windows-1258 or TCVN3?); re-save it as UTF-8"
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame)))
    if encoding is not None:
        if kwargs["encoding"] == READ_AS:
            frame = transcode_frame(frame, encoding.name)
        frame.attrs[TEXT_ENCODING] = encoding
    return frame


def _coerce_bool(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    if pd.api.types.is_numeric_dtype(series):
        values = series.dropna()
        if values.isin([0, 1]).all():
            return series.astype("Float64").astype("boolean")
        return series
    text = series.map(lambda v: v.strip().lower() if isinstance(v, str) else v)
    known = text.dropna()
    if not known.map(lambda v: v in _TRUE or v in _FALSE).all():
        return series
    return text.map(lambda v: None if v is None or v is np.nan else v in _TRUE).astype(
        "boolean"
    )


def _coerce_number(series: pd.Series, kind: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series
    if kind == "int" and pd.api.types.is_integer_dtype(series):
        return series.astype("Int64")
    if kind == "float" and pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    numbers = pd.to_numeric(series, errors="coerce")
    lost = numbers.isna() & series.notna()
    whole = kind == "float" or bool(numbers.dropna().mod(1).eq(0).all())
    if not lost.any() and whole:
        return numbers.astype("Int64" if kind == "int" else "float64")
    # keep what cannot be converted ("5,5", "n/a") as it is, so validation can name it
    mixed = numbers.astype(object).where(~lost, series.astype(object))
    return mixed.where(series.notna(), None)


def coerce_to_registry(frame: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """Rename Shapefile-cut field names back and type every known field as the registry says.

    Values that cannot be converted without loss keep their original type, so that
    validation can report them by feature and field instead of failing here.
    """
    aliases = {cut: full for cut, full in spec.shapefile_aliases().items()
               if cut in frame.columns and full not in frame.columns}
    if aliases:
        frame = frame.rename(columns=aliases)
    for field in spec.fields:
        if field.name not in frame.columns:
            continue
        series = frame[field.name]
        if field.type == "bool":
            frame[field.name] = _coerce_bool(series)
        elif field.type in ("int", "float"):
            frame[field.name] = _coerce_number(series, field.type)
        elif field.type == "str" and not (
            is_text_dtype(series.dtype)
        ):
            if pd.api.types.is_float_dtype(series) and series.isna().all():
                frame[field.name] = series.astype(object).where(series.notna(), None)
            elif pd.api.types.is_integer_dtype(series):
                frame[field.name] = series.astype("string").astype(object)
    return frame


#: DXF (CAD) columns GDAL adds; ``Layer`` names the CAD layer, the rest is drawing detail.
_DXF_LAYER, _DXF_HANDLE, _DXF_TEXT = "Layer", "EntityHandle", "Text"
_DXF_DROP = ("PaperSpace", "SubClasses", "Linetype", "ExtendedEntity", "RawCodeValues")


def _from_dxf(frame: gpd.GeoDataFrame, cad_layer: str | None) -> gpd.GeoDataFrame:
    """Keep the entities of CAD layer ``cad_layer`` (any case; when the drawing has one by
    that name) and map the entity handle to ``id`` and the entity text to ``name``."""
    if cad_layer is not None and _DXF_LAYER in frame.columns:
        wanted = str(nfc(cad_layer)).casefold()
        mine = frame[_DXF_LAYER].map(lambda v: isinstance(v, str) and v.casefold() == wanted)
        if mine.any():
            frame = frame[mine.to_numpy(dtype=bool)].reset_index(drop=True)
    renames = {}
    from ..registry import ID, NAME

    if _DXF_HANDLE in frame.columns and ID not in frame.columns:
        renames[_DXF_HANDLE] = ID
    if _DXF_TEXT in frame.columns and NAME not in frame.columns:
        renames[_DXF_TEXT] = NAME
    frame = frame.rename(columns=renames)
    drop = [c for c in (*_DXF_DROP, _DXF_LAYER, _DXF_HANDLE) if c in frame.columns]
    return frame.drop(columns=drop)


def read_layer(
    path: str | os.PathLike[str],
    layer: str | None = None,
    *,
    source_layer: str | None = None,
    src_crs: object | None = None,
) -> gpd.GeoDataFrame:
    """Read one layer file into a WGS 84 GeoDataFrame with NFC text.

    Parameters
    ----------
    path
        Any vector file GDAL reads (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, CSV with a
        WKT ``geometry`` column, KML, DXF...).
    layer
        Registry layer name; when given, attributes are typed as the registry says.
    source_layer
        Layer inside a multi-layer source such as a GeoPackage, or the CAD layer of a DXF
        drawing (see :func:`kimson_geo.io.sources.resolve`).
    src_crs
        CRS of the coordinates, overriding what the file says (GeoJSON files always claim
        WGS 84, so VN-2000 survey coordinates need ``src_crs="EPSG:5899"``).

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326.  A Shapefile's text encoding (from its ``.cpg``, or detected) is in
        ``frame.attrs["text_encoding"]``.
    """
    path = Path(path)
    dxf = path.suffix.lower() == ".dxf"
    frame = _read_frame(path, None if dxf else source_layer)
    encoding = frame.attrs.get(TEXT_ENCODING)
    frame = normalize_frame_text(frame)
    if dxf:
        frame = _from_dxf(frame, source_layer if source_layer is not None else layer)
    frame = ensure_wgs84(frame, resolve_crs(src_crs) if src_crs is not None else None,
                         source=str(path))
    if layer is not None:
        frame = coerce_to_registry(frame, layer_spec(layer))
    frame.attrs["source"] = str(path)
    if encoding is not None:
        frame.attrs[TEXT_ENCODING] = encoding
    if layer is not None:
        frame.attrs["layer"] = layer
    return frame


def find_layer_files(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Map each registry layer found in ``folder`` to its file (names in any case).

    See :func:`kimson_geo.io.sources.resolve`, which this asks.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataSourceError(f"{folder}: not a folder")
    return resolve(folder).files


def read_layers(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    src_crs: object | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Read every registry layer found at ``path``.

    ``path`` may be a folder holding one file per layer, a multi-layer file (GeoPackage)
    whose layers carry registry names, or a single file; a single file is read as
    ``layer`` or, when that is not given, as the registry layer named by its stem.
    :func:`kimson_geo.io.sources.resolve` says which is which.
    """
    found = resolve(path, layer)
    if not found.known:
        raise LayerError(
            f"{found.root}: cannot tell which layer this file is; pass --layer "
            f"(one of: {', '.join(LAYER_NAMES)})"
        )
    return {s.layer: read_layer(s.path, s.layer, source_layer=s.source_layer, src_crs=src_crs)
            for s in found}


def iter_features(
    path: str | os.PathLike[str], *, source_layer: str | None = None
) -> Iterator[dict[str, Any]]:
    """Stream a file's records one at a time through fiona, text in NFC.

    For files too large to hold as a frame.  Yields GeoJSON-like dicts
    (``{"type": "Feature", "id": ..., "properties": {...}, "geometry": {...}}``) in the
    file's own CRS.
    """
    import fiona
    from fiona.errors import FionaError

    path = Path(path)
    try:
        with fiona.open(path, layer=source_layer) as source:
            for record in source:
                properties = {nfc(k): nfc(v) for k, v in dict(record.properties).items()}
                geometry = record.geometry
                yield {
                    "type": "Feature",
                    "id": record.id,
                    "properties": properties,
                    "geometry": None if geometry is None else dict(geometry.__geo_interface__),
                }
    except FionaError as exc:
        raise DataSourceError(f"{path}: cannot be read: {exc}") from exc


def empty_layer() -> gpd.GeoDataFrame:
    """An empty WGS 84 GeoDataFrame."""
    return gpd.GeoDataFrame({"geometry": gpd.GeoSeries([], crs=WGS84)}, crs=WGS84)


# ------------------------------------------------------------ frames from parsed GeoJSON
# Validation parses a GeoJSON file once (orjson, for the raw structure checks); building
# the frame from that document instead of having GDAL parse the file again halves the
# cost of reading.  The document is used only when GDAL's reading of the same file would
# give the same frame after registry typing; otherwise the caller reads the file with GDAL.

_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})
#: GDAL types text columns whose values all look like these as dates or times
_DATE_LIKE = r"^\s*(\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}:\d{2})"
_FEATURE_MEMBERS = 3  # type, properties, geometry: anything more (id, bbox...) goes to GDAL


def _ragged(kind: str, coordinates: list[Any]) -> np.ndarray:
    """Geometries of one type from their GeoJSON coordinates, through flat arrays."""
    from itertools import chain

    import shapely

    def counts(items: list[Any]) -> np.ndarray:
        return np.fromiter(map(len, items), dtype=np.int64, count=len(items))

    def offsets(c: np.ndarray) -> np.ndarray:
        out = np.zeros(len(c) + 1, dtype=np.int64)
        np.cumsum(c, out=out[1:])
        return out

    def flat(items: list[Any]) -> np.ndarray:
        array = np.array(items, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] not in (2, 3):
            raise ValueError("positions of mixed or unusual dimensions")
        return array

    kinds = shapely.GeometryType
    if kind == "Point":
        return np.asarray(shapely.points(flat(coordinates)), dtype=object)
    if kind in ("LineString", "MultiPoint"):
        c = counts(coordinates)
        if kind == "LineString" and (c < 2).any():
            raise ValueError("empty or one-position lines")
        xy = flat(list(chain.from_iterable(coordinates)))
        geometry_type = kinds.LINESTRING if kind == "LineString" else kinds.MULTIPOINT
        return shapely.from_ragged_array(geometry_type, xy, (offsets(c),))
    if kind in ("Polygon", "MultiLineString"):
        rings = list(chain.from_iterable(coordinates))
        xy = flat(list(chain.from_iterable(rings)))
        geometry_type = kinds.POLYGON if kind == "Polygon" else kinds.MULTILINESTRING
        return shapely.from_ragged_array(geometry_type, xy,
                                         (offsets(counts(rings)), offsets(counts(coordinates))))
    if kind == "MultiPolygon":
        polygons = list(chain.from_iterable(coordinates))
        rings = list(chain.from_iterable(polygons))
        xy = flat(list(chain.from_iterable(rings)))
        return shapely.from_ragged_array(
            kinds.MULTIPOLYGON, xy,
            (offsets(counts(rings)), offsets(counts(polygons)), offsets(counts(coordinates))))
    raise ValueError(f"no flat-array path for {kind}")


def _geometries_from_geojson(geometries: list[Any]) -> np.ndarray:
    """Shapely geometries (None for null) of parsed GeoJSON geometry objects."""
    from operator import itemgetter

    import orjson
    import shapely

    out = np.full(len(geometries), None, dtype=object)
    present = [i for i, g in enumerate(geometries) if g is not None]
    by_type: dict[str, list[int]] = {}
    for i, kind in zip(present, map(itemgetter("type"), (geometries[i] for i in present)),
                       strict=True):
        by_type.setdefault(kind, []).append(i)
    for kind, where in by_type.items():
        group = [geometries[i] for i in where]
        try:
            built = _ragged(kind, list(map(itemgetter("coordinates"), group)))
        except (ValueError, KeyError, TypeError):
            built = shapely.from_geojson([orjson.dumps(g) for g in group])
        out[np.asarray(where, dtype=np.int64)] = built
    return out


def _gdal_text(value: object) -> object:
    """A JSON scalar as GDAL's GeoJSON driver writes it into a text column (json-c)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return str(value)
    if not isinstance(value, int | float):
        return str(value)
    text = f"{float(value):.17g}"
    return text if any(c in text for c in ".en") else text + ".0"


def _records(properties: list[dict[str, Any]]) -> pd.DataFrame | None:
    """``DataFrame.from_records`` of the properties, or None when a value is not a scalar."""
    from itertools import chain

    if not set(map(type, chain.from_iterable(map(dict.values, properties)))) <= _SCALAR_TYPES:
        return None  # nested objects and arrays: GDAL turns them into JSON text
    return pd.DataFrame.from_records(properties)


def _typed_records(frame: pd.DataFrame, spec: LayerSpec | None) -> pd.DataFrame | None:
    """The records' columns typed as GDAL would type them, or None when it could differ."""
    names = [str(c) for c in frame.columns]
    if "geometry" in names or len({n.lower() for n in names}) != len(names):
        return None
    numeric = {f.name for f in spec.fields if f.type in ("int", "float")} if spec else set()
    for name in names:
        series = frame[name]
        if series.dtype == object:
            inferred = pd.api.types.infer_dtype(series, skipna=True)
            if inferred == "empty":
                continue
            if inferred == "boolean":  # true/false with nulls: GDAL's nullable booleans
                frame[name] = series.astype("boolean")
                continue
            mixed = inferred in ("mixed", "mixed-integer", "mixed-integer-float", "string")
            if name in numeric and mixed:
                continue  # GDAL makes such a column text; typing makes both the same
            if mixed and series.map(lambda v: isinstance(v, str)).any():
                frame[name] = series.map(_gdal_text)  # what GDAL writes in a text column
                continue
            return None  # numbers mixed with booleans: GDAL decides
        if isinstance(series.dtype, pd.StringDtype):
            first = series.dropna()
            if len(first) and pd.Series(first.iloc[:1]).str.match(_DATE_LIKE).iloc[0] \
                    and first.str.match(_DATE_LIKE).all():
                return None  # GDAL reads such a column as dates
    return frame


def _properties_frame(properties: list[dict[str, Any]], spec: LayerSpec | None
                      ) -> pd.DataFrame | None:
    """The attribute table GDAL would give, or None when it could differ."""
    frame = _records(properties)
    return None if frame is None else _typed_records(frame, spec)


def frame_from_geojson(document: object, layer: str | None = None) -> gpd.GeoDataFrame | None:
    """The GeoDataFrame GDAL would read from an already parsed GeoJSON FeatureCollection.

    For the common case only: a FeatureCollection without ``crs``, features with just
    ``type``, ``properties`` (an object of scalar values) and ``geometry``.  Returns None
    whenever GDAL's reading could differ (feature ids, nested values, dates, text mixed
    with numbers outside the registry's numeric fields...), so that the caller reads the
    file with GDAL instead.

    The cyclic garbage collector is paused meanwhile: the parsed document holds millions
    of objects, and every collection the new geometries and columns would trigger scans
    them all (it more than doubles the time on large files).
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _frame_from_geojson(document, layer)
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:  # the new objects go straight to the oldest
                gc.freeze()                 # generation, as in validate.structure
                gc.unfreeze()
            gc.enable()


def _split_features(features: list[Any]) -> tuple[list[Any], list[Any]] | None:
    """The properties and the geometries of plain features (type, properties, geometry
    members only, properties an object), or None when GDAL should read them instead."""
    from operator import itemgetter

    if set(map(len, features)) != {_FEATURE_MEMBERS}:
        return None
    try:
        properties = list(map(itemgetter("properties"), features))
        geometries = list(map(itemgetter("geometry"), features))
    except (KeyError, TypeError):
        return None
    if set(map(type, properties)) != {dict}:
        return None
    return properties, geometries


def _frame_from_geojson(document: object, layer: str | None) -> gpd.GeoDataFrame | None:
    if type(document) is not dict or document.get("type") != "FeatureCollection" \
            or "crs" in document:
        return None
    features = document.get("features")
    if type(features) is not list or not features:
        return None
    split = _split_features(features)
    if split is None:
        return None
    properties, geometries = split
    table = _properties_frame(properties, layer_spec(layer) if layer is not None else None)
    if table is None:
        return None
    try:
        geoms = _geometries_from_geojson(geometries)
    except Exception:  # anything GEOS refuses: GDAL decides
        return None
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)


def read_geojson_document(
    document: object,
    path: str | os.PathLike[str],
    layer: str | None = None,
    *,
    src_crs: object | None = None,
) -> gpd.GeoDataFrame | None:
    """:func:`read_layer` of a GeoJSON file from its parsed ``document`` (None: read the file).

    The same frame as :func:`read_layer` gives (NFC text, WGS 84, registry types), without
    parsing the file a second time; see :func:`frame_from_geojson` for when it applies.
    """
    frame = frame_from_geojson(document, layer)
    if frame is None:
        return None
    return _finish_document_frame(frame, path, layer, src_crs)


def _finish_document_frame(frame: gpd.GeoDataFrame, path: str | os.PathLike[str],
                           layer: str | None, src_crs: object | None) -> gpd.GeoDataFrame:
    """NFC text, WGS 84 and registry types, as :func:`read_layer` gives them."""
    path = Path(path)
    frame = normalize_frame_text(frame)
    frame = ensure_wgs84(frame, resolve_crs(src_crs) if src_crs is not None else None,
                         source=str(path))
    if layer is not None:
        frame = coerce_to_registry(frame, layer_spec(layer))
        frame.attrs["layer"] = layer
    frame.attrs["source"] = str(path)
    return frame


# ------------------------------------------------------- frames from parsed GeoJSON in chunks
# A large file is checked and read in chunks (kimson_geo.validation.structure.FeatureChunks)
# so that only one chunk's parsed document is alive at a time.  Each chunk's properties go
# through DataFrame.from_records as the whole document's would; the columns are then joined
# so that the table is exactly the one from_records gives for the whole document (the same
# dtypes and values), which the per-column typing (_typed_records) then sees whole.

class _ChunkColumn:
    """One column of one chunk: from_records' array, and what it lost of the originals."""

    __slots__ = ("values", "raw", "nones", "wide")

    def __init__(self, values: Any, raw: np.ndarray | None = None,
                 nones: np.ndarray | None = None, wide: bool = False) -> None:
        self.values = values  # numpy array or ExtensionArray, as from_records made it
        self.raw = raw        # the original values, when ``values`` cannot give them back
        self.nones = nones    # text columns: where a missing value was null (not absent)
        self.wide = wide      # floats: an integer beyond int64 among the originals


class _ChunkPart:
    """The attribute columns and geometries of one chunk."""

    __slots__ = ("length", "columns", "geometries")

    def __init__(self, length: int, columns: dict[str, _ChunkColumn],
                 geometries: np.ndarray | None) -> None:
        self.length = length
        self.columns = columns
        self.geometries = geometries


_ABSENT = object()


def _column_values(series: pd.Series) -> Any:
    from pandas.api.extensions import ExtensionDtype

    return series.array if isinstance(series.dtype, ExtensionDtype) else series.to_numpy()


def _chunk_column(series: pd.Series, name: str, properties: list[dict[str, Any]],
                  complete: bool) -> _ChunkColumn:
    """Keep a chunk's column, with enough of its original values to join it exactly."""
    from operator import methodcaller

    values = _column_values(series)
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):  # text, null and absent: which were null?
        missing = series.isna().to_numpy(dtype=bool)
        if not missing.any():
            return _ChunkColumn(values)
        if complete:  # every feature has the member: each missing value was a null
            return _ChunkColumn(values, nones=missing)
        nones = np.fromiter((p.get(name, _ABSENT) is None for p in properties), dtype=bool,
                            count=len(properties))
        return _ChunkColumn(values, nones=nones)
    if dtype.kind in "Obiu":  # the originals, or exactly their values
        return _ChunkColumn(values)
    # floats: ints and nulls were turned into floats and NaN
    raw = np.fromiter(map(methodcaller("get", name, np.nan), properties), dtype=object,
                      count=len(properties))
    if pd.api.types.infer_dtype(raw, skipna=False) == "floating":
        return _ChunkColumn(values)  # floats only (NaN where absent): nothing was lost
    ints = np.fromiter((type(v) is int for v in raw), dtype=bool, count=len(raw))
    # with a negative integer elsewhere in the column, from_records keeps such an integer
    # (2**63 and over) as an object: the column is then no longer floats
    wide = bool(ints.any() and (raw[ints] > np.iinfo(np.int64).max).any())
    return _ChunkColumn(values, raw=raw, wide=wide)


def _chunk_part(features: list[Any]) -> _ChunkPart | None:
    """:func:`_frame_from_geojson`'s work on one chunk, before the columns are typed."""
    split = _split_features(features)
    if split is None:
        return None
    properties, geometries = split
    records = _records(properties)
    if records is None:
        return None
    try:
        geoms = _geometries_from_geojson(geometries)
    except Exception:  # anything GEOS refuses: GDAL decides
        return None
    del geometries
    names = list(records.columns)
    complete = set(map(len, properties)) == {len(names)}
    columns = {name: _chunk_column(records[name], name, properties, complete)
               for name in names}
    return _ChunkPart(len(features), columns, geoms)


def _concat_values(arrays: list[Any]) -> Any:
    """One array of the chunks' arrays (all of one dtype)."""
    first = arrays[0]
    if isinstance(first, np.ndarray):
        return np.concatenate(arrays)
    if getattr(first.dtype, "storage", None) == "pyarrow":
        # text in Arrow: one contiguous array, as from_records makes of a whole column
        # (many chunks would make every later take and string method slower)
        import pyarrow as pa

        pieces: list[Any] = []
        for array in arrays:
            arrow = array.__arrow_array__()
            pieces.extend(arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow])
        return first.dtype.__from_arrow__(pa.concat_arrays(pieces))
    return type(first)._concat_same_type(arrays)


def _is_null(column: _ChunkColumn) -> bool:
    """True when every value of the chunk's column is null (or absent)."""
    values = column.values
    return (isinstance(values, np.ndarray) and values.dtype in (object, np.float64)
            and bool(pd.isna(values).all()))


def _originals(column: _ChunkColumn | None, length: int) -> np.ndarray:
    """The chunk's original values of a column (NaN where absent), as from_records saw them."""
    if column is None:
        return np.full(length, np.nan, dtype=object)
    if column.raw is not None:
        return column.raw
    values = column.values
    if isinstance(values, np.ndarray):
        return values if values.dtype == object else values.astype(object)
    out = values.to_numpy(dtype=object)  # text: NaN where missing
    if column.nones is not None:
        out[column.nones] = None
    return out


def _join_column(name: str, pieces: list[tuple[_ChunkColumn | None, int]]) -> Any:
    """The column ``from_records`` would make of the whole document from the chunks' ones."""
    present = [c for c, _ in pieces if c is not None]
    dtypes = {c.values.dtype for c in present}
    if len(present) == len(pieces) and len(dtypes) == 1 and not any(c.wide for c in present):
        # every chunk gave this dtype, so the whole column gives it too, with the same values
        return _concat_values([c.values for c in present])
    text = [d for d in dtypes if isinstance(d, pd.StringDtype)]
    if len(text) == 1 and all(c is None or c.values.dtype == text[0] or _is_null(c)
                              for c, _ in pieces):
        # text, nulls and absent values: text with NaN, as for the whole column
        empty = np.full(max(n for _, n in pieces), np.nan, dtype=object)
        return _concat_values([
            c.values if c is not None and c.values.dtype == text[0]
            else pd.array(empty[:n], dtype=text[0]) for c, n in pieces])
    # anything else (a text or number column with an odd value in some chunks): convert the
    # original values of the whole column as from_records does
    originals = np.concatenate([_originals(c, n) for c, n in pieces])
    whole = pd.DataFrame.from_records(zip(originals), columns=[name])
    return _column_values(whole.iloc[:, 0])


def _join_records(parts: list[_ChunkPart]) -> pd.DataFrame:
    """The chunks' records as ``from_records`` of the whole document's properties."""
    from itertools import chain

    names = list(dict.fromkeys(chain.from_iterable(p.columns for p in parts)))
    if not names:
        return pd.DataFrame.from_records([{}] * sum(p.length for p in parts))
    data = {}
    for name in names:
        data[name] = _join_column(name, [(p.columns.get(name), p.length) for p in parts])
        for p in parts:  # the chunks' copies go as the whole column is made
            p.columns.pop(name, None)
    return pd.DataFrame(data, copy=False)


def frame_from_geojson_chunks(collection: object, chunks: Iterable[list[Any]],
                              layer: str | None = None) -> gpd.GeoDataFrame | None:
    """:func:`frame_from_geojson` of a FeatureCollection given in chunks of features.

    ``collection`` is the FeatureCollection without its features; ``chunks`` yields lists
    of parsed features (the features of the collection, in order), such as
    :class:`kimson_geo.validation.structure.FeatureChunks`.  Every chunk is consumed,
    even after the frame is known to be None, and each is dropped once its columns and
    geometries are made, so that only one chunk's document is alive at a time.

    Returns the same frame as :func:`frame_from_geojson` of the whole document (the same
    columns, dtypes, values and geometries), or None when that gives None.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _frame_from_chunks(collection, chunks, layer)
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _frame_from_chunks(collection: object, chunks: Iterable[list[Any]],
                       layer: str | None) -> gpd.GeoDataFrame | None:
    usable = (type(collection) is dict and collection.get("type") == "FeatureCollection"
              and "crs" not in collection)
    parts: list[_ChunkPart] = []
    for features in chunks:
        if usable:
            part = _chunk_part(features)
            if part is None:
                usable = False
                parts.clear()
            else:
                parts.append(part)
            del part
        del features  # before the next chunk is parsed
    if not usable or not parts:
        return None
    geoms = np.concatenate([p.geometries for p in parts])
    for p in parts:
        p.geometries = None
    table = _join_records(parts)
    parts.clear()
    table = _typed_records(table, layer_spec(layer) if layer is not None else None)
    if table is None:
        return None
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)


def read_geojson_chunks(
    collection: object,
    chunks: Iterable[list[Any]],
    path: str | os.PathLike[str],
    layer: str | None = None,
    *,
    src_crs: object | None = None,
) -> gpd.GeoDataFrame | None:
    """:func:`read_geojson_document` of a FeatureCollection given in chunks of features.

    See :func:`frame_from_geojson_chunks`; None means: read the file with GDAL.
    """
    frame = frame_from_geojson_chunks(collection, chunks, layer)
    if frame is None:
        return None
    return _finish_document_frame(frame, path, layer, src_crs)
