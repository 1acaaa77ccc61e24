"""The layer registry: the one place that defines every layer of the Kim Sơn inventory.

Each layer is a :class:`LayerSpec` of :class:`FieldSpec` attributes.  Loading, validation,
maps, queries and exports all read this module; no other module spells out a layer name,
a field name or a code list.

The contract that outside checks rely on:

* every feature has a string ``id`` unique in its layer and a ``name``;
* roads carry ``kind`` (``main``, ``inter_khu``, ``inter_group``, ``alley``), ``surface``
  (``concrete``, ``asphalt``, ``gravel``, ``earth``) and ``width_m`` (metres);
* the other layers use ``kind`` for their own codes;
* cultural houses and sports areas name the khu they serve in ``khu``.

Examples
--------
>>> from kimson_geo.registry import LAYERS, layer_spec
>>> layer_spec("roads").field("width_m").unit
'm'
>>> sorted(layer_spec("roads").field("kind").codes)
['alley', 'inter_group', 'inter_khu', 'main']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from .errors import LayerError

__all__ = ["Code", "FieldSpec", "LayerSpec", "LAYERS", "LAYER_NAMES", "layer_spec", "WGS84",
           "METRIC_CRS", "SHAPEFILE_FIELD_WIDTH", "COMMON_FIELD_NAMES"]

#: CRS every layer is held in (RFC 7946 GeoJSON and web maps use it).
WGS84 = "EPSG:4326"
#: Metric CRS for every length, area, width and distance: VN-2000 / TM-3 zone 107-45,
#: the provincial survey CRS of Quảng Ninh.
METRIC_CRS = "EPSG:5899"
#: Shapefile (dBase) field names are cut to this many characters.
SHAPEFILE_FIELD_WIDTH = 10

FieldType = Literal["str", "int", "float", "bool"]


@dataclass(frozen=True)
class Code:
    """One allowed value of a coded field, with its labels."""

    vi: str
    en: str
    color: str | None = None
    weight: float | None = None
    icon: str | None = None


@dataclass(frozen=True)
class FieldSpec:
    """One attribute of a layer.

    Parameters
    ----------
    name
        Attribute name as stored in files.
    label_vi, label_en
        Labels for popups, legends and reports.
    required
        Every feature must carry a non-null value.
    unit
        Unit of a numeric value (``m``, ``VND``, ``%``, ``year``...).
    codes
        Allowed values of a coded field, each with labels and style hints.
    range
        Plausible inclusive range of a numeric value.
    unique
        Values must be unique in the layer.
    show
        Shown in map popups.
    """

    name: str
    type: FieldType
    label_vi: str
    label_en: str
    required: bool = False
    unit: str | None = None
    codes: Mapping[str, Code] | None = None
    range: tuple[float, float] | None = None
    unique: bool = False
    show: bool = True
    description: str = ""

    def label(self, lang: str = "vi") -> str:
        """Label in ``lang`` (``vi`` or ``en``)."""
        return self.label_en if lang == "en" else self.label_vi

    def code_label(self, value: object, lang: str = "vi") -> str:
        """Label of a code value, or the value itself when it is not a known code."""
        if self.codes and isinstance(value, str) and value in self.codes:
            code = self.codes[value]
            return code.en if lang == "en" else code.vi
        return "" if value is None else str(value)


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the inventory."""

    name: str
    geometry_types: tuple[str, ...]
    label_vi: str
    label_en: str
    fields: tuple[FieldSpec, ...]
    description: str = ""
    #: style hints for maps: colour, fill, weight, icon, and which field drives them
    style: Mapping[str, object] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        """File name of the layer in a GeoJSON inventory folder."""
        return f"{self.name}.geojson"

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> FieldSpec:
        """The :class:`FieldSpec` called ``name``."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise LayerError(f"layer {self.name!r} has no field {name!r}")

    @property
    def own_fields(self) -> tuple[FieldSpec, ...]:
        """The layer's own fields, beyond the identity and provenance ones all layers share."""
        return tuple(f for f in self.fields if f.name not in COMMON_FIELD_NAMES)

    def has_field(self, name: str) -> bool:
        return name in self.field_names

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" else self.label_vi

    def shapefile_aliases(self) -> dict[str, str]:
        """Map each field name as a Shapefile cuts it back to the registry name."""
        return {f.name[:SHAPEFILE_FIELD_WIDTH]: f.name for f in self.fields
                if len(f.name) > SHAPEFILE_FIELD_WIDTH}


