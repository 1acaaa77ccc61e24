"""Writing layers: GeoJSON (RFC 7946), GeoPackage 1.2, Shapefile, CSV with WKT, KML and
FlatGeobuf.

GeoJSON is written here (:func:`geojson_chunks`), the other formats by GDAL.  Every write
is staged beside the target (:mod:`kimson_geo.io.atomic`), checked and only then renamed
into place, a Shapefile's sidecars as one set: a failed or short write (a full disk) leaves
no partial file and never damages an existing one.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..crs import resolve_crs
from ..errors import DataLossWarning, ExportError
from ..registry import SHAPEFILE_FIELD_WIDTH, WGS84
from . import gc_paused, json_lines
from .atomic import atomic_path, is_stdout, open_staged, staging

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy.typing as npt

__all__ = ["FORMATS", "STREAMABLE", "FORMULA_PREFIXES", "format_for", "write_layer", "write_layers",
           "write_geopackage", "cut_utf8", "shapefile_field_names", "neutralise_formulas",
           "verify_written", "geojson_chunks"]

#: Export formats: name -> (GDAL driver, default suffix, sidecar suffixes).
FORMATS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "geojson": ("GeoJSON", ".geojson", ()),
    "gpkg": ("GPKG", ".gpkg", ()),
    "shp": ("ESRI Shapefile", ".shp", (".shx", ".dbf", ".prj", ".cpg")),
    "csv": ("CSV", ".csv", ()),
    "kml": ("KML", ".kml", ()),
    "fgb": ("FlatGeobuf", ".fgb", ()),
}
#: Text formats that may go to standard output (``-o -``).
STREAMABLE = ("geojson", "csv", "kml")
_SUFFIX_TO_FORMAT = {suffix: key for key, (_, suffix, _) in FORMATS.items()} | {".json": "geojson"}
#: Longest text a Shapefile (dBase) field holds, in bytes.
DBF_TEXT_BYTES = 254
#: Decimals kept in GeoJSON coordinates (1e-7 degree is about 1 cm).
GEOJSON_PRECISION = 7
#: Features made into text at a time when writing GeoJSON (memory, not speed)
GEOJSON_CHUNK = 50_000
#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: GDAL options of each format (GeoPackage 1.2: QGIS 3.22 warns on every layer of a 1.4 file;
#: GeoJSON: text stays text, where GDAL would write a JSON-looking string as an object)
_OPTIONS: dict[str, dict[str, object]] = {
    "shp": {"layer_options": {"ENCODING": "UTF-8"}, "promote_to_multi": True},
    "csv": {"layer_options": {"GEOMETRY": "AS_WKT", "GEOMETRY_NAME": "geometry"}},
    "gpkg": {"dataset_options": {"VERSION": "1.2"}},
    "geojson": {"layer_options": {"COORDINATE_PRECISION": GEOJSON_PRECISION, "RFC7946": "YES",
                                  "WRITE_NAME": "NO", "AUTODETECT_JSON_STRINGS": "NO"}}}
#: How each text format ends when GDAL finished it; a short write (a full disk) does not.
_ENDINGS = {"geojson": b"}", "kml": b"</kml>", "csv": b"\n"}
#: GDAL warnings that mean the write itself failed (pyogrio turns CPLE warnings into these).
_FAILURE = re.compile(r"no space|i/o|write|fail|error|cannot|could not", re.IGNORECASE)
#: GDAL notes on what this module already did on purpose.
_EXPECTED = ("Normalized/laundered field name", "has been truncated to 254")
#: shapely type ids of Polygon, MultiPolygon and GeometryCollection (rings to orient)
_AREA_TYPES = (3, 6, 7)
_GEOMETRY_FAMILY = {"Point": "point", "MultiPoint": "point", "LineString": "line",
                    "MultiLineString": "line", "LinearRing": "line", "Polygon": "polygon",
                    "MultiPolygon": "polygon", "GeometryCollection": "collection"}


def format_for(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Export format named by ``fmt`` or, when that is None, by the path's suffix.

    Standard output (``-``) without ``fmt`` is GeoJSON.

    Examples
    --------
    >>> format_for("roads.gpkg"), format_for("x.bin", "shapefile"), format_for("-")
    ('gpkg', 'shp', 'geojson')
    """
    if fmt is not None:
        key = fmt.lower().lstrip(".")
        key = {"json": "geojson", "shapefile": "shp", "geopackage": "gpkg",
               "flatgeobuf": "fgb"}.get(key, key)
        if key not in FORMATS:
            raise ExportError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
        return key
    if is_stdout(path):
        return "geojson"
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIX_TO_FORMAT:
        raise ExportError(f"{path}: cannot tell the format from the suffix {suffix or '(none)'!r}; "
                          f"pass --format ({', '.join(FORMATS)})")
    return _SUFFIX_TO_FORMAT[suffix]


