"""The rule registry: every validation rule is a named function decorated with :func:`rule`.

A rule reads a :class:`Context` (the layers, in EPSG:5899 on demand) and yields
:class:`~kimson_geo.validation.issue.Findings` (rows at fault, made with :meth:`Context.flag`)
or, for a one-off problem, an :class:`~kimson_geo.validation.issue.Issue`.

Examples
--------
>>> from kimson_geo.validation.rules import RULES, load_rule_modules
>>> load_rule_modules()
>>> RULES["main-road-width"].severity
'error'
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

import numpy as np

from ..registry import ID, METRIC_CRS, WGS84
from .issue import Findings, Issue, Severity

if TYPE_CHECKING:
    import geopandas as gpd

    from .report import ValidationReport

__all__ = ["Rule", "RULES", "Context", "rule", "load_rule_modules", "ANY_LAYER",
           "RULE_SKIPPED", "METRIC", "check", "run_rules", "run_findings", "trim_heap"]

#: ``layers`` value of a rule that runs on every layer present, whatever it is
ANY_LAYER = "*"
#: id of the warning that a rule could not run (a field it reads is missing)
RULE_SKIPPED = "rule-skipped"
#: kind of the :attr:`Context.cache` entries holding a layer in EPSG:5899
METRIC = "metric"

#: features whose locations are computed at a time (memory, not speed)
LOCATION_CHUNK = 65_536

RuleFunc = Callable[["Context"], Iterable["Findings | Issue"]]


@dataclass(frozen=True)
class Rule:
    """A named validation rule."""

    id: str
    severity: Severity
    description: str
    family: str
    layers: tuple[str, ...]
    func: RuleFunc | None = None
    #: kinds of :attr:`Context.cache` entries (such as :data:`METRIC`) the rule reads or
    #: builds from, let go after the last rule using them (1M roads in metres: some 300 MB)
    uses: tuple[str, ...] = ()

    def applies_to(self, present: Iterable[str], *, layer_known: bool = True) -> bool:
        """Whether every layer the rule reads is present."""
        if self.layers == (ANY_LAYER,):
            return True
        return layer_known and set(self.layers) <= set(present)


#: Every rule, by id.
RULES: dict[str, Rule] = {}

_RULE_MODULES = ("attributes", "geometry", "topology", "ward")


def rule(rule_id: str, *, severity: Severity, family: str, layers: tuple[str, ...] = (ANY_LAYER,),
         description: str | None = None, uses: tuple[str, ...] = ()
         ) -> Callable[[RuleFunc], RuleFunc]:
    """Register the decorated function as rule ``rule_id``.

    ``description`` defaults to the first line of its docstring; ``uses``: see
    :attr:`Rule.uses`.
    """

    def decorate(func: RuleFunc) -> RuleFunc:
        if rule_id in RULES and RULES[rule_id].func is not func:
            raise ValueError(f"rule {rule_id!r} is registered twice")
        text = description or (func.__doc__ or rule_id).strip().splitlines()[0]
        RULES[rule_id] = Rule(rule_id, severity, text, family, layers, func, tuple(uses))
        return func

    return decorate


RULES[RULE_SKIPPED] = Rule(RULE_SKIPPED, "warning", "A rule could not run because a field it "
                          "reads is missing from the layer", "attributes", (ANY_LAYER,))


#: what rules import only when they find something, imported ahead by :func:`warm_up`
#: (pandera imports its checks' backend on the first ``validate``: 0.1 s, with hypothesis)
LAZY_IMPORTS = ("pandera.pandas", "pandera.backends.pandas.builtin_checks",
                "pandera.backends.pandas.builtin_hypotheses")


def warm_up() -> None:
    """Import :data:`LAZY_IMPORTS` and build the transformers every layer read in WGS 84
    goes through (to metres and back, 0.05 s each) now: validation calls this while GDAL
    is still reading the layers in another thread, when it costs no wall-clock time."""
    from pyproj import CRS

    from ..crs import transformer

    for name in LAZY_IMPORTS:
        # (a module another pandera version lays out otherwise: only a head start is lost)
        with contextlib.suppress(ImportError):
            import_module(name)
    transformer(CRS.from_user_input(WGS84))  # cached: the key Context.metric will ask for
    transformer(METRIC_CRS, WGS84)


def load_rule_modules() -> None:
    """Import every rule module so that the registry is complete."""
    for name in _RULE_MODULES:
        import_module(f"{__package__}.{name}")
    from .structure import STRUCTURE_RULES  # the raw-file checks, listed for --list-rules

    for rule_id, (severity, description) in STRUCTURE_RULES.items():
        RULES.setdefault(rule_id, Rule(rule_id, severity, description, "structure", (ANY_LAYER,)))


@dataclass
class Context:
    """What a rule sees: the layers and cached metric copies.

    ``layers`` maps layer names to GeoDataFrames (an object with a ``layers`` mapping, such
    as an :class:`~kimson_geo.inventory.Inventory`, is accepted too).
    """

    layers: Mapping[str, gpd.GeoDataFrame]
    #: layers whose names are registry names (False for a file checked alone)
    layer_known: bool = True
    #: results rules share (a schema run, an endpoint graph): keys are (kind, ...) tuples
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.layers, Mapping) and hasattr(self.layers, "layers"):
            self.layers = self.layers.layers  # an Inventory

    def release(self, kinds: Iterable[str]) -> None:
        """Let go of the cached results of ``kinds`` and give the memory back."""
        kinds = set(kinds)
        for key in [k for k in self.cache if isinstance(k, tuple) and k and k[0] in kinds]:
            del self.cache[key]
        trim_heap()

    def has(self, *names: str) -> bool:
        return all(n in self.layers for n in names)

    def frame(self, name: str) -> gpd.GeoDataFrame:
        return self.layers[name]

    def missing(self, name: str, *fields: str) -> list[str]:
        """Which of ``fields`` the layer ``name`` does not have (in the order given)."""
        columns = self.layers[name].columns
        return [f for f in fields if f not in columns]

    def skipped(self, rule_id: str, layer: str, missing: Iterable[str]) -> Issue:
        """The warning that ``rule_id`` did not run on ``layer`` for want of ``missing``."""
        names = ", ".join(repr(f) for f in missing)
        return Issue(RULE_SKIPPED, RULES[RULE_SKIPPED].severity,
                     f"{rule_id} was not checked: the layer has no field {names}",
                     layer=layer, field=next(iter(missing), None))

    def metric(self, name: str) -> gpd.GeoSeries:
        """The layer's geometry in EPSG:5899 (cached, kind :data:`METRIC`)."""
        key = (METRIC, name)
        if key not in self.cache:
            import geopandas as gpd

            from ..crs import to_metric_array

            geometry = self.layers[name].geometry
            if geometry.crs is None:  # what to_crs says
                self.cache[key] = geometry.to_crs(METRIC_CRS)
            else:
                self.cache[key] = gpd.GeoSeries(
                    to_metric_array(np.asarray(geometry.array, dtype=object), geometry.crs),
                    index=geometry.index, crs=METRIC_CRS, name=geometry.name)
        return self.cache[key]

    def set_metric(self, name: str, geometry: gpd.GeoSeries) -> None:
        """Give the layer's geometry in EPSG:5899, row for row, when the caller has it
        already (an import of VN-2000 metres): :meth:`metric` returns it instead of
        reprojecting the layer (until it is released)."""
        self.cache[(METRIC, name)] = geometry

    def metric_at(self, name: str, indices: np.ndarray) -> np.ndarray:
        """The geometries of features ``indices`` of the layer in EPSG:5899, an object array:
        those of :meth:`metric`, but only these are transformed unless the layer already is."""
        from ..crs import to_metric_array

        geometry = self.layers[name].geometry
        if (METRIC, name) in self.cache or geometry.crs is None:
            return np.asarray(self.metric(name).array, dtype=object)[indices]
        return to_metric_array(np.asarray(geometry.array, dtype=object)[indices], geometry.crs)

    def metres_per_degree(self, name: str) -> tuple[float, float] | None:
        """Lower bounds of the metres in a degree of longitude and of latitude over the
        layer, for screening in degrees what is measured in metres (cached); None when the
        layer is not in lon/lat, has 3-D or non-finite coordinates, or straddles the edge of
        one datum transformation's area (see :func:`kimson_geo.crs.metres_per_degree`)."""
        key = ("metres-per-degree", name)
        if key not in self.cache:
            import shapely

            from ..crs import metres_per_degree

            geometry = self.layers[name].geometry
            geoms = np.asarray(geometry.array, dtype=object)
            scale = None
            if geometry.crs is not None and not shapely.has_z(geoms).any():
                bounds = shapely.bounds(geoms)
                bounds = bounds[np.isfinite(bounds).all(axis=1)]
                if len(bounds):
                    box = (*bounds[:, :2].min(axis=0).tolist(), *bounds[:, 2:].max(axis=0).tolist())
                    scale = metres_per_degree(geometry.crs, box)
            self.cache[key] = scale
        return self.cache[key]

    def feature_ids(self, layer: str, rows: np.ndarray) -> np.ndarray:
        """The ``id`` of features ``rows`` of ``layer`` as text, None where unknown."""
        import pandas as pd

        out = np.full(len(rows), None, dtype=object)
        frame = self.layers[layer]
        if not len(rows) or ID not in frame.columns:
            return out
        # only the rows asked for: a million ids as Python text take some 70 MB
        values = frame[ID].take(rows).to_numpy(dtype=object)
        known = ~pd.isna(values)
        out[known] = [v if type(v) is str else str(v) for v in values[known]]
        return out

    def geometries(self, layer: str) -> np.ndarray:
        """The layer's geometries (as read) as a numpy object array (cached)."""
        key = ("geometries", layer)
        if key not in self.cache:
            self.cache[key] = np.asarray(self.layers[layer].geometry.array, dtype=object)
        return self.cache[key]

    def locations(self, layer: str, rows: np.ndarray) -> np.ndarray:
        """A point on each feature ``rows`` of ``layer`` (``shapely.point_on_surface``,
        computed once per feature), ``(n, 2)`` lon/lat rounded to 7 decimals, NaN for a
        missing, empty or broken geometry."""
        key = ("locations", layer)
        if key not in self.cache:
            count = len(self.layers[layer])
            self.cache[key] = (np.full((count, 2), np.nan), np.zeros(count, dtype=bool))
        xy, done = self.cache[key]
        rows = np.asarray(rows, dtype=np.int64)
        need = np.unique(rows[~done[rows]])
        # a chunk at a time: the points are GEOS objects (some 200 MB a million)
        for at in range(0, len(need), LOCATION_CHUNK):
            chunk = need[at:at + LOCATION_CHUNK]
            xy[chunk] = _points_on(self.geometries(layer)[chunk])
        done[need] = True
        return xy[rows]

    def flag(self, rule_id: str, layer: str, rows: Any, message: str | Iterable[str], *,
             field: str | Iterable[str] | None = None, location: np.ndarray | None = None,
             severity: Severity | None = None) -> Findings:
        """:class:`Findings` of ``rule_id``: features ``rows`` of ``layer`` are at fault.

        Parameters
        ----------
        rows
            A boolean mask over the layer, or feature positions.
        message, field
            One for every row, or one per row (array-like, the length of ``rows``).
        location
            ``(n, 2)`` lon/lat where the problem is; NaN rows (or None) get a point on
            the feature.
        """
        rows = np.asarray(rows)
        rows = (rows.nonzero()[0] if rows.dtype == bool else rows).astype(np.int64, copy=False)
        if not isinstance(message, str):
            message = np.asarray(message, dtype=object)
        if field is not None and not isinstance(field, str):
            field = np.asarray(field, dtype=object)
        return Findings(rule_id, severity or RULES[rule_id].severity, layer, rows, message,
                        field=field, location=location)

    def complete(self, item: Findings | Issue) -> Findings | Issue:
        """``item`` with the features' ids and the missing locations filled in."""
        if not isinstance(item, Findings) or item.layer not in self.layers or not len(item):
            return item
        location = item.location
        if location is None:
            location = self.locations(item.layer, item.rows)
        else:
            location = np.array(location, dtype=float).reshape(len(item), 2)
            gaps = np.isnan(location).any(axis=1)
            if gaps.any():
                location[gaps] = self.locations(item.layer, item.rows[gaps])
        return replace(item, location=location, feature_id=self.feature_ids(item.layer, item.rows))

    def issue(self, rule_id: str, message: str, *, layer: str, index: int | None = None,
              field: str | None = None, location: tuple[float, float] | None = None,
              severity: Severity | None = None) -> Issue:
        """An :class:`Issue` for ``rule_id``, filling in the feature id and location."""
        feature_id = None
        if index is not None:
            rows = np.asarray([index], dtype=np.int64)
            feature_id = self.feature_ids(layer, rows)[0]
            if location is None:
                x, y = self.locations(layer, rows)[0]  # (both NaN or neither)
                location = None if np.isnan(x) else (float(x), float(y))
        return Issue(rule_id, severity or RULES[rule_id].severity, message, layer=layer,
                     feature=index, feature_id=feature_id, field=field, location=location)


