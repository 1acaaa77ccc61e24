#!/usr/bin/env python
"""Build the bundled, SCHEMATIC inventory of phường Kim Sơn into ``data/``.

Usage::

    .venv/bin/python scripts/build_data.py            # writes data/*.geojson and data/README.md
    .venv/bin/python scripts/build_data.py OUT_DIR    # writes the same files into OUT_DIR

The layout is illustrative, not surveyed: every geometry is drawn here as metre offsets from
an approximate centre (about 21.07° N, 106.52° E, LOW confidence) in the provincial metric CRS
(``registry.METRIC_CRS``), transformed to WGS 84 with pyproj and rounded to 7 decimals.
Names and numbers come from the 2017 article (``seeds/000_75798ff1c27e8745.txt``) and the
data brief; everything else is a placeholder that says so.

The script is deterministic (no randomness): the same inputs give byte-identical files.
Every layer name, file name, field name and code comes from :mod:`kimson_geo.registry`.
The files are written to a staging folder first and must pass ``kimson_geo.validate`` with
no issue at all (schemas, geometry, khu tiling the boundary, one road network with marked
dead ends, drainage outfalls, everything inside the ward, the article's rules); the script
then checks what it promises beyond those rules (lines cross only at nodes, ``dead_end``
only on a dangling segment, outfalls on the ward edge, culverts under one road each) and
fails loudly if anything breaks, before anything is written to the output folder.
"""

from __future__ import annotations

import json
import sys
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.polygon import orient
from shapely.ops import substring, unary_union

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # let the script run from a checkout without an install
    sys.path.insert(0, str(ROOT))

import kimson_geo  # noqa: E402
from kimson_geo.io.atomic import write_text  # noqa: E402
from kimson_geo.registry import (  # noqa: E402
    LAYER_NAMES,
    METRIC_CRS,
    WGS84,
    LayerSpec,
    iter_layers,
    layer_spec,
)

__all__ = ["build", "main"]


class BuildError(RuntimeError):
    """The generated data breaks a rule this script promises."""


# ----------------------------------------------------------------------------- layers
# Layer handles; layer_spec() raises if the registry ever drops or renames one.
BOUNDARY = layer_spec("boundary")
KHU = layer_spec("khu")
ROADS = layer_spec("roads")
DRAINAGE = layer_spec("drainage")
HOUSES = layer_spec("cultural_houses")
SPORTS = layer_spec("sports_areas")
CLUSTERS = layer_spec("industrial_clusters")
ENTERPRISES = layer_spec("enterprises")
WHARVES = layer_spec("wharves")
PROJECTS = layer_spec("projects")

# Field names the script reads back from the features it built (checked against the
# registry at import time).
F_ID = ROADS.field("id").name
F_NAME = ROADS.field("name").name
F_KIND = ROADS.field("kind").name
F_KHU = ROADS.field("khu").name
F_DEAD_END = ROADS.field("dead_end").name
F_OUTFALL = DRAINAGE.field("outfall").name
F_CLUSTER = ENTERPRISES.field("cluster").name
F_NAME_KNOWN = KHU.field("name_known").name
F_CONFIDENCE = KHU.field("confidence").name
F_WIDTH = ROADS.field("width_m").name

# ---------------------------------------------------------------------------- sources
SRC_ARTICLE = ("Báo cáo 6 tháng đầu năm 2017, phường Kim Sơn "
               "(seeds/000_75798ff1c27e8745.txt)")
SRC_GSO = "DATA_BRIEF: public unit-code list (GSO)"
SRC_ADDRESS = "DATA_BRIEF: public address string “Khu Gia Mô, phường Kim Sơn”"
SRC_MERGER = "DATA_BRIEF: public 2025 merger tables"
SRC_SCHEMATIC = "schematic layout by kimson_geo"


def sources(*items: str) -> str:
    return "; ".join(items)


POSITION = "schematic"
UNKNOWN = "(tên chưa xác định)"

# --------------------------------------------------------------------------- geometry
#: Approximate centre of the ward (a secondary listing; LOW confidence).
CENTRE_LONLAT = (106.52, 21.07)
DECIMALS = 7

_TO_WGS84 = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)
_TO_METRIC = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
CX, CY = _TO_METRIC.transform(*CENTRE_LONLAT)

XY = tuple[float, float]
_LL_CACHE: dict[XY, XY] = {}


def ll(p: XY) -> XY:
    """WGS 84 (lon, lat), rounded, of a metre offset ``p`` from the centre (cached)."""
    key = (float(p[0]), float(p[1]))
    if key not in _LL_CACHE:
        lon, lat = _TO_WGS84.transform(CX + key[0], CY + key[1])
        _LL_CACHE[key] = (round(lon, DECIMALS), round(lat, DECIMALS))
    return _LL_CACHE[key]


def _to_metric_coords(coords: np.ndarray) -> np.ndarray:
    x, y = _TO_METRIC.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def metric(geom: Any) -> Any:
    """A WGS 84 shapely geometry in the metric CRS (absolute EPSG:5899 coordinates)."""
    return shapely.transform(geom, _to_metric_coords)


# Named points of the khu partition (metre offsets east, north of the centre). Every khu
# ring and the boundary are built from these, so shared edges have identical vertices.
KP: dict[str, XY] = {
    # outer ring, counter-clockwise from the west
    "BW": (-1290, 180), "W2": (-1250, -300), "SW": (-1050, -800), "S1": (-700, -980),
    "O1": (-520, -1011), "BS": (-350, -1040), "O2": (-120, -1020), "S2": (0, -1010),
    "S3": (350, -1060), "BSE": (650, -990), "O3": (800, -930), "SE": (1000, -850),
    "SE2": (1220, -500), "E1": (1280, -50), "BE": (1300, 300), "O4": (1255, 450),
    "NE1": (1180, 700), "NE2": (900, 950), "N1": (450, 1030), "N2": (100, 990),
    "BN": (-180, 1040), "NW1": (-600, 980), "NW2": (-950, 820), "NW3": (-1200, 520),
    # inner triple points and bends of the khu divides
    "C": (-150, 180), "D": (-450, 120), "E": (550, 250),
    "M1": (-800, 200), "M2": (-120, 600), "M3": (200, 220), "M4": (950, 320),
    "M5": (-420, -400), "M6": (600, -300),
}
OUTER_RING = ("BW", "W2", "SW", "S1", "O1", "BS", "O2", "S2", "S3", "BSE", "O3", "SE",
              "SE2", "E1", "BE", "O4", "NE1", "NE2", "N1", "N2", "BN", "NW1", "NW2", "NW3")


@dataclass(frozen=True)
class KhuDef:
    id: str
    name: str
    name_known: bool
    confidence: str
    source: str
    ring: tuple[str, ...]
    note: str


