"""``kimson-geo store``, ``diff``, ``report --trend`` and ``--rev`` on a GeoPackage store
(the PostGIS backend runs the same code under tests/test_store.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _store_support import ADDED, MOVED, REMOVED, WIDENED, narrow_main_road, second_delivery
from click.testing import CliRunner

from kimson_geo.cli.main import cli

from _support import ROOT


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def two_revisions(tmp_path: Path) -> str:
    store = str(tmp_path / "ward.gpkg")
    assert run("store", "init", store, "--from", str(ROOT / "data"), "-m", "bundled")[0] == 0
    delivery, _ = second_delivery(tmp_path / "d2")
    code, _, err = run("store", "accept", store, str(delivery), "-m", "delivery 2",
                       "--author", "QLĐT")
    assert code == 0, err
    assert "revision 2" in err
    return store


def test_log_text_and_json(two_revisions: str) -> None:
    code, out, _ = run("store", "log", two_revisions)
    assert code == 0
    assert "revision 2" in out and "delivery 2" in out and "bundled" in out
    code, out, _ = run("store", "log", two_revisions, "--format", "json")
    log = json.loads(out)
    assert [r["rev"] for r in log] == [1, 2]
    assert log[1]["counts"]["roads"] == {"added": 1, "removed": 1, "modified": 1}
    assert log[1]["author"] == "QLĐT"


def test_refused_accept_exits_1_with_the_report(two_revisions: str, tmp_path: Path) -> None:
    before = Path(two_revisions).read_bytes()
    code, out, err = run("store", "accept", two_revisions,
                         str(narrow_main_road(tmp_path / "bad")), "-m", "narrow")
    assert code == 1
    assert "main-road-width" in out
    assert "the store was not changed" in err
    assert Path(two_revisions).read_bytes() == before


def test_diff_formats(two_revisions: str, tmp_path: Path) -> None:
    old, new = f"{two_revisions}@1", f"{two_revisions}@2"
    code, out, _ = run("diff", old, new, "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert {(c["id"]) for c in result["added"]} == {ADDED}
    assert {(c["id"]) for c in result["removed"]} == {REMOVED}
    assert {(c["id"]) for c in result["modified"]} == {WIDENED, MOVED}
    assert result["matching"]["roads"]["by_geometry"] == 0
    code, out, _ = run("diff", old, new)
    assert f"~ roads {WIDENED}: width_m" in out and f"+ roads {ADDED}" in out
    code, out, _ = run("diff", old, new, "--format", "geojson")
    changes = {f["properties"]["change"] for f in json.loads(out)["features"]}
    assert changes == {"added", "removed", "modified"}
    page = tmp_path / "changes.html"
    code, _, err = run("diff", old, new, "--format", "html", "-o", str(page))
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert "#1a9641" in html and "#d7191c" in html and "#f4a000" in html
    assert WIDENED in html


def test_diff_written_to_a_file(two_revisions: str, tmp_path: Path) -> None:
    old, new = f"{two_revisions}@1", f"{two_revisions}@2"
    for fmt, name in (("json", "changes.json"), ("geojson", "changes.geojson"),
                      ("text", "changes.txt")):
        target = tmp_path / name
        code, out, err = run("diff", old, new, "--format", fmt, "-o", str(target))
        assert code == 0, err
        assert out == "" and f"wrote {target}" in err
        _, printed, _ = run("diff", old, new, "--format", fmt)
        assert target.read_text(encoding="utf-8") == printed


def test_diff_of_a_folder_and_a_store_at_a_revision(two_revisions: str) -> None:
    code, out, _ = run("diff", str(ROOT / "data"), f"{two_revisions}@1")
    assert (code, out.strip()) == (0, "no changes")


def test_rev_options_on_validate_report_export(two_revisions: str, tmp_path: Path) -> None:
    assert run("validate", two_revisions, "--rev", "1")[0] == 0
    assert run("validate", f"{two_revisions}@2", "--format", "json")[0] == 0
    out_file = tmp_path / "roads.geojson"
    code, _, err = run("export", "roads", "-o", str(out_file), "--data", two_revisions,
                       "--rev", "1")
    assert code == 0, err
    assert len(json.loads(out_file.read_text())["features"]) == 68
    code, _, err = run("validate", two_revisions, "--rev", "9")
    assert code == 2 and "has no revision 9" in err
    code, _, err = run("report", str(ROOT / "data"), "--rev", "1")
    assert code == 2 and "not a store" in err


def test_report_trend(two_revisions: str) -> None:
    code, out, _ = run("report", "--trend", two_revisions, "--format", "json")
    assert code == 0
    trend = json.loads(out)
    assert [r["rev"] for r in trend] == [1, 2]
    assert trend[0]["claims"]["roads-concreted"]["value"] == 100.0
    code, out, _ = run("report", "--trend", two_revisions)
    assert "roads-concreted" in out and "rev 2" in out


def test_store_errors_are_one_line(tmp_path: Path) -> None:
    code, _, err = run("store", "log", str(tmp_path / "none.gpkg"))
    assert code == 2 and err.startswith("kimson-geo: error:") and "no store" in err


def test_report_document_with_the_trend(two_revisions: str, tmp_path: Path) -> None:
    out = tmp_path / "ward.html"
    code, _, err = run("report", two_revisions, "--trend", "--format", "html", "-o", str(out))
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert "Diễn biến các tiêu chí qua các phiên bản dữ liệu" in page
    assert "Hình 5." in page and f"{two_revisions}@2" in page
    code, _, err = run("report", str(ROOT / "data"), "--trend", "--format", "html",
                       "-o", str(tmp_path / "x.html"))
    assert code == 2 and "needs a store" in err and not (tmp_path / "x.html").exists()
