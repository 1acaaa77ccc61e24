"""The rule runner: shared results are computed once, let go after their last rule, and
letting go changes no finding."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely

import kimson_geo
from kimson_geo.registry import ROADS_LAYER
from kimson_geo.validation import network, rules
from kimson_geo.validation.network import NETWORK, PARTS, layer_network
from kimson_geo.validation.rules import METRIC, RULES, Context, check, load_rule_modules


class _Recording(dict):  # type: ignore[type-arg]
    """A cache that counts how often each key is computed (set)."""

    def __init__(self) -> None:
        super().__init__()
        self.sets: dict[Any, int] = {}

    def __setitem__(self, key: Any, value: Any) -> None:
        self.sets[key] = self.sets.get(key, 0) + 1
        super().__setitem__(key, value)


@pytest.fixture(scope="module")
def dirty(bundled: kimson_geo.Inventory, tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, Any]:
    """The bundled layers with roads that have dangles, isolated pieces and bad widths."""
    from benchmarks.synth import generate_dirty_roads
    from kimson_geo.io.read import read_layer

    folder = tmp_path_factory.mktemp("dirty")
    generate_dirty_roads(folder, roads=400)
    return {**bundled.layers,
            ROADS_LAYER: read_layer(folder / "geojson" / "roads.geojson", ROADS_LAYER)}


def _table(layers: dict[str, Any], **context: Any) -> pd.DataFrame:
    return check(Context(layers, **context)).table


def test_declared_kinds_are_computed_once_and_let_go(dirty: dict[str, Any]) -> None:
    load_rule_modules()
    declared = {kind for r in RULES.values() for kind in r.uses}
    assert {METRIC, NETWORK, PARTS} <= declared
    cache = _Recording()
    check(Context(dirty, cache=cache))
    twice = {key: n for key, n in cache.sets.items() if n > 1}
    assert not twice  # nothing let go was needed again
    assert any(key[0] == NETWORK for key in cache.sets)  # the networks were built
    left = [key for key in cache if isinstance(key, tuple) and key[0] in declared]
    assert not left


def test_a_metric_copy_given_serves_a_network_built_late(dirty: dict[str, Any]) -> None:
    # without dead_end, road-dangle is skipped: road-undernoded builds the network, from
    # the metric copy the caller gave (an import of VN-2000 metres), not from a second one
    roads = dirty[ROADS_LAYER].drop(columns="dead_end")
    cache = _Recording()
    ctx = Context({ROADS_LAYER: roads}, cache=cache)
    ctx.set_metric(ROADS_LAYER, roads.geometry.to_crs("EPSG:5899"))
    table = check(ctx).table
    assert cache.sets[(METRIC, ROADS_LAYER)] == 1
    assert "road-isolated" in set(table["rule"]) and "road-dangle" not in set(table["rule"])
    plain = check(Context({ROADS_LAYER: roads})).table
    assert table.equals(plain)


def test_a_metric_copy_given_is_the_one_measured(dirty: dict[str, Any]) -> None:
    roads = dirty[ROADS_LAYER]
    ctx = Context(dirty)
    given = roads.geometry.to_crs("EPSG:5899").translate(1_000.0)  # moved 1 km east
    ctx.set_metric(ROADS_LAYER, given)
    net = layer_network(ctx, ROADS_LAYER)
    assert net.start_xy[:, 0].min() >= given.bounds["minx"].min() - 1e-6


def test_letting_go_changes_no_finding(dirty: dict[str, Any],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    released = _table(dirty)
    monkeypatch.setattr(Context, "release", lambda self, kinds: None)
    kept = _table(dirty)
    assert {"road-dangle", "road-isolated", "road-not-concrete"} <= set(released["rule"])
    assert released.equals(kept)


def test_locations_in_chunks_are_the_same(dirty: dict[str, Any],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    rows = np.arange(len(dirty[ROADS_LAYER]))[::-1]
    whole = Context(dirty).locations(ROADS_LAYER, rows)
    monkeypatch.setattr(rules, "LOCATION_CHUNK", 7)
    chunked = Context(dirty).locations(ROADS_LAYER, rows)
    assert np.isfinite(whole).all() and np.array_equal(whole, chunked)


def test_check_leaves_the_collector_as_it_found_it(dirty: dict[str, Any]) -> None:
    check(Context(dirty))  # it freezes what is in memory while the rules run, and thaws it
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller's frozen objects stay frozen
    try:
        check(Context(dirty))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_pairs_within_are_the_strtree_pairs_in_any_chunks(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    rng = np.random.default_rng(5)
    starts = rng.uniform(0, 300, (300, 2))
    lines = shapely.linestrings(np.stack([starts, starts + rng.uniform(-30, 30, (300, 2))],
                                         axis=1))
    xy = np.concatenate([rng.uniform(0, 300, (500, 2)), starts[:50]])
    skip = np.concatenate([rng.integers(-1, 300, 500), np.arange(50)])

    def pairs() -> list[tuple[int, int, float]]:
        found = network.PartIndex(np.asarray(lines, dtype=object)).pairs_within(xy, 10.0, skip)
        return sorted(zip(*(a.tolist() for a in found), strict=True))

    # what STRtree's own dwithin query finds, less the skipped pairs
    points = shapely.points(xy)
    point, part = shapely.STRtree(lines).query(points, predicate="dwithin", distance=10.0)
    kept = part != skip[point]
    point, part = point[kept], part[kept]
    gap = shapely.distance(points[point], lines[part])
    expected = sorted(zip(point.tolist(), part.tolist(), gap.tolist(), strict=True))
    whole = pairs()
    assert len(whole) > 100 and whole == expected
    near, by, gap = network.PartIndex(np.asarray(lines, dtype=object)).pairs_within(
        xy, 10.0, skip, exact=False)  # by envelopes: a superset
    exact = set(zip(point.tolist(), part.tolist(), strict=True))
    assert exact < set(zip(near.tolist(), by.tolist(), strict=True))
    assert np.isnan(gap).all()
    monkeypatch.setattr(network, "POINT_CHUNK", 16)
    assert pairs() == whole


def test_network_parts_let_go_are_found_again(dirty: dict[str, Any]) -> None:
    ctx = Context(dirty)
    net = layer_network(ctx, ROADS_LAYER)
    part = np.arange(0, net.n_parts, 3)
    xy = net.end_xy[part]
    before = net.nearest_other(part, xy, (1.0, 50.0))
    ctx.release([METRIC, PARTS])
    assert (PARTS, ROADS_LAYER) not in ctx.cache and (NETWORK, ROADS_LAYER) in ctx.cache
    assert np.array_equal(net.nearest_other(part, xy, (1.0, 50.0)), before)
