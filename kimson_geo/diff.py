"""What changed between two inventories: features added, removed and modified, per layer.

Features are matched by ``id``.  Features whose id is missing, or appears on one side only,
are then matched by geometry: a pair whose Hausdorff distance (in EPSG:5899 metres) is
within ``tolerance_m``; the report says which matching each pair used.  A matched pair is
*modified* when an attribute differs (floats within 1e-9) or the normalised geometries
differ by more than :data:`GEOMETRY_TOLERANCE_DEG`; ``moved_m`` is the Hausdorff distance
between the two geometries in metres.

The store's ``accept`` records exactly what this module finds, so ``diff`` of two
revisions and the revision's counts always agree.

>>> import kimson_geo
>>> inv = kimson_geo.load()
>>> diff_inventories(inv, inv).counts()
{}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .registry import ID, LAYER_NAMES, NAME, WGS84, layer_spec
from .text import plain_value

if TYPE_CHECKING:
    import geopandas as gpd

    from .inventory import Inventory

__all__ = ["LayerDiff", "InventoryDiff", "diff_layer", "diff_inventories",
           "DEFAULT_TOLERANCE_M", "GEOMETRY_TOLERANCE_DEG"]

#: Features without a matching id are paired when their geometries lie this close (metres).
DEFAULT_TOLERANCE_M = 1.0
#: Geometries closer than this (degrees, about 0.1 mm) are the same geometry.
GEOMETRY_TOLERANCE_DEG = 1e-9
_FLOAT_TOLERANCE = 1e-9


@dataclass
class LayerDiff:
    """The changes in one layer, as positions into the old and the new frame.

    ``modified_old[i]`` and ``modified_new[i]`` are the two sides of the i-th modified
    feature; ``changes[i]`` maps each changed field to ``(old, new)``; ``moved_m[i]`` is how
    far its geometry moved; ``by_geometry[i]`` says the pair was matched by geometry.
    """

    layer: str
    old: gpd.GeoDataFrame
    new: gpd.GeoDataFrame
    added: np.ndarray
    removed: np.ndarray
    modified_old: np.ndarray
    modified_new: np.ndarray
    changes: list[dict[str, tuple[Any, Any]]]
    moved_m: np.ndarray
    by_geometry: np.ndarray
    matched_by_id: int = 0
    matched_by_geometry: int = 0

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "removed": len(self.removed),
                "modified": len(self.modified_old)}

    @property
    def empty(self) -> bool:
        return not (len(self.added) or len(self.removed) or len(self.modified_old))


@dataclass
class InventoryDiff:
    """Every layer's :class:`LayerDiff`, and what was compared."""

    layers: dict[str, LayerDiff] = field(default_factory=dict)
    old_source: str | None = None
    new_source: str | None = None
    tolerance_m: float = DEFAULT_TOLERANCE_M

    def counts(self) -> dict[str, dict[str, int]]:
        """Counts of added, removed and modified features of each layer that changed."""
        return {name: d.counts() for name, d in self.layers.items() if not d.empty}

    @property
    def empty(self) -> bool:
        return all(d.empty for d in self.layers.values())

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """``added``, ``removed`` and ``modified`` as lists of plain dicts (for JSON)."""
        out: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "modified": []}
        for name, d in self.layers.items():
            for kind, frame, rows in (("added", d.new, d.added), ("removed", d.old, d.removed)):
                ids, names = _column(frame, ID, rows), _column(frame, NAME, rows)
                out[kind].extend({"layer": name, "id": i, "name": n}
                                 for i, n in zip(ids, names, strict=True))
            ids = _column(d.new, ID, d.modified_new)
            names = _column(d.new, NAME, d.modified_new)
            for k in range(len(d.modified_new)):
                out["modified"].append({
                    "layer": name, "id": ids[k], "name": names[k],
                    "changes": {f: list(pair) for f, pair in d.changes[k].items()},
                    "moved_m": round(float(d.moved_m[k]), 3),
                    "matched_by": "geometry" if d.by_geometry[k] else "id",
                })
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old_source, "new": self.new_source, "tolerance_m": self.tolerance_m,
            "matching": {name: {"by_id": d.matched_by_id, "by_geometry": d.matched_by_geometry}
                         for name, d in self.layers.items()},
            "counts": self.counts(),
            **self.records(),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, default=str)

    def to_geojson(self) -> dict[str, Any]:
        """The changes as a FeatureCollection in WGS 84: added and modified features with
        their new geometry, removed ones with their old; ``change`` says which."""
        import shapely

        features = []
        records = self.records()
        for kind in ("added", "removed", "modified"):
            geoms = self._geometries(kind)
            for record, geom in zip(records[kind], geoms, strict=True):
                features.append({
                    "type": "Feature",
                    "properties": {"change": kind, **record},
                    "geometry": None if geom is None else json.loads(shapely.to_geojson(geom)),
                })
        return {"type": "FeatureCollection", "features": features}

    def _geometries(self, kind: str) -> list[Any]:
        out: list[Any] = []
        for d in self.layers.values():
            frame, rows = {"added": (d.new, d.added), "removed": (d.old, d.removed),
                           "modified": (d.new, d.modified_new)}[kind]
            out.extend(np.asarray(frame.geometry.array, dtype=object)[rows])
        return out

    def to_text(self) -> str:
        """One line per change, grouped by layer (plain text; the CLI escapes it)."""
        lines = []
        records = self.records()
        counts = self.counts()
        if not counts:
            return "no changes"
        for name, c in counts.items():
            lines.append(f"{name}: {c['added']} added, {c['removed']} removed, "
                         f"{c['modified']} modified")
        for sign, kind in (("+", "added"), ("-", "removed")):
            lines.extend(f"{sign} {r['layer']} {r['id']} {r['name'] or ''}".rstrip()
                         for r in records[kind])
        for r in records["modified"]:
            parts = [f"{f} {_show(a)} → {_show(b)}" for f, (a, b) in r["changes"].items()]
            if r["moved_m"]:
                parts.append(f"moved {r['moved_m']:.2f} m")
            how = " (matched by geometry)" if r["matched_by"] == "geometry" else ""
            lines.append(f"~ {r['layer']} {r['id']}{how}: {'; '.join(parts)}")
        return "\n".join(lines)


