"""The *structure* family: RFC 7946 checks on the raw bytes of a GeoJSON file.

These checks run before any GeoDataFrame exists, on the file as written: its encoding,
its JSON syntax, and the GeoJSON object model of RFC 7946 (members, types, coordinate
nesting, positions, rings, bbox).  The rules agree with mapbox/geojsonhint on its test
corpus (same problems, same severities, same lines) and add what this project needs:
positions outside WGS 84 (with a hint when they look like VN-2000 metres), duplicate
members anywhere, NaN/Infinity, numbers too big for a double, and a nesting limit.

Design, for files of a million features:

1. ``orjson.loads`` parses the bytes.  When that succeeds, duplicate members are ruled
   out cheaply by counting ``:`` in the input and in ``orjson.dumps`` of the result
   (equal exactly when no member was dropped, unless the input escapes a colon as
   ``\\u003a``).  A screen made of C-level passes (``map``, ``itemgetter``, sets, ``min``,
   ``max``, numpy for ring orientation) then proves most clean documents clean.
2. Only when the screen cannot, a per-object checker walks the document and records,
   for each problem, the JSON path whose first line geojsonhint reports.  A second,
   position-aware pass over the text turns those paths into line numbers; it descends only
   where a problem lies and skips everything else with the C JSON scanner.
3. When orjson refuses the bytes, an iterative (never recursive) tokenizer explains why:
   not UTF-8, syntax error with line and column, NaN/Infinity, numbers out of range,
   nesting deeper than orjson's 1024 levels, and duplicate members.
4. A large FeatureCollection file (more than :data:`CHUNK_FEATURES` features) is first
   checked in chunks (:func:`open_feature_chunks`): the ``features`` array is split at
   candidate ``},{`` boundaries, each chunk parsed by orjson (which proves the boundary
   real) and given the tests of step 1, and dropped before the next, so that only one
   chunk's document is alive at a time (validation builds the frame chunk by chunk too).
   The first chunk that cannot be proven clean sends the file to steps 1–3 whole, so the
   issues, their lines and messages are the same either way.

Examples
--------
>>> issues, doc = check_bytes(b'{"type": "Point", "coordinates": [106.52, 21.07]}')
>>> issues, doc["type"]
([], 'Point')
>>> issues, doc = check_bytes(b'{"type": "Point", "coordinates": [431200.5, 2330100.0]}')
>>> issues[0].rule, "EPSG:5899" in issues[0].message
('position-range', True)
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import chain
from operator import eq, itemgetter, methodcaller
from typing import Any

import numpy as np
import orjson

from ..errors import DataSourceError
from .issue import Issue, Severity

__all__ = ["STRUCTURE_RULES", "NESTING_LIMIT", "CHUNK_FEATURES", "ChunkFallback", "FeatureChunks",
           "check_bytes", "check_file", "open_feature_chunks"]

#: deepest nesting of arrays and objects accepted (orjson's own limit)
NESTING_LIMIT = 1024

#: rule id -> (severity, one-line description), for ``validate --list-rules``
STRUCTURE_RULES: dict[str, tuple[Severity, str]] = {
    "not-utf8": ("error", "The file is not UTF-8 (Windows-1258 or TCVN3 files must be "
                          "re-saved as UTF-8); a UTF-8 BOM is tolerated."),
    "json-syntax": ("error", "The file is not well-formed JSON (the line and column are given)."),
    "nesting-too-deep": ("error", f"Arrays and objects are nested more than {NESTING_LIMIT} "
                                  "levels deep."),
    "duplicate-member": ("error", "An object has two members with the same name, so readers "
                                  "disagree on its value."),
    "non-finite-number": ("error", "NaN, Infinity or -Infinity, which JSON does not allow."),
    "number-out-of-range": ("error", "A number too large for a 64-bit float (such as 1e400)."),
    "root-type": ("error", "The root of the document is not a JSON object."),
    "unknown-type": ("error", "A \"type\" that is none of the nine GeoJSON types "
                              "(they are case-sensitive)."),
    "wrong-type": ("error", "A GeoJSON type where another is required: a non-Feature in "
                            "\"features\", a non-geometry as a geometry."),
    "missing-member": ("error", "A required member is missing (type, features, geometry, "
                                "properties, coordinates, geometries)."),
    "member-type": ("error", "A member has the wrong JSON type (e.g. \"properties\" is not an "
                             "object or null, \"features\" holds a non-object)."),
    "forbidden-member": ("error", "A member that changes the meaning of GeoJSON members "
                                  "(RFC 7946 section 7.1), e.g. \"coordinates\" on a Feature."),
    "feature-id-type": ("error", "A Feature \"id\" that is neither a string nor a number."),
    "bbox-form": ("error", "A \"bbox\" that is not an array of 4 or 6 numbers."),
    "crs-member": ("warning", "An old-style \"crs\" member; RFC 7946 coordinates are always "
                              "WGS 84 longitude/latitude."),
    "geometrycollection-single": ("error", "A GeometryCollection holding a single geometry "
                                           "(use that geometry or a multi-part one)."),
    "geometrycollection-nested": ("error", "A GeometryCollection inside another "
                                           "GeometryCollection."),
    "coordinate-nesting": ("error", "\"coordinates\" nested too shallowly or too deeply for "
                                    "the geometry type."),
    "position-arity": ("error", "A position with fewer than 2 elements."),
    "position-extra-elements": ("warning", "A position with more than 3 elements "
                                           "(lon, lat, altitude)."),
    "position-number": ("error", "A position element that is not a number."),
    "position-range": ("error", "A position outside WGS 84 (longitude -180..180, latitude "
                                "-90..90), reported once per feature."),
    "linestring-too-short": ("error", "A LineString (or part of a MultiLineString) with fewer "
                                      "than 2 positions."),
    "ring-too-short": ("error", "A linear ring with fewer than 4 positions."),
    "ring-not-closed": ("error", "A linear ring whose last position differs from its first."),
    "right-hand-rule": ("warning", "Polygon rings against the right-hand rule: exterior "
                                   "rings counter-clockwise, holes clockwise."),
}

_BOM = b"\xef\xbb\xbf"
_GEOMETRY_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString",
                             "Polygon", "MultiPolygon", "GeometryCollection"})
_TYPES = _GEOMETRY_TYPES | {"Feature", "FeatureCollection"}
_TYPES_BY_LOWER = {t.lower(): t for t in _TYPES}
#: nesting depth of "coordinates" below the position level, and the kind of its parts
_COORD_SHAPE: dict[str, tuple[int, str | None]] = {
    "Point": (0, None), "MultiPoint": (1, None), "LineString": (1, "line"),
    "MultiLineString": (2, "line"), "Polygon": (2, "ring"), "MultiPolygon": (3, "ring"),
}
# members whose presence changes the meaning of GeoJSON members (RFC 7946 section 7.1, and
# geojsonhint's "cannot contain" checks)
_FC_FORBIDDEN = ("properties", "coordinates", "geometry", "geometries")
_FEATURE_FORBIDDEN = ("features", "coordinates", "geometries")
_GEOMETRY_FORBIDDEN = ("properties", "geometry", "features")
_NUMBER = (int, float)
_ID_TYPES = (str, int, float)
_PROJECTED_HINT = "VN-2000? pass --src-crs EPSG:5899"


class _Missing:
    """Sentinel type for a member that is absent (distinct from JSON null)."""

    __slots__ = ()


_MISSING = _Missing()
_HERE = _Missing()  # marks a wanted path in the path trie of _value_offsets
_COUNT = _Missing()  # how many wanted paths a trie node holds, itself included


class _Found:
    """A problem before its line is known: by text offset or by JSON path."""

    __slots__ = ("rule", "message", "offset", "path", "feature", "feature_id", "location")

    def __init__(self, rule: str, message: str, *, offset: int | None = None,
                 path: tuple[Any, ...] | None = None, feature: int | None = None,
                 feature_id: str | None = None,
                 location: tuple[float, float] | None = None) -> None:
        self.rule = rule
        self.message = message
        self.offset = offset
        self.path = path
        self.feature = feature
        self.feature_id = feature_id
        self.location = location


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------

def _jtype(value: object) -> str:
    """The JSON type name of a parsed value, with its article."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a value"


def _q(text: str, limit: int = 60) -> str:
    """``text`` as a short, double-quoted, single-line JSON string for a message."""
    if len(text) > limit:
        text = text[:limit] + "…"
    out = json.dumps(text, ensure_ascii=False)
    return out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace(
        "\x85", "\\u0085")


