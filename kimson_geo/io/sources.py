"""What is at PATH: the one answer every reader uses (load, validate, the dask engine).

Layer names are matched in any case (``Roads.geojson``, a GeoPackage layer ``ROADS``); two
sources of one layer are an error naming both, never a silent choice.  Every file is checked
to be a regular file of a sane size before anything opens it: a FIFO would hang a reader and
``/dev/zero`` would fill the memory.

>>> from kimson_geo.paths import bundled_data_dir
>>> found = resolve(bundled_data_dir())
>>> found.known, found.layers[0].layer, found.layers[0].path.name
(True, 'boundary', 'boundary.geojson')
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import DataSourceError
from ..registry import LAYER_NAMES, layer_spec
from ..text import nfc
from .atomic import file_kind

__all__ = ["READABLE_SUFFIXES", "MULTI_LAYER_SUFFIXES", "MAX_FILE_BYTES_ENV", "LayerSource",
           "Sources", "resolve", "registry_layer", "check_regular_file", "check_input",
           "list_source_layers", "dxf_layers", "max_file_bytes"]

#: File suffixes looked for in an inventory folder.
READABLE_SUFFIXES: tuple[str, ...] = (
    ".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet", ".csv", ".kml", ".dxf",
)
#: Files that hold several layers, each named inside the file.
MULTI_LAYER_SUFFIXES: frozenset[str] = frozenset({".gpkg", ".sqlite"})
#: A Shapefile is read with these beside it; each must be a regular file too.
_SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")

#: Environment variable overriding :func:`max_file_bytes`.
MAX_FILE_BYTES_ENV = "KIMSON_GEO_MAX_FILE_BYTES"
#: Files larger than this are refused before reading (16 GiB: far past any ward's data,
#: and past what a GeoDataFrame of it would fit into on most machines).
_DEFAULT_MAX_FILE_BYTES = 16 * 1024**3


@dataclass(frozen=True)
class LayerSource:
    """Where one layer comes from.

    Parameters
    ----------
    layer
        Registry layer name, or the file's stem when the layer is not known.
    path
        The file to read.
    source_layer
        The layer inside ``path`` as the file spells it: a GeoPackage layer, or the CAD
        layer of a DXF drawing; None for single-layer files (and a whole drawing).
    """

    layer: str
    path: Path
    source_layer: str | None = None


@dataclass(frozen=True)
class Sources:
    """The answer of :func:`resolve`: the layers found at ``root``, in registry order.

    ``kind`` says what ``root`` is: a ``"folder"`` of layer files, a ``"multi"``-layer file
    (GeoPackage, or a drawing split by CAD layer), or a single-layer ``"file"``.  ``known``
    is False only for a single file whose layer neither ``--layer`` nor its name gives: it
    can be checked for structure and geometry, not against a layer's schema.
    """

    root: Path
    layers: tuple[LayerSource, ...]
    kind: Literal["folder", "multi", "file"]
    known: bool = True

    def __iter__(self) -> Iterator[LayerSource]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def names(self) -> list[str]:
        """The layer names, in order."""
        return [s.layer for s in self.layers]

    @property
    def files(self) -> dict[str, Path]:
        """Layer name -> file."""
        return {s.layer: s.path for s in self.layers}


_BY_FOLDED = {name.casefold(): name for name in LAYER_NAMES}


def registry_layer(name: object) -> str | None:
    """The registry layer ``name`` spells in any case (NFC), or None.

    Examples
    --------
    >>> registry_layer("Roads"), registry_layer("KHU"), registry_layer("đường")
    ('roads', 'khu', None)
    """
    if not isinstance(name, str):
        return None
    return _BY_FOLDED.get(str(nfc(name)).strip().casefold())


def max_file_bytes() -> int:
    """The largest file read (``$KIMSON_GEO_MAX_FILE_BYTES``, default 16 GiB)."""
    value = os.environ.get(MAX_FILE_BYTES_ENV, "").strip()
    if not value:
        return _DEFAULT_MAX_FILE_BYTES
    try:
        limit = int(value)
    except ValueError:
        raise DataSourceError(f"{MAX_FILE_BYTES_ENV}={value!r} is not a number of bytes") from None
    if limit <= 0:
        raise DataSourceError(f"{MAX_FILE_BYTES_ENV}={value!r} must be a positive number")
    return limit


def check_regular_file(path: Path, *, max_bytes: int | None = None) -> os.stat_result:
    """Refuse anything at ``path`` that is not a regular file of at most ``max_bytes``.

    Only ``os.stat`` looks at it (a FIFO is never opened; a link is followed to what it
    names, so a link to ``/dev/zero`` is a character device).

    Raises
    ------
    DataSourceError
        Missing, not a regular file, or too large.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DataSourceError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise DataSourceError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise DataSourceError(f"{path}: is {file_kind(info.st_mode)}, not a regular file; "
                              "refusing to read it")
    limit = max_file_bytes() if max_bytes is None else max_bytes
    if info.st_size > limit:
        raise DataSourceError(f"{path}: is {info.st_size:,} bytes, over the limit of {limit:,} "
                              f"(raise it with {MAX_FILE_BYTES_ENV})")
    return info


def check_input(path: Path, *, max_bytes: int | None = None) -> None:
    """:func:`check_regular_file` on ``path`` and, for a Shapefile, on its sidecars."""
    check_regular_file(path, max_bytes=max_bytes)
    if path.suffix.lower() == ".shp":  # its sidecars too, in any case of suffix
        for sidecar in sorted(path.parent.iterdir()):
            if sidecar.stem == path.stem and sidecar.suffix.lower() in _SHAPEFILE_SIDECARS:
                check_regular_file(sidecar, max_bytes=max_bytes)


