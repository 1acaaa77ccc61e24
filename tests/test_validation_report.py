from __future__ import annotations

import json
from pathlib import Path

import kimson_geo.validation as validation

from _support import copy_bundled, edit_features


def _broken(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = copy_bundled(tmp_path)
    edit_features(folder, "roads", lambda fs: fs[0]["properties"].update(width_m=4.0))
    return validation.validate(folder)


def test_report_views_agree(tmp_path: Path) -> None:
    report = _broken(tmp_path)
    assert not report.ok
    frame = report.to_frame()
    assert len(frame) == len(report.issues)
    assert set(frame["rule"]) == {i.rule for i in report.issues}
    data = json.loads(report.to_json())
    assert data["summary"]["errors"] == len(report.errors)
    issue = next(i for i in data["issues"] if i["rule"] == "main-road-width")
    assert issue["feature"] == "road-001" and issue["layer"] == "roads"
    assert issue["field"] == "width_m" and len(issue["location"]) == 2


def test_problem_locations_are_geojson_points_inside_the_ward(tmp_path: Path) -> None:
    report = _broken(tmp_path)
    layer = report.to_geojson()
    assert layer["type"] == "FeatureCollection" and layer["features"]
    for feature in layer["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 106.4 < lon < 106.7 and 21.0 < lat < 21.2
        assert feature["properties"]["message"]


def test_summary_counts(tmp_path: Path) -> None:
    summary = _broken(tmp_path).summary()
    assert summary["by_rule"]["main-road-width"] == 1
    assert summary["by_layer"]["roads"]["error"] >= 1
    assert summary["claims_failed"] == 1


def test_validate_function_is_not_shadowed_by_the_subpackage() -> None:
    import subprocess
    import sys

    code = ("import kimson_geo.validation.rules, kimson_geo\n"
            "print(callable(kimson_geo.validate), kimson_geo.validate().ok)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["True", "True"]
