"""Writing an imported inventory: a folder of ``LAYER.geojson`` files, or one GeoPackage.

Both are atomic as a whole.  A folder is written complete into a temporary folder beside
it and then moved into place (file by file with ``os.replace`` when the folder exists, so
other files in it stay); a GeoPackage is written complete under a temporary name and
renamed (:func:`kimson_geo.io.write.atomic_path`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ExportError
from ..io.write import atomic_path, write_layer
from ..registry import layer_spec

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
            with atomic_path(target) as tmp, warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=RuntimeWarning, module="pyogrio")
                for name, frame in layers.items():
                    pyogrio.write_dataframe(_gpkg_ready(frame), tmp, layer=name, driver="GPKG")
        except (OSError, ValueError, TypeError) as exc:
            raise ExportError(f"{target}: cannot write: {exc}") from exc
        return [target]
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target}: exists and is not a folder; give a folder or a .gpkg")
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:
        for name, frame in layers.items():
            write_layer(frame, staging / layer_spec(name).file_name, layer_name=name)
        if not target.exists():
            os.replace(staging, target)
        else:
            for name in layers:
                file_name = layer_spec(name).file_name
                os.replace(staging / file_name, target / file_name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [target / layer_spec(name).file_name for name in layers]
