"""``alcore store``: pack a results store for git, unpack it, check a packed one.

The packed layout and its manifest are :mod:`alcore.runs.store_pack`'s. The project commits
the paper's design packed under ``stores/paper/``; ``make book`` unpacks it into
``results/paper/``, where ``alcore run --profile paper`` resumes the grid and ``alcore
verify --profile paper`` recomputes a sample of its runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alcore.embedding.catalog import embedding_table
from alcore.runs.store_pack import check_packed, pack, unpack

__all__ = ["register"]


def register(sub) -> None:
    """Add ``store pack|unpack|check`` to the sub-parsers ``sub``."""
    p = sub.add_parser(
        "store",
        help="pack a results store for git, unpack it, check a packed one",
        description="A results store holds one file per run; its packed form holds one "
        "compressed table per (dataset, encoder) and a manifest of sha256 sums, small "
        "enough to commit.",
    )
    cmds = p.add_subparsers(dest="store_command", metavar="STORE_COMMAND", required=True)
    fmt = argparse.ArgumentDefaultsHelpFormatter
    pk = cmds.add_parser(
        "pack",
        help="write a store's finished runs as a packed store",
        formatter_class=fmt,
        description="Pack the finished runs, upper bounds and provenance of a results "
        "store; only tables whose bytes change are rewritten.",
    )
    pk.add_argument("--store", type=Path, required=True, help="the results directory")
    pk.add_argument("--out", type=Path, required=True, help="the packed store's folder")
    pk.add_argument(
        "--no-embeddings",
        action="store_true",
        help="keep the store's record of its embeddings as it is (default: record the "
        "embedding cache's sidecars of the store's pairs, for Table 4)",
    )
    pk.add_argument("--no-progress", action="store_true")
    pk.set_defaults(func=_pack)
    up = cmds.add_parser(
        "unpack",
        help="write a packed store's runs into a results store",
        formatter_class=fmt,
        description="Check the packed store against its manifest, then write every run "
        "the results store lacks (a local run is never overwritten).",
    )
    up.add_argument("packed", type=Path, help="the packed store's folder")
    up.add_argument("--store", type=Path, required=True, help="the results directory")
    up.add_argument("--no-progress", action="store_true")
    up.set_defaults(func=_unpack)
    ck = cmds.add_parser(
        "check",
        help="check a packed store's files against its manifest",
        formatter_class=fmt,
    )
    ck.add_argument("packed", type=Path, help="the packed store's folder")
    ck.set_defaults(func=_check)


def _pack(args) -> int:
    emb = None if args.no_embeddings else embedding_table()
    manifest = pack(args.store, args.out, embeddings=emb, progress=not args.no_progress)
    tables = sum(rel.startswith("runs/") for rel in manifest["files"])
    print(
        f"packed {manifest['runs']} runs ({manifest['rows']} rows) of {args.store} into "
        f"{tables} tables under {args.out}: {manifest['bytes'] / 1e6:.1f} MB"
    )
    return 0


def _unpack(args) -> int:
    c = unpack(args.packed, args.store, progress=not args.no_progress)
    kept = c["kept_local"]
    print(
        f"unpacked {c['runs']} runs into {args.store}: {c['written']} written, "
        f"{c['same']} already there"
        + (f", {kept} local runs that differ kept as they are" if kept else "")
    )
    return 0


def _check(args) -> int:
    m = check_packed(args.packed)
    print(f"{args.packed}: {m['runs']} runs in {len(m['files'])} files match the manifest")
    return 0
