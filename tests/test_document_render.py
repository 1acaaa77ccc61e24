"""The report document: PDF text (pdftotext), figures (pdfimages), HTML, broken input and
outputs that cannot be written."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

import kimson_geo
from kimson_geo.cli.main import cli
from kimson_geo.document import render_html, write_report
from kimson_geo.document.texts import text
from kimson_geo.registry import METRIC_CRS, NAME, ROADS_LAYER

from _support import copy_bundled, edit_features, tree_snapshot


def _vi(value: float, decimals: int = 2) -> str:
    """A number with Vietnamese marks, written here independently of the package."""
    return f"{value:,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")


@pytest.fixture(scope="module")
def bundled_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "kimson.pdf"
    result = CliRunner().invoke(cli, ["report", "--format", "pdf", "-o", str(path)])
    assert result.exit_code == 0, result.stderr
    return path


def _pages(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                         check=True).stdout.decode("utf-8")
    return [unicodedata.normalize("NFC", page) for page in out.split("\f") if page.strip()]


def test_pdf_carries_the_bundled_numbers_and_vietnamese_text(bundled, bundled_pdf) -> None:
    pages = _pages(bundled_pdf)
    assert len(pages) >= 4
    whole = "\n".join(pages)
    total_km = float(bundled[ROADS_LAYER].to_crs(METRIC_CRS).length.sum()) / 1000
    assert f"{_vi(total_km)} km" in whole
    assert "96,45%" in whole
    for name in bundled["khu"][NAME].tolist() + bundled["cultural_houses"][NAME].tolist():
        assert unicodedata.normalize("NFC", name) in re.sub(r"\s+", " ", whole), name
    assert "Báo cáo hiện trạng hạ tầng – Phường Kim Sơn" in whole
    for n in (1, 2, 3):
        assert f"Hình {n}." in whole
    # the provenance warning is in every page's footer
    warning = text("schematic_short", "vi")
    assert all(warning in page for page in pages)


def test_pdf_has_the_map_and_charts(bundled_pdf) -> None:
    listing = subprocess.run(["pdfimages", "-list", str(bundled_pdf)], capture_output=True,
                             check=True).stdout.decode()
    images = [line for line in listing.splitlines()[2:] if line.split()
              and line.split()[2] == "image"]
    assert len(images) >= 3  # the printed map and at least two charts


def test_html_in_english_has_figures_and_english_numbers() -> None:
    page = render_html(lang="en")
    assert page.count('<img src="data:image/png;base64,') >= 3
    assert "Figure 1." in page and "Hình 1." not in page
    assert "96.45%" in page
    assert '<html lang="en">' in page


def test_trend_chart_from_a_list_of_revisions(bundled) -> None:
    claims = bundled.validate().claims
    page = render_html(bundled, trend=[("rev-1", claims), ("rev-2", claims)],
                       revision="rev-2")
    assert text("trend", "vi") in page
    assert "rev-2" in page
    assert page.count("<figure") == 5


def test_title_and_data_are_escaped(tmp_path: Path) -> None:
    data = copy_bundled(tmp_path)

    def rename(features: list) -> None:  # type: ignore[type-arg]
        features[0]["properties"]["name"] = "<script>alert(1)</script>"

    edit_features(data, "khu", rename)
    out = tmp_path / "r.html"
    write_report(data, out, title='</style><b>"x"</b>')
    page = out.read_text("utf-8")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "</style><b>" not in page and "&lt;/style&gt;&lt;b&gt;" in page


def test_broken_inventory_still_gives_a_report(tmp_path: Path) -> None:
    data = copy_bundled(tmp_path)
    (data / "roads.geojson").write_text('{"type": "FeatureCollection", "features": [',
                                        encoding="utf-8")

    def no_kind(features: list) -> None:  # type: ignore[type-arg]
        features[0]["properties"]["kind"] = "castle"

    edit_features(data, "drainage", no_kind)
    before = tree_snapshot(data)
    out = tmp_path / "broken.pdf"
    result = CliRunner().invoke(cli, ["report", str(data), "--format", "pdf", "-o", str(out)])
    assert result.exit_code == 1, result.stderr
    assert out.is_file()
    whole = "\n".join(_pages(out))
    assert text("unreadable", "vi") in whole and "roads.geojson" in whole
    assert "castle" in whole  # the drainage problem is listed, with its value
    assert text("not_in_data", "vi") in whole  # the roads section says what is missing
    assert tree_snapshot(data) == before


def test_unwritable_output_exits_2_and_leaves_nothing(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out_dir = tmp_path / "ro"
    out_dir.mkdir()
    real = os.mkdir

    def refuse(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path).parent == out_dir:  # root ignores mode bits: refuse as EACCES would
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    result = CliRunner().invoke(cli, ["report", "--format", "html", "-o",
                                      str(out_dir / "r.html")])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"kimson-geo: error: {out_dir}: cannot write here: Permission denied"]
    assert list(out_dir.iterdir()) == []


def test_output_under_a_file_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "--format", "pdf", "-o",
                                      str(blocker / "r.pdf")])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_document_needs_an_output_and_text_stays_the_default() -> None:
    result = CliRunner().invoke(cli, ["report", "--format", "html"])
    assert result.exit_code == 2 and "-o FILE" in result.stderr
    result = CliRunner().invoke(cli, ["report", "-o", "x.pdf"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["report"])
    assert result.exit_code == 0 and "roads-concreted" in result.stdout


def test_python_api_writes_by_suffix(tmp_path: Path, bundled) -> None:
    out = kimson_geo.write_report(bundled, tmp_path / "r.html", lang="en")
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(kimson_geo.ExportError, match="cannot tell the report format"):
        kimson_geo.write_report(bundled, tmp_path / "r.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
