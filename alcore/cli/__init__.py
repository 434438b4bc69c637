"""The ``alcore`` command line. One module per command group, each with ``register(sub)``.

``register`` adds its sub-command(s) to the argparse sub-parsers and sets ``func`` (called
with the parsed arguments; its return value is the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from alcore import __version__
from alcore.core.errors import UnknownNameError

# command-group modules; each one adds its own sub-commands
GROUPS = ("data", "embed", "run", "verify", "bench", "book")


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


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    # OSError: an unwritable store or cache, a full disk (the message says what to do)
    except (UnknownNameError, ValueError, OSError, RuntimeError) as exc:
        print(f"alcore {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
