"""The *structure* family: RFC 7946 checks on the raw text of a GeoJSON file.

These checks run before GDAL reads the file: its encoding, its JSON, and the GeoJSON
object model (members, types, coordinate nesting, positions, rings, bbox).  They agree with
mapbox/geojsonhint on its test corpus (``tests/corpora/geojsonhint``) and add what this
project needs: positions outside WGS 84 (with a hint when they look like VN-2000 metres),
duplicate members anywhere, NaN/Infinity and numbers too big for a double.

jiter parses; only when it (or orjson, for numbers beyond a double) finds something does
``json.loads`` parse again, its hooks naming every problem.  A file over :data:`STREAM_BYTES`
is streamed with ``ijson``, a batch of features at a time (the peak memory is one batch).
The RFC 7946 rules themselves are in :mod:`.geojson_rules`.

Examples
--------
>>> check_bytes(b'{"type": "Point", "coordinates": [106.52, 21.07]}')
([], True)
>>> issues, _ = check_bytes(b'{"type": "Point", "coordinates": [431200.5, 2330100.0]}')
>>> issues[0].rule, "EPSG:5899" in issues[0].message
('position-range', True)
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from itertools import islice
from typing import Any

from ..errors import DataSourceError
from ..io import gc_paused
from .geojson_rules import Checker, Problem, feature_ident, json_path
from .issue import Issue, Severity

__all__ = ["STRUCTURE_RULES", "PARSE_RULES", "STREAM_BYTES", "check_bytes", "check_file"]

#: rule id -> (severity, one-line description), for ``validate --list-rules``
STRUCTURE_RULES: dict[str, tuple[Severity, str]] = {
    "not-utf8": ("error", "The file is not UTF-8 (Windows-1258 or TCVN3 files must be "
                          "re-saved as UTF-8); a UTF-8 BOM is tolerated."),
    "json-syntax": ("error", "The file is not well-formed JSON (the line and column are given)."),
    "nesting-too-deep": ("error", "Arrays and objects are nested deeper than a JSON parser "
                                  "accepts (about 1,000 levels)."),
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

#: rules after which there is no document to check (nor anything GDAL should read)
PARSE_RULES = frozenset({"not-utf8", "json-syntax", "nesting-too-deep", "non-finite-number",
                         "number-out-of-range"})

#: files larger than this are streamed (ijson) instead of parsed whole
STREAM_BYTES = 200 * 2**20
#: features checked together when streaming
STREAM_BATCH = 20_000
#: id of an object with members seen twice -> (the object, those members' names)
_Found = dict[int, tuple[dict[str, Any], list[str]]]


class _Refused(ValueError):
    """Raised by a parser hook with (rule, text): JSON-like, but not acceptable JSON."""


def _refuse_constant(name: str) -> float:
    raise _Refused("non-finite-number", name)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Refused("number-out-of-range", text)
    return value


def _finite_int(text: str) -> int:
    # a Python int of any size, but only when a double can hold it (GDAL reads doubles)
    if len(text) > 300 and math.isinf(float(text)):
        raise _Refused("number-out-of-range", text)
    return int(text)


def _members_type(checker: Checker) -> tuple[type[dict[str, Any]], _Found]:
    """The checker's dict type, recording members seen twice (``pairs``: for ``json.loads``)."""
    found: _Found = {}

    class Members(dict):  # type: ignore[type-arg]
        __slots__ = ()

        def __setitem__(self, key: str, value: Any) -> None:
            if key in self:
                entry = found.setdefault(id(self), (self, []))
                if key not in entry[1]:
                    entry[1].append(key)
            dict.__setitem__(self, key, value)

        @classmethod
        def pairs(cls, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            obj = dict(pairs)
            if len(obj) == len(pairs):  # no member twice: a plain dict, built in C
                return obj
            members = cls()
            for key, value in pairs:
                members[key] = value
            return members

    checker.obj_types = (dict, Members)
    return Members, found


def _refusal(buf: bytes, exc: BaseException) -> Problem:
    """Why ``json.loads`` refused ``buf``: the rule, and the line and column from orjson."""
    import orjson

    reason, line, column = None, None, None
    try:
        orjson.loads(buf)
    except orjson.JSONDecodeError as err:  # (orjson has its own depth limit)
        reason, line, column = err.msg, err.lineno, err.colno
    at = f" at line {line}, column {column}" if line is not None else ""
    if isinstance(exc, _Refused):
        rule, text = exc.args
        if rule == "non-finite-number":
            message = f"{text}{at} is not a JSON number (write null, or a real value)"
        else:
            shown = text if len(text) <= 24 else f"{text[:12]}…({len(text)} chars)"
            message = f"number {shown}{at} is too large for a 64-bit float"
        return Problem(rule, message, line=line)
    if isinstance(exc, RecursionError) or (reason and "depth limit" in reason):
        return Problem("nesting-too-deep", f"arrays and objects are nested too deeply{at} "
                       "(no GeoJSON needs more than a few levels)", line=line)
    if reason and "infinity" in reason:
        return Problem("number-out-of-range", f"a number{at} is too large for a 64-bit float",
                       line=line)
    if reason is None:  # orjson took it: say what json.loads said
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "empty" in reason:
        reason = "the file holds no JSON value"
    return Problem("json-syntax", f"JSON syntax error{at}: {reason}", line=line)


def _not_utf8(buf: bytes, exc: UnicodeDecodeError) -> Problem:
    line = buf.count(b"\n", 0, exc.start) + 1
    column = exc.start - buf.rfind(b"\n", 0, exc.start)
    if buf[:2] in (b"\xff\xfe", b"\xfe\xff"):
        hint = "the file looks like UTF-16; re-save it as UTF-8"
    else:
        hint = ("the file may be in Windows-1258 or TCVN3 (old Vietnamese encodings); "
                "re-save it as UTF-8")
    byte = buf[exc.start:exc.start + 1].hex().upper()
    return Problem("not-utf8", f"byte 0x{byte} at line {line}, column {column} is not valid "
                   f"UTF-8: {hint}", line=line)


def _check_whole(buf: bytes, checker: Checker) -> bool:
    """Parse ``buf`` and check it; False when it is not JSON at all."""
    import jiter
    import orjson

    buf = buf.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM is tolerated
    # jiter refuses duplicate members (at the first) and NaN, at half the cost of json.loads
    # with the hooks below.  It reads a number beyond a double as infinity, which orjson
    # writes as null (and an integer beyond 64 bits it refuses to write): more nulls written
    # than read means such a number, at a fifth of the cost of a second parse.
    try:
        doc = jiter.from_json(buf, allow_inf_nan=False, catch_duplicate_keys=True,
                              cache_mode="all")  # repeated short values too: less to free
        clean = orjson.dumps(doc).count(b"null") == buf.count(b"null")
    except (ValueError, RecursionError, orjson.JSONEncodeError):
        clean = False
    if clean:
        checker.document(doc)
        return True
    # the standard library's parser, with hooks, names every problem jiter stopped at
    try:
        text = buf.decode("utf-8")
    except UnicodeDecodeError as exc:
        checker.problems.append(_not_utf8(buf, exc))
        return False
    members, found = _members_type(checker)
    try:
        doc = json.loads(text, object_pairs_hook=members.pairs,  # type: ignore[attr-defined]
                         parse_constant=_refuse_constant, parse_float=_finite_float,
                         parse_int=_finite_int)
    except (ValueError, RecursionError) as exc:
        checker.problems.append(_refusal(buf, exc))
        return False
    del text
    checker.document(doc)
    if found:
        _name_duplicates(checker.problems, doc, found)
    return True


def _name_duplicates(problems: list[Problem], doc: Any, found: _Found, offset: int = 0) -> None:
    """Report the objects of ``doc`` in ``found`` by JSON path (popped: ijson builds ahead)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(doc, ())]
    while stack:  # iterative: the document may nest deeply
        node, path = stack.pop()
        if isinstance(node, dict) and found.get(id(node), (None,))[0] is node:
            names = found.pop(id(node))[1]
            listed = ", ".join(json.dumps(k[:40]) for k in names[:5])
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            feature = ident = None
            shown = path  # (not path itself: its children are found by the batch's index)
            if len(path) > 1 and path[0] == "features" and type(path[1]) is int:
                ident = feature_ident(doc["features"][path[1]])
                feature = path[1] + offset
                shown = (path[0], feature, *path[2:])
            problems.append(Problem(
                "duplicate-member", f"{json_path(shown)}: object has duplicate member(s) "
                f"{listed}{more}: readers disagree on which value counts", feature, ident))
        children: Iterable[tuple[Any, Any]] = node.items() if isinstance(node, dict) \
            else enumerate(node)
        stack.extend((v, (*path, k)) for k, v in children if isinstance(v, (dict, list)))


def check_bytes(data: bytes, *, name: str = "<input>", layer: str | None = None,
                wgs84: bool = True) -> tuple[list[Issue], bool]:
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
        Every structure problem, JSON-level ones (with their ``line``) first; each names its
        feature (index and id) in a FeatureCollection and its JSON path in the message.
    parsed : bool
        False when the bytes are not JSON (a rule of :data:`PARSE_RULES` fired).

    Notes
    -----
    Never raises on any input (except MemoryError).
    """
    checker = Checker(wgs84=wgs84)
    with gc_paused():
        parsed = _check_whole(bytes(data), checker)
    return _issues(checker, name if layer is None else layer), parsed


def _stream_problem(exc: Exception) -> Problem:
    """An ijson (yajl) error as a structure problem; yajl gives no line."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, RecursionError):
        return Problem("nesting-too-deep", "arrays and objects are nested too deeply (no "
                       "GeoJSON needs more than a few levels)")
    if "overflow" in first:
        return Problem("number-out-of-range", f"a number is too large ({first}; JSON read "
                       "in a stream takes integers up to 64 bits and doubles)")
    if "UTF8" in first or "UTF-8" in first:
        return Problem("not-utf8", f"the file is not valid UTF-8 ({first}); re-save it as UTF-8")
    return Problem("json-syntax", f"JSON syntax error: {first}")


def _root_members(fh: Any, members: type[dict[str, Any]]) -> dict[str, Any] | None:
    """The root's members before ``"features"`` (GDAL and QGIS write all there), or None."""
    import ijson

    head: dict[str, Any] = members()
    events = ijson.parse(fh, use_float=True)
    if next(events)[1] != "start_map":
        return None
    for prefix, event, value in events:
        if prefix == "":  # a member's name, or the end of the root (no "features")
            if event != "map_key":
                return None
            if value == "features":
                head["features"] = []
                return head if next(events)[1] == "start_array" else None
            key, builder = value, ijson.ObjectBuilder(map_type=members)
        else:
            builder.event(event, value)
            if not builder.containers:
                head[key] = builder.value
    return None


def _check_stream(path: str, checker: Checker) -> bool | None:
    """Check a FeatureCollection in batches; whether it is JSON (None: not streamable)."""
    import ijson

    members, found = _members_type(checker)
    try:
        with open(path, "rb") as fh:
            head = _root_members(fh, members)
        if head is None or head.get("type") != "FeatureCollection":
            return None
        checker.document(head)  # the root's own members, with no features yet
        _name_duplicates(checker.problems, head, found)
        with open(path, "rb") as fh:
            items = ijson.items(fh, "features.item", use_float=True, map_type=members)
            offset = 0
            while batch := list(islice(items, STREAM_BATCH)):
                checker.features(batch, offset)
                if found:  # (ijson may have built features of the next batch already)
                    _name_duplicates(checker.problems, {"features": batch}, found, offset)
                offset += len(batch)
                del batch  # before the next is read: one batch in memory at a time
    except (ijson.JSONError, ValueError, RecursionError) as exc:
        checker.problems[:] = [_stream_problem(exc)]  # not JSON: that alone, as whole
        return False
    return True


def check_file(path: str | os.PathLike[str], *, layer: str | None = None,
               wgs84: bool = True, stream: bool | None = None) -> tuple[list[Issue], bool]:
    """Check a GeoJSON file against RFC 7946; see :func:`check_bytes`.

    Parameters
    ----------
    path
        The file to read.
    layer
        Layer name copied into every issue (default: the file name).
    wgs84
        False when the coordinates are in another CRS (see :func:`check_bytes`).
    stream
        Stream the features with ijson (bounded memory) instead of parsing the file whole;
        by default, for files over :data:`STREAM_BYTES`.  A streamed file that is not a
        FeatureCollection is parsed whole.  In a stream, JSON errors carry no line and
        root members written after ``"features"`` are not seen.

    Returns
    -------
    issues, parsed
        As for :func:`check_bytes` (``parsed``: False when the file is not JSON).

    Raises
    ------
    DataSourceError
        When the file cannot be opened or read.
    """
    name = os.fspath(path)
    label = os.path.basename(name) if layer is None else layer
    try:
        if stream is None:
            stream = os.path.getsize(name) > STREAM_BYTES
        if stream:
            checker = Checker(wgs84=wgs84)
            with gc_paused():
                parsed = _check_stream(name, checker)
                if parsed is not None:
                    return _issues(checker, label), parsed
        with open(name, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataSourceError(f"{name}: cannot read the file: {reason}") from exc
    return check_bytes(data, name=os.path.basename(name), layer=layer, wgs84=wgs84)


def _issues(checker: Checker, layer: str) -> list[Issue]:
    """The checker's problems as Issue records, JSON-level first, then by feature."""
    issues = [Issue(p.rule, STRUCTURE_RULES[p.rule][0], p.message, layer=layer,
                    feature=p.feature, feature_id=p.feature_id, location=p.location, line=p.line)
              for p in checker.problems]
    issues.sort(key=lambda i: (i.line is None, i.line or 0, i.feature is not None,
                               i.feature or 0))
    return issues