def _num(value: float) -> str:
    """A coordinate for a message: short but exact enough to find it."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


def _feature_id(value: object) -> str | None:
    """An ``id`` value as text, when it is a string or a number."""
    if type(value) in _ID_TYPES:
        return str(value)
    return None


def _feature_ident(feature: dict[str, Any]) -> str | None:
    """The id a feature is known by: ``properties.id`` (the layers' contract, and the
    column the other rule families read), else the Feature's own ``id`` member."""
    props = feature.get("properties")
    if type(props) is dict:
        found = _feature_id(props.get("id"))
        if found is not None:
            return found
    return _feature_id(feature.get("id"))


def _valid_location(position: object) -> tuple[float, float] | None:
    """``(lon, lat)`` of a position when it is a valid WGS 84 position, else None."""
    if type(position) is not list or len(position) < 2:
        return None
    x, y = position[0], position[1]
    if type(x) not in _NUMBER or type(y) not in _NUMBER:
        return None
    if -180.0 <= x <= 180.0 and -90.0 <= y <= 90.0:
        return (float(x), float(y))
    return None


def _first_position(node: object, depth: int) -> tuple[float, float] | None:
    """Location of the first position inside ``node`` (``depth`` levels above positions)."""
    for _ in range(depth):
        if type(node) is not list or not node:
            return None
        node = node[0]
    return _valid_location(node)


# --------------------------------------------------------------------------------------
# right-hand rule, vectorised over many polygons
# --------------------------------------------------------------------------------------

def _rhr_offenders(polygons: list[list[list[list[float]]]]) -> list[int]:
    """For each polygon, -1 when it follows the right-hand rule, else its first bad ring.

    Every ring must already be known to be a list of at least 4 numeric positions.
    Areas come from the shoelace formula on coordinates shifted to each ring's first
    position (so that small rings far from the origin keep their precision).
    """
    count = len(polygons)
    result = [-1] * count
    if count == 0:
        return result
    ring_counts = np.fromiter(map(len, polygons), dtype=np.intp, count=count)
    rings = list(chain.from_iterable(polygons))
    if not rings:
        return result
    pos_counts = np.fromiter(map(len, rings), dtype=np.intp, count=len(rings))
    positions = list(chain.from_iterable(rings))
    n = len(positions)
    xs = np.fromiter(map(itemgetter(0), positions), dtype=np.float64, count=n)
    ys = np.fromiter(map(itemgetter(1), positions), dtype=np.float64, count=n)
    ring_start = np.zeros(len(rings), dtype=np.intp)
    np.cumsum(pos_counts[:-1], out=ring_start[1:])
    xs -= np.repeat(xs[ring_start], pos_counts)
    ys -= np.repeat(ys[ring_start], pos_counts)
    with np.errstate(all="ignore"):
        cross = xs[:-1] * ys[1:] - xs[1:] * ys[:-1]
        ring_last = ring_start + pos_counts - 1
        cross[ring_last[ring_last < n - 1]] = 0.0  # pairs that straddle two rings
        area = np.add.reduceat(cross, ring_start)
        scale = np.add.reduceat(np.abs(cross), ring_start)
        significant = np.abs(area) > 1e-12 * scale
    first_ring = np.zeros(count, dtype=np.intp)
    np.cumsum(ring_counts[:-1], out=first_ring[1:])
    exterior = np.zeros(len(rings), dtype=bool)
    exterior[first_ring[ring_counts > 0]] = True
    bad = significant & np.where(exterior, area < 0, area > 0)
    if bad.any():
        owner = np.repeat(np.arange(count, dtype=np.intp), ring_counts)
        for ring in np.flatnonzero(bad).tolist():
            poly = int(owner[ring])
            if result[poly] < 0:
                result[poly] = ring - int(first_ring[poly])
    return result


# --------------------------------------------------------------------------------------
# the screen: C-level passes that prove a document clean, or give up
# --------------------------------------------------------------------------------------

def _all_lists(items: list[Any]) -> bool:
    return not items or set(map(type, items)) == {list}


def _bboxes_ok(objects: list[dict[str, Any]]) -> bool:
    boxes = [b for b in map(methodcaller("get", "bbox", _MISSING), objects)
             if b is not _MISSING]
    return (_all_lists(boxes) and set(map(len, boxes)) <= {4, 6}
            and set(map(type, chain.from_iterable(boxes))) <= {int, float})


#: False while checking a file whose coordinates are known to be projected (``--src-crs``)
_WGS84_RANGE: ContextVar[bool] = ContextVar("_WGS84_RANGE", default=True)


def _positions_ok(positions: list[Any]) -> bool:
    if not positions:
        return True
    if not _all_lists(positions):
        return False
    lengths = set(map(len, positions))
    if not lengths <= {2, 3}:
        return False
    if not set(map(type, chain.from_iterable(positions))) <= {int, float}:
        return False
    if len(lengths) == 1:
        width = lengths.pop()
        table = np.fromiter(chain.from_iterable(positions), dtype=np.float64,
                            count=width * len(positions)).reshape(-1, width)
        xs, ys = table[:, 0], table[:, 1]
    else:
        xs = np.fromiter(map(itemgetter(0), positions), dtype=np.float64, count=len(positions))
        ys = np.fromiter(map(itemgetter(1), positions), dtype=np.float64, count=len(positions))
    if not _WGS84_RANGE.get():
        return bool(np.isfinite(xs).all() and np.isfinite(ys).all())
    return bool(xs.min() >= -180 and xs.max() <= 180 and ys.min() >= -90 and ys.max() <= 90)


def _rings_ok(rings: list[Any]) -> bool:
    return (_all_lists(rings) and (not rings or min(map(len, rings)) >= 4)
            and all(map(eq, map(itemgetter(0), rings), map(itemgetter(-1), rings))))


def _screen_coordinates(gtype: str, coords: list[Any]) -> bool:
    if not all(coords):  # empty "coordinates" arrays are empty geometries (RFC 7946 3.1)
        coords = list(filter(None, coords))
    if gtype == "Point":
        return _positions_ok(coords)
    if gtype == "MultiPoint":
        return _positions_ok(list(chain.from_iterable(coords)))
    if gtype == "LineString":
        return min(map(len, coords), default=2) >= 2 and _positions_ok(
            list(chain.from_iterable(coords)))
    if gtype == "MultiLineString":
        lines = list(chain.from_iterable(coords))
        return (_all_lists(lines) and min(map(len, lines), default=2) >= 2
                and _positions_ok(list(chain.from_iterable(lines))))
    if gtype == "Polygon":
        polygons = coords
    else:  # MultiPolygon
        polygons = list(chain.from_iterable(coords))
        if not _all_lists(polygons):
            return False
    rings = list(chain.from_iterable(polygons))
    if not (_rings_ok(rings) and _positions_ok(list(chain.from_iterable(rings)))):
        return False
    return max(_rhr_offenders(polygons), default=-1) < 0


def _screen_geometries(geoms: list[Any]) -> bool:
    if not geoms:
        return True
    if set(map(type, geoms)) != {dict}:
        return False
    keys = set(chain.from_iterable(geoms))
    if not keys.isdisjoint((*_GEOMETRY_FORBIDDEN, "crs", "geometries")):
        return False
    if "bbox" in keys and not _bboxes_ok(geoms):
        return False
    gtypes = list(map(itemgetter("type"), geoms))
    distinct = set(gtypes)
    if not distinct <= _COORD_SHAPE.keys():
        return False
    coords = list(map(itemgetter("coordinates"), geoms))
    if not _all_lists(coords):
        return False
    if len(distinct) == 1:
        groups = {gtypes[0]: coords}
    else:
        groups = {t: [] for t in distinct}
        for t, c in zip(gtypes, coords, strict=True):
            groups[t].append(c)
    return all(_screen_coordinates(t, c) for t, c in groups.items())


