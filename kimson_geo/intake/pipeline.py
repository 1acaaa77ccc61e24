"""``import_delivery``: a survey delivery as it arrives, in; a validated registry inventory out.

Read every file (:mod:`.readers`), guess each table's layer from its names, map fields and
values with the dictionary (:mod:`.mapping`), put the layers together, validate them with
:func:`kimson_geo.validation.validate_inventory`, and write them atomically.  Nothing is
written when nothing could be imported, a file cannot be read or a CRS is ambiguous: those
raise before any write.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataSourceError
from ..registry import ID, LAYER_NAMES, METRIC_CRS, WGS84, layer_spec
from .dictionary import Dictionary, LayerGuess, builtin_dictionary, load_toml
from .mapping import MappedTable, map_table
from .plan import MappingPlan, SourceUse
from .readers import find_delivery_files, read_delivery_file
from .source_table import Rejected, SourceTable

if TYPE_CHECKING:
    import geopandas as gpd

    from ..validation.report import ValidationReport

__all__ = ["ImportResult", "import_delivery", "NothingImported"]


class NothingImported(DataSourceError):
    """A delivery from which not one feature could be imported."""


@dataclass
class ImportResult:
    """What an import did.

    Attributes
    ----------
    layers
        The imported layers, by registry name, in WGS 84.
    plan
        The mapping applied (``plan.to_toml()`` is the ``--dry-run`` output).
    rejected
        Source records that could not be imported, each with its reason.
    report
        The validation of the imported layers.
    written
        The files written (empty on a dry run).
    notes
        What was assumed (CRS, encodings) and what was passed over.
    """

    layers: dict[str, gpd.GeoDataFrame]
    plan: MappingPlan
    rejected: list[Rejected] = field(default_factory=list)
    report: ValidationReport | None = None
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def unmapped(self) -> dict[str, Any]:
        """Source tables, fields and values that could not be mapped."""
        return {"sources": self.plan.unmapped_sources,
                "fields": self.plan.unmapped_fields,
                "values": {layer: {name: {raw: {"count": u.count, "reason": u.reason}
                                          for raw, u in table.items()}
                                   for name, table in fields.items()}
                           for layer, fields in self.plan.unmapped_values.items()}}

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": {name: len(frame) for name, frame in self.layers.items()},
            "mapping": self.plan.to_dict(),
            "unmapped": self.unmapped,
            "rejected": [r.to_dict() for r in self.rejected],
            "notes": list(self.notes),
            "written": [str(p) for p in self.written],
            "validation": self.report.to_dict() if self.report is not None else None,
        }


def _dictionary(mapping: str | os.PathLike[str] | Mapping[str, Any] | None) -> Dictionary:
    base = builtin_dictionary()
    if mapping is None:
        return base
    if isinstance(mapping, Mapping):
        return base.with_mapping(mapping)
    return base.with_mapping(load_toml(mapping), origin=str(mapping))


def _labels(files: list[Path], roots: list[Path]) -> dict[Path, str]:
    """A short stable label per file: its path inside the folder given, else its name."""
    labels = {}
    for path in files:
        label = path.name
        for root in roots:
            if root.is_dir() and path.is_relative_to(root):
                label = path.relative_to(root).as_posix()
                break
        labels[path] = label
    return labels


def _guess(table: SourceTable, dictionary: Dictionary, layer: str | None) -> LayerGuess | None:
    if layer is not None:
        guess = dictionary.layer_for(*table.names)
        defaults = guess.defaults if guess is not None and guess.layer == layer else {}
        return LayerGuess(layer, defaults, how="mapping", matched="--layer")
    mapped = dictionary.layer_for(table.label)
    if mapped is not None and mapped.how == "mapping":
        return mapped
    if table.layer is not None:
        return LayerGuess(table.layer, {}, how="exact", matched="OpenStreetMap tags")
    return dictionary.layer_for(*table.names)


def _merge(parts: list[MappedTable]) -> gpd.GeoDataFrame:
    """One layer from its tables; ids that collide across tables get their table's prefix."""
    import geopandas as gpd
    import pandas as pd

    frames = [p.frame.to_crs(WGS84) if p.frame.crs is not None else p.frame.set_crs(WGS84)
              for p in parts]
    if len(frames) == 1:
        return frames[0]
    ids = pd.concat([f[ID] for f in frames], ignore_index=True)
    if ids.duplicated().any():
        for part, frame in zip(parts, frames, strict=True):
            prefix = frame["source"].iloc[0].split(",")[0] if len(frame) else part.layer
            frame[ID] = prefix + ":" + frame[ID].astype(str)
    merged = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry=merged.geometry.name, crs=WGS84)


def _metric(parts: list[MappedTable], merged: gpd.GeoDataFrame) -> gpd.GeoSeries | None:
    """The geometry of ``merged`` in EPSG:5899 when every table of it came in EPSG:5899
    (Quảng Ninh's VN-2000, the usual delivery): validation measures on it, with no
    reprojection back from WGS 84."""
    import geopandas as gpd
    import numpy as np

    if not all(p.frame.crs is not None and p.frame.crs.equals(METRIC_CRS) for p in parts):
        return None
    geoms = np.concatenate([np.asarray(p.frame.geometry.array, dtype=object) for p in parts])
    return gpd.GeoSeries(geoms, index=merged.index, crs=METRIC_CRS, name=merged.geometry.name)


