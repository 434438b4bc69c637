"""Learning curves and what is read off them: accuracies, paired differences, AULC, quality.

Every function takes the results store's tidy table (one row per run and cycle, schema in
ARCHITECTURE.md, as returned by :func:`alcore.runs.store.load_results`) and returns a pandas
DataFrame. The store holds two parts: the active-learning runs (``cycles > 0``) and the
initial-pool-selection (IPS) study (``cycles == 0``, strategy ``"none"``, many ``k0``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alcore.embedding.encoders import ENCODERS
from alcore.embedding.ladder import parse_rung

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


def encoder_part(df):
    """The rows of the real encoders: every row but the quality ladder's PCA rungs.

    The rungs (``<base>-pca<k>``, :mod:`alcore.embedding.ladder`) are one encoder reduced,
    not encoders of their own: the paper's comparisons across encoders leave them out, and
    :func:`ladder_part` gives them to the ladder's own analysis.
    """
    _check(df, ["encoder"])
    rung = df["encoder"].map(lambda e: parse_rung(e) is not None).astype(bool)
    return df[~rung].reset_index(drop=True)


def ladder_part(df):
    """The quality ladder's rows: its PCA rungs and, on the datasets that have rungs, the
    full encoder they reduce.

    Empty where the table has no rung. The ladder varies quality while the model stays the
    same, an extension the paper does not have.
    """
    _check(df, ["dataset", "encoder"])
    rung = df["encoder"].map(lambda e: parse_rung(e) is not None).astype(bool)
    tops = {
        (d, parse_rung(e)[0])
        for d, e in df.loc[rung, ["dataset", "encoder"]].drop_duplicates().itertuples(index=False)
    }
    top = pd.Series([(d, e) in tops for d, e in zip(df["dataset"], df["encoder"])], index=df.index)
    return df[rung | top].reset_index(drop=True)


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


def aulc(df, metric="accuracy"):
    """Area under each run's learning curve, normalised by its label range (a mean accuracy).

    Trapezoids of ``metric`` over ``n_labelled``, divided by the range of ``n_labelled``;
    one row per run with the config columns and ``aulc``.
    """
    al = al_part(df)
    _check(al, ["run_key", "n_labelled", _metric(metric)])
    out = _areas(al, metric, "run_key")
    runs = al.groupby("run_key", sort=False).first()[CONFIG].join(out).reset_index()
    return runs[["run_key"] + CONFIG + ["aulc"]]


def curve_aulc(df, metric="accuracy"):
    """:func:`aulc` of one run's learning curve (a :func:`~alcore.engine.loop.run_al` frame
    with ``n_labelled`` and ``metric``): a float."""
    return float(_areas(df.assign(_run=0), metric, "_run").iloc[0])


def _areas(curves, metric, key):
    """The AULC of every curve in ``curves`` (one row per point), a Series by ``key``: the
    one definition of the area. Trapezoids of ``metric`` over ``n_labelled``, divided by
    the range of ``n_labelled`` (a mean accuracy); a curve of one point has its value."""
    _check(curves, [key, "n_labelled", _metric(metric)], "curves")
    c = curves.sort_values([key, "n_labelled"])
    g = c.groupby(key, sort=False)
    dx = g["n_labelled"].diff()
    area = (dx * (c[metric] + g[metric].shift()) / 2).groupby(c[key]).sum()
    span = g["n_labelled"].max() - g["n_labelled"].min()
    return (area / span.where(span > 0)).fillna(g[metric].mean()).rename("aulc")


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


def probe_quality(upper_bounds, metric="accuracy"):
    """Measured embedding quality: the linear-probe ``metric`` of each (dataset, encoder).

    The probe is the study's own classifier (logistic regression, LBFGS) trained on the whole
    training split of the frozen embeddings and scored on the test split: the store's upper
    bounds (:func:`alcore.runs.store.load_upper_bounds`). Returns a Series indexed by
    ``(dataset, encoder)``.
    """
    _check(upper_bounds, ["dataset", "encoder", _metric(metric)], "upper_bounds")
    return upper_bounds.groupby(["dataset", "encoder"])[metric].mean().rename("probe_" + metric)


def loo_probe_quality(upper_bounds, metric="accuracy"):
    """Embedding quality not read off the dataset's own labels: leave one dataset out.

    The quality of encoder ``e`` on dataset ``d`` is the mean, over the *other* datasets,
    of ``e``'s linear-probe ``metric`` minus that dataset's mean over encoders (so that
    a hard dataset lowers every encoder alike). A claim "X rises with quality" tested on
    dataset ``d`` then never uses ``d``'s labels on the quality axis. Returns a Series
    indexed by ``(dataset, encoder)``; NaN where the encoder has no other dataset.
    """
    q = probe_quality(upper_bounds, metric)
    centred = q - q.groupby(level=0).transform("mean")
    wide = centred.unstack("encoder")  # datasets x encoders
    total, count = wide.sum(), wide.notna().sum()
    loo = (total - wide.fillna(0.0)) / (count - wide.notna().astype(int))
    loo = loo.where(wide.notna())
    return loo.stack().rename("loo_probe_" + metric).reindex(q.index)


def encoder_quality(encoders, mteb=None):
    """MTEB score of each encoder: from ``mteb`` (a mapping) or the encoder registry.

    The registry is ``alcore.embedding.encoders.ENCODERS``; encoders without a score map to
    NaN.
    """
    if mteb is None:
        mteb = {k: v.mteb for k, v in ENCODERS.items()}
    return pd.Series(
        {e: (np.nan if mteb.get(e) is None else float(mteb[e])) for e in encoders},
        name="mteb",
        dtype=float,
    )
