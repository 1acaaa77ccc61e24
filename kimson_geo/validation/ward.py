"""The ward's own rules, from its 2017 report: road widths and surfaces, services per khu,
and enterprises close to homes."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import numpy as np
import pandas as pd
import shapely

from ..registry import (
    CLUSTERS_LAYER,
    CULTURAL_HOUSES_LAYER,
    ENTERPRISES_LAYER,
    ID,
    KHU_LAYER,
    KHU_REF,
    KIND,
    NAME,
    ROADS_LAYER,
    SPORTS_AREAS_LAYER,
    SURFACE,
    WARD_RULES,
    WIDTH,
    layer_spec,
)
from .attributes import type_errors, typed_column
from .geometry import geometry_array, polygonal, repaired
from .issue import Findings, Issue, shared_messages
from .rules import METRIC, Context, rule

FAMILY = "ward"


def _lower_labels(layer: str, field_name: str, values: pd.Series) -> pd.Series:
    """English labels of the codes ``values`` in lower case ('' for a missing value)."""
    field = layer_spec(layer).field(field_name)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = np.asarray([field.code_label(v, "en").lower() for v in uniques] + [""],
                        dtype=object)
    return pd.Series(labels[codes], index=values.index)


@rule("main-road-width", severity="error", family=FAMILY, layers=(ROADS_LAYER,),
      description="Main axis roads are 5.0–6.0 m wide (the 2017 report)")
def main_road_width(ctx: Context) -> Iterator[Findings | Issue]:
    if missing := ctx.missing(ROADS_LAYER, KIND, WIDTH):
        yield ctx.skipped("main-road-width", ROADS_LAYER, missing)
        return
    low, high = WARD_RULES.main_road_width_m
    width = typed_column(ctx, ROADS_LAYER, WIDTH)
    main = typed_column(ctx, ROADS_LAYER, KIND).isin(WARD_RULES.main_road_kinds)
    # a missing or non-numeric width is reported by required-field / field-type
    bad = (main & width.notna() & ~width.between(low, high)).to_numpy(dtype=bool)
    rows = bad.nonzero()[0]
    if len(rows):
        widths = width.to_numpy(dtype=float)[rows].tolist()
        messages = shared_messages(  # keyed by the bits: -0.0 is not 0.0 in text
            np.asarray(widths).view(np.int64),
            lambda i: f"main road is {widths[i]:g} m wide; the ward's rule is {low:g}–{high:g} m")
        yield ctx.flag("main-road-width", ROADS_LAYER, rows, messages, field=WIDTH)


@rule("road-not-concrete", severity="error", family=FAMILY, layers=(ROADS_LAYER,),
      description="Inter-khu and inter-group roads are concreted (the 2017 report)")
def road_not_concrete(ctx: Context) -> Iterator[Findings | Issue]:
    if missing := ctx.missing(ROADS_LAYER, KIND, SURFACE):
        yield ctx.skipped("road-not-concrete", ROADS_LAYER, missing)
        return
    wanted = WARD_RULES.concrete_surface
    kind = typed_column(ctx, ROADS_LAYER, KIND)
    surface = typed_column(ctx, ROADS_LAYER, SURFACE)
    selected = kind.isin(WARD_RULES.concrete_road_kinds).to_numpy(dtype=bool)
    # a missing surface is not concrete; one of another type is field-type's alone
    bad = selected & (surface != wanted).fillna(True).to_numpy(dtype=bool) \
        & ~type_errors(ctx, ROADS_LAYER, SURFACE)
    rows = bad.nonzero()[0]
    if not len(rows):
        return
    kinds = _lower_labels(ROADS_LAYER, KIND, kind.iloc[rows])
    surfaces = _lower_labels(ROADS_LAYER, SURFACE, surface.iloc[rows]).replace("", "missing")
    should = layer_spec(ROADS_LAYER).field(SURFACE).code_label(wanted, "en").lower()
    kind_code, surface_code = pd.factorize(kinds)[0], pd.factorize(surfaces)[0]
    kinds, surfaces = kinds.tolist(), surfaces.tolist()
    messages = shared_messages(  # one per (kind, surface)
        kind_code * (surface_code.max() + 1) + surface_code,
        lambda i: f"{kinds[i]} has surface {surfaces[i]}; it should be {should}")
    yield ctx.flag("road-not-concrete", ROADS_LAYER, rows, messages, field=SURFACE)


def _khu_without(ctx: Context, service_layer: str, rule_id: str) -> Iterator[Findings | Issue]:
    if missing := ctx.missing(KHU_LAYER, ID):
        yield ctx.skipped(rule_id, KHU_LAYER, missing)
        return
    if missing := ctx.missing(service_layer, KIND, KHU_REF):
        yield ctx.skipped(rule_id, service_layer, missing)
        return
    serving = typed_column(ctx, service_layer, KIND) == WARD_RULES.serves_khu_kind
    refs = typed_column(ctx, service_layer, KHU_REF)[serving.to_numpy(dtype=bool)]
    named = set(refs.dropna().astype(str))
    kid = typed_column(ctx, KHU_LAYER, ID)
    rows = (~kid.astype(str).isin(named)).to_numpy(dtype=bool).nonzero()[0]
    if not len(rows):
        return
    names = (typed_column(ctx, KHU_LAYER, NAME) if NAME in ctx.frame(KHU_LAYER).columns
             else kid).iloc[rows]
    names = names.where(names.notna(), kid.iloc[rows])
    label = layer_spec(service_layer).label_en.lower().rstrip("s")
    yield ctx.flag(rule_id, KHU_LAYER, rows,
                   [f"khu {n} has no {label} that names it in {KHU_REF!r}"
                    for n in names.tolist()])


for _rule_id, _layer, _what in (
        ("khu-has-cultural-house", CULTURAL_HOUSES_LAYER, "a cultural house"),
        ("khu-has-sports-area", SPORTS_AREAS_LAYER, "a sports area")):
    rule(_rule_id, severity="error", family=FAMILY, layers=(KHU_LAYER, _layer),
         description=f"Every khu has {_what} (the 2017 report: 100% of khu)")(
        partial(_khu_without, service_layer=_layer, rule_id=_rule_id))


@rule("environment-watch", severity="warning", family=FAMILY,
      layers=(ENTERPRISES_LAYER, KHU_LAYER),
      description="Enterprises near homes (khu land outside the clusters) are put on watch",
      uses=(METRIC,))
def environment_watch(ctx: Context) -> Iterator[Findings]:
    enterprises = geometry_array(ctx, ENTERPRISES_LAYER, metric=True)
    # broken khu or cluster polygons are repaired first: their union would fail
    homes = shapely.union_all(polygonal(repaired(geometry_array(ctx, KHU_LAYER, metric=True))))
    if ctx.has(CLUSTERS_LAYER) and len(ctx.frame(CLUSTERS_LAYER)):
        clusters = polygonal(repaired(geometry_array(ctx, CLUSTERS_LAYER, metric=True)))
        homes = shapely.difference(homes, shapely.union_all(clusters))
    if homes is None or homes.is_empty or not len(enterprises):
        return
    limit = WARD_RULES.environment_watch_m
    with np.errstate(invalid="ignore"):
        distance = shapely.distance(repaired(enterprises), homes)
        rows = (distance <= limit).nonzero()[0]
    if len(rows):
        yield ctx.flag("environment-watch", ENTERPRISES_LAYER, rows,
                       [f"enterprise is {d:.0f} m from homes (watch distance {limit:g} m)"
                        for d in distance[rows].tolist()])
