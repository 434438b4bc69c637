"""The ``alcore`` command line. One module per command group, each with ``register(sub)``.

``register`` adds its sub-command(s) to the argparse sub-parsers and sets ``func`` (called
with the parsed arguments; its return value is the exit code).

Every error reaches the user as one line on stderr naming what to fix (exit 2). An error
alcore did not expect is one line too, saying it is a bug to report; its traceback goes to a
log file under ``$ALCORE_HOME/logs`` (exit 70). Ctrl-C is one line and exit 130. Commands
that write to ALCORE_HOME check first that it is writable and not full.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

from alcore import __version__
from alcore.core.errors import UnknownNameError
from alcore.core.paths import check_home, home

# command-group modules; each one adds its own sub-commands
GROUPS = ("data", "embed", "run", "verify", "store", "bench", "book")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alcore",
        description=(
            "Active learning on frozen text embeddings: datasets, encoders, the embedding "
            "cache, experiment grids and benchmarks. Run 'alcore COMMAND --help' for details."
        ),
    )
    parser.add_argument("--version", action="version", version=f"alcore {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        importlib.import_module(f"{__name__}.{group}").register(sub)
    return parser


#: errors that are the input's or the machine's, not alcore's: the message says what to do
USER_ERRORS = (UnknownNameError, ValueError, OSError, RuntimeError)
#: longest error line printed (a message quoting a huge value is cut)
MAX_MESSAGE = 1000


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _writes_home(args) -> bool:
    """Whether the command writes to ALCORE_HOME (caches, records), so it is checked first."""
    if args.command in ("run", "book", "bench"):
        return True
    if args.command == "embed":
        return not args.list
    return args.command == "data" and getattr(args, "data_command", None) in (
        "fetch",
        "add",
        "export-example",
    )


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """A warning as one ``alcore: ...`` line (not Python's file, line and source)."""
    print(f"alcore: {' '.join(str(message).split())}", file=file or sys.stderr)


def _log_internal_error(prog: str) -> Path:
    """Write the current exception's traceback to a log file; return its path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = f"{prog} {' '.join(sys.argv[1:])}\n\n{traceback.format_exc()}"
    for folder in (home() / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"alcore-error-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return Path("(no writable log folder)")


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    prog = f"alcore {args.command}"
    shown, warnings.showwarning = warnings.showwarning, _show_warning
    try:
        if _writes_home(args):
            check_home()
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(
            f"{prog}: interrupted; finished work is kept (run the same command to go on)",
            file=sys.stderr,
        )
        return 130
    except USER_ERRORS as exc:
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:
        log = _log_internal_error(prog)
        print(
            f"{prog}: internal error ({type(exc).__name__}: {_one_line(exc)}); this is a bug "
            f"in alcore: please report it with the traceback kept in {log}",
            file=sys.stderr,
        )
        return 70
    finally:
        warnings.showwarning = shown


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
