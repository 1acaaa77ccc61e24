"""Validation: RFC 7946 structure, attribute schemas, geometry, topology, the ward's rules,
and the article's claims measured from the data.

>>> import kimson_geo
>>> report = kimson_geo.validate()          # the bundled inventory
>>> report.ok, len(report.claims) > 0
(True, True)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CRSError, DataSourceError, LayerError
from ..registry import LAYER_NAMES, layer_spec
from .issue import Issue
from .report import ValidationReport

if TYPE_CHECKING:
    import geopandas as gpd

    from ..inventory import Inventory

__all__ = ["validate", "validate_inventory", "ValidationReport", "Issue", "list_rules"]

_RAW_JSON_SUFFIXES = {".geojson", ".json"}


def list_rules() -> list[dict[str, object]]:
    """Every registered rule: id, severity, family, layers and description."""
    from .rules import RULES, load_rule_modules

    load_rule_modules()
    return [
        {"id": r.id, "severity": r.severity, "family": r.family, "layers": list(r.layers),
         "description": r.description}
        for r in sorted(RULES.values(), key=lambda r: (_FAMILY_ORDER.get(r.family, 9), r.id))
    ]


_FAMILY_ORDER = {"structure": 0, "attributes": 1, "geometry": 2, "topology": 3, "ward": 4}


def _check_rules(inv: Inventory, *, layer_known: bool, files: dict[str, Path],
                 pre: list[Issue]) -> list[Issue]:
    from .rules import Context, run_rules

    ctx = Context(inv, layer_known=layer_known, files=files)
    return pre + list(run_rules(ctx))


def validate_inventory(inv: Inventory) -> ValidationReport:
    """Validate an inventory already in memory (every rule but the raw-file structure checks)."""
    from .claims import measure_claims

    issues = _check_rules(inv, layer_known=True, files=dict(inv.files), pre=[])
    return ValidationReport(
        issues=issues, claims=measure_claims(inv),
        source=str(inv.source) if inv.source else None, layers=list(inv.layers),
    )


def _read_checked(
    path: Path, layer: str | None, source_layer: str | None, src_crs: object | None,
    report: ValidationReport, key: str,
) -> gpd.GeoDataFrame | None:
    """Structure-check a raw GeoJSON file, then read it; record what cannot be read."""
    from ..io.read import read_layer

    document: object | None = None
    if path.suffix.lower() in _RAW_JSON_SUFFIXES:
        if source_layer is None:
            chunked = _read_chunked(path, layer, src_crs, report, key)
            if chunked is not _WHOLE_FILE:
                return chunked  # type: ignore[return-value]
        from .structure import check_file

        # with --src-crs the coordinates are projected on purpose: no WGS 84 range check
        raw_issues, document = check_file(path, layer=key, wgs84=src_crs is None)
        report.issues.extend(raw_issues)
        if document is None:
            first = next((i for i in raw_issues if i.severity == "error"), None)
            report.unreadable[str(path)] = first.message if first else "cannot be parsed"
            return None
        if any(i.severity == "error" for i in raw_issues):
            return None  # reported; GDAL would read it only partly or wrongly
    try:
        if document is not None and source_layer is None:
            # parse once: build the frame from the document the structure check parsed
            from ..io.read import read_geojson_document

            frame = read_geojson_document(document, path, layer, src_crs=src_crs)
            del document
            if frame is not None:
                return frame
        return read_layer(path, layer, source_layer=source_layer, src_crs=src_crs)
    except (DataSourceError, CRSError) as exc:
        _unreadable(path, exc, report, key)
        return None


#: :func:`_read_chunked` could not tell: check and read the file whole
_WHOLE_FILE = object()


def _read_chunked(path: Path, layer: str | None, src_crs: object | None,
                  report: ValidationReport, key: str) -> object:
    """A large FeatureCollection file checked and read in chunks (the peak memory is one
    chunk's parsed document, not the whole file's), as :func:`_read_checked` would check
    and read it whole.

    Returns the frame (None when it cannot be read), or :data:`_WHOLE_FILE` when the file
    is small, not a FeatureCollection, or has a structure problem anywhere, so that the
    whole-file check reports it with its line.
    """
    from ..io.read import read_geojson_chunks, read_layer
    from .structure import ChunkFallback, open_feature_chunks

    chunks = open_feature_chunks(path, wgs84=src_crs is None)
    if chunks is None:
        return _WHOLE_FILE
    try:
        with chunks:
            frame = read_geojson_chunks(chunks.collection, chunks, path, layer,
                                        src_crs=src_crs)
        if frame is None:  # clean, but GDAL reads it (as the whole-file path would)
            frame = read_layer(path, layer, src_crs=src_crs)
    except ChunkFallback:
        return _WHOLE_FILE
    except (DataSourceError, CRSError) as exc:
        _unreadable(path, exc, report, key)
        return None
    return frame


def _unreadable(path: Path, exc: Exception, report: ValidationReport, key: str) -> None:
    """Record a file that cannot be read."""
    report.unreadable[str(path)] = str(exc)
    report.issues.append(Issue("unreadable", "error", str(exc), layer=key))
    return None


def validate(
    source: str | os.PathLike[str] | Inventory | None = None,
    *,
    layer: str | None = None,
    src_crs: object | None = None,
) -> ValidationReport:
    """Validate an inventory folder, a GeoPackage, a single layer file, or an Inventory.

    Parameters
    ----------
    source
        None for the bundled inventory; a folder of layer files; a GeoPackage with
        registry-named layers; a single file (checked as ``layer`` when given, else only
        for structure and geometry); or an :class:`~kimson_geo.inventory.Inventory`.
    layer
        Registry layer a single file holds.
    src_crs
        CRS of the source coordinates when the files do not say it (e.g. ``EPSG:5899``).

    Returns
    -------
    ValidationReport
        Every issue, the article's claims (for a whole inventory) and a summary.

    Raises
    ------
    DataSourceError
        When ``source`` does not exist.
    """
    from ..inventory import Inventory
    from ..io.read import _source_layers, find_layer_files
    from ..paths import bundled_data_dir

    if isinstance(source, Inventory):
        return validate_inventory(source)
    from ..store import parse_ref

    ref = parse_ref(source) if source is not None else None
    if ref is not None:  # a store (revision): its layers are checked as loaded
        return validate_inventory(ref.load(layer=layer))
    root = Path(source) if source is not None else bundled_data_dir()
    if not root.exists():
        raise DataSourceError(f"{root}: no such file or folder")
    if layer is not None:
        layer_spec(layer)
    report = ValidationReport(source=str(root))
    frames: dict[str, gpd.GeoDataFrame] = {}
    files: dict[str, Path] = {}
    layer_known = True
    if root.is_dir():
        found = find_layer_files(root)
        if layer is not None:
            found = {layer: found[layer]} if layer in found else {}
        if not found:
            raise DataSourceError(f"{root}: no layer files named after registry layers "
                                  f"({', '.join(LAYER_NAMES)})")
        for name, path in found.items():
            frame = _read_checked(path, name, None, src_crs, report, name)
            files[name] = path
            if frame is not None:
                frames[name] = frame
    elif root.suffix.lower() in {".gpkg", ".sqlite"}:
        inner = [n for n in _source_layers(root) if n in LAYER_NAMES
                 and (layer is None or n == layer)]
        if not inner:
            raise LayerError(f"{root}: holds no layer named after a registry layer")
        for name in inner:
            frame = _read_checked(root, name, name, src_crs, report, name)
            files[name] = root
            if frame is not None:
                frames[name] = frame
    else:
        layer_known = layer is not None
        key = layer if layer is not None else root.stem
        frame = _read_checked(root, layer, None, src_crs, report, key)
        files[key] = root
        if frame is not None:
            frames[key] = frame
    report.layers = list(frames)
    if not frames:
        return report
    inv = Inventory(layers=frames, source=root, files=files)
    report.issues = _check_rules(inv, layer_known=layer_known, files=files, pre=report.issues)
    if layer_known and layer is None:
        from .claims import measure_claims

        report.claims = measure_claims(inv)
    return report
