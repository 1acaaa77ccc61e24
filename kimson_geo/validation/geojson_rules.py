"""RFC 7946 rules over a parsed GeoJSON document, column by column.

Each rule looks at one member of every feature (geometry, ring, position) at once with C-level
passes (``map``, ``set``, ``itertools``, numpy) and names only the items at fault; coordinates
are walked level by level, never feature by feature.  Every problem carries its feature index
and JSON path (``features[12].geometry.coordinates[0][3]``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, compress
from operator import eq, methodcaller
from typing import Any

import numpy as np

from ..crs import PROJECTED_HINT

__all__ = ["Checker", "Paths", "Problem", "feature_ident", "json_path"]

_GEOMETRY_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString",
                             "Polygon", "MultiPolygon", "GeometryCollection"})
_TYPES = _GEOMETRY_TYPES | {"Feature", "FeatureCollection"}
#: nesting depth of "coordinates" above the positions, and what the arrays of positions are
_COORD_SHAPE: dict[str, tuple[int, str | None]] = {
    "Point": (0, None), "MultiPoint": (1, None), "LineString": (1, "line"),
    "MultiLineString": (2, "line"), "Polygon": (2, "ring"), "MultiPolygon": (3, "ring"),
}
# members that change the meaning of GeoJSON members (RFC 7946 7.1; geojsonhint's checks)
_FC_FORBIDDEN = ("properties", "coordinates", "geometry", "geometries")
_FEATURE_FORBIDDEN = ("features", "coordinates", "geometries")
_GEOMETRY_FORBIDDEN = ("properties", "geometry", "features")
_NUMBER = (int, float)
_ID_TYPES = (str, int, float)
_MISSING = object()
#: JSON type names by the parsed value's type (bool before int; any other value is last)
_JSON_TYPES = ((type(None), "null"), (bool, "a boolean"), ((int, float), "a number"),
               (str, "a string"), (list, "an array"), (dict, "an object"), (object, "a value"))
_NO_GEOMETRY_TYPE = 'a geometry must have a "type" member'
_NOT_GEOMETRY = f"a geometry must be one of {', '.join(sorted(_GEOMETRY_TYPES))}; found a "

Path = tuple[Any, ...]


@dataclass
class Paths:
    """The JSON paths of a list of objects, each made only when a problem needs it."""

    make: Callable[[int], Path]
    size: int

    @classmethod
    def of(cls, paths: Sequence[Path]) -> Paths:
        return cls(paths.__getitem__, len(paths))

    def __getitem__(self, n: int) -> Path:
        return self.make(n)

    def __iter__(self) -> Iterator[Path]:
        return map(self.make, range(self.size))

    def child(self, key: str) -> Paths:
        """The paths of a member of each object."""
        return Paths(lambda n: (*self.make(n), key), self.size)

    def pick(self, where: list[int]) -> Paths:
        """The paths of some of the objects."""
        return Paths(lambda n: self.make(where[n]), len(where))


@dataclass
class Problem:
    """One structure problem before it becomes an :class:`~.issue.Issue`."""

    rule: str
    message: str
    feature: int | None = None
    feature_id: str | None = None
    location: tuple[float, float] | None = None
    line: int | None = None


def _jtype(value: object) -> str:
    """The JSON type name of a parsed value, with its article."""
    return next(name for kind, name in _JSON_TYPES if isinstance(value, kind))


def _q(text: str, limit: int = 60) -> str:
    """``text`` as a short, double-quoted, single-line JSON string for a message."""
    if len(text) > limit:
        text = text[:limit] + "…"
    return json.dumps(text, ensure_ascii=True)


def _num(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


def json_path(path: Path) -> str:
    """``("features", 3, "geometry")`` as ``features[3].geometry`` (``$`` for the root)."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else str(key)
    return out or "$"


def feature_ident(feature: object) -> str | None:
    """The id a feature is known by: ``properties.id`` (the layers' contract, and the
    column the other rule families read), else the Feature's own ``id`` member."""
    if not isinstance(feature, dict):
        return None
    props = feature.get("properties")
    for value in (props.get("id") if isinstance(props, dict) else None, feature.get("id")):
        if type(value) in _ID_TYPES:
            return str(value)
    return None


