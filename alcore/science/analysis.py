"""Tables behind the report: accuracies, paired differences, win rates, top shares, AULC.

Every function takes the results store's tidy table (one row per run and cycle, schema in
ARCHITECTURE.md, as returned by :func:`alcore.runs.store.load_results`) and returns a pandas
DataFrame. The store holds two parts: the active-learning runs (``cycles > 0``) and the
initial-pool-selection (IPS) study (``cycles == 0``, strategy ``"none"``, many ``k0``).
Statistical tests live in :mod:`alcore.science.stats`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "CONFIG",
    "al_part",
    "aulc",
    "cycle_accuracy",
    "encoder_quality",
    "final_accuracy",
    "ips_accuracy_by_k0",
    "ips_gain_by_cycle",
    "ips_part",
    "ips_winners",
    "labels_to_reach",
    "paired_differences",
    "probe_quality",
    "recommend",
    "runtime_summary",
    "runtime_table",
    "select",
    "top_share",
    "top_share_by_cycle",
    "win_rate_matrix",
]

CONFIG = ["dataset", "encoder", "ips", "k0", "strategy", "seed", "budget", "cycles"]
METRICS = ("accuracy", "macro_f1")


def _check(df, columns, what="results"):
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{what} lack the column(s) {missing}; pass the table returned by "
            "alcore.runs.store.load_results (schema in ARCHITECTURE.md)"
        )
    return df


def _metric(metric):
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    return metric


def select(df, datasets=None, encoders=None, strategies=None, seeds=None, ips=None):
    """Keep the rows whose dataset, encoder, strategy, seed and IPS are listed (None: all).

    The IPS-study rows (strategy ``"none"``) are kept whatever ``strategies`` says.
    """
    _check(df, CONFIG)
    mask = pd.Series(True, index=df.index)
    for col, keep in (("dataset", datasets), ("encoder", encoders), ("seed", seeds), ("ips", ips)):
        if keep is not None:
            mask &= df[col].isin(list(keep))
    if strategies is not None:
        mask &= df["strategy"].isin(list(strategies)) | (df["strategy"] == "none")
    return df[mask].reset_index(drop=True)


def al_part(df):
    """The main grid's active-learning runs (``cycles > 0``, ``study == "main"``).

    The IPS study's own AL runs (``study == "ips_al"``: random queries from initial pools of
    several ``k0``) are left out, so that they never join the strategy comparison's Random
    baseline; :func:`ips_al_part` returns them.
    """
    df = _check(df, CONFIG)
    keep = df["cycles"] > 0
    if "study" in df.columns:
        keep &= df["study"] == "main"
    return df[keep].reset_index(drop=True)


def ips_al_part(df):
    """The IPS study's AL runs (``study == "ips_al"``); empty for stores without them."""
    df = _check(df, CONFIG)
    if "study" not in df.columns:
        return df.iloc[0:0].reset_index(drop=True)
    return df[df["study"] == "ips_al"].reset_index(drop=True)


def ips_part(df):
    """The IPS-study runs (``cycles == 0``): one accuracy per IPS, ``k0`` and seed."""
    return _check(df, CONFIG)[df["cycles"] == 0].reset_index(drop=True)


def final_accuracy(df, metric="accuracy"):
    """Mean, standard deviation and number of seeds of ``metric`` at each run's last cycle."""
    al = al_part(df)
    _check(al, ["cycle", _metric(metric)])
    last = al[al["cycle"] == al["cycles"]]
    g = last.groupby(["dataset", "encoder", "ips", "strategy"], observed=True)[metric]
    return g.agg(mean="mean", std="std", n="count").reset_index()


def cycle_accuracy(df, metric="accuracy"):
    """Mean and standard deviation of ``metric`` per dataset, encoder, IPS, strategy and cycle."""
    al = al_part(df)
    _check(al, ["cycle", "n_labelled", _metric(metric)])
    keys = ["dataset", "encoder", "ips", "strategy", "cycle"]
    g = al.groupby(keys, observed=True)
    out = g[metric].agg(mean="mean", std="std", n="count")
    out["n_labelled"] = g["n_labelled"].mean()
    return out.reset_index()


def paired_differences(df, factor="ips", a="typiclust", b="random", metric="accuracy"):
    """``metric`` of level ``a`` minus level ``b`` of ``factor``, paired on everything else.

    E.g. ``factor="ips", a="typiclust", b="random"``: TypiClust-IPS minus Random-IPS for each
    strategy, dataset, encoder, seed and cycle. Only the active-learning runs are used;
    pairs missing either level are dropped.

    Returns
    -------
    DataFrame
        The pairing columns, ``a``, ``b`` and ``diff``.
    """
    df = al_part(df)
    _check(df, ["cycle", _metric(metric)])
    if factor not in CONFIG:
        raise ValueError(f"factor must be one of {CONFIG}, got {factor!r}")
    keys = [c for c in CONFIG if c != factor] + ["cycle"]
    sub = df[df[factor].isin([a, b])]
    wide = sub.pivot_table(index=keys, columns=factor, values=metric, aggfunc="mean")
    if a not in wide.columns or b not in wide.columns:
        return pd.DataFrame(columns=keys + ["a", "b", "diff"])
    wide = wide[[a, b]].dropna()
    out = wide.rename(columns={a: "a", b: "b"}).reset_index()
    out.columns.name = None
    out["diff"] = out["a"] - out["b"]
    return out