def _codes(**items: Code) -> Mapping[str, Code]:
    return MappingProxyType(dict(items))


CONFIDENCE = _codes(
    high=Code("cao", "high"),
    medium=Code("trung bình", "medium"),
    low=Code("thấp", "low"),
)
POSITION = _codes(
    schematic=Code("sơ đồ (vị trí minh họa)", "schematic (illustrative position)"),
    surveyed=Code("đo đạc", "surveyed"),
)
ROAD_KIND = _codes(
    main=Code("Đường trục chính", "Main axis road", weight=7),
    inter_khu=Code("Đường liên khu", "Inter-khu road", weight=5),
    inter_group=Code("Đường liên tổ dân cư", "Inter-group road", weight=3.5),
    alley=Code("Ngõ, hẻm", "Alley", weight=2),
)
ROAD_SURFACE = _codes(
    concrete=Code("Bê tông", "Concrete", color="#1f78b4"),
    asphalt=Code("Nhựa (asphalt)", "Asphalt", color="#333333"),
    gravel=Code("Cấp phối, đá dăm", "Gravel", color="#b15928"),
    earth=Code("Đường đất", "Earth", color="#e31a1c"),
)
DRAINAGE_KIND = _codes(
    ditch=Code("Mương tiêu thoát nước", "Drainage ditch", color="#1f9bd7", weight=3),
    culvert=Code("Cống", "Culvert", color="#08306b", weight=5),
    canal=Code("Kênh thủy lợi", "Irrigation canal", color="#41b6c4", weight=4),
)
HOUSE_KIND = _codes(
    khu=Code("Nhà văn hóa khu", "Khu cultural house", color="#6a3d9a", icon="home"),
    ward=Code("Nhà văn hóa phường", "Ward cultural house", color="#cab2d6", icon="star"),
)
SPORTS_KIND = _codes(
    khu=Code("Khu thể thao khu", "Khu sports area", color="#33a02c", icon="futbol-o"),
    ward=Code("Khu thể thao phường", "Ward sports area", color="#b2df8a", icon="trophy"),
)
CLUSTER_KIND = _codes(
    industrial=Code("Cụm công nghiệp", "Industrial cluster", color="#ff7f00"),
    port=Code("Cụm cảng", "Port cluster", color="#6a51a3"),
)
ENTERPRISE_KIND = _codes(
    brick_tile=Code("Sản xuất gạch ngói", "Brick and tile maker", color="#a6611a", icon="industry"),
    ceramics=Code("Sản xuất gốm sứ", "Ceramics maker", color="#d01c8b", icon="industry"),
    other=Code("Doanh nghiệp khác", "Other enterprise", color="#636363", icon="building"),
)
WHARF_KIND = _codes(
    wharf=Code("Bến", "Wharf", color="#2171b5", icon="anchor"),
    yard=Code("Bãi", "Yard", color="#4a1486", icon="cubes"),
)
PROJECT_KIND = _codes(
    housing=Code("Dự án nhà ở", "Housing project", color="#fb9a99"),
    urban_area=Code("Khu đô thị mới", "New urban area", color="#fdbf6f"),
)
PROJECT_STATUS = _codes(
    planned=Code("Quy hoạch", "Planned"),
    site_clearance=Code("Đang giải phóng mặt bằng", "Site clearance pending"),
    under_construction=Code("Đang xây dựng", "Under construction"),
    completed=Code("Hoàn thành", "Completed"),
    unknown=Code("Chưa rõ", "Unknown"),
)
KHU_KIND = _codes(
    khu_pho=Code("Khu phố", "Urban neighbourhood (khu phố)", color="#fff7bc"),
)
BOUNDARY_KIND = _codes(
    ward=Code("Phường", "Ward", color="#000000"),
)


