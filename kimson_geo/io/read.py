"""Reading layers from GeoJSON, GeoPackage, Shapefile and anything else GDAL reads.

Frames are read through geopandas with the pyogrio engine; :func:`iter_features` streams
records one by one through fiona for files too large to hold.  Every layer comes out in
WGS 84 with its text in NFC and its attributes typed as the registry says.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..crs import ensure_wgs84, resolve_crs
from ..errors import DataSourceError, LayerError
from ..registry import ID, LAYER_NAMES, NAME, LayerSpec, layer_spec
from ..text import is_text_dtype, nfc, normalize_frame_text
from .encoding import READ_AS, SAMPLE_FEATURES, shapefile_encoding, transcode_frame
from .limits import check_text_values, max_property_chars, screen_geojson_text
from .sources import READABLE_SUFFIXES, check_input, resolve

__all__ = ["READABLE_SUFFIXES", "TEXT_ENCODING", "read_layer", "read_layers", "iter_features",
           "coerce_to_registry"]

#: ``frame.attrs`` key of a Shapefile's :class:`~kimson_geo.io.encoding.TextEncoding`
TEXT_ENCODING = "text_encoding"

_TRUE = {"true", "t", "yes", "y", "1", "có", "co", "đúng"}
_FALSE = {"false", "f", "no", "n", "0", "không", "khong", "sai"}


def gdal_frame(path: Path, layer: str | None = None, *, what: str = " as a vector layer",
               **options: Any) -> gpd.GeoDataFrame:
    """One layer of ``path`` through pyogrio (``options`` are its own); GDAL's failure is one
    :class:`DataSourceError` line, ``{path}: cannot be read{what}: …``."""
    import pyogrio
    from pyogrio.errors import DataLayerError
    from pyogrio.errors import DataSourceError as OgrSourceError

    try:
        with warnings.catch_warnings():
            # a column of mixed numbers and text stays text; the registry types it later
            warnings.filterwarnings("ignore", message="Could not parse column")
            # GDAL's notes on what it dropped; the structure checks report them properly
            warnings.filterwarnings("ignore", category=RuntimeWarning, module="pyogrio")
            # through Arrow: a third less CPU than pyogrio's per-field NumPy path
            frame = pyogrio.read_dataframe(path, layer=layer, use_arrow=True, **options)
    except (OgrSourceError, DataLayerError) as exc:
        reason = " ".join(str(exc).split())
        if "Too many characters" in reason:  # json-c's own limit on one value
            reason += f" (a value far over the limit of {max_property_chars():,} characters)"
        raise DataSourceError(f"{path}: cannot be read{what}: {reason}") from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame)))
    return frame


def _read_frame(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    check_input(path)
    if path.suffix.lower() == ".parquet":
        # by geopandas (pyarrow): the GDAL in the pyogrio wheels may have no Parquet driver
        try:
            return gpd.read_parquet(path)
        except (OSError, ValueError, TypeError) as exc:  # pyarrow's errors derive from these
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise DataSourceError(f"{path}: cannot be read as GeoParquet: {reason}") from exc
    screen_geojson_text(path)
    encoding = None
    kwargs: dict[str, Any] = {}
    if path.suffix.lower() == ".csv":
        kwargs.update(GEOM_POSSIBLE_NAMES="geometry,WKT,wkt", KEEP_GEOM_COLUMNS="NO")
    elif path.suffix.lower() == ".shp":
        # GDAL misreads several .cpg names (and loses a character per value in
        # Windows-1258): read the bytes as Latin-1 and decode them here
        encoding = shapefile_encoding(path, gdal_frame(
            path, read_geometry=False, encoding=READ_AS, max_features=SAMPLE_FEATURES))
        kwargs["encoding"] = "UTF-8" if encoding.name in ("ascii", "utf-8") else READ_AS
    try:
        frame = gdal_frame(path, layer, **kwargs)
    except UnicodeDecodeError as exc:
        raise DataSourceError(f"{path}: text is not UTF-8 (Windows-1258 or TCVN3?); re-save it "
                              "as UTF-8") from exc
    if encoding is not None:
        if kwargs["encoding"] == READ_AS:
            frame = transcode_frame(frame, encoding.name)
        frame.attrs[TEXT_ENCODING] = encoding
    return frame


def _coerce_bool(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    if pd.api.types.is_numeric_dtype(series):
        return (series.astype("Float64").astype("boolean")
                if series.dropna().isin([0, 1]).all() else series)
    text = series.map(lambda v: v.strip().lower() if isinstance(v, str) else v)
    if not text.dropna().map(lambda v: v in _TRUE or v in _FALSE).all():
        return series
    return text.map(lambda v: None if v is None or v is np.nan else v in _TRUE).astype("boolean")


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
        elif field.type == "str" and not is_text_dtype(series.dtype):
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
    frame = frame.rename(columns={old: new for old, new in ((_DXF_HANDLE, ID), (_DXF_TEXT, NAME))
                                  if old in frame.columns and new not in frame.columns})
    drop = [c for c in (*_DXF_DROP, _DXF_LAYER, _DXF_HANDLE) if c in frame.columns]
    return frame.drop(columns=drop)


def read_layer(path: str | os.PathLike[str], layer: str | None = None, *,
               source_layer: str | None = None, src_crs: object | None = None) -> gpd.GeoDataFrame:
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
    check_text_values(frame, path)
    frame = normalize_frame_text(frame)
    if dxf:
        frame = _from_dxf(frame, source_layer if source_layer is not None else layer)
    frame = ensure_wgs84(frame, resolve_crs(src_crs) if src_crs is not None else None,
                         source=str(path))
    if layer is not None:
        frame = coerce_to_registry(frame, layer_spec(layer))
        frame.attrs["layer"] = layer
    frame.attrs["source"] = str(path)
    return frame


def read_layers(path: str | os.PathLike[str], *, layer: str | None = None,
                src_crs: object | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Read every registry layer found at ``path``.

    ``path`` may be a folder holding one file per layer, a multi-layer file (GeoPackage)
    whose layers carry registry names, or a single file; a single file is read as
    ``layer`` or, when that is not given, as the registry layer named by its stem.
    :func:`kimson_geo.io.sources.resolve` says which is which.
    """
    found = resolve(path, layer)
    if not found.known:
        raise LayerError(f"{found.root}: cannot tell which layer this file is; pass --layer "
                         f"(one of: {', '.join(LAYER_NAMES)})")
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
                geometry = record.geometry
                yield {"type": "Feature", "id": record.id,
                       "properties": {nfc(k): nfc(v) for k, v in dict(record.properties).items()},
                       "geometry": None if geometry is None else dict(geometry.__geo_interface__)}
    except FionaError as exc:
        raise DataSourceError(f"{path}: cannot be read: {exc}") from exc


