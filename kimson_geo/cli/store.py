"""``kimson-geo store init|accept|log`` and the claims' trend of ``report --trend``."""

from __future__ import annotations

import click

from .options import InventoryPath

store_arg = click.argument("store", metavar="STORE")


@click.group()
def store() -> None:
    """Keep the inventory over time: a store of every layer and its history.

    STORE is a GeoPackage file (ward.gpkg) or a PostgreSQL database with PostGIS
    (postgresql://user@host/db, tables in the schema after '#', default kimson).
    A revision is STORE@N everywhere (validate, map, report, export, diff).

    \b
    Examples:
      kimson-geo store init ward.gpkg --from data/
      kimson-geo store accept ward.gpkg delivery-2024/ -m "2024 survey" --author "QLĐT"
      kimson-geo store log ward.gpkg
      kimson-geo diff ward.gpkg@1 ward.gpkg@2
    """


@store.command("init")
@store_arg
@click.option("--from", "source", type=InventoryPath(), default=None,
              help="Record this inventory as revision 1.")
@click.option("-m", "--message", default=None, help="Message of revision 1.")
@click.option("--author", default=None, help="Who records revision 1.")
@click.option("--allow-errors", is_flag=True, help="Record it even with validation errors.")
def init(store: str, source: str | None, message: str | None, author: str | None,
         allow_errors: bool) -> None:
    """Create STORE (empty, or with PATH as revision 1)."""
    from ..errors import DeliveryRefused
    from ..store import init_store

    try:
        created = init_store(store, source=source, message=message, author=author,
                             allow_errors=allow_errors)
    except DeliveryRefused as exc:
        _refused(exc)
    head = created.head()
    click.echo(f"created {store}" + (f" at revision {head}" if head else " (empty)"), err=True)


@store.command()
@store_arg
@click.argument("path", type=InventoryPath())
@click.option("-m", "--message", required=True, help="What this delivery is.")
@click.option("--author", default=None, help="Who delivered or accepted it.")
@click.option("--allow-errors", is_flag=True,
              help="Record a delivery with validation errors anyway (marked in the log).")
@click.option("--wait", "wait_s", type=click.FloatRange(min=0), default=30.0,
              show_default=True, metavar="S", help="Wait this long for another accept.")
def accept(store: str, path: str, message: str, author: str | None, allow_errors: bool,
           wait_s: float) -> None:
    """Validate PATH and record what it changes as STORE's next revision.

    Exit 1 with the validation report when PATH has errors (STORE is not touched).
    Layers PATH does not hold stay as they are.
    """
    from ..errors import DeliveryRefused
    from ..store import open_store

    target = open_store(store)
    try:
        revision = target.accept(path, message=message, author=author,
                                 allow_errors=allow_errors, wait_s=wait_s)
    except DeliveryRefused as exc:
        _refused(exc)
    if revision is None:
        click.echo(f"nothing changed: {store} stays at revision {target.head()}", err=True)
        return
    click.echo(f"revision {revision.rev}: {_counts_text(revision.counts)}", err=True)


def _refused(exc: Exception) -> None:
    """Print the report of a refused delivery and exit 1."""
    from .validate import print_report

    report = getattr(exc, "report", None)
    if report is not None and report.layers:
        print_report(report)
    click.echo(f"kimson-geo: error: {exc}", err=True)
    raise SystemExit(1)


def _counts_text(counts: dict[str, dict[str, int]]) -> str:
    return "; ".join(f"{layer} +{c['added']} -{c['removed']} ~{c['modified']}"
                     for layer, c in counts.items()) or "no changes"


def _claim_value(claim: dict) -> str:  # type: ignore[type-arg]
    unit = f" {claim['unit']}" if claim.get("unit") else ""
    mark = {True: " ✓", False: " ✗"}.get(claim.get("passed"), "")
    return f"{claim.get('value')}{unit}{mark}"


@store.command()
@store_arg
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def log(store: str, fmt: str) -> None:
    """Every revision: time, author, message, counts per layer, the claims' values."""
    from ..store import open_store

    revisions = open_store(store).revisions()
    if fmt == "json":
        from .output import print_json

        print_json([r.to_dict() for r in revisions])
        return
    from rich.markup import escape

    from .output import console

    out = console()
    for r in reversed(revisions):
        marked = " [red](recorded with validation errors)[/red]" if r.allow_errors else ""
        out.print(f"[bold]revision {r.rev}[/bold]  {escape(r.time)}  "
                  f"{escape(r.author or '-')}{marked}", highlight=False)
        out.print(f"    {escape(r.message)}", highlight=False)
        out.print(f"    {escape(_counts_text(r.counts))}", highlight=False)
        claims = ", ".join(f"{c['id']} {_claim_value(c)}" for c in r.claims)
        out.print(f"    [dim]claims: {escape(claims)}[/dim]", highlight=False)


def show_trend(location: str, fmt: str) -> int:
    """Print each claim's value per revision of the store; the exit code of ``report``
    (1 when a claim fails at the latest revision)."""
    from ..store import parse_ref

    ref = parse_ref(location)
    if ref is None:
        raise click.UsageError(f"--trend needs a store as PATH, not {location!r}")
    revisions = ref.open().revisions()
    ids = list(dict.fromkeys(c["id"] for r in revisions for c in r.claims))
    rows = {cid: {r.rev: next((c for c in r.claims if c["id"] == cid), None)
                  for r in revisions} for cid in ids}
    if fmt == "json":
        from .output import print_json

        print_json([{"rev": r.rev, "time": r.time, "message": r.message,
                     "claims": {c["id"]: {"value": c.get("value"), "passed": c.get("passed")}
                                for c in r.claims}} for r in revisions])
    else:
        from rich.markup import escape
        from rich.table import Table

        from .output import console

        table = Table(title="The claims at each revision")
        table.add_column("claim")
        for r in revisions:
            table.add_column(f"rev {r.rev}\n{r.time[:10]}")
        for cid in ids:
            table.add_row(escape(cid), *(escape(_claim_value(c)) if c else "–"
                                        for c in rows[cid].values()))
        console().print(table)
    last = revisions[-1].claims if revisions else []
    return 1 if any(c.get("passed") is False for c in last) else 0
