"""Time the report document of the bundled inventory (the issue's goal: under 10 s for the
PDF).  Not a test: run it on a quiet machine.

    .venv/bin/python -m benchmarks.bench_report [--format pdf|html] [--runs 3]

It runs in a fresh interpreter each time (imports included, as ``kimson-geo report`` pays
them) and prints the stages of one in-process run: read + validate, HTML (tables, charts,
printed map), PDF.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 10.0


def stages(fmt: str, out: Path) -> dict[str, float]:
    """Seconds of each stage of one report, in this process."""
    t0 = time.perf_counter()
    from kimson_geo.document.context import gather
    from kimson_geo.document.render import render_html, render_pdf

    imported = time.perf_counter()
    data = gather(None)
    gathered = time.perf_counter()
    page = render_html(data=data, interactive=fmt == "html")
    rendered = time.perf_counter()
    body = render_pdf(page) if fmt == "pdf" else page.encode("utf-8")
    done = time.perf_counter()
    out.write_bytes(body)
    return {"imports": imported - t0, "read + validate": gathered - imported,
            "html (tables, charts, map)": rendered - gathered,
            "pdf" if fmt == "pdf" else "encode": done - rendered, "total": done - t0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", dest="fmt", choices=("pdf", "html"), default="pdf")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"kimson.{args.fmt}"
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "kimson_geo", "report", "--format", args.fmt,
                            "-o", str(out)], check=True, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        size = out.stat().st_size
        parts = stages(args.fmt, out)
    best = min(times)
    print(f"kimson-geo report --format {args.fmt} (bundled data): best of {args.runs} "
          f"{best:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}); {size / 1024:.0f} KB; "
          f"goal < {GOAL_S:.0f} s: {'met' if best < GOAL_S else 'NOT met'}")
    for name, seconds in parts.items():
        print(f"  {name:28s} {seconds:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
