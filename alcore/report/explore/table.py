"""The explorer's table: one row per (dataset, encoder, initial pool, strategy, cycle)."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from alcore.science import analysis as A

__all__ = ["KEYS", "METRICS", "RANGES", "RANK_BY", "explorer_table", "table_bytes"]

KEYS = ["dataset", "encoder", "ips", "strategy"]
#: metric -> label; ``gain`` is accuracy minus Random's accuracy, paired by seed
METRICS = {"accuracy": "accuracy", "macro_f1": "macro-F1", "gain": "accuracy gain over Random"}
#: metric -> the range its values (and so its intervals) can take
RANGES = {"accuracy": (0.0, 1.0), "macro_f1": (0.0, 1.0), "gain": (-1.0, 1.0)}
RANK_BY = {"final": "last cycle", "aulc": "area under the learning curve"}


def _t_ci(g, ci):
    """Mean, lo, hi of a Student-t interval over the seeds (NaN bounds with one seed)."""
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    half = sps.t.ppf((1 + ci) / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = half.where(n > 1)
    return mean, mean - half, mean + half


def explorer_table(results, upper_bounds, ci=0.95):
    """One row per (dataset, encoder, ips, strategy, cycle): what the explorer shows.

    Parameters
    ----------
    results : DataFrame
        The store's tidy table (:func:`alcore.runs.store.load_results`); only the active-learning
        runs (``cycles > 0``) are used.
    upper_bounds : DataFrame
        ``dataset, encoder, accuracy`` (:func:`alcore.runs.store.load_upper_bounds`).
    ci : float
        Level of the Student-t confidence intervals over seeds.

    Returns
    -------
    DataFrame
        ``dataset, encoder, ips, strategy, cycle, n_labelled, n_seeds, full_accuracy``; for
        each metric ``m`` in :data:`METRICS`: ``m_mean, m_min, m_max`` (over seeds), ``m_lo,
        m_hi`` (CI of the mean), ``aulc_m_mean, aulc_m_lo, aulc_m_hi`` (area under
        each seed's curve from cycle 0 to this cycle, normalised as
        :func:`alcore.science.analysis.aulc`);
        and ``peak_seed<k>`` per seed ``k``: that seed's best accuracy up to this cycle divided
        by the full-data accuracy (NaN where the run is missing). Values are rounded to 4
        decimals, far below the seed noise. ``gain`` is NaN where Random has no paired run.
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie in (0, 1), got {ci}")
    al = A.al_part(results)
    A._check(al, ["cycle", "n_labelled", "accuracy", "macro_f1"])
    A._check(upper_bounds, ["dataset", "encoder", "accuracy"], "upper_bounds")
    per = al.groupby(KEYS + ["seed", "cycle"], observed=True)[
        ["n_labelled", "accuracy", "macro_f1"]
    ].mean()
    no_strat = per.index.droplevel("strategy")
    if "random" in per.index.get_level_values("strategy"):
        rnd = per.xs("random", level="strategy")["accuracy"]
        per["gain"] = per["accuracy"].to_numpy() - rnd.reindex(no_strat).to_numpy()
    else:  # no Random runs to pair with
        per["gain"] = np.nan
    per = per.reset_index().sort_values(KEYS + ["seed", "cycle"], ignore_index=True)

    # running trapezoid of each seed's curve over n_labelled, divided by the label range
    run = per.groupby(KEYS + ["seed"], observed=True, sort=False)
    dx = run["n_labelled"].diff()
    span = per["n_labelled"] - run["n_labelled"].transform("first")
    for m in METRICS:
        area = (dx * (per[m] + run[m].shift()) / 2).fillna(0.0)
        per[f"aulc_{m}"] = area.groupby(
            [per[k] for k in KEYS + ["seed"]], observed=True
        ).cumsum() / span.where(span > 0)
        per[f"aulc_{m}"] = per[f"aulc_{m}"].fillna(per[m])
    ub = upper_bounds.groupby(["dataset", "encoder"])["accuracy"].mean().rename("full_accuracy")
    per = per.join(ub, on=["dataset", "encoder"])
    per["peak"] = (
        (per["accuracy"] / per["full_accuracy"])
        .groupby([per[k] for k in KEYS + ["seed"]], observed=True)
        .cummax()
    )

    g = per.groupby(KEYS + ["cycle"], observed=True)
    out = g[["n_labelled", "full_accuracy"]].mean()
    out.insert(1, "n_seeds", g["accuracy"].count())
    for m in METRICS:
        out[f"{m}_mean"], out[f"{m}_lo"], out[f"{m}_hi"] = _t_ci(g[m], ci)
        out[f"{m}_min"], out[f"{m}_max"] = g[m].min(), g[m].max()
    for m in METRICS:
        out[f"aulc_{m}_mean"], out[f"aulc_{m}_lo"], out[f"aulc_{m}_hi"] = _t_ci(g[f"aulc_{m}"], ci)
    peaks = per.pivot_table(
        index=KEYS + ["cycle"], columns="seed", values="peak", aggfunc="first", observed=True
    )
    for seed in peaks.columns:
        out[f"peak_seed{seed}"] = peaks[seed]
    stats = [f"{m}_{s}" for m in METRICS for s in ("mean", "min", "max", "lo", "hi")]
    aulcs = [f"aulc_{m}_{s}" for m in METRICS for s in ("mean", "lo", "hi")]
    out = out[
        ["n_labelled", "n_seeds", "full_accuracy"]
        + stats
        + aulcs
        + [f"peak_seed{seed}" for seed in peaks.columns]
    ]
    out = out.reset_index()
    out["n_labelled"] = out["n_labelled"].round().astype("int64")
    out["n_seeds"] = out["n_seeds"].astype("int64")
    num = out.select_dtypes(include="float").columns
    out[num] = out[num].round(4)
    for k in KEYS:
        out[k] = out[k].astype(str)
    return out


def table_bytes(table):
    """Bytes the explorer table takes in memory (pandas, strings included)."""
    return int(table.memory_usage(index=True, deep=True).sum())
