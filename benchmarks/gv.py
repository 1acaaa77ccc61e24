"""geojson-validator (PyPI) on a file: its structure and geometry checks, parse included.

The file is parsed once with ``json.load`` (geojson-validator's own reader) and the dict
is handed to both ``validate_structure`` and ``validate_geometries``, so the file is not
parsed twice.  The geometry criteria are those kimson_geo also checks: ring closure and
winding (structure), duplicate nodes (``repeated-vertex``) and positions outside WGS 84
(``position-range``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

__all__ = ["gv_validate", "available"]

CRITERIA_INVALID = ("unclosed", "less_three_unique_nodes", "exterior_not_ccw",
                    "interior_not_cw")
CRITERIA_PROBLEMATIC = ("duplicate_nodes", "outside_lat_lon_boundaries", "self_intersection")


def available() -> bool:
    try:
        import geojson_validator  # noqa: F401
    except ImportError:
        return False
    return True


def gv_validate(path: str | Path) -> dict[str, Any]:
    """Run geojson-validator on ``path``; timings and what it flagged."""
    import geojson_validator

    geojson_validator.configure_logging(enabled=False)
    started = time.perf_counter()
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    parsed = time.perf_counter()
    structure = geojson_validator.validate_structure(doc)
    checked = time.perf_counter()
    geometries = geojson_validator.validate_geometries(
        doc, criteria_invalid=list(CRITERIA_INVALID),
        criteria_problematic=list(CRITERIA_PROBLEMATIC))
    done = time.perf_counter()
    flagged = {f"{group}:{name}": len(hits)
               for group in ("invalid", "problematic")
               for name, hits in geometries[group].items()}
    return {"features": len(doc.get("features", [])), "parse_s": parsed - started,
            "structure_s": checked - parsed, "geometry_s": done - checked,
            "total_s": done - started, "structure_errors": len(structure),
            "flagged": flagged}
