"""Peak memory of one operation, measured in a fresh process.

``python -m benchmarks.memory OP PATH`` imports everything first, notes the resident set
size (the baseline), runs OP (``read``: a bare ``pyogrio.read_dataframe``; ``load``:
``kimson_geo.load``; ``validate``: ``kimson_geo.validation``) on the roads file PATH, and
prints JSON: the baseline, the peak, the growth, and the size of the loaded GeoDataFrame
(``memory_usage(deep=True)`` of the attributes plus the WKB size of the geometries), and,
for ``read`` and ``load``, what the loaded frame keeps resident once the reading is over
(``VmRSS`` after ``gc.collect()`` and ``malloc_trim``, minus the baseline): the GEOS
geometries take more room than their WKB.

The peak is the kernel's high-water mark of this process's resident set (``VmHWM`` in
``/proc/self/status``), which starts afresh at ``exec``; ``ru_maxrss`` does not (a child
started from a big parent reports the parent's peak), so it is not used.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import warnings


def frame_bytes(frame) -> int:  # type: ignore[no-untyped-def]
    """Attributes (deep) plus geometries (their WKB size) of a GeoDataFrame."""
    import shapely

    attributes = frame.drop(columns=frame.geometry.name).memory_usage(deep=True).sum()
    geoms = frame.geometry.to_numpy()
    wkb = shapely.to_wkb(geoms[~shapely.is_missing(geoms)])
    return int(attributes + sum(map(len, wkb)))


def _status(key: str) -> int:
    """A ``/proc/self/status`` memory value in bytes (``VmRSS``, ``VmHWM``)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {key}")


def main(argv: list[str]) -> None:
    op, path = argv[0], argv[1]
    import geopandas  # noqa: F401
    import pandera.pandas  # noqa: F401
    import pyogrio
    import shapely  # noqa: F401

    import kimson_geo
    from kimson_geo.registry import ROADS_LAYER
    from kimson_geo.validation import validate
    from kimson_geo.validation.rules import load_rule_modules

    load_rule_modules()
    warnings.simplefilter("ignore")
    baseline = _status("VmRSS")
    started = time.perf_counter()
    size = None
    if op == "read":
        frame = pyogrio.read_dataframe(path)
        size = frame_bytes(frame)
    elif op == "load":
        frame = kimson_geo.load(path, layer=ROADS_LAYER)[ROADS_LAYER]
        size = frame_bytes(frame)
    elif op == "validate":
        report = validate(path, layer=ROADS_LAYER)
        assert report.layers
    else:
        raise SystemExit(f"unknown operation {op!r}")
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    resident = None
    if size is not None:
        import ctypes
        import gc

        gc.collect()
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        resident = _status("VmRSS") - baseline
    print(json.dumps({"op": op, "baseline": baseline, "peak": peak,
                      "growth": peak - baseline, "frame_bytes": size,
                      "resident_frame_bytes": resident, "seconds": seconds}))


if __name__ == "__main__":
    main(sys.argv[1:])
