"""Checks on the bundled inventory in ``data/`` (built by ``scripts/build_data.py``).

The rules every inventory must keep are :func:`kimson_geo.validate`'s: the bundled data
gives no issue at all, and a broken copy of it gives the rule each breakage breaks.  What
the validator does not check is checked here: every layer is there with the counts the
article gives, every feature is marked schematic, coordinates have 7 decimals, roads and
ditches cross only at shared nodes, ``dead_end`` is set only on a dangling segment,
outfalls lie on the ward edge, the article's facts, and the builder is deterministic.
Each of these checks too is shown to fail on a broken copy.  No network.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, shape

import kimson_geo
from kimson_geo.registry import LAYER_NAMES, METRIC_CRS, WGS84, iter_layers, layer_spec

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SCRIPT = ROOT / "scripts" / "build_data.py"

Layers = dict[str, dict[str, Any]]

ROADS = layer_spec("roads")
DRAINAGE = layer_spec("drainage")
KHU = layer_spec("khu")
BOUNDARY = layer_spec("boundary")
HOUSES = layer_spec("cultural_houses")

_TO_METRIC = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)


def _to_metric(coords: np.ndarray) -> np.ndarray:
    x, y = _TO_METRIC.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def metric(geom: Any) -> Any:
    """A WGS 84 geometry in the metric CRS of the registry."""
    return shapely.transform(geom, _to_metric)


def _features(layers: Layers, name: str) -> list[dict[str, Any]]:
    return layers[name]["features"]


def _ends(feature: dict[str, Any]) -> tuple[tuple[float, float], tuple[float, float]]:
    coords = feature["geometry"]["coordinates"]
    return tuple(coords[0]), tuple(coords[-1])  # type: ignore[return-value]


@pytest.fixture(scope="module")
def raw_layers() -> Layers:
    layers: Layers = {}
    for spec in iter_layers():
        path = DATA / spec.file_name
        if path.exists():
            layers[spec.name] = json.loads(path.read_text(encoding="utf-8"))
    return layers


def _write(layers: Layers, folder: Path) -> Path:
    folder.mkdir()
    for name, fc in layers.items():
        (folder / layer_spec(name).file_name).write_text(
            json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return folder


# ------------------------------------------------------------------ the validator


def test_bundled_data_validates_without_any_issue() -> None:
    report = kimson_geo.validate(DATA)
    assert [(i.rule, i.layer, i.feature_id, i.message) for i in report.issues] == []
    assert report.layers == list(LAYER_NAMES) and not report.unreadable


# ------------------------------------------------- what the validator does not check


def check_counts(layers: Layers) -> list[str]:
    problems = [f"no file for layer {n}" for n in LAYER_NAMES if n not in layers]
    problems += [f"{name}: no features" for name, fc in layers.items() if not fc.get("features")]
    if BOUNDARY.name in layers and len(_features(layers, BOUNDARY.name)) != 1:
        problems.append("the boundary is not one feature")
    if KHU.name in layers and len(_features(layers, KHU.name)) != 5:
        problems.append("not 5 khu (the article: 5/5 khu)")
    if ROADS.name in layers:
        roads = _features(layers, ROADS.name)
        if len(roads) < 40:
            problems.append(f"only {len(roads)} road segments")
        missing = set(ROADS.field("kind").codes or {}) - {f["properties"]["kind"] for f in roads}
        if missing:
            problems.append(f"road kinds missing: {sorted(missing)}")
    return problems


def check_schematic(layers: Layers) -> list[str]:
    return [f"{name} {f['properties'].get('id')!r}: position is not schematic"
            for name, fc in layers.items() for f in fc["features"]
            if f["properties"].get("position") != "schematic"]


def check_decimals(layers: Layers) -> list[str]:
    problems = []
    for name, fc in layers.items():
        for f in fc["features"]:
            values = np.asarray(shapely.get_coordinates(shape(f["geometry"])))
            if not np.array_equal(values, np.round(values, 7)):
                problems.append(f"{name} {f['properties']['id']}: more than 7 decimals")
    return problems


def check_dead_end_flags(layers: Layers) -> list[str]:
    # the validator reports a dangling end not marked dead_end; here, the converse
    roads = _features(layers, ROADS.name)
    ends = [e for f in roads for e in _ends(f)]
    return [f"{f['properties']['id']}: dead_end but both ends meet a road" for f in roads
            if f["properties"].get("dead_end") and all(ends.count(e) > 1 for e in _ends(f))]


def check_crossings(layers: Layers) -> list[str]:
    # the validator reports a road end meeting another road mid-segment, not an X crossing
    problems = []
    for name in (ROADS.name, DRAINAGE.name):
        feats = _features(layers, name)
        lines = [shape(f["geometry"]) for f in feats]
        tree = shapely.STRtree(lines)
        for i, j in zip(*tree.query(lines, predicate="intersects"), strict=True):
            if i >= j:
                continue
            shared = set(_ends(feats[i])) & set(_ends(feats[j]))
            hit = lines[i].intersection(lines[j])
            points = set(map(tuple, shapely.get_coordinates(hit)))
            if hit.geom_type not in ("Point", "MultiPoint") or not points <= shared:
                problems.append(f"{feats[i]['properties']['id']} and "
                                f"{feats[j]['properties']['id']} cross without a shared node")
    return problems


def check_outfalls(layers: Layers) -> list[str]:
    edge = metric(shape(_features(layers, BOUNDARY.name)[0]["geometry"])).exterior
    return [f"{f['properties']['id']}: outfall not at the ward edge"
            for f in _features(layers, DRAINAGE.name) if f["properties"].get("outfall")
            and edge.distance(metric(Point(_ends(f)[1]))) > 1.0]


def check_article_facts(layers: Layers) -> list[str]:
    problems = []
    [ward] = _features(layers, BOUNDARY.name)
    p = ward["properties"]
    if not (p.get("gso_code") == "07123" and p.get("cultural_family_pct") == 96.45
            and p.get("cultural_agency") is True):
        problems.append("boundary: article/GSO facts wrong")
    for f in _features(layers, KHU.name):
        q = f["properties"]
        if not (q.get("cultural_neighbourhood") and q.get("civilized_urban")):
            problems.append(f"{q['id']}: cultural/civilized flags not true")
        if q.get("households") is not None or q.get("cultural_households") is not None:
            problems.append(f"{q['id']}: household numbers are not known; must be null")
        if not q["name_known"] and "chưa xác định" not in q["name"]:
            problems.append(f"{q['id']}: placeholder name does not say so")
    kim_thanh = [f["properties"] for f in _features(layers, HOUSES.name)
                 if f["properties"].get("khu") == "khu-kim-thanh"]
    if not (len(kim_thanh) == 1 and kim_thanh[0].get("built_year") == 2017
            and (kim_thanh[0].get("cost_vnd_over") or 0) >= 1_500_000_000):
        problems.append("Kim Thành cultural house: year or cost wrong")
    ward_house = [f["properties"] for f in _features(layers, HOUSES.name)
                  if f["properties"]["kind"] == "ward"]
    if not (ward_house and ward_house[0].get("meets_standard") is True):
        problems.append("ward cultural house does not meet the standard")
    return problems


CHECKS: dict[str, Callable[[Layers], list[str]]] = {
    "counts": check_counts,
    "schematic": check_schematic,
    "decimals": check_decimals,
    "dead-end-flags": check_dead_end_flags,
    "crossings": check_crossings,
    "outfalls": check_outfalls,
    "article-facts": check_article_facts,
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_bundled_data_passes(raw_layers: Layers, check: str) -> None:
    assert CHECKS[check](raw_layers) == []


# --------------------------------------------------------------------- broken copies


def _feature(layers: Layers, layer: str, fid: str) -> dict[str, Any]:
    return next(f for f in layers[layer]["features"] if f["properties"]["id"] == fid)


def _shift(coord: list[float], dlon: float = 0.0, dlat: float = 0.0) -> None:
    coord[0] = round(coord[0] + dlon, 7)
    coord[1] = round(coord[1] + dlat, 7)


def _first_dead_end(layers: Layers) -> dict[str, Any]:
    return next(f for f in layers["roads"]["features"] if f["properties"]["dead_end"])


def _break_missing_file(x: Layers) -> None:
    del x["wharves"]


def _break_crs(x: Layers) -> None:
    x["roads"]["crs"] = {"type": "name", "properties": {"name": "EPSG:4326"}}


def _break_unknown_field(x: Layers) -> None:
    x["roads"]["features"][0]["properties"]["lanes"] = 2


def _break_required(x: Layers) -> None:
    x["khu"]["features"][0]["properties"]["source"] = None


def _break_code(x: Layers) -> None:
    x["roads"]["features"][0]["properties"]["surface"] = "cobbles"


def _break_range(x: Layers) -> None:
    x["boundary"]["features"][0]["properties"]["cultural_family_pct"] = 120.0


def _break_type(x: Layers) -> None:
    x["roads"]["features"][0]["properties"]["width_m"] = "5,5"


def _break_duplicate_id(x: Layers) -> None:
    feats = x["drainage"]["features"]
    feats[1]["properties"]["id"] = feats[0]["properties"]["id"]


def _break_nfc(x: Layers) -> None:
    f = x["khu"]["features"][0]["properties"]
    f["name"] = unicodedata.normalize("NFD", f["name"])


def _break_clockwise(x: Layers) -> None:
    ring = x["projects"]["features"][0]["geometry"]["coordinates"][0]
    ring.reverse()


def _break_decimals(x: Layers) -> None:
    x["wharves"]["features"][0]["geometry"]["coordinates"][0] += 1.23e-9


def _break_tiling_gap(x: Layers) -> None:
    # move the inner triple point C of one khu only: a gap opens next to the others
    ring = _feature(x, "khu", "khu-4")["geometry"]["coordinates"][0]
    inner = max(range(1, len(ring) - 1), key=lambda i: ring[i][1])  # the northernmost vertex
    _shift(ring[inner], dlat=-0.0005)


def _break_too_few_roads(x: Layers) -> None:
    x["roads"]["features"] = x["roads"]["features"][:30]


def _break_road_kind(x: Layers) -> None:
    for f in x["roads"]["features"]:
        if f["properties"]["kind"] == "alley":
            f["properties"]["kind"] = "inter_group"
            f["properties"]["surface"] = "concrete"


def _break_disconnected(x: Layers) -> None:
    # detach an alley (a dead end already) from its junction: a second component appears
    f = next(f for f in x["roads"]["features"] if f["properties"]["kind"] == "alley")
    _shift(f["geometry"]["coordinates"][0], dlon=0.0001)


def _break_dead_end_flag(x: Layers) -> None:
    _first_dead_end(x)["properties"]["dead_end"] = False


def _break_main_width(x: Layers) -> None:
    f = next(f for f in x["roads"]["features"] if f["properties"]["kind"] == "main")
    f["properties"]["width_m"] = 4.0


def _break_concrete(x: Layers) -> None:
    f = next(f for f in x["roads"]["features"] if f["properties"]["kind"] == "inter_group")
    f["properties"]["surface"] = "earth"


def _break_crossing(x: Layers) -> None:
    roads = x["roads"]["features"]
    a = next(f for f in roads if f["properties"]["kind"] == "main")
    (x0, y0), (x1, y1) = a["geometry"]["coordinates"][0], a["geometry"]["coordinates"][-1]
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    roads.append({"type": "Feature", "properties": dict(a["properties"], id="road-x"),
                  "geometry": {"type": "LineString",
                               "coordinates": [[round(mx - (y1 - y0) / 4, 7),
                                                round(my + (x1 - x0) / 4, 7)],
                                               [round(mx + (y1 - y0) / 4, 7),
                                                round(my - (x1 - x0) / 4, 7)]]}})


def _break_house_khu(x: Layers) -> None:
    _feature(x, "cultural_houses", "nvh-kim-thanh")["properties"]["khu"] = "khu-gia-mo"


def _break_house_missing(x: Layers) -> None:
    x["sports_areas"]["features"] = [f for f in x["sports_areas"]["features"]
                                     if f["properties"].get("khu") != "khu-5"]


def _break_outfall(x: Layers) -> None:
    for f in x["drainage"]["features"]:
        f["properties"]["outfall"] = False


def _break_outside(x: Layers) -> None:
    _shift(x["enterprises"]["features"][0]["geometry"]["coordinates"], dlon=0.05)


def _break_households(x: Layers) -> None:
    x["khu"]["features"][2]["properties"]["households"] = 250


def _break_schematic(x: Layers) -> None:
    x["wharves"]["features"][1]["properties"]["position"] = "surveyed"


def _break_false_dead_end(x: Layers) -> None:
    ends = [e for f in x["roads"]["features"] for e in _ends(f)]
    f = next(f for f in x["roads"]["features"]
             if all(ends.count(e) > 1 for e in _ends(f)))
    f["properties"]["dead_end"] = True


def _break_outfall_inland(x: Layers) -> None:
    f = next(f for f in x["drainage"]["features"] if f["properties"]["outfall"])
    end = f["geometry"]["coordinates"][-1]
    before = f["geometry"]["coordinates"][-2]
    end[:] = [round((end[0] + before[0]) / 2, 7), round((end[1] + before[1]) / 2, 7)]


#: breakages the validator must report, with the rule that reports each
VALIDATOR_BROKEN: list[tuple[str, Callable[[Layers], None]]] = [
    ("crs-member", _break_crs),
    ("unknown-field", _break_unknown_field),
    ("required-field", _break_required),
    ("unknown-code", _break_code),
    ("value-range", _break_range),
    ("field-type", _break_type),
    ("unique-id", _break_duplicate_id),
    ("text-nfc", _break_nfc),
    ("right-hand-rule", _break_clockwise),
    ("khu-gap", _break_tiling_gap),
    ("road-isolated", _break_disconnected),
    ("road-dangle", _break_dead_end_flag),
    ("main-road-width", _break_main_width),
    ("road-not-concrete", _break_concrete),
    ("service-outside-khu", _break_house_khu),
    ("khu-has-sports-area", _break_house_missing),
    ("drainage-no-outfall", _break_outfall),
    ("outside-ward", _break_outside),
]


@pytest.mark.parametrize(("rule", "breaker"), VALIDATOR_BROKEN,
                         ids=[b.__name__ for _, b in VALIDATOR_BROKEN])
def test_broken_copy_is_reported_by_the_validator(raw_layers: Layers, tmp_path: Path,
                                                   rule: str,
                                                   breaker: Callable[[Layers], None]) -> None:
    broken = copy.deepcopy(raw_layers)
    breaker(broken)
    report = kimson_geo.validate(_write(broken, tmp_path / "broken"))
    assert rule in {i.rule for i in report.issues}, (
        breaker.__name__, sorted({i.rule for i in report.issues}))


BROKEN: list[tuple[str, Callable[[Layers], None]]] = [
    ("counts", _break_missing_file),
    ("counts", _break_too_few_roads),
    ("counts", _break_road_kind),
    ("schematic", _break_schematic),
    ("decimals", _break_decimals),
    ("dead-end-flags", _break_false_dead_end),
    ("crossings", _break_crossing),
    ("outfalls", _break_outfall_inland),
    ("article-facts", _break_households),
]


@pytest.mark.parametrize(("check", "breaker"), BROKEN, ids=[b.__name__ for _, b in BROKEN])
def test_broken_copy_fails(raw_layers: Layers, check: str,
                           breaker: Callable[[Layers], None]) -> None:
    broken = copy.deepcopy(raw_layers)
    breaker(broken)
    assert CHECKS[check](broken), f"{check} did not notice {breaker.__name__}"


def test_every_check_has_a_broken_copy() -> None:
    assert {check for check, _ in BROKEN} == set(CHECKS)


# ---------------------------------------------------------------------- determinism


def _load_script() -> Any:
    spec = importlib.util.spec_from_file_location("kimson_build_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return module


def test_build_is_deterministic_and_matches_bundled(tmp_path: Path) -> None:
    module = _load_script()
    module.build(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    expected = sorted([layer_spec(n).file_name for n in LAYER_NAMES] + ["README.md"])
    assert written == expected
    for name in written:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), (
            f"{name} differs from data/: rerun .venv/bin/python scripts/build_data.py")


def test_roads_metric_lengths_are_plausible(raw_layers: Layers) -> None:
    total = sum(metric(shape(f["geometry"])).length for f in _features(raw_layers, ROADS.name))
    ward = metric(shape(_features(raw_layers, BOUNDARY.name)[0]["geometry"])).area
    assert 1e6 < ward < 1e7  # a few km²
    assert 10_000 < total < 40_000
    assert math.isfinite(total)
