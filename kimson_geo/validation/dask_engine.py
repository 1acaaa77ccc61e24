"""Validation past one machine: dask-geopandas partitions on a dask.distributed cluster.

:func:`validate_dask` gives the same findings as :func:`kimson_geo.validation.validate`
(same rules, messages, feature indices, ids and locations), computed this way:

* the line layers (roads, drainage) are read as GeoParquet partitions (one per row group;
  a GeoJSON file is first structure-checked and converted to GeoParquet by a worker);
* every per-feature rule runs on each partition on the workers, with the partition's rows
  offset to positions in the layer; the ward boundary is broadcast for ``outside-ward``;
* the network rules and ``unique-id`` run on the driver over what they need: ids, flags,
  the end points of every line part (:func:`~kimson_geo.validation.network.network_from_ends`)
  and, on demand, the parts near given points, which the workers find in their partitions;
* the other layers are small: read whole and checked on the driver with every rule.

Only regular files are handed to the workers (a FIFO or a device would hang them), every
wait on the cluster has a timeout, and a worker's failure is one error line.  dask is an
optional dependency (``pip install 'kimson-geo[scale]'``), imported inside the functions.

Examples
--------
>>> from kimson_geo.validation.dask_engine import validate_dask
>>> report = validate_dask("synth/parquet")                         # doctest: +SKIP
>>> report = validate_dask("survey/", scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DaskEngineError, KimsonGeoError, LayerError, ScaleError
from ..registry import (
    BOUNDARY_LAYER,
    DEAD_END,
    DRAINAGE_LAYER,
    ID,
    OUTFALL,
    ROADS_LAYER,
    WARD_RULES,
    WGS84,
    layer_spec,
)
from .issue import Findings, Issue
from .network import PartIndex, end_points, line_parts, network_from_ends, set_layer_network

if TYPE_CHECKING:
    import geopandas as gpd

    from ..io.sources import LayerSource
    from .report import ValidationReport

__all__ = ["validate_dask", "PARTITIONED_LAYERS", "GATHERED_RULES", "TIMEOUT_S"]

#: Layers validated partition by partition; every other layer is small and read whole.
PARTITIONED_LAYERS: tuple[str, ...] = (ROADS_LAYER, DRAINAGE_LAYER)
#: Rules that read more than one feature of a partitioned layer: run on the driver.
GATHERED_RULES: tuple[str, ...] = ("unique-id", "road-dangle", "road-undernoded",
                                   "road-isolated", "drainage-no-outfall")
#: Rows per partition when a GeoJSON file is converted to GeoParquet.
ROWS_PER_PARTITION = 100_000
#: Seconds any one wait on the cluster may take (``$KIMSON_GEO_DASK_TIMEOUT``).
TIMEOUT_S = float(os.environ.get("KIMSON_GEO_DASK_TIMEOUT", "900"))


@dataclass
class _PartState:
    """What a worker keeps of one partition: findings, small columns and line parts."""

    found: list[Findings | Issue]
    columns: Any             # pandas DataFrame: id and the flags the network rules read (per row)
    points: np.ndarray       # the point each finding is shown at, per feature (lon, lat)
    part_owner: np.ndarray   # local feature of each line part
    start_xy: np.ndarray     # metric first vertex of each part
    end_xy: np.ndarray       # metric last vertex of each part
    index: Any               # PartIndex of the line parts (None in a summary)


def _finish_frame(frame: gpd.GeoDataFrame, layer: str | None, source: str,
                  src_crs: object | None) -> gpd.GeoDataFrame:
    """What :func:`kimson_geo.io.read.read_layer` does after reading, on one partition."""
    from ..crs import ensure_wgs84, resolve_crs
    from ..io.read import coerce_to_registry
    from ..text import normalize_frame_text

    frame = normalize_frame_text(frame.reset_index(drop=True))
    frame = ensure_wgs84(frame, resolve_crs(src_crs) if src_crs is not None else None,
                         source=source)
    if layer is not None:
        frame = coerce_to_registry(frame, layer_spec(layer))
        frame.attrs["layer"] = layer
    frame.attrs["source"] = source
    return frame


def _per_feature_rules() -> list[str]:
    from .rules import RULES, load_rule_modules

    load_rule_modules()
    return [r.id for r in RULES.values() if r.func is not None and r.id not in GATHERED_RULES]


def _check_partition(part: gpd.GeoDataFrame, layer: str, layer_known: bool, source: str,
                     src_crs: object | None, boundary: gpd.GeoDataFrame | None,
                     first: bool) -> _PartState:
    """Run every per-feature rule on one partition (rows local to the partition)."""
    from .rules import Context, run_findings

    frame = _finish_frame(part, layer if layer_known else None, source, src_crs)
    layers = {layer: frame}
    if boundary is not None and layer != BOUNDARY_LAYER:
        layers[BOUNDARY_LAYER] = boundary
    ctx = Context(layers, layer_known=layer_known)
    # a layer-wide problem (no feature) is reported by the first partition only
    found = [f for f in run_findings(ctx, only=_per_feature_rules()) if f.layer == layer
             and (first or isinstance(f, Findings) or f.feature is not None)]
    points = ctx.locations(layer, np.arange(len(frame)))
    kept = [c for c in (ID, DEAD_END, OUTFALL) if c in frame.columns]
    parts, owner = line_parts(np.asarray(ctx.metric(layer).array, dtype=object))
    start_xy, end_xy = end_points(parts)
    return _PartState(found, frame[kept].copy(), points, owner, start_xy, end_xy, PartIndex(parts))


def _prepare_worker() -> None:
    """Import the geospatial stack and the rules on a worker before any task reaches it
    (a frame unpickled on the event loop and a task importing geopandas can race)."""
    import geopandas  # noqa: F401
    import pandera.pandas  # noqa: F401
    import pyogrio  # noqa: F401

    _per_feature_rules()


class _Partitions:
    """A :class:`~kimson_geo.validation.network.PartFinder` over the parts the workers
    hold, numbered as the concatenation of the partitions."""

    def __init__(self, client: Any, indices: list[Any], offsets: np.ndarray,
                 what: str) -> None:
        self.client, self.indices, self.offsets, self.what = client, indices, offsets, what

    def pairs_within(self, xy: np.ndarray, distance: float, skip: np.ndarray, *,
                     exact: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not len(xy):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        xy_f = self.client.scatter(xy, broadcast=True, hash=False)
        found = _gather(self.client, [
            self.client.submit(PartIndex.pairs_within, index, xy_f, distance, skip - off,
                               exact=exact, pure=False)
            for index, off in zip(self.indices, self.offsets, strict=True)], self.what)
        point = np.concatenate([p for p, _, _ in found]).astype(np.int64)
        part = np.concatenate([q + off for (_, q, _), off in zip(found, self.offsets,
                                                                 strict=True)]).astype(np.int64)
        return point, part, np.concatenate([d for _, _, d in found])


def _gather(client: Any, futures: list[Any], what: str) -> list[Any]:
    """The futures' results within :data:`TIMEOUT_S`; a failure is one error line."""
    from distributed import wait

    try:
        wait(futures, timeout=TIMEOUT_S)
        return client.gather(futures)
    except KimsonGeoError:
        raise
    except TimeoutError as exc:
        raise DaskEngineError(f"{what}: the dask cluster gave no answer within "
                              f"{TIMEOUT_S:g} s") from exc
    except Exception as exc:  # whatever a worker raised, as one line
        text = str(exc).strip().splitlines()
        raise DaskEngineError(f"{what}: a dask worker failed: {type(exc).__name__}"
                              f"{': ' + text[0] if text else ''}") from exc


