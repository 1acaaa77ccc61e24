"""The article's claims (``seeds/claims.json``), measured from the data.

Each claim id has one small function here that measures it; its parameters (which kinds,
which range, the target) come from the claims file, so the numbers live in one place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataSourceError
from ..paths import claims_file
from ..registry import (
    BOUNDARY_LAYER,
    ID,
    IN_USE,
    KHU_LAYER,
    KHU_REF,
    KIND,
    METRIC_CRS,
    NAME,
    WARD_RULES,
)
from ..text import nfc

if TYPE_CHECKING:
    from ..inventory import Inventory

__all__ = ["ClaimResult", "CLAIMS", "load_claims", "measure_claims"]


@dataclass
class ClaimResult:
    """One claim measured: the value, the target, and the features that break it."""

    id: str
    claim_vi: str
    claim_en: str
    value: Any
    target: Any
    unit: str | None
    passed: bool | None
    features: list[str] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ClaimFunc = Callable[["Inventory", dict[str, Any]], tuple[Any, bool | None, list[str], str]]


@cache
def load_claims() -> tuple[dict[str, Any], ...]:
    """The claims listed in ``seeds/claims.json``."""
    path = claims_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataSourceError(f"{path}: cannot read the claims file: {exc}") from exc
    return tuple(data["claims"])


def _ids(frame: pd.DataFrame) -> list[str]:
    return [str(v) for v in frame[ID]] if ID in frame.columns else [str(i) for i in frame.index]


def _flags(frame: pd.DataFrame, column: str) -> pd.Series:
    """A true/false column as booleans: missing values, and a missing column, are false."""
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].fillna(False).astype(bool)


def _select(frame: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    for column, values in spec.get("select", {}).items():
        frame = frame[frame[column].isin(values)] if column in frame.columns else frame.iloc[:0]
    return frame


def _compare(value: Any, spec: dict[str, Any]) -> bool:
    """``value`` against the claim's target by its operator."""
    if spec["op"] != ">=":
        raise ValueError(f"unknown claim operator {spec['op']!r}")
    return bool(value >= spec["target"] - 1e-9)


def _roads_concreted(inv: Inventory, spec: dict[str, Any]) -> tuple[Any, bool | None, list, str]:
    roads = _select(inv[spec["layer"]], spec)
    if roads.empty:
        return None, False, [], "no roads of the claimed kinds"
    length = roads.geometry.to_crs(METRIC_CRS).length
    ((column, expected),) = spec["expect"].items()
    good = (roads[column] == expected).fillna(False).to_numpy()
    share = float(length[good].sum() / length.sum() * 100)
    return round(share, 2), _compare(share, spec), _ids(roads[~good]), ""


def _main_road_width(inv: Inventory, spec: dict[str, Any]) -> tuple[Any, bool | None, list, str]:
    roads = _select(inv[spec["layer"]], spec)
    if roads.empty:
        return None, False, [], "no main roads"
    low, high = spec["range"]
    width = pd.to_numeric(roads[spec["fields"][-1]], errors="coerce")
    good = width.between(low, high).fillna(False).to_numpy()
    share = float(good.mean() * 100)
    note = f"widths {width.min():g}–{width.max():g} m"
    return round(share, 2), _compare(share, spec), _ids(roads[~good]), note


def _coverage(inv: Inventory, spec: dict[str, Any]) -> tuple[Any, bool | None, list, str]:
    khu = inv[KHU_LAYER]
    if khu.empty:
        return None, False, [], "no khu"
    covered = np.ones(len(khu), dtype=bool)
    for layer in WARD_RULES.khu_service_layers:  # (in the claim's reads, so present)
        points = inv[layer]
        points = points[points[KIND] == WARD_RULES.serves_khu_kind]
        if IN_USE in points.columns:
            points = points[_flags(points, IN_USE)]
        covered &= [bool(points[points[KHU_REF] == kid].geometry.within(geom).any())
                    for kid, geom in zip(khu[ID], khu.geometry, strict=True)]
    share = float(covered.mean() * 100)
    return round(share, 2), _compare(share, spec), _ids(khu[~covered]), ""


def _kim_thanh(inv: Inventory, spec: dict[str, Any]) -> tuple[Any, bool | None, list, str]:
    khu = inv[KHU_LAYER]
    wanted = str(nfc(spec["khu_name"])).casefold()
    names = khu[NAME].astype(str).map(lambda s: str(nfc(s)).casefold())
    match = khu[names.str.contains(wanted, regex=False)]
    if match.empty:
        return None, False, [], f"no khu named {spec['khu_name']}"
    houses = inv[spec["layer"]]
    house = houses[houses[KHU_REF].isin(match[ID])]
    if house.empty:
        return None, False, _ids(match), "no cultural house serves that khu"
    row = house.iloc[0]
    year, cost = row.get(spec["fields"][1]), row.get(spec["fields"][2])
    cost_ok = pd.notna(cost) and _compare(cost, spec)
    year_ok = pd.notna(year) and int(year) == spec["built_year"]
    value = int(cost) if pd.notna(cost) else None
    passed = bool(cost_ok and year_ok)
    note = f"built {year if pd.notna(year) else 'unknown'}"
    return value, passed, [] if passed else _ids(house.iloc[:1]), note


