"""The dask engine: the same issues as the single-machine engine, on partitions."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from benchmarks.synth import SynthManifest, generate
from kimson_geo.errors import KimsonGeoError, ScaleError
from kimson_geo.registry import ROADS_LAYER
from kimson_geo.validation import validate
from kimson_geo.validation.dask_engine import validate_dask


def _key(issue: Any) -> tuple[Any, ...]:
    return (issue.rule, issue.layer or "", -1 if issue.feature is None else issue.feature,
            issue.field or "", issue.message, issue.feature_id or "", issue.location or (),
            issue.line or 0, issue.severity)


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> SynthManifest:
    # 4 partitions of roads and 2 of drainage (row groups of 700)
    return generate(tmp_path_factory.mktemp("scale") / "inv", roads=2_500, drainage=900,
                    points=200, polygons=80, seed=11, defect_rate=0.005,
                    row_group_size=700)


@pytest.fixture(scope="module")
def single(inventory: SynthManifest) -> Any:
    return validate(inventory.folder("geojson"))


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Two worker processes, shared by the tests of this module."""
    import logging

    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as local:
        yield local.scheduler_address


@pytest.mark.parametrize("fmt", ["parquet", "geojson"])
def test_same_issues_as_the_single_machine_engine(inventory: SynthManifest, single: Any,
                                                  cluster: str, fmt: str) -> None:
    report = validate_dask(inventory.folder(fmt), scheduler=cluster)
    assert not report.unreadable
    assert sorted(report.layers) == sorted(single.layers)
    assert sorted(map(_key, report.issues)) == sorted(map(_key, single.issues))
    # the same claims, measured the same
    assert [c.to_dict() for c in report.claims] == [c.to_dict() for c in single.claims]
    assert report.claims
    # in rule order, as the single-machine engine gives them
    rules = [i.rule for i in report.issues]
    assert sorted(set(rules), key=rules.index) == sorted(set(rules), key=[
        i.rule for i in single.issues].index)


def test_found_equals_seeded(inventory: SynthManifest, cluster: str) -> None:
    report = validate_dask(inventory.folder("parquet"), scheduler=cluster)
    found = sorted((i.rule, i.layer, -1 if i.feature is None else i.feature)
                   for i in report.issues)
    assert found == inventory.expected_keys()


def test_npartitions_and_a_single_layer(inventory: SynthManifest, cluster: str) -> None:
    path = inventory.layer_path(ROADS_LAYER)
    expected = validate(path, layer=ROADS_LAYER)
    report = validate_dask(path, layer=ROADS_LAYER, scheduler=cluster, npartitions=3)
    assert sorted(map(_key, report.issues)) == sorted(map(_key, expected.issues))


def test_default_local_cluster(inventory: SynthManifest, single: Any) -> None:
    path = inventory.folder("parquet")
    report = validate_dask(path)
    assert sorted(map(_key, report.issues)) == sorted(map(_key, single.issues))