KHU_DEFS: tuple[KhuDef, ...] = (
    KhuDef("khu-kim-thanh", "Kim Thành", True, "high", sources(SRC_ARTICLE, SRC_SCHEMATIC),
           ("BW", "M1", "D", "C", "M2", "BN", "NW1", "NW2", "NW3"),
           "Tên khu có trong bài báo; vị trí và ranh giới là sơ đồ minh họa."),
    KhuDef("khu-gia-mo", "Gia Mô", True, "medium",
           sources(SRC_ADDRESS, SRC_ARTICLE, SRC_SCHEMATIC),
           ("C", "M3", "E", "M4", "BE", "O4", "NE1", "NE2", "N1", "N2", "BN", "M2"),
           "Tên khu lấy từ một địa chỉ công khai (độ tin cậy trung bình); vị trí là sơ đồ."),
    KhuDef("khu-3", f"Khu 3 {UNKNOWN}", False, "low", sources(SRC_ARTICLE, SRC_SCHEMATIC),
           ("BW", "W2", "SW", "S1", "O1", "BS", "M5", "D", "M1"),
           "Tên giữ chỗ: tên thật của khu chưa được biết."),
    KhuDef("khu-4", f"Khu 4 {UNKNOWN}", False, "low", sources(SRC_ARTICLE, SRC_SCHEMATIC),
           ("BS", "O2", "S2", "S3", "BSE", "M6", "E", "M3", "C", "D", "M5"),
           "Tên giữ chỗ: tên thật của khu chưa được biết."),
    KhuDef("khu-5", f"Khu 5 {UNKNOWN}", False, "low", sources(SRC_ARTICLE, SRC_SCHEMATIC),
           ("BSE", "O3", "SE", "SE2", "E1", "BE", "M4", "E", "M6"),
           "Tên giữ chỗ: tên thật của khu chưa được biết."),
)

# Road nodes (metre offsets). Segment ends are these nodes, so shared ends are identical.
RN: dict[str, XY] = {
    # main axis 1 (west-east)
    "A0": (-1265, -20), "A1": (-900, 0), "AX1": (-700, 12), "A2": (-480, 20),
    "A3": (-60, 30), "AX2": (150, 22), "A4": (350, 10), "AX3": (520, -3),
    "A5": (750, -20), "A6": (1050, -40), "A7": (1272, -45),
    # main axis 2 (north-south, ends at the port)
    "B0": (-80, 1010), "B1": (-90, 700), "B2": (-75, 380), "BX1": (-80, 130),
    "B3": (-20, -350), "B4": (60, -700), "B5": (150, -1010),
    # inter-khu junctions
    "K1": (-880, 450), "K2": (-500, 620), "K3": (400, 680), "K4": (850, 560),
    "K5": (1020, 250), "K6": (-600, -450), "K7": (-250, -650), "K8": (450, -600),
    "K9": (750, -420), "K10": (1000, -520), "W1": (420, -900),
    # inter-group junctions and ends
    "G1": (-1120, 480), "G2": (-520, 300), "G3": (-260, 320), "G5": (280, 400),
    "G6": (650, 380), "G7": (-930, -420), "G8": (-960, -760), "G9": (300, -280),
    # alley ends
    "L1": (-700, -200), "L2": (-720, 250), "L3": (-300, 80), "L5": (160, -200),
    "L6": (500, -250), "L7": (480, 220), "L10": (420, 900), "L11": (1000, 780),
    "L12": (1220, 260), "L13": (-850, 700), "L14": (-560, 880), "L15": (-1150, -400),
    "L16": (-620, -800), "L17": (-230, -900), "L19": (1120, -600), "L20": (880, -710),
    "L22": (250, 560), "L24": (-280, 520),
}


#: dangling nodes where a main road meets the ward edge (the data ends, the road may not)
EDGE_EXITS = frozenset({"A0", "A7", "B0"})
#: dangling nodes inside the port cluster
PORT_ENDS = frozenset({"B5", "W1"})


@dataclass(frozen=True)
class Route:
    name: str
    kind: str
    surface: str
    width_m: float
    name_known: bool
    confidence: str
    note: str | None = None


_NOTE_MAIN = ("Bài báo: các tuyến đường trục chính được mở rộng 5–6 m. Tuyến, tên và "
              "mặt đường là sơ đồ minh họa.")
_NOTE_CONCRETE = ("Bài báo: 100% đường liên khu, liên tổ đã bê tông hóa. Tuyến và tên là "
                  "sơ đồ minh họa.")
_NOTE_ALLEY = "Ngõ minh họa: vị trí, mặt đường và bề rộng không có trong nguồn."

ROUTES: dict[str, Route] = {
    "M1": Route(f"Trục chính 1 {UNKNOWN}", "main", "asphalt", 6.0, False, "medium", _NOTE_MAIN),
    "M2": Route(f"Trục chính 2 {UNKNOWN}", "main", "concrete", 5.5, False, "medium",
                _NOTE_MAIN),
    "LK1": Route(f"Đường liên khu 1 {UNKNOWN}", "inter_khu", "concrete", 4.0, False, "medium",
                 _NOTE_CONCRETE),
    "LK2": Route(f"Đường liên khu 2 {UNKNOWN}", "inter_khu", "concrete", 4.5, False, "medium",
                 _NOTE_CONCRETE),
    "LK3": Route(f"Đường liên khu 3 {UNKNOWN}", "inter_khu", "concrete", 4.0, False, "medium",
                 _NOTE_CONCRETE),
    "LK4": Route(f"Đường liên khu 4 {UNKNOWN}", "inter_khu", "concrete", 3.5, False, "medium",
                 _NOTE_CONCRETE),
    "CCN": Route(f"Đường vào cụm công nghiệp Kim Sơn {UNKNOWN}", "inter_khu", "concrete", 4.5,
                 False, "medium",
                 "Bài báo nhắc đến đường vào cụm công nghiệp Kim Sơn; tuyến và tên là sơ đồ."),
    "CC": Route(f"Đường vào cụm cảng Kim Sơn {UNKNOWN}", "inter_khu", "concrete", 4.5, False,
                "medium", "Bài báo nhắc đến đường vào cụm cảng Kim Sơn; tuyến và tên là sơ đồ."),
}
for _i, _w in enumerate((3.0, 3.5, 3.0, 3.5, 2.5, 3.0, 3.0, 2.5, 3.5, 3.0, 2.5), start=1):
    ROUTES[f"IG{_i}"] = Route(f"Đường liên tổ {_i} {UNKNOWN}", "inter_group", "concrete", _w,
                              False, "medium", _NOTE_CONCRETE)
_ALLEYS = (  # (surface, width)
    ("earth", 2.0), ("concrete", 2.5), ("concrete", 3.0), ("gravel", 2.0), ("concrete", 2.5),
    ("gravel", 1.5), ("concrete", 2.0), ("gravel", 2.5), ("concrete", 3.0), ("earth", 1.5),
    ("concrete", 2.0), ("gravel", 2.0), ("concrete", 2.5), ("earth", 2.0), ("concrete", 3.0),
    ("gravel", 3.0), ("concrete", 2.0), ("gravel", 2.5),
)
for _i, (_s, _w) in enumerate(_ALLEYS, start=1):
    ROUTES[f"N{_i}"] = Route(f"Ngõ {_i} {UNKNOWN}", "alley", _s, _w, False, "low", _NOTE_ALLEY)

