from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kimson_geo.cli.main import cli

from _support import ROOT, copy_bundled, edit_features, tree_snapshot

#: the geojsonhint conformance files (ISC licence), copied into tests/
CORPUS_DIR = Path(__file__).resolve().parent / "corpora" / "geojsonhint"

SURVEY = ROOT / "examples" / "survey" / "roads.geojson"


def test_bundled_inventory_is_clean() -> None:
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0, result.stdout[-2000:]
    assert "OK: 0 error(s)" in result.stdout


def test_json_report_shape_and_nothing_else_on_stdout() -> None:
    result = CliRunner().invoke(cli, ["validate", "--format", "json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert set(report) >= {"issues", "claims", "summary"}
    assert report["summary"]["errors"] == 0
    for claim in report["claims"]:
        assert set(claim) >= {"id", "value", "target", "passed", "features"}


def test_survey_in_vn2000_reports_its_three_faults() -> None:
    result = CliRunner().invoke(cli, ["validate", str(SURVEY), "--layer", "roads",
                                      "--src-crs", "EPSG:5899", "--format", "json"])
    assert result.exit_code == 1
    issues = json.loads(result.stdout)["issues"]
    found = sorted((i["rule"], i["feature"], i["field"]) for i in issues)
    assert found == [("field-type", "road-002", "width_m"),
                     ("main-road-width", "road-001", "width_m"),
                     ("road-not-concrete", "road-018", "surface")]


def test_a_file_nothing_could_read_is_named_once_in_the_error_line() -> None:
    roads = ROOT / "data" / "roads.geojson"  # degrees, claimed to be VN-2000 metres
    result = CliRunner().invoke(cli, ["validate", str(roads), "--layer", "roads",
                                      "--src-crs", "EPSG:5899"])
    assert result.exit_code == 2
    [line] = [t for t in result.stderr.splitlines() if t.startswith("kimson-geo: error:")]
    assert line.count(str(roads)) == 1 and "look like degrees" in line


def test_unreadable_line_names_the_file_once_whatever_the_reason_says() -> None:
    from kimson_geo.validation.report import ValidationReport

    assert ValidationReport(unreadable={"a.json": "a.json: bad"}).unreadable_line() == "a.json: bad"
    assert ValidationReport(unreadable={"a.json": "line 1: bad"}).unreadable_line() == (
        "a.json: line 1: bad")


def test_projected_metres_without_src_crs_get_the_hint() -> None:
    result = CliRunner().invoke(cli, ["validate", str(SURVEY), "--layer", "roads"])
    assert result.exit_code == 1
    assert "VN-2000? pass --src-crs EPSG:5899" in result.stdout


def test_unparseable_file_is_exit_2_with_line_and_column() -> None:
    bad = CORPUS_DIR / "bad" / "bad-json.geojson"
    result = CliRunner().invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 2
    line = result.stderr.strip().splitlines()
    assert len(line) == 1 and "bad-json.geojson" in line[0] and "line 3, column 5" in line[0]


def test_file_alone_gets_structure_and_geometry_only(tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)
    edit_features(folder, "roads", lambda fs: fs[0]["properties"].update(width_m=1000.0))
    result = CliRunner().invoke(cli, ["validate", str(folder / "roads.geojson"),
                                      "--format", "json"])
    # read as "roads" from its name? no: a file alone gets only layer-independent checks
    rules = {i["rule"] for i in json.loads(result.stdout)["issues"]}
    assert "value-range" not in rules and result.exit_code == 0


def test_errors_give_exit_1_and_are_grouped(tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)
    edit_features(folder, "roads", lambda fs: fs[0]["properties"].update(width_m=1000.0))
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "roads: " in result.stdout and "value-range" in result.stdout


def test_list_rules_names_every_family() -> None:
    result = CliRunner().invoke(cli, ["validate", "--list-rules", "--format", "json"])
    assert result.exit_code == 0
    rules = json.loads(result.stdout)
    families = {r["family"] for r in rules}
    assert families == {"structure", "attributes", "geometry", "topology", "ward"}
    assert len({r["id"] for r in rules}) == len(rules)
    assert {"main-road-width", "khu-gap", "road-dangle", "json-syntax"} <= {r["id"] for r in rules}


def test_fix_writes_repaired_copies_and_leaves_input_alone(tmp_path: Path) -> None:
    import unicodedata

    folder = copy_bundled(tmp_path)
    edit_features(folder, "khu", lambda fs: fs[0]["properties"].update(
        name=unicodedata.normalize("NFD", fs[0]["properties"]["name"])))
    before = tree_snapshot(folder)
    out = tmp_path / "fixed"
    result = CliRunner().invoke(cli, ["validate", str(folder), "--fix", str(out)])
    assert result.exit_code == 0  # NFC is a warning
    assert tree_snapshot(folder) == before
    text = (out / "khu.geojson").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    again = CliRunner().invoke(cli, ["validate", str(out), "--format", "json"])
    assert json.loads(again.stdout)["summary"]["warnings"] == 0


def test_fix_refuses_to_write_over_the_input(tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)
    before = tree_snapshot(folder)
    result = CliRunner().invoke(cli, ["validate", str(folder), "--fix", str(folder)])
    assert result.exit_code == 2 and "never writes over input" in result.stderr
    assert tree_snapshot(folder) == before


def test_report_command_exit_codes(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["report"]).exit_code == 0
    folder = copy_bundled(tmp_path)
    edit_features(folder, "khu", lambda fs: fs[0]["properties"].update(civilized_urban=False))
    result = CliRunner().invoke(cli, ["report", str(folder), "--format", "json"])
    assert result.exit_code == 1
    failed = [c["id"] for c in json.loads(result.stdout) if c["passed"] is False]
    assert failed == ["civilized-urban"]


CORPUS = sorted(CORPUS_DIR.glob("*/*.geojson"))


@pytest.mark.parametrize("path", CORPUS, ids=[f"{p.parent.name}/{p.name}" for p in CORPUS])
def test_no_corpus_file_gives_a_traceback(path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    assert result.exit_code in (0, 1, 2)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and len(result.stderr.splitlines()) <= 1
    if result.exit_code != 2:
        json.loads(result.stdout)
    result_file = path.with_suffix(".result")
    if result_file.exists():
        expected = json.loads(result_file.read_text(encoding="utf-8"))
        has_error = any(e.get("level") != "message" for e in expected)
        assert (result.exit_code in (1, 2)) == has_error


@pytest.mark.parametrize("payload", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"type": "Point", "coordinates": [1e400, 2]}',
    b'{"type": "Point", "coordinates": [' + b"9" * 10_000 + b', 2]}',
    b"\xff\xfe\x00garbage",
    b"",
], ids=["deep-nesting", "huge-float", "huge-int", "binary", "empty"])
def test_hostile_input_is_reported_not_raised(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "roads.geojson"
    path.write_bytes(payload)
    for args in (["validate", str(path)], ["validate", str(path), "--layer", "roads"],
                 ["info", str(path)], ["map", str(path), "--layer", "roads", "-o",
                                       str(tmp_path / "m.html")]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (1, 2), (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output and "internal error" not in result.stderr
    assert not (tmp_path / "m.html").exists()


def test_text_groups_by_rule_and_shows_the_first_n_json_stays_complete(tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)

    def narrow(features: list) -> None:  # type: ignore[type-arg]
        for feature in features:
            if feature["properties"]["kind"] == "main":
                feature["properties"]["width_m"] = 3.0

    edit_features(folder, "roads", narrow)
    full = json.loads(CliRunner().invoke(cli, ["validate", str(folder), "--format",
                                               "json"]).stdout)
    count = full["summary"]["by_rule"]["main-road-width"]
    assert count > 3
    assert sum(i["rule"] == "main-road-width" for i in full["issues"]) == count
    result = CliRunner().invoke(cli, ["validate", str(folder), "--max-per-rule", "2"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    header = next(k for k, line in enumerate(lines) if line.strip().startswith("main-road-width"))
    assert f"{count} error(s)" in lines[header]
    assert [line.strip().startswith("feature") for line in lines[header + 1:header + 4]] == [
        True, True, False]
    assert f"and {count - 2} more" in lines[header + 3]


def test_text_report_escapes_control_characters_from_the_data(tmp_path: Path) -> None:
    folder = copy_bundled(tmp_path)

    def hostile(features: list) -> None:  # type: ignore[type-arg]
        properties = features[0]["properties"]
        properties["id"] = "r\x1b[31m1"  # an id, shown beside every issue of the feature
        properties["kind"] = "main\x1b]0;owned\x07"
        properties["bad\x1b[2Jfield"] = 1  # a field name, shown as the issue's field

    edit_features(folder, "roads", hostile)
    result = CliRunner().invoke(cli, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "(r\\x1b[31m1)" in result.stdout and "field bad\\x1b[2Jfield" in result.stdout