def _screen_features(features: list[Any]) -> bool:
    if not features:
        return True
    if set(map(type, features)) != {dict}:
        return False
    keys = set(chain.from_iterable(features))
    if not keys.isdisjoint((*_FEATURE_FORBIDDEN, "crs")):
        return False
    if "bbox" in keys and not _bboxes_ok(features):
        return False
    if set(map(itemgetter("type"), features)) != {"Feature"}:
        return False
    if not set(map(type, map(itemgetter("properties"), features))) <= {dict, type(None)}:
        return False
    if "id" in keys and not set(map(type, map(methodcaller("get", "id", _MISSING),
                                               features))) <= {str, int, float, _Missing}:
        return False
    geoms = list(map(itemgetter("geometry"), features))
    geom_types = set(map(type, geoms))
    if not geom_types <= {dict, type(None)}:
        return False
    if type(None) in geom_types:
        geoms = [g for g in geoms if g is not None]
    return _screen_geometries(geoms)


def _screen(doc: object) -> bool:
    """True when ``doc`` certainly has no structure problem; False when unsure."""
    try:
        if type(doc) is not dict:
            return False
        gtype = doc.get("type")
        if gtype == "FeatureCollection":
            if any(m in doc for m in _FC_FORBIDDEN) or "crs" in doc:
                return False
            if "bbox" in doc and not _bboxes_ok([doc]):
                return False
            features = doc.get("features")
            return type(features) is list and _screen_features(features)
        if gtype == "Feature":
            return _screen_features([doc])
        return _screen_geometries([doc])
    except (TypeError, KeyError, ValueError, IndexError, AttributeError, OverflowError,
            RecursionError):
        return False


# --------------------------------------------------------------------------------------
# the precise checker: every GeoJSON problem, with the JSON path of its line
# --------------------------------------------------------------------------------------

_Ctx = tuple[int | None, str | None]  # feature index, feature id