def _points_on(geoms: np.ndarray) -> np.ndarray:
    """``(n, 2)`` coordinates of a point on each geometry, rounded; NaN where there is none."""
    import shapely

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            points = shapely.point_on_surface(geoms)
        except shapely.errors.GEOSException:  # one broken geometry: the others one by one
            points = np.empty(len(geoms), dtype=object)
            for i, geom in enumerate(geoms):
                try:
                    points[i] = shapely.point_on_surface(geom)
                except shapely.errors.GEOSException:
                    points[i] = None
        xy = np.full((len(geoms), 2), np.nan)
        coords, owner = shapely.get_coordinates(points, return_index=True)
        xy[owner] = coords  # empty points have no coordinates: NaN stays
        xy[~np.isfinite(xy).all(axis=1)] = np.nan
        return np.round(xy, 7)


def trim_heap() -> None:
    """Give the memory freed so far back to the system.

    glibc's heap (GEOS geometries, Python objects) and Arrow's pool keep what was freed,
    at the process's high-water mark: ``malloc_trim`` and ``release_unused`` return it."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    with contextlib.suppress(OSError):  # (not glibc: no malloc_trim, None)
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    return None


def run_findings(ctx: Context, *, only: Iterable[str] | None = None
                 ) -> Iterator[Findings | Issue]:
    """What every applicable registered rule finds (except structure, which reads raw
    files), with ids and locations filled in, in rule order."""
    load_rule_modules()
    wanted = set(only) if only is not None else None
    todo = [r for r in RULES.values()
            if r.func is not None and (wanted is None or r.id in wanted)
            and r.applies_to(ctx.layers, layer_known=ctx.layer_known)]
    last = {kind: k for k, r in enumerate(todo) for kind in r.uses}
    trim_heap()  # what reading the layers freed
    for k, current in enumerate(todo):
        for item in current.func(ctx):  # type: ignore[misc]
            yield ctx.complete(item)
        # what a rule uses is large: let go of what no later rule uses, and trim the heap
        if current.uses:
            ctx.release([kind for kind, at in last.items() if at == k])


def check(ctx: Context, *, only: Iterable[str] | None = None,
          report: ValidationReport | None = None) -> ValidationReport:
    """Run the rules (:func:`run_findings`) into ``report`` (a new one by default)."""
    from ..io import gc_frozen
    from .report import ValidationReport

    report = report if report is not None else ValidationReport()
    with gc_frozen():  # the layers are not scanned again by each full collection
        for item in run_findings(ctx, only=only):
            report.add(item)
    return report


def run_rules(ctx: Context, *, only: Iterable[str] | None = None) -> Iterator[Issue]:
    """Every applicable rule's problems as :class:`Issue` records (the Python API; the
    report keeps them as a table, see :func:`check`)."""
    yield from check(ctx, only=only).issues
