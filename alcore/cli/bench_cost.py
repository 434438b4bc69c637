"""``alcore bench sample | cost-check | paper-cost``: what a profile costs, from measured runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alcore.cli.bench_io import DATA_DIR, csv_list, print_table, write


def register_cost(cmds) -> None:
    """Add ``sample``, ``cost-check`` and ``paper-cost`` to ``alcore bench``'s sub-parsers."""
    p = cmds.add_parser(
        "sample",
        help="run and time a seeded sample of a profile's AL configs (the cost model's data)",
    )
    p.add_argument("--profile", default="paper")
    p.add_argument("--n", type=int, default=40, help="runs in the sample")
    p.add_argument("--encoders", default=None, help="only these (embeddings cached here)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--spread", action="store_true", help="round-robin over (dataset, strategy) cells"
    )
    p.add_argument("--exclude", default=None, help="CSV of runs whose configs to leave out")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument(
        "--out", default=f"{DATA_DIR}/bench_cost_fit.csv", help="CSV appended to (resumable)"
    )
    p.set_defaults(func=_sample)

    p = cmds.add_parser(
        "cost-check",
        help="the cost model fitted to one sample of measured runs, checked on another",
    )
    p.add_argument(
        "--fit",
        default=f"{DATA_DIR}/bench_cost_fit.csv",
        help="measured runs (alcore bench sample's CSV) or a results store directory",
    )
    p.add_argument(
        "--check",
        default=f"{DATA_DIR}/bench_cost_check.csv",
        help="other measured runs (CSV) or a results store; runs also in --fit are dropped",
    )
    p.add_argument("--out", default=f"{DATA_DIR}/bench_cost_summary.csv", help="CSV; '' to skip")
    p.set_defaults(func=_cost_check)

    p = cmds.add_parser(
        "paper-cost",
        help="the paper profile's CPU-hours, extrapolated from "
        "measured whole runs (bench_cost_fit.csv)",
    )
    p.add_argument("--profile", default="paper")
    p.add_argument(
        "--runs",
        default=f"{DATA_DIR}/bench_cost_fit.csv",
        help="measured runs to extrapolate from (alcore bench sample)",
    )
    p.add_argument(
        "--store",
        default=None,
        help="a results directory whose AL runs to extrapolate from instead of --runs",
    )
    p.add_argument(
        "--budgets",
        default=None,
        help="NAME:B,... overriding the profile's budgets (e.g. trec6:1000)",
    )
    p.add_argument("--out", default=f"{DATA_DIR}/paper_cost.csv", help="CSV; '' to skip")
    p.set_defaults(func=_paper_cost)


def _sample(args):
    from pathlib import Path

    from alcore.bench.sample import measure_runs, sample_configs
    from alcore.runs.experiment import load_profile

    exclude = ()
    if args.exclude and Path(args.exclude).exists():
        exclude = set(pd.read_csv(args.exclude)["run_key"])
    configs = sample_configs(
        load_profile(args.profile),
        args.n,
        encoders=csv_list(args.encoders),
        random_state=args.seed,
        spread=args.spread,
        exclude=exclude,
    )
    df = measure_runs(configs, args.out, threads=args.threads, progress=True)
    print_table(df.drop(columns=["run_key"]) if len(df) else df)
    return 0


def _measured_runs(path):
    """Measured AL runs for the cost model: a sample's CSV, or a results store's runs."""
    from alcore.bench.cost import store_runs
    from alcore.runs.store import load_results

    path = Path(path)
    if not path.is_dir():
        return pd.read_csv(path)
    runs = store_runs(load_results(path))
    if runs.empty:
        raise ValueError(f"{path} holds no AL runs to fit or check the cost model on")
    return runs


def _cost_check(args):
    from alcore.bench.sample import check_model

    fit, check = _measured_runs(args.fit), _measured_runs(args.check)
    if "run_key" in fit and "run_key" in check:  # a run checked against itself is no check
        check = check[~check["run_key"].isin(set(fit["run_key"]))]
    if check.empty:
        raise ValueError(f"{args.check} holds no AL runs that are not also in {args.fit}")
    per_run, summary = check_model(fit, check)
    print_table(per_run[["dataset", "encoder", "strategy", "budget", "cpu_seconds", "predicted"]])
    print(summary)
    if args.out:
        pd.DataFrame([summary]).to_csv(args.out, index=False)
        print(f"wrote {args.out}")
    return 0


def _paper_cost(args):
    from alcore.bench import paper_cost
    from alcore.runs.experiment import load_profile

    pairs = (b.partition(":") for b in csv_list(args.budgets) or [])
    budgets = {name: int(value) for name, _, value in pairs}
    runs = _measured_runs(args.store) if args.store else pd.read_csv(args.runs)
    df = paper_cost(runs, load_profile(args.profile), budgets=budgets)
    print_table(df)
    write(df, args.out)
    return 0
