"""A deterministic generator of province-sized synthetic inventories with seeded defects.

:func:`generate` writes every registry layer, with every field the registry defines (valid
codes, provenance fields, ``position = "schematic"``), over a province-sized extent (Quảng
Ninh, about lon 106.4–108.0, lat 20.7–21.7), and seeds defects at a known rate: main roads
narrower or wider than the ward's 5–6 m, inter-khu roads not concreted, unknown codes,
decimal-comma widths stored as text, duplicate ids, missing names, decomposed (NFD) text,
self-crossing lines, repeated vertices, missing geometries, dangles not marked
``dead_end``, isolated roads, drainage networks without an outfall, overlapping khu, gaps
in the khu cover, khu without a cultural house or a sports area, services outside their
khu and enterprises outside their cluster.

Every defect the validator must report is listed in ``manifest.json`` (rule id, layer,
feature index and id), so that a test can check that the issues found are exactly the
issues seeded.  Clean features raise no issue at all, warnings included.

The layout:

* roads: a connected grid whose nodes are shared exactly, one feature per edge between
  junctions (three vertices, the middle one jittered), plus short dead-end spurs;
* drainage: short chains digitised downstream, each ending in a segment marked outfall;
* khu: grid cells tiling the boundary exactly (they share their corners; the boundary
  ring passes through every cell corner on the perimeter);
* cultural houses and sports areas: one per khu inside it, and one of the ward's own;
* clusters: squares inside khu cells, with their enterprises well inside them;
* the other point and polygon layers: points and small squares inside khu cells.

Geometry is built with numpy and shapely's array functions; GeoJSON is written with
orjson, one feature per line, like the bundled ``data/``; GeoParquet with geopandas
(``to_parquet``), in row groups that :mod:`kimson_geo.scale` reads as partitions.

Examples
--------
>>> from benchmarks.synth import generate
>>> manifest = generate("/tmp/synth-doc", roads=300, drainage=40, points=60,
...                     polygons=30, formats=("geojson",))
>>> manifest.counts["roads"]
300
>>> manifest.by_rule()["main-road-width"]
1
"""

from __future__ import annotations

import json
import math
import os
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kimson_geo.errors import KimsonGeoError
from kimson_geo.registry import (
    BOUNDARY_LAYER,
    CLUSTER_REF,
    CLUSTERS_LAYER,
    CULTURAL_HOUSES_LAYER,
    DEAD_END,
    DRAINAGE_LAYER,
    ENTERPRISES_LAYER,
    ID,
    KHU_LAYER,
    KHU_REF,
    KIND,
    LAYERS,
    NAME,
    OUTFALL,
    POSITION_FIELD,
    ROADS_LAYER,
    SCHEMATIC,
    SPORTS_AREAS_LAYER,
    SURFACE,
    WARD_RULES,
    WGS84,
    WIDTH,
    LayerSpec,
    layer_spec,
)

__all__ = ["generate", "generate_dirty_roads", "SynthManifest", "SeededDefect", "SynthError",
           "PROVINCE_EXTENT", "FORMATS"]

#: lon_min, lat_min, lon_max, lat_max of the synthetic province (about Quảng Ninh)
PROVINCE_EXTENT: tuple[float, float, float, float] = (106.4, 20.7, 108.0, 21.7)
#: output formats :func:`generate` knows, and the folder each is written to
FORMATS: dict[str, str] = {"geojson": ".geojson", "parquet": ".parquet"}
_Extent = tuple[float, float, float, float]
#: decimals kept in coordinates (about 1 cm), in every format alike
PRECISION = 7
MANIFEST_NAME = "manifest.json"
_CHUNK = 50_000


class SynthError(KimsonGeoError, ValueError):
    """The sizes asked of the generator cannot be laid out."""


@dataclass(frozen=True)
class SeededDefect:
    """One issue the validator must report: rule, layer, feature index (None for a
    layer-wide issue such as a gap in the khu cover) and id, and what was seeded."""

    rule: str
    layer: str
    feature: int | None
    feature_id: str | None
    defect: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.rule, self.layer, -1 if self.feature is None else self.feature)


@dataclass(frozen=True)
class SynthManifest:
    """What :func:`generate` wrote: sizes, files by format, and the exact seeded issues."""

    out_dir: Path
    seed: int
    defect_rate: float
    extent: tuple[float, float, float, float]
    counts: Mapping[str, int]
    files: Mapping[str, Mapping[str, str]]
    defects: tuple[SeededDefect, ...]
    seconds: float = 0.0

    @property
    def path(self) -> Path:
        """The manifest file."""
        return self.out_dir / MANIFEST_NAME

    def folder(self, fmt: str = "geojson") -> Path:
        """The folder holding the layers in ``fmt`` (``geojson`` or ``parquet``)."""
        return self.out_dir / fmt

    def layer_path(self, layer: str, fmt: str = "geojson") -> Path:
        return self.out_dir / self.files[fmt][layer]

    def by_rule(self, layers: Iterable[str] | None = None) -> dict[str, int]:
        """Number of seeded issues per rule id (of ``layers`` only, when given)."""
        wanted = None if layers is None else set(layers)
        return dict(sorted(Counter(d.rule for d in self.defects
                                   if wanted is None or d.layer in wanted).items()))

    def expected_keys(self, layers: Iterable[str] | None = None) -> list[tuple[str, str, int]]:
        """Sorted ``(rule, layer, feature)`` keys of the seeded issues (-1: no feature)."""
        wanted = None if layers is None else set(layers)
        return sorted(d.key for d in self.defects if wanted is None or d.layer in wanted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "generator": "benchmarks.synth",
            "seed": self.seed,
            "defect_rate": self.defect_rate,
            "extent": list(self.extent),
            "crs": WGS84,
            "counts": dict(self.counts),
            "files": {k: dict(v) for k, v in self.files.items()},
            "seconds": round(self.seconds, 3),
            "expected_by_rule": self.by_rule(),
            "defects": [
                {"rule": d.rule, "layer": d.layer, "feature": d.feature, "id": d.feature_id,
                 "defect": d.defect}
                for d in self.defects
            ],
        }

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> SynthManifest:
        """Read a ``manifest.json`` (or the folder holding one)."""
        path = Path(path)
        if path.is_dir():
            path = path / MANIFEST_NAME
        data = json.loads(path.read_text(encoding="utf-8"))
        defects = tuple(SeededDefect(d["rule"], d["layer"], d["feature"], d["id"], d["defect"])
                        for d in data["defects"])
        return cls(path.parent, data["seed"], data["defect_rate"], tuple(data["extent"]),
                   data["counts"], data["files"], defects, data.get("seconds", 0.0))


# ------------------------------------------------------------------------------ tables

@dataclass
class _Table:
    """One layer before writing: columns, and single-part geometry as flat arrays.

    ``kind`` is ``Point``, ``LineString`` or ``Polygon`` (one exterior ring); ``coords``
    holds every vertex, ``offsets`` where each feature's vertices start (n + 1 values);
    ``missing`` marks features written with a null geometry.
    """

    layer: str
    kind: str
    columns: dict[str, Any]
    coords: np.ndarray
    offsets: np.ndarray
    missing: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.offsets) - 1


