"""Coordinate reference systems: layers are held in WGS 84, measured in VN-2000.

Every length, area, width and distance is computed in :data:`~kimson_geo.registry.METRIC_CRS`
(EPSG:5899, VN-2000 / TM-3 zone 107-45), never in degrees.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import CRSError
from .registry import METRIC_CRS, WGS84

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    from pyproj import CRS, Transformer

__all__ = ["resolve_crs", "ensure_wgs84", "PROJECTED_HINT", "DEGREES_HINT", "transformer",
           "to_metric_array", "metres_per_degree"]

PROJECTED_HINT = "VN-2000? pass --src-crs EPSG:5899"
#: what to do when a projected CRS is declared for coordinates in degrees
DEGREES_HINT = "if they are WGS 84, pass --src-crs EPSG:4326 (or fix the .prj)"


def resolve_crs(value: object) -> CRS:
    """A :class:`pyproj.CRS` from ``EPSG:5899``, ``5899``, WKT, PROJ text or a CRS object."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    try:
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            return CRS.from_epsg(int(value))
        return CRS.from_user_input(value)
    except (ProjCRSError, TypeError, ValueError) as exc:
        raise CRSError(f"unknown CRS {value!r}: {exc}") from None


def ensure_wgs84(frame: gpd.GeoDataFrame, src_crs: CRS | None = None, *,
                 source: str = "<frame>") -> gpd.GeoDataFrame:
    """Return ``frame`` in WGS 84.

    ``src_crs`` overrides the CRS the frame declares.  A frame that declares none, whose
    coordinates cannot be geographic, or that declares a projected CRS (VN-2000) for
    coordinates that are all within longitude/latitude range, raises :class:`CRSError`
    with a hint.
    """
    if src_crs is not None:
        frame = frame.set_crs(src_crs, allow_override=True)
    import numpy as np
    import shapely

    # no position at all (no rows, missing or empty geometries): nothing to check
    geoms = np.asarray(frame.geometry.array, dtype=object)
    has_positions = bool((~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)).any())
    bounds = frame.total_bounds if has_positions else None
    lon_lat = bounds is not None and bool(-180.0 <= bounds[0] <= bounds[2] <= 180.0
                                          and -90.0 <= bounds[1] <= bounds[3] <= 90.0)
    if frame.crs is None:
        # a CSV or a Shapefile without .prj: longitude/latitude is assumed only when the
        # coordinates can be longitude/latitude
        if not has_positions or lon_lat:
            return frame.set_crs(WGS84)
        raise CRSError(f"{source}: has no CRS and its coordinates are not longitude/latitude "
                       f"({PROJECTED_HINT})")
    if frame.crs.is_geographic and bounds is not None and not lon_lat:
        raise CRSError(f"{source}: coordinates up to ({bounds[2]:.0f}, {bounds[3]:.0f}) are not "
                       f"longitude/latitude; they look like projected metres ({PROJECTED_HINT})")
    if frame.crs.is_projected and bounds is not None and lon_lat:
        # a VN-2000 .prj copied beside a file exported in degrees: metres near the false
        # origin are never where a Vietnamese ward is, degrees always are
        code = frame.crs.to_epsg()
        said = f"EPSG:{code} ({frame.crs.name})" if code else repr(frame.crs.name)
        raise CRSError(f"{source}: coordinates up to ({bounds[2]:.4g}, {bounds[3]:.4g}) look like "
                       f"degrees (longitude/latitude), but the file says {said}; {DEGREES_HINT}")
    if frame.crs.equals(WGS84) or frame.crs.to_epsg() == 4326:
        return frame.set_crs(WGS84, allow_override=True) if frame.crs != WGS84 else frame
    try:
        return frame.to_crs(WGS84)
    except Exception as exc:  # pyproj raises several types
        raise CRSError(f"{source}: cannot transform from {frame.crs} to WGS 84: {exc}") from exc


# Metric copies: the transformer and steps of ``GeoSeries.to_crs``, so that the coordinates
# are bit for bit its own, on any subset of the geometries (rules transform only what they need).


@lru_cache(maxsize=64)
def transformer(src: Any, dst: Any = METRIC_CRS) -> Transformer:
    """The (cached) transformer from ``src`` to the metric CRS (or ``dst``) that ``to_crs``
    uses."""
    from pyproj import CRS, Transformer

    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst),
                                always_xy=True)


def to_metric_array(geoms: np.ndarray, src: Any) -> np.ndarray:
    """``geoms`` (an object array in ``src``) in the metric CRS, as ``GeoSeries.to_crs``
    gives them (the same transformer and the same coordinates, 2-D or 3-D as geopandas)."""
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    transform = transformer(src).transform
    has_z = shapely.has_z(geoms)
    out = np.empty_like(geoms)
    for flat, z in ((~has_z, False), (has_z, True)):
        coords = shapely.get_coordinates(geoms[flat], include_z=z)
        out[flat] = shapely.set_coordinates(geoms[flat], np.column_stack(transform(*coords.T)))
    return out


#: metres per degree of latitude, at least (the meridian arc at the equator, 110,574 m),
#: and metres per degree of longitude at latitude φ, at least that times cos φ
_M_PER_DEG = 110_574.0


@lru_cache(maxsize=16)
def _operation_areas(src: CRS) -> tuple[tuple[float, float, float, float], ...] | None:
    """Lon/lat boxes of the operations PROJ may choose from ``src`` to the metric CRS
    (it picks one per point, by the box the point is in), or None if ``src`` is not
    longitude/latitude in degrees or an operation has no known area."""
    from pyproj import CRS
    from pyproj.transformer import TransformerGroup

    if not src.equals(CRS.from_user_input(WGS84), ignore_axis_order=True):
        return None
    group = TransformerGroup(src, CRS.from_user_input(METRIC_CRS), always_xy=True)
    areas = [op.area_of_use for op in group.transformers]
    if any(area is None for area in areas):
        return None
    return tuple((area.west, area.south, area.east, area.north) for area in areas) or None


def metres_per_degree(src: Any, bounds: tuple[float, float, float, float]
                      ) -> tuple[float, float] | None:
    """Lower bounds ``(kx, ky)`` of the metric length of one degree of longitude and of
    latitude for positions of ``src`` within ``bounds`` (lon/lat), or None.

    Within one transformation a short piece of line measures at least
    ``hypot(kx * dlon, ky * dlat)`` times the projection's scale (0.9999 and more for
    EPSG:5899) in metres.  PROJ picks the operation per position by the boxes of their
    areas of use, and two operations differ by decimetres, so the bound is given only when
    every box contains ``bounds`` or misses it, with margin, and one contains it.
    """
    from pyproj import CRS

    areas = _operation_areas(CRS.from_user_input(src))
    if areas is None or not all(math.isfinite(b) for b in bounds):
        return None
    west, south, east, north = bounds
    margin = 1e-6
    inside = [w + margin <= west and east <= e - margin and s + margin <= south
              and north <= n - margin for w, s, e, n in areas]
    apart = [east < w - margin or west > e + margin or north < s - margin or south > n + margin
             for w, s, e, n in areas]
    # None when an edge of an area crosses the bounds, or no area contains them
    if not all(i or a for i, a in zip(inside, apart, strict=True)) or not any(inside) \
            or abs(south) > 80 or abs(north) > 80:
        return None
    coslat = math.cos(math.radians(max(abs(south), abs(north))))
    return _M_PER_DEG * coslat, _M_PER_DEG
