"""``kimson-geo map``."""

from __future__ import annotations

import click

from .options import layer_opt, path_arg, rev_opts, src_crs_opt
from .output import working


def _check_tiles(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from ..render.map import check_tiles

    try:
        return check_tiles(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


@click.command("map")
@path_arg
@layer_opt
@src_crs_opt
@click.option("-o", "--output", default="maps/kimson.html", show_default=True,
              type=click.Path(dir_okay=False),
              help="HTML file to write (atomically); - writes it to standard output.")
@click.option("--layers", default=None, metavar="A,B",
              help="Only these layers, comma-separated (default: all).")
@click.option("--tiles", default="OpenStreetMap", show_default=True, callback=_check_tiles,
              help="Base layer shown first: OpenStreetMap, CartoDB Positron, another "
                   "xyzservices name or a URL template https://…/{z}/{x}/{y}.png.")
@click.option("--title", default=None, help="Title shown on the map.")
@click.option("--no-problems", is_flag=True, help="Leave out the validation problems layer "
              "and the claims panel.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of labels, legends and popups.")
@click.option("--offline", is_flag=True, help="Put every script, style and icon font into "
              "the page: it works with no network (the basemap tiles then say they are absent).")
@rev_opts
def map_(path: str | None, layer: str | None, src_crs: str | None, output: str,
         layers: str | None, tiles: str, title: str | None, no_problems: bool,
         lang: str, offline: bool) -> None:
    """Write an interactive HTML map of PATH (default: the bundled inventory).

    Each layer is a toggleable overlay styled from the registry, with Vietnamese (or English)
    tooltips, popups and legends; validation problems are a red overlay and the 2017
    report's claims a panel.  Every value shown is HTML-escaped.

    \b
    Examples:
      kimson-geo map
      kimson-geo map -o /tmp/roads.html --layers roads,khu --lang en
      kimson-geo map --offline -o /tmp/kimson-offline.html
      kimson-geo map survey/roads.geojson --layer roads --src-crs EPSG:5899 -o /tmp/survey.html
    """
    import kimson_geo

    from ..render.map import render_map
    from ..validation import validate_inventory

    with working("loading…"):
        inv = kimson_geo.load(path, layer=layer, src_crs=src_crs)
    problems = claims = None
    if not no_problems:
        with working("validating…"):
            report = validate_inventory(inv)
        problems, claims = report.to_geojson(), report.claims or None
    chosen = [name.strip() for name in layers.split(",")] if layers else None
    with working(f"writing {output}…"):
        written = render_map(inv, output, layers=chosen, tiles=tiles, title=title, lang=lang,
                             problems=problems, claims=claims, offline=offline)
    if str(written) == "-":
        click.echo(f"wrote the map to standard output ({len(inv.layers)} layer(s))", err=True)
        return
    size = written.stat().st_size
    drawn = len(chosen) if chosen else len(inv.layers)
    click.echo(f"wrote {written} ({size / 1024:.0f} KB, {drawn} layer(s))", err=True)