@dataclass
class _Defects:
    """Collects the seeded issues and keeps defects on distinct features."""

    items: list[SeededDefect] = field(default_factory=list)

    def add(self, rule: str, layer: str, features: Iterable[int | None], ids: Any,
            defect: str) -> None:
        for f in features:
            fid = None if f is None else ids[f]
            self.items.append(SeededDefect(rule, layer, None if f is None else int(f),
                                           None if fid is None else str(fid), defect))


class _Picker:
    """Draws distinct feature indices for defects, never the same feature twice."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.rng = rng
        self.used = np.zeros(n, dtype=bool)

    def pick(self, count: int, eligible: np.ndarray | None = None) -> np.ndarray:
        free = ~self.used if eligible is None else (eligible & ~self.used)
        pool = free.nonzero()[0]
        if count <= 0 or len(pool) == 0:
            return np.zeros(0, dtype=np.int64)
        chosen = np.sort(self.rng.choice(pool, size=min(count, len(pool)), replace=False))
        self.used[chosen] = True
        return chosen


def _rounded(values: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(values, dtype=np.float64), PRECISION)


def _obj(values: Iterable[Any]) -> np.ndarray:
    """A 1-d object array of ``values`` (never a 2-d array of characters or lists)."""
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _ids(prefix: str, n: int) -> np.ndarray:
    width = max(5, len(str(n)))
    return _obj([f"{prefix}-{i:0{width}d}" for i in range(1, n + 1)])


def _pick_from(rng: np.random.Generator, choices: Sequence[Any], n: int) -> np.ndarray:
    table = _obj(list(choices))
    return table[rng.integers(0, len(table), n)]


def _default_columns(spec: LayerSpec, n: int, rng: np.random.Generator,
                     source: str) -> dict[str, Any]:
    """Every field of ``spec`` filled with plausible registry-valid values.

    Codes come from the registry, numbers from the middle of the plausible range, required
    text is a placeholder and optional text is null.  Rules that read a field get their
    values from the layer builders afterwards.
    """
    columns: dict[str, Any] = {}
    for f in spec.fields:
        if f.codes:
            codes = list(f.codes)
            columns[f.name] = _pick_from(rng, codes, n)
        elif f.type == "bool":
            columns[f.name] = rng.random(n) < 0.5
        elif f.type in ("int", "float"):
            low, high = f.range if f.range is not None else (0.0, 100.0)
            span = high - low
            lo, hi = low + 0.1 * span, low + 0.3 * span
            if f.type == "int":
                values = rng.integers(int(math.ceil(lo)), int(math.floor(hi)) + 1, n)
                columns[f.name] = values.astype(np.int64)
            else:
                columns[f.name] = np.round(rng.uniform(lo, hi, n), 1)
        elif f.required:
            columns[f.name] = np.full(n, source, dtype=object)
        else:
            columns[f.name] = np.full(n, None, dtype=object)
    columns[POSITION_FIELD] = np.full(n, SCHEMATIC, dtype=object)
    return columns


def _codes(layer: str, field_name: str) -> list[str]:
    """The registry's codes of a coded field."""
    return list(layer_spec(layer).field(field_name).codes or {})


def _label_en(layer: str) -> str:
    return layer_spec(layer).label_en


# ----------------------------------------------------------------------------- layout

@dataclass(frozen=True)
class _Grid:
    """A regular lon/lat grid: ``nx`` × ``ny`` nodes between the given edges."""

    xs: np.ndarray
    ys: np.ndarray

    @property
    def nx(self) -> int:
        return len(self.xs)

    @property
    def ny(self) -> int:
        return len(self.ys)

    @property
    def dx(self) -> float:
        return float(self.xs[1] - self.xs[0])

    @property
    def dy(self) -> float:
        return float(self.ys[1] - self.ys[0])


def _metres_per_degree(lat: float) -> tuple[float, float]:
    return 111_320.0 * math.cos(math.radians(lat)), 110_574.0


