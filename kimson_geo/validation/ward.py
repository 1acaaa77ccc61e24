"""The ward's own rules, from its 2017 report: road widths and surfaces, services per khu,
and enterprises close to homes."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

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
from .issue import Issue
from .rules import Context, rule

FAMILY = "ward"


@rule("main-road-width", severity="error", family=FAMILY, layers=(ROADS_LAYER,),
      description="Main axis roads are 5.0–6.0 m wide (the 2017 report)")
def main_road_width(ctx: Context) -> Iterator[Issue]:
    roads = ctx.frame(ROADS_LAYER)
    if not {KIND, WIDTH} <= set(roads.columns):
        return
    low, high = WARD_RULES.main_road_width_m
    width = pd.to_numeric(roads[WIDTH], errors="coerce")
    main = roads[KIND].isin(WARD_RULES.main_road_kinds).fillna(False).to_numpy()
    # a missing or non-numeric width is reported by required-field / field-type
    bad = main & width.notna().to_numpy() & ~width.between(low, high).fillna(False).to_numpy()
    for index in bad.nonzero()[0]:
        yield ctx.issue("main-road-width", f"main road is {width.iloc[index]:g} m wide; the "
                        f"ward's rule is {low:g}–{high:g} m", layer=ROADS_LAYER,
                        index=int(index), field=WIDTH)


@rule("road-not-concrete", severity="error", family=FAMILY, layers=(ROADS_LAYER,),
      description="Inter-khu and inter-group roads are concreted (the 2017 report)")
def road_not_concrete(ctx: Context) -> Iterator[Issue]:
    roads = ctx.frame(ROADS_LAYER)
    if not {KIND, SURFACE} <= set(roads.columns):
        return
    wanted = WARD_RULES.concrete_surface
    selected = roads[KIND].isin(WARD_RULES.concrete_road_kinds).fillna(False).to_numpy()
    bad = selected & (roads[SURFACE] != wanted).fillna(True).to_numpy()
    surface_field = layer_spec(ROADS_LAYER).field(SURFACE)
    kind_field = layer_spec(ROADS_LAYER).field(KIND)
    for index in bad.nonzero()[0]:
        surface = roads[SURFACE].iloc[index]
        yield ctx.issue(
            "road-not-concrete",
            f"{kind_field.code_label(roads[KIND].iloc[index], 'en').lower()} has surface "
            f"{surface_field.code_label(surface, 'en').lower() or 'missing'}; it should be "
            f"{surface_field.code_label(wanted, 'en').lower()}",
            layer=ROADS_LAYER, index=int(index), field=SURFACE,
        )


def _khu_without(ctx: Context, service_layer: str, rule_id: str) -> Iterator[Issue]:
    khu = ctx.frame(KHU_LAYER)
    service = ctx.frame(service_layer)
    if ID not in khu.columns:
        return
    if {KIND, KHU_REF} <= set(service.columns):
        serving = service[service[KIND] == WARD_RULES.serves_khu_kind]
        named = set(serving[KHU_REF].dropna().astype(str))
    else:
        named = set()
    label = layer_spec(service_layer).label_en.lower().rstrip("s")
    for index, kid in enumerate(khu[ID]):
        if str(kid) not in named:
            name = khu[NAME].iloc[index] if NAME in khu.columns else kid
            yield ctx.issue(rule_id, f"khu {name} has no {label} that names it in "
                            f"{KHU_REF!r}", layer=KHU_LAYER, index=index)


@rule("khu-has-cultural-house", severity="error", family=FAMILY,
      layers=(KHU_LAYER, CULTURAL_HOUSES_LAYER),
      description="Every khu has a cultural house (the 2017 report: 100% of khu)")
def khu_has_cultural_house(ctx: Context) -> Iterator[Issue]:
    yield from _khu_without(ctx, CULTURAL_HOUSES_LAYER, "khu-has-cultural-house")


@rule("khu-has-sports-area", severity="error", family=FAMILY,
      layers=(KHU_LAYER, SPORTS_AREAS_LAYER),
      description="Every khu has a sports area (the 2017 report: 100% of khu)")
def khu_has_sports_area(ctx: Context) -> Iterator[Issue]:
    yield from _khu_without(ctx, SPORTS_AREAS_LAYER, "khu-has-sports-area")


@rule("environment-watch", severity="warning", family=FAMILY,
      layers=(ENTERPRISES_LAYER, KHU_LAYER),
      description="Enterprises near homes (khu land outside the clusters) are put on watch")
def environment_watch(ctx: Context) -> Iterator[Issue]:
    enterprises = ctx.metric(ENTERPRISES_LAYER)
    homes = ctx.metric(KHU_LAYER).union_all()
    if ctx.has(CLUSTERS_LAYER) and len(ctx.frame(CLUSTERS_LAYER)):
        homes = homes.difference(ctx.metric(CLUSTERS_LAYER).union_all())
    if homes.is_empty or enterprises.empty:
        return
    limit = WARD_RULES.environment_watch_m
    distance = enterprises.distance(homes)
    for index in (distance <= limit).fillna(False).to_numpy().nonzero()[0]:
        yield ctx.issue("environment-watch",
                        f"enterprise is {distance.iloc[index]:.0f} m from homes "
                        f"(watch distance {limit:g} m)",
                        layer=ENTERPRISES_LAYER, index=int(index))
