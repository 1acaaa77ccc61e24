"""The synthetic inventory generator: layout, registry fields, determinism, seeded defects."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pytest

from benchmarks.synth import SynthError, SynthManifest, generate
from kimson_geo.registry import (
    BOUNDARY_LAYER,
    ID,
    KHU_LAYER,
    LAYER_NAMES,
    POSITION_FIELD,
    ROADS_LAYER,
    SCHEMATIC,
    layer_spec,
)
from kimson_geo.validation import validate

SMALL = {"roads": 400, "drainage": 60, "points": 200, "polygons": 80}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SynthManifest:
    return generate(tmp_path_factory.mktemp("synth") / "inv", seed=7, defect_rate=0.01,
                    row_group_size=150, **SMALL)


def _features(manifest: SynthManifest, layer: str) -> list[dict]:
    return json.loads(manifest.layer_path(layer).read_text(encoding="utf-8"))["features"]


def test_every_layer_written_in_both_formats(small: SynthManifest) -> None:
    assert set(small.files) == {"geojson", "parquet"}
    for fmt in ("geojson", "parquet"):
        assert set(small.files[fmt]) == set(LAYER_NAMES)
        for layer in LAYER_NAMES:
            assert small.layer_path(layer, fmt).is_file()
    assert small.counts[ROADS_LAYER] == SMALL["roads"]
    assert small.counts[BOUNDARY_LAYER] == 1
    points = sum(n for name, n in small.counts.items()
                 if layer_spec(name).geometry_types[0] == "Point")
    polygons = sum(n for name, n in small.counts.items()
                   if layer_spec(name).geometry_types[0] == "Polygon")
    assert points == SMALL["points"]
    assert polygons == SMALL["polygons"]


def test_every_registry_field_on_every_feature(small: SynthManifest) -> None:
    for layer in LAYER_NAMES:
        spec = layer_spec(layer)
        features = _features(small, layer)
        assert len(features) == small.counts[layer]
        for feature in features:
            assert set(feature["properties"]) == set(spec.field_names)
            assert feature["properties"][POSITION_FIELD] == SCHEMATIC


def test_geojson_layout_is_one_feature_per_line(small: SynthManifest) -> None:
    lines = small.layer_path(ROADS_LAYER).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith('{"type": "FeatureCollection"')
    assert len(lines) == small.counts[ROADS_LAYER] + 2


def test_parquet_holds_the_same_features(small: SynthManifest) -> None:
    frame = gpd.read_parquet(small.layer_path(ROADS_LAYER, "parquet"))
    features = _features(small, ROADS_LAYER)
    assert frame[ID].tolist() == [f["properties"][ID] for f in features]
    assert frame.crs.equals("EPSG:4326")
    import pyarrow.parquet as pq

    assert pq.ParquetFile(small.layer_path(ROADS_LAYER, "parquet")).num_row_groups == 3


def test_manifest_round_trips(small: SynthManifest) -> None:
    again = SynthManifest.read(small.out_dir)
    assert again.defects == small.defects
    assert dict(again.counts) == dict(small.counts)
    data = json.loads(small.path.read_text(encoding="utf-8"))
    assert data["expected_by_rule"] == small.by_rule()
    assert len(data["defects"]) == len(small.defects)


def test_every_defect_kind_is_seeded(small: SynthManifest) -> None:
    rules = set(small.by_rule())
    assert {"main-road-width", "road-not-concrete", "unknown-code", "field-type",
            "unique-id", "required-field", "line-self-crossing", "repeated-vertex",
            "road-dangle", "road-isolated", "geometry-missing", "drainage-no-outfall",
            "khu-overlap", "khu-gap", "enterprise-outside-cluster", "text-nfc",
            "service-outside-khu", "khu-has-cultural-house", "khu-has-sports-area",
            "value-range", "environment-watch"} <= rules


def test_validation_finds_exactly_the_seeded_defects(small: SynthManifest) -> None:
    report = validate(small.folder("geojson"))
    assert not report.unreadable
    found = Counter((i.rule, i.layer, -1 if i.feature is None else i.feature)
                    for i in report.issues)
    assert found == Counter(small.expected_keys())
    by_id = {(d.rule, d.layer, d.feature): d.feature_id for d in small.defects}
    for issue in report.issues:
        if issue.feature is not None:
            assert issue.feature_id == by_id[(issue.rule, issue.layer, issue.feature)]


def test_defect_rate_scales_the_defects(tmp_path: Path) -> None:
    low = generate(tmp_path / "low", roads=2_000, drainage=40, points=60, polygons=30,
                   defect_rate=0.0, formats=("geojson",))
    high = generate(tmp_path / "high", roads=2_000, drainage=40, points=60, polygons=30,
                    defect_rate=0.02, formats=("geojson",))
    assert low.by_rule([ROADS_LAYER])["main-road-width"] == 1  # at least one of each kind
    assert high.by_rule([ROADS_LAYER])["main-road-width"] > 1


def test_same_seed_same_bytes_other_seed_other_layout(tmp_path: Path) -> None:
    args = {"roads": 200, "drainage": 20, "points": 40, "polygons": 20,
            "formats": ("geojson",)}
    a = generate(tmp_path / "a", seed=1, **args)
    b = generate(tmp_path / "b", seed=1, **args)
    c = generate(tmp_path / "c", seed=2, **args)
    for layer in (ROADS_LAYER, KHU_LAYER):
        assert a.layer_path(layer).read_bytes() == b.layer_path(layer).read_bytes()
    assert a.layer_path(ROADS_LAYER).read_bytes() != c.layer_path(ROADS_LAYER).read_bytes()
    assert a.defects == b.defects


@pytest.mark.parametrize("kwargs", [
    {"roads": 5},
    {"polygons": 5},
    {"formats": ("shapefile",)},
    {"defect_rate": 0.5},
])
def test_impossible_requests_raise(tmp_path: Path, kwargs: dict) -> None:
    args = {"roads": 200, "drainage": 20, "points": 40, "polygons": 20,
            "formats": ("geojson",)}
    args.update(kwargs)
    with pytest.raises(SynthError):
        generate(tmp_path / "x", **args)
    assert issubclass(SynthError, ValueError)


def test_dirty_roads_have_problems_on_most_segments_and_validate_as_seeded(
        tmp_path: Path) -> None:
    from collections import Counter

    from benchmarks.synth import generate_dirty_roads
    from kimson_geo.registry import ROADS_LAYER
    from kimson_geo.validation import validate

    manifest = generate_dirty_roads(tmp_path / "dirty", roads=2_000, seed=5)
    per_feature = Counter(d.feature for d in manifest.defects)
    assert len(per_feature) > 0.7 * 2_000 and max(per_feature.values()) <= 3
    assert set(manifest.by_rule()) == {"main-road-width", "road-not-concrete", "road-dangle",
                                       "road-isolated"}
    report = validate(manifest.layer_path(ROADS_LAYER), layer=ROADS_LAYER)
    found = sorted((i.rule, i.layer, -1 if i.feature is None else i.feature)
                   for i in report.issues)
    assert found == manifest.expected_keys()
