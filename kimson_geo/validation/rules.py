"""The rule registry: every validation rule is a small named function registered here.

A rule reads a :class:`Context` (the loaded layers, measured in EPSG:5899 on demand) and
yields :class:`~kimson_geo.validation.issue.Issue` records.  Adding a rule touches one place:
decorate a function with :func:`rule`.

Examples
--------
>>> from kimson_geo.validation.rules import RULES, load_rule_modules
>>> load_rule_modules()
>>> RULES["main-road-width"].severity
'error'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..registry import ID, METRIC_CRS
from .issue import Issue, Severity

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np

    from ..inventory import Inventory

__all__ = ["Rule", "RULES", "Context", "rule", "load_rule_modules", "ANY_LAYER"]

#: ``layers`` value of a rule that runs on every layer present, whatever it is
ANY_LAYER = "*"

RuleFunc = Callable[["Context"], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    """A named validation rule."""

    id: str
    severity: Severity
    description: str
    family: str
    layers: tuple[str, ...]
    func: RuleFunc | None = None

    @property
    def needs_registry_layer(self) -> bool:
        """False for rules that run on any file, such as geometry validity."""
        return self.layers != (ANY_LAYER,)

    def applies_to(self, present: Iterable[str], *, layer_known: bool = True) -> bool:
        """Whether every layer the rule reads is present."""
        if self.layers == (ANY_LAYER,):
            return True
        return layer_known and set(self.layers) <= set(present)


#: Every rule, by id.
RULES: dict[str, Rule] = {}

_RULE_MODULES = ("attributes", "geometry", "topology", "ward")


def rule(
    rule_id: str,
    *,
    severity: Severity,
    family: str,
    layers: tuple[str, ...] = (ANY_LAYER,),
    description: str | None = None,
) -> Callable[[RuleFunc], RuleFunc]:
    """Register the decorated function as rule ``rule_id``.

    The first line of the function's docstring is the description unless one is given.
    """

    def decorate(func: RuleFunc) -> RuleFunc:
        if rule_id in RULES and RULES[rule_id].func is not func:
            raise ValueError(f"rule {rule_id!r} is registered twice")
        text = description or (func.__doc__ or rule_id).strip().splitlines()[0]
        RULES[rule_id] = Rule(rule_id, severity, text, family, layers, func)
        return func

    return decorate


def register_static(rule_id: str, severity: Severity, family: str, description: str) -> None:
    """Register a rule implemented elsewhere (the raw structure checks) for listing."""
    RULES.setdefault(rule_id, Rule(rule_id, severity, description, family, (ANY_LAYER,)))


def load_rule_modules() -> None:
    """Import every rule module so that the registry is complete."""
    for name in _RULE_MODULES:
        try:
            import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:  # a family not written yet
            if exc.name != f"{__package__}.{name}":
                raise
    from .structure_rules import register_structure_rules

    register_structure_rules()


@dataclass
class Context:
    """What a rule sees: the layers, their files, and cached metric copies."""

    inv: Inventory
    #: layers whose names are registry names (False for a file checked alone)
    layer_known: bool = True
    files: dict[str, Path] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    #: results several rules share (a schema run, an endpoint graph), computed once
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    _metric: dict[str, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)

    @property
    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        return self.inv.layers

    def has(self, *names: str) -> bool:
        return all(n in self.inv.layers for n in names)

    def frame(self, name: str) -> gpd.GeoDataFrame:
        return self.inv.layers[name]

    def metric(self, name: str) -> gpd.GeoSeries:
        """The layer's geometry in EPSG:5899 (cached)."""
        if name not in self._metric:
            import geopandas as gpd
            import numpy as np

            from ..crs import to_metric_array

            geometry = self.inv.layers[name].geometry
            if geometry.crs is None:  # what to_crs says
                self._metric[name] = geometry.to_crs(METRIC_CRS)
            else:
                self._metric[name] = gpd.GeoSeries(
                    to_metric_array(np.asarray(geometry.array, dtype=object), geometry.crs),
                    index=geometry.index, crs=METRIC_CRS, name=geometry.name)
        return self._metric[name]

    def metric_at(self, name: str, indices: np.ndarray) -> np.ndarray:
        """The geometries of features ``indices`` of the layer in EPSG:5899, an object array.

        The same geometries as ``metric(name)`` (the same transformation), but only those
        are transformed unless the whole layer already is.
        """
        import numpy as np

        if name in self._metric:
            return np.asarray(self._metric[name].array, dtype=object)[indices]
        from ..crs import to_metric_array

        geometry = self.inv.layers[name].geometry
        if geometry.crs is None:
            return np.asarray(self.metric(name).array, dtype=object)[indices]
        return to_metric_array(np.asarray(geometry.array, dtype=object)[indices], geometry.crs)

    def metric_xy(self, name: str, xy: np.ndarray) -> np.ndarray:
        """Positions ``(n, 2)`` of the layer's 2-D vertices in EPSG:5899 (as ``metric``)."""
        from ..crs import to_metric_xy

        return to_metric_xy(xy, self.inv.layers[name].geometry.crs)

    def metres_per_degree(self, name: str) -> tuple[float, float] | None:
        """Lower bounds of the metres in a degree of longitude and of latitude over the
        layer, for screening in degrees what is measured in metres (cached).

        None when the rules must measure everything in metres: the layer is not in
        longitude/latitude, has 3-D or non-finite coordinates, or straddles the edge of the
        area where one datum transformation applies (see
        :func:`kimson_geo.crs.metres_per_degree`).
        """
        key = ("metres-per-degree", name)
        if key not in self.cache:
            import numpy as np
            import shapely

            from ..crs import metres_per_degree

            geometry = self.inv.layers[name].geometry
            geoms = np.asarray(geometry.array, dtype=object)
            scale = None
            if geometry.crs is not None and not shapely.has_z(geoms).any():
                bounds = shapely.bounds(geoms)
                with np.errstate(invalid="ignore"):
                    finite = np.isfinite(bounds).all(axis=1)
                if finite.any():
                    box = (float(bounds[finite, 0].min()), float(bounds[finite, 1].min()),
                           float(bounds[finite, 2].max()), float(bounds[finite, 3].max()))
                    scale = metres_per_degree(geometry.crs, box)
            self.cache[key] = scale
        return self.cache[key]

    @cached_property
    def boundary_metric(self) -> Any:
        """The ward boundary in EPSG:5899 as one geometry, or None."""
        from .. import registry

        name = registry.BOUNDARY_LAYER
        if name not in self.inv.layers or self.inv.layers[name].empty:
            return None
        return self.metric(name).union_all()

    def feature_id(self, layer: str, index: int) -> str | None:
        """The ``id`` of feature ``index`` of ``layer`` (ids are read once per layer)."""
        key = ("ids", layer)
        if key not in self.cache:
            frame = self.inv.layers[layer]
            self.cache[key] = frame[ID].to_numpy(dtype=object) if ID in frame.columns else None
        ids = self.cache[key]
        if ids is None:
            return None
        value = ids[index]
        return None if value is None or value != value else str(value)

    def location(self, layer: str, index: int) -> tuple[float, float] | None:
        """A point on the feature (lon, lat), for maps of the problems."""
        geom = self.inv.layers[layer].geometry.iloc[index]
        if geom is None or geom.is_empty:
            return None
        point = geom.representative_point() if geom.geom_type != "Point" else geom
        return (round(point.x, 7), round(point.y, 7))

    def issue(
        self,
        rule_id: str,
        message: str,
        *,
        layer: str,
        index: int | None = None,
        field: str | None = None,
        location: tuple[float, float] | None = None,
        severity: Severity | None = None,
    ) -> Issue:
        """An :class:`Issue` for ``rule_id``, filling in the feature id and location."""
        sev = severity or RULES[rule_id].severity
        feature_id = self.feature_id(layer, index) if index is not None else None
        if location is None and index is not None:
            try:
                location = self.location(layer, index)
            except Exception:  # a broken geometry has no representative point
                location = None
        return Issue(rule_id, sev, message, layer=layer, feature=index,
                     feature_id=feature_id, field=field, location=location)


def run_rules(ctx: Context, *, only: Iterable[str] | None = None) -> Iterator[Issue]:
    """Run every applicable registered rule (except structure, which reads raw files)."""
    load_rule_modules()
    wanted = set(only) if only is not None else None
    for current in list(RULES.values()):
        if current.func is None or (wanted is not None and current.id not in wanted):
            continue
        if not current.applies_to(ctx.layers, layer_known=ctx.layer_known):
            continue
        yield from current.func(ctx)