class _Checker:
    """Walk a parsed document and record every RFC 7946 problem with its JSON path."""

    def __init__(self) -> None:
        self.found: list[_Found] = []
        self._range_done: set[object] = set()
        self._rhr: list[tuple[tuple[Any, ...], _Ctx, list[Any]]] = []  # path, ctx, polygons

    # -- recording ---------------------------------------------------------------------
    def emit(self, rule: str, message: str, path: tuple[Any, ...], ctx: _Ctx,
             location: tuple[float, float] | None = None) -> None:
        self.found.append(_Found(rule, message, path=path, feature=ctx[0],
                                 feature_id=ctx[1], location=location))

    # -- entry -------------------------------------------------------------------------
    def run(self, doc: object) -> list[_Found]:
        root: _Ctx = (None, None)
        if type(doc) is not dict:
            self.emit("root-type", "the root of a GeoJSON document must be a JSON object, "
                      f"found {_jtype(doc)}", (), root)
            return self.found
        gtype = self._type(doc, (), root, "a GeoJSON object")
        if gtype == "FeatureCollection":
            self._collection(doc)
        elif gtype == "Feature":
            self._feature(doc, (), None, in_collection=False)
        elif gtype is not None:
            self._geometry(doc, (), root)
        self._right_hand_rule()
        return self.found

    def _type(self, obj: dict[str, Any], path: tuple[Any, ...], ctx: _Ctx,
              what: str) -> str | None:
        """Check the ``type`` member of ``obj``; its value when it is a GeoJSON type."""
        if "type" not in obj:
            self.emit("missing-member", f'{what} must have a "type" member', path, ctx)
            return None
        value = obj["type"]
        if type(value) is not str:
            self.emit("member-type", f'"type" member must be a string, found {_jtype(value)}',
                      path, ctx)
            return None
        if value not in _TYPES:
            self._unknown_type(value, path, ctx)
            return None
        return value

    def _unknown_type(self, value: str, path: tuple[Any, ...], ctx: _Ctx) -> None:
        right = _TYPES_BY_LOWER.get(value.lower())
        if right is not None:
            message = (f'"type" is {_q(value)}: GeoJSON types are case-sensitive, '
                       f'write {_q(right)}')
        else:
            message = f'"type" is {_q(value)}, which is not a GeoJSON type'
        self.emit("unknown-type", message, path, ctx)

    def _common(self, obj: dict[str, Any], path: tuple[Any, ...], ctx: _Ctx, what: str,
                forbidden: Iterable[str]) -> None:
        """The members every GeoJSON object shares: crs, bbox, and forbidden ones."""
        if "crs" in obj:
            crs = obj["crs"]
            named = ""
            if type(crs) is dict and type(crs.get("properties")) is dict:
                name = crs["properties"].get("name")
                if type(name) is str:
                    named = f" ({_q(name)})"
            self.emit("crs-member", f'old-style "crs" member{named} is not part of RFC 7946: '
                      "coordinates must be WGS 84 longitude/latitude; remove it "
                      "(reproject first with --src-crs if needed)", path, ctx)
        if "bbox" in obj:
            box = obj["bbox"]
            if type(box) is not list:
                self.emit("bbox-form", '"bbox" member must be an array of numbers, found '
                          f"{_jtype(box)}", path, ctx)
            else:
                bpath = (*path, "bbox")
                if not all(type(v) in _NUMBER for v in box):
                    self.emit("bbox-form", 'every element of "bbox" must be a number', bpath,
                              ctx)
                if len(box) not in (4, 6):
                    self.emit("bbox-form", f'"bbox" has {len(box)} elements; it must have 4 '
                              "(2D) or 6 (3D)", bpath, ctx)
        for member in forbidden:
            if member in obj:
                self.emit("forbidden-member", f'{what} must not have a "{member}" member '
                          "(it changes the meaning of GeoJSON members, RFC 7946 7.1)",
                          path, ctx)

    # -- objects -----------------------------------------------------------------------
    def _collection(self, fc: dict[str, Any]) -> None:
        root: _Ctx = (None, None)
        self._common(fc, (), root, "a FeatureCollection", _FC_FORBIDDEN)
        if "features" not in fc:
            self.emit("missing-member", 'a FeatureCollection must have a "features" member',
                      (), root)
            return
        features = fc["features"]
        if type(features) is not list:
            self.emit("member-type", '"features" member must be an array, found '
                      f"{_jtype(features)}", (), root)
            return
        bad = [i for i, f in enumerate(features) if type(f) is not dict]
        if bad:
            self.emit("member-type", f'"features" must hold only Feature objects: {len(bad)} '
                      f"element(s) are not objects (first: element {bad[0]} is "
                      f"{_jtype(features[bad[0]])})", (), (bad[0], None))
        for index, feature in enumerate(features):
            if type(feature) is dict:
                self._feature(feature, ("features", index), index, in_collection=True)

    def _feature(self, feature: dict[str, Any], path: tuple[Any, ...], index: int | None,
                 *, in_collection: bool) -> None:
        raw_id = feature.get("id", _MISSING)
        ctx: _Ctx = (index, _feature_ident(feature))
        self._common(feature, path, ctx, "a Feature", _FEATURE_FORBIDDEN)
        if raw_id is not _MISSING and type(raw_id) not in _ID_TYPES:
            self.emit("feature-id-type", 'Feature "id" must be a string or a number, found '
                      f"{_jtype(raw_id)}", path, ctx)
        if in_collection:
            value = feature.get("type", _MISSING)
            if value is _MISSING:
                self.emit("missing-member", 'a Feature must have "type": "Feature"', path, ctx)
            elif type(value) is not str:
                self.emit("member-type", '"type" member must be a string, found '
                          f"{_jtype(value)}", path, ctx)
            elif value in _TYPES and value != "Feature":
                self.emit("wrong-type", f'"features" must hold Features, found a {value}',
                          path, ctx)
            elif value != "Feature":
                self._unknown_type(value, path, ctx)
        if "properties" not in feature:
            self.emit("missing-member", 'a Feature must have a "properties" member (an object '
                      "or null)", path, ctx)
        elif feature["properties"] is not None and type(feature["properties"]) is not dict:
            self.emit("member-type", '"properties" member must be an object or null, found '
                      f'{_jtype(feature["properties"])}', path, ctx)
        if "geometry" not in feature:
            self.emit("missing-member", 'a Feature must have a "geometry" member (a geometry '
                      "object or null)", path, ctx)
            return
        geometry = feature["geometry"]
        if geometry is None:
            return
        if type(geometry) is not dict:
            self.emit("member-type", '"geometry" member must be an object or null, found '
                      f"{_jtype(geometry)}", path, ctx)
            return
        self._geometry(geometry, (*path, "geometry"), ctx)

    def _geometry(self, geometry: dict[str, Any], path: tuple[Any, ...], ctx: _Ctx) -> None:
        stack: list[tuple[dict[str, Any], tuple[Any, ...]]] = [(geometry, path)]
        while stack:  # iterative: GeometryCollections may nest deeply
            geom, gpath = stack.pop()
            gtype = self._type(geom, gpath, ctx, "a geometry")
            if gtype is None:
                continue
            if gtype not in _GEOMETRY_TYPES:
                self.emit("wrong-type", "a geometry must be one of "
                          f"{', '.join(sorted(_GEOMETRY_TYPES))}; found a {gtype}", gpath, ctx)
                continue
            self._common(geom, gpath, ctx, f"a {gtype} geometry", _GEOMETRY_FORBIDDEN)
            if gtype == "GeometryCollection":
                stack.extend(reversed(self._collection_members(geom, gpath, ctx)))
            else:
                self._coordinates(geom, gtype, gpath, ctx)

    def _collection_members(self, gc: dict[str, Any], path: tuple[Any, ...],
                            ctx: _Ctx) -> list[tuple[dict[str, Any], tuple[Any, ...]]]:
        if "geometries" not in gc:
            self.emit("missing-member", 'a GeometryCollection must have a "geometries" member',
                      path, ctx)
            return []
        members = gc["geometries"]
        if type(members) is not list:
            self.emit("member-type", '"geometries" member must be an array, found '
                      f"{_jtype(members)}", path, ctx)
            return []
        gpath = (*path, "geometries")
        bad = [i for i, g in enumerate(members) if type(g) is not dict]
        if bad:
            self.emit("member-type", f'"geometries" must hold only geometry objects: {len(bad)}'
                      f" element(s) are not objects (first: element {bad[0]} is "
                      f"{_jtype(members[bad[0]])})", path, ctx)
        if len(members) == 1:
            self.emit("geometrycollection-single", "a GeometryCollection with a single "
                      "geometry should be that geometry (or a multi-part geometry)", gpath, ctx)
        out = []
        for i, member in enumerate(members):
            if type(member) is dict:
                if member.get("type") == "GeometryCollection":
                    self.emit("geometrycollection-nested", "a GeometryCollection should not "
                              "contain another GeometryCollection (RFC 7946 3.1.8)", gpath, ctx)
                out.append((member, (*gpath, i)))
        return out

    # -- coordinates -------------------------------------------------------------------
    def _coordinates(self, geom: dict[str, Any], gtype: str, path: tuple[Any, ...],
                     ctx: _Ctx) -> None:
        if "coordinates" not in geom:
            self.emit("missing-member", f'a {gtype} must have a "coordinates" member', path,
                      ctx)
            return
        coords = geom["coordinates"]
        if type(coords) is not list:
            self.emit("member-type", f'"coordinates" member must be an array, found '
                      f"{_jtype(coords)}", path, ctx)
            return
        if not coords:
            return  # an empty geometry (RFC 7946 3.1)
        depth, kind = _COORD_SHAPE[gtype]
        ok = self._walk(coords, depth, kind, (*path, "coordinates"), path, ctx, gtype)
        if ok and kind == "ring":
            polygons = [coords] if gtype == "Polygon" else coords
            self._rhr.append((path, ctx, polygons))

    def _walk(self, node: Any, depth: int, kind: str | None, path: tuple[Any, ...],
              parent: tuple[Any, ...], ctx: _Ctx, gtype: str) -> bool:
        """Check coordinates ``depth`` levels above positions; True when all is well."""
        if depth == 0:
            return self._position(node, path, parent, ctx)
        if type(node) is not list:
            self.emit("coordinate-nesting", f'"coordinates" of a {gtype} are not nested deeply '
                      f"enough: found {_jtype(node)} where an array was expected", parent, ctx)
            return False
        size = len(node)
        if depth == 1 and kind == "line" and size < 2:
            self.emit("linestring-too-short", f"a line needs 2 or more positions, found {size}",
                      path, ctx, _first_position(node, 1))
            return False
        ok = True
        if depth == 1 and kind == "ring":
            if size == 0:
                self.emit("ring-too-short", "a linear ring needs 4 or more positions, found 0",
                          path, ctx)
                return False
            if type(node[-1]) is not list:
                self.emit("coordinate-nesting", f'"coordinates" of a {gtype} are not nested '
                          "deeply enough: a ring holds numbers where positions were expected",
                          path, ctx)
                return False
            location = _first_position(node, 1)
            if size < 4:
                self.emit("ring-too-short", f"a linear ring needs 4 or more positions, found "
                          f"{size}", path, ctx, location)
                ok = False
            try:
                closed = node[0] == node[-1]
            except RecursionError:
                closed = False
            if not closed:
                self.emit("ring-not-closed", "a linear ring must end with the position it "
                          "starts with", path, ctx, location)
                ok = False
        for i, child in enumerate(node):
            if not self._walk(child, depth - 1, kind, (*path, i), path, ctx, gtype):
                ok = False
        return ok

    def _position(self, pos: Any, path: tuple[Any, ...], parent: tuple[Any, ...],
                  ctx: _Ctx) -> bool:
        if type(pos) is not list:
            self.emit("coordinate-nesting", "a position must be an array [longitude, "
                      f"latitude], found {_jtype(pos)}", parent, ctx)
            return False
        size = len(pos)
        if size < 2:
            self.emit("position-arity", "a position must have 2 or 3 numbers [longitude, "
                      f"latitude(, altitude)], found {size} element(s)", path, ctx)
            return False
        if size > 3:
            self.emit("position-extra-elements", "a position should have at most 3 elements "
                      f"[longitude, latitude, altitude], found {size}", path, ctx)
        for value in pos:
            if type(value) not in _NUMBER:
                self.emit("position-number", "every element of a position must be a number, "
                          f"found {_jtype(value)}", path, ctx)
                return False
        x, y = pos[0], pos[1]
        if _WGS84_RANGE.get() and not (-180 <= x <= 180 and -90 <= y <= 90):
            key = ctx[0] if ctx[0] is not None else "root"
            if key not in self._range_done and math.isfinite(x) and math.isfinite(y):
                self._range_done.add(key)
                self.emit("position-range", self._range_message(x, y), path, ctx)
        return True

    @staticmethod
    def _range_message(x: float, y: float) -> str:
        message = (f"position [{_num(x)}, {_num(y)}] is outside WGS 84 (longitude -180..180, "
                   "latitude -90..90)")
        if abs(x) > 1000 or abs(y) > 1000:
            message += f"; the values look like projected metres: {_PROJECTED_HINT}"
        elif abs(x) <= 90 and 90 < abs(y) <= 180:
            message += "; longitude and latitude look swapped (GeoJSON order is [lon, lat])"
        return message

    def _right_hand_rule(self) -> None:
        if not self._rhr:
            return
        polygons: list[Any] = []
        owners: list[int] = []
        for n, (_, _, polys) in enumerate(self._rhr):
            polygons.extend(polys)
            owners.extend([n] * len(polys))
        offenders = _rhr_offenders(polygons)
        reported: set[int] = set()
        for poly, ring, owner in zip(polygons, offenders, owners, strict=True):
            if ring < 0 or owner in reported:
                continue
            reported.add(owner)
            path, ctx, _ = self._rhr[owner]
            which = "the exterior ring" if ring == 0 else f"hole {ring}"
            self.emit("right-hand-rule", f"polygon rings should follow the right-hand rule "
                      f"(RFC 7946 3.1.6): exterior rings counter-clockwise, holes clockwise; "
                      f"{which} is the other way round", path, ctx,
                      _valid_location(poly[ring][0]))


# --------------------------------------------------------------------------------------
# the position-aware pass over the text
# --------------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*+")
_TOKEN = re.compile(
    r'[ \t\n\r]*+(?:'
    r'("[^"\\\x00-\x1f]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*+)*+")'  # 1 str
    r"|(-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?(?:[eE][+-]?[0-9]++)?)"  # 2 number
    r"|([\[{])"  # 3 open
    r"|([\]}])"  # 4 close
    r"|(,)"  # 5 comma
    r"|(:)"  # 6 colon
    r"|(true|false|null)"  # 7 literal
    r"|(NaN|-?Infinity)"  # 8 non-finite
    r")"
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRUCT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
#: the rest of an array made of numbers, literals and flat arrays of them, with its "]"
_FLAT_REST = re.compile(r"(?:[ \t\n\r]*+,[ \t\n\r]*+(?:\[[^\[\]{}\"]*+\]|[-+.0-9a-zA-Z]++))*+"
                        r"[ \t\n\r]*+\]")
_SCALAR = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[^\s,\]}:]+', re.DOTALL)
#: the C scanner, for skipping values (thrown away; so never int() a huge integer)
_skip_scan = json.JSONDecoder(parse_int=float).scan_once  # type: ignore[attr-defined]
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]
#: digits enough to overflow a double, or a 3-digit positive exponent (checked exactly then)
_BIG_NUMBER = re.compile(r"[0-9]{309}|[eE]\+?0*[1-9][0-9]{2}")
#: containers nested deeper than this are always tokenized (keeps the C scanner in bounds)
_FAST_SKIP_DEPTH = 64