def _valid_location(position: object) -> tuple[float, float] | None:
    if type(position) is not list or len(position) < 2:
        return None
    x, y = position[0], position[1]
    if type(x) in _NUMBER and type(y) in _NUMBER and -180 <= x <= 180 and -90 <= y <= 90:
        return (float(x), float(y))
    return None


def _are_lists(items: Sequence[Any]) -> np.ndarray:
    """A bool array: which items are JSON arrays."""
    types = list(map(type, items))
    if types.count(list) == len(types):
        return np.ones(len(types), dtype=bool)
    return np.fromiter((t is list for t in types), dtype=bool, count=len(types))


def _pick(where: Sequence[int], objs: list[Any], owners: list[Any], paths: Paths
          ) -> tuple[list[Any], list[Any], Paths]:
    """The objects, owners and paths at ``where`` (the same lists when that is all of them)."""
    if len(where) == len(objs):
        return objs, owners, paths
    return [objs[n] for n in where], [owners[n] for n in where], paths.pick(list(where))


class Checker:
    """Collects the RFC 7946 problems of one document (or of its features, batch by batch).

    Parameters
    ----------
    wgs84
        False when positions are known to be projected: no WGS 84 range check.
    """

    def __init__(self, *, wgs84: bool = True) -> None:
        self.wgs84 = wgs84
        self.problems: list[Problem] = []
        self.obj_types: tuple[type, ...] = (dict,)  # what the parser makes of JSON objects
        self._features: Sequence[Any] = ()
        self._offset = 0
        self._range_done: set[object] = set()

    def emit(self, rule: str, message: str, feature: int | None, path: Path,
             location: tuple[float, float] | None = None) -> None:
        """Record a problem of ``feature`` (batch index) at ``path``."""
        index = ident = None
        if feature is not None:
            index, ident = feature + self._offset, feature_ident(self._features[feature])
        self.problems.append(Problem(rule, f"{json_path(path)}: {message}", index, ident,
                                     location))

    def _is_obj(self, value: object) -> bool:
        return type(value) in self.obj_types

    def document(self, doc: object) -> None:
        """Check a whole parsed document (its ``features`` too, if it has them)."""
        if not self._is_obj(doc):
            self.emit("root-type", "the root of a GeoJSON document must be a JSON object, "
                      f"found {_jtype(doc)}", None, ())
            return
        assert isinstance(doc, dict)
        kind = doc.get("type", _MISSING)
        root = Paths.of([()])
        if type(kind) is not str or kind not in _TYPES:
            self._bad_type(kind, None, (), 'a GeoJSON object must have a "type" member', None)
        elif kind == "FeatureCollection":
            self._common([doc], [None], root, "a FeatureCollection", _FC_FORBIDDEN)
            [features] = self._column([doc], "features", {list}, [None], root, "an array",
                                      'a FeatureCollection must have a "features" member')
            if type(features) is list:
                self.features(features, 0)
        elif kind == "Feature":
            self._feature_columns([doc], [None], root)
        else:
            self._geometries([doc], [None], root)

    def _bad_type(self, value: object, feature: int | None, path: Path, missing: str,
                  wrong: str | None) -> None:
        """Report a missing or unknown "type", or another type than expected (``wrong`` + it)."""
        if value is _MISSING or type(value) is not str:
            self._member(value, "type", "a string", missing, feature, path)
        elif value in _TYPES and wrong is not None:
            self.emit("wrong-type", wrong + value, feature, path)
        else:
            right = {t.lower(): t for t in _TYPES}.get(value.lower())
            message = (f'"type" is {_q(value)}: GeoJSON types are case-sensitive, write '
                       f'{_q(right)}' if right is not None
                       else f'"type" is {_q(value)}, which is not a GeoJSON type')
            self.emit("unknown-type", message, feature, path)

    def _member(self, value: object, member: str, expected: str, missing: str,
                owner: int | None, path: Path) -> None:
        """Report a member that is missing (the message ``missing``) or of a wrong JSON type."""
        if value is _MISSING:
            self.emit("missing-member", missing, owner, path)
        else:
            self.emit("member-type", f'"{member}" member must be {expected}, found '
                      f"{_jtype(value)}", owner, path)

    def _column(self, objs: list[dict[str, Any]], member: str, ok: set[type],
                owners: list[Any], paths: Paths, expected: str, missing: str) -> list[Any]:
        """The ``member`` of each object; those whose type is not in ``ok`` are reported."""
        values = list(map(methodcaller("get", member, _MISSING), objs))
        if not set(map(type, values)) <= ok:
            for value, owner, path in zip(values, owners, paths, strict=True):
                if type(value) not in ok:
                    self._member(value, member, expected, missing, owner, path)
        return values

    def features(self, features: Sequence[Any], offset: int) -> None:
        """Check the members of a FeatureCollection's ``features`` array; ``offset`` is the
        index of ``features[0]`` in the whole array (when it comes in batches)."""
        self._features, self._offset = features, offset
        owners = where = list(range(len(features)))
        if not set(map(type, features)) <= set(self.obj_types):
            objs = list(map(self._is_obj, features))
            bad = objs.index(False)
            self.emit("member-type", f'"features" must hold only Feature objects: '
                      f"{objs.count(False)} element(s) are not objects (first: element "
                      f"{bad + offset} is {_jtype(features[bad])})", bad,
                      ("features", bad + offset))
            where = list(compress(owners, objs))
        paths = Paths(lambda n: ("features", n + offset), len(owners))
        self._feature_columns(*_pick(where, list(features), owners, paths))
        self._features, self._offset = (), 0

    def _common(self, objs: list[dict[str, Any]], owners: list[int | None], paths: Paths,
                what: str, forbidden: Iterable[str]) -> None:
        """crs, bbox and forbidden members, for objects of one kind."""
        keys = set(chain.from_iterable(objs))
        if not keys & {"crs", "bbox", *forbidden}:
            return
        for obj, owner, path in zip(objs, owners, paths, strict=True):
            if "crs" in obj:
                crs, named = obj["crs"], ""
                if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
                    name = crs["properties"].get("name")
                    named = f" ({_q(name)})" if type(name) is str else ""
                self.emit("crs-member", f'old-style "crs" member{named} is not part of RFC 7946:'
                          " coordinates must be WGS 84 longitude/latitude; remove it "
                          "(reproject first with --src-crs if needed)", owner, path)
            box = obj.get("bbox", _MISSING)
            if type(box) is list:
                if not all(type(v) in _NUMBER for v in box):
                    self.emit("bbox-form", 'every element of "bbox" must be a number', owner,
                              (*path, "bbox"))
                if len(box) not in (4, 6):
                    self.emit("bbox-form", f'"bbox" has {len(box)} elements; it must have 4 '
                              "(2D) or 6 (3D)", owner, (*path, "bbox"))
            elif box is not _MISSING:
                self.emit("bbox-form", f'"bbox" member must be an array of numbers, found '
                          f"{_jtype(box)}", owner, path)
            for member in forbidden:
                if member in obj:
                    self.emit("forbidden-member", f'{what} must not have a "{member}" member '
                              "(it changes the meaning of GeoJSON members, RFC 7946 7.1)",
                              owner, path)

    def _feature_columns(self, feats: list[dict[str, Any]], owners: list[Any],
                         paths: Paths) -> None:
        self._common(feats, owners, paths, "a Feature", _FEATURE_FORBIDDEN)
        ids = list(map(methodcaller("get", "id", _MISSING), feats))
        if set(map(type, ids)) - {str, int, float, object}:
            for raw, owner, path in zip(ids, owners, paths, strict=True):
                if raw is not _MISSING and type(raw) not in _ID_TYPES:
                    self.emit("feature-id-type", 'Feature "id" must be a string or a number, '
                              f"found {_jtype(raw)}", owner, path)
        kinds = list(map(methodcaller("get", "type", _MISSING), feats))
        if kinds.count("Feature") != len(kinds):  # (never for a root Feature)
            for value, owner, path in zip(kinds, owners, paths, strict=True):
                if value != "Feature":
                    self._bad_type(value, owner, path, 'a Feature must have "type": '
                                   '"Feature"', '"features" must hold Features, found a ')
        object_or_null = {*self.obj_types, type(None)}
        self._column(feats, "properties", object_or_null, owners, paths, "an object or null",
                     'a Feature must have a "properties" member (an object or null)')
        geoms = self._column(feats, "geometry", object_or_null, owners, paths,
                             "an object or null", 'a Feature must have a "geometry" member '
                             "(a geometry object or null)")
        where: Sequence[int] = range(len(geoms))
        if not set(map(type, geoms)) <= {*self.obj_types}:
            where = [n for n, g in enumerate(geoms) if self._is_obj(g)]
        geoms, owners, paths = _pick(where, geoms, owners, paths)
        self._geometries(geoms, owners, paths.child("geometry"))

    def _geometries(self, geoms: list[dict[str, Any]], owners: list[Any],
                    paths: Paths) -> None:
        """Check geometries, then the collections' members (level by level: they may nest)."""
        while geoms:
            kinds = list(map(methodcaller("get", "type", _MISSING), geoms))
            groups: dict[str, Sequence[int]] = {}
            if type(kinds[0]) is str and kinds[0] in _GEOMETRY_TYPES \
                    and kinds.count(kinds[0]) == len(kinds):
                groups[kinds[0]] = range(len(geoms))
            else:
                for n, kind in enumerate(kinds):
                    if type(kind) is str and kind in _GEOMETRY_TYPES:
                        groups.setdefault(kind, []).append(n)  # type: ignore[attr-defined]
                    else:
                        self._bad_type(kind, owners[n], paths[n], _NO_GEOMETRY_TYPE,
                                       _NOT_GEOMETRY)
            members: list[tuple[Any, Any, Path]] = []  # of the collections: geometry, owner, path
            for kind, where in groups.items():
                objs, gowners, gpaths = _pick(where, geoms, owners, paths)
                self._common(objs, gowners, gpaths, f"a {kind} geometry", _GEOMETRY_FORBIDDEN)
                if kind == "GeometryCollection":
                    for obj, owner, path in zip(objs, gowners, gpaths, strict=True):
                        self._collection_members(obj, owner, path, members)
                    continue
                coords = self._column(objs, "coordinates", {list}, gowners, gpaths, "an array",
                                      f'a {kind} must have a "coordinates" member')
                keep: Sequence[int] = range(len(coords))
                if not all(coords) or set(map(type, coords)) != {list}:  # empty: RFC 7946 3.1
                    keep = [n for n, c in enumerate(coords) if type(c) is list and c]
                _Walk(self, kind, *_pick(keep, coords, gowners, gpaths)).run()
            geoms, owners = [m[0] for m in members], [m[1] for m in members]
            paths = Paths.of([m[2] for m in members])

    def _collection_members(self, gc: dict[str, Any], owner: int | None, path: Path,
                            out: list[tuple[Any, Any, Path]]) -> None:
        [members] = self._column([gc], "geometries", {list}, [owner], Paths.of([path]),
                                 "an array", 'a GeometryCollection must have a "geometries" '
                                 "member")
        if type(members) is not list:
            return
        gpath = (*path, "geometries")
        bad = [i for i, g in enumerate(members) if not self._is_obj(g)]
        if bad:
            self.emit("member-type", f'"geometries" must hold only geometry objects: {len(bad)}'
                      f" element(s) are not objects (first: element {bad[0]} is "
                      f"{_jtype(members[bad[0]])})", owner, path)
        if len(members) == 1:
            self.emit("geometrycollection-single", "a GeometryCollection with a single "
                      "geometry should be that geometry (or a multi-part geometry)", owner, gpath)
        for i, member in enumerate(members):
            if self._is_obj(member):
                if member.get("type") == "GeometryCollection":
                    self.emit("geometrycollection-nested", "a GeometryCollection should not "
                              "contain another GeometryCollection (RFC 7946 3.1.8)", owner, gpath)
                out.append((member, owner, (*gpath, i)))

    def position_range(self, x: float, y: float, owner: int | None, path: Path) -> None:
        """Report a position outside WGS 84, once per feature."""
        key = "root" if owner is None else owner + self._offset
        if key in self._range_done:
            return
        self._range_done.add(key)
        message = (f"position [{_num(x)}, {_num(y)}] is outside WGS 84 (longitude -180..180, "
                   "latitude -90..90)")
        if abs(x) > 1000 or abs(y) > 1000:
            message += f"; the values look like projected metres: {PROJECTED_HINT}"
        elif abs(x) <= 90 and 90 < abs(y) <= 180:
            message += "; longitude and latitude look swapped (GeoJSON order is [lon, lat])"
        self.emit("position-range", message, owner, path)