# (route, from node, to node, intermediate vertices, width override)
ROAD_SEGMENTS: tuple[tuple[str, str, str, tuple[XY, ...], float | None], ...] = (
    ("M1", "A0", "A1", ((-1080, -8),), 5.5),
    ("M1", "A1", "AX1", (), 5.5),
    ("M1", "AX1", "A2", (), 6.0),
    ("M1", "A2", "A3", ((-270, 28),), 6.0),
    ("M1", "A3", "AX2", (), 6.0),
    ("M1", "AX2", "A4", (), 6.0),
    ("M1", "A4", "AX3", (), 6.0),
    ("M1", "AX3", "A5", (), 5.5),
    ("M1", "A5", "A6", ((900, -32),), 5.5),
    ("M1", "A6", "A7", (), 5.0),
    ("M2", "B0", "B1", ((-85, 860),), 5.0),
    ("M2", "B1", "B2", ((-85, 540),), 5.5),
    ("M2", "B2", "BX1", (), 5.5),
    ("M2", "BX1", "A3", (), 6.0),
    ("M2", "A3", "B3", ((-45, -160),), 6.0),
    ("M2", "B3", "B4", (), 5.5),
    ("M2", "B4", "B5", ((100, -850),), 5.0),
    ("LK1", "A1", "K1", ((-905, 220),), None),
    ("LK1", "K1", "K2", ((-700, 560),), None),
    ("LK1", "K2", "B1", ((-300, 690),), None),
    ("LK2", "B1", "K3", ((160, 705),), None),
    ("LK2", "K3", "K4", (), None),
    ("LK2", "K4", "K5", (), None),
    ("LK2", "K5", "A6", (), None),
    ("LK3", "A2", "K6", ((-540, -200),), None),
    ("LK3", "K6", "K7", (), None),
    ("LK3", "K7", "B4", (), None),
    ("LK4", "B4", "K8", (), None),
    ("LK4", "K8", "K9", (), None),
    ("LK4", "K9", "A5", ((760, -220),), None),
    ("CCN", "K9", "K10", (), None),
    ("CCN", "A6", "K10", ((1090, -250),), None),
    ("CC", "K8", "W1", (), None),
    ("IG1", "K1", "G1", (), None),
    ("IG2", "K2", "G2", (), None),
    ("IG2", "G2", "A2", (), None),
    ("IG3", "G2", "G3", (), None),
    ("IG3", "G3", "B2", (), None),
    ("IG4", "B2", "G5", (), None),
    ("IG4", "G5", "G6", (), None),
    ("IG4", "G6", "K5", (), None),
    ("IG5", "G5", "K3", (), None),
    ("IG6", "G6", "K4", (), None),
    ("IG7", "A1", "G7", (), None),
    ("IG7", "G7", "G8", (), None),
    ("IG8", "G7", "K6", (), None),
    ("IG9", "B3", "G9", (), None),
    ("IG9", "G9", "K8", (), None),
    ("IG10", "G9", "A4", (), None),
    ("IG11", "K7", "B3", (), None),
    ("N1", "AX1", "L1", (), None),
    ("N2", "AX1", "L2", (), None),
    ("N3", "BX1", "L3", (), None),
    ("N4", "AX2", "L5", (), None),
    ("N5", "AX3", "L6", (), None),
    ("N6", "AX3", "L7", (), None),
    ("N7", "K3", "L10", (), None),
    ("N8", "K4", "L11", (), None),
    ("N9", "K5", "L12", (), None),
    ("N10", "K1", "L13", (), None),
    ("N11", "K2", "L14", (), None),
    ("N12", "G7", "L15", (), None),
    ("N13", "K6", "L16", (), None),
    ("N14", "K7", "L17", (), None),
    ("N15", "K10", "L19", (), None),
    ("N16", "K10", "L20", (), None),
    ("N17", "G5", "L22", (), None),
    ("N18", "G3", "L24", (), None),
)

# Drainage: lines digitised downstream (first vertex upstream, last vertex downstream).
# Each line is split where it crosses a road: ditch/canal, culvert under the road, ditch/canal.
DN: dict[str, XY] = {
    "J1": (-654, 300), "J2": (-675, -250), "J3": (-165, -300),
    "O1": KP["O1"], "O2": KP["O2"], "O3": KP["O3"], "O4": KP["O4"],
}


@dataclass(frozen=True)
class DrainLine:
    key: str
    name: str
    kind: str  # ditch or canal
    width_m: float
    vertices: tuple[XY | str, ...]  # metre offsets, or names in DN
    donated_land: bool | None = None
    note: str | None = None


_NOTE_DONATED = ("Bài báo: các hộ hiến đất làm đường giao thông, mương tiêu thoát nước; "
                 "không rõ mương nào, gán minh họa (độ tin cậy thấp).")
_NOTE_OUTFALL = "Cửa xả minh họa ở rìa phường, phía nguồn nước tiếp nhận (sơ đồ)."

DRAIN_LINES: tuple[DrainLine, ...] = (
    DrainLine("CW-1", f"Kênh tiêu phía tây {UNKNOWN}", "canal", 3.5,
              ((-640, 700), (-650, 400), "J1")),
    DrainLine("CW-2", f"Kênh tiêu phía tây {UNKNOWN}", "canal", 4.0,
              ("J1", (-660, 150), (-650, -100), "J2")),
    DrainLine("CW-3", f"Kênh tiêu phía tây {UNKNOWN}", "canal", 4.0,
              ("J2", (-700, -400), (-720, -700), "O1")),
    DrainLine("DW1", f"Mương tiêu 1 {UNKNOWN}", "ditch", 1.0,
              ((-1050, 300), (-800, 320), "J1"), True, _NOTE_DONATED),
    DrainLine("DW2", f"Mương tiêu 2 {UNKNOWN}", "ditch", 0.8,
              ((-880, -230), "J2")),
    DrainLine("DC-1", f"Mương tiêu 3 {UNKNOWN}", "ditch", 1.0,
              ((-200, -80), (-180, -150), "J3")),
    DrainLine("DC-2", f"Mương tiêu 3 {UNKNOWN}", "ditch", 1.2,
              ("J3", (-150, -450), (-130, -800), "O2")),
    DrainLine("DC2", f"Mương tiêu 4 {UNKNOWN}", "ditch", 0.6,
              ((-400, -250), (-300, -290), "J3"), True, _NOTE_DONATED),
    DrainLine("DE", f"Mương tiêu cụm công nghiệp {UNKNOWN}", "ditch", 1.2,
              ((960, -150), (930, -450), (900, -760), "O3")),
    DrainLine("DGM", f"Mương tiêu 5 {UNKNOWN}", "ditch", 1.0,
              ((360, 520), (700, 500), (1000, 450), "O4"), True, _NOTE_DONATED),
)
CULVERT_CLEARANCE_M = 4.0  # culvert reaches this far beyond each road edge

