"""Survey deliveries as they arrive, built in tmp_path for the intake tests
(importable as ``_deliveries``; tests/ is on sys.path).

Positions are metre offsets from the ward's centre in VN-2000 / TM-3 107-45 (EPSG:5899),
so a test can check an imported feature to the centimetre.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
from pyproj import Transformer
from shapely.geometry import LineString

from kimson_geo.registry import (
    CULTURAL_HOUSES_LAYER,
    KIND,
    METRIC_CRS,
    NAME,
    SOURCE_FIELD,
    WGS84,
)

from _support import ORIGIN_LAT, ORIGIN_LON

_TO_METRIC = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
#: the ward's centre in EPSG:5899 (easting, northing)
E0, N0 = _TO_METRIC.transform(ORIGIN_LON, ORIGIN_LAT)

#: the road delivery of issue 10: (LOAI_DUONG, KET_CAU, BE_RONG, TEN_DUONG)
ROADS = [
    ("Đường trục chính", "BTXM", "5,5", "Đường Kim Thành"),
    ("Đường trục chính", "Bê tông xi măng", "4.5 m", "Đường Kim Sơn"),
    ("Đường liên khu", "Láng nhựa", "6", "Đường liên khu 1"),
    ("Đường liên tổ", "Cấp phối", "5.0 m", "Đường liên tổ 2"),
    ("Ngõ xóm", "Đất", "3,5", None),
    ("Đường liên tổ", "BTXM", "5-6", "Đường liên tổ 3"),
]
#: what each road must become: (kind, surface, width_m or None)
ROADS_EXPECTED = [
    ("main", "concrete", 5.5), ("main", "concrete", 4.5), ("inter_khu", "asphalt", 6.0),
    ("inter_group", "gravel", 5.0), ("alley", "earth", 3.5), ("inter_group", "concrete", None),
]


def road_lines() -> list[LineString]:
    """One connected chain of road segments in EPSG:5899 metres."""
    points = [(E0 + 150.0 * i, N0 + 20.0 * i) for i in range(len(ROADS) + 1)]
    return [LineString([points[i], points[i + 1]]) for i in range(len(ROADS))]


def tcvn3(text: str) -> str:
    """``text`` in TCVN3 (ABC) bytes, each byte as the Latin-1 character GDAL would write."""
    import unicodedata

    from kimson_geo.io.vn_encodings import decode_tcvn3

    table = {decode_tcvn3(bytes([b])): b for b in range(0x80, 0x100)}
    table = {k: v for k, v in table.items() if len(k) == 1}
    out = bytes(table[c] if c in table else c.encode("ascii")[0]
                for c in unicodedata.normalize("NFC", text))
    return out.decode("latin-1")


def road_shapefile(folder: Path, *, encoding: str = "UTF-8", name: str = "giao_thong") -> Path:
    """The Shapefile of issue 10's "Why" in VN-2000, without a .prj; ``encoding="TCVN3"``
    writes its text in TCVN3 with no .cpg, as an old MapInfo or AutoCAD export would."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame({
        "MA_DUONG": [f"GT{i:02d}" for i in range(1, len(ROADS) + 1)],
        "TEN_DUONG": [r[3] for r in ROADS],
        "LOAI_DUONG": [r[0] for r in ROADS],
        "KET_CAU": [r[1] for r in ROADS],
        "BE_RONG": [r[2] for r in ROADS],
        "GHI_CHU": ["đo 2023", None, None, None, None, None],
        "NGUOI_DO": ["Nguyễn Văn An", None, None, None, None, None],
    }, geometry=road_lines())
    path = folder / f"{name}.shp"
    if encoding == "TCVN3":
        for column in frame.columns:
            if column != "geometry":
                frame[column] = frame[column].map(lambda v: tcvn3(v) if isinstance(v, str)
                                                  else v)
        write_bare_shapefile(frame, path, encoding="ISO-8859-1")
        path.with_suffix(".cpg").unlink(missing_ok=True)
    else:
        write_bare_shapefile(frame, path, encoding=encoding)
    return path


def write_bare_shapefile(frame: gpd.GeoDataFrame, path: Path, *, encoding: str = "UTF-8"
                         ) -> None:
    """A Shapefile without .prj, as survey offices often send them."""
    import warnings

    import pyogrio

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        pyogrio.write_dataframe(frame.set_crs(None, allow_override=True), path,
                                driver="ESRI Shapefile", encoding=encoding)


