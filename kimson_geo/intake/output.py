"""Writing an imported inventory: a folder of ``LAYER.geojson`` files, or one GeoPackage.

Both go through the one write path (:mod:`kimson_geo.io.write`, atomic by
:mod:`kimson_geo.io.atomic`): a folder's files are staged and moved into place as one set,
a GeoPackage is written whole under a staged name and renamed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ExportError
from ..io.write import write_geopackage, write_layers

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["write_inventory"]


def write_inventory(layers: Mapping[str, gpd.GeoDataFrame], out: str | os.PathLike[str]
                    ) -> list[Path]:
    """Write ``layers`` to ``out`` (a folder, or a ``.gpkg``) atomically; the files written."""
    target = Path(out)
    if target.suffix.lower() == ".gpkg":
        return [write_geopackage(layers, target)]
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target}: exists and is not a folder; give a folder or a .gpkg")
    return write_layers(layers, target)