def import_delivery(sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
                    out: str | os.PathLike[str] | None = None, *,
                    mapping: str | os.PathLike[str] | Mapping[str, Any] | None = None,
                    src_crs: object | None = None, layer: str | None = None, dry_run: bool = False
                    ) -> ImportResult:
    """Import a survey delivery into registry layers, validate them and write them.

    Parameters
    ----------
    sources
        Files and folders of the delivery: Shapefiles, GeoPackages, GeoJSON, KML/KMZ,
        DXF drawings, spreadsheets (``.xlsx``, ``.xls``, ``.ods``, ``.csv``) and
        OpenStreetMap extracts (``.osm``, ``.osm.pbf``).
    out
        A folder (one ``LAYER.geojson`` per layer, as ``data/``) or a ``.gpkg``; None (or a
        dry run) writes nothing.
    mapping
        A mapping file (the TOML of a dry run) or its dict, laid over the built-in dictionary.
    src_crs
        CRS of every source, overriding what the files say or what would be guessed.
    layer
        Import every source table as this registry layer.
    dry_run
        Map and validate, but write nothing.

    Returns
    -------
    ImportResult

    Raises
    ------
    DataSourceError
        A source cannot be read, or nothing can be imported (:class:`NothingImported`).
    CRSError
        A source without a CRS whose coordinates fit none, or more than one, known CRS.
    """
    from ..inventory import Inventory
    from ..validation import validate_inventory

    if isinstance(sources, str | os.PathLike):
        sources = [sources]
    roots = [Path(s) for s in sources]
    if layer is not None:
        layer_spec(layer)
    dictionary = _dictionary(mapping)
    files = find_delivery_files(roots)
    if not files:
        raise NothingImported(f"{', '.join(map(str, roots))}: no delivery files found "
                              "(Shapefile, GeoPackage, GeoJSON, KML/KMZ, DXF, spreadsheet, OSM)")
    labels = _labels(files, roots)
    tables: list[SourceTable] = []
    for path in files:
        pinned = dictionary.source_crs(labels[path]) if src_crs is None else None
        read = read_delivery_file(path, dictionary, src_crs=src_crs or pinned,
                                  label=labels[path])
        if pinned is not None:  # the note names the mapping, not an option never given
            for table in read:
                table.crs_note = table.crs_note.replace("(--src-crs)", "(the mapping)")
        tables.extend(read)
    plan = MappingPlan()
    result = ImportResult(layers={}, plan=plan)
    by_layer: dict[str, list[MappedTable]] = {}
    for table in tables:
        result.rejected.extend(table.rejected)
        result.notes.extend(table.notes)
        guess = _guess(table, dictionary, layer)
        if guess is None:
            plan.sources[table.label] = SourceUse(None, len(table.frame), table.crs_note,
                                                  encoding=table.encoding,
                                                  how="no layer recognised")
            result.rejected.extend(Rejected(table.label, int(r), "no layer recognised in "
                                            f"the names {', '.join(map(repr, table.names))}")
                                   for r in table.records)
            continue
        crs_sure = "assumed" not in table.crs_note
        mapped = map_table(table, guess, dictionary, crs_sure=crs_sure)
        how = {"exact": f"named {guess.matched!r}", "words": f"the name holds {guess.matched!r}",
               "mapping": f"given ({guess.matched})"}.get(guess.how, guess.how)
        pinned = table.frame.crs.to_string() if table.frame.crs is not None and any(
            w in table.crs_note for w in ("assumed", "(--src-crs)", "(the mapping)")) else None
        plan.sources[table.label] = SourceUse(guess.layer, len(mapped.frame), table.crs_note,
                                              pinned, table.encoding, how)
        plan.fields.setdefault(guess.layer, {}).update(mapped.fields)
        plan.add_values(guess.layer, mapped.values)
        result.rejected.extend(mapped.rejected)
        if "assumed" in table.crs_note:
            result.notes.append(f"{table.label}: {table.crs_note}")
        if len(mapped.frame):
            by_layer.setdefault(guess.layer, []).append(mapped)
    if not by_layer:
        reasons = sorted({r.reason for r in result.rejected})[:3]
        raise NothingImported(
            f"{', '.join(map(str, roots))}: nothing could be imported"
            + (f" ({'; '.join(reasons)})" if reasons else "")
            + "; name the layer with --layer or a --mapping file")
    result.layers = {name: _merge(by_layer[name]) for name in LAYER_NAMES if name in by_layer}
    metric = {name: _metric(by_layer[name], frame) for name, frame in result.layers.items()}
    inv = Inventory(layers=dict(result.layers), source=Path(out) if out else None)
    result.report = validate_inventory(inv, metric={k: v for k, v in metric.items()
                                                    if v is not None})
    if out is not None and not dry_run:
        from .output import write_inventory

        result.written = write_inventory(result.layers, out)
    return result
