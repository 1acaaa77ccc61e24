"""Repaired copies of layers: valid geometry, NFC text, RFC 7946 orientation and rounding."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import shapely

from ..errors import ExportError

if TYPE_CHECKING:
    from ..inventory import Inventory

__all__ = ["write_fixed"]


def write_fixed(inv: Inventory, out: str | os.PathLike[str]) -> list[Path]:
    """Write a repaired GeoJSON copy of every layer of ``inv`` into the folder ``out``.

    Invalid geometries go through ``shapely.make_valid`` (keeping the layer's geometry
    family), text is NFC (done on load), and the GeoJSON writer orients rings
    counter-clockwise and rounds coordinates to 7 decimals.  The inputs are never touched:
    ``out`` may not be a folder any input file lives in, and a link (or anything but a
    regular file) already at one of the output names is refused.  The files are written as
    one set: all of them, or (on any error) none.
    """
    from ..io.write import write_layers

    target = Path(out)
    sources = {Path(p).resolve().parent for p in inv.files.values()}
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target}: --fix needs a folder, not a file")
    if target.resolve() in sources:
        raise ExportError(f"{target}: is where the input lives; --fix never writes over input")
    fixed_layers = {}
    for name, frame in inv.layers.items():
        geoms = frame.geometry.to_numpy()
        invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
        if invalid.any():
            repaired = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
            families = shapely.get_type_id(geoms[invalid])
            # keep only the parts of the original dimension (a polygon stays areal)
            repaired = [_same_dimension(r, t) for r, t in zip(repaired, families, strict=True)]
            geoms = geoms.copy()
            geoms[invalid] = repaired
            frame = frame.set_geometry(geoms, crs=frame.crs)  # (a new frame: inv is untouched)
        fixed_layers[name] = frame
    return write_layers(fixed_layers, target, fmt="geojson")


def _same_dimension(geom, type_id):  # type: ignore[no-untyped-def]
    wanted = {0: 0, 4: 0, 1: 1, 2: 1, 5: 1, 3: 2, 6: 2}.get(int(type_id), 2)
    if geom is None or geom.geom_type != "GeometryCollection":
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == wanted]
    return shapely.union_all(parts) if parts else None
