"""The comparisons of strategies the paper draws: win rates, top shares, run times, advice."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alcore.data import DATASETS
from alcore.engine.strategies import NAMES
from alcore.science.analysis.curves import (
    CONFIG,
    _check,
    _metric,
    _tied_best,
    al_part,
    encoder_quality,
    select,
)

#: a block of paper Fig. 4: one cycle of one (dataset, encoder, IPS), the seeds averaged
#: (the seeds of a cell are repeats of one comparison, not separate comparisons)
FIG4_BLOCK = ("dataset", "encoder", "ips", "cycle")
#: a block of :func:`recommend`: one seed's cycle (the advice counts every run's ranking)
BLOCK = ("dataset", "encoder", "ips", "seed", "cycle")


def _wide_by_strategy(df, metric, block, min_cycle):
    al = al_part(df)
    al = al[al["cycle"] >= min_cycle]
    return al.pivot_table(
        index=list(block), columns="strategy", values=_metric(metric), aggfunc="mean"
    )


def win_rates(wide, tol=0.0):
    """Pairwise win rates of the columns of a blocks x strategies table.

    Entry (i, j) is the share of the blocks where both have a value in which column i is
    more than ``tol`` above column j; a tie counts one half. Returns a square DataFrame with
    NaN on the diagonal (and where two strategies never share a block).
    """
    if tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    v = np.asarray(wide, dtype=float)  # (blocks, k)
    d = v[:, :, None] - v[:, None, :]  # (blocks, k, k)
    ok = np.isfinite(d)
    with np.errstate(invalid="ignore"):
        score = np.where(ok, (d > tol) + 0.5 * (np.abs(d) <= tol), 0.0)
        n = ok.sum(axis=0)
        out = np.where(n > 0, score.sum(axis=0) / np.maximum(n, 1), np.nan)
    np.fill_diagonal(out, np.nan)
    names = list(wide.columns)
    m = pd.DataFrame(out, index=names, columns=names)
    m.index.name, m.columns.name = "strategy", "opponent"
    return m


def win_rate_matrix(df, metric="accuracy", tol=0.0, min_cycle=1, block=FIG4_BLOCK):
    """Pairwise win rates of the strategies (paper Fig. 4).

    Entry (i, j) is the share of blocks in which strategy i beats strategy j by more than
    ``tol``; a tie counts one half (:func:`win_rates`). A block is :data:`FIG4_BLOCK` by
    default: one cycle of one (dataset, encoder, IPS), ``metric`` averaged over the seeds.
    Cycles below ``min_cycle`` are skipped (cycle 0 is the shared IPS pool).

    Returns
    -------
    DataFrame
        Square, strategies on both axes, NaN on the diagonal.
    """
    return win_rates(_wide_by_strategy(df, metric, block, min_cycle), tol)


def top_share(df, by=(), metric="accuracy", tol=0.0, min_cycle=1, average_seeds=True, ties="split"):
    """Share of cycles in which each strategy is the best (paper Figs. 5 and 7).

    A cycle is one (dataset, encoder, IPS, cycle) block, or one per seed when
    ``average_seeds=False`` (otherwise ``metric`` is first averaged over seeds). Strategies
    within ``tol`` of the block's best are tied: with ``ties="split"`` they split the block's
    credit equally; with ``ties="exclude"`` (the paper's rule: "Ties are excluded") the block
    is dropped and counts for nobody.

    Parameters
    ----------
    by : sequence of str
        Columns to report separately (e.g. ``("encoder",)`` or ``("cycle",)``); the shares
        sum to 1 per group (over the blocks that count).
    ties : {"split", "exclude"}

    Returns
    -------
    DataFrame
        ``*by, strategy, share, blocks``, plus ``ties`` (the blocks dropped as ties in the
        group) with ``ties="exclude"``. ``blocks`` counts the blocks that share is over.
    """
    if ties not in ("split", "exclude"):
        raise ValueError(f"ties must be 'split' or 'exclude', got {ties!r}")
    by = [by] if isinstance(by, str) else list(by)
    block = ["dataset", "encoder", "ips", "cycle"] + ([] if average_seeds else ["seed"])
    wide = _wide_by_strategy(df, metric, block, min_cycle)
    credit = wide.apply(lambda r: pd.Series(_tied_best(r.values, tol), r.index), axis=1)
    credit = credit.where(wide.notna(), False).astype(float)
    n_best = credit.sum(axis=1)
    tied = n_best > 1
    if ties == "exclude":
        dropped = (
            tied.groupby([tied.index.get_level_values(c) for c in by]).sum()
            if by
            else pd.Series({(): tied.sum()})
        )
        credit = credit[~tied]
        n_best = n_best[~tied]
    credit = credit.div(n_best.replace(0, np.nan), axis=0)
    long = credit.stack().rename("credit").reset_index()
    if by:
        g = long.groupby(by + ["strategy"], observed=True)["credit"]
        blocks = credit.reset_index().groupby(by, observed=True).size().rename("blocks")
        out = g.sum().reset_index().merge(blocks.reset_index(), on=by)
    else:
        out = long.groupby("strategy")["credit"].sum().reset_index()
        out["blocks"] = len(credit)
    out["share"] = out["credit"] / out["blocks"]
    cols = by + ["strategy", "share", "blocks"]
    if ties == "exclude":
        if by:
            dropped.index.names = by
            out = out.merge(dropped.rename("ties").reset_index(), on=by, how="left")
        else:
            out["ties"] = int(dropped.iloc[0])
        cols.append("ties")
    return out[cols]


def top_share_by_cycle(df, by=(), metric="accuracy", tol=0.0, ips="typiclust"):
    """Share of blocks in which each strategy is top, per AL cycle, ties excluded (paper Fig. 5).

    For every cycle, the blocks are the (dataset, encoder) pairs of the runs with initial
    pool ``ips`` (the paper's Fig. 5 uses TypiClust-IPS runs; ``None`` keeps every IPS, each
    (dataset, encoder, IPS) a block), with ``metric`` averaged over seeds. A block whose best
    value is shared (within ``tol``) by more than one strategy is dropped.

    Returns
    -------
    DataFrame
        ``*by, cycle, strategy, share, blocks, ties`` (:func:`top_share` with
        ``ties="exclude"``); empty if the store has no such runs.
    """
    by = [by] if isinstance(by, str) else list(by)
    sub = select(df, ips=None if ips is None else [ips])
    cols = by + ["cycle", "strategy", "share", "blocks", "ties"]
    if al_part(sub).empty:
        return pd.DataFrame(columns=cols)
    return top_share(sub, by=by + ["cycle"], metric=metric, tol=tol, ties="exclude")[cols]


def runtime_table(df, what="query_seconds"):
    """Seconds per run spent by each strategy on each dataset (paper Table 5).

    ``what`` is a per-cycle column (``query_seconds`` or ``fit_seconds``, summed over a run's
    cycles) or ``run_seconds``; the table holds the mean over runs, strategies x datasets.
    """
    al = al_part(df)
    _check(al, ["run_key", what])
    if what == "run_seconds":
        per_run = al.groupby("run_key").agg(**{what: (what, "first")})
    else:
        per_run = al.groupby("run_key").agg(**{what: (what, "sum")})
    per_run = per_run.join(al.drop_duplicates("run_key").set_index("run_key")[CONFIG])
    return per_run.pivot_table(index="strategy", columns="dataset", values=what, aggfunc="mean")


def runtime_summary(df, what="run_seconds", ips="random", by=()):
    """Run time per strategy, mean and standard deviation over runs (paper Table 5).

    ``what`` is ``run_seconds`` (the wall time of the whole run: the paper's total runtime)
    or a per-cycle column summed over a run's cycles (``query_seconds``, ``fit_seconds``).
    Only the active-learning runs with initial pool ``ips`` count (the paper's Table 5 uses
    random IPS; ``None``: every IPS).

    Returns
    -------
    DataFrame
        ``*by, strategy, mean, std, n`` (``n`` runs), strategies in ``strategies.NAMES``
        order.
    """
    by = [by] if isinstance(by, str) else list(by)
    al = al_part(select(df, ips=None if ips is None else [ips]))
    _check(al, ["run_key", what])
    cols = by + ["strategy", "mean", "std", "n"]
    if al.empty:
        return pd.DataFrame(columns=cols)
    how = "first" if what == "run_seconds" else "sum"
    per_run = al.groupby("run_key").agg(**{what: (what, how)})
    per_run = per_run.join(al.drop_duplicates("run_key").set_index("run_key")[CONFIG])
    out = (
        per_run.groupby(by + ["strategy"], observed=True)[what]
        .agg(mean="mean", std="std", n="count")
        .reset_index()
    )
    rank = {s: i for i, s in enumerate(NAMES)}
    out = out.sort_values(
        by + ["strategy"],
        key=lambda s: s.map(rank).fillna(len(rank)) if s.name == "strategy" else s,
    )
    return out.reset_index(drop=True)[cols]


def table5(df, what="run_seconds", ips="random"):
    """Paper Table 5: run time per strategy and dataset, mean and std over seeds.

    Only runs from initial pool ``ips`` count (the paper's Table 5 uses random IPS). Each
    seed's time on a dataset is the mean over its runs (the encoders); the table gives the
    mean and standard deviation of those over the seeds.

    Returns
    -------
    DataFrame
        ``strategy, dataset, mean, std, n_seeds``, strategies in ``strategies.NAMES`` order.
    """
    cols = ["strategy", "dataset", "mean", "std", "n_seeds"]
    al = al_part(select(df, ips=None if ips is None else [ips]))
    _check(al, ["run_key", what])
    if al.empty:
        return pd.DataFrame(columns=cols)
    how = "first" if what == "run_seconds" else "sum"
    runs = al.groupby("run_key").agg(t=(what, how), **{c: (c, "first") for c in _RUN_KEYS})
    per_seed = runs.groupby(["strategy", "dataset", "seed"])["t"].mean()
    out = per_seed.groupby(["strategy", "dataset"]).agg(mean="mean", std="std", n_seeds="count")
    out = out.reset_index()
    rank = {s: i for i, s in enumerate(NAMES)}
    out = out.sort_values(
        ["strategy", "dataset"], key=lambda s: s.map(rank) if s.name == "strategy" else s
    )
    return out.reset_index(drop=True)[cols]


_RUN_KEYS = ("strategy", "dataset", "seed")


def _n_classes(datasets, n_classes):
    if n_classes is None:
        n_classes = {k: v.n_classes for k, v in DATASETS.items()}
    out = {}
    for d in datasets:
        c = n_classes.get(d)
        out[d] = len(c) if isinstance(c, (list, tuple)) else c
    return out


def recommend(df, n_classes=None, mteb=None, metric="accuracy"):
    """Which strategy to use, by budget, number of classes and encoder quality.

    Every (dataset, encoder, IPS, seed, cycle) block ranks the strategies (1 = best, ties
    averaged). Blocks are binned by budget (cycles 1-5:
    ``small``, 6-12: ``medium``, later: ``large``), classes (``binary``, ``<=10``, ``>10``,
    ``unknown``) and encoder quality (MTEB at or above the median of the encoders present:
    ``high``, else ``low``; ``unknown`` without scores). Returns per bin the best and
    runner-up strategy by mean rank, their mean ranks and the number of blocks.
    """
    wide = _wide_by_strategy(df, metric, BLOCK, 1)
    if wide.empty:
        return pd.DataFrame(
            columns=[
                "budget",
                "classes",
                "encoder_quality",
                "best",
                "best_rank",
                "runner_up",
                "runner_up_rank",
                "blocks",
            ]
        )
    ranks = wide.rank(axis=1, ascending=False, method="average").reset_index()
    cyc = ranks["cycle"]
    ranks["budget"] = np.where(cyc <= 5, "small", np.where(cyc <= 12, "medium", "large"))
    ncls = _n_classes(ranks["dataset"].unique(), n_classes)
    ranks["classes"] = ranks["dataset"].map(
        lambda d: (
            "unknown"
            if ncls.get(d) is None
            else "binary"
            if ncls[d] <= 2
            else "<=10"
            if ncls[d] <= 10
            else ">10"
        )
    )
    q = encoder_quality(ranks["encoder"].unique(), mteb)
    med = q.median()
    ranks["encoder_quality"] = ranks["encoder"].map(
        lambda e: "unknown" if np.isnan(q[e]) else "high" if q[e] >= med else "low"
    )
    rows = []
    strategies = list(wide.columns)
    for key, g in ranks.groupby(["budget", "classes", "encoder_quality"]):
        mean = g[strategies].mean().sort_values()
        rows.append(
            {
                "budget": key[0],
                "classes": key[1],
                "encoder_quality": key[2],
                "best": mean.index[0],
                "best_rank": mean.iloc[0],
                "runner_up": mean.index[1] if len(mean) > 1 else None,
                "runner_up_rank": mean.iloc[1] if len(mean) > 1 else np.nan,
                "blocks": len(g),
            }
        )
    order = {"small": 0, "medium": 1, "large": 2}
    out = pd.DataFrame(rows)
    return out.sort_values(
        ["budget", "classes", "encoder_quality"],
        key=lambda s: s.map(order) if s.name == "budget" else s,
    ).reset_index(drop=True)
