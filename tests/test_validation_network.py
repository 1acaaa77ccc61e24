"""The network of a line layer: nodes, T-junctions, components, free ends."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from kimson_geo.validation.network import (
    PartIndex,
    build_network,
    line_parts,
    network_from_ends,
    snap_nodes,
)


def _lines(*coords: list) -> np.ndarray:
    return np.asarray([shapely.linestrings(c) if c else None for c in coords], dtype=object)


def _brute_labels(xy: np.ndarray, tolerance: float) -> np.ndarray:
    """Components of the 'within tolerance' graph, by a breadth-first search."""
    close = np.hypot(*(xy[:, None, :] - xy[None, :, :]).T) <= tolerance
    label = np.full(len(xy), -1)
    for seed in range(len(xy)):
        if label[seed] >= 0:
            continue
        todo = [seed]
        label[seed] = seed
        while todo:
            k = todo.pop()
            for j in close[k].nonzero()[0]:
                if label[j] < 0:
                    label[j] = seed
                    todo.append(j)
    return label


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=60),
       st.sampled_from([0.0, 0.01, 1.0, 1.5]))
def test_snap_nodes_is_the_brute_force_grouping(points: list, tolerance: float) -> None:
    xy = np.asarray(points, dtype=float) * 0.5 + [400_000.0, 2_330_000.0]
    labels = snap_nodes(xy, tolerance)
    expected = _brute_labels(xy, tolerance)
    assert ((labels[:, None] == labels[None, :]) == (expected[:, None] == expected[None, :])).all()
    # labels follow the coordinates, not the order they come in
    order = np.random.default_rng(len(points)).permutation(len(xy))
    assert (snap_nodes(xy[order], tolerance) == labels[order]).all()


def test_t_junction_free_ends_and_components() -> None:
    lines = _lines([(0, 0), (100, 0)], [(50, 0), (50, 40)],      # T without a node
                   [(100, 0.005), (150, 0)],                      # snapped within 1 cm
                   [(500, 500), (600, 500)], None)                # cut off; no geometry
    net = build_network(lines, 0.01)
    assert net.touch_part.tolist() == [1] and net.touch_other.tolist() == [0]
    assert net.touch_end.tolist() == [0]
    part, which = net.free_ends()
    ends = list(zip(part.tolist(), which.tolist(), strict=True))
    assert ends == [(0, 0), (1, 1), (2, 1), (3, 0), (3, 1)]
    assert net.feature_component[4] == -1
    assert net.isolated_features().nonzero()[0].tolist() == [3]
    labels, sizes = net.component_sizes()
    assert sizes.tolist() == [3, 1]


def test_multipart_features_join_their_parts() -> None:
    two = shapely.multilinestrings([[(0, 0), (50, 0)], [(300, 0), (350, 0)]])
    lines = np.asarray([two, shapely.linestrings([(350, 0), (400, 0)])], dtype=object)
    parts, owner = line_parts(lines)
    assert owner.tolist() == [0, 0, 1]
    net = build_network(lines, 0.01)
    assert not net.isolated_features().any()


def test_broken_and_non_line_geometries_are_left_out() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        nan_line = shapely.linestrings([(0, 0), (np.nan, 1)])
    lines = np.asarray([nan_line, shapely.Point(1, 1), shapely.LineString(),
                        shapely.box(0, 0, 1, 1), shapely.linestrings([(0, 0), (1, 0)])],
                       dtype=object)
    net = build_network(lines, 0.01)
    assert net.owner.tolist() == [4]
    assert net.feature_component.tolist()[:4] == [-1, -1, -1, -1]


def test_nearest_other_skips_the_same_feature_and_widens() -> None:
    lines = _lines([(0, 0), (100, 0)], [(0, 3), (100, 3)], [(0, 80), (10, 80)])
    net = build_network(lines, 0.01)
    xy = np.array([[0.0, 0.0], [0.0, 80.0]])
    gap = net.nearest_other(np.array([0, 2]), xy, (1.0, 5.0, 50.0))
    assert gap[0] == 3.0 and np.isinf(gap[1])


def test_any_part_finder_gives_the_same_network() -> None:
    rng = np.random.default_rng(3)
    starts = rng.uniform(0, 300, (200, 2)).round(0)
    ends = starts + rng.uniform(-40, 40, (200, 2)).round(0)
    lines = shapely.linestrings(np.stack([starts, ends], axis=1))
    net = build_network(lines, 0.01)

    class Reversed(PartIndex):  # pairs in another order, as partitions would give them
        def pairs_within(self, xy, distance, skip):  # type: ignore[no-untyped-def]
            point, part, dist = super().pairs_within(xy, distance, skip)
            return point[::-1], part[::-1], dist[::-1]

    other = network_from_ends(net.owner, net.start_xy, net.end_xy, len(lines), 0.01,
                              Reversed(np.asarray(lines, dtype=object)))
    for name in ("start", "end", "touch_part", "touch_end", "touch_other",
                 "feature_component"):
        assert np.array_equal(getattr(net, name), getattr(other, name)), name