def _one_each(root: Path, sources: list[LayerSource], layer: str | None,
              prefer: tuple[str, ...] = ()) -> list[LayerSource]:
    """``sources`` of ``layer`` (all layers when None) in registry order, one a layer: of
    two, the one with a ``prefer`` suffix, else an error naming both."""
    found = []
    for name in LAYER_NAMES if layer is None else (layer,):
        candidates = [s for s in sources if s.layer == name]
        preferred = [s for s in candidates if s.path.suffix.lower() in prefer]
        if len(candidates) > 1 and len(preferred) != 1:
            inner = candidates[0].source_layer is not None
            both = " and ".join(repr(s.source_layer) if inner else s.path.name for s in candidates)
            raise DataSourceError(f"{root}: {'layers ' if inner else ''}{both} both hold layer "
                                  f"{name!r}; keep one of them")
        found += preferred if len(candidates) > 1 else candidates
    return found


def _folder(root: Path, layer: str | None, prefer: tuple[str, ...]) -> list[LayerSource]:
    found = _one_each(root, [LayerSource(name, e) for e in sorted(root.iterdir())
                             if e.suffix.lower() in READABLE_SUFFIXES and not e.is_dir()
                             and (name := registry_layer(e.stem))], layer, prefer)
    if not found:
        wanted = f"{layer}.geojson" if layer else ", ".join(f"{n}.geojson" for n in LAYER_NAMES[:3])
        raise DataSourceError(
            f"{root}: no layer files found (expected files named after registry layers, "
            f"such as {wanted})"
        )
    return found


def list_source_layers(path: Path) -> list[str]:
    """The layers inside a multi-layer file (GeoPackage), as the file spells them."""
    import pyogrio
    from pyogrio.errors import DataSourceError as OgrSourceError

    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except OgrSourceError as exc:
        reason = " ".join(str(exc).split())
        raise DataSourceError(f"{path}: cannot be read as a vector source: {reason}") from None


def _inner(path: Path, layer: str | None) -> list[LayerSource]:
    """Registry layers among the layers inside ``path``: a GeoPackage's (or, when none
    is named after one, its only layer as ``layer``), or a drawing's CAD layers."""
    dxf = path.suffix.lower() == ".dxf"
    inner = dxf_layers(path) if dxf else list_source_layers(path)
    found = _one_each(path, [LayerSource(name, path, s) for s in inner
                             if (name := registry_layer(s))], layer)
    if found or dxf:
        return found
    if layer is not None and len(inner) == 1:
        return [LayerSource(layer, path, inner[0])]
    raise DataSourceError(
        f"{path}: holds no layer named after a registry layer (found: {', '.join(inner)})"
        + ("" if layer else "; name one with --layer")
    )


def dxf_layers(path: Path) -> list[str]:
    """The CAD layers of a DXF drawing, as the drawing spells them."""
    import pyogrio
    from pyogrio.errors import DataLayerError
    from pyogrio.errors import DataSourceError as OgrSourceError

    try:
        table = pyogrio.read_dataframe(path, columns=["Layer"], read_geometry=False)
    except (OgrSourceError, DataLayerError) as exc:
        reason = " ".join(str(exc).split())
        raise DataSourceError(f"{path}: cannot be read as a drawing: {reason}") from None
    if "Layer" not in table.columns:
        return []
    return sorted({str(nfc(v)) for v in table["Layer"].dropna().unique()})


def resolve(path: str | os.PathLike[str], layer: str | None = None, *, prefer: tuple[str, ...] = (),
            from_name: bool = True, max_bytes: int | None = None) -> Sources:
    """Which registry layer comes from which file (and which layer inside it) at ``path``.

    Parameters
    ----------
    path
        A folder of files named after registry layers (``roads.geojson``, ``Khu.SHP``), a
        GeoPackage whose layers carry registry names, a DXF drawing whose CAD layers do, or
        a single file.
    layer
        Only this registry layer (any case).  For a single file, the layer it holds.
    prefer
        Suffixes (such as ``(".parquet",)``) that win when a folder holds a layer twice;
        without one, two files of one layer are an error naming both.
    from_name
        Whether a single file without ``layer`` is read as the layer its name gives
        (``roads.geojson``: roads).  Validation says False: a file alone is checked only
        for structure and geometry unless ``--layer`` says what it holds.
    max_bytes
        Refuse larger files (default :func:`max_file_bytes`).

    Returns
    -------
    Sources
        The layers in registry order, each with its file and source layer.  A single file
        whose layer is not known from ``layer`` or its name comes back under its stem with
        ``known=False``.

    Raises
    ------
    DataSourceError
        Nothing readable at ``path``; two sources of one layer; a file that is not a
        regular file (FIFO, device, socket) or is too large.
    LayerError
        ``layer`` is not a registry layer.
    """
    root = Path(path)
    if layer is not None:  # as the registry spells it; layer_spec raises, listing the layers
        layer = registry_layer(layer) or layer_spec(layer).name
    prefer = tuple(s.lower() for s in prefer)
    if root.is_dir():  # nothing there: check_input says "no such file or folder"
        found = _folder(root, layer, prefer)
        for source in found:
            check_input(source.path, max_bytes=max_bytes)
        return Sources(root, tuple(found), "folder")
    check_input(root, max_bytes=max_bytes)
    suffix = root.suffix.lower()
    if suffix in MULTI_LAYER_SUFFIXES or suffix == ".dxf":  # a drawing without them: whole
        found = _inner(root, layer)
        if found:
            return Sources(root, tuple(found), "multi")
    name = layer or (registry_layer(root.stem) if from_name else None)
    if name is not None:
        return Sources(root, (LayerSource(name, root),), "file")
    return Sources(root, (LayerSource(str(nfc(root.stem)), root),), "file", known=False)
