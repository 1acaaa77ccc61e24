"""Coordinate reference systems: layers are held in WGS 84, measured in VN-2000.

Every length, area, width and distance is computed in :data:`~kimson_geo.registry.METRIC_CRS`
(EPSG:5899, VN-2000 / TM-3 zone 107-45), never in degrees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import CRSError
from .registry import METRIC_CRS, WGS84

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

__all__ = ["resolve_crs", "ensure_wgs84", "to_metric", "PROJECTED_HINT"]

PROJECTED_HINT = "VN-2000? pass --src-crs EPSG:5899"


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


def ensure_wgs84(
    frame: gpd.GeoDataFrame, src_crs: CRS | None = None, *, source: str = "<frame>"
) -> gpd.GeoDataFrame:
    """Return ``frame`` in WGS 84.

    ``src_crs`` overrides the CRS the frame declares.  A frame that declares none, or whose
    coordinates cannot be geographic, raises :class:`CRSError` with a hint.
    """
    if src_crs is not None:
        frame = frame.set_crs(src_crs, allow_override=True)
    if frame.crs is None:
        # a CSV or a Shapefile without .prj: longitude/latitude is assumed only when the
        # coordinates can be longitude/latitude
        if frame.geometry.isna().all() or frame.empty or _lon_lat_range(frame):
            return frame.set_crs(WGS84)
        raise CRSError(f"{source}: has no CRS and its coordinates are not longitude/latitude "
                       f"({PROJECTED_HINT})")
    if frame.crs.is_geographic and not frame.empty and not frame.geometry.isna().all():
        bounds = frame.total_bounds
        if not _lon_lat_range(frame):
            raise CRSError(
                f"{source}: coordinates up to ({bounds[2]:.0f}, {bounds[3]:.0f}) are not "
                f"longitude/latitude; they look like projected metres ({PROJECTED_HINT})"
            )
    if frame.crs.equals(WGS84) or frame.crs.to_epsg() == 4326:
        return frame.set_crs(WGS84, allow_override=True) if frame.crs != WGS84 else frame
    try:
        return frame.to_crs(WGS84)
    except Exception as exc:  # pyproj raises several types
        raise CRSError(f"{source}: cannot transform from {frame.crs} to WGS 84: {exc}") from exc


def _lon_lat_range(frame: gpd.GeoDataFrame) -> bool:
    west, south, east, north = frame.total_bounds
    return bool(-180.0 <= west <= east <= 180.0 and -90.0 <= south <= north <= 90.0)


def to_metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` in the metric CRS (EPSG:5899) for lengths, areas and distances."""
    return frame.to_crs(METRIC_CRS)
