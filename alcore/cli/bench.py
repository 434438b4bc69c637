"""``alcore bench``: the strategy benchmark, the budget rule and whole-run timings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alcore.cli.bench_cost import register_cost
from alcore.cli.bench_io import DATA_DIR, csv_list, print_table, write


def register(sub) -> None:
    """Add ``alcore bench``: strategies, budget, accuracy, fullrun, refit, clustering,
    equivalence, paper-cost, sample, cost-check."""
    bench = sub.add_parser(
        "bench",
        help="benchmarks: strategies, budget, accuracy, fullrun, refit, clustering, equivalence, "
        "paper-cost",
        description="Benchmarks of alcore (time, memory, budgets).",
    )
    cmds = bench.add_subparsers(dest="bench_command", metavar="BENCH")
    bench.set_defaults(func=lambda a: bench.print_help() or 2)

    p = cmds.add_parser(
        "strategies",
        help="time and peak memory per query, alcore vs "
        "scikit-activeml, on synthetic data (each run in a fresh process)",
    )
    p.add_argument(
        "--setting",
        default="default",
        help="default (n=20000 dim=384), large (120000 x 768), huge (650000 x 384), "
        "weak (20000 x 384, overlapping classes, 400 labels)",
    )
    for name in ("n", "dim", "classes", "batch"):
        p.add_argument(f"--{name}", type=int, default=None, help=f"override the setting's {name}")
    p.add_argument("--strategies", default=None, help="comma-separated names (default all)")
    p.add_argument("--impls", default="alcore,skactiveml", help="alcore,skactiveml")
    p.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    p.add_argument("--timeout", type=float, default=300, help="seconds per run (default 300)")
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measurements per strategy and implementation, each in a fresh process; "
        "seconds is their median (default 1)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="skip the second, traced query (peak_mb from RSS sampling only)",
    )
    p.add_argument(
        "--out",
        default=f"{DATA_DIR}/bench_strategies.csv",
        help="CSV to update (rows of the same setting are replaced); '' to skip",
    )
    p.set_defaults(func=_strategies)

    p = cmds.add_parser(
        "budget",
        help="the budget B of a dataset: where Random sampling with "
        "the weakest encoder converges (alcore.engine.budget)",
    )
    p.add_argument("--encoder", default="glove50")
    p.add_argument("--dataset", default="all", help="a dataset name or 'all' offline ones")
    p.add_argument("--seeds", type=int, default=5, help="random permutations (default 5)")
    p.add_argument(
        "--target",
        type=float,
        default=None,
        help="fraction of the whole pool's validation macro-F1 that counts as "
        "converged (default alcore.engine.budget.TARGET, calibrated on TREC-6)",
    )
    p.add_argument("--out", default=f"{DATA_DIR}/budgets.csv", help="CSV; '' to skip")
    p.add_argument(
        "--curves",
        default=f"{DATA_DIR}/budget_curves.csv",
        help="CSV of the Random learning curves behind the budgets; '' to skip",
    )
    p.add_argument(
        "--calibration",
        default=f"{DATA_DIR}/budget_calibration.csv",
        help="CSV of the rule's calibration on trec6 (when trec6 is among the "
        "datasets); '' to skip",
    )
    p.set_defaults(func=_budget)

    p = cmds.add_parser(
        "accuracy",
        help="accuracy after a few cycles, alcore vs scikit-activeml driven by the same loop",
    )
    p.add_argument("--dataset", default="trec6")
    p.add_argument("--encoder", default="glove50")
    p.add_argument("--strategies", default=None)
    p.add_argument("--k0", type=int, default=50)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--cycles", type=int, default=5)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--out", default=f"{DATA_DIR}/bench_accuracy.csv", help="CSV; '' to skip")
    p.set_defaults(func=_accuracy)

    p = cmds.add_parser(
        "fullrun", help="wall time of a whole 20-cycle run per strategy, relative to Random"
    )
    p.add_argument("--dataset", default="health_tweets")
    p.add_argument("--encoder", default="glove50")
    p.add_argument("--strategies", default=None)
    p.add_argument("--budget", type=int, default=None, help="default: the registry's budget")
    p.add_argument("--cycles", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=f"{DATA_DIR}/bench_fullrun.csv", help="CSV; '' to skip")
    p.set_defaults(func=_fullrun)

    p = cmds.add_parser(
        "refit",
        help="whole runs with the plain from-scratch LBFGS refit vs "
        "the warm-started one: test-prediction agreement, AULC, time",
    )
    p.add_argument(
        "--datasets",
        default="trec6:1000,sms_spam:500,reuters_r8:700,rotten_tomatoes:1000,reuters_r52:1500",
        help="comma-separated NAME or NAME:BUDGET (default budget: the registry's)",
    )
    p.add_argument("--encoders", default="glove50")
    p.add_argument("--strategies", default="random,margin,badge")
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--cycles", type=int, default=20)
    p.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    p.add_argument("--out", default=f"{DATA_DIR}/refit_agreement.csv", help="CSV; '' to skip")
    p.set_defaults(func=_refit)

    p = cmds.add_parser(
        "clustering",
        help="one TypiClust query's clustering per back-end (alcore's exact k-means, faiss, "
        "the TypiClust authors' KMeans/MiniBatchKMeans) on real pools: CPU time, objective",
    )
    p.add_argument(
        "--datasets",
        default="sms_spam,trec6,reuters_r8,rotten_tomatoes,newsgroups20,crowdflower_tweets",
        help="comma-separated dataset names (the registry's budget sets the clusters)",
    )
    p.add_argument("--encoder", default="minilm")
    p.add_argument("--seeds", type=int, default=3, help="clusterings per back-end (median time)")
    p.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/faiss threads (default 1)")
    p.add_argument("--out", default=f"{DATA_DIR}/bench_clustering.csv", help="CSV; '' to skip")
    p.set_defaults(func=_clustering)

    p = cmds.add_parser(
        "equivalence",
        help="accept or reject a speed-up that changes bits: single-fit agreement and a "
        "TOST of the AULC over paired whole runs on the real datasets, per strategy",
    )
    p.add_argument(
        "--change",
        default=None,
        help="comma-separated change names (alcore.bench.equivalence.CHANGES; default all)",
    )
    p.add_argument("--datasets", default="rotten_tomatoes,sms_spam,reuters_r8,trec6,newsgroups20")
    p.add_argument("--encoders", default="glove50,potion8m")
    p.add_argument("--strategies", default=None, help="default: all the change can alter")
    p.add_argument("--seeds", type=int, default=10, help="seeds per (dataset, encoder)")
    p.add_argument("--pool-cap", type=int, default=2000, help="stratified pool subsample")
    p.add_argument("--budget-cap", type=int, default=300, help="min(registry budget, this)")
    p.add_argument("--cycles", type=int, default=20)
    p.add_argument(
        "--runs",
        default=f"{DATA_DIR}/equivalence_runs.csv",
        help="CSV of the paired runs (appended to; finished pairs are skipped)",
    )
    p.add_argument("--table-only", action="store_true", help="only rebuild the table")
    p.add_argument("--out", default=f"{DATA_DIR}/equivalence.csv", help="CSV; '' to skip")
    p.set_defaults(func=_equivalence)
    register_cost(cmds)


def _strategies(args):
    from alcore.bench import COLUMNS, run_benchmark

    df = run_benchmark(
        args.setting,
        csv_list(args.strategies),
        tuple(csv_list(args.impls)),
        threads=args.threads,
        timeout=args.timeout,
        seed=args.seed,
        tracemalloc=not args.no_tracemalloc,
        progress=True,
        repeat=args.repeat,
        n=args.n,
        dim=args.dim,
        classes=args.classes,
        batch=args.batch,
    )
    print_table(df)
    write(df[COLUMNS + ["n", "dim", "rss_mb", "tracemalloc_mb", "warm_seconds"]], args.out, True)
    return 0


def _load(dataset, encoder):
    from alcore.embedding.embed import load_embeddings

    return load_embeddings(dataset, encoder)


def _budget(args):
    from alcore import data
    from alcore.engine.budget import TARGET, budget_table, calibration_table

    if args.dataset == "all":
        names = [s.name for s in data.DATASETS.values() if s.offline]
    else:
        names = [args.dataset]
    df, curves = budget_table(
        names,
        _load,
        encoder=args.encoder,
        seeds=range(args.seeds),
        target=args.target or TARGET,
        progress=True,
    )
    df["registry_budget"] = [getattr(data.DATASETS.get(n), "budget", None) for n in names]
    print_table(df)
    write(df, args.out, True, key=("dataset", "encoder"))
    write(curves, args.curves, True, key=("dataset", "encoder"))
    trec = curves[curves["dataset"] == "trec6"]
    if args.calibration and 1000 in set(trec["n_labelled"]):  # Table 2's B calibrates the rule
        row = df.set_index("dataset").loc["trec6"]
        cal = calibration_table(trec, row["full_score"])
        write(cal.assign(dataset="trec6", encoder=args.encoder), args.calibration)
    return 0


def _accuracy(args):
    from alcore.bench import compare_accuracy

    emb = _load(args.dataset, args.encoder)
    df = compare_accuracy(
        emb.X_train,
        emb.y_train,
        emb.X_test,
        emb.y_test,
        csv_list(args.strategies),
        k0=args.k0,
        batch=args.batch,
        cycles=args.cycles,
        seeds=range(args.seeds),
        progress=True,
    )
    df.insert(0, "dataset", args.dataset)
    df.insert(1, "encoder", args.encoder)
    summary = df.pivot_table(index="strategy", columns="impl", values="accuracy")
    summary["alcore_minus_skactiveml"] = summary["alcore"] - summary["skactiveml"]
    print_table(summary.reset_index())
    write(df, args.out)
    return 0


def _fullrun(args):
    from alcore import data
    from alcore.bench import full_run_ratio

    try:
        emb = _load(args.dataset, args.encoder)
    except (FileNotFoundError, RuntimeError, OSError) as exc:
        print(f"skipped: no embeddings of {args.dataset} with {args.encoder} ({exc})")
        return 0
    budget = args.budget or data.DATASETS[args.dataset].budget
    if not budget:
        raise ValueError(f"{args.dataset} has no registry budget; pass --budget")
    df = full_run_ratio(
        emb,
        budget,
        cycles=args.cycles,
        strategies_=csv_list(args.strategies),
        seed=args.seed,
        progress=True,
    )
    df.insert(0, "dataset", args.dataset)
    df.insert(1, "encoder", args.encoder)
    df.insert(2, "budget", budget)
    print_table(df)
    write(df, args.out, True, key=("dataset", "encoder", "budget", "strategy"))
    return 0


def _clustering(args):
    from alcore import data
    from alcore.bench.clustering import clustering_backends

    pools, budgets = {}, {}
    for name in csv_list(args.datasets):
        try:
            pools[name] = _load(name, args.encoder).X_train
        except (FileNotFoundError, RuntimeError, OSError) as exc:
            print(f"skipped: no embeddings of {name} with {args.encoder} ({exc})")
            continue
        budgets[name] = data.DATASETS[name].budget
    df = clustering_backends(pools, budgets, seeds=range(args.seeds), threads=args.threads)
    df.insert(1, "encoder", args.encoder)
    print(df.round(3).to_string(index=False))
    if args.out:
        df.to_csv(args.out, index=False)
        print(f"-> {args.out}")


def _refit(args):
    from threadpoolctl import threadpool_limits

    from alcore import data
    from alcore.bench import refit_agreement

    frames = []
    for item in csv_list(args.datasets):
        name, _, budget = item.partition(":")
        budget = int(budget) if budget else data.DATASETS[name].budget
        if not budget:
            raise ValueError(f"{name} has no registry budget; pass it as {name}:BUDGET")
        for encoder in csv_list(args.encoders):
            try:
                emb = _load(name, encoder)
            except (FileNotFoundError, RuntimeError, OSError) as exc:
                print(f"skipped: no embeddings of {name} with {encoder} ({exc})")
                continue
            with threadpool_limits(limits=args.threads):
                df = refit_agreement(
                    emb,
                    budget,
                    csv_list(args.strategies),
                    seeds=range(args.seeds),
                    cycles=args.cycles,
                    progress=True,
                )
            df.insert(0, "dataset", name)
            df.insert(1, "encoder", encoder)
            print_table(df)
            frames.append(df)
    if not frames:
        return 1
    df = pd.concat(frames, ignore_index=True)
    from alcore.bench import refit_verdict

    print(refit_verdict(df))
    write(df, args.out, True, key=("dataset", "encoder", "budget", "strategy", "seed"))
    return 0


def _equivalence(args):

    from alcore.bench.equivalence import CHANGES, equivalence_table, run_pairs

    changes = csv_list(args.change) or list(CHANGES)
    unknown = [c for c in changes if c not in CHANGES]
    if unknown:
        raise ValueError(f"unknown change(s) {unknown}; choose from {', '.join(CHANGES)}")
    if not args.table_only:
        run_pairs(
            changes,
            args.runs,
            pool_cap=args.pool_cap,
            budget_cap=args.budget_cap,
            cycles=args.cycles,
            progress=True,
            datasets=tuple(csv_list(args.datasets)),
            encoders=tuple(csv_list(args.encoders)),
            seeds=range(args.seeds),
            strategies_=csv_list(args.strategies),
        )
    if not Path(args.runs).exists():
        print(f"no paired runs in {args.runs}")
        return 1
    df = equivalence_table(pd.read_csv(args.runs))
    print_table(df)
    if args.out:
        df.to_csv(args.out, index=False)
        print(f"wrote {args.out}")
    return 0
