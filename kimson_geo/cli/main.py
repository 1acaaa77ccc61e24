"""The ``kimson-geo`` command: a thin shell over the Python API.

Every command parses its options, calls one public function and prints.  Errors of the
package become one line on stderr and exit code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from .. import __version__
from ..errors import KimsonGeoError

_COMMANDS = {
    "info": ("kimson_geo.cli.info", "info"),
    "summary": ("kimson_geo.cli.info", "summary"),
    "query": ("kimson_geo.cli.query", "query"),
    "export": ("kimson_geo.cli.export", "export"),
    "validate": ("kimson_geo.cli.validate", "validate"),
    "report": ("kimson_geo.cli.validate", "report"),
    "map": ("kimson_geo.cli.map", "map_"),
    "store": ("kimson_geo.cli.store", "store"),
    "diff": ("kimson_geo.cli.diff", "diff"),
}


class KimsonGroup(click.Group):
    """Loads each command's module on demand and turns package errors into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        from importlib import import_module

        module, attr = _COMMANDS[cmd_name]
        try:
            command = getattr(import_module(module), attr)
        except (ImportError, AttributeError):
            return None
        return command if isinstance(command, click.Command) else None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KimsonGeoError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"kimson-geo: error: {one_line(exc)}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (| head); nothing more to say
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("kimson-geo: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(
                f"kimson-geo: internal error: {type(exc).__name__}: {one_line(exc)} "
                "(run again with --debug for the traceback)",
                err=True,
            )
            ctx.exit(2)


def one_line(exc: BaseException) -> str:
    """The exception's message on a single line."""
    return " ".join(str(exc).split()) or type(exc).__name__


@click.group(cls=KimsonGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kimson-geo")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Infrastructure layers of phường Kim Sơn: load, validate, map, query, export.

    With no PATH, commands work on the bundled (schematic) Kim Sơn inventory.

    \b
    Examples:
      kimson-geo info
      kimson-geo query roads --where "kind == 'main'"
      kimson-geo export roads -o roads.geojson
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="kimson-geo")
