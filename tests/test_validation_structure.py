"""Tests of the structure rules (kimson_geo.validation.structure): RFC 7946 on raw bytes."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimson_geo.errors import DataSourceError
from kimson_geo.validation import structure
from kimson_geo.validation.issue import Issue
from kimson_geo.validation.structure import STRUCTURE_RULES, check_bytes, check_file

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "geojsonhint"

#: corpus files where exact agreement with geojsonhint is not possible or not right
CORPUS_EXCEPTIONS = {
    # geojsonhint subtracts 1 from jsonlint's already-off "line 2"; the missing comma is at
    # the end of line 2 and the unexpected token on line 3, which is the line we give.
    "bad-json": "geojsonhint's parse-error line is off by two; we report line 3",
    # geojsonhint writes line 0 ("no line") when the root is not an object; the root
    # value `null` is on line 1, which we give.
    "rootstring": "geojsonhint gives line 0 for a non-object root; we give line 1",
    # geojsonhint does not check ranges; latitudes down to -141 are not WGS 84 (RFC 7946
    # 4), so our extra position-range rule flags the file once.
    "issue82": "latitudes beyond -90: our position-range rule, which geojsonhint lacks",
}


def _corpus(kind: str) -> list[Any]:
    files = sorted((CORPUS / kind).glob("*.geojson")) if CORPUS.is_dir() else []
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"geojsonhint corpus not found at {CORPUS} (shared/ beside the checkout)"))]
    return [pytest.param(f, id=f.stem) for f in files]


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


def assert_well_formed(issues: list[Issue]) -> None:
    """Every issue: known rule, its severity, a one-line message, sane fields."""
    for issue in issues:
        assert issue.rule in STRUCTURE_RULES
        assert issue.severity == STRUCTURE_RULES[issue.rule][0]
        assert issue.severity in ("error", "warning")
        assert isinstance(issue.message, str) and issue.message.strip()
        assert len(issue.message.splitlines()) == 1, issue.message
        assert "\n" not in issue.message and "\r" not in issue.message
        assert issue.line is None or issue.line >= 1
        assert issue.feature is None or issue.feature >= 0
        if issue.location is not None:
            lon, lat = issue.location
            assert -180 <= lon <= 180 and -90 <= lat <= 90


# --------------------------------------------------------------------------------------
# the geojsonhint corpus
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", _corpus("good"))
def test_corpus_good_files_have_no_issues(path: Path) -> None:
    issues, document = check_file(path)
    assert document is not None
    assert_well_formed(issues)
    if path.stem in CORPUS_EXCEPTIONS:
        assert [i.rule for i in issues] == ["position-range"], CORPUS_EXCEPTIONS[path.stem]
        return
    assert issues == []


@pytest.mark.parametrize("path", _corpus("bad"))
def test_corpus_bad_files_agree_with_geojsonhint(path: Path) -> None:
    expected = json.loads(path.with_suffix(".result").read_text(encoding="utf-8"))
    want = sorted(("warning" if p.get("level") == "message" else "error", p["line"])
                  for p in expected)
    issues, _ = check_file(path)
    assert_well_formed(issues)
    got = sorted((i.severity, i.line) for i in issues)
    if path.stem == "bad-json":
        assert [(i.rule, i.severity, i.line) for i in issues] == [("json-syntax", "error", 3)]
        assert "line 3, column 5" in issues[0].message and "line 2" in issues[0].message
        assert len(want) == 1 and want[0][0] == "error", CORPUS_EXCEPTIONS[path.stem]
        return
    if path.stem == "rootstring":
        assert [(i.rule, i.line) for i in issues] == [("root-type", 1)]
        assert want == [("error", 0)], CORPUS_EXCEPTIONS[path.stem]
        return
    assert got == want


def test_corpus_exceptions_are_few_and_real() -> None:
    assert len(CORPUS_EXCEPTIONS) <= 3
    if CORPUS.is_dir():
        stems = {p.stem for p in CORPUS.glob("*/*.geojson")}
        assert set(CORPUS_EXCEPTIONS) <= stems


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
                         b'{"type":"Feature","properties":{"a":' + b"[" * 1000 + b"]" * 1000
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
    issues, _ = check_bytes(RULE_CASES[rule_id][0])
    assert_well_formed(issues)
    assert rule_id in [i.rule for i in issues]


def _embedded_cases() -> list[Any]:
    cases = []
    json_level = {"not-utf8", "json-syntax", "nesting-too-deep", "duplicate-member",
                  "non-finite-number", "number-out-of-range"}
    for rule_id, (bad, _) in sorted(RULE_CASES.items()):
        if rule_id in json_level:
            continue
        try:
            doc = json.loads(bad)
        except (ValueError, RecursionError):
            continue
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
    issues, _ = check_bytes(dumps(fc(*clean, bad_feature, *clean)))
    assert_well_formed(issues)
    assert rule_id in [i.rule for i in issues]
    assert {i.feature for i in issues} == {2}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_does_not_fire_on_near_miss(rule_id: str) -> None:
    issues, document = check_bytes(RULE_CASES[rule_id][1])
    assert document is not None
    assert issues == []


# --------------------------------------------------------------------------------------
# encodings, numbers, nesting
# --------------------------------------------------------------------------------------

def test_utf8_bom_is_tolerated() -> None:
    data = b"\xef\xbb\xbf" + dumps(fc(feature(point(), {"name": "Nhà văn hóa khu Kim Thành"})))
    issues, document = check_bytes(data)
    assert issues == []
    assert isinstance(document, dict)
    assert document["features"][0]["properties"]["name"] == "Nhà văn hóa khu Kim Thành"


def test_windows_1258_bytes_get_the_old_encoding_hint() -> None:
    text = '{"type": "FeatureCollection",\n "features": [{"type": "Feature",\n' \
           ' "properties": {"name": "Kim Sơn, Đông Triêu"}, "geometry": null}]}'
    issues, document = check_bytes(text.encode("cp1258"), name="khu.geojson")
    assert document is None
    [issue] = issues
    assert (issue.rule, issue.severity, issue.line, issue.layer) == (
        "not-utf8", "error", 3, "khu.geojson")
    assert "Windows-1258" in issue.message and "TCVN3" in issue.message
    assert "UTF-8" in issue.message and "re-save" in issue.message


def test_utf16_file_is_named_as_such() -> None:
    issues, document = check_bytes(dumps(point()).decode().encode("utf-16"))
    assert document is None
    assert [i.rule for i in issues] == ["not-utf8"]
    assert "UTF-16" in issues[0].message


@pytest.mark.parametrize("opener,closer", [(b"[", b"]"), (b'{"a":', b"}")])
def test_100000_levels_of_nesting_do_not_crash(opener: bytes, closer: bytes) -> None:
    for data in (opener * 100_000 + b"1" + closer * 100_000, opener * 100_000):
        issues, document = check_bytes(data)
        assert document is None
        assert [i.rule for i in issues] == ["nesting-too-deep"]
        assert issues[0].line == 1


def test_deep_but_allowed_nesting_is_checked_without_recursion_errors() -> None:
    deep = b'{"type":"GeometryCollection","geometries":[' * 400
    data = deep + dumps(point()) + b"]}" * 400
    issues, document = check_bytes(data)
    assert document is not None
    assert {i.rule for i in issues} == {"geometrycollection-single",
                                        "geometrycollection-nested"}


@pytest.mark.parametrize("number", [b"1e400", b"-1e400", b"9" * 10_000, b"-" + b"9" * 400])
def test_huge_numbers_are_errors_not_crashes(number: bytes) -> None:
    data = b'{"type": "Feature", "properties": {"area": ' + number + \
           b'}, "geometry": {"type": "Point", "coordinates": [' + number + b", 21]}}"
    issues, document = check_bytes(data)
    assert_well_formed(issues)
    assert [i.rule for i in issues] == ["number-out-of-range"] * 2
    assert document is not None  # it is JSON, only not representable


def test_nan_and_infinity_are_errors_with_lines_and_features() -> None:
    doc = fc(feature(point(), {"w": 1}, id="a"),
             feature({"type": "Point", "coordinates": [106.5, 21]}, {"w": 2}, id="b"))
    text = json.dumps(doc, indent=2).replace('"w": 2', '"w": NaN').replace(
        "106.5,", "-Infinity,")
    issues, document = check_bytes(text.encode())
    assert document is not None
    found = [(i.rule, i.feature, i.feature_id) for i in issues]
    assert found == [("non-finite-number", 1, "b"), ("non-finite-number", 1, "b")]
    lines = text.splitlines()
    assert "NaN" in lines[issues[0].line - 1] and "Infinity" in lines[issues[1].line - 1]


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
    for issue in issues:
        assert "VN-2000? pass --src-crs EPSG:5899" in issue.message
        assert issue.location is None
        assert issue.severity == "error"


def test_degrees_out_of_range_get_no_metre_hint() -> None:
    issues, _ = check_bytes(dumps(point(181.0, 21.0)))
    assert [i.rule for i in issues] == ["position-range"]
    assert "EPSG:5899" not in issues[0].message
    swapped, _ = check_bytes(dumps(point(21.07, 106.52)))
    assert "swapped" in swapped[0].message


# --------------------------------------------------------------------------------------
# lines, features, ids, locations
# --------------------------------------------------------------------------------------

def test_lines_features_ids_and_locations_in_a_pretty_file() -> None:
    doc = fc(
        feature(point(), id="ok-0"),
        feature({"type": "Polygon", "coordinates": [SQUARE[:4]]}, id="poly-1"),
        feature({"type": "LineString", "coordinates": LINE[:1]}, id=2),
        feature({"type": "Polygon", "coordinates": [SQUARE[::-1]]}),
    )
    text = json.dumps(doc, indent=2)
    issues, _ = check_bytes(text.encode(), name="roads.geojson")
    lines = text.splitlines()
    got = {i.rule: i for i in issues}
    assert set(got) == {"ring-not-closed", "linestring-too-short", "right-hand-rule"}
    ring = got["ring-not-closed"]
    assert (ring.feature, ring.feature_id, ring.location) == (1, "poly-1", (106.5, 21.0))
    # the ring's own array opens on its line, just after "coordinates": [
    assert lines[ring.line - 2].strip() == '"coordinates": ['
    short = got["linestring-too-short"]
    assert (short.feature, short.feature_id, short.location) == (2, "2", (106.5, 21.0))
    assert lines[short.line - 1].strip() == '"coordinates": ['
    rhr = got["right-hand-rule"]
    assert (rhr.feature, rhr.feature_id, rhr.severity) == (3, None, "warning")
    assert lines[rhr.line - 1].strip() == '"geometry": {'
    assert all(i.layer == "roads.geojson" for i in issues)


def test_one_bad_feature_among_many_is_found_at_its_line() -> None:
    features = [feature(point(106.5 + n * 1e-4, 21.0), {"n": n}, id=f"p-{n}")
                for n in range(3000)]
    features[2718]["geometry"]["coordinates"] = [106.5, "21.0"]
    for indent in (None, 1):
        text = json.dumps(fc(*features), indent=indent)
        issues, _ = check_bytes(text.encode())
        [issue] = issues
        assert (issue.rule, issue.feature, issue.feature_id) == ("position-number", 2718, "p-2718")
        assert '"21.0"' in "\n".join(text.splitlines()[issue.line - 1:issue.line + 2])


def test_duplicate_members_found_in_a_file_orjson_accepts() -> None:
    text = ('{"type": "FeatureCollection", "features": [\n'
            '{"type": "Feature", "id": "a", "properties": {"name": "x",\n"name": "y"},'
            ' "geometry": null}]}')
    issues, document = check_bytes(text.encode())
    assert [(i.rule, i.line, i.feature, i.feature_id) for i in issues] == [
        ("duplicate-member", 2, 0, "a")]
    assert '"name"' in issues[0].message and "lines 2 and 3" in issues[0].message
    assert document["features"][0]["properties"] == {"name": "y"}  # type: ignore[index]


@pytest.mark.parametrize("text", [
    '{"type": "Feature", "properties": {"time": "12:30", "url": "http://x"}, "geometry": null}',
    '{"type": "Feature", "properties": {"a\\u003ab": 1, "c": "\\u003A"}, "geometry": null}',
    '{"type": "Feature", "properties": {"a": 1, "\\u0062": 2}, "geometry": null}',
])
def test_colons_in_strings_are_not_duplicates(text: str) -> None:
    assert check_bytes(text.encode()) == ([], json.loads(text))


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


def test_syntax_errors_give_line_and_column() -> None:
    text = b'{\n  "type": "FeatureCollection",\n  "features": [\n    {"type": "Feature",}\n]}'
    issues, document = check_bytes(text)
    assert document is None
    [issue] = issues
    assert issue.rule == "json-syntax" and issue.line == 4
    assert "line 4, column 24" in issue.message and "trailing comma" in issue.message
    assert issue.feature == 0
    for data in (b"", b"   ", b"{", b'{"a": 1} 2', b'{"a": tru}', b"{'a': 1}", b'["a\x01"]'):
        issues, document = check_bytes(data)
        assert document is None and [i.rule for i in issues] == ["json-syntax"], data


def test_layer_and_name() -> None:
    data = dumps(point(200, 0))
    assert check_bytes(data)[0][0].layer == "<input>"
    assert check_bytes(data, name="a.geojson")[0][0].layer == "a.geojson"
    assert check_bytes(data, name="a.geojson", layer="roads")[0][0].layer == "roads"


def test_empty_coordinates_are_empty_geometries() -> None:
    for gtype in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon"):
        assert check_bytes(dumps(feature({"type": gtype, "coordinates": []}))) == (
            [], feature({"type": gtype, "coordinates": []}))


# --------------------------------------------------------------------------------------
# check_file
# --------------------------------------------------------------------------------------

def test_check_file_reads_and_names_the_layer(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    path.write_bytes(dumps(fc(feature({"type": "LineString", "coordinates": LINE[:1]}))))
    issues, document = check_file(path)
    assert [i.rule for i in issues] == ["linestring-too-short"]
    assert issues[0].layer == "roads.geojson"
    assert check_file(str(path), layer="roads")[0][0].layer == "roads"
    assert isinstance(document, dict)


def test_check_file_that_cannot_be_opened(tmp_path: Path) -> None:
    missing = tmp_path / "missing.geojson"
    with pytest.raises(DataSourceError, match="missing.geojson"):
        check_file(missing)
    with pytest.raises(DataSourceError, match=re.escape(str(tmp_path))):
        check_file(tmp_path)


# --------------------------------------------------------------------------------------
# the fast screen is sound: when it calls a document clean, the full checker agrees
# --------------------------------------------------------------------------------------

def test_screen_accepts_a_typical_clean_layer() -> None:
    doc = fc(*(feature({"type": t, "coordinates": c}, {"k": n}, id=n)
               for n, (t, c) in enumerate([("Point", [106.5, 21]), ("LineString", LINE),
                                           ("Polygon", [SQUARE, HOLE]),
                                           ("MultiPolygon", [[SQUARE]]),
                                           ("MultiLineString", [LINE, LINE]),
                                           ("MultiPoint", [[106.5, 21, 3.0]])])),
             bbox=[106.5, 21.0, 106.6, 21.1])
    assert structure._screen(doc)
    assert check_bytes(orjson.dumps(doc)) == ([], doc)


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


@_FUZZ
@given(data=st.data())
def test_screen_is_sound_on_mutated_geojson(data: st.DataObject) -> None:
    doc = data.draw(st.one_of(_collections, _features, _geometry))
    for _ in range(data.draw(st.integers(0, 3))):
        doc = _mutate(data, doc)
    found = structure._Checker().run(doc)
    if structure._screen(doc):
        assert found == [], [(f.rule, f.message) for f in found]
    # the slow path (orjson refuses NaN) must find the same GeoJSON problems, same lines
    if isinstance(doc, dict):
        text = json.dumps(doc, indent=1)
        fast, _ = check_bytes(text.encode())
        slow_text = json.dumps({**doc, "zz": math.nan}, indent=1)
        slow, _ = check_bytes(slow_text.encode())
        assert_well_formed(fast)
        assert [(i.rule, i.line, i.feature) for i in slow if i.rule != "non-finite-number"] \
            == [(i.rule, i.line, i.feature) for i in fast]


# --------------------------------------------------------------------------------------
# fuzz: no input makes check_bytes raise
# --------------------------------------------------------------------------------------

@_FUZZ
@given(st.binary(max_size=400))
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    issues, document = check_bytes(data)
    assert_well_formed(issues)
    if document is None:
        assert any(i.severity == "error" for i in issues)


_json_ish = st.text(alphabet='{}[],:" \n\t0123456789.eE+-truefalsnNaIiy\\u/abcdxTypePoint',
                    max_size=200)


@_FUZZ
@given(_json_ish)
def test_fuzz_json_ish_text(text: str) -> None:
    issues, document = check_bytes(text.encode())
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


def test_projected_coordinates_pass_when_the_crs_is_given() -> None:
    from kimson_geo.validation.structure import check_bytes

    doc = b'{"type": "LineString", "coordinates": [[372000.5, 2331000.25], [372100, 2331000]]}'
    issues, parsed = check_bytes(doc)
    assert [i.rule for i in issues] == ["position-range"]
    issues, parsed = check_bytes(doc, wgs84=False)
    assert issues == [] and parsed is not None
    # other problems are still found
    short = b'{"type": "LineString", "coordinates": [[372000.5, 2331000.25]]}'
    assert [i.rule for i in check_bytes(short, wgs84=False)[0]] == ["linestring-too-short"]


# --------------------------------------------------------------------------------------
# large FeatureCollections checked in chunks (open_feature_chunks)
# --------------------------------------------------------------------------------------

#: strings that a byte scanner splitting at "},{" must not cut inside
TRICKY = ['a},{"b"', "}, {", '\\"},{\\"', 'Đường "số 1", {nhánh} [A]', "x\\", "},\n{",
          "ngõ 5}", "{", "Khu phố Kim Sơn", "\u2028 ,:{}[]", "\"},{\"type\":\"Feature\""]


def road(i: int, **props: object) -> dict[str, object]:
    """A clean road Feature with tricky text; ``props`` override its properties."""
    x = 106.50 + (i % 50) * 0.001
    y = 21.00 + (i // 50) * 0.001
    base: dict[str, object] = {"id": f"r{i}", "name": TRICKY[i % len(TRICKY)],
                               "kind": "alley", "width_m": 2.5 + i % 3, "dead_end": i % 2 == 0}
    base.update(props)
    return {"type": "Feature", "properties": base,
            "geometry": {"type": "LineString", "coordinates": [[x, y], [x + 0.0005, y]]}}


def collection_bytes(features: list[Any], layout: str = "lines", **members: Any) -> bytes:
    """A FeatureCollection as bytes: one feature a line (as benchmarks.synth and GDAL
    write), compact, or indented."""
    root = {"type": "FeatureCollection", **members}
    if layout == "compact":
        return orjson.dumps({**root, "features": features})
    if layout == "indent":
        return json.dumps({**root, "features": features}, indent=2,
                          ensure_ascii=False).encode()
    head = json.dumps(root, ensure_ascii=False)[:-1] + ', "features": [\n'
    body = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":"))
                      for f in features)
    return (head + body + "\n]}\n").encode()


def chunked(path: Path, per_chunk: int = 7, wgs84: bool = True
            ) -> tuple[structure.FeatureChunks, list[Any]]:
    """Iterate a file's chunks; the chunks object and every feature yielded."""
    chunks = structure.open_feature_chunks(path, wgs84=wgs84, chunk_features=per_chunk)
    assert chunks is not None
    features: list[Any] = []
    with chunks:
        for part in chunks:
            features.extend(part)
    return chunks, features


