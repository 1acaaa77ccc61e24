"""The unit every delivery reader hands to the import: one table of one source.

A Shapefile is one table; a GeoPackage one per layer; a spreadsheet one per sheet; a DXF
drawing one per CAD layer; a KML one per folder; an OSM extract one per tag rule.  Each
table carries its features (geometry and source columns, CRS settled, text in NFC), the
names its layer may be guessed from, and what it says about where each row came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np

__all__ = ["SourceTable", "Rejected"]


@dataclass(frozen=True)
class Rejected:
    """A source record that cannot be imported, and why."""

    source: str
    record: int
    reason: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class SourceTable:
    """One table of a delivery, ready to be mapped onto a registry layer.

    Parameters
    ----------
    label
        Stable name of the table: the file name, with ``:sheet``, ``:CAD layer`` or
        ``:folder`` for one part of a file (the key of ``[sources]`` in a mapping).
    path
        The file it was read from.
    frame
        The rows: source columns and a geometry, in the CRS given by ``crs_note``.
    records
        1-based record number of each row in its source (for ids and provenance).
    names
        Names the layer may be guessed from, most telling first (CAD layer, sheet, stem).
    part
        What ``label`` adds to the file name, in words (``sheet 'NVH'``), or None.
    crs_note
        Where the CRS came from (named by the file, ``--src-crs``, or what was assumed).
    encoding
        The text encoding the source was decoded from, when it was not UTF-8.
    layer
        The registry layer when the reader knows it (OpenStreetMap tag rules).
    defaults
        Field values every row of the table gets (a CAD layer ``DUONG_BTXM``: concrete).
    rejected
        Records the reader could not turn into features.
    """

    label: str
    path: Path
    frame: gpd.GeoDataFrame
    records: np.ndarray
    names: tuple[str, ...]
    part: str | None = None
    crs_note: str = ""
    encoding: str | None = None
    layer: str | None = None
    defaults: Mapping[str, object] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