class _Walk:
    """The coordinates of one geometry type, checked a nesting level (a flat list) at a time."""

    def __init__(self, checker: Checker, kind: str, coords: list[list[Any]],
                 owners: list[Any], paths: Paths) -> None:
        self.c = checker
        self.kind = kind
        self.owners = owners
        self.paths = paths
        self.depth, self.part = _COORD_SHAPE[kind]
        self.nodes: list[Any] = coords
        geometries = np.arange(len(coords))
        # per level, each node's parent (at level 0, its geometry) and index in it: its path
        self.links: list[tuple[np.ndarray, np.ndarray]] = [(geometries, geometries)]
        self.bad = np.zeros(len(coords), dtype=bool)  # geometries with an error
        self.sizes: np.ndarray | None = None  # lengths of the nodes, once measured

    def locate(self, node: int) -> tuple[int, Path]:
        """The geometry and JSON path of node ``node`` of the current level."""
        keys: list[int] = []
        for parent, index in reversed(self.links[1:]):
            keys.append(int(index[node]))
            node = int(parent[node])
        g = int(self.links[0][0][node])
        return g, (*self.paths[g], "coordinates", *reversed(keys))

    def emit(self, rule: str, message: str, node: int,
             location: tuple[float, float] | None = None, *, error: bool = True) -> None:
        g, path = self.locate(node)
        if error:
            self.bad[g] = True
        self.c.emit(rule, message, self.owners[g], path, location)

    def select(self, keep: np.ndarray) -> None:
        """Keep only the nodes of the current level where ``keep`` is True."""
        if keep.all():
            return
        self.sizes = None if self.sizes is None else self.sizes[keep]
        self.nodes = list(compress(self.nodes, keep.tolist()))
        parent, index = self.links[-1]
        self.links[-1] = (parent[keep], index[keep])

    def measure(self) -> np.ndarray:
        """The length of every node of the current level (kept until the level changes)."""
        if self.sizes is None:
            self.sizes = np.fromiter(map(len, self.nodes), dtype=np.intp, count=len(self.nodes))
        return self.sizes

    def run(self) -> None:
        for level in range(self.depth):
            if level == self.depth - 1 and self.part is not None:
                (self._lines if self.part == "line" else self._rings)()
            self._descend()
        self._positions()

    def _descend(self) -> None:
        """Replace the nodes (arrays) by their elements, which must be arrays too."""
        counts = self.measure()
        parent = np.repeat(np.arange(len(self.nodes)), counts)
        index = np.arange(len(parent)) - np.repeat(np.cumsum(counts) - counts, counts)
        children = list(chain.from_iterable(self.nodes))
        is_list = _are_lists(children)
        for n in np.flatnonzero(~is_list).tolist():
            found = _jtype(children[n])
            if len(self.links) == self.depth:
                message = f"a position must be an array [longitude, latitude], found {found}"
            else:
                message = (f'"coordinates" of a {self.kind} are not nested deeply enough: '
                           f"found {found} where an array was expected")
            self.emit("coordinate-nesting", message, int(parent[n]))
        self.nodes, self.sizes = children, None
        self.links.append((parent, index))
        self.select(is_list)

    def _lines(self) -> None:
        sizes = self.measure()
        short = sizes < 2
        for n in np.flatnonzero(short).tolist():
            where = _valid_location(self.nodes[n][0]) if sizes[n] else None
            self.emit("linestring-too-short", f"a line needs 2 or more positions, found "
                      f"{sizes[n]}", n, where)
        self.select(~short)

    def _rings(self) -> None:
        sizes = self.measure()
        for n in np.flatnonzero(sizes == 0).tolist():
            self.emit("ring-too-short", "a linear ring needs 4 or more positions, found 0", n)
        self.select(sizes > 0)
        ends = _are_lists([r[-1] for r in self.nodes])
        for n in np.flatnonzero(~ends).tolist():
            self.emit("coordinate-nesting", f'"coordinates" of a {self.kind} are not nested '
                      "deeply enough: a ring holds numbers where positions were expected", n)
        self.select(ends)
        sizes = self.measure()
        closed = np.fromiter(map(_same, self.nodes), dtype=bool, count=len(self.nodes))
        for n in np.flatnonzero((sizes < 4) | ~closed).tolist():
            where = _valid_location(self.nodes[n][0])
            if sizes[n] < 4:
                self.emit("ring-too-short", f"a linear ring needs 4 or more positions, found "
                          f"{sizes[n]}", n, where)
            if not closed[n]:
                self.emit("ring-not-closed", "a linear ring must end with the position it "
                          "starts with", n, where)

    def _positions(self) -> None:
        sizes = self.measure()
        for n in np.flatnonzero(sizes < 2).tolist():
            self.emit("position-arity", "a position must have 2 or 3 numbers [longitude, "
                      f"latitude(, altitude)], found {sizes[n]} element(s)", n)
        for n in np.flatnonzero(sizes > 3).tolist():
            self.emit("position-extra-elements", "a position should have at most 3 elements "
                      f"[longitude, latitude, altitude], found {sizes[n]}", n, error=False)
        self.select(sizes >= 2)
        values = list(chain.from_iterable(self.nodes))
        if not set(map(type, values)) <= {int, float}:
            numeric = np.fromiter((type(v) in _NUMBER for v in values), dtype=bool,
                                  count=len(values))
            good = np.ones(len(self.nodes), dtype=bool)
            good[np.repeat(np.arange(len(self.nodes)), self.measure())[~numeric]] = False
            for n in np.flatnonzero(~good).tolist():
                wrong = next(v for v in self.nodes[n] if type(v) not in _NUMBER)
                self.emit("position-number", "every element of a position must be a number, "
                          f"found {_jtype(wrong)}", n)
            self.select(good)
            values = list(chain.from_iterable(self.nodes))
        if not self.c.wgs84 and self.part != "ring":
            return
        sizes = self.measure()
        numbers = np.fromiter(values, dtype=np.float64, count=len(values))
        first = np.cumsum(sizes) - sizes
        xs, ys = numbers[first], numbers[first + 1]
        if self.c.wgs84:
            outside = ~((xs >= -180) & (xs <= 180) & (ys >= -90) & (ys <= 90))
            for n in np.flatnonzero(outside).tolist():
                g, path = self.locate(n)
                self.c.position_range(float(xs[n]), float(ys[n]), self.owners[g], path)
        if self.part == "ring":
            self._right_hand_rule(xs, ys)

    def _right_hand_rule(self, xs: np.ndarray, ys: np.ndarray) -> None:
        """Warn about each error-free geometry's first ring against the rule (shoelace areas)."""
        ring, index = self.links[-1]  # each position's ring, and its index in the ring
        geometry = ring
        for parent, _ in reversed(self.links[:-1]):
            geometry = parent[geometry]
        keep = np.flatnonzero(~self.bad[geometry])  # whole rings: no position was dropped
        xs, ys, starts = xs[keep], ys[keep], np.flatnonzero(index[keep] == 0)
        counts = np.diff(starts, append=len(keep))
        # shifted to each ring's first position: small rings far from 0 keep their precision
        xs -= np.repeat(xs[starts], counts)
        ys -= np.repeat(ys[starts], counts)
        with np.errstate(all="ignore"):
            cross = xs[:-1] * ys[1:] - xs[1:] * ys[:-1]
            cross[starts[1:] - 1] = 0.0  # pairs that straddle two rings
            area = np.add.reduceat(cross, starts)
            significant = np.abs(area) > 1e-12 * np.add.reduceat(np.abs(cross), starts)
        hole = self.links[-2][1][ring[keep[starts]]]  # each ring's index in its polygon
        wrong = np.flatnonzero(significant & np.where(hole == 0, area < 0, area > 0))
        firsts = keep[starts[wrong]]
        # the first such ring of each geometry (the rings come in geometry order)
        _, once = np.unique(geometry[firsts], return_index=True)
        for n, first in zip(wrong[once].tolist(), firsts[once].tolist(), strict=True):
            g = int(geometry[first])
            which = "the exterior ring" if hole[n] == 0 else f"hole {hole[n]}"
            self.c.emit("right-hand-rule", "polygon rings should follow the right-hand rule "
                        "(RFC 7946 3.1.6): exterior rings counter-clockwise, holes clockwise; "
                        f"{which} is the other way round", self.owners[g], self.paths[g],
                        _valid_location(self.nodes[first]))


def _same(ring: list[Any]) -> bool:
    """First position equals last (deep equality; garbage too deep to compare is unequal)."""
    try:
        return bool(eq(ring[0], ring[-1]))
    except RecursionError:
        return False
