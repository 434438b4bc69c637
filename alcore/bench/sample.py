"""Measured runs of a profile: a seeded sample of its AL configs, each run as the grid runs
it and timed (wall and CPU seconds, with the parts spent in the refit, the query and the
evaluation). The runs feed :func:`alcore.bench.cost.cost_model` and check its predictions
(:func:`check_model`)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from alcore.bench.cost import cost_model, run_shape
from alcore.runs.grid import run_one

__all__ = [
    "check_model",
    "leave_one_dataset_out",
    "measure_runs",
    "measured_cost",
    "sample_configs",
]


def sample_configs(grid, n, encoders=None, random_state=0, spread=False, exclude=()):
    """``n`` AL configs (``cycles > 0``) of ``grid``, drawn without replacement.

    ``encoders`` narrows the draw to encoders whose embeddings exist here. ``spread=True``
    draws round-robin over (dataset, strategy) cells first, so that a small sample spans
    the shapes a cost model must fit; otherwise a simple random sample (for checking a
    model on runs it was not fitted to). Configs whose key is in ``exclude`` are left out.
    """
    rng = np.random.default_rng(random_state)
    exclude = set(exclude)
    configs = [
        c
        for c in grid.configs()
        if c.cycles and (not encoders or c.encoder in encoders) and c.key() not in exclude
    ]
    order = rng.permutation(len(configs))
    if not spread:
        return [configs[i] for i in order[:n]]
    cells: dict = {}
    for i in order:
        cells.setdefault((configs[i].dataset, configs[i].strategy), []).append(configs[i])
    keys = [k for k in cells]
    keys = [keys[i] for i in rng.permutation(len(keys))]
    out = []
    while len(out) < n and any(cells.values()):
        for k in keys:
            if cells[k] and len(out) < n:
                out.append(cells[k].pop())
    return out


def measure_runs(configs, out=None, threads=1, progress=False):
    """Run ``configs`` one after the other (``threads`` BLAS threads) and time them.

    Returns (and appends to the CSV ``out``, skipping configs already there) one row per
    run: its config, shape (``pool, dim, classes``), ``seconds`` and ``cpu_seconds`` of the
    run, and the wall seconds of its ``fit_seconds``, ``query_seconds`` and
    ``eval_seconds`` parts.
    """
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    out = Path(out) if out else None
    done = set(pd.read_csv(out)["run_key"]) if out and out.exists() else set()
    rows = []
    for c in tqdm(configs, desc="measured runs", disable=not progress):
        if c.key() in done:
            continue
        pool, dim, classes = run_shape(c.dataset, c.encoder)
        with threadpool_limits(limits=int(threads)):
            cpu = time.process_time()
            df, seconds = run_one(c)
            cpu = time.process_time() - cpu
        row = {
            "run_key": c.key(),
            "dataset": c.dataset,
            "encoder": c.encoder,
            "ips": c.ips,
            "strategy": c.strategy,
            "seed": c.seed,
            "budget": c.budget,
            "k0": c.k0,
            "pool": pool if c.pool_cap is None else min(pool, c.pool_cap),
            "dim": dim,
            "classes": classes,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "fit_seconds": float(df["fit_seconds"].sum()),
            "query_seconds": float(df["query_seconds"].sum()),
            "eval_seconds": float(df["eval_seconds"].sum()),
        }
        rows.append(row)
        if out:
            pd.DataFrame([row]).to_csv(out, mode="a", header=not out.exists(), index=False)
    return pd.DataFrame(rows)


def check_model(fit_runs, check_runs):
    """How well :func:`~alcore.bench.cost.cost_model` fitted to ``fit_runs`` predicts the
    CPU seconds of other measured runs (``check_runs``).

    Returns ``(per_run, summary)``: ``per_run`` adds ``predicted`` and ``ratio`` (predicted
    over measured) to ``check_runs``; ``summary`` holds ``runs``, ``measured_cpu_s``,
    ``predicted_cpu_s``, ``total_ratio`` (their ratio: the error of a grid's total, what
    ``paper-cost`` reports), ``median_ratio`` and the 10th and 90th percentile ratios.
    """
    predict = cost_model(fit_runs)
    per_run = check_runs.copy()
    per_run["predicted"] = [
        predict(r.strategy, r.pool, r.dim, r.classes, r.budget) for r in per_run.itertuples()
    ]
    per_run["ratio"] = per_run["predicted"] / per_run["cpu_seconds"]
    summary = {
        "runs": len(per_run),
        "measured_cpu_s": float(per_run["cpu_seconds"].sum()),
        "predicted_cpu_s": float(per_run["predicted"].sum()),
        "total_ratio": float(per_run["predicted"].sum() / per_run["cpu_seconds"].sum()),
        "median_ratio": float(per_run["ratio"].median()),
        "p10_ratio": float(per_run["ratio"].quantile(0.1)),
        "p90_ratio": float(per_run["ratio"].quantile(0.9)),
    }
    return per_run, summary


def leave_one_dataset_out(runs, min_runs=10):
    """The cost model's error on datasets it has not seen: for each dataset with at least
    ``min_runs`` measured runs, :func:`check_model` fitted to the other datasets' runs and
    checked on that dataset's (the model extrapolates so to every dataset a grid has not
    run yet).

    Returns one row per dataset: ``dataset`` and :func:`check_model`'s summary.
    """
    rows = []
    for dataset, held_out in runs.groupby("dataset", sort=True):
        rest = runs[runs["dataset"] != dataset]
        if len(held_out) < min_runs or rest.empty:
            continue
        rows.append({"dataset": dataset, **check_model(rest, held_out)[1]})
    return pd.DataFrame(rows)


def measured_cost(runs):
    """What a store's AL runs cost, per dataset and in all: ``runs``, ``cpu_hours`` (the sum
    of their cycles' CPU seconds), ``mean_cpu_s`` and ``max_cpu_s`` per run.

    ``runs``: :func:`alcore.bench.cost.store_runs`'s rows (runs without CPU seconds are left
    out).
    """
    runs = runs[runs["cpu_seconds"].notna()]
    per = runs.groupby("dataset")["cpu_seconds"].agg(["count", "sum", "mean", "max"])
    per.loc["all"] = [
        len(runs),
        runs["cpu_seconds"].sum(),
        runs["cpu_seconds"].mean(),
        runs["cpu_seconds"].max(),
    ]
    per.columns = ["runs", "cpu_hours", "mean_cpu_s", "max_cpu_s"]
    per["cpu_hours"] = per["cpu_hours"] / 3600
    per["runs"] = per["runs"].astype(int)
    return per.reset_index()
