"""The ``kimson-geo`` command: a thin shell over the Python API.

Every command parses its options, calls one public function and prints.  Errors of the
package become one line on stderr and exit code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from typing import Any

import click

from .. import __version__
from ..errors import KimsonGeoError
from .output import warn

_COMMANDS = {
    "info": ("kimson_geo.cli.info", "info"),
    "summary": ("kimson_geo.cli.info", "summary"),
    "query": ("kimson_geo.cli.query", "query"),
    "export": ("kimson_geo.cli.export", "export"),
    "validate": ("kimson_geo.cli.validate", "validate"),
    "report": ("kimson_geo.cli.validate", "report"),
    "map": ("kimson_geo.cli.map", "map_"),
    "import": ("kimson_geo.cli.import_", "import_"),
    "store": ("kimson_geo.cli.store", "store"),
    "diff": ("kimson_geo.cli.diff", "diff"),
}


class CommandLoadError(click.ClickException):
    """A command's module failed to import: a broken installation, said with its cause."""

    exit_code = 2


def _debug(ctx: click.Context | None) -> bool:
    """Whether ``--debug`` was given (readable before the group's callback has run)."""
    return ctx is not None and bool(ctx.find_root().params.get("debug"))


class KimsonGroup(click.Group):
    """Loads each command's module on demand and turns every error into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*_COMMANDS, *self.commands]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:  # one added with click's add_command
            return super().get_command(ctx, cmd_name)
        from importlib import import_module  # (looked up at each call: tests replace it)

        module, attr = _COMMANDS[cmd_name]
        try:
            return getattr(import_module(module), attr)
        except Exception as exc:  # ImportError, or any error raised while importing
            if _debug(ctx):
                raise
            raise CommandLoadError(
                f"command {cmd_name!r} cannot be loaded: {type(exc).__name__}: "
                f"{one_line(exc)} (a broken installation? run again with --debug)"
            ) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # --help lists every command, and says which one cannot be loaded instead of failing
        rows = []
        for name in self.list_commands(ctx):
            try:
                command = self.get_command(ctx, name)
            except click.ClickException as exc:
                rows.append((name, exc.format_message()))
                continue
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            library_warnings_as_lines()
            try:
                return super().invoke(ctx)
            except (click.ClickException, click.exceptions.Exit, click.Abort):
                raise
            except KimsonGeoError as exc:
                if _debug(ctx):
                    raise
                click.echo(f"kimson-geo: error: {one_line(exc)}", err=True)
                ctx.exit(exc.exit_code)
            except BrokenPipeError:
                quiet_stdout()  # the reader went away (| head): nothing more to say
                ctx.exit(0)
            except (KeyboardInterrupt, Exception) as exc:
                if _interrupted(exc):  # (inside a C extension, such as ijson, it arrives wrapped)
                    click.echo("kimson-geo: interrupted", err=True)
                    ctx.exit(130)
                if _debug(ctx):
                    raise
                click.echo(f"kimson-geo: internal error: {type(exc).__name__}: {one_line(exc)} "
                           "(run again with --debug for the traceback)", err=True)
                ctx.exit(2)

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """Click's ``main``, with usage errors on one line (plus exit 2), not four."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            ctx = exc.ctx if isinstance(exc, click.UsageError) else None
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            click.echo(f"kimson-geo: error: {one_line(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("kimson-geo: aborted", err=True)
            sys.exit(1)
        except BrokenPipeError:
            quiet_stdout()
            sys.exit(0)
        sys.exit(result if isinstance(result, int) else 0)


def _interrupted(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt caused ``exc`` (a C extension may wrap it in a SystemError)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def library_warnings_as_lines() -> None:
    """The CLI's warning policy (inside ``warnings.catch_warnings``): numeric and
    deprecation noise from libraries (shapely, pyogrio, numpy) is silenced; any other
    warning is one escaped ``kimson-geo: warning:`` line, once per message."""
    seen: set[str] = set()

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        text = one_line(message if isinstance(message, BaseException) else str(message))
        if text not in seen:
            seen.add(text)
            warn(text)

    warnings.simplefilter("default")
    for category in (RuntimeWarning, DeprecationWarning, PendingDeprecationWarning,
                     FutureWarning):
        warnings.simplefilter("ignore", category)
    warnings.showwarning = show


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so that the flush at exit does not fail on a closed pipe."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no real fd (CliRunner)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def one_line(exc: BaseException | str) -> str:
    """The message on a single line, control characters escaped (it may quote the data)."""
    from ..render.text import plain

    text = exc if isinstance(exc, str) else (str(exc) or type(exc).__name__)
    return plain(" ".join(text.split())) or "error"


@click.group("kimson-geo", cls=KimsonGroup,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kimson-geo")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def cli(debug: bool) -> None:
    """Infrastructure layers of phường Kim Sơn: load, validate, map, query, export.

    With no PATH, commands work on the bundled (schematic) Kim Sơn inventory.

    \b
    Examples:
      kimson-geo info
      kimson-geo query roads --where "kind == 'main'"
      kimson-geo query roads survey/ --src-crs EPSG:5899
      kimson-geo export roads -o roads.geojson
    """


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (``kimson-geo`` and ``python -m kimson_geo``).

    Without ``argv`` the process ends with :func:`os._exit` once the output is flushed:
    the interpreter's teardown of pandas, GDAL and the data (0.4 s on a 10,000-road file)
    is time the user waits for nothing.  With ``argv`` (tests) it raises ``SystemExit``.
    """
    try:
        cli.main(args=argv, prog_name="kimson-geo")  # (it always ends in SystemExit)
    except SystemExit as exc:
        if argv is not None:
            raise
        code = exc.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code or 0)