def _geojson_to_parquet(path: str, out: str, rows: int) -> str:
    """Read a GeoJSON layer with GDAL (as the single-machine engine does) into GeoParquet."""
    import warnings

    import pyogrio

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Could not parse column")
        frame = pyogrio.read_dataframe(path)
    frame.to_parquet(out, index=False, row_group_size=max(1, rows))
    return out


@contextmanager
def _client(scheduler: Any) -> Iterator[Any]:
    import logging

    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler  # a Client the caller manages
        return
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=min(TIMEOUT_S, 60))
        except OSError as exc:
            raise DaskEngineError(f"{scheduler}: cannot reach the dask scheduler: "
                                  f"{str(exc).splitlines()[0]}") from exc
        with client:
            yield client
        return
    # worker logs stay quiet: a failure reaches the user as one line (see _gather)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:
        yield client


def validate_dask(source: str | os.PathLike[str] | None = None, *, layer: str | None = None,
                  src_crs: object | None = None, scheduler: Any = None,
                  npartitions: int | None = None) -> ValidationReport:
    """Validate an inventory on a dask.distributed cluster; the same findings as
    :func:`kimson_geo.validation.validate`.

    Parameters
    ----------
    source
        A folder of layer files (GeoParquet ``<layer>.parquet`` preferred, else the files
        :func:`kimson_geo.validation.validate` reads), or a single file; None for the
        bundled data.
    layer
        Registry layer a single file holds, or the only layer of a folder to check.
    src_crs
        CRS of the source coordinates when the files do not say it (GeoJSON included).
    scheduler
        Address of a running scheduler (``tcp://host:8786``) or a ``distributed.Client``;
        None starts a LocalCluster of 2 worker processes for the call.
    npartitions
        Partitions of each line layer (default: one per Parquet row group, or one per
        100,000 features of a converted GeoJSON file).

    Returns
    -------
    ValidationReport
        Findings in rule order, and the claims.

    Raises
    ------
    ScaleError
        When dask, dask.distributed or dask-geopandas is not installed.
    DataSourceError
        When ``source`` does not exist, is not a regular file or holds no layer file.
    DaskEngineError
        When a worker fails or the cluster does not answer within :data:`TIMEOUT_S`.
    """
    try:
        import dask  # noqa: F401
        import dask_geopandas  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ScaleError(
            f"validation with dask needs dask.distributed and dask-geopandas "
            f"({exc.name or 'dask'} is missing): pip install 'kimson-geo[scale]'") from exc
    from ..io.sources import resolve
    from ..paths import bundled_data_dir
    from .report import ValidationReport

    root = Path(source) if source is not None else bundled_data_dir()
    # what is there, each file checked to be regular, before any worker sees one
    sources = resolve(root, layer, prefer=(".parquet",), from_name=False)
    report = ValidationReport(source=str(root))
    with _client(scheduler) as client, tempfile.TemporaryDirectory(
            prefix="kimson-dask-") as tmp:
        found, frames, readable = _run(client, {s.layer: s for s in sources}, sources.known,
                                       src_crs, npartitions, Path(tmp), report)
        if sources.kind != "file" and layer is None:
            report.claims = _claims(frames, readable, src_crs)
    from .rules import RULES

    order = {rule_id: k for k, rule_id in enumerate(RULES)}
    report.extend(sorted(found, key=lambda i: order.get(i.rule, -1)))  # stable: rule by rule
    return report


