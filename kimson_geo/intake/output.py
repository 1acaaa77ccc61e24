"""Writing an imported inventory: a folder of ``LAYER.geojson`` files, or one GeoPackage.

Both go through the one atomic write path (:mod:`kimson_geo.io.atomic`): a folder's files
are staged and moved into place as one set (:func:`kimson_geo.io.write.write_layers`), a
GeoPackage is written whole under a staged name and renamed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ExportError
from ..io.atomic import atomic_path
from ..io.write import write_layers

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["write_inventory"]


def _gpkg_ready(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Nullable booleans as plain objects (GDAL's writer takes no pandas NA)."""
    import pandas as pd

    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.BooleanDtype):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def write_inventory(layers: Mapping[str, gpd.GeoDataFrame], out: str | os.PathLike[str]
                    ) -> list[Path]:
    """Write ``layers`` to ``out`` (a folder, or a ``.gpkg``) atomically; the files written."""
    target = Path(out)
    if target.suffix.lower() == ".gpkg":
        import pyogrio

        try:
            with atomic_path(target) as staged, warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=RuntimeWarning, module="pyogrio")
                for name, frame in layers.items():  # every layer into the one staged file
                    pyogrio.write_dataframe(_gpkg_ready(frame), staged, layer=name,
                                            driver="GPKG")
        except (OSError, ValueError, TypeError) as exc:
            raise ExportError(f"{target}: cannot write: {exc}") from exc
        return [target]
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target}: exists and is not a folder; give a folder or a .gpkg")
    return write_layers(layers, target)
