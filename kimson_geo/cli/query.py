"""``kimson-geo query``."""

from __future__ import annotations

import click

from .options import data_opt, filter_opts, layer_arg, path_arg, src_crs_opt
from .output import cell, console, warn


def source_path(path: str | None, data_path: str | None) -> str | None:
    """PATH, or the deprecated ``--data`` (said once on stderr); both is a usage error."""
    if data_path is None:
        return path
    if path is not None:
        raise click.UsageError("give PATH or --data, not both (--data is deprecated)")
    warn("--data is deprecated; give PATH after LAYER (kimson-geo query LAYER PATH)")
    return data_path


def run_query(path, src_crs, layer, where, within_khu, near, bbox):  # type: ignore[no-untyped-def]
    """Load the inventory and run one query: the shared core of ``query`` and ``export``.

    A folder or a GeoPackage is read whole (``--within-khu`` needs the khu layer); a single
    file that is not named after a layer is read as LAYER.
    """
    from pathlib import Path

    import kimson_geo

    from ..query import parse_bbox, parse_near

    near_value = parse_near(near) if near else None  # bad filters fail before any reading
    bbox_value = parse_bbox(bbox) if bbox else None
    if path is not None and Path(path).is_file():
        try:
            inv = kimson_geo.load(path, src_crs=src_crs)
        except kimson_geo.LayerError:  # the file's name does not say its layer
            inv = None
        if inv is None or layer not in inv:
            inv = kimson_geo.load(path, layer=layer, src_crs=src_crs)
    else:
        inv = kimson_geo.load(path, src_crs=src_crs)
    return inv.query(layer, where=where, within_khu=within_khu, near=near_value,
                     bbox=bbox_value)


@click.command()
@layer_arg
@path_arg
@filter_opts
@src_crs_opt
@click.option("--format", "fmt", type=click.Choice(["table", "geojson", "csv"]),
              default="table", show_default=True)
@data_opt
def query(layer: str, path: str | None, where: str | None, within_khu: str | None,
          near: str | None, bbox: str | None, src_crs: str | None, fmt: str,
          data_path: str | None) -> None:
    """Select features of LAYER in PATH (default: the bundled inventory); print them as a
    table, GeoJSON or CSV (WKT geometry).

    LAYER comes first and is always a registry layer name; PATH, after it, is a folder of
    layer files, a GeoPackage, or one file (read as LAYER).

    \b
    Examples:
      kimson-geo query roads --where "kind == 'main' and width_m < 5"
      kimson-geo query roads survey/ --where "surface != 'concrete'" --src-crs EPSG:5899
      kimson-geo query cultural_houses --within-khu "Kim Thành"
      kimson-geo query roads --near 21.07,106.52,300 --format geojson > near.geojson
    """
    result = run_query(source_path(path, data_path), src_crs, layer, where, within_khu,
                       near, bbox)
    if fmt == "geojson":
        from ..io.geojson import dumps, frame_to_feature_collection

        click.echo(dumps(frame_to_feature_collection(objects_as_text(result))))
    elif fmt == "csv":
        from ..io.write import neutralise_formulas

        # the same OWASP neutralising as a CSV export: a cell never runs as a formula
        frame, changed = neutralise_formulas(objects_as_text(result).to_wkt())
        click.echo(frame.to_csv(index=False), nl=False)
        if changed:
            warn(f"{changed} text cell(s) starting with = + - @ got a leading ' so that "
                 "spreadsheets show them as text")
    else:
        print_table(layer, result)


def objects_as_text(frame):  # type: ignore[no-untyped-def]
    """``frame`` with arrays and objects in its cells (a malformed delivery's text fields)
    written as their JSON text, as every command shows them."""
    import numpy as np

    from ..text import as_text

    frame = frame.copy()
    for column in frame.columns:
        if column == frame.geometry.name or frame[column].dtype != object:
            continue
        values = frame[column]
        odd = values.map(lambda v: isinstance(v, (list, dict, tuple, np.ndarray)))
        if odd.any():
            frame[column] = values.where(~odd, values.map(as_text))
    return frame


def print_table(layer: str, frame) -> None:  # type: ignore[no-untyped-def]
    """A rich table of the identity and the layer's own fields, plus length or area."""
    from rich.table import Table

    from ..registry import ID, KIND, METRIC_CRS, NAME, layer_spec
    from ..text import as_text

    spec = layer_spec(layer)
    columns = [c for c in [ID, NAME, KIND] + [f.name for f in spec.own_fields]
               if c in frame.columns]
    kinds = set(frame.geom_type.dropna())
    measure = None
    if kinds and kinds <= {"LineString", "MultiLineString"}:
        measure = ("length_m", frame.geometry.to_crs(METRIC_CRS).length)
    elif kinds and kinds <= {"Polygon", "MultiPolygon"}:
        measure = ("area_ha", frame.geometry.to_crs(METRIC_CRS).area / 1e4)
    table = Table(title=f"{layer}: {len(frame)} feature(s)")
    for column in columns:
        table.add_column(cell(column))
    if measure:
        table.add_column(measure[0], justify="right")
    for position, (_, row) in enumerate(frame.iterrows()):
        cells = [cell(as_text(row[c])) for c in columns]
        if measure:
            cells.append(f"{measure[1].iloc[position]:,.1f}")
        table.add_row(*cells)
    console().print(table)