def cut_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character.

    Examples
    --------
    >>> cut_utf8("đường_chính", 10)
    'đường_'
    """
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Each column's name as a dBase field: at most 10 bytes, cut at a character boundary,
    unique without regard to case (``name_1``, ``name_2``... on a clash).

    Examples
    --------
    >>> shapefile_field_names(["chiều_dài_m", "chiều_dài_km"])
    {'chiều_dài_m': 'chiều_d', 'chiều_dài_km': 'chiều__1'}
    """
    used: set[str] = set()
    names: dict[str, str] = {}
    for column in columns:
        name, n = cut_utf8(column, SHAPEFILE_FIELD_WIDTH), 0
        while name.casefold() in used:
            n += 1
            name = cut_utf8(column, SHAPEFILE_FIELD_WIDTH - len(f"_{n}")) + f"_{n}"
        used.add(name.casefold())
        names[column] = name
    return names


def neutralise_formulas(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Prefix ``'`` to every text cell a spreadsheet would run as a formula (OWASP).

    Returns the frame (a copy when anything changed) and the number of cells changed.

    Examples
    --------
    >>> cells = pd.Series(["=HYPERLINK(1)", "ok", None], dtype=object)
    >>> out, n = neutralise_formulas(pd.DataFrame({"a": cells}))
    >>> out["a"].tolist(), n
    (["'=HYPERLINK(1)", 'ok', None], 1)
    """
    from ..text import string_columns

    changed = 0
    for column in string_columns(frame):
        values = frame[column]
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
        risky = risky.astype(bool).to_numpy()
        if risky.any():
            if not changed:
                frame = frame.copy()
            safe = values.astype(object).copy()
            safe[risky] = ["'" + v for v in values[risky]]
            frame[column] = safe
            changed += int(risky.sum())
    return frame, changed


def _prepare_shapefile(frame: gpd.GeoDataFrame, target: str) -> gpd.GeoDataFrame:
    from ..text import string_columns

    counts = frame.geometry.dropna().geom_type.map(_GEOMETRY_FAMILY).fillna("other").value_counts()
    if len(counts) > 1 or "collection" in counts.index:
        kinds = ", ".join(f"{n} {kind}(s)" for kind, n in counts.items())
        raise ExportError(f"{target}: a Shapefile holds one kind of geometry and this layer has "
                          f"{kinds}; export to GeoPackage or GeoJSON, or select one kind "
                          "with --where")
    for column in string_columns(frame):
        sizes = frame[column].map(lambda v: len(v.encode("utf-8")) if isinstance(v, str) else 0)
        too_long = (sizes > DBF_TEXT_BYTES).to_numpy()
        if too_long.any():
            warnings.warn(DataLossWarning(
                f"{target}: field {column!r}: {int(too_long.sum())} value(s) longer than "
                f"{DBF_TEXT_BYTES} bytes are cut by the Shapefile format; export to "
                "GeoPackage (.gpkg) to keep them whole"), stacklevel=3)
            cut = frame[column].astype(object).copy()
            cut[too_long] = [cut_utf8(v, DBF_TEXT_BYTES) for v in cut[too_long]]
            frame[column] = cut  # GDAL would cut at byte 254, inside a character
    names = shapefile_field_names([str(c) for c in frame.columns if c != frame.geometry.name])
    return frame.rename(columns=names)


def _needs_rfc7946_cuts(geoms: npt.NDArray[np.object_]) -> bool:
    """Whether a geometry leaves WGS 84 or spans over 180° of longitude (GDAL cuts those)."""
    import shapely

    west, south, east, north = shapely.bounds(geoms).T  # NaN (never true) when missing
    return bool(((west < -180) | (east > 180) | (south < -90) | (north > 90)
                 | (east - west > 180)).any())


def _json_values(series: pd.Series) -> list[object]:
    """A column as orjson writes it as GDAL would: null, ISO 8601 times, other objects as text."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return [None if value is pd.NaT else value.isoformat() for value in series]
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return series.tolist()  # NaN and infinity: orjson writes null
    values = series.to_numpy(dtype=object, na_value=None).tolist()
    if pd.api.types.is_object_dtype(dtype):
        return [value if value is None or isinstance(value, (str, bool, int, float))
                else _json_scalar(value) for value in values]
    return values


def _json_scalar(value: object) -> object:
    """An object cell that is no JSON scalar: a NumPy number, null if missing, else text."""
    if isinstance(value, np.generic):
        return value.item()
    with contextlib.suppress(TypeError, ValueError):
        if pd.isna(value) is True:
            return None
    return str(value)


#: GeoJSON names of the shapely types written from coordinates (the others through GEOS)
_GEOJSON_TYPES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint",
                  5: "MultiLineString", 6: "MultiPolygon"}