#: cultural houses: (TÊN, LOẠI, offset east m, offset north m, KINH PHÍ, NĂM XD)
HOUSES = [
    ("Nhà văn hóa khu Kim Thành", "Nhà văn hóa khu", 120.25, -340.5, "1,5 tỷ", 2017),
    ("Nhà văn hóa khu Kim Lộc", "NVH khu", -410.75, 220.125, "1.200.000.000 đ", 2015),
    ("Nhà văn hóa phường Kim Sơn", "Nhà văn hóa phường", 15.5, 30.25, "3 tỷ", 2012),
]


def houses_rows(*, xy: bool = True) -> list[list[object]]:
    """The cultural houses' sheet: a title row, a header, one row per house (X = northing,
    Y = easting, the Vietnamese survey order)."""
    header = ["STT", "Tên nhà văn hóa", "Loại", "X (m)", "Y (m)", "Kinh phí", "Năm xây dựng"]
    if not xy:
        header[3:5] = ["Diện tích", "Số phòng"]
    rows: list[list[object]] = [["DANH SÁCH NHÀ VĂN HÓA PHƯỜNG KIM SƠN"], header]
    for i, (title, kind, de, dn, cost, year) in enumerate(HOUSES, start=1):
        rows.append([i, title, kind, round(N0 + dn, 3), round(E0 + de, 3), cost, year])
    return rows


def assert_houses_imported(result, source: str) -> None:
    """The cultural houses of :data:`HOUSES` as an import made them: names, kinds, money
    and years mapped, every house within a centimetre of its surveyed place (X northing,
    Y easting), the survey order noted, and ``source`` on the first one."""
    houses = result.layers[CULTURAL_HOUSES_LAYER]
    assert houses[NAME].tolist() == [h[0] for h in HOUSES]
    assert houses[KIND].tolist() == ["khu", "khu", "ward"]
    assert houses["cost_vnd_over"].tolist() == [1_500_000_000, 1_200_000_000, 3_000_000_000]
    assert houses["built_year"].tolist() == [2017, 2015, 2012]
    metric = houses.to_crs(METRIC_CRS).geometry
    for point, house in zip(metric, HOUSES, strict=True):
        assert abs(point.x - (E0 + house[2])) < 0.01
        assert abs(point.y - (N0 + house[3])) < 0.01
    assert any("Vietnamese survey order" in n for n in result.notes)
    assert houses[SOURCE_FIELD].iloc[0] == source


def houses_workbook(folder: Path, *, xy: bool = True, name: str = "nha_van_hoa") -> Path:
    """A spreadsheet of cultural houses with VN-2000 X (northing) and Y (easting) columns."""
    from openpyxl import Workbook

    folder.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách NVH"
    for row in houses_rows(xy=xy):
        sheet.append(row)
    path = folder / f"{name}.xlsx"
    book.save(path)
    return path


def houses_table(folder: Path, suffix: str, *, name: str = "nha_van_hoa") -> Path:
    """The same sheet as :func:`houses_workbook` as ``.csv`` (UTF-8 with a BOM, as Excel
    saves it), ``.ods`` (odfpy, through pandas) or ``.xls`` (xlwt, Excel 97-2003)."""
    import csv

    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}{suffix}"
    rows = houses_rows()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
    elif suffix == ".ods":
        width = max(len(r) for r in rows)
        table = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
        with pd.ExcelWriter(path, engine="odf") as writer:
            table.to_excel(writer, sheet_name="Danh sách NVH", header=False, index=False)
    elif suffix == ".xls":
        import xlwt

        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Danh sach NVH")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
        book.save(str(path))
    else:
        raise ValueError(suffix)
    return path