def _common(kind_codes: Mapping[str, Code]) -> tuple[FieldSpec, ...]:
    """Fields every layer carries: identity, kind, and where the facts come from."""
    return (
        FieldSpec("id", "str", "Mã", "ID", required=True, unique=True, show=False,
                  description="Identifier, unique in its layer."),
        FieldSpec("name", "str", "Tên", "Name", required=True,
                  description="Vietnamese name, NFC; a placeholder says so in name_known."),
        FieldSpec("kind", "str", "Loại", "Kind", required=True, codes=kind_codes),
        FieldSpec("name_known", "bool", "Tên đã xác minh", "Name verified", required=True,
                  description="False when the name is a placeholder, not a known name."),
        FieldSpec("source", "str", "Nguồn", "Source", required=True,
                  description="Where the feature's facts come from."),
        FieldSpec("confidence", "str", "Độ tin cậy", "Confidence", required=True,
                  codes=CONFIDENCE),
        FieldSpec("position", "str", "Vị trí", "Position", required=True, codes=POSITION,
                  description="Whether the geometry is surveyed or only schematic."),
        FieldSpec("note", "str", "Ghi chú", "Note"),
        FieldSpec("extra", "str", "Thuộc tính khác", "Other attributes", show=False,
                  description="Source attributes kimson-geo import could not map, as JSON."),
    )


#: Names of the fields every layer carries (identity, kind and provenance).
COMMON_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in _common(MappingProxyType({})))


_KHU_REF = FieldSpec("khu", "str", "Khu phục vụ", "Khu served",
                     description="id of the khu the feature serves (empty for the ward's own).")


_LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        "boundary", ("Polygon", "MultiPolygon"), "Ranh giới phường", "Ward boundary",
        _common(BOUNDARY_KIND) + (
            FieldSpec("gso_code", "str", "Mã đơn vị hành chính", "GSO unit code"),
            FieldSpec("district", "str", "Thị xã", "District"),
            FieldSpec("province", "str", "Tỉnh", "Province"),
            FieldSpec("households", "int", "Số hộ", "Households", unit="hộ",
                      range=(0, 1_000_000)),
            FieldSpec("cultural_family_pct", "float", "Tỷ lệ gia đình văn hóa",
                      "Cultural-family rate", unit="%", range=(0, 100)),
            FieldSpec("cultural_agency", "bool", "Cơ quan phường đạt cơ quan văn hóa",
                      "Ward office recognised as a cultural agency"),
            FieldSpec("urban_class_target", "str", "Mục tiêu đô thị", "Urban class target"),
        ),
        description="The ward's outer boundary; the union of the five khu.",
        style={"color": "#000000", "weight": 3, "fill": False, "dash": "8 6"},
    ),
    LayerSpec(
        "khu", ("Polygon", "MultiPolygon"), "Khu phố", "Neighbourhoods (khu)",
        _common(KHU_KIND) + (
            FieldSpec("households", "int", "Số hộ", "Households", unit="hộ",
                      range=(0, 100_000)),
            FieldSpec("cultural_households", "int", "Số hộ gia đình văn hóa",
                      "Cultural-family households", unit="hộ", range=(0, 100_000)),
            FieldSpec("cultural_neighbourhood", "bool", "Đạt khu phố văn hóa",
                      "Recognised cultural neighbourhood"),
            FieldSpec("civilized_urban", "bool", "Cơ bản đạt tiêu chí đô thị văn minh",
                      "Meets civilized-urban criteria"),
        ),
        description="The five neighbourhoods; they tile the ward boundary.",
        style={"color": "#8c6d31", "weight": 1.5, "fill": True, "fill_opacity": 0.35,
               "indicator": "cultural_neighbourhood",
               # fill of the indicator's values: (false, true)
               "indicator_colors": ("#fc8d59", "#91cf60")},
    ),
    LayerSpec(
        "roads", ("LineString", "MultiLineString"), "Đường giao thông", "Roads",
        _common(ROAD_KIND) + (
            FieldSpec("surface", "str", "Mặt đường", "Surface", required=True,
                      codes=ROAD_SURFACE),
            FieldSpec("width_m", "float", "Bề rộng", "Width", required=True, unit="m",
                      range=(0.5, 60)),
            FieldSpec("dead_end", "bool", "Đường cụt", "Dead end",
                      description="True where the segment ends without a junction on purpose."),
            _KHU_REF,
        ),
        description="Road centre lines, one feature per segment between junctions.",
        style={"color_by": "surface", "weight_by": "kind"},
    ),
    LayerSpec(
        "drainage", ("LineString", "MultiLineString"), "Thoát nước", "Drainage",
        _common(DRAINAGE_KIND) + (
            FieldSpec("width_m", "float", "Bề rộng", "Width", unit="m", range=(0.2, 30)),
            FieldSpec("outfall", "bool", "Cửa xả", "Outfall",
                      description="True when the segment's last vertex discharges to a "
                                  "receiving water."),
            FieldSpec("donated_land", "bool", "Trên đất dân hiến", "On donated land"),
        ),
        description="Ditches, culverts and canals, digitised downstream.",
        style={"color_by": "kind", "weight_by": "kind"},
    ),
    LayerSpec(
        "cultural_houses", ("Point", "Polygon"), "Nhà văn hóa", "Cultural houses",
        _common(HOUSE_KIND) + (
            _KHU_REF,
            FieldSpec("in_use", "bool", "Đang sử dụng", "In use"),
            FieldSpec("meets_standard", "bool", "Đạt chuẩn", "Meets the standard"),
            FieldSpec("built_year", "int", "Năm xây dựng", "Year built", unit="năm",
                      range=(1900, 2100)),
            FieldSpec("cost_vnd_over", "int", "Giá trị trên", "Cost over", unit="VND",
                      range=(0, 10**12),
                      description="The cost is reported as more than this amount."),
        ),
        description="One cultural house per khu and the ward's own.",
        style={"color_by": "kind", "icon_by": "kind"},
    ),
    LayerSpec(
        "sports_areas", ("Point", "Polygon"), "Khu thể thao", "Sports areas",
        _common(SPORTS_KIND) + (
            _KHU_REF,
            FieldSpec("in_use", "bool", "Đang sử dụng", "In use"),
        ),
        description="One sports area per khu and the ward's own.",
        style={"color_by": "kind", "icon_by": "kind"},
    ),
    LayerSpec(
        "industrial_clusters", ("Polygon", "MultiPolygon"), "Cụm công nghiệp, cụm cảng",
        "Industrial and port clusters",
        _common(CLUSTER_KIND),
        description="Kim Sơn industrial cluster and Kim Sơn port cluster.",
        style={"color_by": "kind", "fill": True, "fill_opacity": 0.3, "hatch": True},
    ),
    LayerSpec(
        "enterprises", ("Point",), "Doanh nghiệp", "Enterprises",
        _common(ENTERPRISE_KIND) + (
            FieldSpec("cluster", "str", "Thuộc cụm", "Cluster",
                      description="id of the cluster the enterprise stands in."),
            FieldSpec("environment_case", "str", "Vụ việc môi trường", "Environmental case"),
        ),
        description="Enterprises the article names.",
        style={"color_by": "kind", "icon_by": "kind"},
    ),
    LayerSpec(
        "wharves", ("Point",), "Bến bãi", "Wharves and yards",
        _common(WHARF_KIND) + (
            FieldSpec("inspected", "bool", "Được kiểm tra", "Inspected"),
        ),
        description="Wharves and yards the ward inspects.",
        style={"color_by": "kind", "icon_by": "kind"},
    ),
    LayerSpec(
        "projects", ("Polygon", "MultiPolygon"), "Dự án", "Projects",
        _common(PROJECT_KIND) + (
            FieldSpec("status", "str", "Tình trạng", "Status", codes=PROJECT_STATUS),
        ),
        description="Development projects the article names.",
        style={"color_by": "kind", "fill": True, "fill_opacity": 0.25, "dash": "4 4"},
    ),
)

