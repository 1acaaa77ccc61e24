"""The deliveries of the store tests (issue 11's "done when"), and the PostGIS fixture's URL."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from kimson_geo.registry import (
    CULTURAL_HOUSES_LAYER,
    DEAD_END,
    ID,
    KIND,
    ROADS_LAYER,
    WIDTH,
)

from _support import copy_bundled, edit_features

#: the changes a second delivery makes (ids of the bundled data)
WIDENED, REMOVED, ADDED, MOVED = "road-020", "road-068", "road-new-1", "nvh-kim-thanh"
WIDENED_TO = 6.5
MOVED_M = 10.0


def _shift_north(coords: list[float], metres: float) -> list[float]:
    from pyproj import Transformer

    from kimson_geo.registry import METRIC_CRS, WGS84

    to_m = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
    back = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)
    x, y = to_m.transform(*coords)
    return list(back.transform(x, y + metres))


def second_delivery(folder: Path) -> tuple[Path, float]:
    """A copy of the bundled data with one road widened, one removed, one added and one
    cultural house moved 10 m north; returns the folder and the widened road's old width."""
    data = copy_bundled(folder)
    old_width: list[float] = []

    def roads(features: list[dict]) -> list[dict]:
        by_id = {f["properties"][ID]: f for f in features}
        widened = by_id[WIDENED]["properties"]
        old_width.append(widened[WIDTH])
        widened[WIDTH] = WIDENED_TO
        spur = json.loads(json.dumps(by_id[REMOVED]))
        spur["properties"][ID] = ADDED
        start = spur["geometry"]["coordinates"][0]
        spur["geometry"]["coordinates"] = [start, _shift_north(start, 25.0)]
        spur["properties"][DEAD_END] = True
        return [f for f in features if f["properties"][ID] != REMOVED] + [spur]

    def houses(features: list[dict]) -> None:
        for f in features:
            if f["properties"][ID] == MOVED:
                f["geometry"]["coordinates"] = _shift_north(f["geometry"]["coordinates"],
                                                            MOVED_M)

    edit_features(data, ROADS_LAYER, roads)
    edit_features(data, CULTURAL_HOUSES_LAYER, houses)
    return data, old_width[0]


def narrow_main_road(folder: Path) -> Path:
    """A copy of the bundled data in which one main road is 4 m wide (the rule: 5-6 m)."""
    data = copy_bundled(folder)

    def roads(features: list[dict]) -> None:
        main = next(f for f in features if f["properties"][KIND] == "main")
        main["properties"][WIDTH] = 4.0

    edit_features(data, ROADS_LAYER, roads)
    return data


def postgis_url() -> str | None:
    """The test server's URL: $KIMSON_TEST_PG_URL, or what scripts/start-postgis.sh wrote."""
    url = os.environ.get("KIMSON_TEST_PG_URL")
    if url:
        return url
    written = Path(os.environ.get("TMPDIR", "/tmp")) / "kimson-postgis" / "url"
    return written.read_text().strip() if written.is_file() else None


def fresh_schema_url(base: str) -> str:
    """``base`` with a schema of its own, so that each test gets an empty store."""
    return f"{base.partition('#')[0]}#t_{uuid.uuid4().hex[:12]}"
