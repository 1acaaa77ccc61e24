"""``kimson-geo validate`` and ``kimson-geo report``."""

from __future__ import annotations

import sys

import click

import kimson_geo

from .options import layer_opt, path_arg, rev_opts, src_crs_opt
from .output import cell, console, print_json, working


@click.command()
@path_arg
@layer_opt
@src_crs_opt
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json prints the report and nothing else on stdout.")
@click.option("--fix", "fix_out", default=None, type=click.Path(file_okay=False),
              metavar="OUT", help="Write repaired copies (GeoJSON) into the folder OUT.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.option("--max-per-rule", type=click.IntRange(min=0), default=20, show_default=True,
              metavar="N", help="Text output: show the first N problems of each rule per "
              "layer (the counts are complete; JSON is always complete).")
@click.option("--engine", type=click.Choice(["pandas", "dask"]), default="pandas",
              show_default=True, help="dask: partitioned validation (extra kimson-geo[scale]).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="dask.distributed scheduler address (default: a LocalCluster).")
@click.pass_context
@rev_opts
def validate(ctx: click.Context, path: str | None, layer: str | None, src_crs: str | None,
             fmt: str, fix_out: str | None, list_rules: bool, max_per_rule: int,
             engine: str, scheduler: str | None) -> None:
    """Check PATH (default: the bundled inventory): structure, attributes, geometry,
    topology, the ward's rules and the article's claims.

    PATH may be a folder of layer files, a GeoPackage, or one file (with --layer, checked
    as that layer; alone, only for structure and geometry).  Exit 0 when there are no
    errors (warnings allowed), 1 when there are, 2 when the input cannot be read.

    \b
    Examples:
      kimson-geo validate
      kimson-geo validate survey/roads.geojson --layer roads --src-crs EPSG:5899
      kimson-geo validate survey/ --format json > report.json
      kimson-geo validate survey/ --fix fixed/
    """
    from ..validation import list_rules as all_rules
    from ..validation import validate as run_validate

    if list_rules:
        print_rules(all_rules(), fmt)
        return
    with working(f"validating {path or 'the bundled inventory'}…"):
        if engine == "dask":
            from ..validation.dask_engine import validate_dask

            report = validate_dask(path, layer=layer, src_crs=src_crs, scheduler=scheduler)
        else:
            report = run_validate(path, layer=layer, src_crs=src_crs)
    if fmt == "json":
        sys.stdout.flush()
        stdout = sys.stdout.buffer  # orjson writes bytes, a chunk of issues at a time
        report.write_json(stdout)
        stdout.write(b"\n")
        stdout.flush()
    else:
        print_report(report, max_per_rule=max_per_rule)
    if fix_out is not None and report.layers:
        from ..validation.fix import write_fixed

        inv = kimson_geo.load(path, layer=layer, src_crs=src_crs)
        written = write_fixed(inv, fix_out)
        click.echo(f"wrote {len(written)} repaired layer(s) to {fix_out}", err=True)
    if report.nothing_read:
        click.echo(f"kimson-geo: error: {report.unreadable_line()}", err=True)
        ctx.exit(2)
    ctx.exit(0 if report.ok else 1)


def print_rules(rules: list[dict], fmt: str) -> None:  # type: ignore[type-arg]
    if fmt == "json":
        print_json(rules)
        return
    from rich.table import Table

    table = Table(title=f"{len(rules)} rules")
    for column in ("id", "severity", "family", "layers", "description"):
        table.add_column(column)
    for r in rules:
        table.add_row(r["id"], r["severity"], r["family"], ", ".join(r["layers"]),
                      r["description"])
    console().print(table)


def print_report(report, *, max_per_rule: int = 20) -> None:  # type: ignore[no-untyped-def]
    """Problems grouped by layer, then by rule with counts, the first ``max_per_rule`` of
    each shown, in colour; then the claims."""
    import pandas as pd

    out = console()
    colours = {"error": "red", "warning": "yellow"}
    for name, rows in report.table.groupby(report.table["layer"].fillna("-")):
        counts = rows["severity"].value_counts()
        tally = ", ".join(f"[{colours[sev]}]{int(counts[sev]):,} {sev}(s)[/{colours[sev]}]"
                          for sev in ("error", "warning") if sev in counts)
        out.print(f"[bold]{cell(name)}[/bold]: {tally}", highlight=False)
        groups = rows.groupby(["rule", "severity"], sort=False)
        for (rule_id, severity), group in sorted(groups, key=lambda g: (g[0][1] != "error",
                                                                        g[0][0])):
            colour = colours[severity]
            out.print(f"  [{colour}]{cell(rule_id)}[/{colour}]: {len(group):,} {severity}(s)",
                      highlight=False)
            for row in group.head(max_per_rule).itertuples(index=False):
                ident = f" ({row.feature_id})" if row.feature_id else ""
                where = [None if pd.isna(row.index) else f"feature {row.index}{ident}",
                         None if pd.isna(row.line) else f"line {row.line}",
                         f"field {row.field}" if row.field else None]
                prefix = cell(", ".join(w for w in where if w))
                out.print(f"    {prefix + ': ' if prefix else ''}{cell(row.message)}",
                          highlight=False, markup=True, emoji=False)
            if len(group) > max_per_rule:
                out.print(f"    [dim]… and {len(group) - max_per_rule:,} more "
                          "(--max-per-rule, or --format json for all)[/dim]", highlight=False)
    if report.claims:
        print_claims(report.claims)
    s = report.summary()
    status = "[green]OK[/green]" if report.ok else "[red]FAILED[/red]"
    out.print(f"{status}: {s['errors']} error(s), {s['warnings']} warning(s) in "
              f"{len(report.layers)} layer(s); claims {s['claims_passed']} passed, "
              f"{s['claims_failed']} failed, {s['claims_context']} context", highlight=False)


def print_claims(claims) -> None:  # type: ignore[no-untyped-def]
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="The 2017 report's claims, measured from the data")
    for column in ("claim", "value", "target", "result", "note"):
        table.add_column(column)
    for c in claims:
        unit = f" {c.unit}" if c.unit else ""
        result = "[green]pass[/green]" if c.passed else "[dim]context[/dim]" \
            if c.passed is None else "[red]FAIL[/red]"
        note = c.note
        if c.features:
            note = (note + "; " if note else "") + "breaks: " + ", ".join(c.features[:8]) \
                + (" …" if len(c.features) > 8 else "")
        table.add_row(f"{c.id}\n[dim]{escape(c.claim_en)}[/dim]", escape(f"{c.value}{unit}"),
                      escape(f"{c.target}{unit}"), result, escape(note))
    console().print(table)


