"""Does an effect rise with embedding quality? Rank correlations taken inside each dataset."""

from __future__ import annotations

import warnings
from math import factorial

import numpy as np
import pandas as pd
from scipy import stats as sps

from alcore.core.checks import check_random_state
from alcore.science.analysis import encoder_quality, probe_quality
from alcore.science.stats.basic import mean_test, paired_vs_baseline

__all__ = [
    "mteb_gain_correlation",
    "probe_gain_correlation",
    "within_dataset_permutation",
    "within_dataset_spearman",
    "within_dataset_spearman_ci",
]

#: z_{0.975} + z_{0.80}: a two-sided 5% test detects a shift of this many null standard
#: deviations with 80% power
MDE_Z = float(sps.norm.ppf(0.975) + sps.norm.ppf(0.8))


def within_dataset_spearman(quality, gain, min_encoders=3):
    """Spearman correlation of encoder quality with a gain, computed inside each dataset and
    averaged over the datasets (a stratified rank correlation).

    Comparing encoders inside a dataset keeps the task's difficulty out of the quality axis:
    a hard dataset has low accuracies with every encoder.

    Parameters
    ----------
    quality, gain : Series indexed by (dataset, encoder)
        E.g. the linear-probe accuracy (:func:`alcore.science.analysis.probe_quality`) and the mean
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
    den = np.sqrt((rx**2).sum() * (rY**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, rY @ rx / den, np.nan)


def _qualifying(quality, gain, min_encoders=3):
    """Per dataset: (quality ranks, gain values) of the encoders that have both."""
    both = pd.concat({"q": quality, "g": gain}, axis=1).dropna()
    out = []
    for _, g in both.groupby(level=0):
        if len(g) >= min_encoders and np.ptp(g["q"]) > 0:
            out.append((g["q"].to_numpy(float), g["g"].to_numpy(float)))
    return out


def within_dataset_permutation(
    quality, gain, n_perm=999, alternative="greater", random_state=0, min_encoders=3, ci=0.95
):
    """Test of "the gain rises with quality" inside datasets, by permuting encoders.

    The statistic is :func:`within_dataset_spearman`. Under the null (no link between an
    encoder's quality and its gain within a dataset) the encoders of each dataset are
    exchangeable, so the null distribution permutes the gains among the encoders of each
    dataset independently (Monte-Carlo). The CI is the t interval over the datasets' rhos
    (the datasets are the units), clipped to [-1, 1].
    Own code: ``scipy.stats.permutation_test`` permutes within one sample, not within strata.

    Returns
    -------
    dict
        ``rho, n_datasets, p, low, high, n_perms`` (the number of distinct permutations: with
        fewer than 40 no p-value can fall below 0.05 with room, and the test is void) and
        ``mde``: the rho a two-sided 5% test detects with 80% power, :data:`MDE_Z` times the
        permutation distribution's standard deviation.
    """
    groups = _qualifying(quality, gain, min_encoders)
    out = {
        "rho": np.nan,
        "n_datasets": len(groups),
        "p": np.nan,
        "low": np.nan,
        "high": np.nan,
        "n_perms": 0,
        "mde": np.nan,
    }
    if not groups:
        return out
    rng = check_random_state(random_state)
    n_perms = int(np.prod([float(factorial(len(q))) for q, _ in groups]))
    out["n_perms"] = n_perms
    per_obs = np.array([sps.spearmanr(q, g).statistic if np.ptp(g) > 0 else 0.0 for q, g in groups])
    rho = float(per_obs.mean())
    null = np.zeros(int(n_perm))
    for q, g in groups:
        # permuting the gains permutes their ranks: rank once, then shuffle the ranks
        rq = sps.rankdata(q) - (len(q) + 1) / 2
        rg = sps.rankdata(g) - (len(g) + 1) / 2
        den = np.sqrt((rq**2).sum() * (rg**2).sum())
        if den > 0:
            null += rng.permuted(np.tile(rg, (int(n_perm), 1)), axis=1) @ rq / den
    null /= len(groups)
    if alternative == "greater":
        p = (1 + np.sum(null >= rho - 1e-12)) / (1 + len(null))
    elif alternative == "less":
        p = (1 + np.sum(null <= rho + 1e-12)) / (1 + len(null))
    else:
        p = (1 + np.sum(np.abs(null) >= abs(rho) - 1e-12)) / (1 + len(null))
    out.update(rho=rho, p=float(p), mde=float(MDE_Z * null.std()))
    if len(groups) >= 2:
        # t interval over the datasets' rhos (clipped to [-1, 1]): with a handful of datasets
        # a percentile bootstrap over them is far too narrow
        r = mean_test(per_obs, ci=ci)
        if np.isfinite(r["low"]):
            out["low"], out["high"] = max(-1.0, r["low"]), min(1.0, r["high"])
        else:  # no spread: every dataset agrees
            out["low"] = out["high"] = rho
    return out


def within_dataset_spearman_ci(quality, table, n_boot=2000, ci=0.95, random_state=0):
    """:func:`within_dataset_spearman` of ``quality`` with the column means of ``table``, and a
    hierarchical percentile bootstrap CI: datasets resampled, then the table's rows.

    ``table`` has one row per paired unit inside a cell (e.g. an IPS x seed pair) and one
    column per (dataset, encoder); NaN where a unit lacks that pair. Each bootstrap draw
    resamples the rows (the seeds, shared by the cells of a dataset so that pairs stay
    paired), computes each dataset's rho, then resamples the datasets and averages. Returns
    ``rho, n_datasets, low, high`` (NaN bounds without bootstrap or without a qualifying
    dataset).
    """
    rng = check_random_state(random_state)
    rho, n = within_dataset_spearman(quality, table.mean())
    low = high = np.nan
    if n and int(n_boot) > 0:
        vals = table.to_numpy()
        picks = rng.integers(0, len(vals), (int(n_boot), len(vals)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            means = np.nanmean(vals[picks], axis=1)  # (n_boot, pairs)
        per_ds = []
        for ds in table.columns.get_level_values(0).unique():
            cols = np.flatnonzero(table.columns.get_level_values(0) == ds)
            qd = quality.reindex(table.columns[cols]).to_numpy()
            ok = np.isfinite(qd)
            if ok.sum() >= 3 and np.ptp(qd[ok]) > 0:
                per_ds.append(_rowwise_spearman(qd[ok], means[:, cols[ok]]))
        if per_ds:
            R = np.column_stack(per_ds)  # (n_boot, datasets)
            pick = rng.integers(0, R.shape[1], R.shape)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                boots = np.nanmean(np.take_along_axis(R, pick, axis=1), axis=1)
            boots = boots[np.isfinite(boots)]
            if len(boots):
                low, high = np.quantile(boots, [(1 - ci) / 2, (1 + ci) / 2])
    return rho, n, float(low), float(high)


def mteb_gain_correlation(
    scores, mteb=None, baseline="random", value="aulc", n_boot=2000, ci=0.95, random_state=0
):
    """Spearman correlation of encoder MTEB score with each strategy's gain over ``baseline``.

    The gain of a strategy on an encoder is the mean over datasets of its per-cell gain
    (seeds and IPS averaged inside each cell). The p-value is the exact permutation test of
    Spearman's rho over the encoders (``scipy.stats.permutation_test``, pairings); the CI
    resamples datasets (the same ones for every encoder). With fewer than three encoders
    that have a score, rho and its CI are NaN.

    Returns
    -------
    DataFrame
        ``strategy, n_encoders, rho, low, high, p``.
    """
    d = paired_vs_baseline(scores, baseline, value)
    q = encoder_quality(d["encoder"].unique(), mteb).dropna()
    d = d[d["encoder"].isin(q.index)]
    rng = check_random_state(random_state)
    rows = []
    for s, g in d.groupby("strategy"):
        tab = g.pivot_table(index="dataset", columns="encoder", values="diff", aggfunc="mean")
        enc = [e for e in tab.columns if e in q.index]
        row = {
            "strategy": s,
            "n_encoders": len(enc),
            "rho": np.nan,
            "low": np.nan,
            "high": np.nan,
            "p": np.nan,
        }
        if len(enc) >= 3:
            x = q[enc].to_numpy()
            gain = tab[enc].mean().to_numpy()
            if np.ptp(gain) > 0:
                row["rho"] = float(sps.spearmanr(x, gain).statistic)
                res = sps.permutation_test(
                    (x, gain),
                    lambda a, b: sps.spearmanr(a, b).statistic,
                    permutation_type="pairings",
                    n_resamples=999,
                    random_state=rng,
                    alternative="two-sided",
                )
                row["p"] = float(res.pvalue)
            vals = tab[enc].to_numpy()
            if len(vals) >= 2:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    G = np.nanmean(
                        vals[rng.integers(0, len(vals), (int(n_boot), len(vals)))], axis=1
                    )
                r = _rowwise_spearman(x, G)
                r = r[np.isfinite(r)]
                if len(r):
                    row["low"], row["high"] = np.quantile(r, [(1 - ci) / 2, (1 + ci) / 2])
        rows.append(row)
    return pd.DataFrame(rows, columns=["strategy", "n_encoders", "rho", "low", "high", "p"])


def probe_gain_correlation(
    scores,
    upper_bounds,
    baseline="random",
    value="aulc",
    metric="accuracy",
    ci=0.95,
    random_state=0,
):
    """Does a strategy gain more over ``baseline`` on better embeddings, quality *measured*?

    Embedding quality is the linear-probe accuracy of each (dataset, encoder): the logistic
    regression trained on the whole training split (the store's upper bounds). The gain is a
    strategy's per-cell ``value`` difference to ``baseline`` (seeds and IPS averaged). Their
    rank correlation is taken inside each dataset and averaged; the p-value permutes the
    encoders within each dataset and the CI is the t interval over the datasets' rhos
    (:func:`within_dataset_permutation`).

    Returns
    -------
    DataFrame
        ``strategy, n_datasets, rho, low, high, p``.
    """
    q = probe_quality(upper_bounds, metric)
    d = paired_vs_baseline(scores, baseline, value)
    rng = check_random_state(random_state)
    rows = []
    for s, g in d.groupby("strategy"):
        gain = g.set_index(["dataset", "encoder"])["diff"]
        r = within_dataset_permutation(q, gain, alternative="two-sided", random_state=rng, ci=ci)
        rows.append(
            {
                "strategy": s,
                "n_datasets": r["n_datasets"],
                "rho": r["rho"],
                "low": r["low"],
                "high": r["high"],
                "p": r["p"],
            }
        )
    return pd.DataFrame(rows, columns=["strategy", "n_datasets", "rho", "low", "high", "p"])
