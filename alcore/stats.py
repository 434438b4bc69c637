"""Statistics for the report: paired bootstrap CIs, Wilcoxon-Holm, Friedman-Nemenyi, Spearman.

The functions take per-run scores such as :func:`alcore.analysis.aulc`'s table (one row per
run with the config columns and a value column) and pair runs of two strategies on the
same dataset, encoder, IPS and seed. Every random thing takes ``random_state``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = ["holm", "bootstrap_ci", "paired_vs_baseline", "paired_bootstrap",
           "wilcoxon_holm", "nemenyi_cd", "friedman_nemenyi", "block_scores",
           "mteb_gain_correlation", "within_dataset_spearman", "within_dataset_spearman_ci",
           "probe_gain_correlation"]

PAIR = ("dataset", "encoder", "ips", "seed")


def holm(pvalues):
    """Holm-Bonferroni adjusted p-values (same order as given, NaN kept as NaN)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adj, 1.0)
    return out


def bootstrap_ci(values, n_boot=2000, ci=0.95, random_state=0):
    """Mean of ``values`` and its percentile bootstrap CI: ``(mean, low, high)``."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie in (0, 1), got {ci}")
    if len(v) == 0:
        return np.nan, np.nan, np.nan
    rng = np.random.default_rng(random_state)
    means = v[rng.integers(0, len(v), size=(int(n_boot), len(v)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - ci) / 2, (1 + ci) / 2])
    return float(v.mean()), float(lo), float(hi)


def paired_vs_baseline(scores, baseline="random", value="aulc", pair=PAIR):
    """Per-pair differences ``value(strategy) - value(baseline)``: ``*pair, strategy, diff``."""
    missing = [c for c in (*pair, "strategy", value) if c not in scores.columns]
    if missing:
        raise ValueError(f"scores lack the column(s) {missing}; pass alcore.analysis.aulc(...)")
    wide = scores.pivot_table(index=list(pair), columns="strategy", values=value, aggfunc="mean")
    if baseline not in wide.columns:
        raise ValueError(f"baseline strategy {baseline!r} is not in the scores; present: "
                         f"{sorted(wide.columns)}")
    diff = wide.sub(wide[baseline], axis=0).drop(columns=baseline)
    return diff.stack().rename("diff").reset_index()


def paired_bootstrap(scores, baseline="random", by=(), value="aulc", n_boot=2000, ci=0.95,
                     random_state=0):
    """Mean paired difference of each strategy to ``baseline`` with a bootstrap CI.

    Returns ``*by, strategy, n, mean, low, high``; each group gets its own seeded stream.
    """
    by = [by] if isinstance(by, str) else list(by)
    d = paired_vs_baseline(scores, baseline, value)
    rng = np.random.default_rng(random_state)
    rows = []
    for key, g in d.groupby(by + ["strategy"]):
        key = key if isinstance(key, tuple) else (key,)
        m, lo, hi = bootstrap_ci(g["diff"], n_boot, ci, rng)
        rows.append({**dict(zip(by + ["strategy"], key)), "n": int(g["diff"].notna().sum()),
                     "mean": m, "low": lo, "high": hi})
    return pd.DataFrame(rows, columns=by + ["strategy", "n", "mean", "low", "high"])


def wilcoxon_holm(scores, baseline="random", by=(), value="aulc"):
    """Wilcoxon signed-rank test of each strategy against ``baseline``, Holm-corrected.

    Holm's correction runs over the strategies within each ``by`` group. Returns ``*by,
    strategy, n, median_diff, statistic, p, p_holm``; p is NaN when all differences are 0.
    """
    by = [by] if isinstance(by, str) else list(by)
    d = paired_vs_baseline(scores, baseline, value).dropna(subset=["diff"])
    rows = []
    for key, g in d.groupby(by + ["strategy"]):
        key = key if isinstance(key, tuple) else (key,)
        x = g["diff"].to_numpy()
        stat = p = np.nan
        if np.any(x != 0):
            res = sps.wilcoxon(x, zero_method="wilcox")
            stat, p = float(res.statistic), float(res.pvalue)
        rows.append({**dict(zip(by + ["strategy"], key)), "n": len(x),
                     "median_diff": float(np.median(x)), "statistic": stat, "p": p})
    out = pd.DataFrame(rows, columns=by + ["strategy", "n", "median_diff", "statistic", "p"])
    if by:
        out["p_holm"] = out.groupby(by)["p"].transform(lambda s: holm(s.to_numpy()))
    else:
        out["p_holm"] = holm(out["p"].to_numpy())
    return out


def nemenyi_cd(k, n, alpha=0.05):
    """Nemenyi critical difference of average ranks for ``k`` methods over ``n`` blocks.

    ``CD = q_alpha * sqrt(k (k + 1) / (6 n))`` with ``q_alpha`` the studentized range
    quantile (infinite degrees of freedom) divided by sqrt(2) (Demsar 2006).
    """
    if k < 2 or n < 1:
        raise ValueError(f"need k >= 2 methods and n >= 1 blocks, got k={k}, n={n}")
    q = sps.studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return float(q * np.sqrt(k * (k + 1) / (6.0 * n)))


def block_scores(scores, value="aulc", block=PAIR):
    """Blocks x strategies table of ``value`` (complete blocks only), for Friedman tests."""
    wide = scores.pivot_table(index=list(block), columns="strategy", values=value,
                              aggfunc="mean")
    return wide.dropna()


def friedman_nemenyi(wide, alpha=0.05):
    """Friedman test and Nemenyi critical difference on a blocks x methods table (higher wins).

    Returns
    -------
    dict
        ``avg_ranks`` (Series, 1 = best, sorted), ``statistic``, ``p`` (Friedman chi-square;
        NaN with fewer than 3 methods), ``cd``, ``n`` (blocks), ``k`` (methods), ``alpha``.
    """
    wide = pd.DataFrame(wide).dropna()
    n, k = wide.shape
    if n < 1 or k < 2:
        raise ValueError(f"need at least one complete block and two methods, got {n}x{k}")
    ranks = wide.rank(axis=1, ascending=False, method="average").mean().sort_values()
    stat = p = np.nan
    if k >= 3 and n >= 2:
        res = sps.friedmanchisquare(*[wide[c].to_numpy() for c in wide.columns])
        stat, p = float(res.statistic), float(res.pvalue)
    return {"avg_ranks": ranks, "statistic": stat, "p": p, "cd": nemenyi_cd(k, n, alpha),
            "n": n, "k": k, "alpha": alpha}


def mteb_gain_correlation(scores, mteb=None, baseline="random", value="aulc", n_boot=2000,
                          ci=0.95, random_state=0):
    """Spearman correlation of encoder MTEB score with each strategy's gain over ``baseline``.

    The gain of a strategy on an encoder is its mean paired ``value`` difference to
    ``baseline``. The CI resamples the paired (dataset, IPS, seed) units with replacement
    (the same units for every encoder) and recomputes the correlation. With fewer than three
    encoders that have a score, rho and its CI are NaN.

    Returns
    -------
    DataFrame
        ``strategy, n_encoders, rho, low, high, p``.
    """
    from .analysis import encoder_quality

    d = paired_vs_baseline(scores, baseline, value)
    q = encoder_quality(d["encoder"].unique(), mteb).dropna()
    d = d[d["encoder"].isin(q.index)]
    d = d.assign(unit=d["dataset"].astype(str) + "|" + d["ips"].astype(str) + "|"
                 + d["seed"].astype(str))
    rng = np.random.default_rng(random_state)
    rows = []
    for s, g in d.groupby("strategy"):
        tab = g.pivot_table(index="unit", columns="encoder", values="diff", aggfunc="mean")
        enc = [e for e in tab.columns if e in q.index]
        row = {"strategy": s, "n_encoders": len(enc), "rho": np.nan, "low": np.nan,
               "high": np.nan, "p": np.nan}
        if len(enc) >= 3:
            x = q[enc].to_numpy()
            res = sps.spearmanr(x, tab[enc].mean().to_numpy())
            row["rho"], row["p"] = float(res.statistic), float(res.pvalue)
            vals = tab[enc].to_numpy()
            boots = []
            for _ in range(int(n_boot)):
                gain = np.nanmean(vals[rng.integers(0, len(vals), len(vals))], axis=0)
                if np.ptp(gain) > 0 and not np.isnan(gain).any():
                    boots.append(sps.spearmanr(x, gain).statistic)
            if boots:
                row["low"], row["high"] = np.quantile(boots, [(1 - ci) / 2, (1 + ci) / 2])
        rows.append(row)
    return pd.DataFrame(rows, columns=["strategy", "n_encoders", "rho", "low", "high", "p"])


def within_dataset_spearman(quality, gain, min_encoders=3):
    """Spearman correlation of encoder quality with a gain, computed inside each dataset and
    averaged over the datasets (a stratified rank correlation).

    Comparing encoders inside a dataset keeps the task's difficulty out of the quality axis:
    a hard dataset has low accuracies with every encoder.

    Parameters
    ----------
    quality, gain : Series indexed by (dataset, encoder)
        E.g. the linear-probe accuracy (:func:`alcore.analysis.probe_quality`) and the mean
        AULC gain over Random.
    min_encoders : int, default=3
        Datasets with fewer encoders that have both values (or no spread) are left out.

    Returns
    -------
    rho : float
        Mean of the per-dataset Spearman correlations (NaN if no dataset qualifies).
    n_datasets : int
    """
    both = pd.concat({"q": quality, "g": gain}, axis=1).dropna()
    rhos = []
    for _, g in both.groupby(level=0):
        if len(g) >= min_encoders and np.ptp(g["q"]) > 0 and np.ptp(g["g"]) > 0:
            rhos.append(sps.spearmanr(g["q"], g["g"]).statistic)
    return (float(np.mean(rhos)) if rhos else np.nan), len(rhos)


def _rowwise_spearman(x, Y):
    """Spearman correlation of ``x`` (k,) with each row of ``Y`` (b, k); NaN where a row has
    no spread or holds a NaN."""
    rx = sps.rankdata(x) - (len(x) + 1) / 2
    rY = sps.rankdata(Y, axis=1, nan_policy="omit")
    rY = rY - rY.mean(axis=1, keepdims=True)
    den = np.sqrt((rx ** 2).sum() * (rY ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, rY @ rx / den, np.nan)


def within_dataset_spearman_ci(quality, table, n_boot=2000, ci=0.95, random_state=0):
    """:func:`within_dataset_spearman` of ``quality`` with the column means of ``table``, and a
    percentile bootstrap CI that resamples its rows.

    ``table`` has one row per paired unit (e.g. an IPS x seed pair) and one column per
    (dataset, encoder); NaN where a unit lacks that pair. Returns ``rho, n_datasets, low,
    high`` (NaN bounds without bootstrap or without a qualifying dataset).
    """
    rng = random_state if isinstance(random_state, np.random.Generator) else \
        np.random.default_rng(random_state)
    rho, n = within_dataset_spearman(quality, table.mean())
    low = high = np.nan
    if n and int(n_boot) > 0:
        vals = table.to_numpy()
        picks = rng.integers(0, len(vals), (int(n_boot), len(vals)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            means = np.nanmean(vals[picks], axis=1)          # (n_boot, pairs)
        per_ds = []
        for ds in table.columns.get_level_values(0).unique():
            cols = np.flatnonzero(table.columns.get_level_values(0) == ds)
            qd = quality.reindex(table.columns[cols]).to_numpy()
            ok = np.isfinite(qd)
            if ok.sum() >= 3 and np.ptp(qd[ok]) > 0:
                per_ds.append(_rowwise_spearman(qd[ok], means[:, cols[ok]]))
        boots = np.nanmean(np.column_stack(per_ds), axis=1) if per_ds else np.array([])
        boots = boots[np.isfinite(boots)]
        if len(boots):
            low, high = np.quantile(boots, [(1 - ci) / 2, (1 + ci) / 2])
    return rho, n, float(low), float(high)


def probe_gain_correlation(scores, upper_bounds, baseline="random", value="aulc",
                           metric="accuracy", n_boot=2000, ci=0.95, random_state=0):
    """Does a strategy gain more over ``baseline`` on better embeddings, quality *measured*?

    Embedding quality is the linear-probe accuracy of each (dataset, encoder): the logistic
    regression trained on the whole training split (the store's upper bounds). The gain is a
    strategy's mean paired ``value`` difference to ``baseline``. Their rank correlation is
    taken inside each dataset and averaged (:func:`within_dataset_spearman`); the CI resamples
    the paired (IPS, seed) units with replacement. Unlike MTEB scores, this needs no published
    number, so it works for any encoder, and it measures quality on the task at hand.

    Returns
    -------
    DataFrame
        ``strategy, n_datasets, rho, low, high``.
    """
    from .analysis import probe_quality

    q = probe_quality(upper_bounds, metric)
    d = paired_vs_baseline(scores, baseline, value)
    d = d.assign(unit=d["ips"].astype(str) + "|" + d["seed"].astype(str))
    rng = np.random.default_rng(random_state)
    rows = []
    for s, g in d.groupby("strategy"):
        tab = g.pivot_table(index="unit", columns=["dataset", "encoder"], values="diff",
                            aggfunc="mean")
        rho, n, low, high = within_dataset_spearman_ci(q, tab, n_boot, ci, rng)
        rows.append({"strategy": s, "n_datasets": n, "rho": rho, "low": low, "high": high})
    return pd.DataFrame(rows, columns=["strategy", "n_datasets", "rho", "low", "high"])
