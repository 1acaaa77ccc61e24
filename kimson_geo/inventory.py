"""The :class:`Inventory`: the ward's layers, loaded, with query, summary and export."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DataSourceError, LayerError
from .registry import LAYER_NAMES, layer_spec

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from .validation.report import ValidationReport

__all__ = ["Inventory", "load"]


@dataclass
class Inventory:
    """The layers of one ward, each a GeoDataFrame in WGS 84, keyed by registry name.

    Examples
    --------
    >>> import kimson_geo
    >>> inv = kimson_geo.load()
    >>> sorted(inv.layers)[:3]
    ['boundary', 'cultural_houses', 'drainage']
    >>> len(inv.query("roads", where="kind == 'main'")) > 0
    True
    """

    layers: dict[str, gpd.GeoDataFrame]
    source: Path | None = None
    #: files the layers were read from, by layer name
    files: dict[str, Path] = field(default_factory=dict)

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        layer_spec(name)
        try:
            return self.layers[name]
        except KeyError:
            raise LayerError(f"layer {name!r} is not in this inventory (it has: "
                             f"{', '.join(self.layers)})") from None

    def __contains__(self, name: object) -> bool:
        return name in self.layers

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self.layers.items())
        return f"Inventory({counts}; source={str(self.source) if self.source else None!r})"

    def query(self, layer: str, *, where: str | None = None, within_khu: str | None = None,
              near: tuple[float, float, float] | None = None,
              bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
        """Features of ``layer`` that meet every filter given.

        See :func:`kimson_geo.query.query` for the filters' meaning.
        """
        from .query import query

        return query(self, layer, where=where, within_khu=within_khu, near=near, bbox=bbox)

    def summary(self) -> dict[str, Any]:
        """Counts, lengths and areas by code; see :func:`kimson_geo.summary.summarize`."""
        from .summary import summarize

        return summarize(self)

    def export(self, layer_or_frame: str | gpd.GeoDataFrame, path: str | os.PathLike[str], *,
               format: str | None = None,  # noqa: A002 - the documented keyword
               crs: object | None = None) -> Path:
        """Write a layer (by name) or a query result to ``path`` atomically.

        The format comes from the suffix (``.geojson``, ``.gpkg``, ``.shp``, ``.csv``,
        ``.kml``) unless ``format`` is given.  GeoJSON follows RFC 7946.
        """
        from .io.write import write_layer

        frame = self[layer_or_frame] if isinstance(layer_or_frame, str) else layer_or_frame
        name = layer_or_frame if isinstance(layer_or_frame, str) else frame.attrs.get("layer")
        return write_layer(frame, path, fmt=format, crs=crs, layer_name=name)

    def validate(self) -> ValidationReport:
        """Validate every layer and the article's claims; see :func:`kimson_geo.validation`."""
        from .validation import validate_inventory

        return validate_inventory(self)

    def to_map(self, **options: Any) -> folium.Map:
        """An interactive folium map of the inventory; see :func:`kimson_geo.render_map`."""
        from .render.map import to_map

        return to_map(self, **options)


def load(path: str | os.PathLike[str] | None = None, *, layer: str | None = None,
         src_crs: object | None = None, rev: int | None = None, as_of: str | None = None
         ) -> Inventory:
    """Load an inventory.

    Parameters
    ----------
    path
        A folder with one file per layer (named after the registry layers: ``roads.geojson``,
        ``khu.shp``...), a GeoPackage whose layers carry registry names, or a single file
        (read as ``layer``, or as the layer its name gives).  None loads the bundled Kim Sơn
        inventory.
    layer
        Read only this registry layer.
    src_crs
        CRS of the source coordinates when the files do not say it (or say it wrongly),
        for example ``"EPSG:5899"`` for VN-2000 survey data.
    rev, as_of
        When ``path`` is a store (see :mod:`kimson_geo.store`): the revision, or the date
        whose last revision, to load (``"ward.gpkg@2"`` says the same); default the latest.

    Returns
    -------
    Inventory
        Layers in WGS 84, text in NFC, attributes typed as the registry says.

    Raises
    ------
    DataSourceError
        If nothing at ``path`` can be read as a layer.
    """
    from .io.read import read_layers
    from .paths import bundled_data_dir
    from .store import parse_ref

    if (ref := parse_ref(path, rev=rev, as_of=as_of)) is not None:  # None for None
        return ref.load(layer=layer)
    if rev is not None or as_of is not None:
        raise DataSourceError(f"{path}: is not a store; a revision or date needs one")

    root = Path(path) if path is not None else bundled_data_dir()
    frames = read_layers(root, layer=layer, src_crs=src_crs)  # in registry order (resolve's)
    files = {name: Path(frame.attrs["source"]) for name, frame in frames.items()}
    return Inventory(layers=frames, source=root, files=files)


def from_frames(frames: Mapping[str, gpd.GeoDataFrame], *, source: Path | None = None) -> Inventory:
    """An :class:`Inventory` from frames already in memory (checked against the registry)."""
    from .crs import ensure_wgs84
    from .io.read import coerce_to_registry
    from .text import normalize_frame_text

    layers = {}
    for name in LAYER_NAMES:
        if name in frames:
            frame = ensure_wgs84(normalize_frame_text(frames[name]), source=name)
            layers[name] = coerce_to_registry(frame, layer_spec(name))
    if unknown := set(frames) - set(layers):
        raise LayerError(f"unknown layer(s): {', '.join(sorted(unknown))}")
    return Inventory(layers=layers, source=source)