#: Every layer, by registry name, in drawing order (areas first, points last).
LAYERS: Mapping[str, LayerSpec] = MappingProxyType({spec.name: spec for spec in _LAYERS})
#: Layer names in registry order.
LAYER_NAMES: tuple[str, ...] = tuple(LAYERS)


def layer_spec(name: str) -> LayerSpec:
    """The :class:`LayerSpec` of layer ``name``.

    Raises
    ------
    LayerError
        If ``name`` is not a registry layer; the message lists the known ones.
    """
    try:
        return LAYERS[name]
    except KeyError:
        known = ", ".join(LAYER_NAMES)
        raise LayerError(f"unknown layer {name!r}; known layers: {known}") from None


def iter_layers() -> Iterator[LayerSpec]:
    """Every :class:`LayerSpec` in registry order."""
    return iter(_LAYERS)


# Modules that reason across layers (validation, claims, maps) refer to layers, fields
# and codes through these names only.

BOUNDARY_LAYER = "boundary"
KHU_LAYER = "khu"
ROADS_LAYER = "roads"
DRAINAGE_LAYER = "drainage"
CULTURAL_HOUSES_LAYER = "cultural_houses"
SPORTS_AREAS_LAYER = "sports_areas"
CLUSTERS_LAYER = "industrial_clusters"
ENTERPRISES_LAYER = "enterprises"
WHARVES_LAYER = "wharves"
PROJECTS_LAYER = "projects"

ID = "id"
NAME = "name"
KIND = "kind"
POSITION_FIELD = "position"
NAME_KNOWN = "name_known"
SOURCE_FIELD = "source"
CONFIDENCE_FIELD = "confidence"
EXTRA = "extra"
#: the provenance fields ``kimson-geo import`` assigns (validate asks for the import when
#: a layer lacks only these)
PROVENANCE_FIELDS = (NAME_KNOWN, SOURCE_FIELD, CONFIDENCE_FIELD, POSITION_FIELD)
SURVEYED = "surveyed"
KHU_REF = "khu"
WIDTH = "width_m"
SURFACE = "surface"
DEAD_END = "dead_end"
OUTFALL = "outfall"
IN_USE = "in_use"
CLUSTER_REF = "cluster"


@dataclass(frozen=True)
class WardRules:
    """Parameters of the ward's own rules (from the 2017 report), kept with the layers."""

    main_road_kinds: tuple[str, ...] = ("main",)
    main_road_width_m: tuple[float, float] = (5.0, 6.0)
    concrete_road_kinds: tuple[str, ...] = ("inter_khu", "inter_group")
    concrete_surface: str = "concrete"
    #: the code of features that serve one khu (cultural houses, sports areas)
    serves_khu_kind: str = "khu"
    #: an enterprise closer than this to homes is put on environment watch
    environment_watch_m: float = 150.0
    #: features may stray this far outside the ward boundary before it is an error
    outside_tolerance_m: float = 5.0
    #: roads shorter than this are reported
    min_road_length_m: float = 1.0
    #: end points closer than this are taken as connected
    snap_tolerance_m: float = 0.01
    #: the layers whose features must serve a khu and lie in it
    khu_service_layers: tuple[str, ...] = ("cultural_houses", "sports_areas")


WARD_RULES = WardRules()
SCHEMATIC = "schematic"
