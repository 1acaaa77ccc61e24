"""Validation past one machine: dask-geopandas partitions on a dask.distributed cluster.

:func:`validate_dask` gives the same issues as :func:`kimson_geo.validation` (same rules,
messages, feature indices, ids and locations), computed this way:

* the line layers (roads, drainage) are read as GeoParquet partitions (one per row group;
  a GeoJSON file is first converted to GeoParquet by a worker, after its raw structure
  check);
* every per-feature rule of the registry runs on each partition's frame, on the workers,
  with the partition's feature indices offset to global positions; the ward boundary is
  broadcast to them for ``outside-ward``;
* cross-feature rules gather only what they need: ids (``unique-id``), the end points of
  every line part (the network's nodes, degrees and components), and the few parts within
  50 m of an end that no other end meets (T-junctions and the dangle messages); the
  registry's own network rules then run on the driver over that network;
* the other layers (boundary, khu, points, clusters...) are small: they are read whole on
  the driver and checked there with every rule.

Each partition is typed as the registry says on its own, like a file read alone: a text
column whose values are all true/false words in one partition but not in another would be
typed differently there (no generated inventory has one).  The report has no claims: they
measure the whole inventory at once (run :func:`kimson_geo.validation` for them).

dask is an optional dependency (``pip install 'kimson-geo[scale]'``), imported only here,
inside the functions.

Examples
--------
>>> from kimson_geo.scale import validate_dask
>>> report = validate_dask("synth/parquet")                         # doctest: +SKIP
>>> report = validate_dask("survey/", scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import DataSourceError, KimsonGeoError, LayerError
from .registry import (
    BOUNDARY_LAYER,
    DEAD_END,
    DRAINAGE_LAYER,
    ID,
    LAYER_NAMES,
    OUTFALL,
    ROADS_LAYER,
    WARD_RULES,
    WGS84,
    layer_spec,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from .validation.issue import Issue
    from .validation.report import ValidationReport

__all__ = ["validate_dask", "ScaleError", "PARTITIONED_LAYERS", "GATHERED_RULES"]

#: Layers validated partition by partition; every other layer is small and read whole.
PARTITIONED_LAYERS: tuple[str, ...] = (ROADS_LAYER, DRAINAGE_LAYER)
#: Rules that read more than one feature of a partitioned layer: run on the driver over
#: gathered ids and the gathered network.
GATHERED_RULES: tuple[str, ...] = ("unique-id", "road-dangle", "road-undernoded",
                                   "road-isolated", "drainage-no-outfall")
#: Rows per partition when a GeoJSON file is converted to GeoParquet.
ROWS_PER_PARTITION = 100_000
_INSTALL = "pip install 'kimson-geo[scale]'"


class ScaleError(KimsonGeoError, ImportError):
    """dask, dask.distributed or dask-geopandas is not installed."""


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
        import dask_geopandas  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ScaleError(
            f"validation with dask needs dask.distributed and dask-geopandas "
            f"({exc.name or 'dask'} is missing): {_INSTALL}") from exc


# ------------------------------------------------------------------------ partitions

@dataclass
class _PartState:
    """What a worker keeps of one partition: issues, small columns, and line parts."""

    rows: int
    issues: list[Issue]
    columns: Any            # pandas DataFrame: id and the flags the network rules read
    points: np.ndarray      # representative point (lon, lat) of each feature, NaN if none
    part_owner: np.ndarray  # local feature of each line part
    start_xy: np.ndarray    # metric first vertex of each part
    end_xy: np.ndarray      # metric last vertex of each part
    parts: np.ndarray       # metric line parts (kept on the worker)


def _finish_frame(frame: gpd.GeoDataFrame, layer: str | None, source: str,
                  src_crs: object | None) -> gpd.GeoDataFrame:
    """What :func:`kimson_geo.io.read.read_layer` does after reading, on one partition."""
    from .crs import ensure_wgs84, resolve_crs
    from .io.read import coerce_to_registry
    from .text import normalize_frame_text

    frame = frame.reset_index(drop=True)
    frame = normalize_frame_text(frame)
    frame = ensure_wgs84(frame, resolve_crs(src_crs) if src_crs is not None else None,
                         source=source)
    if layer is not None:
        frame = coerce_to_registry(frame, layer_spec(layer))
        frame.attrs["layer"] = layer
    frame.attrs["source"] = source
    return frame


def _per_feature_rules() -> list[str]:
    from .validation.rules import RULES, load_rule_modules

    load_rule_modules()
    return [r.id for r in RULES.values() if r.func is not None and r.id not in GATHERED_RULES]


def _line_parts(metric: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Line parts of the present geometries, their owner, first and last vertex.

    The same parts, in the same order, as the network of
    :mod:`kimson_geo.validation.topology`.
    """
    import shapely

    present = ~(shapely.is_missing(metric) | shapely.is_empty(metric))
    where = present.nonzero()[0]
    parts, owner = shapely.get_parts(metric[where], return_index=True)
    owner = where[owner]
    keep = np.isin(shapely.get_type_id(parts), (shapely.GeometryType.LINESTRING,
                                                shapely.GeometryType.LINEARRING))
    keep[keep] = shapely.get_num_points(parts[keep]) > 0
    parts, owner = parts[keep], owner[keep]
    coords, index = shapely.get_coordinates(parts, return_index=True)
    counts = np.bincount(index, minlength=len(parts))
    last = np.cumsum(counts) - 1
    return parts, owner, coords[last - counts + 1], coords[last]


