"""A dirty roads file for timing validation on a bad day (issue 8): random short
segments, almost all isolated, most with a wrong width or surface for their kind.

    python benchmarks/dirty_roads.py OUT.geojson [N]
"""

from __future__ import annotations

import sys

import geopandas as gpd
import numpy as np
import shapely

from kimson_geo.registry import (
    ID, KIND, NAME, ROADS_LAYER, SURFACE, WIDTH, WGS84, layer_spec,
)


def dirty_roads(n: int, seed: int = 8) -> gpd.GeoDataFrame:
    """``n`` random segments of 20–200 m in the ward's area, most of them at fault."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(106.45, 106.65, n)
    lat = rng.uniform(21.02, 21.18, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    length = rng.uniform(0.0002, 0.002, n)
    coords = np.stack([np.stack([lon, lat], 1),
                       np.stack([lon + length * np.cos(angle), lat + length * np.sin(angle)], 1)],
                      axis=1)
    spec = layer_spec(ROADS_LAYER)
    data = {}
    for field in spec.fields:
        if field.codes:
            data[field.name] = rng.choice(list(field.codes), n)
        elif field.type == "bool":
            data[field.name] = rng.random(n) < 0.5
        elif field.type == "float":
            data[field.name] = rng.uniform(2.0, 8.0, n).round(1)
        else:
            data[field.name] = [f"{field.name}-{i}" for i in range(n)]
    data[ID] = [f"road-{i:07d}" for i in range(n)]
    data[NAME] = [f"Đường {i}" for i in range(n)]
    data[KIND] = rng.choice(["main", "inter_khu", "inter_group", "alley"], n,
                            p=[0.35, 0.3, 0.3, 0.05])
    data[SURFACE] = rng.choice(["concrete", "earth", "gravel"], n, p=[0.2, 0.4, 0.4])
    data[WIDTH] = rng.uniform(2.0, 8.0, n).round(1)
    return gpd.GeoDataFrame(data, geometry=shapely.linestrings(coords), crs=WGS84)


if __name__ == "__main__":
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    dirty_roads(size).to_file(sys.argv[1], driver="GeoJSON")
