"""``kimson-geo import``: a survey delivery as it arrives, into registry layers."""

from __future__ import annotations

import click

from .options import src_crs_opt
from .output import console, print_json, working


@click.command(name="import")
@click.argument("sources", nargs=-1, required=True,
                type=click.Path(exists=False, dir_okay=True, file_okay=True))
@click.option("-o", "--out", "out", default=None, type=click.Path(),
              help="Output: a folder of LAYER.geojson files, or a .gpkg (not with --dry-run).")
@click.option("--mapping", default=None, type=click.Path(exists=True, dir_okay=False),
              metavar="MAP.toml", help="A mapping (as --dry-run prints it) over the built-in one.")
@src_crs_opt
@click.option("--layer", default=None, metavar="NAME",
              help="Import every source as this registry layer.")
@click.option("--dry-run", is_flag=True,
              help="Print the mapping as TOML (for --mapping) and write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json prints the result and nothing else on stdout.")
@click.pass_context
def import_(ctx: click.Context, sources: tuple[str, ...], out: str | None, mapping: str | None,
            src_crs: str | None, layer: str | None, dry_run: bool, fmt: str) -> None:
    """Import SOURCES (files or folders: Shapefile, GeoPackage, GeoJSON, KML/KMZ, DXF,
    .xlsx/.xls/.ods/.csv, .osm/.osm.pbf) into registry layers, validate them and write
    them to OUT.

    Vietnamese field names and values are mapped by a built-in dictionary; --dry-run
    prints the mapping it would apply, which --mapping accepts back.  Exit 0 imported and
    valid, 1 imported with validation errors, 2 nothing importable, unreadable input or an
    ambiguous CRS (then nothing is written).

    \b
    Examples:
      kimson-geo import delivery/ -o survey/
      kimson-geo import giao_thong.shp nha_van_hoa.xlsx -o survey.gpkg
      kimson-geo import delivery/ --dry-run > mapping.toml
      kimson-geo import delivery/ --mapping mapping.toml -o survey/
    """
    from ..intake import import_delivery
    from ..registry import layer_spec

    if layer is not None:
        layer_spec(layer)
    if out is None and not dry_run:
        raise click.UsageError("give -o OUT (a folder or a .gpkg), or --dry-run")
    with working(f"importing {', '.join(sources)}…"):
        result = import_delivery(list(sources), out, mapping=mapping, src_crs=src_crs,
                                 layer=layer, dry_run=dry_run)
    report = result.report
    if fmt == "json":
        print_json(result.to_dict())
    elif dry_run:
        click.echo(result.plan.to_toml(), nl=False)
        _print_summary(result, err=True)
    else:
        from .validate import print_report

        _print_summary(result, err=False)
        if report is not None:
            print_report(report)
    ctx.exit(0 if report is None or report.ok else 1)


def _print_summary(result, *, err: bool) -> None:  # type: ignore[no-untyped-def]
    """What was imported, what was assumed, and what could not be imported or mapped."""
    from rich.markup import escape

    out = console(stderr=err)
    for name, frame in result.layers.items():
        out.print(f"[bold]{escape(name)}[/bold]: {len(frame)} feature(s) imported",
                  highlight=False)
    for note in result.notes:
        out.print(f"  note: {escape(note)}", highlight=False)
    for layer, columns in result.plan.unmapped_fields.items():
        out.print(f"  {escape(layer)}: kept in extra (not mapped): "
                  f"{escape(', '.join(columns))}", highlight=False)
    for layer, fields in result.plan.unmapped_values.items():
        for name, table in fields.items():
            for raw, use in table.items():
                out.print(f"  [yellow]unmapped[/yellow] {escape(layer)}.{escape(name)}: "
                          f"{escape(repr(raw))} ({use.count}): {escape(use.reason or '')}",
                          highlight=False)
    shown = result.rejected[:20]
    for item in shown:
        out.print(f"  [red]not imported[/red] {escape(item.source)}, record {item.record}: "
                  f"{escape(item.reason)}", highlight=False)
    if len(result.rejected) > len(shown):
        out.print(f"  … and {len(result.rejected) - len(shown)} more not imported",
                  highlight=False)
    for path in result.written:
        out.print(f"wrote {escape(str(path))}", highlight=False)