def ips_gain_by_cycle(df, a="typiclust", b="random", metric="accuracy"):
    """Per-cycle gain of initial pool ``a`` over ``b`` in every dataset x encoder cell.

    The data of paper Figs. 3 and 8 (rows datasets, columns encoders): the paired differences
    of :func:`paired_differences` (same dataset, encoder, strategy, seed and cycle), averaged
    over seeds.

    Returns
    -------
    DataFrame
        ``dataset, encoder, strategy, cycle, n_labelled, mean, std, n`` (``n`` seeds).
    """
    d = paired_differences(df, "ips", a, b, metric)
    keys = ["dataset", "encoder", "strategy", "cycle"]
    cols = keys + ["n_labelled", "mean", "std", "n"]
    if d.empty:
        return pd.DataFrame(columns=cols)
    al = al_part(df)
    labelled = al.groupby(keys, observed=True)["n_labelled"].mean()
    out = d.groupby(keys, observed=True)["diff"].agg(mean="mean", std="std", n="count")
    out["n_labelled"] = labelled.reindex(out.index).to_numpy()
    return out.reset_index()[cols]


def _tied_best(values, tol):
    """Boolean mask of the entries within ``tol`` of the maximum."""
    values = np.asarray(values, dtype=float)
    return values >= np.nanmax(values) - tol


