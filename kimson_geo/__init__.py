"""kimson_geo: the infrastructure of phường Kim Sơn (Đông Triều, Quảng Ninh) as map layers.

Load the layers, validate them, render interactive maps, query them and export GeoJSON::

    import kimson_geo
    inv = kimson_geo.load()                     # the bundled, schematic inventory
    narrow = inv.query("roads", where="kind == 'main' and width_m < 5")
    inv.export("roads", "roads.geojson")       # RFC 7946

Heavy modules (geopandas, folium) are imported on first use, so ``import kimson_geo`` and
``kimson-geo --help`` stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    CRSError,
    DataSourceError,
    ExportError,
    KimsonGeoError,
    LayerError,
    QueryError,
    SchemaError,
)
from .registry import LAYER_NAMES, LAYERS, METRIC_CRS, WGS84, layer_spec

if TYPE_CHECKING:
    from .document import write_report
    from .intake import ImportResult, import_delivery
    from .inventory import Inventory, from_frames, load
    from .render.map import render_map
    from .validation import ValidationReport, validate

__version__ = "0.1.0"

__all__ = ["CRSError", "DataSourceError", "ExportError", "ImportResult", "Inventory",
           "KimsonGeoError", "LAYERS", "LAYER_NAMES", "LayerError", "METRIC_CRS", "QueryError",
           "SchemaError", "ValidationReport", "WGS84", "from_frames", "import_delivery",
           "layer_spec", "load", "render_map", "validate", "write_report", "__version__"]

_LAZY = {"Inventory": ".inventory", "load": ".inventory", "from_frames": ".inventory",
         "validate": ".validation", "ValidationReport": ".validation",
         "render_map": ".render.map", "import_delivery": ".intake", "ImportResult": ".intake",
         "write_report": ".document.render"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        globals()[name] = value = getattr(import_module(_LAZY[name], __name__), name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