def _geometry_objects(geoms: npt.NDArray[np.object_]) -> list[object]:
    """Each geometry for orjson: None, a dict of rounded coordinate lists, or GEOS's JSON."""
    import orjson
    import shapely

    out: list[object] = [None] * len(geoms)
    kinds = shapely.get_type_id(geoms)
    kinds[shapely.is_empty(geoms)] = -2
    groups = kinds * 2 + shapely.has_z(geoms)  # a group of each type, in 2-D and 3-D
    for group in np.unique(groups[kinds != -1]).tolist():
        kind, z = group // 2, bool(group % 2)
        where = (groups == group).nonzero()[0]
        if kind not in _GEOJSON_TYPES:
            rounded = shapely.transform(geoms[where], partial(np.round, decimals=GEOJSON_PRECISION),
                                        include_z=z)
            for at, text in zip(where.tolist(), shapely.to_geojson(rounded).tolist(), strict=True):
                out[at] = orjson.Fragment(text)
            continue
        _, coords, offsets = shapely.to_ragged_array(geoms[where], include_z=z)
        nested: list[Any] = np.round(coords, GEOJSON_PRECISION).tolist()
        for level in offsets:  # innermost first: rings, then polygons, then parts
            bounds = level.tolist()
            nested = [nested[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        name = _GEOJSON_TYPES[kind]
        for at, coordinates in zip(where.tolist(), nested, strict=True):
            out[at] = {"type": name, "coordinates": coordinates}
    return out


def geojson_chunks(frame: gpd.GeoDataFrame) -> Iterator[bytes]:
    """The RFC 7946 GeoJSON of ``frame`` (in WGS 84), a chunk of features at a time.

    One feature a line.  Coordinates are rounded to :data:`GEOJSON_PRECISION` decimals,
    polygon rings oriented as RFC 7946 says (exteriors counter-clockwise); properties are
    written as GDAL writes them (text as text, missing values null, times in ISO 8601).
    No ``crs`` member: GeoJSON is WGS 84.  orjson writes each chunk in one call, a third
    of the time of GDAL's GeoJSON writer, which builds a json-c object of every feature.
    """
    import shapely

    columns = [c for c in frame.columns if c != frame.geometry.name]
    names = [str(c) for c in columns]
    yield b'{"type": "FeatureCollection", "features": ['
    for start in range(0, len(frame), GEOJSON_CHUNK):
        part = frame.iloc[start:start + GEOJSON_CHUNK]
        geoms = np.asarray(part.geometry.array, dtype=object)
        areas = np.isin(shapely.get_type_id(geoms), _AREA_TYPES)
        if areas.any():  # RFC 7946 section 3.1.6: exterior rings counter-clockwise
            geoms = geoms.copy()
            geoms[areas] = shapely.orient_polygons(geoms[areas], exterior_cw=False)
        values = [_json_values(part[c]) for c in columns]
        with gc_paused():  # the dicts die with the chunk: no cycles to look for
            # a feature a line ("Feature" begins no object inside one: properties hold
            # none, and a GeometryCollection's members are geometries)
            text = json_lines([
                {"type": "Feature", "properties": dict(zip(names, row, strict=True)),
                 "geometry": geometry}
                for geometry, *row in zip(_geometry_objects(geoms), *values, strict=True)],
                b'{"type":"Feature"', b",\n")
        yield b"\n" if start == 0 else b",\n"
        yield text
    yield b"\n]}\n"


def _short(text: str, limit: int = 240) -> str:
    """GDAL's message on one line, cut (it may quote a whole SQL script)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _cannot_write(exc: Exception, staged: Path, key: str, target: str) -> ExportError:
    reason = _short(str(exc).replace(str(staged), target))
    return ExportError(f"{target}: cannot write {key}: {reason}; nothing was changed")


def _arrow_safe(frame: gpd.GeoDataFrame) -> bool:
    """Whether every object column holds only text (Arrow takes it as it is)."""
    return all(frame[c].dropna().map(lambda v: isinstance(v, str)).all() for c in frame.columns
               if c != frame.geometry.name and pd.api.types.is_object_dtype(frame[c].dtype))


def _write_file(frame: gpd.GeoDataFrame, staged: Path, key: str, layer: str, target: str) -> None:
    """Write ``frame`` to ``staged`` (GeoJSON here unless it needs cuts, the rest by GDAL)
    and check what was written."""
    if key != "geojson" or _needs_rfc7946_cuts(np.asarray(frame.geometry.array, dtype=object)):
        _write_gdal(frame, staged, key, layer, target)
    else:
        try:
            with open_staged(staged) as out:
                out.writelines(geojson_chunks(frame))
        except (OSError, ValueError, TypeError) as exc:
            raise _cannot_write(exc, staged, key, target) from exc
    verify_written(staged, key, len(frame), layer=layer, target=target)


def _write_gdal(frame: gpd.GeoDataFrame, staged: Path, key: str, layer: str, target: str) -> None:
    """GDAL writes ``frame`` to ``staged``; its exceptions and failure warnings are errors."""
    import pyogrio

    options = dict(_OPTIONS.get(key, {}))
    if key in ("geojson", "gpkg") and _arrow_safe(frame):
        options["use_arrow"] = True  # the same file, a third (GeoJSON) to 60 % (GPKG) faster
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # GeoJSON is WGS 84 without saying so (RFC 7946): no CRS given on purpose
        warnings.filterwarnings("ignore", message="'crs' was not provided", category=UserWarning)
        try:
            pyogrio.write_dataframe(frame, staged, driver=FORMATS[key][0], layer=layer, **options)
        except (RuntimeError, ValueError, TypeError) as exc:
            raise _cannot_write(exc, staged, key, target) from exc
    for warning in caught:
        text = _short(str(warning.message).replace(str(staged), target))
        if any(note in text for note in _EXPECTED):
            continue
        if issubclass(warning.category, RuntimeWarning) and _FAILURE.search(text):
            raise ExportError(f"{target}: GDAL reported a failed write: {text}; nothing was "
                              "changed")
        if issubclass(warning.category, RuntimeWarning):
            warnings.warn(DataLossWarning(f"{target}: GDAL: {text}"), stacklevel=4)
        else:
            warnings.warn(warning.message, warning.category, stacklevel=4)


def _head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of ``path`` (none when it is not a file), not the whole file."""
    if not path.is_file():
        return b""
    with open(path, "rb") as handle:
        return handle.read(size)


def _shapefile_problem(shp: Path, expected: int) -> str | None:
    """Compare the sizes of a Shapefile's .shp, .shx and .dbf with what their headers say."""
    for path in (shp, shp.with_suffix(".shx")):
        size = path.stat().st_size if path.is_file() else 0
        if size < 100:
            return f"{path.suffix} is {size} bytes, shorter than its header"
        said = int.from_bytes(_head(path, 28)[24:28], "big") * 2  # length in 16-bit words
        if said != size:
            return f"{path.suffix} is {size} bytes, its header says {said}"
    records = (shp.with_suffix(".shx").stat().st_size - 100) // 8
    if records != expected:
        return f".shx holds {records} record(s), not {expected}"
    dbf = shp.with_suffix(".dbf")
    head = _head(dbf, 12)
    if len(head) < 12:
        return ".dbf is shorter than its header"
    rows = int.from_bytes(head[4:8], "little")
    header, row = int.from_bytes(head[8:10], "little"), int.from_bytes(head[10:12], "little")
    size, want = dbf.stat().st_size, header + rows * row
    if rows != expected or size not in (want, want + 1):  # +1: the optional end-of-file byte
        return f".dbf is {size} bytes for {rows} row(s), expected {want} for {expected}"
    return None


#: how each feature starts in the GeoJSON written here, and by GDAL: on a line of its own
#: (a newline inside a JSON string is always escaped, so this cannot occur in a value)
_GEOJSON_FEATURES = (b'\n{"type":"Feature"', b'\n{ "type": "Feature"')


def _geojson_features(path: Path) -> int:
    """Features in a GeoJSON file written here, counted by their line starts (no parse)."""
    count, tail = 0, b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            block = tail + chunk
            count += sum(block.count(start) for start in _GEOJSON_FEATURES)
            tail = block[-(len(_GEOJSON_FEATURES[1]) - 1):]
    return count


def verify_written(path: str | os.PathLike[str], fmt: str, expected: int, *,
                   layer: str | None = None, target: str | None = None) -> None:
    """Check a file GDAL has just written: not empty, complete, ``expected`` features.

    A full disk makes some GDAL drivers stop silently and leave a short file; this finds
    that before the file replaces anything.

    Raises
    ------
    ExportError
        Naming ``target`` (default: ``path``) and what is wrong.
    """
    import pyogrio

    staged = Path(path)
    name = target or str(staged)
    hint = "is the disk full? nothing was changed"
    if not staged.is_file() or staged.stat().st_size == 0:
        raise ExportError(f"{name}: the {fmt} writer left an empty file; {hint}")
    if fmt == "shp" and (problem := _shapefile_problem(staged, expected)):
        raise ExportError(f"{name}: the Shapefile is incomplete ({problem}); {hint}")
    if (ending := _ENDINGS.get(fmt)) is not None:
        with open(staged, "rb") as handle:
            handle.seek(max(0, staged.stat().st_size - 64))
            tail = handle.read()
        if fmt != "csv":  # every CSV row ends in a newline; the others may have spaces after
            tail = tail.rstrip(b"\r\n\t ")
        if not tail.endswith(ending):
            raise ExportError(f"{name}: the {fmt} file stops in the middle; {hint}")
    if fmt == "geojson" and _geojson_features(staged) == expected:
        return  # one feature a line, counted without parsing; else GDAL reads it back
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info = pyogrio.read_info(staged, layer=layer if fmt == "gpkg" else None,
                                     force_feature_count=True)
            if fmt in ("gpkg", "fgb") and expected:
                # binary formats store the count up front: the last feature proves the end
                pyogrio.read_dataframe(staged, layer=layer if fmt == "gpkg" else None,
                                       skip_features=expected - 1, max_features=1)
    except (RuntimeError, ValueError) as exc:
        reason = _short(str(exc))
        raise ExportError(f"{name}: the written {fmt} cannot be read back ({reason}); "
                          f"{hint}") from exc
    if int(info["features"]) != expected:
        raise ExportError(f"{name}: {info['features']} of {expected} feature(s) read back "
                          f"from the written {fmt}; {hint}")


def _frame_for(frame: gpd.GeoDataFrame, key: str, crs: object | None,
               target: str) -> gpd.GeoDataFrame:
    """``frame`` as format ``key`` holds it: CRS, booleans, Shapefile fields, CSV formulas."""
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ExportError(f"{target}: two columns have the same name ({', '.join(twice)}); "
                          "rename one")
    if key in ("geojson", "kml"):
        if crs is not None and not resolve_crs(crs).equals(resolve_crs(WGS84)):
            raise ExportError(f"{target}: {key} is always WGS 84 (RFC 7946); drop --crs")
        frame = frame.to_crs(WGS84) if frame.crs is not None else frame.set_crs(WGS84)
    elif crs is not None:
        frame = frame.to_crs(resolve_crs(crs))
    frame = frame.copy()
    for column in frame.columns:
        if column != frame.geometry.name and isinstance(frame[column].dtype, pd.BooleanDtype):
            if key in ("geojson", "gpkg", "fgb") and not frame[column].isna().any():
                frame[column] = frame[column].astype(bool)
            else:
                frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    if key == "shp":
        return _prepare_shapefile(frame, target)
    if key == "csv":
        frame, changed = neutralise_formulas(frame)
        if changed:
            warnings.warn(DataLossWarning(
                f"{target}: {changed} text cell(s) starting with = + - @ got a leading ' so "
                "that spreadsheets show them as text instead of running them as formulas"),
                stacklevel=2)
    return frame


def _check_destination(path: str | os.PathLike[str], key: str) -> str:
    target = os.fspath(path)
    if is_stdout(target):
        if key not in STREAMABLE:
            raise ExportError(f"cannot write {key} to standard output; only "
                              f"{', '.join(STREAMABLE)} go to -o -")
        return "stdout"
    if key == "shp" and Path(target).suffix.lower() != ".shp":
        raise ExportError(f"{target}: a Shapefile is a set of files (.shp, .shx, .dbf, ...) and "
                          f"its name must end in .shp, e.g. {Path(target).with_suffix('.shp')}")
    return target


def write_layer(frame: gpd.GeoDataFrame, path: str | os.PathLike[str], *, fmt: str | None = None,
                crs: object | None = None, layer_name: str | None = None) -> Path:
    """Write ``frame`` to ``path`` (or ``-``, standard output) atomically.

    Parameters
    ----------
    frame
        The layer, in any CRS.
    path
        Output file; its suffix picks the format unless ``fmt`` is given.  ``-`` writes a
        text format (GeoJSON by default, CSV, KML) to standard output.
    fmt
        ``geojson``, ``gpkg``, ``shp``, ``csv``, ``kml`` or ``fgb`` (FlatGeobuf, with a
        spatial index: its features are stored in spatial order).
    crs
        Output CRS for GeoPackage, Shapefile, CSV and FlatGeobuf (for example
        ``EPSG:5899``).  GeoJSON and KML are always WGS 84, as their specifications require.
    layer_name
        Layer name inside the file (GeoPackage, KML).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ExportError
        When the target is not a regular file, the format cannot hold the layer, or the
        write fails; the old file is then left as it was.
    """
    key = format_for(path, fmt)
    target = _check_destination(path, key)
    out = _frame_for(frame, key, crs, target)
    stem = "stdout" if is_stdout(path) else Path(path).stem
    name = layer_name or (frame.attrs.get("layer") if hasattr(frame, "attrs") else None) or stem
    suffix, sidecars = FORMATS[key][1], FORMATS[key][2]
    with atomic_path(path, name=f"{stem}{suffix}", sidecars=sidecars) as staged:
        _write_file(out, staged, key, name, target)
    return Path(path)


def write_geopackage(layers: Mapping[str, gpd.GeoDataFrame], path: str | os.PathLike[str]
                     ) -> Path:
    """Write every layer into the one GeoPackage ``path`` (layers named by their keys),
    all or nothing: the file is staged whole and renamed into place.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    target = _check_destination(path, "gpkg")
    with atomic_path(path) as staged:
        for name, frame in layers.items():
            _write_file(_frame_for(frame, "gpkg", None, target), staged, "gpkg", name, target)
    return Path(path)


def write_layers(layers: Mapping[str, gpd.GeoDataFrame], folder: str | os.PathLike[str], *,
                 fmt: str = "geojson") -> list[Path]:
    """Write each layer to ``folder/<name><suffix>``, all or nothing.

    The files are staged together and moved into place as one set (under a lock), so a
    failure in the last layer leaves none of them changed.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``layers``.
    """
    key = format_for("", fmt)
    suffix, sidecars = FORMATS[key][1], FORMATS[key][2]
    written = []
    with staging() as st:
        for name, frame in layers.items():
            target = Path(folder) / f"{name}{suffix}"
            staged = st.stage(target, sidecars=sidecars)
            _write_file(_frame_for(frame, key, None, str(target)), staged, key, name, str(target))
            written.append(target)
    return written