def test_cli_engine_dask(inventory: SynthManifest, cluster: str) -> None:
    from kimson_geo.cli.main import cli

    result = CliRunner().invoke(cli, ["validate", str(inventory.folder("parquet")),
                                       "--engine", "dask", "--scheduler", cluster,
                                       "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert len(data["issues"]) == len(inventory.defects)


def test_bundled_inventory_gives_the_same_report(cluster: str) -> None:
    expected = validate()
    report = validate_dask(scheduler=cluster)
    assert report.to_dict()["summary"] == expected.to_dict()["summary"]
    assert [c.to_dict() for c in report.claims] == [c.to_dict() for c in expected.claims]


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)
    with pytest.raises(ScaleError, match=r"pip install 'kimson-geo\[scale\]'") as info:
        validate_dask(tmp_path)
    assert isinstance(info.value, KimsonGeoError)
    assert isinstance(info.value, ImportError)


def test_src_crs_applies_to_a_geojson_line_layer(cluster: str) -> None:
    from _support import ROOT

    path = ROOT / "examples" / "survey" / "roads.geojson"  # VN-2000 metres, no CRS member
    expected = validate(path, layer=ROADS_LAYER, src_crs="EPSG:5899")
    report = validate_dask(path, layer=ROADS_LAYER, src_crs="EPSG:5899", scheduler=cluster)
    assert not report.unreadable and report.issues
    assert sorted(map(_key, report.issues)) == sorted(map(_key, expected.issues))


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_special_files_are_refused_before_any_worker_sees_them(
        tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from kimson_geo.validation import dask_engine

    path = tmp_path / "roads.geojson"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    monkeypatch.setattr(dask_engine, "_client", None)  # no cluster may be started
    with pytest.raises(KimsonGeoError, match="not a regular file"):
        validate_dask(path, layer=ROADS_LAYER)
    with pytest.raises(KimsonGeoError, match="not a regular file|no layer files"):
        validate_dask(tmp_path, layer=ROADS_LAYER)


@pytest.fixture
def threads() -> Iterator[str]:
    """A cluster of worker threads in this process (they see monkeypatched functions)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as local:
        yield local.scheduler_address


# dask's own parquet reader trips a pandas deprecation, which this process makes an error
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_a_worker_failure_is_one_line_and_exit_2(inventory: SynthManifest, threads: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from kimson_geo.cli.main import cli
    from kimson_geo.validation import dask_engine

    def broken(lines: Any) -> Any:
        raise ZeroDivisionError("a bug on the worker\nwith a second line")

    monkeypatch.setattr(dask_engine, "line_parts", broken)
    result = CliRunner().invoke(cli, ["validate", str(inventory.layer_path(ROADS_LAYER,
                                                                            "parquet")),
                                      "--layer", ROADS_LAYER, "--engine", "dask",
                                      "--scheduler", threads])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert "a dask worker failed: ZeroDivisionError: a bug on the worker" in lines[0]


def test_data_a_worker_cannot_read_is_reported_as_unreadable(
        tmp_path: Path, cluster: str) -> None:
    import geopandas as gpd
    from shapely.geometry import LineString

    path = tmp_path / "roads.parquet"  # metres, but claiming nothing: not lon/lat
    gpd.GeoDataFrame({"id": ["r1"]}, geometry=[LineString([(400_000, 2_330_000),
                                                           (400_100, 2_330_000)])]
                     ).to_parquet(path)
    report = validate_dask(path, layer=ROADS_LAYER, scheduler=cluster)
    assert report.nothing_read and "not longitude/latitude" in report.unreadable[str(path)]


def test_structure_errors_leave_a_layer_unread_as_the_single_machine_says(
        inventory: SynthManifest, tmp_path: Path, cluster: str) -> None:
    import shutil

    folder = tmp_path / "inv"
    shutil.copytree(inventory.folder("geojson"), folder)
    # roads (partitioned): "properties" an array, a structure error after a good parse;
    # a small layer: JSON that does not parse
    roads = folder / "roads.geojson"
    text = roads.read_text(encoding="utf-8")
    text = text.replace('"properties":{', '"properties":[{', 1)
    roads.write_text(text.replace('},"geometry"', '}],"geometry"', 1), encoding="utf-8")
    houses = folder / "cultural_houses.geojson"
    houses.write_bytes(houses.read_bytes()[:-20])
    single = validate(folder)
    report = validate_dask(folder, scheduler=cluster)
    assert {r.split("/")[-1] for r in single.unreadable} == {houses.name}
    assert report.unreadable == single.unreadable
    assert sorted(report.layers) == sorted(single.layers)
    assert ROADS_LAYER not in report.layers
    assert sorted(map(_key, report.issues)) == sorted(map(_key, single.issues))
    assert "member-type" in {i.rule for i in report.issues}


def test_a_small_geoparquet_layer_is_read_as_the_single_machine_reads_it(
        inventory: SynthManifest, tmp_path: Path, cluster: str) -> None:
    import shutil

    import geopandas as gpd

    folder = tmp_path / "inv"
    shutil.copytree(inventory.folder("parquet"), folder)
    houses = folder / "cultural_houses.parquet"
    frame = gpd.read_parquet(houses)
    frame.loc[0, "name"] = "a NUL\x00in the name"  # text no command can read
    frame.to_parquet(houses)
    single = validate(folder)
    report = validate_dask(folder, scheduler=cluster)
    assert list(single.unreadable) == [str(houses)]
    assert report.unreadable == single.unreadable
    assert sorted(report.layers) == sorted(single.layers)
    assert sorted(map(_key, report.issues)) == sorted(map(_key, single.issues))
