"""``kimson-geo export``."""

from __future__ import annotations

import click

from .options import data_opt, filter_opts, layer_arg, path_arg, rev_opts, src_crs_opt
from .output import warn
from .query import run_query, source_path


@click.command()
@layer_arg
@path_arg
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file; the suffix picks the format unless --format is given. "
              "- writes GeoJSON (or --format csv/kml) to standard output.")
@filter_opts
@click.option("--format", "fmt",
              type=click.Choice(["geojson", "gpkg", "shp", "csv", "kml", "fgb"]),
              default=None, help="Output format (default: from the suffix).")
@click.option("--crs", default=None, metavar="CRS",
              help="Output CRS for gpkg/shp/csv, e.g. EPSG:5899 (GeoJSON is always WGS 84).")
@src_crs_opt
@data_opt
@rev_opts
def export(layer: str, path: str | None, output: str, where: str | None,
           within_khu: str | None, near: str | None, bbox: str | None, fmt: str | None,
           crs: str | None, src_crs: str | None, data_path: str | None) -> None:
    """Write LAYER of PATH (default: the bundled inventory), or the features a filter
    selects, to a file, atomically.

    LAYER comes first and is always a registry layer name; PATH, after it, is a folder of
    layer files, a GeoPackage, or one file (read as LAYER).

    Only a missing or regular file is replaced, and only when the whole output was written
    and read back.  GeoPackages are version 1.2.  CSV text cells starting with = + - @ get
    a leading ' so that spreadsheets do not run them as formulas.

    \b
    Examples:
      kimson-geo export roads -o roads.geojson
      kimson-geo export roads -o main.gpkg --where "kind == 'main'"
      kimson-geo export khu -o khu.shp --crs EPSG:5899
      kimson-geo export roads survey/roads.geojson --src-crs EPSG:5899 -o roads.gpkg
    """
    import warnings

    from ..errors import KimsonGeoWarning
    from ..io.write import write_layer

    result = run_query(source_path(path, data_path), src_crs, layer, where, within_khu,
                       near, bbox)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KimsonGeoWarning)
        written = write_layer(result, output, fmt=fmt, crs=crs, layer_name=layer)
    for warning in caught:
        warn(warning.message)
    where = "standard output" if str(written) == "-" else written
    click.echo(f"wrote {len(result)} feature(s) of {layer} to {where}", err=True)