# Points: (id suffix, khu id or None, house position, sports position)
CENTRES: tuple[tuple[str, str | None, XY, XY], ...] = (
    ("kim-thanh", "khu-kim-thanh", (-700, 380), (-770, 420)),
    ("gia-mo", "khu-gia-mo", (150, 620), (210, 600)),
    ("khu-3", "khu-3", (-1050, -150), (-1040, -230)),
    ("khu-4", "khu-4", (-300, -120), (-320, -190)),
    ("khu-5", "khu-5", (900, 100), (960, 150)),
    ("phuong", None, (40, 95), (120, 110)),
)

INDUSTRIAL_RING: tuple[XY, ...] = ((720, -780), (960, -820), (1100, -660), (1215, -420),
                                   (1220, -150), (960, -110), (740, -180))
PORT_RING: tuple[XY, ...] = ((40, -985), (340, -1030), (600, -975), (580, -800), (300, -780),
                             (60, -830))
CLINKER_RING: tuple[XY, ...] = ((-1000, -560), (-820, -540), (-800, -700), (-980, -740))
NEW_URBAN_RING: tuple[XY, ...] = ((400, 440), (620, 420), (640, 520), (420, 560))

# ------------------------------------------------------------------ properties & checks


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def props(layer: LayerSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """Registry-ordered properties of one feature (NFC text, floats as floats).

    A field the registry does not define would be dropped here, so it fails loudly; types,
    codes, ranges and required fields are checked by ``kimson_geo.validate`` on the files.
    """
    unknown = sorted(set(values) - set(layer.field_names))
    if unknown:
        raise BuildError(f"{layer.name}: feature {values.get(F_ID)!r}: fields not in the "
                         f"registry: {unknown}")
    out: dict[str, Any] = {}
    for spec in layer.fields:
        value = _nfc(values.get(spec.name))
        if spec.type == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        out[spec.name] = value
    return out


def _coords(seq: Iterable[XY]) -> list[list[float]]:
    return [[lon, lat] for lon, lat in seq]


def _geojson(geom: Any) -> dict[str, Any]:
    """GeoJSON geometry of a WGS 84 shapely geometry whose coordinates are already rounded."""
    if isinstance(geom, Point):
        return {"type": "Point", "coordinates": [geom.x, geom.y]}
    if isinstance(geom, LineString):
        return {"type": "LineString", "coordinates": _coords(geom.coords)}
    if isinstance(geom, Polygon):
        geom = orient(geom, 1.0)  # RFC 7946: exterior ring counter-clockwise
        rings = [geom.exterior, *geom.interiors]
        return {"type": "Polygon", "coordinates": [_coords(r.coords) for r in rings]}
    raise BuildError(f"unsupported geometry {geom.geom_type}")


@dataclass
class Feat:
    layer: LayerSpec
    properties: dict[str, Any]
    geometry: Any  # shapely, WGS 84, rounded

    def __post_init__(self) -> None:
        if self.geometry.geom_type not in self.layer.geometry_types:
            raise BuildError(f"{self.layer.name}: {self.properties[F_ID]!r}: geometry "
                             f"{self.geometry.geom_type} not in {self.layer.geometry_types}")

    def to_json(self) -> dict[str, Any]:
        return {"type": "Feature", "properties": self.properties,
                "geometry": _geojson(self.geometry)}


def feat(layer: LayerSpec, geometry: Any, **values: Any) -> Feat:
    return Feat(layer, props(layer, values), geometry)


def line_ll(points: Sequence[XY]) -> LineString:
    return LineString([ll(p) for p in points])


def poly_ll(points: Sequence[XY]) -> Polygon:
    return Polygon([ll(p) for p in points])


# ------------------------------------------------------------------------------ builders


def build_khu() -> tuple[list[Feat], list[Feat]]:
    khu: list[Feat] = []
    for k in KHU_DEFS:
        geom = orient(Polygon([ll(KP[n]) for n in k.ring]), 1.0)
        khu.append(feat(
            KHU, geom, id=k.id, name=k.name, kind="khu_pho", name_known=k.name_known,
            source=k.source,
            confidence=k.confidence, position=POSITION,
            note=(k.note + " Đạt khu phố văn hóa và cơ bản đạt tiêu chí đô thị văn minh theo "
                  "bài báo (5/5 khu, 100% khu phố); số hộ theo khu chưa biết."),
            households=None, cultural_households=None,
            cultural_neighbourhood=True, civilized_urban=True,
        ))
    union = unary_union([f.geometry for f in khu])
    if union.geom_type != "Polygon" or len(union.interiors):
        raise BuildError(f"khu union is not one simple polygon: {union.geom_type}")
    outline = orient(Polygon(union.exterior.coords), 1.0)
    allowed = {ll(KP[n]) for n in OUTER_RING}
    stray = [c for c in outline.exterior.coords if tuple(c) not in allowed]
    if stray:
        raise BuildError(f"boundary has vertices that are not named points: {stray[:3]}")
    boundary = feat(
        BOUNDARY, outline, id="phuong-kim-son", name="Phường Kim Sơn", kind="ward",
        name_known=True, source=sources(SRC_ARTICLE, SRC_GSO, SRC_MERGER, SRC_SCHEMATIC),
        confidence="high", position=POSITION,
        note=("Ranh giới sơ đồ (hợp của 5 khu), không phải ranh giới địa chính. Từ 1/7/2025 "
              "phường sáp nhập cùng Xuân Sơn, Yên Thọ, Mạo Khê thành phường Mạo Khê mới "
              "(bảng sáp nhập 2025, độ tin cậy trung bình)."),
        gso_code="07123", district="Thị xã Đông Triều", province="Quảng Ninh",
        households=None, cultural_family_pct=96.45, cultural_agency=True,
        urban_class_target="Đô thị loại III vào năm 2019",
    )
    return [boundary], khu


def build_roads(khu_m: Mapping[str, Any]) -> list[Feat]:
    degree: dict[str, int] = defaultdict(int)
    for _, a, b, _, _ in ROAD_SEGMENTS:
        degree[a] += 1
        degree[b] += 1
    roads: list[Feat] = []
    for i, (route_key, a, b, vias, width) in enumerate(ROAD_SEGMENTS, start=1):
        route = ROUTES[route_key]
        geom = line_ll([RN[a], *vias, RN[b]])
        dangles = [n for n in (a, b) if degree[n] == 1]
        note = route.note
        if set(dangles) & EDGE_EXITS:
            note = (f"{note} Điểm cuối của đoạn là giới hạn dữ liệu: đường có thể tiếp tục ra "
                    "ngoài ranh giới phường (không vẽ).")
        elif set(dangles) & PORT_ENDS:
            note = f"{note} Đường kết thúc tại cụm cảng (sơ đồ)."
        khu_id = None
        if route.kind != "inter_khu":
            line_m = metric(geom)
            shares = {kid: line_m.intersection(poly).length / line_m.length
                      for kid, poly in khu_m.items()}
            best = max(sorted(shares), key=lambda kid: shares[kid])
            khu_id = best if shares[best] > 0.5 else None
        roads.append(feat(
            ROADS, geom, id=f"road-{i:03d}", name=route.name, kind=route.kind,
            name_known=route.name_known, source=sources(SRC_ARTICLE, SRC_SCHEMATIC),
            confidence=route.confidence, position=POSITION, note=note,
            surface=route.surface, width_m=width if width is not None else route.width_m,
            dead_end=bool(dangles), khu=khu_id,
        ))
    return roads


def _split_at_roads(points_m: list[XY], roads_m: list[tuple[Any, float, str]]
                    ) -> list[tuple[str, list[XY], str | None]]:
    """Cut a drainage line where it crosses roads: (piece type, vertices, road name)."""
    line = LineString(points_m)
    cuts: list[tuple[float, float, str]] = []
    for road, width, name in roads_m:
        if not line.intersects(road):
            continue
        hit = line.intersection(road)
        if hit.geom_type != "Point":
            raise BuildError(f"drainage crosses a road in {hit.geom_type}; redraw it")
        half = width / 2 + CULVERT_CLEARANCE_M
        d = line.project(hit)
        cuts.append((d - half, d + half, name))
    cuts.sort()
    # cut points computed once, so neighbouring pieces share identical end vertices
    marks: list[tuple[float, XY]] = [(0.0, points_m[0])]
    for lo, hi, _ in cuts:
        if lo <= marks[-1][0] + 1.0 or hi >= line.length - 1.0:
            raise BuildError("a culvert comes too close to a junction or another culvert")
        for d in (lo, hi):
            p = line.interpolate(d)
            marks.append((d, (p.x, p.y)))
    marks.append((line.length, points_m[-1]))
    pieces: list[tuple[str, list[XY], str | None]] = []
    for k in range(len(marks) - 1):
        (d0, p0), (d1, p1) = marks[k], marks[k + 1]
        inner = list(substring(line, d0, d1).coords)[1:-1]
        if k % 2:
            pieces.append(("culvert", [p0, *inner, p1], cuts[(k - 1) // 2][2]))
        else:
            pieces.append(("open", [p0, *inner, p1], None))
    return pieces


def build_drainage(roads: Sequence[Feat]) -> list[Feat]:
    # roads in metre offsets from the centre (the same frame as the drainage vertices)
    roads_local = []
    for r in roads:
        pts = [(x - CX, y - CY) for x, y in metric(r.geometry).coords]
        roads_local.append((LineString(pts), r.properties[F_WIDTH], r.properties[F_NAME]))
    outfalls = {DN[k] for k in ("O1", "O2", "O3", "O4")}
    out: list[Feat] = []
    n = 0
    for dl in DRAIN_LINES:
        pts = [DN[v] if isinstance(v, str) else v for v in dl.vertices]
        pieces = _split_at_roads([(float(x), float(y)) for x, y in pts], roads_local)
        for j, (kind, verts, road_name) in enumerate(pieces):
            n += 1
            last = j == len(pieces) - 1
            is_outfall = last and pts[-1] in outfalls
            values: dict[str, Any]
            if kind == "culvert":
                assert road_name is not None
                values = dict(kind="culvert", name=f"Cống qua {road_name.split(' (')[0]} "
                              f"{UNKNOWN}", width_m=1.0, donated_land=None,
                              note="Cống minh họa nơi mương đi dưới đường (sơ đồ).")
            else:
                note = dl.note
                if is_outfall:
                    note = f"{note} {_NOTE_OUTFALL}" if note else _NOTE_OUTFALL
                values = dict(kind=dl.kind, name=dl.name, width_m=dl.width_m,
                              donated_land=dl.donated_land, note=note)
            # first and last vertex are exact shared points; interior vertices are rounded
            out.append(feat(
                DRAINAGE, line_ll(verts), id=f"drain-{n:03d}", name_known=False,
                source=sources(SRC_ARTICLE, SRC_SCHEMATIC), confidence="low",
                position=POSITION, outfall=is_outfall, **values,
            ))
    return out


_NOTE_CENTRES = ("Bài báo: 100% khu có nhà văn hóa, khu thể thao phát huy hiệu quả. Vị trí là "
                 "sơ đồ.")


def build_points() -> tuple[list[Feat], list[Feat]]:
    khu_names = {k.id: k for k in KHU_DEFS}
    houses: list[Feat] = []
    sports: list[Feat] = []
    for suffix, khu_id, house_xy, sports_xy in CENTRES:
        if khu_id is None:
            houses.append(feat(
                HOUSES, Point(ll(house_xy)), id=f"nvh-{suffix}", name="Nhà văn hóa phường Kim Sơn",
                kind="ward", name_known=True, source=sources(SRC_ARTICLE, SRC_SCHEMATIC),
                confidence="high", position=POSITION,
                note="Bài báo: xây dựng nhà văn hóa phường đạt chuẩn. Vị trí là sơ đồ.",
                khu=None, in_use=True, meets_standard=True, built_year=None, cost_vnd_over=None,
            ))
            sports.append(feat(
                SPORTS, Point(ll(sports_xy)), id=f"ktt-{suffix}",
                name="Khu thể thao phường Kim Sơn", kind="ward", name_known=True,
                source=sources(SRC_ARTICLE, SRC_SCHEMATIC), confidence="medium",
                position=POSITION,
                note="Tên mô tả; bài báo nói các khu thể thao phát huy hiệu quả. Vị trí là sơ đồ.",
                khu=None, in_use=True,
            ))
            continue
        k = khu_names[khu_id]
        label = f"khu {k.name}" if k.name_known else k.name.replace("Khu", "khu", 1)
        house = dict(
            id=f"nvh-{suffix}", name=f"Nhà văn hóa {label}", kind="khu",
            name_known=k.name_known, source=sources(SRC_ARTICLE, SRC_SCHEMATIC),
            confidence="medium", position=POSITION, khu=khu_id, in_use=True,
            meets_standard=None, built_year=None, cost_vnd_over=None,
            note=_NOTE_CENTRES,
        )
        if khu_id == "khu-kim-thanh":
            house.update(
                built_year=2017, cost_vnd_over=1_500_000_000,
                note=("Bài báo (báo cáo giữa năm 2017) gọi là “mới xây dựng”, trị giá trên "
                      "1,5 tỷ đồng; năm xây dựng 2017 là suy luận (độ tin cậy trung bình). "
                      "Vị trí là sơ đồ."),
            )
        houses.append(feat(HOUSES, Point(ll(house_xy)), **house))
        sports.append(feat(
            SPORTS, Point(ll(sports_xy)), id=f"ktt-{suffix}", name=f"Khu thể thao {label}",
            kind="khu", name_known=k.name_known, source=sources(SRC_ARTICLE, SRC_SCHEMATIC),
            confidence="medium", position=POSITION, khu=khu_id, in_use=True,
            note=_NOTE_CENTRES,
        ))
    return houses, sports


def build_clusters_and_co() -> tuple[list[Feat], list[Feat], list[Feat], list[Feat]]:
    art = sources(SRC_ARTICLE, SRC_SCHEMATIC)
    clusters = [
        feat(CLUSTERS, poly_ll(INDUSTRIAL_RING), id="ccn-kim-son",
             name="Cụm công nghiệp Kim Sơn", kind="industrial", name_known=True, source=art,
             confidence="high", position=POSITION,
             note="Tên có trong bài báo; vị trí và hình dạng là sơ đồ minh họa."),
        feat(CLUSTERS, poly_ll(PORT_RING), id="ccang-kim-son", name="Cụm cảng Kim Sơn",
             kind="port", name_known=True, source=art, confidence="high", position=POSITION,
             note=("Tên có trong bài báo; vị trí (rìa phía nam, hướng về phía sông giả định) và "
                   "hình dạng là sơ đồ minh họa.")),
    ]
    where_note = ("Bài báo nêu tên doanh nghiệp nhưng không nói nằm ở đâu; việc đặt trong cụm "
                  "công nghiệp Kim Sơn (và trong phường) chưa được xác minh.")
    enterprises = [
        feat(ENTERPRISES, Point(ll((890, -580))), id="dn-gach-ngoi-kim-son",
             name="Công ty gạch ngói Kim Sơn", kind="brick_tile", name_known=True, source=art,
             confidence="low", position=POSITION, note=where_note, cluster="ccn-kim-son",
             environment_case="Đoàn kiểm tra công tác môi trường (2017)"),
        feat(ENTERPRISES, Point(ll((1000, -330))), id="dn-gom-mau-hoang-ha",
             name="Công ty gốm màu Hoàng Hà", kind="ceramics", name_known=True, source=art,
             confidence="low", position=POSITION, note=where_note, cluster="ccn-kim-son",
             environment_case=("Hòa giải vụ gây ảnh hưởng ô nhiễm môi trường nước liên quan đến "
                               "Công ty Cotto Quảng Ninh (2017)")),
        feat(ENTERPRISES, Point(ll((900, -370))), id="dn-cotto-quang-ninh",
             name="Công ty Cotto Quảng Ninh", kind="other", name_known=True, source=art,
             confidence="low", position=POSITION,
             note=where_note + " Bài báo không nêu ngành nghề nên để loại “khác”.",
             cluster="ccn-kim-son",
             environment_case=("Liên quan đến vụ hòa giải ô nhiễm môi trường nước của Công ty "
                               "gốm màu Hoàng Hà (2017); vai trò cụ thể không rõ")),
    ]
    wharf_note = ("Bài báo: Công an, Quân sự phường thường xuyên kiểm tra các bến bãi; bến/bãi cụ "
                  "thể, tên và vị trí là giữ chỗ minh họa.")
    wharves = [
        feat(WHARVES, Point(ll((250, -995))), id="ben-1", name=f"Bến 1 {UNKNOWN}", kind="wharf",
             name_known=False, source=art, confidence="low", position=POSITION,
             note=wharf_note, inspected=True),
        feat(WHARVES, Point(ll((520, -975))), id="ben-2", name=f"Bến 2 {UNKNOWN}", kind="wharf",
             name_known=False, source=art, confidence="low", position=POSITION,
             note=wharf_note, inspected=True),
        feat(WHARVES, Point(ll((330, -880))), id="bai-1", name=f"Bãi 1 {UNKNOWN}", kind="yard",
             name_known=False, source=art, confidence="low", position=POSITION,
             note=wharf_note, inspected=True),
    ]
    projects = [
        feat(PROJECTS, poly_ll(CLINKER_RING), id="da-nha-o-clinker", name="Dự án nhà ở Clinker",
             kind="housing", name_known=True, source=art, confidence="high", position=POSITION,
             note=("Bài báo: còn vướng mắc trong giải phóng mặt bằng (giữa năm 2017). Vị trí và "
                   "hình dạng là sơ đồ."),
             status="site_clearance"),
        feat(PROJECTS, poly_ll(NEW_URBAN_RING), id="kdt-moi-kim-son",
             name="Khu đô thị mới Kim Sơn", kind="urban_area", name_known=True, source=art,
             confidence="medium", position=POSITION,
             note=("Bài báo chỉ có ảnh chú thích “Khu đô thị mới Kim Sơn” và “Đường phố trong Khu "
                   "đô thị mới Kim Sơn” (đã có đường phố) nhưng không nêu tình trạng dự án. Vị trí "
                   "và hình dạng là sơ đồ."),
             status="unknown"),
    ]
    return clusters, enterprises, wharves, projects


# ----------------------------------------------------------------------------- checks


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise BuildError(message)


def _ends(line: LineString) -> tuple[XY, XY]:
    return tuple(line.coords[0]), tuple(line.coords[-1])  # type: ignore[return-value]


def validate_files(folder: Path) -> None:
    """Every rule of ``kimson_geo.validate`` holds for the files in ``folder``: no issue at
    all, warnings included (structure, attributes, geometry, topology, the ward's rules)."""
    report = kimson_geo.validate(folder)
    problems = [f"{i.rule} ({i.severity}) {i.layer} {i.feature_id or ''}: {i.message}"
                for i in report.issues]
    problems += [f"unreadable {path}: {why}" for path, why in report.unreadable.items()]
    _check(not problems and report.layers == list(LAYER_NAMES),
           "the built data does not validate:\n  " + "\n  ".join(problems[:20]))


def _crossings(name: str, feats: Sequence[Feat]) -> None:
    """Lines meet only at shared end nodes (the validator reports an end meeting a line
    mid-segment, not two lines crossing)."""
    lines = [f.geometry for f in feats]
    tree = shapely.STRtree(lines)
    for i, j in zip(*tree.query(lines, predicate="intersects"), strict=True):
        if i < j:
            hit = lines[i].intersection(lines[j])
            shared = set(_ends(lines[i])) & set(_ends(lines[j]))
            points = set(map(tuple, shapely.get_coordinates(hit)))
            _check(hit.geom_type in ("Point", "MultiPoint") and points <= shared,
                   f"{name} {feats[i].properties[F_ID]} and {feats[j].properties[F_ID]} "
                   "cross without a shared node")


def verify(layers: Mapping[str, list[Feat]]) -> dict[str, Any]:
    """Check what this script promises beyond the validator's rules (run on the written
    files by :func:`validate_files`); return metric figures for the summary."""
    [boundary] = layers[BOUNDARY.name]
    boundary_m = metric(boundary.geometry)
    khu = layers[KHU.name]
    khu_m = {f.properties[F_ID]: metric(f.geometry) for f in khu}
    roads, drains = layers[ROADS.name], layers[DRAINAGE.name]
    roads_m = [metric(f.geometry) for f in roads]
    drains_m = [metric(f.geometry) for f in drains]
    _check(len(khu) == len(KHU_DEFS), f"{len(khu)} khu, expected {len(KHU_DEFS)}")
    kinds = {f.properties[F_KIND] for f in roads}
    _check(kinds == set(ROADS.field(F_KIND).codes or {}), f"roads: kinds {sorted(kinds)}")
    _crossings(ROADS.name, roads)
    _crossings(DRAINAGE.name, drains)
    # dead_end only where an end meets no other road (the validator checks the converse)
    ends = [e for f in roads for e in _ends(f.geometry)]
    for f in roads:
        dangling = any(ends.count(e) == 1 for e in _ends(f.geometry))
        _check(f.properties[F_DEAD_END] == dangling, f"roads {f.properties[F_ID]}: dead_end")
    # drainage flows on to an outfall at the ward edge; culverts pass under one road each
    starts = [_ends(f.geometry)[0] for f in drains]
    for f, g in zip(drains, drains_m, strict=True):
        if f.properties[F_OUTFALL]:
            _check(boundary_m.exterior.distance(Point(g.coords[-1])) <= 1.0,
                   f"drainage {f.properties[F_ID]}: outfall not at the ward edge")
        else:
            _check(starts.count(_ends(f.geometry)[1]) == 1,
                   f"drainage {f.properties[F_ID]}: does not flow on")
        crossed = sum(g.intersects(r) for r in roads_m)
        _check(crossed == (f.properties[F_KIND] == "culvert"),
               f"drainage {f.properties[F_ID]}: crosses {crossed} roads")
    # the schematic points sit well inside their khu, off the roads and ditches
    for f in layers[HOUSES.name] + layers[SPORTS.name]:
        point = metric(f.geometry)
        if f.properties[F_KIND] == "khu":
            _check(khu_m[f.properties[F_KHU]].exterior.distance(point) >= 30.0,
                   f"{f.properties[F_ID]} is within 30 m of its khu edge")
        _check(min(r.distance(point) for r in roads_m + drains_m) >= 10.0,
               f"{f.properties[F_ID]}: on top of a road or ditch")
    port = next(metric(f.geometry) for f in layers[CLUSTERS.name]
                if f.properties[F_KIND] == "port")
    for f in layers[WHARVES.name]:
        _check(port.distance(metric(f.geometry)) <= 50.0, f"{f.properties[F_ID]}: far from port")
    length_by_kind: dict[str, float] = defaultdict(float)
    for f, g in zip(roads, roads_m, strict=True):
        length_by_kind[f.properties[F_KIND]] += g.length
    return {
        "ward_area_m2": boundary_m.area,
        "khu_area_m2": {f.properties[F_ID]: khu_m[f.properties[F_ID]].area for f in khu},
        "road_length_m": {k: length_by_kind[k] for k in (ROADS.field(F_KIND).codes or {})},
        "counts": {name: len(feats) for name, feats in layers.items()},
    }


# ------------------------------------------------------------------------------ writing


def _collection_text(feats: Sequence[Feat]) -> str:
    lines = ['{"type": "FeatureCollection", "features": [']
    for i, f in enumerate(feats):
        text = json.dumps(f.to_json(), ensure_ascii=False, allow_nan=False)
        lines.append(text + ("," if i < len(feats) - 1 else ""))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def readme_text(summary: Mapping[str, Any]) -> str:
    counts = summary["counts"]
    out: list[str] = []
    w = out.append
    w("# Bundled data: phường Kim Sơn (Đông Triều, Quảng Ninh)\n")
    w("> **All positions are SCHEMATIC.** Every geometry in this folder is an illustrative "
      "layout drawn by `scripts/build_data.py`, not a survey. The ward's centre (about "
      "21.07° N, 106.52° E) comes from a secondary listing and has LOW confidence; the shape "
      "of the ward, the khu divides, the road and ditch network and every point are invented "
      "to be plausible, not to be true. Do not use these files for measurement, land "
      "administration or navigation. Every feature says so in `position = \"schematic\"`.\n")
    w("Generated file: edit `scripts/build_data.py`, not this README. Rebuild with\n")
    w("```sh\n.venv/bin/python scripts/build_data.py\n```\n")
    w("The build is deterministic (byte-identical output on every run). It draws every "
      f"geometry as metre offsets in `{METRIC_CRS}` (VN-2000 / TM-3 107-45), transforms it to "
      "WGS 84 with pyproj (`always_xy=True`) and rounds coordinates to 7 decimals. The five "
      "khu share their vertices, so they tile the boundary exactly after rounding; the "
      "boundary is the outline of their union. The script checks its own output (tiling, one "
      "connected road network, dead ends, drainage outfalls, everything inside the ward) and "
      "fails loudly if a rule breaks.\n")
    w("## Files\n")
    w("Each layer of `kimson_geo/registry.py` is one RFC 7946 GeoJSON FeatureCollection "
      "(WGS 84, no `crs` member, exterior rings counter-clockwise, UTF-8 with Vietnamese "
      "characters, one feature per line).\n")
    w("| file | layer | features |")
    w("| --- | --- | ---: |")
    for spec in iter_layers():
        w(f"| `{spec.file_name}` | {spec.label_en} ({spec.label_vi}) | {counts[spec.name]} |")
    w("")
    w(f"Ward area (schematic): {summary['ward_area_m2'] / 1e6:.2f} km², measured in "
      f"{METRIC_CRS}. Road length by kind (m): " + ", ".join(
          f"{k} {v:.0f}" for k, v in summary["road_length_m"].items()) + ".\n")
    w("## What is known and what is a placeholder\n")
    w("`confidence` rates the feature's name and attributes (high / medium / low), never its "
      "position, which is always schematic. `name_known = false` marks a placeholder name; "
      "such names also say “(tên chưa xác định)” (name not known). `source` lists where the "
      "facts come from.\n")
    w("| item | value | status |")
    w("| --- | --- | --- |")
    known = [
        ("Ward name", "Phường Kim Sơn", "article; high"),
        ("GSO unit code", "07123", "public unit-code list; high"),
        ("District / province (2017)", "Thị xã Đông Triều / Quảng Ninh", "public lists; high"),
        ("2025 merger", "merged into the new phường Mạo Khê (1 July 2025)",
         "public merger tables; medium (note on the boundary)"),
        ("Position", "about 21.07° N, 106.52° E", "secondary listing; LOW"),
        ("Khu “Kim Thành”", "name", "article; high"),
        ("Khu “Gia Mô”", "name", "public address string; medium"),
        ("Khu 3, Khu 4, Khu 5", "placeholder names", "not known (name_known = false)"),
        ("Khu recognised as khu phố văn hóa", "5/5 (every khu: true)", "article"),
        ("Khu meeting civilized-urban criteria", "100% (every khu: true)", "article"),
        ("Households per khu / in the ward", "not known: null", "never invented"),
        ("Cultural-family rate", "96.45% (boundary)", "article"),
        ("Ward office a cultural agency", "true (boundary)", "article"),
        ("Urban-class target", "Đô thị loại III vào năm 2019", "article"),
        ("Main axis roads", "5–6 m wide (every main segment 5.0–6.0 m)", "article"),
        ("Inter-khu and inter-group roads", "100% concrete", "article"),
        ("Road routes and names", "placeholders (“(tên chưa xác định)”)", "schematic"),
        ("Alley surfaces and widths", "illustrative mix of concrete, gravel, earth; 1.5–3 m",
         "schematic; low"),
        ("Ditches on donated land", "some marked true", "article says households donated "
         "land; which ditches is not known (low)"),
        ("Ditches, culverts, canal, outfalls", "placeholders", "schematic; low"),
        ("Cultural house and sports area in every khu", "one each, in use", "article"),
        ("Ward cultural house", "meets the standard", "article"),
        ("Kim Thành cultural house", "built 2017 (medium: “mới xây dựng” in a mid-2017 "
         "report), cost over 1,500,000,000 VND", "article"),
        ("Cụm công nghiệp Kim Sơn, Cụm cảng Kim Sơn", "names", "article; positions schematic"),
        ("Enterprises (gạch ngói Kim Sơn, gốm màu Hoàng Hà, Cotto Quảng Ninh)",
         "names and environmental cases", "article; location in the ward not known (low)"),
        ("Wharves and yards", "inspected; names are placeholders", "article; low"),
        ("Dự án nhà ở Clinker", "site clearance pending", "article"),
        ("Khu đô thị mới Kim Sơn", "status unknown (photo captions only)", "article"),
    ]
    for item, value, status in known:
        w(f"| {_cell(item)} | {_cell(value)} | {_cell(status)} |")
    w("")
    w("Road segments whose end does not meet another segment carry `dead_end = true`; for the "
      "ends of the two main axis roads at the ward edge this marks the limit of the data (the "
      "road may continue outside the ward), as each such feature's note says.\n")
    w("A road segment's `khu` is the khu holding more than half of its length; it is null for "
      "inter-khu roads and for segments no khu holds the greater part of. Drainage lines are "
      "digitised downstream: each line's last vertex is where its water goes, and the segment "
      "with `outfall = true` ends at the ward edge, where it discharges (schematic). Where a "
      "ditch or the canal passes under a road it is cut into a `culvert` piece.\n")
    w("## Layers and fields\n")
    w("Generated from `kimson_geo/registry.py`. Types: `str`, `int`, `float`, `bool`; every "
      "field is present on every feature, `null` where the value is not known.\n")
    for spec in iter_layers():
        w(f"### `{spec.name}`: {spec.label_en} ({spec.label_vi})\n")
        if spec.description:
            w(f"{spec.description} Geometry: {', '.join(spec.geometry_types)}.\n")
        w("| field | type | unit | required | range | codes (vi / en) | meaning |")
        w("| --- | --- | --- | --- | --- | --- | --- |")
        for f in spec.fields:
            codes = "<br>".join(f"`{c}`: {code.vi} / {code.en}"
                                for c, code in (f.codes or {}).items())
            rng = f"{f.range[0]:g}–{f.range[1]:g}" if f.range else ""
            meaning = f"{f.label_en} ({f.label_vi})"
            if f.description:
                meaning += f". {f.description}"
            w(f"| `{f.name}` | {f.type} | {f.unit or ''} | {'yes' if f.required else ''} | "
              f"{rng} | {_cell(codes)} | {_cell(meaning)} |")
        w("")
    w("## Sources\n")
    w("- `seeds/000_75798ff1c27e8745.txt`: the 2017 mid-year report on phường Kim Sơn "
      "(Vietnamese), source of the names, percentages, road widths, the Kim Thành cultural "
      "house, the clusters, the enterprises and the projects (`source` cites it as "
      f"“{SRC_ARTICLE}”).")
    w("- The public list of Vietnamese administrative unit codes (GSO): code 07123, district "
      "and province (via `DATA_BRIEF.md`).")
    w("- A public address string “Khu Gia Mô, phường Kim Sơn” (via `DATA_BRIEF.md`): the "
      "name Gia Mô.")
    w("- Public 2025 merger tables (via `DATA_BRIEF.md`): the 2025 merger note.")
    w(f"- Everything else: “{SRC_SCHEMATIC}”.\n")
    w("## Licence\n")
    w("The data in this folder is released under Creative Commons Attribution 4.0 "
      "International (CC BY 4.0). The layout is a schematic made for this project; attribute "
      "it as “kimson_geo (schematic, not surveyed)”. Facts taken from the article are "
      "short factual statements, not copies of its text.\n")
    return "\n".join(out)


def _build(out_dir: Path) -> dict[str, Any]:
    out_dir = Path(out_dir)
    boundary, khu = build_khu()
    khu_m = {f.properties[F_ID]: metric(f.geometry) for f in khu}
    roads = build_roads(khu_m)
    drainage = build_drainage(roads)
    houses, sports = build_points()
    clusters, enterprises, wharves, projects = build_clusters_and_co()
    layers: dict[str, list[Feat]] = {
        BOUNDARY.name: boundary, KHU.name: khu, ROADS.name: roads, DRAINAGE.name: drainage,
        HOUSES.name: houses, SPORTS.name: sports, CLUSTERS.name: clusters,
        ENTERPRISES.name: enterprises, WHARVES.name: wharves, PROJECTS.name: projects,
    }
    _check(set(layers) == set(LAYER_NAMES),
           f"layers built {sorted(layers)} != registry {sorted(LAYER_NAMES)}")
    summary = verify(layers)
    texts = {layer_spec(name).file_name: _collection_text(layers[name]) for name in LAYER_NAMES}
    with tempfile.TemporaryDirectory(prefix="kimson-build-") as staging:
        for file_name, text in texts.items():
            (Path(staging) / file_name).write_text(text, encoding="utf-8")
        validate_files(Path(staging))
    out_dir.mkdir(parents=True, exist_ok=True)
    for file_name, text in texts.items():
        write_text(out_dir / file_name, text)
    write_text(out_dir / "README.md", readme_text(summary))
    summary["khu_names"] = {f.properties[F_ID]: (f.properties[F_NAME],
                                                 f.properties[F_NAME_KNOWN],
                                                 f.properties[F_CONFIDENCE]) for f in khu}
    return summary


def build(out_dir: Path) -> None:
    """Write every registry layer as ``<layer>.geojson`` plus ``README.md`` into ``out_dir``."""
    _build(out_dir)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out_dir = Path(args[0]) if args else ROOT / "data"
    summary = _build(out_dir)
    print(f"wrote {len(LAYER_NAMES)} layers and README.md to {out_dir}")
    for name, n in summary["counts"].items():
        print(f"  {name:<20} {n:>3} features")
    print("road length by kind (m, " + METRIC_CRS + "):")
    for kind, length in summary["road_length_m"].items():
        print(f"  {kind:<12} {length:8.0f}")
    print(f"ward area: {summary['ward_area_m2']:.0f} m² ({summary['ward_area_m2'] / 1e6:.2f} km²)")
    for kid, (name, known, conf) in summary["khu_names"].items():
        area = summary["khu_area_m2"][kid] / 1e6
        print(f"  {kid:<14} {name:<32} name_known={known!s:<5} confidence={conf:<6} "
              f"{area:.2f} km²")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