def _show(value: Any) -> str:
    return "∅" if value is None else str(value)


def _column(frame: pd.DataFrame, name: str, rows: np.ndarray) -> list[Any]:
    if name not in frame.columns:
        return [None] * len(rows)
    return [plain_value(v) for v in frame[name].to_numpy(dtype=object)[rows]]


def _usable_ids(frame: pd.DataFrame) -> np.ndarray:
    """Each row's id as text, or None where it is missing or not unique in the layer."""
    if ID not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    column = frame[ID]
    missing = column.isna().to_numpy()
    text = column.astype(object).where(~missing, "").astype(str).to_numpy(dtype=object)
    # an id that appears twice names no one feature: neither copy is matched by it
    dup = np.zeros(len(text), dtype=bool)
    dup[~missing] = pd.Series(text[~missing]).duplicated(keep=False).to_numpy()
    text[missing | dup] = None
    return text


def _values_differ(a: pd.Series, b: pd.Series, kind: str) -> np.ndarray:
    """Element-wise: do the two aligned columns differ (NA equals NA)?"""
    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    if kind == "float":
        x = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        y = pd.to_numeric(b, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        same = np.isclose(x, y, rtol=_FLOAT_TOLERANCE, atol=_FLOAT_TOLERANCE)
    else:
        # NA replaced by one placeholder so that numpy compares the objects in one C loop
        x = np.where(a_na, "", a.to_numpy(dtype=object))
        y = np.where(b_na, "", b.to_numpy(dtype=object))
        same = np.asarray(x == y, dtype=bool)
    return (a_na != b_na) | (~a_na & ~b_na & ~same)


def _match_by_geometry(old_geoms: np.ndarray, new_geoms: np.ndarray,
                       tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (old position, new position) of geometries within ``tolerance_m``, closest first,
    each geometry used once."""
    import shapely

    from .crs import to_metric_array

    if not len(old_geoms) or not len(new_geoms):
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    old_m, new_m = to_metric_array(old_geoms, WGS84), to_metric_array(new_geoms, WGS84)
    tree = shapely.STRtree(old_m)
    new_idx, old_idx = tree.query(new_m, predicate="dwithin", distance=tolerance_m)
    dist = shapely.hausdorff_distance(old_m[old_idx], new_m[new_idx])
    order = np.argsort(dist, kind="stable")
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs = []
    for k in order:
        if dist[k] > tolerance_m:
            break
        o, n = int(old_idx[k]), int(new_idx[k])
        if o not in used_old and n not in used_new:
            used_old.add(o)
            used_new.add(n)
            pairs.append((o, n))
    arr = np.array(pairs, dtype=int).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def diff_layer(name: str, old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, *,
               tolerance_m: float = DEFAULT_TOLERANCE_M) -> LayerDiff:
    """The changes from ``old`` to ``new`` (both in WGS 84) of registry layer ``name``."""
    import shapely

    spec = layer_spec(name)
    old_ids, new_ids = _usable_ids(old), _usable_ids(new)
    # ids are unique or None on each side: a hash join of the ones present
    old_has, new_has = np.flatnonzero(pd.notna(old_ids)), np.flatnonzero(pd.notna(new_ids))
    found = pd.Index(old_ids[old_has]).get_indexer(new_ids[new_has])
    pairs_new = new_has[found >= 0]
    pairs_old = old_has[found[found >= 0]]
    by_id = len(pairs_old)
    rest_old = np.setdiff1d(np.arange(len(old)), pairs_old)
    rest_new = np.setdiff1d(np.arange(len(new)), pairs_new)
    old_geoms = np.asarray(old.geometry.array, dtype=object)
    new_geoms = np.asarray(new.geometry.array, dtype=object)
    go, gn = _match_by_geometry(old_geoms[rest_old], new_geoms[rest_new], tolerance_m)
    geo_old, geo_new = rest_old[go], rest_new[gn]
    m_old = np.concatenate([pairs_old.astype(int), geo_old])
    m_new = np.concatenate([pairs_new.astype(int), geo_new])
    via_geometry = np.concatenate([np.zeros(by_id, dtype=bool), np.ones(len(geo_old), bool)])

    fields = [f for f in spec.fields if f.name in old.columns or f.name in new.columns]
    differs: dict[str, tuple[np.ndarray, pd.Series, pd.Series]] = {}
    for f in fields:
        a = (old[f.name] if f.name in old.columns
             else pd.Series([None] * len(old), dtype=object)).iloc[m_old].reset_index(drop=True)
        b = (new[f.name] if f.name in new.columns
             else pd.Series([None] * len(new), dtype=object)).iloc[m_new].reset_index(drop=True)
        d = _values_differ(a, b, f.type)
        if d.any():
            differs[f.name] = (d, a, b)
    a_geom, b_geom = old_geoms[m_old], new_geoms[m_new]
    # most pairs are unchanged and equal as stored; only the rest are normalised (ring
    # start, orientation) before they count as changed
    same_geom = shapely.equals_exact(a_geom, b_geom, tolerance=GEOMETRY_TOLERANCE_DEG)
    same_geom = same_geom | (shapely.is_missing(a_geom) & shapely.is_missing(b_geom))
    check = np.flatnonzero(~same_geom)
    if len(check):
        same_geom[check] = shapely.equals_exact(
            shapely.normalize(a_geom[check]), shapely.normalize(b_geom[check]),
            tolerance=GEOMETRY_TOLERANCE_DEG)
    changed = ~same_geom
    for d, _, _ in differs.values():
        changed = changed | d
    rows = np.flatnonzero(changed)
    moved = np.zeros(len(rows))
    geom_rows = rows[~same_geom[rows]]
    if len(geom_rows):
        from .crs import to_metric_array

        dist = shapely.hausdorff_distance(to_metric_array(a_geom[geom_rows], WGS84),
                                          to_metric_array(b_geom[geom_rows], WGS84))
        moved[np.searchsorted(rows, geom_rows)] = np.nan_to_num(dist, nan=0.0)
    changes = [{name: (plain_value(a.iloc[r]), plain_value(b.iloc[r]))
                for name, (d, a, b) in differs.items() if d[r]} for r in rows]
    return LayerDiff(
        layer=name, old=old, new=new,
        added=np.setdiff1d(rest_new, geo_new), removed=np.setdiff1d(rest_old, geo_old),
        modified_old=m_old[rows], modified_new=m_new[rows], changes=changes, moved_m=moved,
        by_geometry=via_geometry[rows], matched_by_id=by_id, matched_by_geometry=len(geo_old),
    )


def diff_inventories(old: Inventory, new: Inventory, *,
                     tolerance_m: float = DEFAULT_TOLERANCE_M) -> InventoryDiff:
    """What changed from ``old`` to ``new``, layer by layer (registry order).

    A layer in only one of the two is compared with an empty layer (all added, or all
    removed).

    Examples
    --------
    >>> import kimson_geo
    >>> inv = kimson_geo.load()
    >>> roads = inv["roads"]
    >>> changed = kimson_geo.from_frames({"roads": roads.iloc[1:]})
    >>> diff_inventories(kimson_geo.from_frames({"roads": roads}), changed).counts()
    {'roads': {'added': 0, 'removed': 1, 'modified': 0}}
    """
    import geopandas as gpd

    out = InventoryDiff(old_source=str(old.source) if old.source else None,
                        new_source=str(new.source) if new.source else None,
                        tolerance_m=tolerance_m)
    for name in LAYER_NAMES:
        if name not in old.layers and name not in new.layers:
            continue
        empty = gpd.GeoDataFrame({ID: pd.Series([], dtype=object)}, geometry=[], crs=WGS84)
        out.layers[name] = diff_layer(name, old.layers.get(name, empty),
                                      new.layers.get(name, empty), tolerance_m=tolerance_m)
    return out

