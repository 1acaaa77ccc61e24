"""kimson_geo.intake.sheets: point lists in every spreadsheet format a ward office sends."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kimson_geo.errors import DataSourceError
from kimson_geo.intake import import_delivery
from kimson_geo.intake.dictionary import builtin_dictionary
from kimson_geo.intake.sheets import read_sheets, sheet_rows
from kimson_geo.registry import (
    CULTURAL_HOUSES_LAYER,
    METRIC_CRS,
    layer_spec,
)

import _deliveries as D

FORMATS = [".csv", ".ods", ".xls"]


@pytest.mark.parametrize("suffix", FORMATS)
def test_each_format_gives_the_rows_as_written(tmp_path: Path, suffix: str) -> None:
    path = D.houses_table(tmp_path, suffix)
    (rows,) = sheet_rows(path).values()
    header = rows[1]
    assert [str(c) for c in header[:5]] == ["STT", "Tên nhà văn hóa", "Loại", "X (m)", "Y (m)"]
    assert [r[1] for r in rows[2:5]] == [h[0] for h in D.HOUSES]


@pytest.mark.parametrize("suffix", FORMATS)
def test_houses_in_xy_survey_order_land_within_centimetres(tmp_path: Path,
                                                           suffix: str) -> None:
    path = D.houses_table(tmp_path / "in", suffix)
    result = import_delivery(path, tmp_path / "out")
    D.assert_houses_imported(result, f"nha_van_hoa{suffix}, record 3")
    assert result.report is not None and not result.report.errors
    assert result.written == [tmp_path / "out" / layer_spec(CULTURAL_HOUSES_LAYER).file_name]


def test_semicolon_csv_with_decimal_commas(tmp_path: Path) -> None:
    # Excel in a Vietnamese locale saves "CSV" with ; between cells and , in numbers
    path = tmp_path / "nvh.csv"
    rows = D.houses_rows()
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        for row in rows:
            out.writerow([f"{v:.3f}".replace(".", ",") if isinstance(v, float) else v
                          for v in row])
    (table,) = read_sheets(path, builtin_dictionary())
    metric = table.frame.to_crs(METRIC_CRS).geometry
    for point, house in zip(metric, D.HOUSES, strict=True):
        assert abs(point.x - (D.E0 + house[2])) < 0.01
        assert abs(point.y - (D.N0 + house[3])) < 0.01


def test_csv_without_coordinates_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nvh.csv"
    path.write_text("STT,Tên nhà văn hóa,Loại\n1,Nhà văn hóa khu Kim Thành,NVH khu\n",
                    encoding="utf-8")
    with pytest.raises(DataSourceError, match="no sheet has coordinate columns"):
        import_delivery(path, None, dry_run=True)
