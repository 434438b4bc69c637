"""``alcore run`` (run a grid or one run into a results store) and ``alcore results``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from alcore.engine import strategies
from alcore.engine.identity import code_identity
from alcore.runs.grid import planned_identity
from alcore.runs.store import same_identity

__all__ = ["register"]


def register(sub) -> None:
    """Add ``run`` and ``results`` to the sub-parsers ``sub``."""
    p = sub.add_parser(
        "run",
        help="run an experiment grid (a profile, a YAML file, or one run)",
        description="Run every configuration of a grid that the results store does not hold "
        "yet. Finished runs are skipped, so a killed grid resumes where it stopped.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--profile", help="experiments/<PROFILE>.yaml: quick, default or paper")
    src.add_argument("--config", type=Path, help="a grid YAML file")
    one = p.add_argument_group("one run (instead of --profile/--config)")
    one.add_argument("--dataset")
    one.add_argument("--encoder")
    one.add_argument("--ips", default="random", help=f"one of {', '.join(strategies.IPS_NAMES)}")
    one.add_argument("--strategy", default="random", help=f"one of {', '.join(strategies.NAMES)}")
    one.add_argument("--seed", type=int, default=0)
    one.add_argument("--k0", default="batch", help='initial pool size, or "batch"')
    one.add_argument("--budget", default="registry", help='final pool size B, or "registry"')
    one.add_argument("--cycles", type=int, default=20)
    one.add_argument("--pool-cap", type=int, default=None)
    p.add_argument(
        "--store",
        type=Path,
        help="results directory (default results/<profile or config name>, "
        "results/single for one run)",
    )
    p.add_argument("--jobs", "-j", type=int, default=1, help="local worker processes")
    p.add_argument("--scheduler", help="Dask scheduler address tcp://HOST:PORT")
    p.add_argument("--retry-failed", action="store_true", help="re-run recorded failures")
    p.add_argument("--dry-run", action="store_true", help="only count the runs to do")
    p.add_argument(
        "--only",
        metavar="DATASET[,DATASET]",
        help="run only these datasets of the grid (a long grid one dataset at a time)",
    )
    p.add_argument(
        "--cached-only",
        action="store_true",
        help="run only the (dataset, encoder) pairs whose embeddings the cache holds, and "
        "name the others (e.g. an encoder too slow to embed here; `alcore embed` fills it)",
    )
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--embeddings",
        default=None,
        metavar="MODULE:FUNCTION",
        help="custom load_embeddings(dataset, encoder) (default: the embedding "
        "cache, alcore.embedding.embed.load_embeddings); skips registry name checks",
    )
    p.set_defaults(func=_run)

    r = sub.add_parser(
        "results",
        help="summarise a results store",
        description="Runs done and failed per dataset x encoder x strategy, "
        "and the mean final accuracy.",
    )
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--profile", help="the store results/<PROFILE>")
    src.add_argument("--store", type=Path, help="a results directory")
    r.add_argument("--json", action="store_true", help="print JSON instead of a table")
    r.set_defaults(func=_results)


def _grid_of(args):
    from alcore.runs.experiment import Grid, load_profile

    if args.profile:
        return load_profile(args.profile)
    if args.config:
        return Grid.from_yaml(args.config)
    if not (args.dataset and args.encoder):
        raise ValueError("give --profile, --config, or --dataset and --encoder for one run")
    k0 = args.k0 if args.k0 == "batch" else _int(args.k0, "--k0")
    budget = args.budget if args.budget == "registry" else _int(args.budget, "--budget")
    spec = {
        "datasets": [args.dataset],
        "encoders": [args.encoder],
        "ips": [args.ips],
        "k0": [k0],
        "strategies": [args.strategy],
        "seeds": [args.seed],
        "budget": budget,
        "cycles": args.cycles,
    }
    if args.pool_cap is not None:
        spec["pool_cap"] = args.pool_cap
    return Grid(spec, name="single")


def _int(text, what):
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what} must be an integer, got {text!r}") from None


def configs_and_store(grid, args):
    """The grid's validated configs and its writable store (``--store`` or the default)."""
    from alcore.runs.store import ResultStore, default_store_path

    configs = grid.configs(check_names=args.embeddings is None)
    store = ResultStore(args.store or default_store_path(grid.name)).check_writable()
    return configs, store


def select_configs(configs, only=None, is_cached=None):
    """The part of a grid to run: the datasets ``only`` names (all if None) and, with
    ``is_cached`` (``(dataset, encoder) -> bool``), the pairs it holds.

    Returns ``(configs, skipped)``: the configs kept and the sorted (dataset, encoder) pairs
    left out for want of embeddings. A name of ``only`` the grid lacks raises ValueError.
    """
    if only is not None:
        names = set(dict.fromkeys(c.dataset for c in configs))
        unknown = sorted(set(only) - names)
        if unknown:
            raise ValueError(
                f"--only names datasets the grid does not have: {', '.join(unknown)}; "
                f"the grid's: {', '.join(sorted(names))}"
            )
        configs = [c for c in configs if c.dataset in set(only)]
    if is_cached is None:
        return configs, []
    pairs = {p: bool(is_cached(*p)) for p in dict.fromkeys((c.dataset, c.encoder) for c in configs)}
    kept = [c for c in configs if pairs[(c.dataset, c.encoder)]]
    return kept, sorted(p for p, ok in pairs.items() if not ok)