@pytest.mark.parametrize("layout", ["lines", "compact", "indent"])
def test_chunks_hold_the_whole_documents_features(tmp_path: Path, layout: str) -> None:
    features = [road(i) for i in range(60)]
    path = tmp_path / "roads.geojson"
    path.write_bytes(collection_bytes(features, layout, name="đường"))
    chunks, found = chunked(path)
    whole = orjson.loads(path.read_bytes())
    assert found == whole["features"]
    assert chunks.clean is True and chunks.features == 60
    assert len(chunks.chunks) >= 5 and sum(chunks.chunks) == 60
    assert chunks.collection == {"type": "FeatureCollection", "name": "đường", "features": []}
    assert check_file(path) == ([], whole)


def test_chunks_of_even_features_are_exact(tmp_path: Path) -> None:
    features = [road(i, name="Ngõ", id=f"r{i:03d}", width_m=2.5, dead_end=True)
                for i in range(7 * 5 + 3)]
    for f in features:  # every feature the same number of bytes
        f["geometry"]["coordinates"] = [[106.5, 21.0], [106.5005, 21.0]]  # type: ignore[index]
    path = tmp_path / "roads.geojson"
    path.write_bytes(collection_bytes(features))
    chunks, _ = chunked(path)
    assert chunks.chunks == [7, 7, 7, 7, 7, 3]


