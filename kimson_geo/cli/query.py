"""``kimson-geo query``."""

from __future__ import annotations

import click

from .options import bbox_opt, data_opt, layer_arg, near_opt, src_crs_opt, where_opt, within_khu_opt
from .output import console


def run_query(data_path, src_crs, layer, where, within_khu, near, bbox):  # type: ignore[no-untyped-def]
    """Load the inventory and run one query: the shared core of ``query`` and ``export``."""
    import kimson_geo

    from ..query import parse_bbox, parse_near

    inv = kimson_geo.load(data_path, src_crs=src_crs)
    return inv.query(
        layer,
        where=where,
        within_khu=within_khu,
        near=parse_near(near) if near else None,
        bbox=parse_bbox(bbox) if bbox else None,
    )


@click.command()
@layer_arg
@where_opt
@within_khu_opt
@near_opt
@bbox_opt
@data_opt
@src_crs_opt
@click.option("--format", "fmt", type=click.Choice(["table", "geojson", "csv"]),
              default="table", show_default=True)
def query(layer: str, where: str | None, within_khu: str | None, near: str | None,
          bbox: str | None, data_path: str | None, src_crs: str | None, fmt: str) -> None:
    """Select features of LAYER; print them as a table, GeoJSON or CSV (WKT geometry).

    \b
    Examples:
      kimson-geo query roads --where "kind == 'main' and width_m < 5"
      kimson-geo query cultural_houses --within-khu "Kim Thành"
      kimson-geo query roads --near 21.07,106.52,300 --format geojson > near.geojson
    """
    result = run_query(data_path, src_crs, layer, where, within_khu, near, bbox)
    if fmt == "geojson":
        from ..io.geojson import dumps, frame_to_feature_collection

        click.echo(dumps(frame_to_feature_collection(result)))
    elif fmt == "csv":
        frame = result.to_wkt()
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        print_table(layer, result)


def print_table(layer: str, frame) -> None:  # type: ignore[no-untyped-def]
    """A rich table of the identity and the layer's own fields, plus length or area."""
    from rich.markup import escape
    from rich.table import Table

    from ..registry import METRIC_CRS, layer_spec

    spec = layer_spec(layer)
    columns = ["id", "name", "kind"] + [f.name for f in spec.own_fields]
    columns = [c for c in columns if c in frame.columns]
    kinds = set(frame.geom_type.dropna())
    measure = None
    if kinds and kinds <= {"LineString", "MultiLineString"}:
        measure = ("length_m", frame.geometry.to_crs(METRIC_CRS).length)
    elif kinds and kinds <= {"Polygon", "MultiPolygon"}:
        measure = ("area_ha", frame.geometry.to_crs(METRIC_CRS).area / 1e4)
    table = Table(title=f"{layer}: {len(frame)} feature(s)")
    for column in columns:
        table.add_column(column)
    if measure:
        table.add_column(measure[0], justify="right")
    for position, (_, row) in enumerate(frame.iterrows()):
        cells = ["" if _missing(row[c]) else escape(str(row[c])) for c in columns]
        if measure:
            cells.append(f"{measure[1].iloc[position]:,.1f}")
        table.add_row(*cells)
    console().print(table)


def _missing(value: object) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value)) if not isinstance(value, (list, dict)) else False
