"""Options shared by the kimson-geo commands (the ``*_opt`` / ``*_arg`` convention of rio/fio)."""

from __future__ import annotations

import click

from ..registry import LAYER_NAMES

path_arg = click.argument(
    "path", required=False, type=click.Path(exists=True, dir_okay=True, file_okay=True),
)
layer_arg = click.argument("layer", type=click.Choice(LAYER_NAMES), metavar="LAYER")
layer_opt = click.option(
    "--layer", type=click.Choice(LAYER_NAMES), default=None,
    help="Read PATH (a single file) as this registry layer.",
)
src_crs_opt = click.option(
    "--src-crs", default=None, metavar="CRS",
    help="CRS of the source coordinates, e.g. EPSG:5899 (VN-2000 / TM-3 107-45).",
)
where_opt = click.option(
    "--where", default=None, metavar="EXPR",
    help="pandas query expression, e.g. \"kind == 'main' and width_m < 5\".",
)
within_khu_opt = click.option(
    "--within-khu", default=None, metavar="KHU", help="Khu id or name (e.g. 'Kim Thành').",
)
near_opt = click.option(
    "--near", default=None, metavar="LAT,LON,M",
    help="Features within M metres of LAT,LON (measured in EPSG:5899).",
)
bbox_opt = click.option(
    "--bbox", default=None, metavar="W,S,E,N", help="Features intersecting this lon/lat box.",
)
data_opt = click.option(
    "--data", "data_path", default=None, type=click.Path(exists=True),
    help="Inventory folder or file to read instead of the bundled data.",
)
