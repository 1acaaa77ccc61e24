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
                 report: ValidationReport) -> ValidationReport:
    from .rules import Context, check

    ctx = Context(inv.layers, layer_known=layer_known, files=files)
    return check(ctx, report=report)


def validate_inventory(inv: Inventory) -> ValidationReport:
    """Validate an inventory already in memory (every rule but the raw-file structure checks)."""
    from .claims import measure_claims

    report = ValidationReport(claims=measure_claims(inv),
                              source=str(inv.source) if inv.source else None,
                              layers=list(inv.layers))
    return _check_rules(inv, layer_known=True, files=dict(inv.files), report=report)


def _read_checked(
    path: Path, layer: str | None, source_layer: str | None, src_crs: object | None,
    report: ValidationReport, key: str,
) -> gpd.GeoDataFrame | None:
    """Structure-check a raw GeoJSON file, then read it with GDAL; record what cannot be read."""
    from ..io.read import read_layer

    if path.suffix.lower() in _RAW_JSON_SUFFIXES and source_layer is None:
        from .structure import PARSE_RULES, check_file

        # with --src-crs the coordinates are projected on purpose: no WGS 84 range check
        issues, _ = check_file(path, layer=key, wgs84=src_crs is None)
        report.extend(issues)
        first = next((i for i in issues if i.severity == "error"), None)
        if first is not None:
            if first.rule in PARSE_RULES:
                report.unreadable[str(path)] = first.message
            return None  # reported; GDAL would read it only partly or wrongly
    try:
        return read_layer(path, layer, source_layer=source_layer, src_crs=src_crs)
    except (DataSourceError, CRSError) as exc:
        _unreadable(path, exc, report, key)
        return None


def _unreadable(path: Path, exc: Exception, report: ValidationReport, key: str) -> None:
    """Record a file that cannot be read."""
    report.unreadable[str(path)] = str(exc)
    report.add(Issue("unreadable", "error", str(exc), layer=key))
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
    _check_rules(inv, layer_known=layer_known, files=files, report=report)
    if layer_known and layer is None:
        from .claims import measure_claims

        report.claims = measure_claims(inv)
    return report
