"""The store over both backends: issue 11's "done when", faults and refusals.

Every test runs against a GeoPackage and against PostGIS (started by
scripts/start-postgis.sh); the PostGIS variant never skips: without a server it fails.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
import shapely
from _store_support import (
    ADDED,
    MOVED,
    MOVED_M,
    REMOVED,
    WIDENED,
    WIDENED_TO,
    fresh_schema_url,
    narrow_main_road,
    postgis_url,
    second_delivery,
)

import kimson_geo
from kimson_geo.diff import diff_inventories
from kimson_geo.errors import DeliveryRefused, StoreError
from kimson_geo.registry import CULTURAL_HOUSES_LAYER, LAYER_NAMES, ROADS_LAYER
from kimson_geo.store import PAUSE_ENV, init_store, open_store, parse_ref

from _support import ROOT, copy_bundled, edit_features

BACKENDS = ["gpkg", "postgis"]


@pytest.fixture(scope="session")
def postgis_server() -> str:
    """The URL of the test PostGIS server, started by the project's script when needed."""
    url = postgis_url()
    if url is None:
        result = subprocess.run(["bash", str(ROOT / "scripts" / "start-postgis.sh")],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.fail(f"PostGIS is not available and scripts/start-postgis.sh failed "
                        f"(CI={os.environ.get('CI', '')}):\n{result.stderr}")
        url = result.stdout.strip().splitlines()[-1]
    return url


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty place for a store: a GeoPackage path, or a fresh PostGIS schema."""
    if request.param == "gpkg":
        yield str(tmp_path / "ward.gpkg")
        return
    import psycopg

    url = fresh_schema_url(request.getfixturevalue("postgis_server"))
    yield url
    conninfo, _, schema = url.partition("#")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def store_r1(location: str) -> str:
    """A store holding the bundled data as revision 1."""
    init_store(location, source=ROOT / "data", message="bundled 2017")
    return location


def test_done_when(store_r1: str, tmp_path: Path) -> None:
    delivery, old_width = second_delivery(tmp_path / "d2")
    store = open_store(store_r1)
    revision = store.accept(delivery, message="delivery 2024", author="QLĐT")
    assert revision is not None and revision.rev == 2
    assert revision.counts == {
        ROADS_LAYER: {"added": 1, "removed": 1, "modified": 1},
        CULTURAL_HOUSES_LAYER: {"added": 0, "removed": 0, "modified": 1},
    }
    log = store.revisions()
    assert [(r.rev, r.message, r.author) for r in log] == [
        (1, "bundled 2017", None), (2, "delivery 2024", "QLĐT")]
    assert {c["id"] for c in log[1].claims} >= {"roads-concreted", "main-road-width"}

    changes = diff_inventories(kimson_geo.load(f"{store_r1}@1"),
                               kimson_geo.load(f"{store_r1}@2")).to_dict()
    assert [(c["layer"], c["id"]) for c in changes["added"]] == [(ROADS_LAYER, ADDED)]
    assert [(c["layer"], c["id"]) for c in changes["removed"]] == [(ROADS_LAYER, REMOVED)]
    modified = {c["id"]: c for c in changes["modified"]}
    assert set(modified) == {WIDENED, MOVED}
    assert modified[WIDENED]["changes"] == {"width_m": [old_width, WIDENED_TO]}
    assert modified[WIDENED]["moved_m"] == 0
    assert modified[MOVED]["changes"] == {}
    assert modified[MOVED]["moved_m"] == pytest.approx(MOVED_M, abs=0.05)

    # revision 1 is still the bundled data, and the latest is the delivery
    assert diff_inventories(kimson_geo.load(), kimson_geo.load(f"{store_r1}@1")).empty
    assert diff_inventories(kimson_geo.load(delivery), kimson_geo.load(store_r1)).empty
    assert kimson_geo.validate(f"{store_r1}@2").ok


def test_refused_delivery_leaves_the_store_as_it_was(store_r1: str, tmp_path: Path) -> None:
    before = _fingerprint(store_r1)
    with pytest.raises(DeliveryRefused, match="validation error") as caught:
        open_store(store_r1).accept(narrow_main_road(tmp_path / "bad"), message="narrow")
    assert not caught.value.report.ok
    assert _fingerprint(store_r1) == before


def test_allow_errors_records_and_marks(store_r1: str, tmp_path: Path) -> None:
    store = open_store(store_r1)
    revision = store.accept(narrow_main_road(tmp_path / "bad"), message="narrow",
                            allow_errors=True)
    assert revision is not None and revision.allow_errors
    claims = {c["id"]: c for c in revision.claims}
    assert claims["main-road-width"]["passed"] is False


def test_partial_delivery_keeps_the_other_layers(store_r1: str, tmp_path: Path) -> None:
    delivery, _ = second_delivery(tmp_path / "d2")
    for path in delivery.glob("*.geojson"):
        if path.stem != CULTURAL_HOUSES_LAYER:
            path.unlink()
    revision = open_store(store_r1).accept(delivery, message="houses only")
    assert revision is not None
    assert revision.counts == {CULTURAL_HOUSES_LAYER: {"added": 0, "removed": 0,
                                                       "modified": 1}}
    latest = kimson_geo.load(store_r1)
    assert list(latest.layers) == list(LAYER_NAMES)
    assert len(latest[ROADS_LAYER]) == len(kimson_geo.load()[ROADS_LAYER])


def test_unchanged_delivery_records_nothing(store_r1: str) -> None:
    store = open_store(store_r1)
    assert store.accept(ROOT / "data", message="same again") is None
    assert store.head() == 1


def test_as_of_and_revision_names(store_r1: str, tmp_path: Path) -> None:
    store = open_store(store_r1)
    store.accept(second_delivery(tmp_path / "d2")[0], message="two")
    day = store.revisions()[-1].time[:10]
    assert store.resolve(as_of=day) == 2
    assert parse_ref(f"{store_r1}@{day}").load().layers.keys() == set(LAYER_NAMES)
    with pytest.raises(StoreError, match="no revision recorded by"):
        store.resolve(as_of="2001-01-01")
    with pytest.raises(StoreError, match="has no revision 7"):
        kimson_geo.load(store_r1, rev=7)


def test_newer_schema_is_refused(store_r1: str) -> None:
    _sql(store_r1, "UPDATE {meta} SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer kimson-geo.*schema version 99"):
        open_store(store_r1)


def test_init_refuses_an_existing_store(store_r1: str) -> None:
    with pytest.raises(StoreError, match="already"):
        init_store(store_r1)


def _accept_in_subprocess(store: str, delivery: Path, pause_s: float) -> subprocess.Popen:
    """``kimson-geo store accept`` that pauses inside its transaction; returns once it is
    there (it says so on stderr)."""
    env = {**os.environ, PAUSE_ENV: str(pause_s), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kimson_geo", "store", "accept", store, str(delivery),
         "-m", "paused"], env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if PAUSE_ENV in line:
            return proc
    proc.wait()
    raise AssertionError(f"the accept never paused (exit {proc.returncode})")


def _end(proc: subprocess.Popen, *, kill: bool) -> int:
    """Kill -9 (or let finish) the subprocess; its exit code."""
    if kill:
        os.kill(proc.pid, signal.SIGKILL)
    assert proc.stderr is not None
    proc.stderr.read()
    proc.stderr.close()
    return proc.wait()


def test_killed_accept_leaves_the_last_revision(store_r1: str, tmp_path: Path) -> None:
    delivery, _ = second_delivery(tmp_path / "d2")
    proc = _accept_in_subprocess(store_r1, delivery, pause_s=600)
    _end(proc, kill=True)
    store = open_store(store_r1)
    assert store.head() == 1
    assert diff_inventories(kimson_geo.load(), kimson_geo.load(store_r1)).empty
    assert kimson_geo.validate(store_r1).ok
    # the lock died with the process: the next accept goes through
    assert store.accept(delivery, message="after the kill").rev == 2


def test_concurrent_accept_fails_clearly_or_waits(store_r1: str, tmp_path: Path) -> None:
    delivery, _ = second_delivery(tmp_path / "d2")
    other = narrow_main_road(tmp_path / "d3")
    proc = _accept_in_subprocess(store_r1, delivery, pause_s=600)
    try:
        with pytest.raises(StoreError, match="another accept is writing"):
            open_store(store_r1).accept(other, message="too soon", allow_errors=True,
                                        wait_s=0.2)
    finally:
        _end(proc, kill=True)
    proc = _accept_in_subprocess(store_r1, delivery, pause_s=1)
    waited = open_store(store_r1).accept(other, message="waited", allow_errors=True,
                                         wait_s=120)
    assert _end(proc, kill=False) == 0
    assert waited is not None and waited.rev == 3
    assert [r.message for r in open_store(store_r1).revisions()] == [
        "bundled 2017", "paused", "waited"]


def test_geopackage_store_opens_in_gdal(tmp_path: Path) -> None:
    path = tmp_path / "ward.gpkg"
    init_store(path, source=ROOT / "data", message="bundled")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10200  # GeoPackage 1.2
    names = {row[0] for row in pyogrio.list_layers(path)}
    assert set(LAYER_NAMES) <= names
    bundled = kimson_geo.load()
    for name in LAYER_NAMES:
        frame = pyogrio.read_dataframe(path, layer=name)
        assert sorted(frame["id"]) == sorted(bundled[name]["id"])
        assert frame.crs.to_epsg() == 4326
        expected = bundled[name].set_index("id").loc[frame["id"]].geometry
        assert shapely.equals_exact(frame.geometry.to_numpy(), expected.to_numpy(),
                                    tolerance=1e-12).all()


def test_not_a_store(tmp_path: Path) -> None:
    other = tmp_path / "plain.gpkg"
    kimson_geo.load().export(ROADS_LAYER, other)
    with pytest.raises(StoreError, match="no store here"):
        open_store(other)
    with pytest.raises(StoreError, match="a GeoPackage"):
        open_store(tmp_path / "ward.txt")


def test_hostile_text_round_trips(location: str, tmp_path: Path) -> None:
    data = copy_bundled(tmp_path / "h")
    hostile = "'); DROP TABLE roads_history; -- <script>alert(1)</script>"

    def rename(features: list[dict]) -> None:
        features[0]["properties"]["note"] = hostile

    edit_features(data, ROADS_LAYER, rename)
    init_store(location, source=data, message=hostile)
    assert kimson_geo.load(location)[ROADS_LAYER]["note"].iloc[0] == hostile
    assert open_store(location).revisions()[0].message == hostile


def _sql(location: str, statement: str) -> None:
    backend = open_store(location).backend
    text = statement.format(meta=backend.table("kimson_meta"))
    conn = backend.connect()
    try:
        conn.execute(text)
        backend.commit(conn) if not isinstance(conn, sqlite3.Connection) else None
    finally:
        conn.close()


def _fingerprint(location: str) -> object:
    if not location.startswith("postgresql://"):
        return Path(location).read_bytes()
    store = open_store(location)
    return ([r.to_dict() for r in store.revisions()],
            kimson_geo.load(location).summary())


def test_values_the_typed_columns_cannot_hold_are_refused(store_r1: str,
                                                           tmp_path: Path) -> None:
    from kimson_geo.errors import SchemaError

    data = copy_bundled(tmp_path / "t")

    def comma(features: list[dict]) -> None:
        features[0]["properties"]["width_m"] = "5,5"

    edit_features(data, ROADS_LAYER, comma)
    before = _fingerprint(store_r1)
    with pytest.raises(SchemaError, match="roads: feature 0 .*field 'width_m': '5,5'"):
        open_store(store_r1).accept(data, message="comma", allow_errors=True)
    assert _fingerprint(store_r1) == before


def test_accept_reads_the_delivery_once(store_r1: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import kimson_geo.io.read as read_module

    delivery, _ = second_delivery(tmp_path / "d2")
    reads: list[str] = []
    real = read_module.read_layer

    def counting(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(read_module, "read_layer", counting)
    assert open_store(store_r1).accept(delivery, message="two") is not None
    assert sorted(reads) == sorted(p.name for p in delivery.glob("*.geojson"))


def test_accept_writes_only_the_changed_rows(store_r1: str, tmp_path: Path) -> None:
    def rows(layer: str) -> tuple[int, int]:
        backend = open_store(store_r1).backend
        conn = backend.connect()
        try:
            table = backend.table(f"{layer}_history")
            total = backend.query(conn, f"SELECT COUNT(*) FROM {table}", ())[0][0]
            closed = backend.query(conn, f"SELECT COUNT(*) FROM {table} WHERE "
                                         '"_rev_to" IS NOT NULL', ())[0][0]
        finally:
            backend.rollback(conn)
            conn.close()
        return int(total), int(closed)

    before = {name: rows(name) for name in LAYER_NAMES}
    open_store(store_r1).accept(second_delivery(tmp_path / "d2")[0], message="two")
    after = {name: rows(name) for name in LAYER_NAMES}
    # a new version for the added and the modified, an end for the removed and the modified
    assert after[ROADS_LAYER] == (before[ROADS_LAYER][0] + 2, before[ROADS_LAYER][1] + 2)
    assert after[CULTURAL_HOUSES_LAYER] == (before[CULTURAL_HOUSES_LAYER][0] + 1,
                                            before[CULTURAL_HOUSES_LAYER][1] + 1)
    assert {n: after[n] for n in after if n not in (ROADS_LAYER, CULTURAL_HOUSES_LAYER)} == \
        {n: before[n] for n in before if n not in (ROADS_LAYER, CULTURAL_HOUSES_LAYER)}


def test_geopackage_store_has_a_spatial_index(tmp_path: Path) -> None:
    path = tmp_path / "ward.gpkg"
    init_store(path, source=ROOT / "data", message="bundled")
    open_store(path).accept(second_delivery(tmp_path / "d2")[0], message="two")
    with sqlite3.connect(path) as conn:
        for name in LAYER_NAMES:
            table = f"{name}_history"
            # the triggers kept the index in step with every version the accept wrote
            assert conn.execute(f'SELECT COUNT(*) FROM "rtree_{table}_geom"').fetchone() == \
                conn.execute(f'SELECT COUNT(*) FROM "{table}" WHERE geom IS NOT NULL'
                             ).fetchone()
        assert conn.execute("SELECT COUNT(*) FROM gpkg_extensions WHERE extension_name = "
                            "'gpkg_rtree_index'").fetchone()[0] == len(LAYER_NAMES)
    assert pyogrio.read_info(path, layer=ROADS_LAYER)["capabilities"]["fast_spatial_filter"]
    roads = kimson_geo.load(path)[ROADS_LAYER]
    minx, miny, maxx, maxy = roads.total_bounds
    box = (minx, miny, (minx + maxx) / 2, (miny + maxy) / 2)
    inside = pyogrio.read_dataframe(path, layer=ROADS_LAYER, bbox=box)
    assert sorted(inside["id"]) == sorted(roads.cx[box[0]:box[2], box[1]:box[3]]["id"])
    assert 0 < len(inside) < len(roads)


def test_postgis_store_has_a_spatial_index(request: pytest.FixtureRequest) -> None:
    import psycopg

    url = fresh_schema_url(request.getfixturevalue("postgis_server"))
    conninfo, _, schema = url.partition("#")
    init_store(url, source=ROOT / "data", message="bundled")
    try:
        with psycopg.connect(conninfo) as conn:
            indexed = {row[0] for row in conn.execute(
                "SELECT tablename FROM pg_indexes WHERE schemaname = %s AND indexdef LIKE "
                "'%%USING gist (geom)%%'", (schema,))}
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    assert indexed == {f"{name}_history" for name in LAYER_NAMES}
