"""Which CRS a delivery's bare coordinates are in: read them every plausible way, keep the
one that puts them at the ward.

A file that names its CRS (a ``.prj``, a GeoPackage) is taken at its word.  Without one, the
coordinates are read as longitude/latitude and in each candidate CRS of the dictionary
(VN-2000 TM-3 zones of Quảng Ninh and its neighbours, UTM 48N/49N); the readings that put
the middle of the data within the dictionary's radius of the ward are plausible.  One
plausible reading is taken and reported; none, or more than one, is a :class:`CRSError`
naming ``--src-crs``.  Spreadsheets add a second question, the order of X and Y (the
Vietnamese survey convention is X = northing): each order is one more reading.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ..crs import resolve_crs, transformer
from ..errors import CRSError
from ..registry import WGS84

if TYPE_CHECKING:
    import geopandas as gpd

    from .dictionary import Dictionary

__all__ = ["Reading", "CRSGuess", "guess_crs", "plausible", "settle_crs",
           "EARTH_RADIUS_M"]

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Reading:
    """One way to read a table's coordinates: ``x`` and ``y`` arrays and what they are."""

    label: str
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class CRSGuess:
    """The reading and CRS taken, and how far from the ward that puts the data."""

    reading: Reading
    crs: str
    distance_km: float

    @property
    def note(self) -> str:
        return (f"assumed {self.crs} ({_crs_name(self.crs)}): it puts the data "
                f"{self.distance_km:.1f} km from the ward")


@lru_cache(maxsize=64)
def _crs_name(crs: str) -> str:
    from pyproj import CRS

    return str(CRS.from_user_input(crs).name)


def _centre(x: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return None
    return float(np.median(x[ok])), float(np.median(y[ok]))


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))) / 1000.0


def _lonlat_ok(x: np.ndarray, y: np.ndarray) -> bool:
    ok = np.isfinite(x) & np.isfinite(y)
    return bool(ok.any() and (np.abs(x[ok]) <= 180).all() and (np.abs(y[ok]) <= 90).all())


def plausible(readings: Sequence[Reading], dictionary: Dictionary) -> list[CRSGuess]:
    """Every (reading, CRS) that puts the data within the ward's radius, nearest first."""
    place = dictionary.place
    lon0, lat0 = float(place.get("lon", 0.0)), float(place.get("lat", 0.0))
    radius = float(place.get("radius_km", 20.0))
    found: list[CRSGuess] = []
    for reading in readings:
        centre = _centre(reading.x, reading.y)
        if centre is None:
            continue
        if _lonlat_ok(reading.x, reading.y):
            distance = _km(centre[0], centre[1], lon0, lat0)
            if distance <= radius:
                found.append(CRSGuess(reading, WGS84, distance))
            continue  # degrees are not metres in any projected CRS
        for crs in dictionary.crs_candidates:
            lon, lat = transformer(crs, WGS84).transform(*centre)
            if not (math.isfinite(lon) and math.isfinite(lat)):
                continue
            distance = _km(lon, lat, lon0, lat0)
            if distance <= radius:
                found.append(CRSGuess(reading, crs, distance))
    return sorted(found, key=lambda g: g.distance_km)


def guess_crs(readings: Sequence[Reading], dictionary: Dictionary, *, source: str) -> CRSGuess:
    """The one plausible reading of ``readings`` (see the module's docstring).

    Raises
    ------
    CRSError
        When no reading, or more than one, puts the data at the ward; the message names the
        readings and ``--src-crs``.
    """
    found = plausible(readings, dictionary)
    place = dictionary.place.get("name", "the ward")
    if len(found) == 1:
        return found[0]
    if not found:
        centre = next((c for c in (_centre(r.x, r.y) for r in readings) if c), None)
        where = f" (around {centre[0]:.0f}, {centre[1]:.0f})" if centre else ""
        raise CRSError(f"{source}: has no CRS and its coordinates{where} fall near "
                       f"{place} in no known CRS; pass --src-crs (e.g. EPSG:5899)")
    options = "; ".join(f"{g.reading.label} in {g.crs} ({g.distance_km:.1f} km away)"
                        for g in found[:4])
    raise CRSError(f"{source}: has no CRS and its coordinates read more than one way near "
                   f"{place}: {options}; pass --src-crs to say which")


def settle_crs(frame: gpd.GeoDataFrame, dictionary: Dictionary, *, source: str,
               src_crs: object | None = None) -> tuple[gpd.GeoDataFrame, str]:
    """``frame`` with its CRS settled, and a note saying where that CRS came from.

    ``src_crs`` wins; then the CRS the file names, when its coordinates fit it (a geographic
    CRS on coordinates of millions is no CRS at all); then :func:`guess_crs`.
    """
    import shapely

    if src_crs is not None:
        crs = resolve_crs(src_crs)
        return frame.set_crs(crs, allow_override=True), f"{crs.to_string()} (--src-crs)"
    coords = shapely.get_coordinates(frame.geometry.dropna().to_numpy())
    x, y = (coords[:, 0], coords[:, 1]) if len(coords) else (np.zeros(0), np.zeros(0))
    if frame.crs is not None and (not frame.crs.is_geographic or not len(x)
                                  or _lonlat_ok(x, y)):
        return frame, f"{frame.crs.to_string()} (named by the file)"
    if not len(x):
        return frame.set_crs(WGS84, allow_override=True), f"{WGS84} (no coordinates)"
    guess = guess_crs([Reading("x/y", x, y)], dictionary, source=source)
    return frame.set_crs(guess.crs, allow_override=True), guess.note
