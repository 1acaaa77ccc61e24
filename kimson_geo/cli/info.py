"""``kimson-geo info`` and ``kimson-geo summary``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

import kimson_geo

from .options import layer_opt, path_arg, src_crs_opt
from .output import cell, console, print_json

_table_or_json = click.option("--format", "fmt", type=click.Choice(["table", "json"]),
                              default="table", show_default=True)


@click.command()
@path_arg
@layer_opt
@src_crs_opt
@_table_or_json
def info(path: str | None, layer: str | None, src_crs: str | None, fmt: str) -> None:
    """List every layer with feature count, geometry type, CRS and extent.

    \b
    Examples:
      kimson-geo info
      kimson-geo info survey/ --src-crs EPSG:5899
      kimson-geo info roads.gpkg --layer roads --format json
    """
    from ..registry import layer_spec

    inv = kimson_geo.load(path, layer=layer, src_crs=src_crs)
    rows: list[dict[str, Any]] = [
        {"layer": name, "label": layer_spec(name).label_en, "features": int(len(frame)),
         "geometry": sorted({str(t) for t in frame.geom_type.dropna().unique()}),
         "crs": frame.crs.to_string() if frame.crs is not None else "-",
         "extent": [float(v) for v in frame.total_bounds] if len(frame) else None,
         "file": str(inv.files.get(name, ""))}
        for name, frame in inv.layers.items()]
    if fmt == "json":
        print_json({"source": str(inv.source), "layers": rows})
        return
    from rich.table import Table

    table = Table(title=cell(f"kimson-geo inventory: {inv.source}"))
    for column in ("layer", "features", "geometry", "crs", "extent W,S,E,N", "file"):
        table.add_column(column, justify="right" if column == "features" else "left",
                         no_wrap=column in ("layer", "extent W,S,E,N"))
    for row in rows:
        bounds = row["extent"]
        extent = ",".join(f"{v:.4f}" for v in bounds) \
            if bounds and all(math.isfinite(v) for v in bounds) else "-"
        table.add_row(cell(row["layer"]), str(row["features"]),
                      cell(", ".join(row["geometry"]) or "-"), cell(row["crs"]), extent,
                      cell(Path(row["file"]).name))
    console().print(table)


@click.command()
@path_arg
@layer_opt
@src_crs_opt
@_table_or_json
def summary(path: str | None, layer: str | None, src_crs: str | None, fmt: str) -> None:
    """Counts, lengths (m) and areas (ha) by kind and surface, measured in EPSG:5899.

    \b
    Examples:
      kimson-geo summary
      kimson-geo summary --format json
    """
    result = kimson_geo.load(path, layer=layer, src_crs=src_crs).summary()
    if fmt == "json":
        print_json(result)
        return
    from rich.table import Table

    out = console()
    for name, entry in result["layers"].items():
        measure = "length (m)" if "length_m" in entry else "area (ha)" if "area_ha" in entry \
            else "count"
        total = entry.get("length_m", entry.get("area_ha", entry["features"]))
        table = Table(title=cell(f"{name}: {entry['features']} features, {measure} {total:,.1f}"
                                 if isinstance(total, float)
                                 else f"{name}: {entry['features']} features"))
        table.add_column("field")
        table.add_column("code")
        table.add_column(measure, justify="right")
        for field, values in entry["by"].items():
            for code, value in values.items():
                table.add_row(cell(field), cell(code), f"{value:,.1f}"
                              if isinstance(value, float) else str(value))
        out.print(table)
