"""Write examples/delivery/: a survey delivery as it arrives at the ward office.

``giao_thong.shp``: the roads of issue 10 in VN-2000 metres with no .prj and no .cpg, its
Vietnamese text in TCVN3 (ABC) as old MapInfo/AutoCAD exports write it, fields named
``TEN_DUONG``, ``LOAI_DUONG``, ``KET_CAU``, ``BE_RONG``; ``nha_van_hoa.xlsx``: cultural
houses with X (northing) and Y (easting) columns in the Vietnamese survey order.  The
builders are the ones the intake tests use (``tests/_deliveries.py``).

Run: .venv/bin/python scripts/make_example_delivery.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "examples" / "delivery"


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from _deliveries import houses_workbook, road_shapefile

    OUT.mkdir(parents=True, exist_ok=True)
    for path in (road_shapefile(OUT, encoding="TCVN3"), houses_workbook(OUT)):
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
