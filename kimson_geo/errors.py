"""The one exceptions module of kimson_geo.

Every error the package raises on purpose derives from :class:`KimsonGeoError`, and each
subclass also inherits the builtin it resembles, so ``except ValueError`` keeps working for
callers that do not know this package.  The CLI turns any of them into one line on stderr
and exit code 2.

Messages name the file, the feature (index and id) and the field where they are known::

    roads.geojson: feature 3 (id 'r-004'): field 'width_m': '5,5' is not a number (use 5.5)
"""

from __future__ import annotations

__all__ = ["KimsonGeoError", "DataSourceError", "LayerError", "SchemaError", "CRSError",
           "QueryError", "ExportError", "StoreError", "DeliveryRefused", "PdfEngineError",
           "OfflineAssetsError", "locate", "KimsonGeoWarning", "DataLossWarning"]


def locate(file: object | None = None, *, feature: int | None = None,
           feature_id: object | None = None, field: str | None = None) -> str:
    """Build the ``file: feature N (id X): field 'f'`` prefix used by every message.

    Examples
    --------
    >>> locate("roads.geojson", feature=3, feature_id="r-004", field="width_m")
    "roads.geojson: feature 3 (id 'r-004'): field 'width_m'"
    """
    parts = [str(file)] if file is not None else []
    if feature is not None:
        parts.append(f"feature {feature}" + (f" (id {feature_id!r})" if feature_id is not None
                                             else ""))
    elif feature_id is not None:
        parts.append(f"feature id {feature_id!r}")
    if field is not None:
        parts.append(f"field {field!r}")
    return ": ".join(parts)


class KimsonGeoError(Exception):
    """Root of every error kimson_geo raises on purpose."""

    #: exit code the CLI uses for this error
    exit_code: int = 2


class DataSourceError(KimsonGeoError, OSError):
    """A file or folder cannot be read as an inventory or a layer."""


class LayerError(KimsonGeoError, KeyError):
    """A layer name is not in the registry or not in the inventory."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class SchemaError(KimsonGeoError, ValueError):
    """A feature's attributes do not fit the layer's schema in the registry."""


class CRSError(KimsonGeoError, ValueError):
    """A coordinate reference system is unknown or does not fit the coordinates."""


class QueryError(KimsonGeoError, ValueError):
    """A query expression or filter is malformed."""


class ExportError(KimsonGeoError, OSError):
    """An export could not be written; no partial file is left behind."""


class PdfEngineError(KimsonGeoError, ImportError):
    """A PDF was asked for but WeasyPrint (or Debian's pango, which it needs) is missing."""


class OfflineAssetsError(ExportError):
    """An offline map was asked for but the map's vendored JavaScript and CSS are not in the
    package (``scripts/vendor_map_assets.sh``), or lack a file the page names."""


class ScaleError(KimsonGeoError, ImportError):
    """dask, dask.distributed or dask-geopandas is not installed (extra ``scale``)."""


class DaskEngineError(KimsonGeoError, RuntimeError):
    """A dask worker failed, or the cluster did not answer in time."""


class StoreError(KimsonGeoError, RuntimeError):
    """A store cannot be opened, is busy, or was written by a newer schema version."""


class DeliveryRefused(StoreError):
    """A delivery has validation errors and was not recorded; ``report`` says why."""

    #: data was read and has errors (the CLI's exit code 1)
    exit_code = 1

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class KimsonGeoWarning(UserWarning):
    """Root of the warnings kimson_geo issues."""


class DataLossWarning(KimsonGeoWarning):
    """An export format cannot hold some values as they are (a Shapefile's 254-byte text)."""
