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


# ------------------------------------------------------------------ the table and its writers

def _findings_report():  # type: ignore[no-untyped-def]
    import numpy as np

    from kimson_geo.validation.issue import Findings, Issue
    from kimson_geo.validation.report import ValidationReport

    report = ValidationReport(source="survey")
    report.add(Issue("json-syntax", "error", "bad", layer="roads", line=3))
    report.add(Findings("main-road-width", "error", "roads", np.array([4, 9]),
                        np.array(["4 m", "7 m"], dtype=object), field="width_m",
                        location=np.array([[106.5, 21.1], [np.nan, np.nan]]),
                        feature_id=np.array(["r4", None], dtype=object)))
    report.add(Findings("text-nfc", "warning", "khu", np.array([1]), "not NFC \ud800"))
    return report


def test_findings_become_rows_and_issues_as_the_old_api_gave_them() -> None:
    report = _findings_report()
    assert list(report.table.columns) == ["rule", "severity", "layer", "index", "feature_id",
                                          "field", "message", "lon", "lat", "line"]
    assert [(i.rule, i.feature, i.feature_id, i.location, i.line) for i in report.issues] == [
        ("json-syntax", None, None, None, 3), ("main-road-width", 4, "r4", (106.5, 21.1), None),
        ("main-road-width", 9, None, None, None), ("text-nfc", 1, None, None, None)]
    assert report.error_count == 3 and report.warning_count == 1 and not report.ok
    summary = report.summary()
    assert summary["by_rule"] == {"json-syntax": 1, "main-road-width": 2, "text-nfc": 1}
    assert summary["by_layer"] == {"roads": {"error": 3, "warning": 0},
                                   "khu": {"error": 0, "warning": 1}}


def test_json_is_the_issues_to_dict_and_survives_a_lone_surrogate(tmp_path: Path) -> None:
    import io

    report = _findings_report()
    data = json.loads(report.to_json())
    assert data["issues"][:3] == [i.to_dict() for i in report.issues][:3]
    assert data["issues"][3]["message"] == "not NFC \\ud800"
    assert json.loads(report.to_json(indent=None)) == data
    buffer = io.BytesIO()
    report.write_json(buffer)
    assert json.loads(buffer.getvalue()) == data
    report.write_json(tmp_path / "report.json")
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8")) == data


def test_json_is_written_a_chunk_at_a_time(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import kimson_geo.validation.report as report_module

    report = _findings_report()
    whole = json.loads(report.to_json())
    monkeypatch.setattr(report_module, "JSON_CHUNK", 1)
    chunks = list(report._records(1))
    assert len(chunks) == 4
    assert json.loads(report.to_json()) == whole


def test_old_callers_that_change_the_issue_list_in_place_still_count() -> None:
    from kimson_geo.validation.issue import Issue
    from kimson_geo.validation.report import ValidationReport

    report = ValidationReport(issues=[Issue("unreadable", "error", "x", layer="a")])
    report.issues.append(Issue("json-syntax", "warning", "y", layer="b"))
    report.issues.extend([Issue("json-syntax", "error", "z")])
    assert len(report.table) == 3 and report.error_count == 2
    report.issues = [Issue("json-syntax", "warning", "w")]
    assert report.ok and report.summary()["warnings"] == 1
    frame = report.to_frame()
    assert frame.loc[0, "feature"] is None and frame.loc[0, "location"] is None


def test_one_message_for_many_rows_is_one_text_in_the_table() -> None:
    # a rule that flags a million features with one message must not hold a million copies
    import numpy as np

    from kimson_geo.validation.issue import Findings
    from kimson_geo.validation.report import ValidationReport

    message = "road is isolated: it meets no other road"
    report = ValidationReport()
    report.add(Findings("road-isolated", "warning", "roads", np.arange(1000), message,
                        field="kind"))
    messages = report.table["message"].to_numpy()
    fields = report.table["field"].to_numpy()
    assert all(m is message for m in messages) and all(f is fields[0] for f in fields)