def run_configs(configs, store, args):
    """:func:`alcore.runs.grid.run_grid` with the options of ``run`` (and ``book``, which has no
    ``--scheduler``)."""
    from alcore.runs.grid import run_grid

    return run_grid(
        configs,
        store,
        jobs=args.jobs,
        scheduler=getattr(args, "scheduler", None),
        retry_failed=args.retry_failed,
        progress=not args.no_progress,
        load_embeddings=args.embeddings,
    )


def _run(args) -> int:
    from alcore.runs.grid import resolve_loader

    resolve_loader(args.embeddings)  # a loader module that cannot be imported fails now
    grid = _grid_of(args)
    if args.cached_only and args.embeddings:
        raise ValueError("--cached-only reads the embedding cache; --embeddings replaces it")
    configs, store = configs_and_store(grid, args)
    only = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None
    configs, skipped = select_configs(configs, only, _is_cached if args.cached_only else None)
    if skipped:
        print(
            f"{grid.name}: left out, their embeddings not cached: "
            + ", ".join(f"{d} x {e}" for d, e in skipped)
        )
    if args.dry_run:
        left = len(configs) - _stored(configs, store, args.embeddings)
        print(
            f"{grid.name}: {len(configs)} runs, {len(configs) - left} stored with the current "
            f"data, embeddings and code, {left} to do -> {store.path}"
        )
        return 0
    summary = run_configs(configs, store, args)
    print(
        f"{grid.name}: {summary['total']} runs; {summary['already_done']} already done, "
        f"{summary['done']} done now, {summary['failed']} failed, "
        f"{summary['skipped_failed']} failed earlier (skipped; --retry-failed re-runs them), "
        f"{summary['claimed_elsewhere']} left to another runner, "
        f"{summary['upper_bounds']} upper bounds; {summary['seconds']:.1f} s -> "
        f"{summary['store']}"
    )
    return 1 if summary["failed"] else 0


def _is_cached(dataset, encoder) -> bool:
    from alcore.embedding.embed import cached_sha256

    return cached_sha256(dataset, encoder) is not None


def _stored(configs, store, loader) -> int:
    """How many of ``configs`` the store holds with the identity the run would compute
    (:func:`alcore.runs.grid.planned_identity`: nothing is embedded or run)."""
    stored, pairs = store.run_identities(), {}
    n = 0
    for c in {c.key(): c for c in configs}.values():
        pair = (c.dataset, c.encoder)
        if pair not in pairs:
            try:
                pairs[pair] = planned_identity(c.dataset, c.encoder, loader)
            except Exception:  # the run records this pair as failed: nothing of it is stored
                pairs[pair] = None
        if pairs[pair] is not None:
            ident = {**pairs[pair], "code": code_identity(c.ips, c.strategy)}
            n += same_identity(stored.get(c.key()), ident)
    return n


def summarise(store):
    """Per (study, dataset, encoder, ips, strategy): runs done, failed, mean final accuracy."""
    import pandas as pd

    from alcore.runs.store import ResultStore, load_results

    store = store if isinstance(store, ResultStore) else ResultStore(store)
    df = load_results(store)
    keys = ["study", "dataset", "encoder", "ips", "strategy"]
    if len(df):
        final = df[df["cycle"] == df["cycles"]]
        table = (
            final.groupby(keys)
            .agg(done=("run_key", "nunique"), final_accuracy=("accuracy", "mean"))
            .reset_index()
        )
    else:
        table = pd.DataFrame(columns=keys + ["done", "final_accuracy"])
    fails = store.failures()
    if len(fails):
        # failure records of any age or state: a missing field reads as "-" ("main" for the
        # study), and every key column is text in both tables, so the merge never sees
        # str against float
        for col in keys:
            fill = "main" if col == "study" else "-"
            fails[col] = fails[col].fillna(fill) if col in fails else fill
            fails[col] = fails[col].astype(str)
            table[col] = table[col].astype(str)
        nf = fails.groupby(keys, dropna=False).size().rename("failed").reset_index()
        table = table.merge(nf, on=keys, how="outer")
    else:
        table["failed"] = 0
    table["done"] = table["done"].fillna(0).astype(int)
    table["failed"] = table["failed"].fillna(0).astype(int)
    return table.sort_values(keys).reset_index(drop=True)


def _results(args) -> int:
    from alcore.runs.store import ResultStore, default_store_path

    store = ResultStore(args.store or default_store_path(args.profile))
    if not store.path.is_dir():
        raise FileNotFoundError(f"no results store at {store.path}; run 'alcore run' first")
    table = summarise(store)
    if args.json:
        print(json.dumps(table.to_dict(orient="records"), indent=1, default=str))
    elif not len(table):
        print(f"{store.path}: empty")
    else:
        print(
            f"{store.path}: {int(table['done'].sum())} runs done, "
            f"{int(table['failed'].sum())} failed"
        )
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
        fails = store.failures()
        if len(fails):
            print(
                f"\nfailed runs (re-run them with 'alcore run ... --retry-failed'; the full "
                f"tracebacks are in {store.failed_dir}):"
            )
            for _, f in fails.iterrows():
                what = " ".join(
                    str(f.get(c))
                    for c in ("dataset", "encoder", "ips", "strategy", "seed")
                    if c in f and f.get(c) == f.get(c)
                )
                print(f"  {f['run_key']}  {what}: {str(f['error']).splitlines()[0][:160]}")
    return 0