def test_a_boundary_inside_a_string_is_not_a_cut(tmp_path: Path) -> None:
    # the 7th feature's name holds "},{": the 7th candidate boundary from the start
    features = [road(i, name="plain") for i in range(30)]
    features[6]["properties"]["name"] = '},{"type":"Feature"}, {'  # type: ignore[index]
    path = tmp_path / "roads.geojson"
    path.write_bytes(collection_bytes(features, "compact"))
    chunks, found = chunked(path)
    assert chunks.clean is True and found == features
    assert chunks.chunks[0] == 7


def test_bom_and_blank_lines_around_the_collection(tmp_path: Path) -> None:
    features = [road(i) for i in range(20)]
    path = tmp_path / "roads.geojson"
    text = collection_bytes(features).replace(b'"features": [\n', b'"features"\n :\t[ \n\n')
    path.write_bytes(b"\xef\xbb\xbf\n  " + text + b"\n\n")
    chunks, found = chunked(path, 4)
    assert chunks.clean is True and found == features


def test_files_not_worth_or_not_fit_for_chunks(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    few = [road(i, name="Ngõ 1") for i in range(7)]
    path.write_bytes(collection_bytes(few))
    assert structure.open_feature_chunks(path, chunk_features=7) is None  # one chunk
    many = [road(i) for i in range(30)]
    for doc in (
        {"type": "Feature", "properties": {}, "geometry": None},       # not a collection
        {"type": "FeatureCollection",                                   # a warning outside
         "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}, "features": many},
        {"type": "FeatureCollection", "bbox": [1, 2], "features": many},  # bad bbox
        {"type": "FeatureCollection", "properties": {}, "features": many},  # forbidden
        {"type": "FeatureCollection", "features": many, "bbox": [1, 2, 3, 4]},  # not last
        {"type": "FeatureCollection", "features": many + [[1, 2]]},     # not a feature
    ):
        path.write_bytes(orjson.dumps(doc))
        assert structure.open_feature_chunks(path, chunk_features=7) is None, doc
    path.write_bytes(b'{"type": "FeatureCollection", "features": []}')
    assert structure.open_feature_chunks(path, chunk_features=1) is None
    path.write_bytes(b"")
    assert structure.open_feature_chunks(path, chunk_features=1) is None
    assert structure.open_feature_chunks(tmp_path / "missing.geojson") is None
    # "features" named through an escape is not followed: checked whole
    path.write_bytes(collection_bytes(many).replace(b'"features"', b'"feat\\u0075res"'))
    assert structure.open_feature_chunks(path, chunk_features=7) is None


def _same_issues(a: list[Issue], b: list[Issue]) -> None:
    def key(i: Issue) -> tuple[Any, ...]:
        return (i.rule, i.severity, i.message, i.layer, i.feature, i.feature_id, i.line,
                i.location)

    assert [key(i) for i in a] == [key(i) for i in b]


def _validate_both(path: Path, monkeypatch: pytest.MonkeyPatch, layer: str | None = "roads",
                   **kwargs: Any) -> tuple[Any, Any, list[structure.FeatureChunks]]:
    """validate() with chunks of 7 features and whole, and the chunk readers it opened."""
    import kimson_geo

    opened: list[structure.FeatureChunks] = []
    real = structure.open_feature_chunks

    def spy(*args: Any, **kw: Any) -> structure.FeatureChunks | None:
        found = real(*args, **kw)
        if found is not None:
            opened.append(found)
        return found

    import kimson_geo.validation as validation

    rules = validation._check_rules
    frames: list[dict[str, Any]] = []

    def keep_frames(inv: Any, **kw: Any) -> list[Issue]:
        frames.append(dict(inv.layers))
        return rules(inv, **kw)

    monkeypatch.setattr(structure, "open_feature_chunks", spy)
    monkeypatch.setattr(validation, "_check_rules", keep_frames)
    monkeypatch.setattr(structure, "CHUNK_FEATURES", 7)
    chunked_report = kimson_geo.validate(path, layer=layer, **kwargs)
    chunked_report.layer_frames = frames.pop() if frames else {}
    monkeypatch.setattr(structure, "CHUNK_FEATURES", 10**9)
    whole_report = kimson_geo.validate(path, layer=layer, **kwargs)
    whole_report.layer_frames = frames.pop() if frames else {}
    return chunked_report, whole_report, opened


@pytest.mark.parametrize("damage", [
    ("unknown-type", b'"type":"LineString"', b'"type":"Linestring"'),
    ("position-range", b"[106.5", b"[196.5"),
    ("right-hand-rule", None, None),
])
def test_a_problem_in_the_third_chunk_gives_the_whole_files_issues(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: tuple[Any, ...]) -> None:
    rule, old, new = damage
    features = [road(i) for i in range(60)]
    path = tmp_path / "roads.geojson"
    path.write_bytes(collection_bytes(features))
    clean, _ = chunked(path)
    first_of_third = clean.chunks[0] + clean.chunks[1]
    target = first_of_third + 2
    if rule == "right-hand-rule":  # a clockwise square: a warning only, found in chunk 3
        ring = [[106.5, 21.0], [106.5, 21.001], [106.501, 21.001], [106.501, 21.0],
                [106.5, 21.0]]
        features[target]["geometry"] = {"type": "Polygon", "coordinates": [ring]}
        path.write_bytes(collection_bytes(features))
    else:
        lines = path.read_bytes().split(b"\n")
        lines[1 + target] = lines[1 + target].replace(old, new, 1)  # same length
        path.write_bytes(b"\n".join(lines))
    chunks = structure.open_feature_chunks(path, chunk_features=7)
    assert chunks is not None
    with chunks, pytest.raises(structure.ChunkFallback):
        for _ in chunks:
            pass
    assert chunks.clean is False and len(chunks.chunks) == 2  # stopped at the third
    issues, _ = check_file(path, layer="roads")
    assert [i.rule for i in issues] == [rule] and issues[0].feature == target
    assert issues[0].line == target + 2
    with_chunks, whole, opened = _validate_both(path, monkeypatch)
    assert opened and opened[0].clean is False
    _same_issues(with_chunks.issues, whole.issues)
    assert any(i.rule == rule and i.line == target + 2 for i in with_chunks.issues)


def test_duplicate_members_in_a_later_chunk_are_found(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    features = [road(i) for i in range(60)]
    path = tmp_path / "roads.geojson"
    text = collection_bytes(features)
    lines = text.split(b"\n")
    lines[1 + 40] = lines[1 + 40].replace(b'"kind":', b'"name":', 1)  # name twice
    path.write_bytes(b"\n".join(lines))
    chunks = structure.open_feature_chunks(path, chunk_features=7)
    assert chunks is not None
    with chunks, pytest.raises(structure.ChunkFallback):
        for _ in chunks:
            pass
    assert len(chunks.chunks) >= 4  # the first chunks were clean
    with_chunks, whole, opened = _validate_both(path, monkeypatch)
    assert opened and opened[0].clean is False
    _same_issues(with_chunks.issues, whole.issues)
    dups = [i for i in with_chunks.issues if i.rule == "duplicate-member"]
    assert len(dups) == 1 and dups[0].feature == 40 and dups[0].line == 42


def test_an_escaped_colon_or_members_after_the_features_go_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    features = [road(i) for i in range(40)]
    features[30]["properties"]["name"] = "a:b"  # type: ignore[index]
    path = tmp_path / "roads.geojson"
    path.write_bytes(collection_bytes(features).replace(b'"a:b"', b'"a\\u003ab"'))
    with_chunks, whole, opened = _validate_both(path, monkeypatch)
    assert opened and opened[0].clean is False  # \u003a defeats the colon count
    assert not [i for i in whole.issues if i.rule in STRUCTURE_RULES]
    _same_issues(with_chunks.issues, whole.issues)
    assert_frames_identical(with_chunks, whole)
    for extra in (b', "bbox": [106.5, 21.0, 106.6, 21.1]}',
                  b', "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}}',
                  b', "x": [{"a": 1},{"b": 2}]}'):
        path.write_bytes(collection_bytes(features).rstrip()[:-1] + extra)
        with_chunks, whole, opened = _validate_both(path, monkeypatch)
        _same_issues(with_chunks.issues, whole.issues)
        assert_frames_identical(with_chunks, whole)


def assert_frames_identical(a: Any, b: Any) -> None:
    """The same layers, column by column (dtypes, values, value types), in two reports."""
    import pandas as pd
    import shapely

    assert a.layers == b.layers
    for name in a.layers:
        fa, fb = a.layer_frames[name], b.layer_frames[name]
        pd.testing.assert_frame_equal(fa.drop(columns="geometry"), fb.drop(columns="geometry"),
                                      check_exact=True)
        for column in fa.columns.drop("geometry"):
            assert fa[column].dtype == fb[column].dtype
            if fa[column].dtype == object:
                assert list(map(type, fa[column])) == list(map(type, fb[column])), column
        ga, gb = fa.geometry.to_numpy(), fb.geometry.to_numpy()
        assert (shapely.equals_exact(ga, gb, 0) | (shapely.is_missing(ga)
                                                   & shapely.is_missing(gb))).all()
        assert fa.attrs == fb.attrs


_tricky_text = st.lists(st.sampled_from(list('{}[],:"\\ \n/aĐườngố\u2028') + ["},{", '"},{"']),
                        max_size=12).map("".join)


@_FUZZ
@given(names=st.lists(_tricky_text, min_size=8, max_size=40),
       layout=st.sampled_from(["lines", "compact", "indent"]),
       per_chunk=st.integers(1, 6))
def test_fuzz_chunks_never_change_the_features(tmp_path_factory: pytest.TempPathFactory,
                                               names: list[str], layout: str,
                                               per_chunk: int) -> None:
    features = [road(i, name=name) for i, name in enumerate(names)]
    path = tmp_path_factory.mktemp("fuzz") / "roads.geojson"
    path.write_bytes(collection_bytes(features, layout))
    chunks = structure.open_feature_chunks(path, chunk_features=per_chunk)
    if chunks is None:  # too many "},{" in the text for one chunk's candidates
        return
    found: list[Any] = []
    with chunks:
        try:
            for part in chunks:
                found.extend(part)
        except structure.ChunkFallback:
            assert chunks.clean is False
            return
    assert chunks.clean is True
    assert found == features


def test_a_synthetic_inventory_validates_the_same_in_chunks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every layer of a seeded inventory: the same issues and frames, chunked or whole."""
    import kimson_geo
    from benchmarks.synth import generate

    manifest = generate(tmp_path / "inv", roads=600, drainage=120, points=90, polygons=30,
                        seed=3, defect_rate=0.02, formats=("geojson",))
    folder = manifest.layer_path("roads").parent
    with_chunks, whole, opened = _validate_both(folder, monkeypatch, layer=None)
    assert len(opened) >= 5 and all(c.clean for c in opened)
    _same_issues(with_chunks.issues, whole.issues)
    assert_frames_identical(with_chunks, whole)
    assert with_chunks.claims == whole.claims
    assert {i.rule for i in with_chunks.issues} >= {"field-type", "text-nfc", "unique-id"}
    assert kimson_geo.validate(folder).issues == whole.issues  # the default chunk size


def test_projected_coordinates_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    features = [road(i) for i in range(30)]
    for i, f in enumerate(features):  # VN-2000 metres
        x = 372000.0 + 10 * i
        f["geometry"]["coordinates"] = [[x, 2331000.0], [x + 8, 2331000.0]]  # type: ignore[index]
    path = tmp_path / "roads.geojson"
    path.write_bytes(collection_bytes(features))
    with_chunks, whole, opened = _validate_both(path, monkeypatch, src_crs="EPSG:5899")
    assert opened and opened[0].clean is True
    _same_issues(with_chunks.issues, whole.issues)
    assert_frames_identical(with_chunks, whole)
    chunks = structure.open_feature_chunks(path, chunk_features=7)  # WGS 84: out of range
    assert chunks is not None
    with chunks, pytest.raises(structure.ChunkFallback, match="chunk 1 "):
        next(iter(chunks))
    assert chunks.clean is False
