"""Make the README's pictures (never run by the tests):

* ``maps/kimson.png``: the offline map at 1280×800 in Debian's Chromium, every network
  request blocked;
* ``maps/kimson-phone.png``: the offline map at 390×844 in Debian's Chromium, with touch,
  every network request blocked (so the basemap notice shows), panels collapsed;
* ``maps/report-page.png``: one page of the PDF report of the bundled data (pdftoppm).

    .venv/bin/python scripts/readme_images.py [--desktop] [--phone] [--report-page] [--page N]

Without a flag it makes all three.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PHONE = {"width": 390, "height": 844}
CHROMIUM = "/usr/bin/chromium"


DESKTOP = {"width": 1280, "height": 800}


def phone(out: Path, *, viewport: dict[str, int] = PHONE, touch: bool = True) -> None:
    from playwright.sync_api import sync_playwright

    import kimson_geo
    from kimson_geo.render import render_map

    inv = kimson_geo.load()
    report = inv.validate()
    with tempfile.TemporaryDirectory() as tmp:
        page_file = render_map(inv, Path(tmp) / "kimson.html", problems=report.to_geojson(),
                               claims=report.claims, offline=True)
        url = page_file.resolve().as_uri()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM,
                                         args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport=viewport, is_mobile=touch, has_touch=touch,
                                          device_scale_factor=2 if touch else 1,
                                          service_workers="block")
            page = context.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
            page.goto(url, wait_until="load")
            page.wait_for_function("() => window.ksGeo && window.ksGeo.map")
            page.evaluate("document.fonts.ready")
            page.wait_for_timeout(500)
            page.screenshot(path=str(out), animations="disabled")
            browser.close()
    print(f"wrote {out}")


def report_page(out: Path, number: int) -> None:
    from kimson_geo.document import write_report

    with tempfile.TemporaryDirectory() as tmp:
        pdf = write_report(None, Path(tmp) / "kimson.pdf")
        stem = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(number), "-l", str(number),
                        "-singlefile", str(pdf), str(stem)], check=True)
        out.write_bytes(stem.with_suffix(".png").read_bytes())
    print(f"wrote {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desktop", action="store_true")
    parser.add_argument("--phone", action="store_true")
    parser.add_argument("--report-page", action="store_true")
    parser.add_argument("--page", type=int, default=3, help="the report page to picture")
    args = parser.parse_args()
    both = not (args.desktop or args.phone or args.report_page)
    (ROOT / "maps").mkdir(exist_ok=True)
    if args.desktop or both:
        phone(ROOT / "maps" / "kimson.png", viewport=DESKTOP, touch=False)
    if args.phone or both:
        phone(ROOT / "maps" / "kimson-phone.png")
    if args.report_page or both:
        report_page(ROOT / "maps" / "report-page.png", args.page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
