"""``kimson_geo.validation.validate``: how the layers of a source are read and checked."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

import kimson_geo.io.read
from kimson_geo.io.limits import MAX_PROPERTY_CHARS_ENV
from kimson_geo.registry import KHU_LAYER, NAME, ROADS_LAYER
from kimson_geo.validation import structure, validate

from _support import write_geojson


def _with_duplicate_member(path: Path) -> None:
    """Give the first feature of ``path`` a second ``type`` member (a structure error)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('{"type": "Feature"', '{"type": "Feature", "type": "Feature"',
                                 1), encoding="utf-8")


def test_gdal_reads_in_a_worker_while_the_structure_checks_run_here(
        tmp_path: Path, small_roads, small_khu, monkeypatch: pytest.MonkeyPatch) -> None:
    write_geojson(tmp_path / f"{ROADS_LAYER}.geojson", small_roads)
    write_geojson(tmp_path / f"{KHU_LAYER}.geojson", small_khu)
    seen: dict[str, set[str]] = {"read": set(), "check": set()}
    read_layer, check_file = kimson_geo.io.read.read_layer, structure.check_file

    def reading(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["read"].add(threading.current_thread().name)
        return read_layer(*args, **kwargs)

    def checking(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["check"].add(threading.current_thread().name)
        return check_file(*args, **kwargs)

    monkeypatch.setattr(kimson_geo.io.read, "read_layer", reading)
    monkeypatch.setattr(structure, "check_file", checking)
    report = validate(tmp_path)
    assert seen["check"] == {threading.current_thread().name}
    assert len(seen["read"]) == 1 and seen["read"] != seen["check"]
    assert report.layers == [KHU_LAYER, ROADS_LAYER]


def test_a_layer_with_structure_errors_is_not_used_though_gdal_read_it(
        tmp_path: Path, small_roads, small_khu) -> None:
    write_geojson(tmp_path / f"{ROADS_LAYER}.geojson", small_roads)
    write_geojson(tmp_path / f"{KHU_LAYER}.geojson", small_khu)
    _with_duplicate_member(tmp_path / f"{ROADS_LAYER}.geojson")
    report = validate(tmp_path)
    assert report.layers == [KHU_LAYER]
    duplicate = [i for i in report.issues if i.rule == "duplicate-member"]
    assert [(i.layer, i.feature) for i in duplicate] == [(ROADS_LAYER, 0)]
    # nothing is measured on roads that were not used (no topology or ward finding on them)
    assert {i.layer for i in report.issues if i.rule.startswith("road-")} == set()


def test_issues_keep_the_order_of_the_files_read_problems_included(
        tmp_path: Path, small_roads, small_khu, monkeypatch: pytest.MonkeyPatch) -> None:
    # khu (first in registry order) is good JSON that the reader refuses; roads has a
    # structure error: khu's problem comes first, as when the files were read one by one
    small_khu = small_khu.assign(**{NAME: ["x" * 2_000, "ok"]})
    write_geojson(tmp_path / f"{KHU_LAYER}.geojson", small_khu)
    write_geojson(tmp_path / f"{ROADS_LAYER}.geojson", small_roads)
    _with_duplicate_member(tmp_path / f"{ROADS_LAYER}.geojson")
    monkeypatch.setenv(MAX_PROPERTY_CHARS_ENV, "1000")
    report = validate(tmp_path)
    assert [(i.rule, i.layer) for i in report.issues] == [
        ("unreadable", KHU_LAYER), ("duplicate-member", ROADS_LAYER)]
    assert report.nothing_read and "over the limit of 1,000" in report.issues[0].message


def test_a_file_that_is_not_json_is_unreadable_with_the_parser_s_reason(tmp_path: Path) -> None:
    path = tmp_path / f"{ROADS_LAYER}.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    report = validate(path, layer=ROADS_LAYER)
    assert report.nothing_read and list(report.unreadable) == [str(path)]
    assert "line 1" in report.unreadable[str(path)]
    assert json.loads(report.to_json())["summary"]["errors"] >= 1


def test_an_interrupted_validation_does_not_wait_for_gdal(
        tmp_path: Path, small_roads, monkeypatch: pytest.MonkeyPatch) -> None:
    write_geojson(tmp_path / f"{ROADS_LAYER}.geojson", small_roads)
    release, started = threading.Event(), threading.Event()
    read_layer = kimson_geo.io.read.read_layer

    def slow_read(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(timeout=60)  # (a bound, so that a regression fails instead of hanging)
        return read_layer(*args, **kwargs)

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.wait(timeout=60)
        raise KeyboardInterrupt

    monkeypatch.setattr(kimson_geo.io.read, "read_layer", slow_read)
    monkeypatch.setattr(structure, "check_file", interrupted)
    try:
        with pytest.raises(KeyboardInterrupt):
            validate(tmp_path)
        # validate returned while GDAL was still reading (in a daemon thread)
        assert not release.is_set()
        [reader] = [t for t in threading.enumerate() if t.name == "kimson-geo-read"]
        assert reader.daemon
    finally:
        release.set()


def test_a_read_begun_on_a_broken_file_ends_before_the_rules_run(
        tmp_path: Path, small_roads, monkeypatch: pytest.MonkeyPatch) -> None:
    # GDAL's read sets process-wide warning filters: it must not overlap the rules
    write_geojson(tmp_path / f"{ROADS_LAYER}.geojson", small_roads)
    _with_duplicate_member(tmp_path / f"{ROADS_LAYER}.geojson")
    started, finished = threading.Event(), threading.Event()
    read_layer, check_file = kimson_geo.io.read.read_layer, structure.check_file

    def slow_read(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        release = threading.Event()
        threading.Timer(0.5, release.set).start()
        release.wait(timeout=60)
        try:
            return read_layer(*args, **kwargs)
        finally:
            finished.set()

    def checking(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.wait(timeout=60)  # GDAL has begun: the read cannot be cancelled
        return check_file(*args, **kwargs)

    monkeypatch.setattr(kimson_geo.io.read, "read_layer", slow_read)
    monkeypatch.setattr(structure, "check_file", checking)
    report = validate(tmp_path)
    assert finished.is_set()
    assert report.layers == [] and [i.rule for i in report.issues] == ["duplicate-member"]


def test_the_rules_run_with_the_layers_frozen_and_the_collector_is_restored(
        tmp_path: Path, small_roads, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from kimson_geo.validation import rules

    write_geojson(tmp_path / f"{ROADS_LAYER}.geojson", small_roads)
    seen: list[tuple[bool, int]] = []
    check = rules.check

    def checking(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return check(*args, **kwargs)

    monkeypatch.setattr(rules, "check", checking)
    validate(tmp_path)
    [(enabled, frozen)] = seen
    assert enabled and frozen > 0  # the frames were read with the collector paused
    assert gc.isenabled() and gc.get_freeze_count() == 0
