"""``alcore book``: your grid, your book (embed, run the grid, build the report for it)."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from alcore.cli.run import configs_and_store, run_configs
from alcore.data import DATASETS
from alcore.embedding.embed import ENCODERS
from alcore.runs.experiment import Grid
from alcore.runs.grid import resolve_loader

__all__ = ["register"]

EPILOG = """\
example (a CSV of your own, see the README):
  cat > my.yaml <<'END'
  datasets:
    - {name: disaster, path: data/disaster.csv, text_col: text, label_col: label}
  encoders: [glove50, potion8m, minilm]
  ips: [random, typiclust]
  k0: [batch]
  strategies: all
  seeds: [0, 1, 2]
  budget: registry      # a user dataset: its entry's budget (a number, or the budget rule)
  cycles: 20
  END
  alcore book --config my.yaml --jobs 2     # -> results/my/ and book/_build/html

The grid is validated before any work; finished runs are skipped (rerun to resume).
"""


def register(sub) -> None:
    """Add ``book`` to the sub-parsers ``sub``."""
    p = sub.add_parser(
        "book",
        help="embed, run a grid YAML and build the book for it",
        description="Build the report for your own grid: embed every (dataset, encoder) pair "
        "(cached), run the grid into results/<config stem>/ and execute the "
        "book's notebooks on that store (alcore.report.build).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, required=True, help="a grid YAML file")
    p.add_argument("--store", type=Path, help="results directory (default results/<stem>)")
    p.add_argument("--jobs", "-j", type=int, default=1, help="local worker processes")
    p.add_argument("--retry-failed", action="store_true", help="re-run recorded failures")
    p.add_argument(
        "--no-build", action="store_true", help="execute the notebooks but do not build the HTML"
    )
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--embeddings",
        default=None,
        metavar="MODULE:FUNCTION",
        help="custom load_embeddings(dataset, encoder) instead of the embedding "
        "cache (as in 'alcore run'); skips registry name checks",
    )
    p.set_defaults(func=_book)


def _build(cmd) -> int:
    """Run :mod:`alcore.report.build` (a separate process: the notebooks run in their own
    kernels).

    The builder runs in its own session, so a Ctrl-C reaches this process alone: it stops
    the builder's whole process group and re-raises, and the user sees one line, not the
    tracebacks of the builder and its kernels.
    """
    proc = subprocess.Popen(cmd, start_new_session=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        raise


def _book(args) -> int:
    loader = resolve_loader(args.embeddings)  # an unimportable loader fails now
    grid = Grid.from_yaml(args.config)
    # everything validated (and user datasets registered) before any work
    configs, store = configs_and_store(grid, args)
    pairs = list(dict.fromkeys((c.dataset, c.encoder) for c in configs))
    print(
        f"alcore book: {grid.name}: {len(configs)} runs over {len(pairs)} dataset x "
        f"encoder pairs -> {store.path}",
        flush=True,
    )
    if args.embeddings is None:
        for dataset, encoder in pairs:  # fill the embedding cache (a hit: one file read)
            loader(dataset, encoder, progress=not args.no_progress)
    summary = run_configs(configs, store, args)
    print(
        f"alcore book: {summary['done']} runs done now, {summary['already_done']} already "
        f"done, {summary['failed']} failed",
        flush=True,
    )
    cmd = [sys.executable, "-m", "alcore.report.build"]
    cmd += ["--profile", grid.name, "--store", str(store.path)]
    # the notebooks load only the grid's datasets and encoders, nothing else is fetched
    datasets = [d for d in dict.fromkeys(c.dataset for c in configs) if d in DATASETS]
    encoders = [e for e in dict.fromkeys(c.encoder for c in configs) if e in ENCODERS]
    if datasets:
        cmd += ["--datasets", *datasets]
    if encoders:
        cmd += ["--encoders", *encoders]
    if args.no_build:
        cmd.append("--no-build")
    built = _build(cmd)
    if built:
        print(
            f"alcore book: building the book failed (exit {built}): {' '.join(cmd)}",
            file=sys.stderr,
        )
        return built
    if summary["failed"]:
        print(
            f"alcore book: the book was built without {summary['failed']} failed runs; "
            f"'alcore results --store {store.path}' lists them",
            file=sys.stderr,
        )
        return 1
    return 0