def ips_winners(df, tol=0.0, metric="accuracy"):
    """Which IPS gives the best accuracy at each ``k0`` (paper Fig. 1).

    In every (dataset, encoder, k0, seed) block of the IPS study the IPS whose ``metric`` is
    highest wins; a block in which two or more IPS lie within ``tol`` of the best is a tie
    and counts for nobody.

    Returns
    -------
    DataFrame
        ``k0, ips, wins, blocks, ties, share`` with ``share = wins / (blocks - ties)``.
    """
    part = ips_part(df)
    _check(part, ["cycle", _metric(metric)])
    if tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    rows = []
    for (k0,), g in part.groupby(["k0"]):
        wins = dict.fromkeys(sorted(g["ips"].unique()), 0)
        blocks = ties = 0
        for _, blk in g.groupby(["dataset", "encoder", "seed"]):
            blk = blk.groupby("ips")[metric].mean()
            if len(blk) < 2:
                continue
            blocks += 1
            best = _tied_best(blk.values, tol)
            if best.sum() > 1:
                ties += 1
            else:
                wins[blk.index[best.argmax()]] += 1
        for ips, w in wins.items():
            decided = blocks - ties
            rows.append(
                {
                    "k0": k0,
                    "ips": ips,
                    "wins": w,
                    "blocks": blocks,
                    "ties": ties,
                    "share": w / decided if decided else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=["k0", "ips", "wins", "blocks", "ties", "share"])


def ips_accuracy_by_k0(df, metric="accuracy"):
    """Mean and standard deviation of the IPS study's ``metric`` per dataset, encoder, IPS, k0."""
    part = ips_part(df)
    g = part.groupby(["dataset", "encoder", "ips", "k0"], observed=True)[_metric(metric)]
    return g.agg(mean="mean", std="std", n="count").reset_index()


BLOCK = ("dataset", "encoder", "ips", "seed", "cycle")


def _wide_by_strategy(df, metric, block, min_cycle):
    al = al_part(df)
    al = al[al["cycle"] >= min_cycle]
    return al.pivot_table(
        index=list(block), columns="strategy", values=_metric(metric), aggfunc="mean"
    )


def win_rate_matrix(df, metric="accuracy", tol=0.0, min_cycle=1, block=BLOCK):
    """Pairwise win rates of the strategies (paper Fig. 4).

    Entry (i, j) is the share of paired comparisons (same dataset, encoder, IPS, seed and
    cycle) in which strategy i beats strategy j by more than ``tol``; a tie counts one half.
    Cycles below ``min_cycle`` are skipped (cycle 0 is the shared IPS pool).

    Returns
    -------
    DataFrame
        Square, strategies on both axes, NaN on the diagonal.
    """
    wide = _wide_by_strategy(df, metric, block, min_cycle)
    names = list(wide.columns)
    out = pd.DataFrame(np.nan, index=names, columns=names)
    for i in names:
        for j in names:
            if i == j:
                continue
            pair = wide[[i, j]].dropna()
            if len(pair):
                d = pair[i].to_numpy() - pair[j].to_numpy()
                out.loc[i, j] = ((d > tol) + 0.5 * (np.abs(d) <= tol)).mean()
    out.index.name, out.columns.name = "strategy", "opponent"
    return out


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


def aulc(df, metric="accuracy"):
    """Area under each run's learning curve, normalised by its label range (a mean accuracy).

    Trapezoids of ``metric`` over ``n_labelled``, divided by the range of ``n_labelled``;
    one row per run with the config columns and ``aulc``.
    """
    al = al_part(df)
    _check(al, ["run_key", "n_labelled", _metric(metric)])
    al = al.sort_values(["run_key", "n_labelled"])
    g = al.groupby("run_key", sort=False)
    dx = g["n_labelled"].diff()
    area = (dx * (al[metric] + g[metric].shift()) / 2).groupby(al["run_key"]).sum()
    span = g["n_labelled"].max() - g["n_labelled"].min()
    out = (area / span.where(span > 0)).fillna(g[metric].mean()).rename("aulc")
    runs = g.first()[CONFIG].join(out).reset_index()
    return runs[["run_key"] + CONFIG + ["aulc"]]


def curve_aulc(df, metric="accuracy"):
    """Area under one run's learning curve over ``n_labelled``, divided by its label range.

    The normalisation of :func:`aulc` (a mean accuracy), for one
    :func:`~alcore.engine.loop.run_al` frame.
    """
    x, y = df["n_labelled"].to_numpy(float), df[metric].to_numpy(float)
    span = x[-1] - x[0]
    return float(np.trapezoid(y, x) / span) if span > 0 else float(y.mean())


def labels_to_reach(df, upper_bounds, frac=0.95, metric="accuracy"):
    """Labels each strategy needs to reach ``frac`` of the full-data ``metric``, against Random.

    Parameters
    ----------
    upper_bounds : DataFrame
        ``dataset, encoder, accuracy, macro_f1`` (:func:`alcore.runs.store.load_upper_bounds`).

    Returns
    -------
    DataFrame
        Per dataset, encoder, IPS and strategy: ``labels`` (mean over the seeds that reach
        the target), ``reached`` (share of seeds), ``random_labels`` and ``saved`` (labels
        Random needs minus ``labels``; positive is better).
    """
    if not 0 < frac <= 1:
        raise ValueError(f"frac must lie in (0, 1], got {frac}")
    _check(upper_bounds, ["dataset", "encoder", _metric(metric)], "upper_bounds")
    al = al_part(df).merge(
        upper_bounds[["dataset", "encoder", metric]].rename(columns={metric: "_ub"}),
        on=["dataset", "encoder"],
        how="inner",
    )
    hit = al[al[metric] >= frac * al["_ub"]]
    first = hit.groupby("run_key")["n_labelled"].min()
    runs = al.drop_duplicates("run_key").set_index("run_key")[CONFIG]
    runs["labels"] = first.reindex(runs.index)
    keys = ["dataset", "encoder", "ips", "strategy"]
    out = (
        runs.groupby(keys)
        .agg(labels=("labels", "mean"), reached=("labels", lambda s: s.notna().mean()))
        .reset_index()
    )
    rnd = out[out["strategy"] == "random"][["dataset", "encoder", "ips", "labels"]]
    out = out.merge(
        rnd.rename(columns={"labels": "random_labels"}),
        on=["dataset", "encoder", "ips"],
        how="left",
    )
    out["saved"] = out["random_labels"] - out["labels"]
    return out


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
    from alcore.engine.strategies import NAMES

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


def probe_quality(upper_bounds, metric="accuracy"):
    """Measured embedding quality: the linear-probe ``metric`` of each (dataset, encoder).

    The probe is the study's own classifier (logistic regression, LBFGS) trained on the whole
    training split of the frozen embeddings and scored on the test split: the store's upper
    bounds (:func:`alcore.runs.store.load_upper_bounds`). Returns a Series indexed by
    ``(dataset, encoder)``.
    """
    _check(upper_bounds, ["dataset", "encoder", _metric(metric)], "upper_bounds")
    return upper_bounds.groupby(["dataset", "encoder"])[metric].mean().rename("probe_" + metric)


def encoder_quality(encoders, mteb=None):
    """MTEB score of each encoder: from ``mteb`` (a mapping) or ``alcore.embedding.embed.ENCODERS``.

    Encoders without a score map to NaN.
    """
    if mteb is None:
        try:
            from alcore.embedding.embed import ENCODERS

            mteb = {k: getattr(v, "mteb", None) for k, v in ENCODERS.items()}
        except ImportError:
            mteb = {}
    return pd.Series(
        {e: (np.nan if mteb.get(e) is None else float(mteb[e])) for e in encoders},
        name="mteb",
        dtype=float,
    )


def _n_classes(datasets, n_classes):
    if n_classes is None:
        try:
            from alcore.data import DATASETS

            n_classes = {k: getattr(v, "n_classes", None) for k, v in DATASETS.items()}
        except ImportError:
            n_classes = {}
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
