"""AutoCAD drawings (DXF) through GDAL's DXF driver: one table per CAD layer.

Lines, polylines and points become features of the CAD layer they are drawn on.  TEXT and
MTEXT entities are labels: each is joined to the nearest line (or point) within
:data:`TEXT_TOLERANCE_M` metres, a number (``B=5,5m``) as the width and anything else as the
name; a label farther than that from every feature is reported, never guessed.  Drawings
of AutoCAD 2007 and later are UTF-8 whatever ``$DWGCODEPAGE`` says; older ones are decoded
by their code page and repaired by :mod:`.encoding` (TCVN3, VNI...).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..registry import NAME, WIDTH
from .dictionary import Dictionary
from .encoding import repair_frame_text
from .place import settle_crs
from .readers import decoded_note, gdal_frame
from .source_table import Rejected, SourceTable
from .values import parse_number

__all__ = ["read_dxf", "TEXT_TOLERANCE_M"]

#: a label farther than this from every line of its drawing is not joined to any
TEXT_TOLERANCE_M = 10.0
_LAYER, _TEXT, _HANDLE = "Layer", "Text", "EntityHandle"
_DRAWING_COLUMNS = ("PaperSpace", "SubClasses", "Linetype", "ExtendedEntity", "RawCodeValues")
#: AutoCAD 2007 (AC1021) and later write DXF text as UTF-8
_UTF8_VERSION = 1021
_ACADVER = re.compile(rb"\$ACADVER\s*\r?\n\s*1\s*\r?\n\s*AC(\d{4})")


def _utf8_drawing(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(16384)
    match = _ACADVER.search(head)
    return bool(match and int(match.group(1)) >= _UTF8_VERSION)


def _read_drawing(path: Path) -> pd.DataFrame:
    """The drawing through GDAL, a UTF-8 one read as UTF-8: GDAL's DXF driver decodes by
    ``$DWGCODEPAGE`` whatever the version (pyogrio's ``encoding`` does not reach it), so
    its ``DXF_ENCODING`` option is set for the read and put back after."""
    import pyogrio

    if not _utf8_drawing(path):
        return gdal_frame(path)
    before = pyogrio.get_gdal_config_option("DXF_ENCODING")
    pyogrio.set_gdal_config_options({"DXF_ENCODING": "UTF-8"})
    try:
        return gdal_frame(path)
    finally:
        pyogrio.set_gdal_config_options({"DXF_ENCODING": before})


def _join_labels(shapes: pd.DataFrame, labels: pd.DataFrame, label: str
                 ) -> tuple[pd.DataFrame, list[Rejected]]:
    """Each label's text onto its nearest shape within the tolerance."""
    import shapely

    shapes = shapes.copy()
    rejected = []
    if labels.empty or shapes.empty:
        rejected = [Rejected(label, int(r), f"label {t!r} has no line or point to belong to")
                    for r, t in zip(labels["record"], labels[_TEXT], strict=True)]
        return shapes, rejected
    tree = shapely.STRtree(shapes.geometry.to_numpy())
    pairs, dist = tree.query_nearest(labels.geometry.to_numpy(), return_distance=True,
                                     max_distance=TEXT_TOLERANCE_M, all_matches=False)
    joined: dict[int, dict[str, str]] = {}
    seen = set()
    for (li, si), _d in zip(pairs.T, dist, strict=True):
        seen.add(int(li))
        text = str(labels[_TEXT].iloc[li]).strip()
        width, _ = parse_number(text)
        key = WIDTH if width is not None else NAME
        joined.setdefault(int(si), {}).setdefault(key, text)
    for li in range(len(labels)):
        if li not in seen:
            rejected.append(Rejected(label, int(labels["record"].iloc[li]),
                                     f"label {str(labels[_TEXT].iloc[li])!r} is farther than "
                                     f"{TEXT_TOLERANCE_M:g} m from every line and point"))
    for key in (NAME, WIDTH):
        values = [joined.get(i, {}).get(key) for i in range(len(shapes))]
        if any(v is not None for v in values):
            shapes[key] = pd.Series(values, index=shapes.index, dtype=object)
    return shapes, rejected


def read_dxf(path: Path, dictionary: Dictionary, *, src_crs: object | None = None,
             label: str | None = None) -> list[SourceTable]:
    """One :class:`SourceTable` per CAD layer that holds lines, areas or points."""
    import geopandas as gpd

    label = label or path.name
    frame = _read_drawing(path)
    frame, encoding = repair_frame_text(frame)
    frame = frame.drop(columns=[c for c in _DRAWING_COLUMNS if c in frame.columns])
    frame["record"] = np.arange(1, len(frame) + 1)
    frame, note = settle_crs(frame, dictionary, source=str(path), src_crs=src_crs)
    is_label = frame[_TEXT].notna().to_numpy() if _TEXT in frame.columns \
        else np.zeros(len(frame), dtype=bool)
    tables = []
    for cad_layer in sorted(frame[_LAYER].dropna().unique(), key=str):
        mine = (frame[_LAYER] == cad_layer).to_numpy()
        shapes = frame[mine & ~is_label]
        if shapes.empty:
            continue
        # labels on this CAD layer, or on a text layer named after it (GIAO_THONG_TEXT)
        text_layers = {cad_layer} | {n for n in frame[_LAYER].dropna().unique()
                                     if str(n).startswith(f"{cad_layer}_")
                                     and not (frame[_LAYER] == n).to_numpy()[~is_label].any()}
        labels = frame[frame[_LAYER].isin(text_layers).to_numpy() & is_label]
        shapes, rejected = _join_labels(shapes.drop(columns=[_TEXT], errors="ignore"),
                                        labels, f"{label}:{cad_layer}")
        records = shapes["record"].to_numpy()
        shapes = shapes.drop(columns=[_LAYER, "record"]).rename(columns={_HANDLE: "id"})
        tables.append(SourceTable(
            label=f"{label}:{cad_layer}", path=path,
            frame=gpd.GeoDataFrame(shapes.reset_index(drop=True), geometry="geometry",
                                   crs=frame.crs),
            records=records, names=(str(cad_layer),), part=f"CAD layer {cad_layer!r}",
            crs_note=note, encoding=encoding, rejected=rejected,
            notes=[decoded_note(f"{label}:{cad_layer}", encoding)] if encoding else []))
    return tables
