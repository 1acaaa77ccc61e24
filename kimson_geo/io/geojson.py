"""GeoJSON text from frames: RFC 7946 (WGS 84, no ``crs``, counter-clockwise shells, rounded)."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..registry import WGS84

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["frame_to_feature_collection", "dumps"]


def _clean(value: Any) -> Any:
    """Plain JSON value: pandas NA and NaN become null, numpy scalars become Python ones."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def frame_to_feature_collection(frame: gpd.GeoDataFrame, *, precision: int = 7) -> dict[str, Any]:
    """A GeoJSON FeatureCollection dict following RFC 7946.

    Coordinates are rounded to ``precision`` decimals; polygon shells are counter-clockwise
    and holes clockwise.
    """
    import numpy as np
    import shapely

    if frame.crs is not None and not frame.crs.equals(WGS84):
        frame = frame.to_crs(WGS84)
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: np.round(xy, precision))
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    records = frame[columns].to_dict(orient="records") if columns else [{}] * len(frame)
    features = [{"type": "Feature", "properties": {str(k): _clean(v) for k, v in record.items()},
                 "geometry": None if geom is None else shapely.geometry.mapping(geom)}
                for record, geom in zip(records, geoms, strict=True)]
    return {"type": "FeatureCollection", "features": features}


def dumps(collection: dict[str, Any]) -> str:
    """JSON text with Vietnamese kept as UTF-8 and tuples as arrays."""
    return json.dumps(collection, ensure_ascii=False, allow_nan=False)