class _Unclean(ValueError):
    """Raised inside the strict C scan when a value needs the tokenizer's attention."""


def _reject_constant(name: str) -> float:
    raise _Unclean(name)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> None:
    if len(dict(pairs)) != len(pairs):
        raise _Unclean("duplicate member")


_STRICT = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


def _clean_end(text: str, pos: int) -> int | None:
    """End of the value at ``pos`` when it has no JSON-level problem at all, else None.

    The C scanner does the work: it stops on syntax errors, NaN/Infinity, duplicate
    members and integers too long to convert; a regex then looks for numbers that could
    overflow a double.  The values it builds are thrown away.
    """
    try:
        end = int(_STRICT.raw_decode(text, pos)[1])
    except (ValueError, RecursionError):
        return None
    if _BIG_NUMBER.search(text, pos, end):
        return None
    return end

(_VALUE, _VALUE_OR_CLOSE, _KEY_OR_CLOSE, _KEY, _COLON, _COMMA_OR_CLOSE, _DONE) = range(7)
_EXPECTED = {
    _VALUE: "a value",
    _VALUE_OR_CLOSE: "a value or ']'",
    _KEY_OR_CLOSE: "a member name in double quotes or '}'",
    _KEY: "a member name in double quotes",
    _COLON: "':' after the member name",
    _DONE: "the end of the file",
}
_TOKEN_NAMES = {1: "a string", 2: "a number", 5: "','", 6: "':'", 8: "a non-finite number"}


