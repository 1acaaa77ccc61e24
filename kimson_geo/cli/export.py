"""``kimson-geo export``."""

from __future__ import annotations

import click

from .options import (
    bbox_opt,
    data_opt,
    layer_arg,
    near_opt,
    rev_opts,
    src_crs_opt,
    where_opt,
    within_khu_opt,
)
from .query import run_query


@click.command()
@layer_arg
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file; the suffix picks the format unless --format is given.")
@where_opt
@within_khu_opt
@near_opt
@bbox_opt
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg", "shp", "csv", "kml"]),
              default=None, help="Output format (default: from the suffix).")
@click.option("--crs", default=None, metavar="CRS",
              help="Output CRS for gpkg/shp/csv, e.g. EPSG:5899 (GeoJSON is always WGS 84).")
@data_opt
@src_crs_opt
@rev_opts
def export(layer: str, output: str, where: str | None, within_khu: str | None,
           near: str | None, bbox: str | None, fmt: str | None, crs: str | None,
           data_path: str | None, src_crs: str | None) -> None:
    """Write LAYER (or the features a filter selects) to a file, atomically.

    \b
    Examples:
      kimson-geo export roads -o roads.geojson
      kimson-geo export roads -o main.gpkg --where "kind == 'main'"
      kimson-geo export khu -o khu.shp --crs EPSG:5899
    """
    from ..io.write import write_layer

    result = run_query(data_path, src_crs, layer, where, within_khu, near, bbox)
    import warnings

    from ..errors import KimsonGeoWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KimsonGeoWarning)
        path = write_layer(result, output, fmt=fmt, crs=crs, layer_name=layer)
    for warning in caught:
        click.echo(f"kimson-geo: warning: {warning.message}", err=True)
    click.echo(f"wrote {len(result)} feature(s) of {layer} to {path}", err=True)
