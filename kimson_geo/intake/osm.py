"""OpenStreetMap extracts (``.osm``, ``.osm.pbf``) through GDAL's OSM driver.

GDAL gives points, lines and areas with a few tags as columns and the rest in
``other_tags`` (``"surface"=>"concrete","width"=>"5"``); every tag becomes a column here,
and the dictionary's ``[osm] rules`` send each feature to the layer of the first tag that
matches (``highway`` → roads, ``waterway=ditch`` → drainage as a ditch...).  The tags then
map like any source field: ``highway`` → kind, ``surface``, ``width``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..registry import WGS84
from .dictionary import Dictionary
from .readers import gdal_frame
from .source_table import SourceTable

__all__ = ["read_osm", "parse_other_tags"]

_OSM_LAYERS = ("points", "lines", "multipolygons")
_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


def parse_other_tags(text: object) -> dict[str, str]:
    """GDAL's ``other_tags`` (an hstore string) as a dict.

    Examples
    --------
    >>> parse_other_tags('"surface"=>"concrete","width"=>"5"')
    {'surface': 'concrete', 'width': '5'}
    """
    if not isinstance(text, str):
        return {}
    return {k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _PAIR.findall(text)}


def read_osm(path: Path, dictionary: Dictionary, *, label: str | None = None
             ) -> list[SourceTable]:
    """One :class:`SourceTable` per (OSM geometry layer, tag rule) that matches features."""
    import geopandas as gpd

    label = label or path.name
    tables = []
    for osm_layer in _OSM_LAYERS:
        frame = gdal_frame(path, osm_layer)
        if frame.empty:
            continue
        if "other_tags" in frame.columns:
            tags = pd.DataFrame.from_records([parse_other_tags(t) for t in frame["other_tags"]],
                                             index=frame.index)
            frame = frame.drop(columns=["other_tags"])
            for column in tags.columns:
                if column not in frame.columns:
                    frame[column] = tags[column].astype(object).where(tags[column].notna(),
                                                                      None)
        frame = frame.drop(columns=[c for c in ("z_order",) if c in frame.columns])
        taken = np.zeros(len(frame), dtype=bool)
        for rule in dictionary.osm_rules:
            key, _, value = str(rule["tag"]).partition("=")
            if key not in frame.columns:
                continue
            hit = frame[key].notna().to_numpy(dtype=bool) if not value \
                else (frame[key] == value).to_numpy(dtype=bool)
            hit = hit & ~taken
            if not hit.any():
                continue
            taken |= hit
            part = frame[hit].reset_index(drop=True)
            defaults = {k: v for k, v in rule.items() if k not in ("tag", "layer")}
            tables.append(SourceTable(
                label=f"{label}:{osm_layer}:{rule['tag']}", path=path,
                frame=gpd.GeoDataFrame(part, geometry="geometry", crs=WGS84),
                records=np.asarray(part["osm_id"], dtype=object) if "osm_id" in part
                else np.arange(1, len(part) + 1),
                names=(str(rule["layer"]),), part=f"OSM {osm_layer} tagged {rule['tag']}",
                crs_note=f"{WGS84} (OpenStreetMap)", layer=str(rule["layer"]),
                defaults=defaults))
    return tables