class _Lines:
    """Offsets to 1-based lines and columns in ``text``.

    Increasing offsets are counted on from the last one; the first step back builds an
    index of every newline, searched by bisection from then on.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._offset = 0
        self._line = 1
        self._newlines: list[int] | None = None

    def line(self, offset: int) -> int:
        if self._newlines is not None:
            return bisect_left(self._newlines, offset) + 1
        if offset < self._offset:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
            return bisect_left(self._newlines, offset) + 1
        self._line += self.text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line

    def column(self, offset: int) -> int:
        return offset - self.text.rfind("\n", 0, offset)


def _skip_ws(text: str, pos: int) -> int:
    """Offset of the first non-whitespace character at or after ``pos``."""
    m = _WS.match(text, pos)
    return m.end() if m is not None else pos


def _describe_char(text: str, pos: int) -> str:
    """What stands at ``pos`` where no JSON token could start, for a message."""
    ch = text[pos]
    if ch == '"':
        return "a string that is unterminated or holds a bad escape or a control character"
    if ch == "'":
        return "\"'\" (JSON strings use double quotes)"
    word = _WORD.match(text, pos)
    if word is not None:
        return _q(word.group())
    return _q(ch)


def _scan_json(text: str) -> tuple[list[_Found], bool]:
    """Tokenize ``text`` iteratively and report its JSON-level problems.

    Returns the problems (with text offsets) and whether the text is unusable (a syntax
    error or too deep a nesting), in which case no document can be built from it.
    """
    found: list[_Found] = []
    lines = _Lines(text)
    n = len(text)
    match = _TOKEN.match
    # frame: [is_object, start offset, keys {name: offset} or element count, current key]
    stack: list[list[Any]] = []
    dups: dict[int, list[Any]] = {}  # object start -> [names, first line, second, feature]
    state = _VALUE
    pos = 0
    prev_end = 0

    def feature_index() -> int | None:
        if (len(stack) >= 2 and stack[0][0] and stack[0][3] == "features"
                and not stack[1][0] and stack[1][2] > 0):
            return stack[1][2] - 1
        return None

    def syntax(offset: int, message: str) -> None:
        found.append(_Found("json-syntax", f"JSON syntax error at line {lines.line(offset)}, "
                            f"column {lines.column(offset)}: {message}", offset=offset,
                            feature=feature_index()))

    fatal = False
    while True:
        m = match(text, pos)
        if m is None:
            at = _skip_ws(text, pos)
            if at >= n:
                if state == _DONE:
                    break
                if not stack and state == _VALUE and prev_end == 0:
                    syntax(at, "the file holds no JSON value")
                else:
                    opener = stack[-1] if stack else None
                    where = (f" ({'object' if opener[0] else 'array'} opened on line "
                             f"{lines.line(opener[1])} is not closed)") if opener else ""
                    syntax(at, f"unexpected end of file{where}")
            else:
                expected = _EXPECTED.get(state) or (
                    f"',' or '{'}' if stack[-1][0] else ']'}'")
                syntax(at, f"expected {expected}, found {_describe_char(text, at)}")
            fatal = True
            break
        group = m.lastindex or 0
        start = m.start(group)
        pos = m.end()
        token = m.group(group)
        if state == _DONE:
            syntax(start, "unexpected data after the end of the JSON document")
            fatal = True
            break
        if state in (_KEY_OR_CLOSE, _KEY):
            if group == 1:
                frame = stack[-1]
                key = token[1:-1] if "\\" not in token else json.loads(token)
                keys = frame[2]
                if key in keys:
                    record = dups.get(frame[1])
                    if record is None:
                        dups[frame[1]] = [[key], keys[key], start, feature_index()]
                    elif key not in record[0]:
                        record[0].append(key)
                else:
                    keys[key] = start
                frame[3] = key
                state = _COLON
                prev_end = pos
                continue
            if not (group == 4 and token == "}" and state == _KEY_OR_CLOSE):
                hint = " (a trailing comma?)" if group == 4 else ""
                syntax(start, f"expected {_EXPECTED[state]}, found "
                       f"{_TOKEN_NAMES.get(group, _q(token))}{hint}")
                fatal = True
                break
        elif state == _COLON:
            if group != 6:
                syntax(start, f"expected {_EXPECTED[state]}, found "
                       f"{_TOKEN_NAMES.get(group, _q(token))}")
                fatal = True
                break
            state = _VALUE
            prev_end = pos
            continue
        elif state == _COMMA_OR_CLOSE:
            if group == 5:
                state = _KEY if stack[-1][0] else _VALUE
                prev_end = pos
                continue
            if group != 4:
                closer = "}" if stack[-1][0] else "]"
                hint = ""
                if text.count("\n", prev_end, start):
                    hint = f" (missing ',' at the end of line {lines.line(prev_end)}?)"
                syntax(start, f"expected ',' or '{closer}', found "
                       f"{_TOKEN_NAMES.get(group, _q(token))}{hint}")
                fatal = True
                break
        elif group == 4:  # _VALUE or _VALUE_OR_CLOSE
            if not (token == "]" and state == _VALUE_OR_CLOSE):
                hint = " (a trailing comma?)" if state == _VALUE and stack else ""
                syntax(start, f"expected {_EXPECTED[state]}, found {_q(token)}{hint}")
                fatal = True
                break
        elif group in (5, 6):
            syntax(start, f"expected {_EXPECTED[state]}, found {_q(token)}")
            fatal = True
            break
        else:  # a value starts
            if stack and not stack[-1][0]:
                stack[-1][2] += 1
                if group == 3 and len(stack) <= _FAST_SKIP_DEPTH:
                    end = _clean_end(text, start)  # skip clean elements at C speed
                    if end is not None:
                        pos = prev_end = end
                        state = _COMMA_OR_CLOSE
                        continue
            if group == 3:
                if len(stack) >= NESTING_LIMIT:
                    found.append(_Found(
                        "nesting-too-deep", f"arrays and objects are nested more than "
                        f"{NESTING_LIMIT} levels deep (at line {lines.line(start)}); no "
                        "GeoJSON needs that", offset=start, feature=feature_index()))
                    fatal = True
                    break
                if token == "{":
                    stack.append([True, start, {}, None])
                    state = _KEY_OR_CLOSE
                else:
                    stack.append([False, start, 0, None])
                    state = _VALUE_OR_CLOSE
                prev_end = pos
                continue
            if group == 8:
                found.append(_Found("non-finite-number", f"{token} is not a JSON number (write "
                                    "null, or a real value)", offset=start,
                                    feature=feature_index()))
            elif (group == 2 and (len(token) > 308 or "e" in token or "E" in token)
                  and math.isinf(float(token))):
                shown = token if len(token) <= 24 else f"{token[:12]}…({len(token)} chars)"
                found.append(_Found("number-out-of-range", f"number {shown} is too large "
                                    "for a 64-bit float", offset=start,
                                    feature=feature_index()))
            state = _COMMA_OR_CLOSE if stack else _DONE
            prev_end = pos
            continue
        # a closing bracket
        frame = stack[-1]
        if (token == "}") != frame[0]:
            syntax(start, f"found {_q(token)} where the {'object' if frame[0] else 'array'} "
                   f"opened on line {lines.line(frame[1])} should close with "
                   f"'{'}' if frame[0] else ']'}'")
            fatal = True
            break
        stack.pop()
        state = _COMMA_OR_CLOSE if stack else _DONE
        prev_end = pos
    for obj_start, (names, first, second, feature) in dups.items():
        listed = ", ".join(_q(k, 40) for k in names[:5])
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        found.append(_Found(
            "duplicate-member", f"object has duplicate member(s) {listed}{more} (first "
            f"{_q(names[0], 40)} on lines {lines.line(first)} and {lines.line(second)}): "
            "readers disagree on which value counts", offset=obj_start, feature=feature))
    return found, fatal


def _skip(text: str, pos: int) -> int:
    """End offset of the JSON value starting at ``pos`` (which must be well-formed)."""
    try:
        return int(_skip_scan(text, pos)[1])
    except (StopIteration, ValueError, RecursionError):
        pass
    if text[pos] not in "[{":
        m = _SCALAR.match(text, pos)
        return m.end() if m else pos + 1
    depth = 0
    for m in _STRUCT.finditer(text, pos):
        ch = m.group()[0]
        if ch == '"':
            continue
        depth += 1 if ch in "[{" else -1
        if depth == 0:
            return m.end()
    return len(text)


def _value_offsets(text: str, paths: Iterable[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
    """Text offset where the value at each JSON ``path`` starts.

    Descends only into the containers on a wanted path, skips everything else with the C
    scanner (the rest of a coordinate array with one regex match), and stops as soon as
    every path is found.
    """
    trie: dict[Any, Any] = {_COUNT: 0}
    for path in set(paths):
        node = trie
        node[_COUNT] += 1
        for key in path:
            child = node.get(key)
            if child is None:
                child = node[key] = {_COUNT: 0}
            child[_COUNT] += 1
            node = child
        node[_HERE] = True
    wanted = trie[_COUNT]
    out: dict[tuple[Any, ...], int] = {}
    if not wanted:
        return out
    blank = " \t\n\r"
    stack: list[list[Any]] = []  # [is_object, node, path, next index, start, still wanted]
    pos = _skip_ws(text, 0)
    node, path = trie, ()
    try:
        while True:
            # at the start of the value at `path`
            pending = node[_COUNT]
            if _HERE in node and path not in out:
                out[path] = pos
                if len(out) >= wanted:
                    return out
                pending -= 1
                for frame in stack:
                    frame[5] -= 1
            if pending > 0 and text[pos] in "[{":
                stack.append([text[pos] == "{", node, path, 0, pos, pending])
                pos += 1
                after_open = True
            else:
                pos = _skip(text, pos)
                after_open = False
            # on to the next member or element on a wanted path
            while True:
                if not stack:
                    return out
                frame = stack[-1]
                if frame[5] <= 0 and not frame[0]:  # nothing more wanted inside this array
                    rest = _FLAT_REST.match(text, pos)  # numbers and flat arrays: one match
                    if rest is not None:
                        pos = rest.end()
                        stack.pop()
                        after_open = False
                        continue
                ch = text[pos]
                if ch in blank:
                    pos = _skip_ws(text, pos)
                    ch = text[pos]
                if ch == "]" or ch == "}":
                    stack.pop()
                    pos += 1
                    after_open = False
                    continue
                if not after_open:  # a comma
                    pos += 1
                    if text[pos] in blank:
                        pos = _skip_ws(text, pos)
                after_open = False
                if frame[0]:
                    key, pos = _scanstring(text, pos + 1)
                    if text[pos] in blank:
                        pos = _skip_ws(text, pos)
                    pos += 1  # the colon
                    if text[pos] in blank:
                        pos = _skip_ws(text, pos)
                else:
                    key = frame[3]
                    frame[3] += 1
                child = frame[1].get(key)
                if child is None:
                    pos = _skip(text, pos)
                    continue
                node, path = child, (*frame[2], key)
                break
    except (ValueError, IndexError, RecursionError):
        return out


# --------------------------------------------------------------------------------------
# putting it together
# --------------------------------------------------------------------------------------

def _parse_int(text: str) -> int | float:
    """``int`` for json.loads, but ±inf for integers beyond the range of a double.

    Those are reported as number-out-of-range already; as Python ints they would make
    every later float conversion raise (and past 4300 digits ``int()`` itself raises).
    """
    if len(text) > 300:
        value = float(text)
        if math.isinf(value):
            return value
    return int(text)


def _may_have_duplicates(buf: bytes | bytearray, doc: object) -> bool:
    """False when the parsed ``doc`` certainly kept every member of ``buf``.

    orjson keeps the last of duplicate members silently.  Each member adds one ``:``
    outside strings; strings keep their colons through a dumps round trip unless the
    input escapes them, so the counts match exactly when no member was dropped.
    """
    if buf.find(b"\\") >= 0:  # (no backslash at all is the common case: one memchr)
        at = buf.find(b"\\u003")
        while at >= 0:
            if buf[at + 5:at + 6] in (b"a", b"A"):
                return True
            at = buf.find(b"\\u003", at + 5)
    try:
        dumped = orjson.dumps(doc)
    except orjson.JSONEncodeError:  # nested deeper than orjson writes (255 levels)
        return True
    return buf.count(b":") != dumped.count(b":")


def _not_utf8(buf: bytes, exc: UnicodeDecodeError, layer: str) -> Issue:
    line = buf.count(b"\n", 0, exc.start) + 1
    column = exc.start - buf.rfind(b"\n", 0, exc.start)
    if buf[:2] in (b"\xff\xfe", b"\xfe\xff"):
        hint = "the file looks like UTF-16; re-save it as UTF-8"
    else:
        hint = ("the file may be in Windows-1258 or TCVN3 (old Vietnamese encodings); "
                "re-save it as UTF-8")
    byte = buf[exc.start:exc.start + 1].hex().upper()
    return Issue("not-utf8", "error", f"byte 0x{byte} at line {line}, column {column} is not "
                 f"valid UTF-8: {hint}", layer=layer, line=line)


def _finish(found: list[_Found], text: str, doc: object, layer: str) -> list[Issue]:
    """Attach lines and feature ids, build the Issue records, sort them by line."""
    paths = {f.path for f in found if f.path is not None and f.offset is None}
    if paths:
        offsets = _value_offsets(text, paths)
        for f in found:
            if f.path is not None and f.offset is None:
                f.offset = offsets.get(f.path)
    lines = _Lines(text)
    line_of = {off: lines.line(off) for off in sorted({f.offset for f in found
                                                      if f.offset is not None})}
    features = doc.get("features") if type(doc) is dict else None
    issues = []
    for f in found:
        feature_id = f.feature_id
        if (feature_id is None and f.feature is not None and type(features) is list
                and 0 <= f.feature < len(features) and type(features[f.feature]) is dict):
            feature_id = _feature_ident(features[f.feature])
        issues.append(Issue(
            f.rule, STRUCTURE_RULES[f.rule][0], f.message, layer=layer, feature=f.feature,
            feature_id=feature_id, location=f.location,
            line=line_of.get(f.offset) if f.offset is not None else None))
    issues.sort(key=lambda i: (i.line is None, i.line or 0,
                               -1 if i.feature is None else i.feature))
    return issues


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic containers are built.

    orjson's lists and dicts hold no reference cycles, but each allocation counts toward
    the collector's thresholds, and the repeated collections cost more than the parse
    itself on large files.  Reference counting still frees everything as usual.

    On the way out the new objects are moved straight to the oldest generation (a
    ``gc.freeze()``/``gc.unfreeze()`` pair, as if they had survived two collections);
    otherwise the first young collection after ``gc.enable()`` would walk them all at
    once.  That step is skipped when the program keeps objects frozen itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def check_bytes(data: bytes, *, name: str = "<input>", layer: str | None = None,
                wgs84: bool = True) -> tuple[list[Issue], object | None]:
    """Check raw GeoJSON bytes against RFC 7946, before any GeoDataFrame exists.

    Parameters
    ----------
    data
        The file's bytes (a UTF-8 BOM is tolerated).
    name
        The file name, used as the issues' ``layer`` when ``layer`` is not given.
    layer
        Layer name copied into every issue.
    wgs84
        False when the coordinates are known to be in another CRS (the user gave
        ``--src-crs``): positions are then not checked against the WGS 84 range.

    Returns
    -------
    issues : list of Issue
        Every structure problem found, sorted by line; each carries ``line`` where it is
        known, ``feature``/``feature_id`` inside a FeatureCollection, and ``location`` for
        ring, line and winding problems when the first position is valid.
    document : object or None
        The parsed JSON document, or None when the bytes are not JSON at all (not UTF-8,
        syntax error, nesting too deep).

    Notes
    -----
    Never raises on any input (except MemoryError).
    """
    layer = name if layer is None else layer
    buf = bytes(data) if not isinstance(data, bytes) else data
    if buf.startswith(_BOM):
        buf = buf[len(_BOM):]
    token = _WGS84_RANGE.set(wgs84)
    try:
        with _gc_paused():
            return _check(buf, layer)
    finally:
        _WGS84_RANGE.reset(token)


def _check(buf: bytes, layer: str) -> tuple[list[Issue], object | None]:
    """:func:`check_bytes` on bytes without a BOM."""
    try:
        doc: object = orjson.loads(buf)
        parsed = True
    except orjson.JSONDecodeError:
        parsed = False
    if parsed:
        found: list[_Found] = []
        text: str | None = None
        if _may_have_duplicates(buf, doc):
            text = buf.decode("utf-8")
            found, _ = _scan_json(text)
        if not _screen(doc):
            found.extend(_Checker().run(doc))
        if not found:
            return [], doc
        if text is None:
            text = buf.decode("utf-8")
        return _finish(found, text, doc, layer), doc
    try:
        text = buf.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [_not_utf8(buf, exc, layer)], None
    found, fatal = _scan_json(text)
    doc = None
    if not fatal:
        try:  # JSON apart from NaN, huge numbers or duplicates: still check it as GeoJSON
            doc = json.loads(text, parse_int=_parse_int)
        except (ValueError, RecursionError):
            fatal = True
    if not fatal:
        found.extend(_Checker().run(doc))
    return _finish(found, text, doc, layer), doc


def check_file(path: str | os.PathLike[str], *, layer: str | None = None,
               wgs84: bool = True) -> tuple[list[Issue], object | None]:
    """Check a GeoJSON file against RFC 7946; see :func:`check_bytes`.

    Parameters
    ----------
    path
        The file to read.
    layer
        Layer name copied into every issue (default: the file name).
    wgs84
        False when the coordinates are in another CRS (see :func:`check_bytes`).

    Returns
    -------
    issues : list of Issue
        Every structure problem found, sorted by line.
    document : object or None
        The parsed JSON document, or None when it is not JSON.

    Raises
    ------
    DataSourceError
        When the file cannot be opened or read.
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataSourceError(f"{name}: cannot read the file: {reason}") from exc
    return check_bytes(data, name=os.path.basename(name), layer=layer, wgs84=wgs84)


