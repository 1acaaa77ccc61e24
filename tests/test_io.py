"""kimson_geo.io: the collector helpers and json_lines."""

from __future__ import annotations

import gc

import orjson
import pytest

from kimson_geo.io import gc_frozen, gc_paused, json_lines


def test_gc_paused_nests_and_restores_the_collector() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner one does not turn it back on
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_gc_frozen_hides_what_exists_and_collects_what_the_block_makes() -> None:
    before = [[] for _ in range(1000)]
    with gc_frozen():
        assert gc.get_freeze_count() >= len(before)
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # a cycle made in the block is collected as usual
        with gc_frozen():  # nested: the outer one thaws
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), gc_frozen():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0


def test_gc_frozen_leaves_a_caller_s_freeze_alone() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_frozen():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_json_lines_puts_one_row_a_line() -> None:
    rows = [{"rule": "a", "message": '},{"rule":'}, {"rule": "b", "nested": {"x": 1}}]
    text = json_lines(rows, b'{"rule":', b",\n")
    assert text.split(b",\n") == [orjson.dumps(r) for r in rows]
