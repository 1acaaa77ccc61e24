"""Write examples/survey/roads.geojson: the bundled roads as a survey office would deliver them.

Coordinates in VN-2000 / TM-3 107-45 (EPSG:5899) metres, with no ``crs`` member (so the
reader must be told ``--src-crs EPSG:5899``), and three deliberate faults for the README's
validation example: a main road 4.5 m wide, an inter-khu road of earth, and a width written
with a Vietnamese decimal comma ("5,5").

Run: .venv/bin/python scripts/make_example_survey.py
"""

from __future__ import annotations

import json
from pathlib import Path

import kimson_geo
from kimson_geo.io.geojson import frame_to_feature_collection
from kimson_geo.io.atomic import write_text
from kimson_geo.registry import KIND, METRIC_CRS, ROADS_LAYER, SURFACE, WIDTH

OUT = Path(__file__).resolve().parents[1] / "examples" / "survey" / f"{ROADS_LAYER}.geojson"


def main() -> None:
    roads = kimson_geo.load()[ROADS_LAYER]
    collection = frame_to_feature_collection(roads, precision=7)
    metric = roads.geometry.to_crs(METRIC_CRS)
    for feature, geom in zip(collection["features"], metric, strict=True):
        feature["geometry"]["coordinates"] = [[round(x, 3), round(y, 3)] for x, y in geom.coords]
    features = collection["features"]
    main_road = next(f for f in features if f["properties"][KIND] == "main")
    main_road["properties"][WIDTH] = 4.5
    inter_khu = next(f for f in features if f["properties"][KIND] == "inter_khu")
    inter_khu["properties"][SURFACE] = "earth"
    other_main = [f for f in features if f["properties"][KIND] == "main"][1]
    other_main["properties"][WIDTH] = "5,5"
    text = "{\"type\": \"FeatureCollection\", \"features\": [\n" + ",\n".join(
        json.dumps(f, ensure_ascii=False) for f in features) + "\n]}\n"
    write_text(OUT, text)
    print(f"wrote {len(features)} roads to {OUT}")


if __name__ == "__main__":
    main()