# --------------------------------------------------------------------------------------
# large FeatureCollections, chunk by chunk
# --------------------------------------------------------------------------------------

#: features per chunk when a large FeatureCollection file is checked (and read) in chunks
CHUNK_FEATURES = 50_000

#: how far into the file the root's members before "features" may reach
_HEADER_LIMIT = 1 << 20
#: a candidate boundary between two features: "}", a comma, "{" (orjson verifies it)
_BOUNDARY = re.compile(rb"\}[ \t\n\r]*+,[ \t\n\r]*+\{")
#: tokens of the root object's members (strings whole, so brackets inside them are skipped)
_HEAD_TOKEN = re.compile(rb'[ \t\n\r]*+(?:("(?:[^"\\]|\\.)*+")|([\[{])|([\]}])|(,)|(:)'
                         rb'|([^ \t\n\r\[\]{},:"]++))', re.DOTALL)
_JSON_BLANK = b" \t\n\r"
#: each chunk is parsed as {"features": [...]}: as deep as in the file, one colon more on
#: both sides of the duplicate-member count
_CHUNK_HEAD, _CHUNK_TAIL = b'{"features":[', b"]}"
#: further candidate boundaries tried when a chunk does not parse (a "},{" inside a string)
_CHUNK_RETRIES = 2


def _features_bracket(buf: Any, start: int) -> int | None:
    """Offset of the ``[`` of the root object's ``"features"`` member, or None.

    Walks the root object's members from ``start`` (its ``{``), skipping the values of the
    other members, within :data:`_HEADER_LIMIT` bytes.  Only the layout is found here;
    orjson checks the syntax afterwards.
    """
    stop = min(len(buf), start + _HEADER_LIMIT)
    m = _HEAD_TOKEN.match(buf, start, stop)
    if m is None or m.group(2) != b"{":
        return None
    pos = m.end()
    depth = 1
    state = _KEY  # _KEY, _COLON, _VALUE, _COMMA_OR_CLOSE at the root level
    key = b""
    while pos < stop:
        m = _HEAD_TOKEN.match(buf, pos, stop)
        if m is None:
            return None
        pos = m.end()
        group = m.lastindex
        if depth > 1:  # inside the value of another member
            if group == 2:
                depth += 1
            elif group == 3:
                depth -= 1
                if depth == 1:
                    state = _COMMA_OR_CLOSE
            continue
        if state == _KEY:
            if group != 1:
                return None
            key = m.group(1)
            state = _COLON
        elif state == _COLON:
            if group != 5:
                return None
            if key == b'"features"':
                m = _HEAD_TOKEN.match(buf, pos, stop)
                return m.start(2) if m is not None and m.group(2) == b"[" else None
            state = _VALUE
        elif state == _VALUE:
            if group == 2:
                depth += 1
            elif group in (1, 6):
                state = _COMMA_OR_CLOSE
            else:
                return None
        elif group == 4:  # _COMMA_OR_CLOSE
            state = _KEY
        else:
            return None  # the root closes without "features", or worse
    return None


class ChunkFallback(Exception):
    """A chunk of a :class:`FeatureChunks` is not provably clean: check the file whole."""


