"""``kimson-geo report --format pdf|html``: the ward's report as a document."""

from __future__ import annotations

import click

from .output import working


def write_document(path: str | None, *, src_crs: str | None, fmt: str, output: str | None,
                   lang: str, title: str | None, trend: bool = False) -> int:
    """Write the report document; return the exit code (0, or 1 when the data has errors
    or a claim fails).  Errors of the package propagate (the group makes them one line)."""
    if fmt not in ("pdf", "html"):
        raise click.UsageError("-o/--output is for --format pdf or html")
    if output is None:
        raise click.UsageError(f"--format {fmt} needs -o FILE (- for standard output)")
    from ..document.context import gather
    from ..document.render import write_report

    history = revision = None
    if trend:
        from ..store import parse_ref

        ref = parse_ref(path or "")
        if ref is None:
            raise click.UsageError(f"--trend needs a store as PATH, not {path!r}")
        revisions = ref.open().revisions()
        history = [(f"{r.rev} ({str(r.time)[:10]})", r.claims) for r in revisions]
        revision = str(ref) if (ref.rev or ref.as_of) else (
            f"{ref.location}@{revisions[-1].rev}" if revisions else None)
    with working("validating…"):
        data = gather(path, src_crs=src_crs)
    with working(f"writing {output}…"):
        written = write_report(None, output, fmt=fmt, lang=lang, title=title, data=data,
                               revision=revision, trend=history)
    report = data.validation
    failed = any(c.passed is False for c in report.claims)
    if str(written) != "-":
        size = written.stat().st_size
        click.echo(f"wrote {written} ({size / 1024:.0f} KB; {report.error_count} error(s), "
                   f"{report.warning_count} warning(s) in the data)", err=True)
    return 1 if (failed or not report.ok) else 0
