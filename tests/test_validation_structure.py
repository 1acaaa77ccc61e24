"""Tests of the structure rules (kimson_geo.validation.structure): RFC 7946 on raw bytes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimson_geo.errors import DataSourceError
from kimson_geo.validation import structure, validate
from kimson_geo.validation.issue import Issue
from kimson_geo.validation.structure import PARSE_RULES, STRUCTURE_RULES, check_bytes, check_file

CORPUS = Path(__file__).resolve().parent / "corpora" / "geojsonhint"

#: corpus files where we differ from geojsonhint.  Agreement is the count and severity of
#: the problems of each file, and the line of JSON syntax errors (the only problems whose
#: line the parser gives; the others are reported by feature and JSON path).
CORPUS_EXCEPTIONS = {
    # geojsonhint subtracts 1 from jsonlint's already-off "line 2"; the missing comma is at
    # the end of line 2 and the unexpected token on line 3, which is the line we give.
    "bad-json": "geojsonhint's parse-error line is off by two; we report line 3",
    # geojsonhint does not check ranges; latitudes down to -141 are not WGS 84 (RFC 7946
    # 4), so our extra position-range rule flags the file once.
    "issue82": "latitudes beyond -90: our position-range rule, which geojsonhint lacks",
}


def _corpus(kind: str) -> list[Any]:
    return [pytest.param(f, id=f.stem) for f in sorted((CORPUS / kind).glob("*.geojson"))]


def rules(data: bytes) -> list[str]:
    return [i.rule for i in check_bytes(data)[0]]


def dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def feature(geometry: object, props: object = None, **extra: object) -> dict[str, object]:
    return {"type": "Feature", "properties": {} if props is None else props,
            "geometry": geometry, **extra}


def fc(*features: object, **extra: object) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": list(features), **extra}


def point(x: float = 106.52, y: float = 21.07) -> dict[str, object]:
    return {"type": "Point", "coordinates": [x, y]}


SQUARE = [[106.5, 21.0], [106.6, 21.0], [106.6, 21.1], [106.5, 21.1], [106.5, 21.0]]
HOLE = [[106.52, 21.02], [106.52, 21.08], [106.58, 21.08], [106.58, 21.02], [106.52, 21.02]]
LINE = [[106.5, 21.0], [106.51, 21.01]]
_PATH = re.compile(r"^(\$|[A-Za-z_]\w*)(\.\w+|\[\d+\])*: ")


def resolve(doc: Any, path: str) -> Any:
    """The value at a JSON path such as ``features[3].geometry`` (``$``: the root)."""
    if path == "$":
        return doc
    for key in re.findall(r"\[(\d+)\]|\.?(\w+)", path):
        doc = doc[int(key[0])] if key[0] else doc[key[1]]
    return doc


def assert_well_formed(issues: list[Issue], doc: Any = None) -> None:
    """Every issue: known rule, its severity, a one-line message, sane fields; semantic
    problems start with a JSON path that exists in ``doc``."""
    for issue in issues:
        assert issue.rule in STRUCTURE_RULES
        assert issue.severity == STRUCTURE_RULES[issue.rule][0]
        assert isinstance(issue.message, str) and issue.message.strip()
        assert len(issue.message.splitlines()) == 1, issue.message
        assert "\n" not in issue.message and "\r" not in issue.message
        assert issue.line is None or issue.line >= 1
        assert issue.feature is None or issue.feature >= 0
        if issue.location is not None:
            lon, lat = issue.location
            assert -180 <= lon <= 180 and -90 <= lat <= 90
        if issue.rule not in PARSE_RULES and issue.rule != "not-utf8":
            match = _PATH.match(issue.message)
            assert match, issue.message
            if doc is not None:
                resolve(doc, issue.message.split(": ", 1)[0])  # the path exists
                if issue.feature is not None:
                    assert issue.message.startswith(f"features[{issue.feature}]")


# --------------------------------------------------------------------------------------
# the geojsonhint corpus (tests/corpora/geojsonhint, ISC licence)
# --------------------------------------------------------------------------------------

def _agrees(path: Path) -> bool:
    """Same count and severities as geojsonhint, and the same line for syntax errors."""
    result = path.with_suffix(".result")
    expected = json.loads(result.read_text(encoding="utf-8")) if result.exists() else []
    issues, _ = check_file(path)
    want = sorted("warning" if p.get("level") == "message" else "error" for p in expected)
    if sorted(i.severity for i in issues) != want:
        return False
    lines = [i.line for i in issues if i.rule in PARSE_RULES]
    return lines == [p["line"] for p in expected][:len(lines)]


@pytest.mark.parametrize("path", _corpus("good"))
def test_corpus_good_files_have_no_issues(path: Path) -> None:
    issues, parsed = check_file(path)
    assert parsed
    assert_well_formed(issues, json.loads(path.read_bytes()))
    if path.stem in CORPUS_EXCEPTIONS:
        assert [i.rule for i in issues] == ["position-range"], CORPUS_EXCEPTIONS[path.stem]
        return
    assert issues == []


@pytest.mark.parametrize("path", _corpus("bad"))
def test_corpus_bad_files_agree_with_geojsonhint(path: Path) -> None:
    issues, parsed = check_file(path)
    assert_well_formed(issues, json.loads(path.read_bytes()) if parsed else None)
    if path.stem == "bad-json":
        assert [(i.rule, i.severity, i.line) for i in issues] == [("json-syntax", "error", 3)]
        assert "line 3, column" in issues[0].message
        assert not _agrees(path), CORPUS_EXCEPTIONS[path.stem]
        return
    assert _agrees(path)


def test_corpus_agreement_is_at_least_59_of_62() -> None:
    files = sorted(CORPUS.glob("*/*.geojson"))
    assert len(files) == 62
    assert "Permission to use, copy, modify" in (CORPUS / "LICENSE").read_text(encoding="utf-8")
    disagree = {p.stem for p in files if not _agrees(p)}
    assert disagree == set(CORPUS_EXCEPTIONS)
    assert len(files) - len(disagree) >= 59


# --------------------------------------------------------------------------------------
# each rule: a case that fires, and a near miss that does not
# --------------------------------------------------------------------------------------

NESTED_GC = {"type": "GeometryCollection", "geometries": [
    point(), {"type": "GeometryCollection", "geometries": [point(), point(106.6, 21.0)]}]}
FLAT_GC = {"type": "GeometryCollection", "geometries": [point(), point(106.6, 21.0)]}

RULE_CASES: dict[str, tuple[bytes, bytes]] = {
    "not-utf8": ('{"type":"Feature","properties":{"name":"Sơn"},"geometry":null}'
                 .encode("cp1258"),
                 dumps(feature(None, {"name": "Sơn"}))),
    "json-syntax": (b'{"type": "Point" "coordinates": [1, 2]}',
                    b'{"type": "Point", "coordinates": [1, 2]}'),
    "nesting-too-deep": (b'{"type":"Feature","properties":{"a":' + b"[" * 1100 + b"]" * 1100
                         + b'},"geometry":null}',
                         b'{"type":"Feature","properties":{"a":' + b"[" * 500 + b"]" * 500
                         + b'},"geometry":null}'),
    "duplicate-member": (b'{"type":"Point","coordinates":[1,2],"coordinates":[1,2]}',
                         b'{"type":"Point","coordinates":[1,2],"coordinates2":[1,2]}'),
    "non-finite-number": (b'{"type":"Point","coordinates":[NaN,2]}',
                          b'{"type":"Point","coordinates":[1,2],"note":"NaN"}'),
    "number-out-of-range": (b'{"type":"Point","coordinates":[1e400,2]}',
                            b'{"type":"Point","coordinates":[1e-400,2],"m":1e300}'),
    "root-type": (b'[{"type":"Point","coordinates":[1,2]}]',
                  b'{"type":"Point","coordinates":[1,2]}'),
    "unknown-type": (dumps({"type": "point", "coordinates": [1, 2]}), dumps(point())),
    "wrong-type": (dumps(fc({"type": "Point", "coordinates": [1, 2]})), dumps(fc(feature(None)))),
    "missing-member": (dumps({"type": "Feature", "geometry": None}),
                       dumps(feature(None))),
    "member-type": (dumps(feature(None, [])), dumps(feature(None, None))),
    "forbidden-member": (dumps(feature(point(), coordinates=[1, 2])),
                         dumps(feature(point(), custom=[1, 2]))),
    "feature-id-type": (dumps(feature(None, id=None)), dumps(feature(None, id="r-001"))),
    "bbox-form": (dumps({**point(), "bbox": [1, 2, 3]}),
                  dumps({**point(), "bbox": [106.52, 21.07, 106.52, 21.07]})),
    "crs-member": (dumps(fc(crs={"type": "name", "properties": {"name": "EPSG:4326"}})),
                   dumps(fc(crs_note="none"))),
    "geometrycollection-single": (dumps({"type": "GeometryCollection",
                                         "geometries": [point()]}), dumps(FLAT_GC)),
    "geometrycollection-nested": (dumps(NESTED_GC), dumps(FLAT_GC)),
    "coordinate-nesting": (dumps({"type": "Polygon", "coordinates": [[106.5, 21.0]]}),
                           dumps({"type": "Polygon", "coordinates": [SQUARE]})),
    "position-arity": (dumps({"type": "Point", "coordinates": [106.5]}), dumps(point())),
    "position-extra-elements": (dumps({"type": "Point", "coordinates": [106.5, 21, 3, 4]}),
                                dumps({"type": "Point", "coordinates": [106.5, 21, 3]})),
    "position-number": (dumps({"type": "Point", "coordinates": [106.5, "21"]}),
                        dumps({"type": "Point", "coordinates": [106.5, 21]})),
    "position-range": (dumps(point(186.5, 21.0)), dumps(point(180, -90))),
    "linestring-too-short": (dumps({"type": "LineString", "coordinates": LINE[:1]}),
                             dumps({"type": "LineString", "coordinates": LINE})),
    "ring-too-short": (dumps({"type": "Polygon", "coordinates": [SQUARE[:2] + SQUARE[:1]]}),
                       dumps({"type": "Polygon", "coordinates": [SQUARE]})),
    "ring-not-closed": (dumps({"type": "Polygon", "coordinates": [SQUARE[:4]]}),
                        dumps({"type": "Polygon", "coordinates": [SQUARE[:4] + [[106.5, 21]]]})),
    "right-hand-rule": (dumps({"type": "Polygon", "coordinates": [SQUARE[::-1]]}),
                        dumps({"type": "Polygon", "coordinates": [SQUARE, HOLE]})),
}


def test_every_rule_has_cases_and_a_proper_entry() -> None:
    assert set(RULE_CASES) == set(STRUCTURE_RULES)
    for rule_id, (severity, description) in STRUCTURE_RULES.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule_id)
        assert severity in ("error", "warning")
        assert description and "\n" not in description


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fires(rule_id: str) -> None:
    issues, parsed = check_bytes(RULE_CASES[rule_id][0])
    assert_well_formed(issues)
    assert rule_id in [i.rule for i in issues]
    assert parsed == (rule_id not in PARSE_RULES)


def _embedded_cases() -> list[Any]:
    cases = []
    for rule_id, (bad, _) in sorted(RULE_CASES.items()):
        if rule_id in PARSE_RULES or rule_id == "duplicate-member":
            continue
        doc = json.loads(bad)
        if not isinstance(doc, dict) or doc.get("type") == "FeatureCollection":
            continue
        if doc.get("type") == "Feature" or "geometry" in doc:
            cases.append(pytest.param(rule_id, doc, id=f"{rule_id}-as-feature"))
        else:
            cases.append(pytest.param(rule_id, feature(doc), id=f"{rule_id}-as-geometry"))
    cases.append(pytest.param("wrong-type", feature({"type": "Feature", "coordinates": [1, 2]}),
                              id="feature-as-geometry"))
    return cases


@pytest.mark.parametrize("rule_id,bad_feature", _embedded_cases())
def test_rule_fires_inside_a_collection(rule_id: str, bad_feature: dict[str, Any]) -> None:
    clean = [feature(point(), id="clean"), feature({"type": "LineString", "coordinates": LINE})]
    doc = fc(*clean, bad_feature, *clean)
    issues, _ = check_bytes(dumps(doc))
    assert_well_formed(issues, doc)
    assert rule_id in [i.rule for i in issues]
    assert {i.feature for i in issues} == {2}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_does_not_fire_on_near_miss(rule_id: str) -> None:
    assert check_bytes(RULE_CASES[rule_id][1]) == ([], True)


# --------------------------------------------------------------------------------------
# encodings, numbers, nesting: one-line errors, never a crash or a hang
# --------------------------------------------------------------------------------------

def test_utf8_bom_is_tolerated() -> None:
    data = b"\xef\xbb\xbf" + dumps(fc(feature(point(), {"name": "Nhà văn hóa khu Kim Thành"})))
    assert check_bytes(data) == ([], True)


def test_windows_1258_bytes_get_the_old_encoding_hint() -> None:
    text = '{"type": "FeatureCollection",\n "features": [{"type": "Feature",\n' \
           ' "properties": {"name": "Kim Sơn, Đông Triêu"}, "geometry": null}]}'
    issues, parsed = check_bytes(text.encode("cp1258"), name="khu.geojson")
    assert not parsed
    [issue] = issues
    assert (issue.rule, issue.severity, issue.line, issue.layer) == (
        "not-utf8", "error", 3, "khu.geojson")
    assert "Windows-1258" in issue.message and "TCVN3" in issue.message
    assert "UTF-8" in issue.message and "re-save" in issue.message


def test_utf16_file_is_named_as_such() -> None:
    issues, parsed = check_bytes(dumps(point()).decode().encode("utf-16"))
    assert not parsed
    assert [i.rule for i in issues] == ["not-utf8"]
    assert "UTF-16" in issues[0].message


@pytest.mark.parametrize("opener,closer", [(b"[", b"]"), (b'{"a":', b"}")])
def test_100000_levels_of_nesting_do_not_crash(opener: bytes, closer: bytes) -> None:
    for data in (opener * 100_000 + b"1" + closer * 100_000, opener * 100_000):
        issues, parsed = check_bytes(data)
        assert not parsed
        assert [(i.rule, i.line) for i in issues] == [("nesting-too-deep", 1)]
        assert "column" in issues[0].message


def test_deep_but_allowed_nesting_is_checked_without_recursion_errors() -> None:
    deep = b'{"type":"GeometryCollection","geometries":[' * 200
    data = deep + dumps(point()) + b"]}" * 200
    issues, parsed = check_bytes(data)
    assert parsed
    assert {i.rule for i in issues} == {"geometrycollection-single",
                                        "geometrycollection-nested"}
    assert len(issues) == 200 + 199


@pytest.mark.parametrize("number", [b"1e400", b"-1e400", b"9" * 10_000, b"-" + b"9" * 400])
def test_huge_numbers_are_one_line_errors(number: bytes) -> None:
    data = b'{"type": "Feature",\n "properties": {"area": ' + number + \
           b'}, "geometry": {"type": "Point", "coordinates": [' + number + b", 21]}}"
    issues, parsed = check_bytes(data)
    assert_well_formed(issues)
    assert not parsed
    assert [(i.rule, i.line) for i in issues] == [("number-out-of-range", 2)]
    assert "line 2, column 25" in issues[0].message and len(issues[0].message) < 200


@pytest.mark.parametrize("where", [
    '"properties": {"a": null, "deep": [{"x": NUM}]}, "geometry": null',
    '"properties": null, "geometry": null, "foreign": {"n": [null, NUM]}',
    '"properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2], '
    '"bbox": [NUM, 0, 1, 1]}',
    '"properties": {"t": "null"}, "geometry": {"type": "LineString", '
    '"coordinates": [[1, 2], [3, NUM]]}',
])
@pytest.mark.parametrize("number", ["1e309", "-2E+400", "1" + "0" * 309])
def test_a_number_beyond_a_double_is_found_in_any_member(where: str, number: str) -> None:
    data = ('{"type": "FeatureCollection", "features": [{"type": "Feature", '
            + where.replace("NUM", number) + "}]}").encode()
    issues, parsed = check_bytes(data)
    assert not parsed and [i.rule for i in issues] == ["number-out-of-range"]
    finite = data.replace(number.encode(), b"18446744073709551617")  # beyond 64 bits only
    issues, parsed = check_bytes(finite)
    assert parsed and "number-out-of-range" not in {i.rule for i in issues}


def test_null_spelled_with_an_escape_is_text() -> None:
    doc = b'{"type": "Feature", "properties": {"\\u006eull": "\\u006eull"}, "geometry": null}'
    assert check_bytes(doc) == ([], True)


def test_nan_and_infinity_are_errors_with_lines() -> None:
    doc = fc(feature(point(), {"w": 1}, id="a"), feature(point(), {"w": 2}, id="b"))
    text = json.dumps(doc, indent=2)
    for bad in ("NaN", "Infinity", "-Infinity"):
        issues, parsed = check_bytes(text.replace('"w": 2', f'"w": {bad}').encode())
        assert not parsed
        [issue] = issues
        assert issue.rule == "non-finite-number" and bad in issue.message
        assert bad in text.replace('"w": 2', f'"w": {bad}').splitlines()[issue.line - 1]


def test_empty_and_binary_files() -> None:
    for data in (b"", b"   \n", bytes(range(256)), b"\x00\x01\x02"):
        issues, parsed = check_bytes(data)
        assert not parsed
        assert len(issues) == 1 and issues[0].rule in ("json-syntax", "not-utf8")
        assert issues[0].line == 1 or issues[0].line == 2


def test_syntax_errors_give_line_and_column() -> None:
    text = b'{\n  "type": "FeatureCollection",\n  "features": [\n    {"type": "Feature",}\n]}'
    issues, parsed = check_bytes(text)
    assert not parsed
    [issue] = issues
    assert issue.rule == "json-syntax" and issue.line == 4
    assert "line 4, column 23" in issue.message and "trailing comma" in issue.message
    for data in (b"", b"   ", b"{", b'{"a": 1} 2', b'{"a": tru}', b"{'a': 1}", b'["a\x01"]'):
        issues, parsed = check_bytes(data)
        assert not parsed and [i.rule for i in issues] == ["json-syntax"], data


# --------------------------------------------------------------------------------------
# positions outside WGS 84
# --------------------------------------------------------------------------------------

def test_projected_metres_get_the_vn2000_hint_once_per_feature() -> None:
    metres = [[431200.5 + 10 * k, 2330100.0 + 5 * k] for k in range(5)]
    doc = fc(*(feature({"type": "LineString", "coordinates": metres}, id=f"r-{n}")
               for n in range(3)))
    issues, _ = check_bytes(json.dumps(doc, indent=1).encode())
    assert [(i.rule, i.feature, i.feature_id) for i in issues] == [
        ("position-range", n, f"r-{n}") for n in range(3)]
    for n, issue in enumerate(issues):
        assert issue.message.startswith(f"features[{n}].geometry.coordinates[0]: ")
        assert "VN-2000? pass --src-crs EPSG:5899" in issue.message
        assert issue.location is None and issue.severity == "error"


def test_degrees_out_of_range_get_no_metre_hint() -> None:
    issues, _ = check_bytes(dumps(point(181.0, 21.0)))
    assert [i.rule for i in issues] == ["position-range"]
    assert "EPSG:5899" not in issues[0].message
    swapped, _ = check_bytes(dumps(point(21.07, 106.52)))
    assert "swapped" in swapped[0].message


def test_projected_coordinates_pass_when_the_crs_is_given() -> None:
    doc = b'{"type": "LineString", "coordinates": [[372000.5, 2331000.25], [372100, 2331000]]}'
    assert rules(doc) == ["position-range"]
    assert check_bytes(doc, wgs84=False) == ([], True)
    short = b'{"type": "LineString", "coordinates": [[372000.5, 2331000.25]]}'
    assert [i.rule for i in check_bytes(short, wgs84=False)[0]] == ["linestring-too-short"]


# --------------------------------------------------------------------------------------
# features, ids, JSON paths, locations
# --------------------------------------------------------------------------------------

def test_features_ids_paths_and_locations() -> None:
    doc = fc(
        feature(point(), id="ok-0"),
        feature({"type": "Polygon", "coordinates": [SQUARE[:4]]}, id="poly-1"),
        feature({"type": "LineString", "coordinates": LINE[:1]}, id=2),
        feature({"type": "Polygon", "coordinates": [SQUARE[::-1]]}),
        feature({"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE, [[106.5, "x"]]]]}),
    )
    issues, _ = check_bytes(json.dumps(doc, indent=2).encode(), name="roads.geojson")
    assert_well_formed(issues, doc)
    got = {i.rule: i for i in issues}
    assert set(got) == {"ring-not-closed", "ring-too-short", "linestring-too-short",
                        "right-hand-rule", "position-number"}
    ring = got["ring-not-closed"]
    assert (ring.feature, ring.feature_id, ring.location) == (1, "poly-1", (106.5, 21.0))
    assert ring.message.startswith("features[1].geometry.coordinates[0]: ")
    short = got["linestring-too-short"]
    assert (short.feature, short.feature_id, short.location) == (2, "2", (106.5, 21.0))
    assert short.message.startswith("features[2].geometry.coordinates: ")
    rhr = got["right-hand-rule"]
    assert (rhr.feature, rhr.feature_id, rhr.severity) == (3, None, "warning")
    assert rhr.message.startswith("features[3].geometry: ")
    number = got["position-number"]
    assert number.message.startswith("features[4].geometry.coordinates[1][1][0]: ")
    assert got["ring-too-short"].message.startswith("features[4].geometry.coordinates[1][1]: ")
    assert all(i.layer == "roads.geojson" for i in issues)


def test_one_bad_feature_among_many() -> None:
    features = [feature(point(106.5 + n * 1e-4, 21.0), {"n": n}, id=f"p-{n}")
                for n in range(3000)]
    features[2718]["geometry"]["coordinates"] = [106.5, "21.0"]  # type: ignore[index]
    [issue] = check_bytes(dumps(fc(*features)))[0]
    assert (issue.rule, issue.feature, issue.feature_id) == ("position-number", 2718, "p-2718")
    assert issue.message.startswith("features[2718].geometry.coordinates: ")


def test_duplicate_members_named_by_path_and_feature() -> None:
    text = ('{"type": "FeatureCollection", "features": [\n'
            '{"type": "Feature", "id": "a", "properties": {"name": "x",\n"name": "y"},'
            ' "geometry": null}]}')
    issues, parsed = check_bytes(text.encode())
    assert parsed
    assert [(i.rule, i.feature, i.feature_id) for i in issues] == [("duplicate-member", 0, "a")]
    assert issues[0].message.startswith('features[0].properties: ')
    assert '"name"' in issues[0].message


def test_duplicates_in_a_features_object_are_named_not_raised() -> None:
    # "features" an object, not an array: its members are no features (no index)
    issues, parsed = check_bytes(b'{"type":"FeatureCollection","features":{"a":{"x":1,"x":2}}}')
    assert parsed
    assert [(i.rule, i.feature) for i in issues] == [("member-type", None),
                                                     ("duplicate-member", None)]
    assert issues[1].message.startswith("features.a: ")


@pytest.mark.parametrize("text", [
    '{"type": "Feature", "properties": {"time": "12:30", "url": "http://x"}, "geometry": null}',
    '{"type": "Feature", "properties": {"a\\u003ab": 1, "c": "\\u003A"}, "geometry": null}',
    '{"type": "Feature", "properties": {"a": 1, "\\u0062": 2}, "geometry": null}',
])
def test_colons_in_strings_are_not_duplicates(text: str) -> None:
    assert check_bytes(text.encode()) == ([], True)


def test_escaped_duplicate_key_is_still_a_duplicate() -> None:
    assert rules(b'{"type":"Point","coordinates":[1,2],"\\u0074ype":"Point"}') == [
        "duplicate-member"]


def test_feature_id_prefers_the_id_property() -> None:
    bad = {"type": "Point", "coordinates": [200, 0]}
    doc = fc(feature(bad, {"id": "r-7"}, id=7), feature(bad, {"name": "x"}, id=8),
             feature(bad, {"id": None}), feature(bad, None, id="f"))
    issues, _ = check_bytes(dumps(doc))
    assert [(i.feature, i.feature_id) for i in issues] == [(0, "r-7"), (1, "8"), (2, None),
                                                           (3, "f")]


def test_layer_and_name() -> None:
    data = dumps(point(200, 0))
    assert check_bytes(data)[0][0].layer == "<input>"
    assert check_bytes(data, name="a.geojson")[0][0].layer == "a.geojson"
    assert check_bytes(data, name="a.geojson", layer="roads")[0][0].layer == "roads"


def test_empty_coordinates_are_empty_geometries() -> None:
    for gtype in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon"):
        assert check_bytes(dumps(feature({"type": gtype, "coordinates": []}))) == ([], True)


def test_a_typical_clean_layer_is_clean() -> None:
    doc = fc(*(feature({"type": t, "coordinates": c}, {"k": n}, id=n)
               for n, (t, c) in enumerate([("Point", [106.5, 21]), ("LineString", LINE),
                                           ("Polygon", [SQUARE, HOLE]),
                                           ("MultiPolygon", [[SQUARE]]),
                                           ("MultiLineString", [LINE, LINE]),
                                           ("MultiPoint", [[106.5, 21, 3.0]])])),
             bbox=[106.5, 21.0, 106.6, 21.1])
    assert check_bytes(orjson.dumps(doc)) == ([], True)


# --------------------------------------------------------------------------------------
# check_file, streaming (ijson) and validate()
# --------------------------------------------------------------------------------------

def test_check_file_reads_and_names_the_layer(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    path.write_bytes(dumps(fc(feature({"type": "LineString", "coordinates": LINE[:1]}))))
    issues, parsed = check_file(path)
    assert [i.rule for i in issues] == ["linestring-too-short"] and parsed
    assert issues[0].layer == "roads.geojson"
    assert check_file(str(path), layer="roads")[0][0].layer == "roads"


def test_check_file_that_cannot_be_opened(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="missing.geojson"):
        check_file(tmp_path / "missing.geojson")
    with pytest.raises(DataSourceError, match=re.escape(str(tmp_path))):
        check_file(tmp_path)


def _messy_collection() -> dict[str, Any]:
    features = [feature({"type": "LineString", "coordinates": [[106.5 + i * 1e-3, 21.0],
                                                               [106.5 + i * 1e-3, 21.001]]},
                        {"id": f"r{i}"}) for i in range(45)]
    features[3]["geometry"]["coordinates"] = LINE[:1]  # type: ignore[index]
    features[17]["geometry"] = {"type": "Polygon", "coordinates": [SQUARE[:4]]}
    features[30]["properties"] = []
    features[44]["geometry"]["coordinates"][0] = [431200.5, 2330100.0]  # type: ignore[index]
    # "crs" before "features", as GDAL writes it (a stream sees no root member after them)
    return {"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}, "features": features}


def test_streaming_finds_what_the_whole_parse_finds(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(structure, "STREAM_BATCH", 7)
    doc = _messy_collection()
    doc["features"][38]["properties"]["o"] = {"a": 1}
    path = tmp_path / "roads.geojson"
    text = json.dumps(doc, indent=1)
    text = text.replace('"id": "r9"', '"id": "r9", "id": "r9b"')  # a duplicate in batch 2
    # and in a later batch, one object with duplicates inside another
    text = text.replace('"id": "r38"', '"id": "r38", "id": "r38b"')
    text = text.replace('"a": 1', '"a": 1, "a": 2')
    path.write_text(text, encoding="utf-8")
    whole, parsed = check_file(path, stream=False)
    streamed, parsed_too = check_file(path, stream=True)
    assert parsed and parsed_too
    assert_well_formed(streamed, doc)
    assert [(i.rule, i.feature, i.feature_id, i.message) for i in streamed] == \
        [(i.rule, i.feature, i.feature_id, i.message) for i in whole]
    assert {i.rule for i in streamed} >= {"crs-member", "duplicate-member", "member-type",
                                          "linestring-too-short", "ring-not-closed",
                                          "position-range"}


def test_streaming_reports_broken_json_and_falls_back_for_other_roots(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    good = dumps(_messy_collection())
    path.write_bytes(good[:len(good) // 2] + b"}}" + good[len(good) // 2:])
    issues, parsed = check_file(path, stream=True)
    assert not parsed and [i.rule for i in issues] == ["json-syntax"]
    path.write_bytes(b'{"type": "FeatureCollection", "features": [{"a": NaN}]}')
    assert not check_file(path, stream=True)[1]
    path.write_bytes(dumps(point(200, 0)))  # not a collection: parsed whole
    assert [i.rule for i in check_file(path, stream=True)[0]] == ["position-range"]


def test_validate_reads_clean_geojson_through_gdal_and_stops_at_structure_errors(
        tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    path.write_bytes(dumps(fc(feature({"type": "LineString", "coordinates": LINE},
                                      {"id": "r1", "name": "Ngõ 5"}))))
    report = validate(path)
    assert report.layers == ["roads"] and not report.unreadable
    assert not [i for i in report.issues if i.rule in STRUCTURE_RULES]
    path.write_bytes(dumps(fc(feature({"type": "LineString", "coordinates": LINE[:1]},
                                      {"id": "r1"}))))
    report = validate(path)
    assert report.layers == [] and not report.unreadable
    assert [i.rule for i in report.issues] == ["linestring-too-short"]
    path.write_bytes(b'{"type": "FeatureCollection", "features": [}')
    report = validate(path)
    assert str(path) in report.unreadable and report.issues[0].rule == "json-syntax"


def test_validate_with_src_crs_skips_the_range_check(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    metres = [[372000.5, 2331000.25], [372100.0, 2331000.0]]
    path.write_bytes(dumps(fc(feature({"type": "LineString", "coordinates": metres},
                                      {"id": "r1"}))))
    assert [i.rule for i in validate(path).issues] == ["position-range"]
    report = validate(path, src_crs="EPSG:5899")
    assert report.layers == ["roads"]
    assert "position-range" not in {i.rule for i in report.issues}


# --------------------------------------------------------------------------------------
# fuzz: the checker is sound on any input
# --------------------------------------------------------------------------------------

_numbers = st.one_of(
    st.floats(-200, 200, allow_nan=False), st.integers(-200, 200),
    st.sampled_from([0, -180, 180, 90, -90, 180.5, 1e6, 2330100.0]))
_scalars = st.one_of(st.none(), st.booleans(), _numbers, st.text(max_size=4),
                     st.sampled_from(["Point", "Feature", "Polygon", "point", "LineString",
                                      "GeometryCollection", "FeatureCollection"]))
_keys = st.sampled_from(["type", "features", "geometry", "geometries", "coordinates",
                         "properties", "id", "bbox", "crs", "name"])
_json_values = st.recursive(
    _scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                      st.dictionaries(_keys, inner, max_size=5)),
    max_leaves=25)
_lonlat = st.one_of(
    st.tuples(st.floats(-180, 180), st.floats(-90, 90)).map(list),
    st.tuples(st.integers(-180, 180), st.integers(-90, 90)).map(list),
    st.tuples(_numbers, _numbers).map(list))  # sometimes out of range
_ring = st.lists(_lonlat, min_size=3, max_size=6).map(lambda r: [*r, list(r[0])])
_polygon = st.lists(_ring, min_size=1, max_size=3)
_geometry = st.one_of(
    st.builds(lambda c: {"type": "Point", "coordinates": c}, _lonlat),
    st.builds(lambda c: {"type": "MultiPoint", "coordinates": c}, st.lists(_lonlat, max_size=4)),
    st.builds(lambda c: {"type": "LineString", "coordinates": c},
              st.lists(_lonlat, min_size=2, max_size=5)),
    st.builds(lambda c: {"type": "MultiLineString", "coordinates": c},
              st.lists(st.lists(_lonlat, min_size=2, max_size=4), max_size=3)),
    st.builds(lambda c: {"type": "Polygon", "coordinates": c}, _polygon),
    st.builds(lambda c: {"type": "MultiPolygon", "coordinates": c},
              st.lists(_polygon, max_size=3)),
)
_features = st.builds(
    lambda g, p, i: feature(g, p, **({} if i is None else {"id": i})),
    st.one_of(st.none(), _geometry),
    st.one_of(st.none(), st.dictionaries(st.text(max_size=3), _scalars, max_size=3)),
    st.one_of(st.none(), st.text(max_size=3), st.integers()))
_collections = st.builds(lambda fs: fc(*fs), st.lists(_features, max_size=5))


def _mutate(data: st.DataObject, doc: Any) -> Any:
    """Change ``doc`` in one place: replace, add or delete a value somewhere in it."""
    if not isinstance(doc, (list, dict)) or not doc or data.draw(st.integers(0, 3)) == 0:
        return data.draw(_json_values)
    action = data.draw(st.sampled_from(["descend", "descend", "add", "delete"]))
    if action == "add":
        if isinstance(doc, dict):
            doc[data.draw(_keys)] = data.draw(_json_values)
        else:
            doc.insert(data.draw(st.integers(0, len(doc))), data.draw(_json_values))
        return doc
    key = data.draw(st.sampled_from(sorted(doc) if isinstance(doc, dict) else range(len(doc))))
    if action == "delete":
        del doc[key]
    else:
        doc[key] = _mutate(data, doc[key])
    return doc


_FUZZ = settings(max_examples=150, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _geometries_of(doc: Any) -> list[Any]:
    if doc.get("type") == "FeatureCollection":
        return [f["geometry"] for f in doc["features"] if f["geometry"] is not None]
    if doc.get("type") == "Feature":
        return [doc["geometry"]] if doc["geometry"] is not None else []
    return [doc]


@_FUZZ
@given(data=st.data())
def test_checker_is_sound_on_mutated_geojson(data: st.DataObject) -> None:
    """No exception; every problem has a rule id, a severity and a JSON path that exists;
    and a document found free of errors is one GEOS builds every geometry of."""
    doc = data.draw(st.one_of(_collections, _features, _geometry))
    for _ in range(data.draw(st.integers(0, 3))):
        doc = _mutate(data, doc)
    text = json.dumps(doc, indent=data.draw(st.sampled_from([None, 1])))
    issues, parsed = check_bytes(text.encode())
    assert parsed
    assert_well_formed(issues, doc)
    if not any(i.severity == "error" for i in issues):
        for geometry in _geometries_of(doc):
            shapely.from_geojson(json.dumps(geometry))  # raises on what GEOS cannot build


@_FUZZ
@given(st.binary(max_size=400))
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    issues, parsed = check_bytes(data)
    assert_well_formed(issues)
    if not parsed:
        assert [i.severity for i in issues] == ["error"]


_json_ish = st.text(alphabet='{}[],:" \n\t0123456789.eE+-truefalsnNaIiy\\u/abcdxTypePoint',
                    max_size=200)


@_FUZZ
@given(_json_ish)
def test_fuzz_json_ish_text(text: str) -> None:
    issues, _ = check_bytes(text.encode())
    assert_well_formed(issues)


@_FUZZ
@given(data=st.data())
def test_fuzz_damaged_geojson_text(data: st.DataObject) -> None:
    doc = data.draw(_collections)
    raw = bytearray(json.dumps(doc, indent=data.draw(st.sampled_from([None, 1, 2]))).encode())
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw)))
        if data.draw(st.booleans()) and at < len(raw):
            del raw[at]
        else:
            raw[at:at] = data.draw(st.sampled_from(
                [b",", b"]", b"}", b"[", b"{", b'"', b":", b"NaN", b"1e999", b"\xff", b"\n"]))
    issues, _ = check_bytes(bytes(raw))
    assert_well_formed(issues)
