"""Writing layers: GeoJSON (RFC 7946), GeoPackage, Shapefile, CSV with WKT and KML.

Every write is atomic: the output is written to a temporary name in the target folder and
renamed into place only when complete, so a failed or interrupted export leaves no partial
file and never damages an existing one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..crs import resolve_crs
from ..errors import DataLossWarning, ExportError
from ..registry import WGS84

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["FORMATS", "format_for", "write_layer", "atomic_path", "atomic_write_text"]

#: Export formats: name -> (GDAL driver, default suffix, sidecar suffixes).
FORMATS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "geojson": ("GeoJSON", ".geojson", ()),
    "gpkg": ("GPKG", ".gpkg", ()),
    "shp": ("ESRI Shapefile", ".shp", (".shx", ".dbf", ".prj", ".cpg")),
    "csv": ("CSV", ".csv", ()),
    "kml": ("KML", ".kml", ()),
}
_SUFFIX_TO_FORMAT = {
    ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shp",
    ".csv": "csv", ".kml": "kml",
}
#: Longest text a Shapefile (dBase) field holds, in bytes.
DBF_TEXT_BYTES = 254
#: Decimals kept in GeoJSON coordinates (1e-7 degree is about 1 cm).
GEOJSON_PRECISION = 7


def format_for(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Export format named by ``fmt`` or, when that is None, by the path's suffix."""
    if fmt is not None:
        key = fmt.lower().lstrip(".")
        key = {"json": "geojson", "shapefile": "shp", "geopackage": "gpkg"}.get(key, key)
        if key not in FORMATS:
            raise ExportError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
        return key
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIX_TO_FORMAT:
        raise ExportError(
            f"{path}: cannot tell the format from the suffix {suffix or '(none)'!r}; "
            f"pass --format ({', '.join(FORMATS)})"
        )
    return _SUFFIX_TO_FORMAT[suffix]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, suffixes: tuple[str, ...] = ()) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it (and sidecars) into place on success.

    ``suffixes`` names sidecar files written next to the temporary path (a Shapefile's
    ``.shx``, ``.dbf``...); they are moved along with it.  On any error every temporary
    file is removed and the target is left as it was.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=folder
    )
    os.close(handle)
    tmp = Path(tmp_name)
    tmp.unlink()  # let the writer create it; GDAL refuses some existing files
    sidecars = [tmp.with_suffix(s) for s in suffixes]
    try:
        yield tmp
        if not tmp.exists():
            raise ExportError(f"{target}: the writer produced no file")
        for sidecar, suffix in zip(sidecars, suffixes, strict=True):
            if sidecar.exists():
                os.replace(sidecar, target.with_suffix(suffix))
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, *sidecars):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def _warn_long_text(frame: gpd.GeoDataFrame, target: Path) -> None:
    from ..text import string_columns

    for column in string_columns(frame):
        sizes = frame[column].map(lambda v: len(v.encode("utf-8")) if isinstance(v, str) else 0)
        too_long = int((sizes > DBF_TEXT_BYTES).sum())
        if too_long:
            warnings.warn(DataLossWarning(
                f"{target}: field {column!r}: {too_long} value(s) longer than "
                f"{DBF_TEXT_BYTES} bytes are cut by the Shapefile format; export to "
                "GeoPackage (.gpkg) to keep them whole"), stacklevel=3)


def _prepare(frame: gpd.GeoDataFrame, fmt: str) -> gpd.GeoDataFrame:
    frame = frame.copy()
    for column in frame.columns:
        if column == frame.geometry.name:
            continue
        dtype = frame[column].dtype
        if isinstance(dtype, pd.BooleanDtype):
            if fmt in ("geojson", "gpkg") and not frame[column].isna().any():
                frame[column] = frame[column].astype(bool)
            else:
                frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def write_layer(
    frame: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    crs: object | None = None,
    layer_name: str | None = None,
) -> Path:
    """Write ``frame`` to ``path`` atomically.

    Parameters
    ----------
    frame
        The layer, in any CRS.
    path
        Output file; its suffix picks the format unless ``fmt`` is given.
    fmt
        ``geojson``, ``gpkg``, ``shp``, ``csv`` or ``kml``.
    crs
        Output CRS for GeoPackage, Shapefile and CSV (for example ``EPSG:5899``).  GeoJSON
        and KML are always WGS 84, as their specifications require.
    layer_name
        Layer name inside the file (GeoPackage, KML).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import pyogrio
    from pyogrio.errors import DataSourceError as OgrSourceError

    key = format_for(path, fmt)
    driver, _suffix, sidecars = FORMATS[key]
    target = Path(path)
    if key in ("geojson", "kml"):
        if crs is not None and not resolve_crs(crs).equals(resolve_crs(WGS84)):
            raise ExportError(f"{target}: {key} is always WGS 84 (RFC 7946); drop --crs")
        out = frame.to_crs(WGS84) if frame.crs is not None else frame.set_crs(WGS84)
    else:
        out = frame.to_crs(resolve_crs(crs)) if crs is not None else frame
    out = _prepare(out, key)
    if key == "shp":
        _warn_long_text(out, target)
    options: dict[str, object] = {}
    if key == "geojson":
        # text stays text: GDAL would write a JSON-looking string (extra) as an object
        options = {"RFC7946": "YES", "COORDINATE_PRECISION": GEOJSON_PRECISION,
                   "WRITE_NAME": "NO", "AUTODETECT_JSON_STRINGS": "NO"}
    elif key == "shp":
        options = {"ENCODING": "UTF-8"}
    elif key == "csv":
        options = {"GEOMETRY": "AS_WKT", "GEOMETRY_NAME": "geometry"}
    name = layer_name or (frame.attrs.get("layer") if hasattr(frame, "attrs") else None) \
        or target.stem
    try:
        with atomic_path(target, suffixes=sidecars) as tmp, warnings.catch_warnings():
            # the registry maps Shapefile-cut names back on load
            warnings.filterwarnings("ignore", message="Normalized/laundered field name")
            warnings.filterwarnings("ignore", message=".*has been truncated to 254")
            pyogrio.write_dataframe(out, tmp, driver=driver, layer=name, **options)
    except ExportError:
        raise
    except (OgrSourceError, OSError, ValueError, TypeError) as exc:
        raise ExportError(f"{target}: cannot write {key}: {exc}") from exc
    return target
