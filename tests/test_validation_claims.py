"""Each claim of the 2017 report passes on the bundled data and fails on a broken copy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import kimson_geo.validation as validation
from kimson_geo.validation.claims import load_claims

from _support import copy_bundled, edit_features


def _claim(report, claim_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in report.claims if c.id == claim_id)


def test_bundled_data_passes_every_claim() -> None:
    report = validation.validate()
    assert report.ok, [i.to_dict() for i in report.errors][:5]
    assert {c.id for c in report.claims} == {c["id"] for c in load_claims()}
    for claim in report.claims:
        assert claim.passed is not False, claim
    assert _claim(report, "urban-class-iii").passed is None  # context only


def _first(kind: str) -> Callable:  # type: ignore[type-arg]
    def pick(features: list) -> dict:  # type: ignore[type-arg]
        return next(f for f in features if f["properties"]["kind"] == kind)
    return pick


def _set(layer_pick: Callable, **values: object) -> Callable:  # type: ignore[type-arg]
    def edit(features: list) -> None:  # type: ignore[type-arg]
        layer_pick(features)["properties"].update(values)
    return edit


def _drop_service_of_first_khu(features: list) -> list:  # type: ignore[type-arg]
    # not Kim Thành's: that one carries its own claim
    victim = next(f for f in features if f["properties"]["kind"] == "khu"
                  and "Kim Thành" not in f["properties"]["name"])
    return [f for f in features if f is not victim]


def _kim_thanh_house(features: list) -> dict:  # type: ignore[type-arg]
    return next(f for f in features if f["properties"]["kind"] == "khu"
                and "Kim Thành" in f["properties"]["name"])


BREAKS = [
    ("roads-concreted", "roads", _set(_first("inter_khu"), surface="gravel"),
     "road-not-concrete"),
    ("roads-concreted", "roads", _set(_first("inter_group"), surface="earth"),
     "road-not-concrete"),
    ("main-road-width", "roads", _set(_first("main"), width_m=4.0), "main-road-width"),
    ("main-road-width", "roads", _set(_first("main"), width_m=6.5), "main-road-width"),
    ("cultural-house-coverage", "cultural_houses", _drop_service_of_first_khu,
     "khu-has-cultural-house"),
    ("cultural-house-coverage", "sports_areas", _set(_first("khu"), in_use=False), None),
    ("kim-thanh-cultural-house", "cultural_houses",
     _set(_kim_thanh_house, cost_vnd_over=900_000_000), None),
    ("kim-thanh-cultural-house", "cultural_houses", _set(_kim_thanh_house, built_year=2009), None),
    ("ward-cultural-house", "cultural_houses", _set(_first("ward"), meets_standard=False), None),
    ("cultural-neighbourhoods", "khu", _set(_first("khu_pho"), cultural_neighbourhood=False),
     None),
    ("cultural-families", "boundary", _set(_first("ward"), cultural_family_pct=90.0), None),
    ("civilized-urban", "khu", _set(_first("khu_pho"), civilized_urban=False), None),
]


@pytest.mark.parametrize(("claim_id", "layer", "edit", "rule_id"), BREAKS,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BREAKS)])
def test_broken_copy_fails_the_claim(tmp_path: Path, claim_id: str, layer: str,
                                     edit: Callable, rule_id: str | None) -> None:  # type: ignore[type-arg]
    folder = copy_bundled(tmp_path)
    edit_features(folder, layer, edit)
    report = validation.validate(folder)
    claim = _claim(report, claim_id)
    assert claim.passed is False, claim
    others = [c.id for c in report.claims if c.passed is False and c.id != claim_id]
    assert others == []
    if rule_id is not None:
        assert rule_id in {i.rule for i in report.errors}


def test_cultural_families_weighted_over_khu_when_known(tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)
    figures = iter([(400, 390), (300, 290), (200, 195), (100, 96), (500, 480)])

    def fill(features: list) -> None:  # type: ignore[type-arg]
        for feature in features:
            households, cultural = next(figures)
            feature["properties"].update(households=households, cultural_households=cultural)

    edit_features(folder, "khu", fill)
    claim = _claim(validation.validate(folder), "cultural-families")
    # (390 + 290 + 195 + 96 + 480) / 1500 = 96.733...%
    assert claim.value == pytest.approx(96.73, abs=0.005)
    assert claim.passed is True
    assert "households-weighted" in claim.note


def test_failing_claim_names_the_breaking_features(tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)
    edit_features(folder, "roads", _set(_first("main"), width_m=4.0))
    claim = _claim(validation.validate(folder), "main-road-width")
    assert len(claim.features) == 1 and claim.features[0].startswith("road-")
    assert claim.value < 100.0


def test_claims_needing_absent_layers_are_skipped(bundled) -> None:  # type: ignore[no-untyped-def]
    from kimson_geo.inventory import Inventory
    from kimson_geo.validation.claims import measure_claims

    only_houses = Inventory(layers={"cultural_houses": bundled["cultural_houses"]})
    assert [c.id for c in measure_claims(only_houses)] == ["ward-cultural-house"]


@pytest.mark.parametrize(("layer", "field", "claim_id"), [
    ("cultural_houses", "kind", "cultural-house-coverage"),
    ("khu", "name", "kim-thanh-cultural-house"),
    ("cultural_houses", "khu", "kim-thanh-cultural-house"),
])
def test_a_claim_that_cannot_be_measured_says_why(tmp_path: Path, layer: str, field: str,
                                                  claim_id: str) -> None:
    folder = copy_bundled(tmp_path)

    def drop(features: list) -> None:  # type: ignore[type-arg]
        for feature in features:
            feature["properties"].pop(field, None)

    edit_features(folder, layer, drop)
    claim = _claim(validation.validate(folder), claim_id)
    assert claim.passed is None and claim.value is None
    assert "cannot be measured" in claim.note and repr(field) in claim.note
