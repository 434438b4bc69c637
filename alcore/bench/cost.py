"""What a profile costs: a model of a run's time fitted to measured whole runs, extrapolated
to every run of a grid and to Dask clusters of N workers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alcore import data
from alcore.embedding.encoders import ENCODERS

__all__ = [
    "PAPER_COST_WORKERS",
    "cost_model",
    "paper_cost",
    "paper_cost_table",
    "run_shape",
    "store_runs",
    "strategy_cost_ratio",
]


PAPER_COST_WORKERS = (8, 32, 128)


def run_shape(dataset, encoder):
    """(pool, dim, classes) of a registry (dataset, encoder) without loading anything."""
    spec = data.DATASETS[dataset]
    return spec.rows_train, ENCODERS[encoder].dim, spec.n_classes


MAX_EXPONENT = 2.0


def _log_fit(x, y, names, groups=None):
    """Least squares ``log y = a_g + x @ b`` (``x`` in logs) with ``0 <= b <= MAX_EXPONENT``:
    one constant per group (``groups``; one for all when ``None``), the exponents shared.

    A negative exponent (e.g. 256-d embeddings fitting faster than 50-d ones because they are
    better conditioned) must not be extrapolated into "a larger input is cheaper", and no part
    of a run grows faster than quadratically in one of its sizes (the exact ProbCover graph,
    quadratic in the pool, is the steepest), so a few noisy runs cannot extrapolate a steeper
    curve. Terms the measured shapes cannot identify (one value, or more terms than distinct
    shapes) are dropped. Returns ``{group: {"const": a_g, name: b, ...}}`` (0 for dropped
    terms; the single group is ``None``).
    """
    from scipy.optimize import lsq_linear

    groups = np.asarray([None] * len(x) if groups is None else groups, dtype=object)
    levels = list(dict.fromkeys(groups))
    keep = [k for k in range(x.shape[1]) if np.unique(x[:, k]).size > 1]
    while keep and len(keep) + len(levels) > len(np.unique(x[:, keep], axis=0)) + len(levels) - 1:
        keep.pop()
    target = np.log(np.maximum(y, 1e-3))
    dummies = [(groups == g).astype(float) for g in levels]
    A = np.column_stack(dummies + [x[:, k] for k in keep])
    lo = [-np.inf] * len(levels) + [0.0] * len(keep)
    hi = [np.inf] * len(levels) + [MAX_EXPONENT] * len(keep)
    coef = lsq_linear(A, target, bounds=(lo, hi), method="bvls").x
    shared = {n: 0.0 for n in names}
    shared.update({names[k]: float(c) for k, c in zip(keep, coef[len(levels) :])})
    return {g: {"const": float(c), **shared} for g, c in zip(levels, coef[: len(levels)])}


def _eval(coef, **values):
    return float(np.exp(coef["const"] + sum(coef[k] * np.log(v) for k, v in values.items())))


def cost_model(runs):
    """Fit the per-run CPU-time model behind :func:`paper_cost` to measured whole runs.

    ``runs`` holds measured runs (rows of :func:`alcore.bench.sample.measure_runs` or
    :func:`~alcore.bench.runs.full_run_ratio`): ``strategy, budget, pool, dim, classes,
    cpu_seconds`` (or, where that is missing, wall ``seconds``) and the wall seconds of the
    run's parts, ``fit_seconds, query_seconds`` and ``eval_seconds`` (0 where missing).
    Each run's CPU time is split into its classifier part (refit and evaluation) and its
    query part in proportion of the measured parts, then, by least squares in logs with
    exponents between 0 and 2 (see :func:`_log_fit`):

    - the classifier part, shared by all strategies: ``t = a B^b dim^c C^d`` (the fits grow
      with the labelled pool, the dimension and the classes);
    - the query part: ``t = a_s pool^e dim^f B^g``, a constant per strategy and the
      exponents shared (a sample holds a few runs per strategy, too few for exponents of
      their own).

    Returns a function ``(strategy, pool, dim, classes, budget) -> CPU seconds`` of one run of
    ``cycles`` cycles as measured; its ``fit_coef`` and ``query_coef`` hold the exponents.
    """
    runs = runs.copy()
    cpu = runs["cpu_seconds"] if "cpu_seconds" in runs else pd.Series(np.nan, runs.index)
    total = cpu.fillna(runs["seconds"])
    clf = runs["fit_seconds"] + (runs["eval_seconds"].fillna(0) if "eval_seconds" in runs else 0)
    parts = clf + runs["query_seconds"]
    runs["fit_cpu"] = total * clf / parts
    runs["query_cpu"] = total - runs["fit_cpu"]
    fit_terms, query_terms = ["budget", "dim", "classes"], ["pool", "dim", "budget"]
    fit = runs.groupby(fit_terms)["fit_cpu"].mean().reset_index()
    fit_coef = _log_fit(
        np.log(fit[fit_terms].astype(float)).to_numpy(), fit["fit_cpu"].to_numpy(), fit_terms
    )[None]
    q = runs.groupby(["strategy", *query_terms])["query_cpu"].mean().reset_index()
    query_coef = _log_fit(
        np.log(q[query_terms].astype(float)).to_numpy(),
        q["query_cpu"].to_numpy(),
        query_terms,
        groups=q["strategy"].to_numpy(),
    )

    def predict(strategy, pool, dim, classes, budget):
        return _eval(fit_coef, budget=budget, dim=dim, classes=classes) + _eval(
            query_coef[strategy], pool=pool, dim=dim, budget=budget
        )

    predict.fit_coef, predict.query_coef = fit_coef, query_coef
    return predict


def paper_cost(runs, grid, budgets=None, workers=PAPER_COST_WORKERS):
    """The CPU-hours of a grid (the ``paper`` profile), extrapolated from measured runs.

    Parameters
    ----------
    runs : DataFrame
        Measured whole runs (``book/data/bench_fullrun.csv``), see :func:`cost_model`.
    grid : alcore.runs.experiment.Grid
        The profile (``load_profile("paper")``); every config of ``grid.configs()`` is priced.
    budgets : dict, optional
        ``{dataset: B}`` overriding the configs' budgets (k0 follows the ``batch`` rule).
    workers : tuple of int
        Cluster sizes to report: ``N`` single-threaded Dask workers take
        ``max(CPU-hours / N, longest run)`` hours (the runs are independent tasks).

    Returns
    -------
    DataFrame, one row per dataset and an ``all`` row: ``dataset, pool, classes, budget,
    runs, ips_runs, cpu_hours, longest_run_min`` and ``hours_N_workers`` per ``N``.
    AL runs are priced by the model; IPS-only runs (the k0 study) as one ``T``-th of their
    strategy's query time plus one fit at ``k0``.
    """
    predict = cost_model(runs)
    rows = {}
    for c in grid.configs():
        pool, dim, classes = run_shape(c.dataset, c.encoder)
        budget = (budgets or {}).get(c.dataset, c.budget)
        r = rows.setdefault(
            c.dataset,
            {
                "dataset": c.dataset,
                "pool": pool,
                "classes": classes,
                "budget": budget,
                "runs": 0,
                "ips_runs": 0,
                "cpu_seconds": 0.0,
                "longest": 0.0,
            },
        )
        if c.cycles:
            sec = predict(c.strategy, pool, dim, classes, budget)
            r["runs"] += 1
            r["longest"] = max(r["longest"], sec)
        else:
            k0 = min(c.k0, pool)
            ips = c.ips if c.ips in predict.query_coef else "random"
            sec = (
                _eval(predict.query_coef[ips], pool=pool, dim=dim, budget=21 * k0) / 20
                + _eval(predict.fit_coef, budget=max(k0, 2), dim=dim, classes=classes) / 11
            )
            r["ips_runs"] += 1
        r["cpu_seconds"] += sec
    df = pd.DataFrame(rows.values())
    total = {
        "dataset": "all",
        "pool": df["pool"].sum(),
        "classes": np.nan,
        "budget": np.nan,
        "runs": df["runs"].sum(),
        "ips_runs": df["ips_runs"].sum(),
        "cpu_seconds": df["cpu_seconds"].sum(),
        "longest": df["longest"].max(),
    }
    df = pd.concat([df, pd.DataFrame([total])], ignore_index=True)
    df["cpu_hours"] = df["cpu_seconds"] / 3600
    df["longest_run_min"] = df["longest"] / 60
    for n in workers:
        df[f"hours_{n}_workers"] = np.maximum(df["cpu_hours"] / n, df["longest"] / 3600)
    return df.drop(columns=["cpu_seconds", "longest"])


def paper_cost_table(path="book/data/paper_cost.csv"):
    """``book/data/paper_cost.csv`` (written by ``alcore bench paper-cost``) for the book:
    CPU-hours per dataset and in all, and the hours on Dask clusters of N workers, rounded."""
    df = pd.read_csv(path)
    cluster = [c for c in df if c.startswith("hours_")]
    df[cluster] = df[cluster].round(2)
    df[["cpu_hours", "longest_run_min"]] = df[["cpu_hours", "longest_run_min"]].round(1)
    return df


def strategy_cost_ratio(runs, grid, strategy="typiclust"):
    """A strategy's run cost against the mean of the other strategies', per dataset.

    ``measured``: from the measured runs (``runs``, CPU seconds) of each dataset of
    ``grid``, the strategy's mean over the others' mean, where both were measured (with the
    runs counted); ``predicted``: the same ratio of :func:`cost_model`'s predictions (fitted
    to ``runs``) for the AL configs of ``grid``, the mean over its encoders and budgets.
    Returns one row per dataset: ``dataset, runs_strategy, runs_others, measured,
    predicted``.
    """
    predict = cost_model(runs)
    cpu = runs["cpu_seconds"] if "cpu_seconds" in runs else runs["seconds"]
    rows = []
    configs = [c for c in grid.configs() if c.cycles and c.study == "main"]
    for dataset in dict.fromkeys(c.dataset for c in configs):
        mine = runs["dataset"].eq(dataset) & runs["strategy"].eq(strategy)
        others = runs["dataset"].eq(dataset) & ~runs["strategy"].eq(strategy)
        measured = cpu[mine].mean() / cpu[others].mean() if mine.any() and others.any() else np.nan
        cells = {(c.encoder, c.budget) for c in configs if c.dataset == dataset}
        names = {c.strategy for c in configs if c.dataset == dataset} - {strategy}
        ratios = []
        for encoder, budget in cells:
            pool, dim, classes = run_shape(dataset, encoder)
            own = predict(strategy, pool, dim, classes, budget)
            rest = [predict(n, pool, dim, classes, budget) for n in names]
            ratios.append(own / np.mean(rest))
        rows.append(
            {
                "dataset": dataset,
                "runs_strategy": int(mine.sum()),
                "runs_others": int(others.sum()),
                "measured": float(measured),
                "predicted": float(np.mean(ratios)),
            }
        )
    return pd.DataFrame(rows)


def store_runs(results):
    """The AL runs of a results store as rows for :func:`cost_model`, one per run.

    ``results``: :func:`alcore.runs.store.load_results`'s frame (``study == "main"`` and
    ``"ips_al"`` runs are kept). Per run: its config, shape (``pool`` after ``pool_cap``,
    ``dim``, ``classes``), wall ``seconds`` (``run_seconds``), ``cpu_seconds`` (the sum of
    the cycles' CPU seconds; NaN for runs stored without them) and the summed
    ``fit_seconds, query_seconds, eval_seconds``.
    """
    df = results[results["cycles"] > 0]
    if df.empty:
        return pd.DataFrame()
    agg = df.groupby("run_key", sort=False).agg(
        dataset=("dataset", "first"),
        encoder=("encoder", "first"),
        ips=("ips", "first"),
        strategy=("strategy", "first"),
        seed=("seed", "first"),
        budget=("budget", "first"),
        k0=("k0", "first"),
        pool_cap=("pool_cap", "first"),
        seconds=("run_seconds", "first"),
        cpu_seconds=("cpu_seconds", lambda c: c.sum(min_count=len(c))),
        fit_seconds=("fit_seconds", "sum"),
        query_seconds=("query_seconds", "sum"),
        eval_seconds=("eval_seconds", "sum"),
    )
    shapes = [run_shape(d, e) for d, e in zip(agg["dataset"], agg["encoder"])]
    agg["pool"] = [
        p if pd.isna(cap) else min(p, int(cap)) for (p, _, _), cap in zip(shapes, agg["pool_cap"])
    ]
    agg["dim"] = [s[1] for s in shapes]
    agg["classes"] = [s[2] for s in shapes]
    return agg.drop(columns=["pool_cap"]).reset_index()
