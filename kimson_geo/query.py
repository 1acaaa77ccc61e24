"""Questions to one layer: attribute expressions, khu membership, distance and extent."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .errors import QueryError
from .registry import ID, KHU_LAYER, METRIC_CRS, NAME, WGS84, layer_spec
from .text import nfc

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

    from .inventory import Inventory

__all__ = ["query", "find_khu", "parse_near", "parse_bbox"]

#: a feature lying along a khu's edge, within this many metres, is not in that khu
EDGE_TOLERANCE_M = 0.5


def find_khu(inv: Inventory, key: str) -> BaseGeometry:
    """Geometry of the khu whose id or name is ``key`` (name match ignores case, NFC).

    A khu layer without an ``id`` or ``name`` column matches on the one it has.
    """
    khu = inv[KHU_LAYER]
    wanted = str(nfc(key)).casefold().strip()
    ids = _text_column(khu, ID)
    names = _text_column(khu, NAME).map(lambda s: str(nfc(s)).casefold().strip())
    hit = khu[((ids == key) | (names == wanted)).to_numpy()]
    if hit.empty:
        # accept a name without its "Khu " prefix ("Kim Thành" for "Khu Kim Thành")
        hit = khu[(names.str.removeprefix("khu ").str.strip()
                   == wanted.removeprefix("khu ")).to_numpy()]
    if hit.empty:
        if ID not in khu.columns and NAME not in khu.columns:
            raise QueryError(f"no khu with id or name {key!r}: the khu layer has neither an "
                             f"{ID!r} nor a {NAME!r} column")
        known = "; ".join(f"{i} ({n})" if i and n else i or n
                          for i, n in zip(ids, _text_column(khu, NAME), strict=True))
        raise QueryError(f"no khu with id or name {key!r}; known: {known or 'none'}")
    return hit.geometry.union_all()


def _text_column(frame: gpd.GeoDataFrame, name: str) -> pd.Series:
    """Column ``name`` as text (missing values and a missing column as ``""``)."""
    import pandas as pd

    column = frame[name] if name in frame.columns else pd.Series("", frame.index, dtype=object)
    return column.map(lambda v: "" if v is None or v is pd.NA or v != v else str(v))


def parse_near(text: str) -> tuple[float, float, float]:
    """``"LAT,LON,METRES"`` as a tuple, with a clear error when malformed."""
    try:
        lat, lon, metres = (float(p) for p in text.split(","))  # float() ignores spaces
    except ValueError:
        raise QueryError(f"--near {text!r}: expected LAT,LON,METRES such as 21.07,106.52,300") \
            from None
    return _check_near((lat, lon, metres))


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"MINLON,MINLAT,MAXLON,MAXLAT"`` as a tuple."""
    try:
        west, south, east, north = (float(p) for p in text.split(","))
    except ValueError:
        raise QueryError(f"--bbox {text!r}: expected MINLON,MINLAT,MAXLON,MAXLAT") from None
    return _check_bbox((west, south, east, north))


def _check_bbox(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    west, south, east, north = bbox
    if not all(math.isfinite(v) for v in bbox):
        raise QueryError(f"bbox {bbox}: every value must be a finite number")
    if west > east or south > north:
        raise QueryError(f"bbox {bbox}: min must not exceed max")
    return bbox


def _check_near(near: tuple[float, float, float]) -> tuple[float, float, float]:
    lat, lon, metres = near
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses NaN
        raise QueryError(f"near: ({lat}, {lon}) is not a latitude, longitude pair")
    if not (metres >= 0 and math.isfinite(metres)):
        raise QueryError(f"near: distance {metres} must be a non-negative number of metres")
    return near


def query(inv: Inventory, layer: str, *, where: str | None = None, within_khu: str | None = None,
          near: tuple[float, float, float] | None = None,
          bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """Features of ``layer`` that meet every filter given.

    Parameters
    ----------
    inv
        The inventory.
    layer
        Registry layer name.
    where
        A filter over the layer's attributes in the grammar of :mod:`kimson_geo.where`,
        such as ``"kind == 'main' and width_m < 5"``; it is parsed, never run as code.
    within_khu
        A khu id or name: features whose geometry reaches into that khu's interior by more
        than :data:`EDGE_TOLERANCE_M` (a road along the khu's edge is not in it).
    near
        ``(lat, lon, metres)``: features within that distance, measured in EPSG:5899.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)``: features intersecting that box.

    Returns
    -------
    geopandas.GeoDataFrame
        The matching rows, in the layer's order, with the layer name in ``attrs["layer"]``.
    """
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point, box

    frame = inv[layer]
    mask = np.ones(len(frame), dtype=bool)
    if where is not None:
        from .where import where_mask

        # a registry field the file leaves out is all null, not an unknown column
        fields = {f.name: f.type for f in layer_spec(layer).fields}
        try:
            mask &= where_mask(frame, where, absent=fields)
        except QueryError as exc:  # the expression repr-quoted, cut at 80 characters
            shown = where if len(where) <= 80 else where[:79] + "…"
            raise QueryError(f"--where {shown!r}: {exc}") from None
    if within_khu is not None:
        area = gpd.GeoSeries([find_khu(inv, within_khu)], crs=WGS84).to_crs(METRIC_CRS)
        core = area.buffer(-EDGE_TOLERANCE_M).iloc[0]
        mask &= frame.geometry.to_crs(METRIC_CRS).intersects(core).to_numpy()
    if near is not None:
        lat, lon, metres = _check_near(near)
        centre = gpd.GeoSeries([Point(lon, lat)], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
        mask &= (frame.geometry.to_crs(METRIC_CRS).distance(centre) <= metres).to_numpy()
    if bbox is not None:
        mask &= frame.intersects(box(*_check_bbox(bbox))).to_numpy()
    result = frame[mask].copy()
    result.attrs["layer"] = layer
    return result
