"""``kimson-geo diff``."""

from __future__ import annotations

import click

from .options import InventoryPath


@click.command()
@click.argument("old", type=InventoryPath())
@click.argument("new", type=InventoryPath())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "geojson", "html"]),
              default="text", show_default=True,
              help="html: a map of the changes (green added, red removed, amber modified).")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Write to this file (atomically) instead of stdout; html needs it.")
@click.option("--tolerance", "tolerance_m", type=click.FloatRange(min=0), default=1.0,
              show_default=True, metavar="M",
              help="Match features without a common id by geometry within M metres.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the html map.")
def diff(old: str, new: str, fmt: str, output: str | None, tolerance_m: float,
         lang: str) -> None:
    """What changed from OLD to NEW: features added, removed and modified, per layer.

    OLD and NEW are any inventories: folders, files, GeoPackages, stores, a store at a
    revision (STORE@N) or at a date (STORE@YYYY-MM-DD).  Features are matched by id, then
    (ids missing or new) by geometry within --tolerance metres; moved_m is in EPSG:5899
    metres.

    \b
    Examples:
      kimson-geo diff ward.gpkg@1 ward.gpkg@2
      kimson-geo diff ward.gpkg delivery-2024/ --format json
      kimson-geo diff ward.gpkg@1 ward.gpkg --format html -o changes.html
    """
    import kimson_geo

    from ..diff import diff_inventories
    from .output import working

    with working("comparing…"):
        result = diff_inventories(kimson_geo.load(old), kimson_geo.load(new),
                                  tolerance_m=tolerance_m)
        result.old_source, result.new_source = old, new
    if fmt == "html":
        from ..render.map import render_map

        if output is None:
            raise click.UsageError("--format html needs -o FILE")
        written = render_map({}, output, changes=result.to_geojson(), lang=lang,
                             title=f"{old} → {new}")
        click.echo(f"wrote {written}", err=True)
        return
    if fmt == "json":
        text = result.to_json()
    elif fmt == "geojson":
        import json

        text = json.dumps(result.to_geojson(), ensure_ascii=False)
    else:  # text from the data, for a terminal: control characters escaped line by line
        from ..render.text import plain

        text = "\n".join(map(plain, result.to_text().splitlines()))
    if output is None:
        click.echo(text)
    else:
        from ..io.atomic import write_text

        write_text(output, text + "\n")
        click.echo(f"wrote {output}", err=True)