def _claims(frames: dict[str, gpd.GeoDataFrame], parquet: dict[str, Path],
            src_crs: object | None) -> list[Any]:
    """The article's claims, measured on the driver from the columns they read (of a
    partitioned layer: its coded, numeric and flag columns and the geometry)."""
    import geopandas as gpd
    import pyarrow.parquet as pq

    from ..inventory import Inventory
    from .claims import measure_claims

    layers = dict(frames)
    for name, source in parquet.items():
        columns = [f.name for f in layer_spec(name).fields
                   if f.name == ID or f.codes or f.type in ("int", "float", "bool")]
        present = set(pq.read_schema(source).names)
        frame = gpd.read_parquet(source, columns=[c for c in columns if c in present]
                                 + ["geometry"])
        layers[name] = _finish_frame(frame, name, str(source), src_crs)
    return measure_claims(Inventory(layers=layers))


def _run(client: Any, sources: dict[str, LayerSource], layer_known: bool, src_crs: object | None,
         npartitions: int | None, tmp: Path, report: ValidationReport
         ) -> tuple[list[Findings | Issue], dict[str, gpd.GeoDataFrame], dict[str, Path]]:
    """Every finding, the small layers read and the GeoParquet of the line layers."""
    import dask_geopandas

    from . import RAW_JSON_SUFFIXES, left_unread, read_sources
    from .rules import Context, run_findings
    from .structure import check_file

    client.run(_prepare_worker)
    found: list[Findings | Issue] = []
    big = {n: s.path for n, s in sources.items() if n in PARTITIONED_LAYERS}
    pending: dict[str, tuple[Any, Any]] = {}
    for name, path in big.items():  # structure checks and conversions on the workers
        if path.suffix.lower() == ".parquet":
            continue
        if path.suffix.lower() not in RAW_JSON_SUFFIXES:
            raise LayerError(f"{path}: the dask engine reads GeoParquet or GeoJSON line "
                             "layers; convert it first")
        rows = ROWS_PER_PARTITION
        if npartitions:
            import pyogrio

            rows = max(1, -(-int(pyogrio.read_info(path)["features"]) // npartitions))
        pending[name] = (
            client.submit(check_file, str(path), layer=name, wgs84=src_crs is None, pure=False),
            client.submit(_geojson_to_parquet, str(path), str(tmp / f"{name}.parquet"), rows,
                          pure=False))

    # the small layers, read (on the driver) as validate reads them
    frames = read_sources([s for n, s in sources.items() if n not in big], layer_known,
                          src_crs, report)
    boundary = frames.get(BOUNDARY_LAYER)
    boundary_f = client.scatter(boundary, broadcast=True) if boundary is not None else None

    readable = dict(big)
    for name, (check, convert) in pending.items():
        raw = _gather(client, [check], str(big[name]))[0][0]
        found.extend(raw)
        if left_unread(big[name], next((i for i in raw if i.severity == "error"), None), report):
            convert.cancel()
            del readable[name]
        else:
            readable[name] = Path(_gather(client, [convert], str(big[name]))[0])

    driver_frames: dict[str, gpd.GeoDataFrame] = {}
    networks: dict[str, Any] = {}
    held: list[Any] = []
    for name, parquet in readable.items():
        source = str(big[name])
        ddf = dask_geopandas.read_parquet(parquet, split_row_groups=True)
        if npartitions and ddf.npartitions != npartitions:
            ddf = ddf.repartition(npartitions=npartitions)
        parts = client.compute(ddf.to_delayed())
        states = [client.submit(_check_partition, p, name, layer_known, source, src_crs,
                                boundary_f, k == 0, pure=False) for k, p in enumerate(parts)]
        try:
            summaries: list[_PartState] = _gather(  # the states without their line parts
                client, [client.submit(replace, s, index=None, pure=False) for s in states],
                source)
        except DaskEngineError:
            raise
        except KimsonGeoError as exc:  # the data cannot be read: as the single machine says
            report.unreadable[source] = str(exc)
            report.add(Issue("unreadable", "error", str(exc), layer=name))
            continue
        del parts
        indices = [client.submit(getattr, s, "index", pure=False) for s in states]
        held.extend(indices)  # (the partitions' line parts, for _Partitions)
        counts = np.array([len(s.columns) for s in summaries], dtype=np.int64)
        offsets = np.cumsum(counts) - counts
        for s, off in zip(summaries, offsets, strict=True):
            found.extend(_shift(f, int(off)) for f in s.found)
        driver_frames[name] = _driver_frame(summaries)
        if layer_known:
            owner = np.concatenate([s.part_owner + off
                                    for s, off in zip(summaries, offsets, strict=True)])
            sizes = np.array([len(s.part_owner) for s in summaries], dtype=np.int64)
            part_offsets = np.cumsum(sizes) - sizes
            networks[name] = network_from_ends(
                owner, np.concatenate([s.start_xy.reshape(-1, 2) for s in summaries]),
                np.concatenate([s.end_xy.reshape(-1, 2) for s in summaries]),
                int(counts.sum()), WARD_RULES.snap_tolerance_m,
                _Partitions(client, indices, part_offsets, source))

    if driver_frames:  # cross-feature rules of the partitioned layers, over what was gathered
        ctx = Context(driver_frames, layer_known=layer_known)
        for name, net in networks.items():
            set_layer_network(ctx, name, net)
        found.extend(run_findings(ctx, only=GATHERED_RULES))
    client.cancel(held)
    if frames:  # the small layers, whole, with every rule
        found.extend(run_findings(Context(frames, layer_known=layer_known)))
    report.layers = [n for n in sources if n in frames or n in driver_frames]
    return found, frames, readable


def _shift(item: Findings | Issue, offset: int) -> Findings | Issue:
    if isinstance(item, Findings):
        return replace(item, rows=item.rows + offset)
    return item if item.feature is None else replace(item, feature=item.feature + offset)


def _driver_frame(summaries: list[_PartState]) -> gpd.GeoDataFrame:
    """Ids and flags of every feature, with the point findings are shown at as geometry."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    columns = pd.concat([s.columns for s in summaries], ignore_index=True)
    xy = np.concatenate([s.points for s in summaries])
    points = shapely.points(xy)
    points[np.isnan(xy).any(axis=1)] = None
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(points, crs=WGS84), crs=WGS84)
