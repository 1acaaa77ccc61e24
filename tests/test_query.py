from __future__ import annotations

from pathlib import Path

import pytest

import kimson_geo
from kimson_geo.errors import QueryError
from kimson_geo.query import parse_bbox, parse_near

from _support import ORIGIN_LAT, ORIGIN_LON


@pytest.fixture
def inv(small_dir: Path) -> kimson_geo.Inventory:
    return kimson_geo.load(small_dir)


def test_where_expression(inv: kimson_geo.Inventory) -> None:
    narrow = inv.query("roads", where="kind == 'main' and width_m < 5")
    assert narrow["id"].tolist() == ["r2"]
    assert narrow.attrs["layer"] == "roads"


def test_within_khu_by_name_and_id(inv: kimson_geo.Inventory) -> None:
    # khu-a spans x -50..100 m, khu-b 100..250 m; r3/r4 run along x = 100 (the shared edge)
    by_name = inv.query("roads", within_khu="Kim Thành")
    by_id = inv.query("roads", within_khu="khu-a")
    assert by_name["id"].tolist() == by_id["id"].tolist() == ["r1"]
    assert inv.query("roads", within_khu="khu 2 (tên chưa xác định)")["id"].tolist() == ["r2"]


def test_unknown_khu_lists_the_known_ones(inv: kimson_geo.Inventory) -> None:
    with pytest.raises(QueryError, match="khu-a"):
        inv.query("roads", within_khu="Nowhere")


def test_near_is_measured_in_metres(inv: kimson_geo.Inventory) -> None:
    # the house sits at (20 m, 20 m) from the origin: about 28.3 m away
    assert len(inv.query("cultural_houses", near=(ORIGIN_LAT, ORIGIN_LON, 29))) == 1
    assert len(inv.query("cultural_houses", near=(ORIGIN_LAT, ORIGIN_LON, 27))) == 0
    # r3 starts 100 m east of the origin
    ids = inv.query("roads", near=(ORIGIN_LAT, ORIGIN_LON, 99))["id"].tolist()
    assert ids == ["r1"]


def test_bbox(inv: kimson_geo.Inventory) -> None:
    west, south = ORIGIN_LON - 0.0001, ORIGIN_LAT - 0.0001
    hits = inv.query("roads", bbox=(west, south, ORIGIN_LON + 0.0002, ORIGIN_LAT + 0.0001))
    assert hits["id"].tolist() == ["r1"]


def test_filters_combine(inv: kimson_geo.Inventory) -> None:
    result = inv.query("roads", where="surface == 'asphalt'", near=(ORIGIN_LAT, ORIGIN_LON, 150))
    assert result["id"].tolist() == ["r1", "r2"]


def test_bad_expression_is_one_line(inv: kimson_geo.Inventory) -> None:
    with pytest.raises(QueryError) as caught:
        inv.query("roads", where="kind ==")
    assert "\n" not in str(caught.value)
    with pytest.raises(QueryError, match="no_such_field"):
        inv.query("roads", where="no_such_field > 1")


def test_parse_helpers() -> None:
    assert parse_near("21.07, 106.52, 300") == (21.07, 106.52, 300.0)
    assert parse_bbox("106.5,21.0,106.6,21.1") == (106.5, 21.0, 106.6, 21.1)
    with pytest.raises(QueryError, match="LAT,LON,METRES"):
        parse_near("21.07,106.52")
    with pytest.raises(QueryError, match="latitude"):
        parse_near("106.52,21.07,10")


@pytest.mark.parametrize("text", ["nan,nan,nan,nan", "106.5,nan,106.6,21.1",
                                  "106.5,21.0,inf,21.1", "106.6,21.0,106.5,21.1"])
def test_bbox_must_be_finite_and_ordered(inv: kimson_geo.Inventory, text: str) -> None:
    with pytest.raises(QueryError, match="bbox"):
        parse_bbox(text)
    with pytest.raises(QueryError, match="bbox"):
        inv.query("roads", bbox=tuple(float(v) for v in text.split(",")))  # type: ignore[arg-type]


@pytest.mark.parametrize("near", [(float("nan"), 106.52, 10.0), (21.07, 106.52, float("nan")),
                                  (21.07, 106.52, float("inf")), (21.07, 106.52, -1.0)])
def test_near_must_be_finite(inv: kimson_geo.Inventory, near: tuple[float, float, float]) -> None:
    with pytest.raises(QueryError, match="near"):
        inv.query("roads", near=near)


def test_within_khu_without_id_or_name(small_roads, small_khu) -> None:  # type: ignore[no-untyped-def]
    from kimson_geo.inventory import from_frames

    only_names = from_frames({"roads": small_roads, "khu": small_khu.drop(columns=["id"])})
    assert only_names.query("roads", within_khu="Kim Thành")["id"].tolist() == ["r1"]
    with pytest.raises(QueryError, match="known: Kim Thành; Khu 2"):
        only_names.query("roads", within_khu="khu-a")
    bare = from_frames({"roads": small_roads, "khu": small_khu.drop(columns=["id", "name"])})
    with pytest.raises(QueryError, match="neither an 'id' nor a 'name' column"):
        bare.query("roads", within_khu="Kim Thành")


def test_where_is_never_run_as_code(inv: kimson_geo.Inventory, tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    with pytest.raises(QueryError, match="unexpected '.' at position 5"):
        inv.query("roads", where="kind.__init__.__globals__['sys'].modules['os']"
                                 f".system('touch {marker}') == 0")
    assert not marker.exists()
