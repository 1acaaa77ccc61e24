"""Validation: RFC 7946 structure, attribute schemas, geometry, topology, the ward's rules,
and the article's claims measured from the data.

>>> import kimson_geo
>>> report = kimson_geo.validate()          # the bundled inventory
>>> report.ok, len(report.claims) > 0
(True, True)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, wait
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CRSError, DataSourceError
from ..io import gc_frozen, gc_paused
from .issue import Issue
from .report import ValidationReport

if TYPE_CHECKING:
    import geopandas as gpd

    from ..inventory import Inventory
    from ..io.sources import LayerSource

__all__ = ["validate", "validate_inventory", "validate_and_load", "ValidationReport", "Issue",
           "list_rules"]

#: suffixes of files structure-checked as raw GeoJSON before GDAL reads them
RAW_JSON_SUFFIXES = {".geojson", ".json"}


def list_rules() -> list[dict[str, object]]:
    """Every registered rule: id, severity, family, layers and description."""
    from .rules import RULES, load_rule_modules

    load_rule_modules()
    return [{"id": r.id, "severity": r.severity, "family": r.family, "layers": list(r.layers),
             "description": r.description}
            for r in sorted(RULES.values(), key=lambda r: (_FAMILY_ORDER.get(r.family, 9), r.id))]


_FAMILY_ORDER = {"structure": 0, "attributes": 1, "geometry": 2, "topology": 3, "ward": 4}


def validate_inventory(inv: Inventory, *, metric: Mapping[str, gpd.GeoSeries] | None = None
                       ) -> ValidationReport:
    """Validate an inventory already in memory (every rule but the raw-file structure checks).

    ``metric`` maps layers to their geometry in EPSG:5899, row for row, where the caller
    has it (an import of VN-2000 metres): the rules measure on it instead of reprojecting.
    """
    from .claims import measure_claims
    from .rules import Context, check

    report = ValidationReport(claims=measure_claims(inv),
                              source=str(inv.source) if inv.source else None,
                              layers=list(inv.layers))
    ctx = Context(inv.layers)
    for name, geometry in (metric or {}).items():
        ctx.set_metric(name, geometry)
    return check(ctx, report=report)


def left_unread(path: Path, first: Issue | None, report: ValidationReport) -> bool:
    """True when a file's structure errors (``first`` is the first of them) leave it unread;
    it is recorded as unreadable, by every engine alike, only when it could not be parsed."""
    from .structure import PARSE_RULES

    if first is None:
        return False
    if first.rule in PARSE_RULES:
        report.unreadable[str(path)] = first.message
    return True


def read_sources(sources: list[LayerSource], layer_known: bool, src_crs: object | None,
                 report: ValidationReport) -> dict[str, gpd.GeoDataFrame]:
    """Every layer structure-checked and read as every command reads it (validate and the
    dask engine's small layers); what cannot be read is recorded in ``report``.  GDAL
    reads in a worker thread (without the GIL) while this one runs the structure checks;
    a layer with structure errors is not used (GDAL would read it only partly or wrongly),
    and text no command can read (a NUL, a lone surrogate, a value over the limit) makes
    its file unreadable here too."""
    from functools import partial

    from ..io.read import TEXT_ENCODING, read_layer
    from .rules import load_rule_modules, warm_up
    from .structure import check_file

    frames: dict[str, gpd.GeoDataFrame] = {}
    reads = _in_background([
        partial(read_layer, src.path, src.layer if layer_known else None,
                source_layer=src.source_layer, src_crs=src_crs) for src in sources])
    try:
        # imports first: Python code that lets GDAL's thread through to its first C call,
        # where a long parse below (one C call that holds the GIL) would stop it
        load_rule_modules()
        checked = []
        for src, read in zip(sources, reads, strict=True):
            issues = []
            if src.path.suffix.lower() in RAW_JSON_SUFFIXES and src.source_layer is None:
                # with --src-crs the coordinates are projected on purpose: no WGS 84 check
                issues = check_file(src.path, layer=src.layer, wgs84=src_crs is None)[0]
            first = next((i for i in issues if i.severity == "error"), None)
            if first is not None:
                read.cancel()  # (when GDAL has not started on it yet)
            checked.append((issues, first))
        if not all(read.done() for read in reads):
            # GDAL is still reading: imports cost less now than once it has a core to itself
            # (on a delivery with no bad code, pandera's import is CPU spent for nothing)
            warm_up()
        for src, read, (issues, first) in zip(sources, reads, checked, strict=True):
            report.extend(issues)
            if left_unread(src.path, first, report):
                continue
            try:
                frame = read.result()
            except (DataSourceError, CRSError) as exc:
                report.unreadable[str(src.path)] = str(exc)
                report.add(Issue("unreadable", "error", str(exc), layer=src.layer))
                continue
            frames[src.layer] = frame
            encoding = frame.attrs.get(TEXT_ENCODING)  # a Shapefile's, when it was guessed
            if encoding is not None and encoding.note:
                report.add(Issue("text-encoding", "warning", encoding.note, layer=src.layer))
        # a file with structure errors GDAL had begun: let it finish before the rules run
        # (the warning filters its read sets are process-wide)
        wait(reads)
    finally:
        for read in reads:  # (interrupted: GDAL stops after the file it is reading)
            read.cancel()
    return frames


def _in_background(jobs: list[Callable[[], Any]]) -> list[Future[Any]]:
    """Run ``jobs`` in turn in a daemon thread (not an executor's: Ctrl-C exits at once
    instead of waiting for GDAL to finish reading a large file); their futures, in order."""
    futures: list[Future[Any]] = [Future() for _ in jobs]

    def work() -> None:
        for future, job in zip(futures, jobs, strict=True):
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as exc:  # handed to the caller by result()
                    future.set_exception(exc)

    threading.Thread(target=work, name="kimson-geo-read", daemon=True).start()
    return futures


def validate(source: str | os.PathLike[str] | Inventory | None = None, *,
             layer: str | None = None, src_crs: object | None = None) -> ValidationReport:
    """Validate an inventory folder, a GeoPackage, a single layer file, or an Inventory.

    Parameters
    ----------
    source
        None for the bundled inventory; a folder of layer files; a GeoPackage with
        registry-named layers; a single file (checked as ``layer`` when given, else only
        for structure and geometry); or an
        :class:`~kimson_geo.inventory.Inventory`.  :func:`kimson_geo.io.sources.resolve`
        says what is there.
    layer
        Only this registry layer (any case); for a single file, the layer it holds.
    src_crs
        CRS of the source coordinates when the files do not say it (e.g. ``EPSG:5899``).

    Returns
    -------
    ValidationReport
        Every issue, the article's claims (for a whole inventory) and a summary.

    Raises
    ------
    DataSourceError
        When nothing at ``source`` can be read as a layer (see
        :func:`~kimson_geo.io.sources.resolve`).
    """
    return validate_and_load(source, layer=layer, src_crs=src_crs)[0]


def validate_and_load(source: str | os.PathLike[str] | Inventory | None = None, *,
                      layer: str | None = None, src_crs: object | None = None
                      ) -> tuple[ValidationReport, Inventory | None]:
    """Validate ``source`` as :func:`validate` does and keep the inventory it read.

    The store's accept uses this to read a delivery once instead of twice (validate, then
    load); the frames are the ones :func:`kimson_geo.load` returns.

    Returns
    -------
    tuple
        The report, and the inventory; None when validation could not read every layer it
        found as a registry layer (a file with structure errors, or a single file whose
        layer it was not told), where :func:`kimson_geo.load` reads differently.
    """
    from ..inventory import Inventory
    from ..io.sources import resolve
    from ..paths import bundled_data_dir
    from ..registry import LAYER_NAMES

    if isinstance(source, Inventory):
        return validate_inventory(source), source
    from ..store import parse_ref

    ref = parse_ref(source) if source is not None else None
    if ref is not None:  # a store (revision): its layers are checked as loaded
        inv = ref.load(layer=layer)
        return validate_inventory(inv), inv
    root = Path(source) if source is not None else bundled_data_dir()
    found = resolve(root, layer, from_name=False)
    report = ValidationReport(source=str(root))
    with ExitStack() as frozen:
        with gc_paused():  # the imports, the parse and the frames: no cycles to look for
            frames = read_sources(list(found), found.known, src_crs, report)
            frozen.enter_context(gc_frozen())  # (before the collector runs again)
        report.layers = list(frames)
        if not frames:
            return report, None
        from .rules import Context, check

        inv = Inventory(layers=frames, source=root, files=found.files)
        check(Context(inv.layers, layer_known=found.known), report=report)
        if found.kind != "file" and layer is None:
            from .claims import measure_claims

            report.claims = measure_claims(inv)
        if not found.known or len(frames) < len(found.layers):
            return report, None
        # as load() returns it: registry order, each layer's file from where it was read
        ordered = {name: frames[name] for name in LAYER_NAMES if name in frames}
        return report, Inventory(layers=ordered, source=root, files={
            name: Path(f.attrs.get("source", root)) for name, f in ordered.items()})