def drawing(folder: Path, *, layers: tuple[str, str] = ("GIAO_THONG", "NHA_VAN_HOA"),
            encoding: str = "UTF-8") -> Path:
    """An AutoCAD drawing: two roads on a road layer with width and name labels beside
    them, a cultural house as a point, and a label far from everything.

    ``encoding="TCVN3"`` writes an AutoCAD 2000 drawing (before 2007, so its text is in
    its code page) whose ``$DWGCODEPAGE`` says ANSI_1252 but whose TEXT and MTEXT hold
    TCVN3 (ABC) bytes, as drawings typed with the .VnTime fonts do.
    """
    import ezdxf

    folder.mkdir(parents=True, exist_ok=True)
    legacy = encoding == "TCVN3"
    doc = ezdxf.new("R2000" if legacy else "R2010")
    if legacy:
        doc.header["$DWGCODEPAGE"] = "ANSI_1252"

    def text(value: str) -> str:
        return tcvn3(value) if legacy else value

    space = doc.modelspace()
    road, house = layers
    space.add_lwpolyline([(E0, N0), (E0 + 200, N0)], dxfattribs={"layer": road})
    space.add_lwpolyline([(E0 + 200, N0), (E0 + 200, N0 + 150)], dxfattribs={"layer": road})
    space.add_text("B=5,5m", dxfattribs={"layer": road, "insert": (E0 + 100, N0 + 3)})
    space.add_text(text("Đường Kim Thành"),
                   dxfattribs={"layer": road, "insert": (E0 + 90, N0 - 4)})
    space.add_mtext("3,5 m", dxfattribs={"layer": road, "insert": (E0 + 204, N0 + 70)})
    space.add_mtext(text("Ngõ Lộc Hải"), dxfattribs={"layer": road,
                                                      "insert": (E0 + 196, N0 + 80)})
    space.add_text(text("ghi chú lạc"),
                   dxfattribs={"layer": road, "insert": (E0 + 900, N0 + 900)})
    space.add_point((E0 + 50, N0 + 60), dxfattribs={"layer": house})
    space.add_text(text("Nhà văn hóa khu Kim Thành"),
                   dxfattribs={"layer": house, "insert": (E0 + 52, N0 + 61)})
    path = folder / "ban_ve.dxf"
    # Latin-1 writes each character of the TCVN3 text as the one byte it stands for
    doc.saveas(path, encoding="latin-1" if legacy else None)
    return path


def kmz(folder: Path) -> Path:
    """A Google Earth KMZ: a folder of cultural houses with description tables, and
    ExtendedData on a road."""
    folder.mkdir(parents=True, exist_ok=True)
    to_wgs = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)
    lon, lat = to_wgs.transform(E0 + 120.25, N0 - 340.5)
    lon2, lat2 = to_wgs.transform(E0 + 300, N0 + 10)
    kml = f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Folder><name>Nhà văn hóa</name>
<Placemark><name>Nhà văn hóa khu Kim Thành</name>
<description><![CDATA[<table><tr><td>LOAI</td><td>Nhà văn hóa khu</td></tr>
<tr><td>NAM_XD</td><td>2017</td></tr><tr><td>KINH_PHI</td><td>1,5 tỷ</td></tr>
</table>]]></description>
<Point><coordinates>{lon:.9f},{lat:.9f}</coordinates></Point></Placemark>
</Folder>
<Folder><name>Giao thông</name>
<Placemark><name>Đường Kim Sơn</name>
<ExtendedData><Data name="LOAI_DUONG"><value>Đường liên khu</value></Data>
<Data name="KET_CAU"><value>BTXM</value></Data><Data name="BE_RONG"><value>5,0 m</value></Data>
</ExtendedData>
<LineString><coordinates>{lon:.9f},{lat:.9f} {lon2:.9f},{lat2:.9f}</coordinates></LineString>
</Placemark></Folder>
</Document></kml>"""
    path = folder / "kim_son.kmz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("doc.kml", kml)
    return path


def osm_extract(folder: Path) -> Path:
    """A small OpenStreetMap XML extract: two roads, a ditch, a community centre."""
    folder.mkdir(parents=True, exist_ok=True)
    to_wgs = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)
    nodes = [to_wgs.transform(E0 + de, N0 + dn) for de, dn in
             [(0, 0), (200, 0), (200, 150), (0, 100), (100, 120), (60, 60)]]
    node_xml = "\n".join(f'<node id="{i + 1}" lat="{lat:.8f}" lon="{lon:.8f}"/>'
                         for i, (lon, lat) in enumerate(nodes[:5]))
    lon, lat = nodes[5]
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="kimson tests">
{node_xml}
<node id="6" lat="{lat:.8f}" lon="{lon:.8f}"><tag k="amenity" v="community_centre"/>
<tag k="name" v="Nhà văn hóa khu Kim Thành"/></node>
<way id="101"><nd ref="1"/><nd ref="2"/><tag k="highway" v="tertiary"/>
<tag k="surface" v="concrete"/><tag k="width" v="5.5"/><tag k="name" v="Đường Kim Thành"/></way>
<way id="102"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/>
<tag k="surface" v="asphalt"/><tag k="width" v="4"/></way>
<way id="103"><nd ref="4"/><nd ref="5"/><tag k="waterway" v="ditch"/></way>
</osm>"""
    path = folder / "kim_son.osm"
    path.write_text(xml, encoding="utf-8")
    return path