@click.command()
@path_arg
@src_crs_opt
@click.option("--format", "fmt", type=click.Choice(["text", "json", "pdf", "html"]),
              default="text", show_default=True,
              help="text/json: the claims on stdout; pdf/html: the ward's report document "
                   "(with -o).")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="The PDF or HTML file to write (atomically); - writes to standard output.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the document.")
@click.option("--title", default=None, help="Title of the document.")
@click.option("--trend", is_flag=True, help="PATH is a store: each claim's value per revision.")
@click.pass_context
@rev_opts
def report(ctx: click.Context, path: str | None, src_crs: str | None, fmt: str,
           output: str | None, lang: str, title: str | None, trend: bool) -> None:
    """Measure the 2017 report's claims on PATH (default: the bundled inventory), or
    write the ward's infrastructure report as a PDF or HTML document.

    Exit 0 when every checkable claim passes, 1 when one fails (for a document: or the
    data has errors; the document is written all the same), 2 when nothing can be read
    or written.

    \b
    Examples:
      kimson-geo report
      kimson-geo report survey/ --format json
      kimson-geo report --trend ward.gpkg
      kimson-geo report ward.gpkg --trend --format pdf -o ward.pdf
      kimson-geo report --format pdf -o kimson.pdf
      kimson-geo report survey/ --format html -o survey.html --lang en
    """
    if fmt in ("pdf", "html") or output is not None:
        from .document import write_document

        ctx.exit(write_document(path, src_crs=src_crs, fmt=fmt, output=output, lang=lang,
                                title=title, trend=trend))
    if trend:
        from .store import show_trend

        ctx.exit(show_trend(path or "", fmt))

    from ..validation.claims import measure_claims

    claims = measure_claims(kimson_geo.load(path, src_crs=src_crs))
    if fmt == "json":
        print_json([c.to_dict() for c in claims])
    else:
        print_claims(claims)
    ctx.exit(1 if any(c.passed is False for c in claims) else 0)
