"""Helpers shared by the tests (importable as ``_support``; tests/ is on sys.path)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd

from kimson_geo.registry import METRIC_CRS, WGS84

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: the ward's approximate centre
ORIGIN_LON, ORIGIN_LAT = 106.52, 21.07


def metric_to_wgs84(geoms: list, crs: str = METRIC_CRS) -> gpd.GeoSeries:
    """Geometries given as metre offsets from the ward's centre, in WGS 84."""
    from pyproj import Transformer
    from shapely import affinity

    x0, y0 = Transformer.from_crs(WGS84, crs, always_xy=True).transform(ORIGIN_LON, ORIGIN_LAT)
    moved = [affinity.translate(g, x0, y0) for g in geoms]
    return gpd.GeoSeries(moved, crs=crs).to_crs(WGS84)


def provenance(**extra: object) -> dict[str, object]:
    """The identity and provenance properties every feature carries."""
    base: dict[str, object] = {
        "name_known": False, "source": "test fixture", "confidence": "low",
        "position": "schematic",
    }
    base.update(extra)
    return base


def write_geojson(path: Path, frame: gpd.GeoDataFrame) -> Path:
    """Write ``frame`` as a plain GeoJSON FeatureCollection (no GDAL), UTF-8."""
    collection = json.loads(frame.to_json(drop_id=True))
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def tree_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes, to prove nothing was changed."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def copy_bundled(folder: Path) -> Path:
    """A copy of the bundled data folder (GeoJSON files only) under ``folder``."""
    import shutil

    target = folder / "data"
    target.mkdir(parents=True)
    for path in (ROOT / "data").glob("*.geojson"):
        shutil.copy(path, target / path.name)
    return target


def edit_features(folder: Path, layer: str, edit) -> None:  # type: ignore[no-untyped-def]
    """Apply ``edit(features)`` to the raw features of ``folder/layer.geojson`` in place."""
    path = folder / f"{layer}.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    result = edit(document["features"])
    if result is not None:
        document["features"] = result
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Longitude and latitude of the point ``(x, y)`` metres from the ward's centre."""
    from shapely.geometry import Point

    point = metric_to_wgs84([Point(x, y)]).iloc[0]
    return point.x, point.y


def number_in(message: str, unit: str) -> float:
    """The number written before ``unit`` in an issue message (``1,234.5 m²``)."""
    import re

    match = re.search(r"([\d,]+(?:\.\d+)?) " + re.escape(unit), message)
    assert match, message
    return float(match.group(1).replace(",", ""))
