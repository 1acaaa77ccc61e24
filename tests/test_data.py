"""Checks on the bundled inventory in ``data/`` (built by ``scripts/build_data.py``).

Each check is a function that takes the parsed layers and returns a list of problems; the
bundled data must give none, and a broken copy of it must give at least one, so every check
is shown to be able to fail.  No network: everything is read from the repository.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, shape

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
SPORTS = layer_spec("sports_areas")

_TO_METRIC = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)


def _to_metric(coords: np.ndarray) -> np.ndarray:
    x, y = _TO_METRIC.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def metric(geom: Any) -> Any:
    """A WGS 84 geometry in the metric CRS of the registry."""
    return shapely.transform(geom, _to_metric)


def _features(layers: Layers, name: str) -> list[dict[str, Any]]:
    return layers[name]["features"]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _ends(feature: dict[str, Any]) -> tuple[tuple[float, float], tuple[float, float]]:
    coords = feature["geometry"]["coordinates"]
    return tuple(coords[0]), tuple(coords[-1])  # type: ignore[return-value]


def _components(features: list[dict[str, Any]]) -> list[set[int]]:
    parent = list(range(len(features)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[float, float], int] = {}
    for i, f in enumerate(features):
        for end in _ends(f):
            if end in owner:
                parent[find(i)] = find(owner[end])
            else:
                owner[end] = i
    groups: dict[int, set[int]] = defaultdict(set)
    for i in range(len(features)):
        groups[find(i)].add(i)
    return list(groups.values())


@pytest.fixture(scope="module")
def raw_layers() -> Layers:
    layers: Layers = {}
    for spec in iter_layers():
        path = DATA / spec.file_name
        if path.exists():
            layers[spec.name] = json.loads(path.read_text(encoding="utf-8"))
    return layers


# ---------------------------------------------------------------------------- checks


def check_files(layers: Layers) -> list[str]:
    problems = [f"no file for layer {n}" for n in LAYER_NAMES if n not in layers]
    for name, fc in layers.items():
        if fc.get("type") != "FeatureCollection":
            problems.append(f"{name}: not a FeatureCollection")
        if "crs" in fc:
            problems.append(f"{name}: has a crs member (RFC 7946 forbids it)")
        if not fc.get("features"):
            problems.append(f"{name}: no features")
    return problems


def check_schema(layers: Layers) -> list[str]:
    problems = []
    types: dict[str, Callable[[Any], bool]] = {
        "str": lambda v: isinstance(v, str),
        "bool": lambda v: isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    }
    for name, fc in layers.items():
        spec = layer_spec(name)
        for i, f in enumerate(fc["features"]):
            p = f.get("properties") or {}
            where = f"{name}[{i}] {p.get('id')!r}"
            if f["geometry"]["type"] not in spec.geometry_types:
                problems.append(f"{where}: geometry {f['geometry']['type']}")
            extra = set(p) - set(spec.field_names)
            if extra:
                problems.append(f"{where}: fields not in the registry {sorted(extra)}")
            for field in spec.fields:
                value = p.get(field.name)
                if value is None:
                    if field.required:
                        problems.append(f"{where}: required {field.name} missing")
                    continue
                if not types[field.type](value):
                    problems.append(f"{where}: {field.name} {value!r} is not {field.type}")
                    continue
                if field.codes is not None and value not in field.codes:
                    problems.append(f"{where}: {field.name} {value!r} not a registry code")
                if field.range is not None and not field.range[0] <= value <= field.range[1]:
                    problems.append(f"{where}: {field.name} {value!r} outside {field.range}")
            if p.get("position") != "schematic":
                problems.append(f"{where}: position is not schematic")
    return problems


def check_ids_unique(layers: Layers) -> list[str]:
    problems = []
    for name, fc in layers.items():
        ids = [f["properties"].get("id") for f in fc["features"]]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"{name}: duplicate ids {dupes}")
    return problems


def check_nfc(layers: Layers) -> list[str]:
    return [f"{name}: not NFC: {s!r}" for name, fc in layers.items() for s in _strings(fc)
            if unicodedata.normalize("NFC", s) != s]


def check_geojson_form(layers: Layers) -> list[str]:
    problems = []
    for name, fc in layers.items():
        for f in fc["features"]:
            geom = f["geometry"]
            flat = json.dumps(geom["coordinates"])
            for token in flat.replace("[", " ").replace("]", " ").replace(",", " ").split():
                if "." in token and len(token.split(".")[1]) > 7:
                    problems.append(f"{name} {f['properties']['id']}: more than 7 decimals")
                    break
            if geom["type"] == "Polygon":
                ring = shapely.LinearRing(geom["coordinates"][0])
                if not ring.is_ccw:
                    problems.append(f"{name} {f['properties']['id']}: exterior ring is clockwise")
    return problems


def check_khu_tiling(layers: Layers) -> list[str]:
    problems = []
    boundary = [metric(shape(f["geometry"])) for f in _features(layers, BOUNDARY.name)]
    if len(boundary) != 1:
        return [f"boundary has {len(boundary)} features"]
    khu = {f["properties"]["id"]: metric(shape(f["geometry"]))
           for f in _features(layers, KHU.name)}
    if len(khu) != 5:
        problems.append(f"{len(khu)} khu, expected 5")
    total = sum(k.area for k in khu.values())
    if abs(total - boundary[0].area) >= 1.0:
        problems.append(f"khu areas {total:.2f} m² != boundary {boundary[0].area:.2f} m²")
    ids = sorted(khu)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            over = khu[a].intersection(khu[b]).area
            if over >= 0.01:
                problems.append(f"khu {a} and {b} overlap by {over:.3f} m²")
    union = shapely.union_all(list(khu.values()))
    gap = boundary[0].symmetric_difference(union).area
    if gap >= 1.0:
        problems.append(f"khu union differs from the boundary by {gap:.2f} m²")
    return problems


def check_roads(layers: Layers) -> list[str]:
    problems = []
    roads = _features(layers, ROADS.name)
    if len(roads) < 40:
        problems.append(f"only {len(roads)} road segments")
    kinds = {f["properties"]["kind"] for f in roads}
    missing = set(ROADS.field("kind").codes or {}) - kinds
    if missing:
        problems.append(f"road kinds missing: {sorted(missing)}")
    if len(_components(roads)) != 1:
        problems.append(f"roads form {len(_components(roads))} components")
    count: dict[tuple[float, float], int] = defaultdict(int)
    for f in roads:
        for end in _ends(f):
            count[end] += 1
    for f in roads:
        p = f["properties"]
        dangling = any(count[e] == 1 for e in _ends(f))
        if bool(p.get("dead_end")) != dangling:
            problems.append(f"{p['id']}: dead_end {p.get('dead_end')} but dangling {dangling}")
        if p["kind"] == "main" and not 5.0 <= p["width_m"] <= 6.0:
            problems.append(f"{p['id']}: main road {p['width_m']} m wide")
        if p["kind"] in ("inter_khu", "inter_group") and p["surface"] != "concrete":
            problems.append(f"{p['id']}: {p['kind']} road is {p['surface']}")
        line = metric(shape(f["geometry"]))
        if line.length < 1.0 or not line.is_simple:
            problems.append(f"{p['id']}: shorter than 1 m or self-crossing")
    return problems


def check_road_crossings(layers: Layers) -> list[str]:
    problems = []
    roads = _features(layers, ROADS.name)
    lines = [shape(f["geometry"]) for f in roads]
    tree = shapely.STRtree(lines)
    for i, j in zip(*tree.query(lines, predicate="intersects"), strict=True):
        if i >= j:
            continue
        shared = set(_ends(roads[i])) & set(_ends(roads[j]))
        hit = lines[i].intersection(lines[j])
        points = {(p.x, p.y) for p in getattr(hit, "geoms", [hit])
                  if p.geom_type == "Point"}
        if hit.geom_type not in ("Point", "MultiPoint") or not points <= shared:
            problems.append(f"{roads[i]['properties']['id']} and {roads[j]['properties']['id']} "
                            "cross without a shared node")
    return problems


def check_centres(layers: Layers) -> list[str]:
    problems = []
    khu = {f["properties"]["id"]: metric(shape(f["geometry"]))
           for f in _features(layers, KHU.name)}
    for layer in (HOUSES, SPORTS):
        points = [f for f in _features(layers, layer.name) if f["properties"]["kind"] == "khu"]
        for kid, poly in khu.items():
            inside = [f for f in points if poly.contains(metric(shape(f["geometry"])))]
            if len(inside) != 1:
                problems.append(f"{layer.name}: khu {kid} contains {len(inside)} khu points")
            elif inside[0]["properties"].get("khu") != kid:
                problems.append(f"{layer.name}: {inside[0]['properties']['id']} names "
                                f"{inside[0]['properties'].get('khu')!r}, lies in {kid}")
            if any(not f["properties"].get("in_use") for f in inside):
                problems.append(f"{layer.name}: khu {kid} point not in use")
        wards = [f for f in _features(layers, layer.name) if f["properties"]["kind"] == "ward"]
        if len(wards) != 1:
            problems.append(f"{layer.name}: {len(wards)} ward points")
    return problems


def check_drainage(layers: Layers) -> list[str]:
    problems = []
    drains = _features(layers, DRAINAGE.name)
    boundary = metric(shape(_features(layers, BOUNDARY.name)[0]["geometry"])).exterior
    for comp in _components(drains):
        outfalls = [drains[i] for i in comp if drains[i]["properties"].get("outfall")]
        if not outfalls:
            ids = sorted(drains[i]["properties"]["id"] for i in comp)
            problems.append(f"drainage component {ids[:3]}... has no outfall")
        for f in outfalls:
            end = metric(Point(_ends(f)[1]))
            if boundary.distance(end) > 1.0:
                problems.append(f"{f['properties']['id']}: outfall not at the ward edge")
    return problems


def check_inside_boundary(layers: Layers) -> list[str]:
    boundary = metric(shape(_features(layers, BOUNDARY.name)[0]["geometry"])).buffer(1.0)
    return [f"{name} {f['properties']['id']}: outside the ward boundary"
            for name, fc in layers.items() if name != BOUNDARY.name
            for f in fc["features"] if not boundary.covers(metric(shape(f["geometry"])))]


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
    "files": check_files,
    "schema": check_schema,
    "ids": check_ids_unique,
    "nfc": check_nfc,
    "geojson-form": check_geojson_form,
    "khu-tiling": check_khu_tiling,
    "roads": check_roads,
    "road-crossings": check_road_crossings,
    "centres": check_centres,
    "drainage": check_drainage,
    "inside-boundary": check_inside_boundary,
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


BROKEN: list[tuple[str, Callable[[Layers], None]]] = [
    ("files", _break_missing_file),
    ("files", _break_crs),
    ("schema", _break_unknown_field),
    ("schema", _break_required),
    ("schema", _break_code),
    ("schema", _break_range),
    ("schema", _break_type),
    ("ids", _break_duplicate_id),
    ("nfc", _break_nfc),
    ("geojson-form", _break_clockwise),
    ("geojson-form", _break_decimals),
    ("khu-tiling", _break_tiling_gap),
    ("roads", _break_too_few_roads),
    ("roads", _break_road_kind),
    ("roads", _break_disconnected),
    ("roads", _break_dead_end_flag),
    ("roads", _break_main_width),
    ("roads", _break_concrete),
    ("road-crossings", _break_crossing),
    ("centres", _break_house_khu),
    ("centres", _break_house_missing),
    ("drainage", _break_outfall),
    ("inside-boundary", _break_outside),
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