def _grid_shape(cells: int, extent: tuple[float, float, float, float]) -> tuple[int, int]:
    """Columns and rows of at most ``cells`` cells, as square as the extent allows."""
    x0, y0, x1, y1 = extent
    mx, my = _metres_per_degree((y0 + y1) / 2)
    aspect = (x1 - x0) * mx / ((y1 - y0) * my)
    kx = max(1, int(math.sqrt(cells * aspect)))
    ky = max(1, cells // kx)
    while kx * ky > cells:
        ky -= 1
    return kx, max(1, ky)


# ------------------------------------------------------------------------------ roads

# relative (along, across) vertices of an edge's replacement geometry
_SELF_CROSSING = np.array([[0.0, 0.0], [0.6, 0.0], [0.5, 0.05], [0.5, -0.05], [1.0, 0.0]])


def _line_kind(k: np.ndarray) -> np.ndarray:
    """Road kind of grid line ``k``: every 10th a main axis, every 5th inter-khu..."""
    codes = _obj(_codes(ROADS_LAYER, KIND))
    main, inter_khu, inter_group, alley = codes
    return np.where(k % 10 == 0, main, np.where(k % 5 == 0, inter_khu,
                                                np.where(k % 2 == 0, inter_group, alley)))


def _build_roads(n: int, rng: np.random.Generator, rate: float, extent: _Extent,
                 khu: _Grid, khu_ids: np.ndarray, source: str,
                 defects: _Defects) -> _Table:
    x0, y0, x1, y1 = extent
    spec = layer_spec(ROADS_LAYER)
    kinds = _codes(ROADS_LAYER, KIND)
    main, inter_khu, inter_group, alley = kinds
    surfaces = _codes(ROADS_LAYER, SURFACE)
    concrete = WARD_RULES.concrete_surface
    per_kind = max(1, round(rate * n / 12))
    n_dangle, n_isolated = per_kind, per_kind
    extras_needed = n_dangle + n_isolated
    grid_budget = max(12, int(0.97 * (n - extras_needed)))
    cols, rows = _grid_shape(grid_budget // 2, extent)
    nx, ny = cols + 1, rows + 1

    def edges(a: int, b: int) -> int:
        return a * (b - 1) + b * (a - 1)

    while ny > 3 and edges(nx, ny) > n - extras_needed:
        ny -= 1
    while nx > 3 and edges(nx, ny) > n - extras_needed:
        nx -= 1
    n_edges = edges(nx, ny)
    n_spurs = n - extras_needed - n_edges
    cells = (nx - 1) * (ny - 1)
    if nx < 3 or ny < 3 or n_spurs < 0 or n_spurs + n_dangle > cells or n_isolated > cells:
        raise SynthError(f"cannot lay out {n} roads (need at least about 30)")

    mx = (x1 - x0) * 0.01
    my = (y1 - y0) * 0.01
    xs = np.linspace(x0 + mx, x1 - mx, nx)
    ys = np.linspace(y0 + my, y1 - my, ny)
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]

    # grid edges: horizontal (i, j) -> (i + 1, j), then vertical (i, j) -> (i, j + 1)
    h_grid = np.meshgrid(np.arange(nx - 1), np.arange(ny), indexing="xy")
    v_grid = np.meshgrid(np.arange(nx), np.arange(ny - 1), indexing="xy")
    hi, hj = h_grid[0].ravel(), h_grid[1].ravel()
    vi, vj = v_grid[0].ravel(), v_grid[1].ravel()
    n_h = len(hi)
    a_i = np.concatenate([hi, vi])
    a_j = np.concatenate([hj, vj])
    b_i = np.concatenate([hi + 1, vi])
    b_j = np.concatenate([hj, vj + 1])
    horizontal = np.arange(n_edges) < n_h
    ax, ay = xs[a_i], ys[a_j]
    bx, by = xs[b_i], ys[b_j]

    # spurs (dead ends, some seeded as dangles) go into the cell up and right of a node
    spur_cells = rng.choice(cells, size=n_spurs + n_dangle, replace=False)
    iso_cells = rng.choice(cells, size=n_isolated, replace=False)
    sc_i, sc_j = spur_cells % (nx - 1), spur_cells // (nx - 1)
    ic_i, ic_j = iso_cells % (nx - 1), iso_cells // (nx - 1)

    kind = np.empty(n, dtype=object)
    kind[:n_edges] = np.where(horizontal, _line_kind(a_j), _line_kind(a_i))
    kind[n_edges:] = alley

    # geometry: 3 vertices per feature (edge middle vertex jittered across the edge)
    jitter = rng.uniform(-0.08, 0.08, n_edges)
    mid_x = (ax + bx) / 2 + np.where(horizontal, 0.0, jitter * dx)
    mid_y = (ay + by) / 2 + np.where(horizontal, jitter * dy, 0.0)
    s_len = rng.uniform(0.15, 0.25, n_spurs + n_dangle)
    spur_ax, spur_ay = xs[sc_i], ys[sc_j]
    spur_bx, spur_by = spur_ax + s_len * dx, spur_ay + s_len * dy
    iso_ax, iso_ay = xs[ic_i] + 0.55 * dx, ys[ic_j] + 0.45 * dy
    iso_bx, iso_by = xs[ic_i] + 0.75 * dx, ys[ic_j] + 0.65 * dy
    start_x = np.concatenate([ax, spur_ax, iso_ax])
    start_y = np.concatenate([ay, spur_ay, iso_ay])
    end_x = np.concatenate([bx, spur_bx, iso_bx])
    end_y = np.concatenate([by, spur_by, iso_by])
    middle_x = np.concatenate([mid_x, (spur_ax + spur_bx) / 2, (iso_ax + iso_bx) / 2])
    middle_y = np.concatenate([mid_y, (spur_ay + spur_by) / 2, (iso_ay + iso_by) / 2])

    picker = _Picker(rng, n)
    is_edge = np.arange(n) < n_edges
    # a missing geometry must not cut the network: interior horizontal edges on even
    # columns, so that no node loses two edges
    interior = np.zeros(n, dtype=bool)
    interior[:n_h] = (hi % 2 == 0) & (hi >= 1) & (hi + 1 <= nx - 2) & (hj >= 1) & (hj <= ny - 2)
    missing_idx = picker.pick(per_kind, interior)
    crossing_idx = picker.pick(per_kind, is_edge)
    repeated_idx = picker.pick(per_kind, is_edge)

    counts = np.full(n, 3, dtype=np.int64)
    counts[crossing_idx] = len(_SELF_CROSSING)
    counts[repeated_idx] = 4
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    coords = np.empty((int(offsets[-1]), 2), dtype=np.float64)
    plain = counts == 3
    base = offsets[:-1][plain]
    coords[base] = np.column_stack([start_x[plain], start_y[plain]])
    coords[base + 1] = np.column_stack([middle_x[plain], middle_y[plain]])
    coords[base + 2] = np.column_stack([end_x[plain], end_y[plain]])
    base = offsets[:-1][repeated_idx]
    for k, (xv, yv) in enumerate([(start_x, start_y), (middle_x, middle_y),
                                  (middle_x, middle_y), (end_x, end_y)]):
        coords[base + k] = np.column_stack([xv[repeated_idx], yv[repeated_idx]])
    if len(crossing_idx):
        sx, sy = start_x[crossing_idx], start_y[crossing_idx]
        ux, uy = end_x[crossing_idx] - sx, end_y[crossing_idx] - sy
        # across: the edge direction turned a quarter, scaled to the other axis' spacing
        px = np.where(uy != 0, -np.sign(uy) * dx, 0.0)
        py = np.where(ux != 0, np.sign(ux) * dy, 0.0)
        base = offsets[:-1][crossing_idx]
        for k, (along, across) in enumerate(_SELF_CROSSING):
            coords[base + k] = np.column_stack([sx + along * ux + across * px,
                                                sy + along * uy + across * py])
    coords = _rounded(coords)
    # make the shared nodes bit-identical after rounding (they are: same inputs)
    missing = np.zeros(n, dtype=bool)
    missing[missing_idx] = True

    columns = _default_columns(spec, n, rng, source)
    ids = _ids("road", n)
    columns[ID] = ids
    h_names = _obj([f"Đường ngang số {j + 1} (tên chưa xác định)" for j in range(ny)])
    v_names = _obj([f"Đường dọc số {i + 1} (tên chưa xác định)" for i in range(nx)])
    name = np.empty(n, dtype=object)
    name[:n_edges] = np.where(horizontal, h_names[a_j], v_names[a_i])
    name[n_edges:n_edges + n_spurs + n_dangle] = "Ngõ cụt (tên chưa xác định)"
    name[n_edges + n_spurs + n_dangle:] = "Đường nội bộ (tên chưa xác định)"
    columns[NAME] = name
    columns[KIND] = kind
    width = np.empty(n, dtype=np.float64)
    surface = np.empty(n, dtype=object)
    for code, widths, surf in ((main, (5.0, 5.5, 6.0), ("asphalt", concrete)),
                               (inter_khu, (3.0, 3.5, 4.0, 4.5), (concrete,)),
                               (inter_group, (2.5, 3.0, 3.5), (concrete,)),
                               (alley, (1.5, 2.0, 2.5, 3.0), tuple(surfaces))):
        sel = kind == code
        width[sel] = np.asarray(widths)[rng.integers(0, len(widths), int(sel.sum()))]
        allowed = [s for s in surf if s in surfaces]
        surface[sel] = _pick_from(rng, allowed, int(sel.sum()))
    dead_end = np.zeros(n, dtype=bool)
    dead_end[n_edges:n_edges + n_spurs] = True  # clean spurs
    dead_end[n_edges + n_spurs + n_dangle:] = True  # isolated pieces: no dangle, but cut off
    mid_all = np.column_stack([middle_x, middle_y])
    kx_i = np.clip(((mid_all[:, 0] - khu.xs[0]) // khu.dx).astype(np.int64), 0, khu.nx - 2)
    ky_i = np.clip(((mid_all[:, 1] - khu.ys[0]) // khu.dy).astype(np.int64), 0, khu.ny - 2)
    columns[KHU_REF] = khu_ids[ky_i * (khu.nx - 1) + kx_i]

    # seeded attribute defects, each on its own feature
    layer = ROADS_LAYER
    defects.add("geometry-missing", layer, missing_idx, ids, "null geometry")
    defects.add("line-self-crossing", layer, crossing_idx, ids, "line loops over itself")
    defects.add("repeated-vertex", layer, repeated_idx, ids, "zero-length segment")
    dangles = np.arange(n_edges + n_spurs, n_edges + n_spurs + n_dangle)
    picker.used[dangles] = True
    defects.add("road-dangle", layer, dangles, ids, "spur end not marked dead_end")
    isolated = np.arange(n_edges + n_spurs + n_dangle, n)
    picker.used[isolated] = True
    defects.add("road-isolated", layer, isolated, ids, "road cut off from the network")

    mains = picker.pick(per_kind, is_edge & (kind == main))
    width[mains] = np.where(np.arange(len(mains)) % 2 == 0, 4.0, 7.5)
    defects.add("main-road-width", layer, mains, ids, "main road outside 5–6 m")
    inter = is_edge & np.isin(kind, WARD_RULES.concrete_road_kinds)
    not_concrete = picker.pick(per_kind, inter)
    others = [s for s in surfaces if s != concrete]
    surface[not_concrete] = _pick_from(rng, others, len(not_concrete))
    defects.add("road-not-concrete", layer, not_concrete, ids, "inter-khu road not concrete")
    alleys = is_edge & (kind == alley)
    unknown = picker.pick(per_kind, alleys)
    half = len(unknown) // 2
    kind[unknown[:half]] = "đường hẻm"
    surface[unknown[half:]] = "nhựa"
    defects.add("unknown-code", layer, unknown, ids, "code not in the registry")
    too_wide = picker.pick(per_kind, alleys)
    width[too_wide] = 80.0
    defects.add("value-range", layer, too_wide, ids, "width outside the plausible range")
    width_out: np.ndarray = width
    comma = picker.pick(per_kind, is_edge & (kind != main))
    if len(comma):
        width_out = width.astype(object)
        width_out[comma] = [f"{w:.1f}".replace(".", ",") for w in width[comma]]
    defects.add("field-type", layer, comma, ids, "decimal-comma width as text")
    columns[WIDTH] = width_out
    columns[SURFACE] = surface
    columns[DEAD_END] = dead_end
    _seed_common(layer, columns, picker, per_kind, is_edge, defects)
    return _Table(layer, "LineString", columns, coords, offsets, missing)


def _seed_common(layer: str, columns: dict[str, Any], picker: _Picker, count: int,
                 eligible: np.ndarray | None, defects: _Defects) -> None:
    """Missing names, decomposed text and duplicate ids: defects every layer can have."""
    ids = columns[ID]
    names = columns[NAME]
    blank = picker.pick(count, eligible)
    for k, f in enumerate(blank):
        names[f] = None if k % 2 == 0 else "  "
    defects.add("required-field", layer, blank, ids, "missing name")
    nfd = picker.pick(count, eligible)
    for f in nfd:
        text = names[f] if unicodedata.normalize("NFD", names[f]) != names[f] \
            else f"Khu phố {names[f]}"
        names[f] = unicodedata.normalize("NFD", text)
    defects.add("text-nfc", layer, nfd, ids, "decomposed (NFD) accents")
    pairs = picker.pick(2 * count, eligible)
    first, second = pairs[0::2], pairs[1::2]
    first = first[:len(second)]
    ids[second] = ids[first]
    both = np.sort(np.concatenate([first, second]))
    defects.add("unique-id", layer, both, ids, "duplicate id")


# --------------------------------------------------------------------------- drainage

def _build_drainage(n: int, rng: np.random.Generator, rate: float,
                    extent: _Extent, source: str, defects: _Defects) -> _Table:
    x0, y0, x1, y1 = extent
    spec = layer_spec(DRAINAGE_LAYER)
    chain = 4
    n_chains = -(-n // chain)
    cols, rows = _grid_shape(n_chains, (x0, y0, x1, y1))
    while cols * rows < n_chains:
        rows += 1
    w = (x1 - x0) * 0.98 / cols
    h = (y1 - y0) * 0.98 / rows
    feature = np.arange(n)
    c = feature // chain
    pos = feature % chain
    length = np.minimum(chain, n - c * chain)
    slot_x = x0 + (x1 - x0) * 0.01 + (c % cols) * w
    slot_y = y0 + (y1 - y0) * 0.01 + (c // cols) * h + 0.3 * h
    step = 0.8 * w / chain
    sx = slot_x + 0.1 * w + pos * step
    ex = sx + step
    my = slot_y + rng.uniform(-0.1, 0.1, n) * h
    coords = np.empty((3 * n, 2), dtype=np.float64)
    coords[0::3] = np.column_stack([sx, slot_y])
    coords[1::3] = np.column_stack([(sx + ex) / 2, my])
    coords[2::3] = np.column_stack([ex, slot_y])
    offsets = np.arange(0, 3 * n + 1, 3, dtype=np.int64)
    last = pos == length - 1

    columns = _default_columns(spec, n, rng, source)
    ids = _ids("drain", n)
    columns[ID] = ids
    columns[NAME] = np.full(n, "Mương tiêu (tên chưa xác định)", dtype=object)
    columns[OUTFALL] = last.copy()
    per_kind = max(1, round(rate * n / 6))
    picker = _Picker(rng, n)
    layer = DRAINAGE_LAYER
    dry = picker.pick(per_kind, last)
    columns[OUTFALL][dry] = False
    defects.add("drainage-no-outfall", layer, dry, ids, "network without an outfall")
    repeated = picker.pick(per_kind)
    if len(repeated):
        counts = np.full(n, 3, dtype=np.int64)
        counts[repeated] = 4
        new_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=new_offsets[1:])
        take = np.repeat(np.arange(n), counts)
        within = np.arange(int(new_offsets[-1])) - new_offsets[:-1][take]
        within_old = np.where((counts[take] == 4) & (within >= 2), within - 1, within)
        coords = coords[offsets[:-1][take] + within_old]
        offsets = new_offsets
    defects.add("repeated-vertex", layer, repeated, ids, "zero-length segment")
    unknown = picker.pick(per_kind)
    columns[KIND][unknown] = "mương đất"
    defects.add("unknown-code", layer, unknown, ids, "code not in the registry")
    _seed_common(layer, columns, picker, per_kind, None, defects)
    return _Table(layer, "LineString", columns, _rounded(coords), offsets)


# ---------------------------------------------------------------------- khu and areas

def _square_rings(cx0: np.ndarray, cy0: np.ndarray, cx1: np.ndarray,
                  cy1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counter-clockwise closed rings of axis-aligned rectangles (5 vertices each)."""
    n = len(cx0)
    coords = np.empty((5 * n, 2), dtype=np.float64)
    coords[0::5] = np.column_stack([cx0, cy0])
    coords[1::5] = np.column_stack([cx1, cy0])
    coords[2::5] = np.column_stack([cx1, cy1])
    coords[3::5] = np.column_stack([cx0, cy1])
    coords[4::5] = coords[0::5]
    return coords, np.arange(0, 5 * n + 1, 5, dtype=np.int64)


@dataclass
class _Areas:
    tables: dict[str, _Table]
    khu: _Grid
    khu_ids: np.ndarray


def _build_areas(points: int, polygons: int, rng: np.random.Generator, rate: float,
                 extent: tuple[float, float, float, float], source: str,
                 defects: _Defects) -> _Areas:
    x0, y0, x1, y1 = extent
    point_layers = [s.name for s in LAYERS.values() if s.geometry_types[0] == "Point"
                    and s.name not in (CULTURAL_HOUSES_LAYER, SPORTS_AREAS_LAYER,
                                       ENTERPRISES_LAYER)]
    area_layers = [s.name for s in LAYERS.values() if s.geometry_types[0] == "Polygon"
                   and s.name not in (BOUNDARY_LAYER, KHU_LAYER, CLUSTERS_LAYER)]
    n_clusters = max(1, polygons // 50)
    n_other_areas = max(len(area_layers), polygons // 50)
    khu_budget = min(polygons - 1 - n_clusters - n_other_areas, (points - 6) // 2)
    if khu_budget < 12:
        raise SynthError("too few polygons or points: need polygons >= 16 and points >= 30")
    kx, ky = _grid_shape(khu_budget, extent)
    n_khu = kx * ky
    n_other_areas = polygons - 1 - n_clusters - n_khu
    xs = _rounded(np.linspace(x0, x1, kx + 1))
    ys = _rounded(np.linspace(y0, y1, ky + 1))
    grid = _Grid(xs, ys)
    mx, my = _metres_per_degree((y0 + y1) / 2)
    cell_m = min(grid.dx * mx, grid.dy * my)
    watch = WARD_RULES.environment_watch_m
    if 0.2 * cell_m <= 1.5 * watch:
        raise SynthError(f"khu cells of {cell_m:.0f} m are too small for enterprises "
                         f"{watch:g} m inside their clusters; ask for fewer polygons")
    cell_grid = np.meshgrid(np.arange(kx), np.arange(ky), indexing="xy")
    ci, cj = cell_grid[0].ravel(), cell_grid[1].ravel()
    cx0, cy0, cx1, cy1 = xs[ci], ys[cj], xs[ci + 1], ys[cj + 1]
    dx, dy = grid.dx, grid.dy
    centre_x, centre_y = (cx0 + cx1) / 2, (cy0 + cy1) / 2
    tables: dict[str, _Table] = {}

    # ---- boundary: the outline through every perimeter corner of the khu grid
    ring = np.concatenate([
        np.column_stack([xs, np.full(kx + 1, ys[0])]),
        np.column_stack([np.full(ky, xs[-1]), ys[1:]]),
        np.column_stack([xs[-2::-1], np.full(kx, ys[-1])]),
        np.column_stack([np.full(ky, xs[0]), ys[-2::-1]]),
    ])
    spec = layer_spec(BOUNDARY_LAYER)
    columns = _default_columns(spec, 1, rng, source)
    columns[ID] = _obj(["province"])
    columns[NAME] = _obj(["Tỉnh tổng hợp (dữ liệu thử)"])
    tables[BOUNDARY_LAYER] = _Table(BOUNDARY_LAYER, "Polygon", columns, ring,
                                    np.array([0, len(ring)], dtype=np.int64))

    # ---- khu cells; defects keep apart: each takes a cell and its neighbours
    cell_used = np.zeros(n_khu, dtype=bool)
    per_kind = max(1, round(rate * n_khu / 8))

    def neighbourhood(cells: np.ndarray) -> np.ndarray:
        out = []
        for c in cells:
            i, j = int(c % kx), int(c // kx)
            for di in (-1, 0, 1, 2):
                for dj in (-1, 0, 1):
                    if 0 <= i + di < kx and 0 <= j + dj < ky:
                        out.append((j + dj) * kx + i + di)
        return np.asarray(out, dtype=np.int64)

    def take(count: int, eligible: np.ndarray) -> np.ndarray:
        pool = (eligible & ~cell_used).nonzero()[0]
        if count <= 0 or len(pool) == 0:
            return np.zeros(0, dtype=np.int64)
        chosen = np.sort(rng.choice(pool, size=min(count, len(pool)), replace=False))
        cell_used[neighbourhood(chosen)] = True
        return chosen

    interior = (ci >= 1) & (ci + 2 <= kx - 1) & (cj >= 1) & (cj + 1 <= ky - 1)
    overlap = take(per_kind, interior)
    gap = take(per_kind, interior)
    no_house = take(per_kind, interior)
    no_sports = take(per_kind, interior)
    moved_house = take(per_kind, interior)
    outside_enterprise_cells = take(per_kind, interior)
    cluster_cells = take(n_clusters, np.ones(n_khu, dtype=bool))
    if len(cluster_cells) < n_clusters:
        raise SynthError("too few khu cells for the clusters; ask for more points")

    counts = np.full(n_khu, 5, dtype=np.int64)
    counts[overlap] = 7
    offsets = np.zeros(n_khu + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    coords = np.empty((int(offsets[-1]), 2), dtype=np.float64)
    plain = counts == 5
    ring_c, _ = _square_rings(cx0[plain], cy0[plain], cx1[plain], cy1[plain])
    starts = offsets[:-1][plain]
    for k in range(5):
        coords[starts + k] = ring_c[k::5]
    # an overlapping khu takes in its right-hand neighbour, along the shared corners
    for c in overlap:
        i, j = int(c % kx), int(c // kx)
        a, b, e = xs[i], xs[i + 1], xs[i + 2]
        coords[offsets[c]:offsets[c + 1]] = [(a, ys[j]), (b, ys[j]), (e, ys[j]),
                                             (e, ys[j + 1]), (b, ys[j + 1]), (a, ys[j + 1]),
                                             (a, ys[j])]
    # a khu with a gap around it: only its middle half
    for c in gap:
        sq, _ = _square_rings(np.array([cx0[c] + dx / 4]), np.array([cy0[c] + dy / 4]),
                              np.array([cx1[c] - dx / 4]), np.array([cy1[c] - dy / 4]))
        coords[offsets[c]:offsets[c + 1]] = sq
    spec = layer_spec(KHU_LAYER)
    columns = _default_columns(spec, n_khu, rng, source)
    khu_ids = _ids("khu", n_khu)
    columns[ID] = khu_ids.copy()
    columns[NAME] = _obj([f"Khu {k + 1} (tên chưa xác định)" for k in range(n_khu)])
    tables[KHU_LAYER] = _Table(KHU_LAYER, "Polygon", columns, _rounded(coords), offsets)
    defects.add("khu-overlap", KHU_LAYER, overlap, khu_ids, "khu takes in its neighbour")
    defects.add("khu-gap", KHU_LAYER, [None] * len(gap), khu_ids, "gap around a khu")
    defects.add("khu-has-cultural-house", KHU_LAYER, no_house, khu_ids,
                "no cultural house names the khu")
    defects.add("khu-has-sports-area", KHU_LAYER, no_sports, khu_ids,
                "no sports area names the khu")

    # ---- cultural houses and sports areas: one per khu, plus the ward's own
    for layer, off_x, off_y, missing_cells in (
            (CULTURAL_HOUSES_LAYER, 0.2, 0.1, no_house),
            (SPORTS_AREAS_LAYER, -0.2, -0.1, no_sports)):
        spec = layer_spec(layer)
        n = n_khu + 1
        kinds = _codes(layer, KIND)
        serves, ward = WARD_RULES.serves_khu_kind, [k for k in kinds
                                                     if k != WARD_RULES.serves_khu_kind][0]
        px = np.append(centre_x + off_x * dx, centre_x[0] + 0.1 * dx)
        py = np.append(centre_y + off_y * dy, centre_y[0] + 0.3 * dy)
        columns = _default_columns(spec, n, rng, source)
        ids = _ids("ch" if layer == CULTURAL_HOUSES_LAYER else "sa", n)
        columns[ID] = ids
        label = _label_en(layer)
        columns[NAME] = _obj([f"{label} {k + 1} (tên chưa xác định)" for k in range(n)])
        kind = np.full(n, serves, dtype=object)
        kind[-1] = ward
        ref = np.concatenate([khu_ids, _obj([None])])
        kind[missing_cells] = ward
        ref[missing_cells] = None
        if layer == CULTURAL_HOUSES_LAYER:
            # a house that names its khu but stands in the next khu up
            px[moved_house] = centre_x[moved_house + kx]
            py[moved_house] = centre_y[moved_house + kx] + 0.3 * dy
            defects.add("service-outside-khu", layer, moved_house, ids,
                        "stands in another khu")
        columns[KIND] = kind
        columns[KHU_REF] = ref
        tables[layer] = _Table(layer, "Point", columns, _rounded(np.column_stack([px, py])),
                               np.arange(n + 1, dtype=np.int64))

    # ---- clusters and their enterprises
    spec = layer_spec(CLUSTERS_LAYER)
    k0, k1 = cx0[cluster_cells], cx1[cluster_cells]
    l0, l1 = cy0[cluster_cells], cy1[cluster_cells]
    c_coords, c_offsets = _square_rings(k0 + 0.1 * dx, l0 + 0.1 * dy, k1 - 0.1 * dx,
                                        l1 - 0.1 * dy)
    columns = _default_columns(spec, n_clusters, rng, source)
    cluster_ids = _ids("cluster", n_clusters)
    columns[ID] = cluster_ids
    columns[NAME] = _obj([f"Cụm công nghiệp {k + 1} (tên chưa xác định)"
                          for k in range(n_clusters)])
    tables[CLUSTERS_LAYER] = _Table(CLUSTERS_LAYER, "Polygon", columns, _rounded(c_coords),
                                    c_offsets)

    remaining = points - 2 * (n_khu + 1)
    n_other_points = max(len(point_layers), remaining // 3)
    n_ent = remaining - n_other_points
    spec = layer_spec(ENTERPRISES_LAYER)
    owner = np.arange(n_ent) % n_clusters
    u = rng.uniform(0.32, 0.68, n_ent)
    v = rng.uniform(0.32, 0.68, n_ent)
    ex = cx0[cluster_cells][owner] + u * dx
    ey = cy0[cluster_cells][owner] + v * dy
    columns = _default_columns(spec, n_ent, rng, source)
    ent_ids = _ids("ent", n_ent)
    columns[ID] = ent_ids
    columns[NAME] = _obj([f"Doanh nghiệp {k + 1} (tên chưa xác định)" for k in range(n_ent)])
    columns[CLUSTER_REF] = cluster_ids[owner]
    stray = np.arange(min(len(outside_enterprise_cells), n_ent))
    ex[stray] = centre_x[outside_enterprise_cells[:len(stray)]]
    ey[stray] = centre_y[outside_enterprise_cells[:len(stray)]] - 0.3 * dy
    defects.add("enterprise-outside-cluster", ENTERPRISES_LAYER, stray, ent_ids,
                "stands outside its cluster")
    defects.add("environment-watch", ENTERPRISES_LAYER, stray, ent_ids,
                "stands among homes")
    tables[ENTERPRISES_LAYER] = _Table(ENTERPRISES_LAYER, "Point", columns,
                                       _rounded(np.column_stack([ex, ey])),
                                       np.arange(n_ent + 1, dtype=np.int64))

    # ---- the other point layers (wharves...) and polygon layers (projects...)
    for layers, total, is_point in ((point_layers, n_other_points, True),
                                    (area_layers, n_other_areas, False)):
        shares = np.array_split(np.arange(total), len(layers))
        for layer, share in zip(layers, shares, strict=True):
            n = len(share)
            spec = layer_spec(layer)
            cells = rng.integers(0, n_khu, n)
            columns = _default_columns(spec, n, rng, source)
            ids = _ids(layer[:4], n)
            columns[ID] = ids
            label = _label_en(layer)
            columns[NAME] = _obj([f"{label} {k + 1} (tên chưa xác định)" for k in range(n)])
            if is_point:
                xy = np.column_stack([cx0[cells] + 0.85 * dx, cy0[cells] + 0.85 * dy])
                table = _Table(layer, "Point", columns, _rounded(xy),
                               np.arange(n + 1, dtype=np.int64))
            else:
                size = rng.uniform(0.05, 0.12, n)
                a_x, a_y = cx0[cells] + 0.03 * dx, cy0[cells] + 0.03 * dy
                sq, offs = _square_rings(a_x, a_y, a_x + size * dx, a_y + size * dy)
                table = _Table(layer, "Polygon", columns, _rounded(sq), offs)
            picker = _Picker(rng, n)
            count = max(1, round(rate * n / 3))
            unknown = picker.pick(count)
            columns[KIND][unknown] = "khác"
            defects.add("unknown-code", layer, unknown, ids, "code not in the registry")
            _seed_common(layer, columns, picker, count, None, defects)
            tables[layer] = table
    return _Areas(tables, grid, khu_ids)


# ----------------------------------------------------------------------------- writing

def _py_column(values: Any) -> list[Any]:
    if isinstance(values, np.ndarray):
        return values.tolist()
    return list(values)


def _geojson_geometries(table: _Table, lo: int, hi: int) -> list[Any]:
    coords = table.coords[table.offsets[lo]:table.offsets[hi]].tolist()
    offs = (table.offsets[lo:hi + 1] - table.offsets[lo]).tolist()
    missing = table.missing[lo:hi].tolist() if table.missing is not None else None
    kind = table.kind
    out: list[Any] = []
    append = out.append
    if kind == "Point":
        for k in range(hi - lo):
            append({"type": kind, "coordinates": coords[k]})
    elif kind == "LineString":
        for k in range(hi - lo):
            append({"type": kind, "coordinates": coords[offs[k]:offs[k + 1]]})
    else:
        for k in range(hi - lo):
            append({"type": kind, "coordinates": [coords[offs[k]:offs[k + 1]]]})
    if missing is not None:
        for k, gone in enumerate(missing):
            if gone:
                out[k] = None
    return out


def _write_geojson(table: _Table, path: Path) -> None:
    import orjson

    names = list(table.columns)
    columns = [_py_column(table.columns[name]) for name in names]
    n = len(table)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(b'{"type": "FeatureCollection", "features": [\n')
        dumps = orjson.dumps
        for lo in range(0, n, _CHUNK):
            hi = min(n, lo + _CHUNK)
            geoms = _geojson_geometries(table, lo, hi)
            rows = zip(*(c[lo:hi] for c in columns), strict=True)
            lines = [dumps({"type": "Feature", "properties": dict(zip(names, row, strict=True)),
                            "geometry": geom})
                     for row, geom in zip(rows, geoms, strict=True)]
            if lo:
                fh.write(b",\n")
            fh.write(b",\n".join(lines))
        fh.write(b"\n]}\n")
    os.replace(tmp, path)


def _geometry_array(table: _Table) -> np.ndarray:
    import shapely

    if table.kind == "Point":
        geoms = shapely.points(table.coords)
    elif table.kind == "LineString":
        geoms = shapely.from_ragged_array(shapely.GeometryType.LINESTRING, table.coords,
                                          (table.offsets,))
    else:
        geoms = shapely.from_ragged_array(shapely.GeometryType.POLYGON, table.coords,
                                          (table.offsets, np.arange(len(table) + 1)))
    geoms = np.asarray(geoms, dtype=object)
    if table.missing is not None:
        geoms[table.missing] = None
    return geoms


def _write_parquet(table: _Table, path: Path, row_group_size: int) -> None:
    import geopandas as gpd
    import pandas as pd

    spec = layer_spec(table.layer)
    data = {}
    for name, values in table.columns.items():
        values = np.asarray(values)
        if values.dtype == object:
            if spec.field(name).type in ("int", "float"):
                # a number column holding decimal-comma text is text throughout, which is
                # what GDAL makes of such a GeoJSON column
                values = _obj(None if v is None else (v if isinstance(v, str) else repr(v))
                              for v in values.tolist())
            data[name] = pd.Series(values, dtype=object)
        else:
            data[name] = values
    frame = gpd.GeoDataFrame(pd.DataFrame(data), geometry=_geometry_array(table), crs=WGS84)
    tmp = path.with_name(path.name + ".part")
    frame.to_parquet(tmp, index=False, row_group_size=row_group_size)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------- API

def generate(
    out_dir: str | os.PathLike[str],
    *,
    roads: int = 1_000_000,
    drainage: int = 200_000,
    points: int = 20_000,
    polygons: int = 5_000,
    seed: int = 0,
    formats: Sequence[str] = ("geojson", "parquet"),
    defect_rate: float = 0.001,
    row_group_size: int = 100_000,
    extent: tuple[float, float, float, float] = PROVINCE_EXTENT,
) -> SynthManifest:
    """Write a synthetic inventory with seeded defects, and its manifest.

    Parameters
    ----------
    out_dir
        Folder to write into: ``geojson/<layer>.geojson`` (one file per layer, laid out
        like ``data/``), ``parquet/<layer>.parquet`` (GeoParquet) and ``manifest.json``.
    roads, drainage
        Number of road and drainage features.
    points
        Number of point features, over cultural houses, sports areas, enterprises and the
        other point layers (at least 2 per khu + 6).
    polygons
        Number of polygon features: the boundary, the khu, the clusters and the other
        area layers.
    seed
        Seed of the random layout; equal arguments give byte-identical files.
    formats
        Any of ``geojson`` and ``parquet``.
    defect_rate
        Share of the features of each layer that carry a seeded defect, spread evenly
        over the defect kinds that layer can have (at least one of each kind).  The khu
        defects (overlap, gap, missing services, stray services and enterprises) each need
        interior khu cells apart from one another: a layout of fewer than about 60 khu may
        have room for only some of them.  The manifest lists exactly what was seeded.
    row_group_size
        Rows per Parquet row group (the partitions :mod:`kimson_geo.scale` reads).
    extent
        ``(lon_min, lat_min, lon_max, lat_max)`` of the province.

    Returns
    -------
    SynthManifest
        Counts, files and the seeded issues, also written to ``manifest.json``.

    Raises
    ------
    SynthError
        If the sizes cannot be laid out (too few features, too many khu for the extent).
    """
    import time

    started = time.perf_counter()
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise SynthError(f"unknown format(s) {', '.join(unknown)}; use {', '.join(FORMATS)}")
    if not 0 <= defect_rate <= 0.05:
        raise SynthError("defect_rate must lie between 0 and 0.05")
    if roads < 30 or drainage < 8:
        raise SynthError("need at least 30 roads and 8 drainage features")
    out = Path(out_dir)
    rng = np.random.default_rng(seed)
    source = f"benchmarks.synth (seed {seed}): synthetic data, not a survey"
    defects = _Defects()
    areas = _build_areas(points, polygons, rng, defect_rate, extent, source, defects)
    tables = dict(areas.tables)
    tables[ROADS_LAYER] = _build_roads(roads, rng, defect_rate, extent, areas.khu,
                                       areas.khu_ids, source, defects)
    tables[DRAINAGE_LAYER] = _build_drainage(drainage, rng, defect_rate, extent, source,
                                             defects)
    ordered = {name: tables[name] for name in LAYERS if name in tables}
    files: dict[str, dict[str, str]] = {}
    for fmt in formats:
        folder = out / fmt
        folder.mkdir(parents=True, exist_ok=True)
        files[fmt] = {}
        for name, table in ordered.items():
            path = folder / f"{name}{FORMATS[fmt]}"
            if fmt == "geojson":
                _write_geojson(table, path)
            else:
                _write_parquet(table, path, row_group_size)
            files[fmt][name] = str(path.relative_to(out))
    items = sorted(defects.items, key=lambda d: (d.rule, d.layer,
                                                 -1 if d.feature is None else d.feature))
    manifest = SynthManifest(out, seed, defect_rate, extent,
                             {name: len(t) for name, t in ordered.items()}, files,
                             tuple(items), time.perf_counter() - started)
    out.mkdir(parents=True, exist_ok=True)
    manifest.path.write_text(json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return manifest


# ----------------------------------------------------------------------- the bad day

def generate_dirty_roads(
    out_dir: str | os.PathLike[str],
    *,
    roads: int = 100_000,
    seed: int = 0,
    formats: Sequence[str] = ("geojson",),
    row_group_size: int = 100_000,
    extent: tuple[float, float, float, float] = PROVINCE_EXTENT,
) -> SynthManifest:
    """Write a roads layer in which most segments have one to three problems (a first
    delivery from a surveyor), and its manifest.

    A grid of road segments (half of them) with unmarked spurs (dangles) and isolated
    segments (the other half, two of each in every grid cell at most), where most main
    roads are outside the ward's 5–6 m and most inter-khu and inter-group roads are not
    concrete.  The manifest lists every issue the validator must report.

    Parameters
    ----------
    out_dir
        Folder to write into: ``geojson/roads.geojson`` and/or ``parquet/roads.parquet``,
        and ``manifest.json``.
    roads
        Number of road segments (at least 30).
    seed
        Seed of the random layout; equal arguments give byte-identical files.
    formats
        Any of ``geojson`` and ``parquet``.
    row_group_size
        Rows per Parquet row group.
    extent
        ``(lon_min, lat_min, lon_max, lat_max)`` of the area.

    Returns
    -------
    SynthManifest
        Counts, files and the seeded issues, also written to ``manifest.json``.
    """
    import time

    started = time.perf_counter()
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise SynthError(f"unknown format(s) {', '.join(unknown)}; use {', '.join(FORMATS)}")
    if roads < 30:
        raise SynthError("need at least 30 roads")
    n = roads
    rng = np.random.default_rng(seed)
    source = f"benchmarks.synth dirty roads (seed {seed}): synthetic data, not a survey"
    # a grid of about half the segments: nx * ny nodes, 2 nx ny - nx - ny edges
    x0, y0, x1, y1 = extent
    cols, rows = _grid_shape(max(4, n // 4), extent)
    nx, ny = cols + 1, rows + 1
    while 2 * nx * ny - nx - ny > n // 2 and min(nx, ny) > 2:
        if nx >= ny:
            nx -= 1
        else:
            ny -= 1
    xs = np.linspace(x0, x1, nx)
    ys = np.linspace(y0, y1, ny)
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    h = np.meshgrid(np.arange(nx - 1), np.arange(ny), indexing="xy")
    v = np.meshgrid(np.arange(nx), np.arange(ny - 1), indexing="xy")
    ai = np.concatenate([h[0].ravel(), v[0].ravel()])
    aj = np.concatenate([h[1].ravel(), v[1].ravel()])
    bi = np.concatenate([h[0].ravel() + 1, v[0].ravel()])
    bj = np.concatenate([h[1].ravel(), v[1].ravel() + 1])
    n_edges = len(ai)
    cells = (nx - 1) * (ny - 1)
    n_spurs = (n - n_edges) // 2
    n_isolated = n - n_edges - n_spurs
    if n_spurs > 2 * cells or n_isolated > 2 * cells:
        raise SynthError(f"cannot lay out {n} dirty roads")
    # slots: two spurs per cell (from its lower-left and upper-right corners along the
    # diagonal) and two isolated segments (on the other diagonal), far from each other
    spur_slot = rng.choice(2 * cells, size=n_spurs, replace=False)
    iso_slot = rng.choice(2 * cells, size=n_isolated, replace=False)
    cx, cy = xs[:-1][np.arange(cells) % (nx - 1)], ys[:-1][np.arange(cells) // (nx - 1)]
    sc, ss = spur_slot // 2, spur_slot % 2
    spur_a = np.column_stack([cx[sc] + ss * dx, cy[sc] + ss * dy])
    spur_b = spur_a + np.column_stack([np.where(ss == 0, 0.2, -0.2) * dx,
                                       np.where(ss == 0, 0.2, -0.2) * dy])
    ic, is_ = iso_slot // 2, iso_slot % 2
    iso_a = np.column_stack([cx[ic] + np.where(is_ == 0, 0.2, 0.65) * dx,
                             cy[ic] + np.where(is_ == 0, 0.8, 0.35) * dy])
    iso_b = iso_a + np.column_stack([np.full(n_isolated, 0.15 * dx),
                                     np.full(n_isolated, -0.15 * dy)])
    start = np.concatenate([np.column_stack([xs[ai], ys[aj]]), spur_a, iso_a])
    end = np.concatenate([np.column_stack([xs[bi], ys[bj]]), spur_b, iso_b])
    coords = np.empty((3 * n, 2))
    coords[0::3], coords[1::3], coords[2::3] = start, (start + end) / 2, end
    coords = _rounded(coords)
    offsets = np.arange(0, 3 * n + 1, 3, dtype=np.int64)

    spec = layer_spec(ROADS_LAYER)
    main, inter_khu, inter_group, alley = _codes(ROADS_LAYER, KIND)
    surfaces = _codes(ROADS_LAYER, SURFACE)
    concrete = WARD_RULES.concrete_surface
    columns = _default_columns(spec, n, rng, source)
    ids = _ids("road", n)
    columns[ID] = ids
    columns[NAME] = np.full(n, "Đường (tên chưa xác định)", dtype=object)
    kind = _obj([main, inter_khu, inter_group, alley])[
        rng.choice(4, size=n, p=[0.4, 0.35, 0.15, 0.1])]
    low, high = WARD_RULES.main_road_width_m
    width = np.round(rng.uniform(low, high, n), 1)
    surface = _obj([concrete] * n)
    bad = rng.random(n) < 0.85
    wrong_width = (kind == main) & bad
    width[wrong_width] = np.where(rng.random(int(wrong_width.sum())) < 0.5, low - 1.5,
                                  high + 1.5)
    not_concrete = np.isin(kind, WARD_RULES.concrete_road_kinds) & bad
    others = [s for s in surfaces if s != concrete]
    surface[not_concrete] = _pick_from(rng, others, int(not_concrete.sum()))
    dead_end = np.zeros(n, dtype=bool)
    spurs = np.arange(n_edges, n_edges + n_spurs)
    dead_end[spurs] = rng.random(n_spurs) < 0.1  # a few spurs are marked: no dangle
    isolated = np.arange(n_edges + n_spurs, n)
    dead_end[isolated] = rng.random(n_isolated) < 0.5
    columns[KIND], columns[WIDTH], columns[SURFACE], columns[DEAD_END] = (
        kind, width, surface, dead_end)
    defects = _Defects()
    defects.add("main-road-width", ROADS_LAYER, wrong_width.nonzero()[0], ids,
                "main road outside 5–6 m")
    defects.add("road-not-concrete", ROADS_LAYER, not_concrete.nonzero()[0], ids,
                "inter-khu road not concrete")
    defects.add("road-dangle", ROADS_LAYER, spurs[~dead_end[spurs]], ids,
                "spur end not marked dead_end")
    defects.add("road-isolated", ROADS_LAYER, isolated, ids, "road cut off from the network")
    table = _Table(ROADS_LAYER, "LineString", columns, coords, offsets)
    out = Path(out_dir)
    files: dict[str, dict[str, str]] = {}
    for fmt in formats:
        folder = out / fmt
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{ROADS_LAYER}{FORMATS[fmt]}"
        if fmt == "geojson":
            _write_geojson(table, path)
        else:
            _write_parquet(table, path, row_group_size)
        files[fmt] = {ROADS_LAYER: str(path.relative_to(out))}
    items = sorted(defects.items, key=lambda d: d.key)
    manifest = SynthManifest(out, seed, 1.0, extent, {ROADS_LAYER: n}, files, tuple(items),
                             time.perf_counter() - started)
    out.mkdir(parents=True, exist_ok=True)
    manifest.path.write_text(json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return manifest