def _ward_house(inv: Inventory, spec: dict[str, Any]) -> tuple[Any, bool | None, list, str]:
    houses = _select(inv[spec["layer"]], spec)
    if houses.empty:
        return None, False, [], "no ward cultural house"
    values = _flags(houses, spec["fields"][-1])
    passed = bool(values.all())
    return passed, passed == spec["target"], _ids(houses[~values.to_numpy()]), ""


def _khu_flags(inv: Inventory, spec: dict[str, Any]) -> tuple[Any, bool | None, list, str]:
    """How many khu have a flag (unit ``khu``), or what share of them (unit ``%``)."""
    khu = inv[spec["layer"]]
    flags = _flags(khu, spec["fields"][0])
    broken = _ids(khu[~flags.to_numpy()])
    if spec["unit"] == "%":
        share = float(flags.mean() * 100) if len(flags) else 0.0
        return round(share, 2), _compare(share, spec), broken, ""
    count = int(flags.sum())
    return count, _compare(count, spec), broken, f"{count} of {len(khu)} khu"


def _cultural_families(inv: Inventory, spec: dict[str, Any]) -> tuple[Any, bool | None, list, str]:
    households, cultural, rate = spec["fields"]
    khu = inv[KHU_LAYER]
    if {households, cultural} <= set(khu.columns) and len(khu) \
            and khu[households].notna().all() and khu[cultural].notna().all():
        total, done = pd.to_numeric(khu[households]), pd.to_numeric(khu[cultural])
        value = float(done.sum() / total.sum() * 100) if total.sum() else 0.0
        note = "households-weighted over the khu"
        broken = _ids(khu[done / total * 100 < spec["target"]])
    else:
        boundary = inv[BOUNDARY_LAYER]  # (in the claim's reads, so present)
        values = pd.to_numeric(boundary.get(rate, pd.Series(dtype=float)), errors="coerce").dropna()
        if values.empty:
            return None, False, [], "no per-khu household figures and no ward-level rate"
        value = float(values.iloc[0])
        note = "ward-level rate on the boundary (per-khu household figures are not known)"
        broken = [] if value >= spec["target"] else _ids(boundary)
    return round(value, 2), _compare(value, spec), broken, note


def _urban_class(inv: Inventory, spec: dict[str, Any]) -> tuple[Any, bool | None, list, str]:
    frame = inv[spec["layer"]]
    column = spec["fields"][0]
    value = None
    if column in frame.columns and len(frame):
        value = frame[column].iloc[0]
        value = None if pd.isna(value) else str(value)
    return value, None, [], "context only: a target for 2019, not checkable from map layers"


#: measuring function of each claim id
CLAIMS: dict[str, ClaimFunc] = {
    "roads-concreted": _roads_concreted,
    "main-road-width": _main_road_width,
    "cultural-house-coverage": _coverage,
    "kim-thanh-cultural-house": _kim_thanh,
    "ward-cultural-house": _ward_house,
    "cultural-neighbourhoods": _khu_flags,
    "civilized-urban": _khu_flags,
    "cultural-families": _cultural_families,
    "urban-class-iii": _urban_class,
}


def measure_claims(inv: Inventory) -> list[ClaimResult]:
    """Every claim whose layers are in ``inv``, measured.

    A claim that cannot be measured (a field it reads is missing or holds values of
    another type) has ``passed`` None and says why in its note."""
    results = []
    for spec in load_claims():
        if not set(spec.get("reads", [spec["layer"]])) <= set(inv.layers) \
                or spec["id"] not in CLAIMS:
            continue
        try:
            value, passed, broken, note = CLAIMS[spec["id"]](inv, spec)
        except KeyError as exc:  # a field the claim reads is missing (required-field says so)
            value, passed, broken = None, None, []
            note = f"cannot be measured: a layer it reads has no field {exc.args[0]!r}"
        except (TypeError, ValueError) as exc:  # values of another type (field-type says so)
            value, passed, broken = None, None, []
            note = f"cannot be measured: a field it reads holds values of another type ({exc})"
        results.append(ClaimResult(
            id=spec["id"], claim_vi=spec["quote_vi"], claim_en=spec["claim_en"],
            value=value, target=spec["target"], unit=spec.get("unit"), passed=passed,
            features=broken, note=note,
        ))
    return results