def _check_partition(part: gpd.GeoDataFrame, layer: str, layer_known: bool, source: str,
                     src_crs: object | None, boundary: gpd.GeoDataFrame | None,
                     first: bool) -> _PartState:
    """Run every per-feature rule on one partition (indices local to the partition)."""
    import shapely

    from .inventory import Inventory
    from .validation.rules import Context, run_rules

    frame = _finish_frame(part, layer if layer_known else None, source, src_crs)
    layers = {layer: frame}
    if boundary is not None and layer != BOUNDARY_LAYER:
        layers[BOUNDARY_LAYER] = boundary
    ctx = Context(Inventory(layers=layers), layer_known=layer_known,
                  files={layer: Path(source)})
    issues = [i for i in run_rules(ctx, only=_per_feature_rules())
              if i.layer == layer and (first or i.feature is not None)]
    geoms = np.asarray(frame.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    points = np.full((len(frame), 2), np.nan)
    if present.any():
        try:
            found = shapely.point_on_surface(geoms[present])
        except shapely.errors.GEOSException:  # one broken geometry: point by point
            found = np.array([_point_or_none(g) for g in geoms[present]], dtype=object)
        ok = ~shapely.is_missing(found)
        where = present.nonzero()[0][ok]
        points[where] = shapely.get_coordinates(found[ok])
    kept = [c for c in (ID, DEAD_END, OUTFALL) if c in frame.columns]
    metric = np.asarray(ctx.metric(layer).array, dtype=object)
    parts, owner, start_xy, end_xy = _line_parts(metric)
    return _PartState(len(frame), issues, frame[kept].copy(), points, owner, start_xy,
                      end_xy, parts)


def _point_or_none(geom: Any) -> Any:
    import shapely

    try:
        return geom.representative_point()
    except shapely.errors.GEOSException:
        return None


def _prepare_worker() -> None:
    """Import the geospatial stack and the rules on a worker before any task reaches it.

    Otherwise a frame unpickled on the worker's event loop and a task importing geopandas
    on its executor thread can race through the same imports.
    """
    import geopandas  # noqa: F401
    import pandera.pandas  # noqa: F401
    import pyogrio  # noqa: F401

    _per_feature_rules()


def _summary(state: _PartState) -> _PartState:
    """The partition's state without its line parts (what the driver gathers)."""
    return _PartState(state.rows, state.issues, state.columns, state.points,
                      state.part_owner, state.start_xy, state.end_xy,
                      np.zeros(0, dtype=object))


def _near(state: _PartState, xy: np.ndarray, distance: float) -> tuple[np.ndarray, np.ndarray]:
    """Local indices and geometries of this partition's parts within ``distance`` of ``xy``."""
    import shapely

    if len(xy) and len(state.parts):
        minx, miny, maxx, maxy = shapely.total_bounds(state.parts)
        xy = xy[(xy[:, 0] >= minx - distance) & (xy[:, 0] <= maxx + distance)
                & (xy[:, 1] >= miny - distance) & (xy[:, 1] <= maxy + distance)]
    if not len(xy) or not len(state.parts):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    tree = shapely.STRtree(state.parts)
    _, hit = tree.query(shapely.points(xy), predicate="dwithin", distance=distance)
    hit = np.unique(hit)
    return hit, state.parts[hit]


# --------------------------------------------------------------------------- network

def _network(layer: str, summaries: list[_PartState], offsets: np.ndarray,
             near: Any, n_features: int, dead_end: np.ndarray | None) -> Any:
    """The :class:`~kimson_geo.validation.topology.Network` of a partitioned line layer.

    Computed as ``topology`` computes it, from the gathered end points.  Only the part
    geometries the network rules query are fetched (``near(xy, distance)``): those within
    the snap tolerance of an end alone at its node (T-junctions), and, for roads (given
    ``dead_end``), those within ``DANGLE_SEARCH_M`` of a dangling end (the distance the
    dangle message gives).  The others stay None, which the spatial index skips.
    """
    import shapely

    from .validation.topology import DANGLE_SEARCH_M, _group_points, assemble_network

    owner = np.concatenate([s.part_owner + off for s, off in zip(summaries, offsets,
                                                                 strict=True)])
    start_xy = np.concatenate([s.start_xy.reshape(-1, 2) for s in summaries])
    end_xy = np.concatenate([s.end_xy.reshape(-1, 2) for s in summaries])
    n = len(owner)
    tolerance = WARD_RULES.snap_tolerance_m
    nodes = _group_points(np.concatenate([start_xy, end_xy]), tolerance)
    start, end = nodes[:n], nodes[n:]
    n_nodes = int(nodes.max()) + 1 if n else 0
    degree = np.bincount(nodes, minlength=n_nodes)

    lone = (degree[nodes] == 1).nonzero()[0]
    parts = np.full(n, None, dtype=object)
    tree = None
    touch_part = touch_end = touch_other = np.zeros(0, dtype=np.int64)
    if len(lone):
        lone_part, lone_end = lone % n, lone // n
        lone_xy = np.where(lone_end[:, None] == 0, start_xy[lone_part], end_xy[lone_part])
        index, geoms = near(lone_xy, tolerance)
        parts[index] = geoms
        tree = shapely.STRtree(parts)
        hit, other = tree.query(shapely.points(lone_xy), predicate="dwithin",
                                distance=tolerance)
        foreign = other != lone_part[hit]
        hit, other = hit[foreign], other[foreign]
        hit, first = np.unique(hit, return_index=True)
        touch_part, touch_end, touch_other = lone_part[hit], lone_end[hit], other[first]
        if dead_end is not None:
            dangling = np.ones(len(lone), dtype=bool)
            dangling[hit] = False
            dangling &= ~dead_end[owner[lone_part]]
            if dangling.any():
                index, geoms = near(lone_xy[dangling], DANGLE_SEARCH_M)
                parts[index] = geoms
                tree = shapely.STRtree(parts)

    return assemble_network(layer, parts, owner, start, end, start_xy, end_xy, degree,
                            touch_part, touch_end, touch_other, n_features, n_nodes, tree)


def _install_network(ctx: Any, layer: str, net: Any) -> None:
    """Hand a network built here to the topology rules (their per-context cache)."""
    from .validation import topology

    key = id(ctx)
    entry = topology._NETWORKS.get(key)
    if entry is None or entry[0]() is not ctx:
        entry = (weakref.ref(ctx), {})
        topology._NETWORKS[key] = entry
        weakref.finalize(ctx, topology._NETWORKS.pop, key, None)
    entry[1][layer] = net
    if topology.network(ctx, layer) is not net:  # the cache changed shape: fail loudly
        raise RuntimeError("kimson_geo.validation.topology no longer caches networks per "
                           "context; kimson_geo.scale must be updated")


# ----------------------------------------------------------------------------- inputs

def _parquet_layers(folder: Path) -> dict[str, Path]:
    return {name: folder / f"{name}.parquet" for name in LAYER_NAMES
            if (folder / f"{name}.parquet").is_file()}


def _sources(root: Path, layer: str | None) -> tuple[dict[str, Path], bool]:
    """Layer name -> file (GeoParquet preferred), and whether the names are registry ones."""
    from .io.read import find_layer_files

    if root.is_dir():
        found = find_layer_files(root)
        found.update(_parquet_layers(root))
        if layer is not None:
            layer_spec(layer)
            found = {layer: found[layer]} if layer in found else {}
        if not found:
            raise DataSourceError(f"{root}: no layer files named after registry layers "
                                  f"({', '.join(LAYER_NAMES)})")
        return found, True
    if layer is not None:
        layer_spec(layer)
        return {layer: root}, True
    stem = root.stem
    return {stem: root}, stem in LAYER_NAMES


def _read_small(path: Path, name: str, layer_known: bool, src_crs: object | None,
                report: ValidationReport) -> gpd.GeoDataFrame | None:
    """A small layer, read whole as :func:`kimson_geo.validation` reads it."""
    if path.suffix.lower() == ".parquet":
        import geopandas as gpd

        try:
            frame = gpd.read_parquet(path)
        except (OSError, ValueError) as exc:
            report.unreadable[str(path)] = str(exc)
            return None
        return _finish_frame(frame, name if layer_known else None, str(path), src_crs)
    from .validation import _read_checked

    return _read_checked(path, name if layer_known else None, None, src_crs, report, name)


def _geojson_to_parquet(path: str, out: str, rows: int) -> str:
    """Read a GeoJSON layer (GDAL, as the single-machine engine does) into GeoParquet."""
    import warnings

    import pyogrio

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Could not parse column")
        frame = pyogrio.read_dataframe(path)
    frame.to_parquet(out, index=False, row_group_size=max(1, rows))
    return out


def _structure(path: str, layer: str) -> tuple[list[Issue], bool, str | None]:
    """The raw structure check of a GeoJSON file: issues, readable, first error."""
    from .validation.structure import check_file

    issues, document = check_file(path, layer=layer)
    first = next((i for i in issues if i.severity == "error"), None)
    return issues, document is not None and first is None, first.message if first else None


@contextmanager
def _client(scheduler: Any) -> Iterator[Any]:
    import logging

    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler  # a Client the caller manages
        return
    if scheduler is not None:
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


# -------------------------------------------------------------------------------- API

def validate_dask(
    source: str | os.PathLike[str] | None = None,
    *,
    layer: str | None = None,
    src_crs: object | None = None,
    scheduler: Any = None,
    npartitions: int | None = None,
) -> ValidationReport:
    """Validate an inventory on a dask.distributed cluster; the same issues as
    :func:`kimson_geo.validation`.

    Parameters
    ----------
    source
        A folder of layer files (GeoParquet ``<layer>.parquet`` preferred, else the files
        :func:`kimson_geo.validation` reads), or a single file; None for the bundled data.
    layer
        Registry layer a single file holds, or the only layer of a folder to check.
    src_crs
        CRS of the source coordinates when the files do not say it.
    scheduler
        Address of a running scheduler (``tcp://host:8786``) or a ``distributed.Client``;
        None starts a LocalCluster of 2 worker processes for the call.
    npartitions
        Partitions of each line layer (default: one per Parquet row group, or one per
        100,000 features of a converted GeoJSON file).

    Returns
    -------
    ValidationReport
        Issues sorted by rule, layer, feature, field and message, and the claims.

    Raises
    ------
    ScaleError
        When dask, dask.distributed or dask-geopandas is not installed.
    DataSourceError
        When ``source`` does not exist or holds no layer file.
    """
    _require_dask()
    from .paths import bundled_data_dir
    from .validation.report import ValidationReport

    root = Path(source) if source is not None else bundled_data_dir()
    if not root.exists():
        raise DataSourceError(f"{root}: no such file or folder")
    files, layer_known = _sources(root, layer)
    report = ValidationReport(source=str(root))
    claim_sources: dict[str, Any] = {}
    with _client(scheduler) as client, tempfile.TemporaryDirectory(
            prefix="kimson-dask-") as tmp:
        issues = _run(client, files, layer_known, src_crs, npartitions, Path(tmp), report,
                      claim_sources)
        if layer_known and layer is None:
            report.claims = _claims(claim_sources)
    report.issues = sorted(issues, key=_order)
    return report


def _claims(sources: dict[str, Any]) -> list[Any]:
    """The article's claims, measured on the driver from the columns they read.

    Small layers are there whole; of a partitioned layer only the coded, numeric and flag
    columns and the geometry are read back from its GeoParquet (no free text), which is
    what the claims measure.
    """
    import geopandas as gpd

    from .crs import ensure_wgs84
    from .inventory import Inventory
    from .validation.claims import measure_claims

    layers: dict[str, gpd.GeoDataFrame] = {}
    for name, source in sources.items():
        if isinstance(source, gpd.GeoDataFrame):
            layers[name] = source
            continue
        spec = layer_spec(name)
        columns = [f.name for f in spec.fields
                   if f.name == ID or f.codes or f.type in ("int", "float", "bool")]
        present = set(_parquet_columns(source))
        frame = gpd.read_parquet(source, columns=[c for c in columns if c in present]
                                 + ["geometry"])
        layers[name] = ensure_wgs84(frame, source=str(source))
    return measure_claims(Inventory(layers=layers))


def _parquet_columns(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def _order(issue: Issue) -> tuple[Any, ...]:
    return (issue.rule, issue.layer or "", -1 if issue.feature is None else issue.feature,
            issue.field or "", issue.message, issue.line or 0)


def _run(client: Any, files: dict[str, Path], layer_known: bool, src_crs: object | None,
         npartitions: int | None, tmp: Path, report: ValidationReport,
         claim_sources: dict[str, Any]) -> list[Issue]:
    """Every issue; fills ``claim_sources`` with each read layer (frame or GeoParquet)."""
    import dask_geopandas

    from .inventory import Inventory
    from .validation.rules import Context, run_rules

    client.run(_prepare_worker)
    big = {n: p for n, p in files.items() if n in PARTITIONED_LAYERS}
    small = {n: p for n, p in files.items() if n not in big}
    issues: list[Issue] = []
    # raw structure checks and GeoJSON -> GeoParquet conversions run on the workers
    pending: dict[str, tuple[Any, Any]] = {}
    for name, path in big.items():
        if path.suffix.lower() == ".parquet":
            continue
        if path.suffix.lower() not in (".geojson", ".json"):
            raise LayerError(f"{path}: the dask engine reads GeoParquet or GeoJSON line "
                             "layers; convert it first")
        rows = ROWS_PER_PARTITION
        if npartitions:
            import pyogrio

            total = int(pyogrio.read_info(path)["features"])
            rows = max(1, -(-total // npartitions))
        check = client.submit(_structure, str(path), name, pure=False)
        convert = client.submit(_geojson_to_parquet, str(path), str(tmp / f"{name}.parquet"),
                                rows, pure=False)
        pending[name] = (check, convert)

    frames: dict[str, gpd.GeoDataFrame] = {}
    for name, path in small.items():
        frame = _read_small(path, name, layer_known, src_crs, report)
        if frame is not None:
            frames[name] = frame
    boundary = frames.get(BOUNDARY_LAYER)
    boundary_f = client.scatter(boundary, broadcast=True) if boundary is not None else None

    readable: dict[str, Path] = {}
    for name, path in big.items():
        if name in pending:
            check, convert = pending[name]
            raw, ok, first = check.result()
            if src_crs is not None:
                raw = [i for i in raw if i.rule != "position-range"]
            issues.extend(raw)
            if not ok:
                report.unreadable[str(path)] = first or "cannot be parsed"
                convert.cancel()
                continue
            readable[name] = Path(convert.result())
        else:
            readable[name] = path

    driver_frames: dict[str, gpd.GeoDataFrame] = {}
    networks: dict[str, Any] = {}
    for name, parquet in readable.items():
        ddf = dask_geopandas.read_parquet(parquet, split_row_groups=True)
        if npartitions and ddf.npartitions != npartitions:
            ddf = ddf.repartition(npartitions=npartitions)
        parts = client.compute(ddf.to_delayed())
        source = str(big[name])
        states = [client.submit(_check_partition, p, name, layer_known, source, src_crs,
                                boundary_f, k == 0, pure=False)
                  for k, p in enumerate(parts)]
        summaries: list[_PartState] = client.gather(
            [client.submit(_summary, s, pure=False) for s in states])
        del parts
        counts = np.array([s.rows for s in summaries], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        part_offsets = np.concatenate(
            [[0], np.cumsum([len(s.part_owner) for s in summaries])[:-1]])
        for s, off in zip(summaries, offsets, strict=True):
            issues.extend(_shift(i, int(off)) for i in s.issues)

        def near(xy: np.ndarray, distance: float, states: Any = states,
                 part_offsets: Any = part_offsets) -> tuple[np.ndarray, np.ndarray]:
            xy_f = client.scatter(xy, broadcast=True)
            found = client.gather([client.submit(_near, s, xy_f, distance, pure=False)
                                   for s in states])
            index = np.concatenate([h + off for (h, _), off in zip(found, part_offsets,
                                                                   strict=True)])
            geoms = np.concatenate([g for _, g in found]) if found else np.zeros(0, object)
            return index.astype(np.int64), geoms

        driver_frames[name] = frame = _driver_frame(summaries)
        if layer_known:
            dead_end = _true(frame, DEAD_END) if name == ROADS_LAYER else None
            networks[name] = _network(name, summaries, offsets, near, int(counts.sum()),
                                      dead_end)
        client.cancel(states)
        report.layers.append(name)

    # cross-feature rules of the partitioned layers, over what was gathered
    if driver_frames:
        ctx = Context(Inventory(layers=driver_frames), layer_known=layer_known,
                      files={n: big[n] for n in driver_frames})
        for name, net in networks.items():
            _install_network(ctx, name, net)
        issues.extend(run_rules(ctx, only=GATHERED_RULES))
    # the small layers, whole, with every rule
    if frames:
        ctx = Context(Inventory(layers=frames), layer_known=layer_known,
                      files={n: small[n] for n in frames})
        issues.extend(run_rules(ctx))
        report.layers.extend(frames)
    order = {n: k for k, n in enumerate(files)}
    report.layers.sort(key=lambda n: order.get(n, len(order)))
    claim_sources.update(frames)
    claim_sources.update(readable)
    return issues


def _shift(issue: Issue, offset: int) -> Issue:
    from dataclasses import replace

    if issue.feature is None or not offset:
        return issue
    return replace(issue, feature=issue.feature + offset)


def _true(frame: gpd.GeoDataFrame, field: str) -> np.ndarray:
    """Where ``field`` is true, as the topology rules read a flag (missing -> False)."""
    import pandas as pd

    if field not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    series = frame[field]
    if pd.api.types.is_bool_dtype(series):
        return series.fillna(False).to_numpy(dtype=bool)
    return series.map(lambda v: v is True or v is np.True_).to_numpy(dtype=bool)


def _driver_frame(summaries: list[_PartState]) -> gpd.GeoDataFrame:
    """Ids and flags of every feature, with its representative point as the geometry."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    columns = pd.concat([s.columns for s in summaries], ignore_index=True)
    xy = np.concatenate([s.points for s in summaries]) if summaries else np.zeros((0, 2))
    points = np.full(len(xy), None, dtype=object)
    ok = ~np.isnan(xy).any(axis=1)
    points[ok] = shapely.points(xy[ok])
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(points, crs=WGS84), crs=WGS84)