class FeatureChunks:
    """The features of a large FeatureCollection file, parsed and proven clean in chunks.

    Made by :func:`open_feature_chunks`.  Iterating yields the features as lists of about
    ``chunk_features`` parsed Feature objects, in file order; each chunk has passed what
    :func:`check_bytes` does to a whole file (orjson's parse, the duplicate-member test and
    the screen), so that a file all of whose chunks pass has no structure issue.  Only one
    chunk's document and bytes are alive at a time (drop each list before taking the
    next): boundaries are looked for in a memory map of the file, whose pages are released
    as the chunks go, and each chunk's bytes are read into a buffer of their own.

    The iteration stops at the first chunk that cannot be proven clean (a structure problem,
    or anything this reader does not follow) by raising :class:`ChunkFallback`: then
    :attr:`clean` is False, and the file must be checked whole (:func:`check_file`), which
    finds the issues and their lines.  After a complete iteration :attr:`clean` is True.

    Attributes
    ----------
    collection : dict
        The FeatureCollection's own members, ``"features"`` empty.
    clean : bool or None
        None until the iteration ends.
    features : int
        Features yielded so far.
    chunks : list of int
        Features in each chunk yielded so far.
    """

    def __init__(self, fh: Any, mm: Any, collection: dict[str, Any], first: int,
                 first_cut: re.Match[bytes], last_end: int, per_chunk: int,
                 wgs84: bool) -> None:
        self.collection = collection
        self.clean: bool | None = None
        self.features = 0
        self.chunks: list[int] = []
        self._fh = fh
        self._mm = mm
        self._first = first
        self._first_cut: re.Match[bytes] | None = first_cut
        self._last_end = last_end
        self._per_chunk = per_chunk
        self._wgs84 = wgs84
        self._released = 0

    # -- resources ---------------------------------------------------------------------
    def close(self) -> None:
        """Unmap and close the file (done by the ``with`` statement)."""
        self._first_cut = None
        if self._mm is not None:
            self._mm.close()
            self._mm = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> FeatureChunks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _release(self, upto: int) -> None:
        """Drop the mapped pages before ``upto`` from this process (not from the cache)."""
        import mmap

        page = mmap.PAGESIZE
        end = upto - upto % page
        if end > self._released and hasattr(self._mm, "madvise"):
            try:
                self._mm.madvise(mmap.MADV_DONTNEED, self._released, end - self._released)
            except (OSError, ValueError):  # pragma: no cover - not on this platform
                return
            self._released = end

    # -- iteration ---------------------------------------------------------------------
    def __iter__(self) -> Iterator[list[Any]]:
        if self._mm is None or self.clean is not None:
            raise RuntimeError("FeatureChunks can be iterated only once, while open")
        mm, last_end = self._mm, self._last_end
        pos = self._first
        cut: re.Match[bytes] | None = self._first_cut
        self._first_cut = None
        with _gc_paused():
            while True:
                parsed = self._parse(pos, cut)
                if parsed is None:
                    self.clean = False
                    raise ChunkFallback(f"chunk {len(self.chunks) + 1} (after "
                                        f"{self.features} features) is not provably clean")
                features, nxt = parsed
                del parsed
                self._release(nxt if nxt is not None else last_end)
                self.features += len(features)
                self.chunks.append(len(features))
                yield features
                del features  # before the next chunk is parsed
                if nxt is None:
                    break
                pos = nxt
                # the next cut: the end of the feature about per_chunk - 1/2 features on, at
                # the mean feature size so far (exactly per_chunk when the sizes are even)
                mean = (pos - self._first) / self.features
                estimate = pos + int((self._per_chunk - 0.5) * mean)
                cut = (_BOUNDARY.search(mm, estimate, last_end) if estimate < last_end
                       else None)
        self.clean = True

    def _read_into(self, buf: bytearray, at: int, start: int, end: int) -> bool:
        """The file's bytes ``start:end`` into ``buf`` at ``at`` (a read, not the mapping:
        copying from mapped pages costs a page fault per page)."""
        fh = self._fh
        fh.seek(start)
        with memoryview(buf) as view:
            while start < end:
                got = fh.readinto(view[at:at + end - start])
                if not got:
                    return False  # the file shrank meanwhile
                at += got
                start += got
        return True

    def _parse(self, pos: int, cut: re.Match[bytes] | None
               ) -> tuple[list[Any], int | None] | None:
        """The features from ``pos`` to the boundary ``cut`` (None: to the last one) and
        where the next chunk starts (None: nowhere), when they are provably clean."""
        mm, last_end = self._mm, self._last_end
        head, tail = len(_CHUNK_HEAD), len(_CHUNK_TAIL)
        for _ in range(_CHUNK_RETRIES + 1):
            end = cut.start() + 1 if cut is not None else last_end
            buf = bytearray(head + end - pos + tail)
            buf[:head] = _CHUNK_HEAD
            if not self._read_into(buf, head, pos, end):
                return None
            buf[-tail:] = _CHUNK_TAIL
            try:
                doc = orjson.loads(buf)
            except orjson.JSONDecodeError:
                if cut is None:
                    return None
                # perhaps the "},{" of a string or of a nested array: try the next one
                cut = _BOUNDARY.search(mm, end, last_end)
                continue
            if type(doc) is not dict or len(doc) != 1 or _may_have_duplicates(buf, doc):
                return None  # a second member: the features' "]" was inside the chunk
            del buf
            features = doc["features"]
            del doc
            token = _WGS84_RANGE.set(self._wgs84)
            try:
                if not _screen({"type": "FeatureCollection", "features": features}):
                    return None
            finally:
                _WGS84_RANGE.reset(token)
            return features, (cut.end() - 1 if cut is not None else None)
        return None


def open_feature_chunks(path: str | os.PathLike[str], *, wgs84: bool = True,
                        chunk_features: int | None = None) -> FeatureChunks | None:
    """Check a large GeoJSON FeatureCollection file chunk by chunk; see :class:`FeatureChunks`.

    Parameters
    ----------
    path
        The file.
    wgs84
        False when the coordinates are in another CRS (see :func:`check_bytes`).
    chunk_features
        Features per chunk (default :data:`CHUNK_FEATURES`).

    Returns
    -------
    FeatureChunks or None
        None when the file is not worth chunking or cannot be chunked: fewer features than
        one chunk, not a FeatureCollection, a problem outside ``"features"`` (a ``crs``
        member, a bad ``bbox``...), a layout this reader does not follow, or a file that
        cannot be opened.  Check such a file whole with :func:`check_file`.

    Notes
    -----
    The ``"features"`` array is split at candidate boundaries (``}``, comma, ``{``) found
    with a regular expression, about ``chunk_features`` features apart (estimated from the
    mean feature size so far); orjson parsing ``{"features": [chunk]}`` proves a boundary
    real, since a cut inside a string or inside a feature leaves an unterminated string or
    unbalanced brackets.  The root object without its features is checked on its own.
    Every chunk then gets the tests of :func:`check_bytes` (duplicate members by the colon
    count, which adds up over the parts, and the screen, which holds for a whole
    collection exactly when it holds for each part).
    """
    import mmap

    per_chunk = CHUNK_FEATURES if chunk_features is None else int(chunk_features)
    if per_chunk < 1:
        raise ValueError("chunk_features must be at least 1")
    try:
        fh: Any = open(os.fspath(path), "rb", buffering=0)  # noqa: SIM115 - closed by close()
    except OSError:
        return None
    mm: Any = None
    try:
        try:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # empty, or not a regular file
            return None
        layout = _collection_layout(mm, per_chunk, wgs84)
        if layout is None:
            return None
        chunks = FeatureChunks(fh, mm, *layout, per_chunk, wgs84)
        fh = mm = None  # owned by chunks now
        return chunks
    finally:
        if mm is not None:
            mm.close()
        if fh is not None:
            fh.close()


def _collection_layout(mm: Any, per_chunk: int, wgs84: bool
                       ) -> tuple[dict[str, Any], int, re.Match[bytes], int] | None:
    """The root members, the first feature's offset, the first chunk's end boundary and
    the last feature's end; None when the file is not a large, well-laid FeatureCollection
    whose members other than "features" are clean."""
    start = len(_BOM) if mm[:len(_BOM)] == _BOM else 0
    lead = mm[start:start + 4096]
    start += len(lead) - len(lead.lstrip(_JSON_BLANK))
    bracket = _features_bracket(mm, start)
    if bracket is None:
        return None
    lead = mm[bracket + 1:bracket + 4097]
    first = bracket + 1 + len(lead) - len(lead.lstrip(_JSON_BLANK))
    # the end: "]" (the features' close), blanks, "}" (the root's close), blanks
    size = len(mm)
    base = max(first, size - 4096)
    tail = mm[base:size].rstrip(_JSON_BLANK)
    if not tail.endswith(b"}"):
        return None
    tail = tail[:-1].rstrip(_JSON_BLANK)
    if not tail.endswith(b"]"):
        return None
    close = base + len(tail) - 1
    tail = tail[:-1].rstrip(_JSON_BLANK)
    if not tail.endswith(b"}"):  # the last feature's close (else "features" is not last)
        return None
    last_end = base + len(tail)
    if last_end <= first:
        return None
    # enough features for more than one chunk?
    cut = None
    for n, found in enumerate(_BOUNDARY.finditer(mm, first, last_end), 1):
        if n == per_chunk:
            cut = found
            break
    if cut is None:
        return None
    # the root object without its features, checked as check_bytes would check it
    skeleton = mm[start:first] + mm[close:size]
    try:
        root = orjson.loads(skeleton)
    except orjson.JSONDecodeError:
        return None
    if (type(root) is not dict or type(root.get("features")) is not list or root["features"]
            or _may_have_duplicates(skeleton, root)):
        return None
    token = _WGS84_RANGE.set(wgs84)
    try:
        if not _screen(root):
            return None
    finally:
        _WGS84_RANGE.reset(token)
    return root, first, cut, last_end
