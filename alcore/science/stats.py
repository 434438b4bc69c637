"""Statistics for the report, with the (dataset, encoder) cell as the unit of replication.

The functions take per-run scores such as :func:`alcore.science.analysis.aulc`'s table (one row per
run with the config columns and a value column). Seeds of one cell are *not* independent
units for a claim about the study: they share the cell's data and embeddings, so every test
that generalises over cells first averages the seeds (and initial pools) inside each cell
(:func:`cell_means`) and then treats the cells as the units. Claims about one cell use that
cell's runs, blocked by initial pool and seed (:func:`cell_contrasts`). Every random thing
takes ``random_state``.

Where the field's code fits it is used: ``scipy.stats`` (Friedman, Wilcoxon, t tests,
Spearman, permutation test), ``scikit-posthocs`` (Nemenyi pairwise p-values).
Own code is kept where none fits, and the docstring says why.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as sps

from alcore.core.checks import check_random_state

__all__ = [
    "CELL",
    "block_scores",
    "bootstrap_ci",
    "cell_contrasts",
    "cell_means",
    "friedman_nemenyi",
    "holm",
    "mean_test",
    "mteb_gain_correlation",
    "nemenyi_cd",
    "paired_bootstrap",
    "paired_vs_baseline",
    "probe_gain_correlation",
    "wilcoxon_holm",
    "within_dataset_permutation",
    "within_dataset_spearman",
    "within_dataset_spearman_ci",
]

#: the unit of replication: one dataset embedded by one encoder
CELL = ("dataset", "encoder")
#: what pairs two runs inside a cell: the same initial pool (IPS and seed)
RUN_PAIR = ("ips", "seed")


def holm(pvalues):
    """Holm-Bonferroni adjusted p-values (same order as given, NaN kept as NaN).

    Equal to ``statsmodels.stats.multitest.multipletests(method="holm")`` (a test checks it)
    but kept here: statsmodels refuses NaN, and its ``multipletests`` runs a garbage
    collection on every call (0.1-0.3 s), which would dominate the calibration's hundreds of
    calls.
    """
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
    """Mean of ``values`` and its percentile bootstrap CI: ``(mean, low, high)``.

    Own vectorised percentile bootstrap rather than ``scipy.stats.bootstrap``: it must
    accept one or two values (a store with few cells) and NaN, where scipy raises or warns
    (BCa is undefined there); on cell means it is called with a handful of values.
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie in (0, 1), got {ci}")
    if len(v) == 0:
        return np.nan, np.nan, np.nan
    rng = check_random_state(random_state)
    means = v[rng.integers(0, len(v), size=(int(n_boot), len(v)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - ci) / 2, (1 + ci) / 2])
    return float(v.mean()), float(lo), float(hi)


def cell_means(scores, value="aulc", by=(), cell=CELL):
    """Mean ``value`` per cell and strategy (seeds, and IPS unless in ``by``, averaged).

    Returns a cells x strategies table indexed by ``*cell, *by``.
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in (*cell, *by, "strategy", value) if c not in scores.columns]
    if missing:
        raise ValueError(
            f"scores lack the column(s) {missing}; pass alcore.science.analysis.aulc(...)"
        )
    keys = list(dict.fromkeys([*cell, *by]))
    return scores.groupby(keys + ["strategy"])[value].mean().unstack("strategy")


def paired_vs_baseline(scores, baseline="random", value="aulc", pair=CELL):
    """Per-cell differences ``value(strategy) - value(baseline)``: ``*pair, strategy, diff``.

    Each cell's seeds and initial pools are averaged first (``pair`` = the unit, by default
    the (dataset, encoder) cell; pass ``pair=CELL + RUN_PAIR`` for per-run differences).
    """
    missing = [c for c in (*pair, "strategy", value) if c not in scores.columns]
    if missing:
        raise ValueError(
            f"scores lack the column(s) {missing}; pass alcore.science.analysis.aulc(...)"
        )
    wide = scores.pivot_table(index=list(pair), columns="strategy", values=value, aggfunc="mean")
    if baseline not in wide.columns:
        raise ValueError(
            f"baseline strategy {baseline!r} is not in the scores; present: {sorted(wide.columns)}"
        )
    diff = wide.sub(wide[baseline], axis=0).drop(columns=baseline)
    return diff.stack().rename("diff").reset_index()


def mean_test(x, alternative="two-sided", ci=0.95):
    """One-sample t test of ``mean(x) = 0`` over units (cells), with the t interval.

    Returns a dict ``n, effect, low, high, p`` (NaN with fewer than two finite values or no
    spread). ``scipy.stats.ttest_1samp``; the interval is always two-sided at ``ci``.
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    out = {
        "n": len(x),
        "effect": float(x.mean()) if len(x) else np.nan,
        "low": np.nan,
        "high": np.nan,
        "p": np.nan,
    }
    if len(x) < 2 or np.ptp(x) == 0:
        return out
    res = sps.ttest_1samp(x, 0.0, alternative=alternative)
    two = sps.ttest_1samp(x, 0.0).confidence_interval(ci)
    out.update(low=float(two.low), high=float(two.high), p=float(res.pvalue))
    return out


def paired_bootstrap(
    scores, baseline="random", by=(), value="aulc", n_boot=2000, ci=0.95, random_state=0
):
    """Mean per-cell difference of each strategy to ``baseline`` with a bootstrap CI over cells.

    Seeds (and IPS unless in ``by``) are averaged inside each (dataset, encoder) cell; the
    bootstrap resamples cells. Returns ``*by, strategy, n`` (cells), ``mean, low, high``.
    """
    by = [by] if isinstance(by, str) else list(by)
    d = paired_vs_baseline(scores, baseline, value, pair=list(dict.fromkeys([*CELL, *by])))
    rng = check_random_state(random_state)
    rows = []
    for key, g in d.groupby(by + ["strategy"]):
        key = key if isinstance(key, tuple) else (key,)
        m, lo, hi = bootstrap_ci(g["diff"], n_boot, ci, rng)
        rows.append(
            {
                **dict(zip(by + ["strategy"], key)),
                "n": int(g["diff"].notna().sum()),
                "mean": m,
                "low": lo,
                "high": hi,
            }
        )
    return pd.DataFrame(rows, columns=by + ["strategy", "n", "mean", "low", "high"])


def wilcoxon_holm(scores, baseline="random", by=(), value="aulc"):
    """Wilcoxon signed-rank test over cells of each strategy against ``baseline``, Holm-corrected.

    The differences are per (dataset, encoder) cell (seeds, and IPS unless in ``by``,
    averaged). Holm's correction runs over the strategies within each ``by`` group. Returns
    ``*by, strategy, n`` (cells), ``median_diff, statistic, p, p_holm``; p is NaN when all
    differences are 0.
    """
    by = [by] if isinstance(by, str) else list(by)
    d = paired_vs_baseline(scores, baseline, value, pair=list(dict.fromkeys([*CELL, *by]))).dropna(
        subset=["diff"]
    )
    rows = []
    for key, g in d.groupby(by + ["strategy"]):
        key = key if isinstance(key, tuple) else (key,)
        x = g["diff"].to_numpy()
        stat = p = np.nan
        if np.any(x != 0):
            res = sps.wilcoxon(x, zero_method="wilcox")
            stat, p = float(res.statistic), float(res.pvalue)
        rows.append(
            {
                **dict(zip(by + ["strategy"], key)),
                "n": len(x),
                "median_diff": float(np.median(x)),
                "statistic": stat,
                "p": p,
            }
        )
    out = pd.DataFrame(rows, columns=by + ["strategy", "n", "median_diff", "statistic", "p"])
    if by:
        out["p_holm"] = out.groupby(by)["p"].transform(lambda s: holm(s.to_numpy()))
    else:
        out["p_holm"] = holm(out["p"].to_numpy())
    return out


def nemenyi_cd(k, n, alpha=0.05):
    """Nemenyi critical difference of average ranks for ``k`` methods over ``n`` blocks.

    ``CD = q_alpha * sqrt(k (k + 1) / (6 n))`` with ``q_alpha`` the studentized range
    quantile (infinite degrees of freedom) divided by sqrt(2) (Demsar 2006). Own code:
    scikit-posthocs gives the pairwise p-values but not the CD the diagram draws.
    """
    if k < 2 or n < 1:
        raise ValueError(f"need k >= 2 methods and n >= 1 blocks, got k={k}, n={n}")
    q = sps.studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return float(q * np.sqrt(k * (k + 1) / (6.0 * n)))


def block_scores(scores, value="aulc", block=CELL):
    """Blocks x strategies table of ``value`` (complete blocks only), for Friedman tests.

    A block is a (dataset, encoder) cell by default: its seeds and initial pools are
    averaged, so the Friedman test and the Nemenyi CD count cells, not runs.
    """
    wide = scores.pivot_table(index=list(block), columns="strategy", values=value, aggfunc="mean")
    return wide.dropna()


def friedman_nemenyi(wide, alpha=0.05):
    """Friedman test and Nemenyi critical difference on a blocks x methods table (higher wins).

    Returns
    -------
    dict
        ``avg_ranks`` (Series, 1 = best, sorted), ``statistic``, ``p`` (Friedman chi-square,
        ``scipy.stats.friedmanchisquare``; NaN with fewer than 3 methods), ``cd``, ``n``
        (blocks), ``k`` (methods), ``alpha``, ``pairwise_p`` (Nemenyi p-values,
        ``scikit_posthocs.posthoc_nemenyi_friedman``; None with fewer than 2 blocks).
    """
    wide = pd.DataFrame(wide).dropna()
    n, k = wide.shape
    if n < 1 or k < 2:
        raise ValueError(f"need at least one complete block and two methods, got {n}x{k}")
    ranks = wide.rank(axis=1, ascending=False, method="average").mean().sort_values()
    stat = p = np.nan
    pairwise = None
    if k >= 3 and n >= 2:
        res = sps.friedmanchisquare(*[wide[c].to_numpy() for c in wide.columns])
        stat, p = float(res.statistic), float(res.pvalue)
        try:
            import scikit_posthocs as sp

            # scikit-posthocs ranks ascending (low wins): negate so that higher scores win
            pairwise = sp.posthoc_nemenyi_friedman(-wide.to_numpy())
            pairwise.index = pairwise.columns = wide.columns
        except ImportError:  # optional: the CD diagram needs only the ranks and the CD
            pairwise = None
    return {
        "avg_ranks": ranks,
        "statistic": stat,
        "p": p,
        "cd": nemenyi_cd(k, n, alpha),
        "n": n,
        "k": k,
        "alpha": alpha,
        "pairwise_p": pairwise,
    }


def cell_contrasts(scores, value="aulc", cell=CELL, pair=RUN_PAIR):
    """Pairwise strategy contrasts inside each cell, from a randomised-block ANOVA.

    Inside one (dataset, encoder) cell the runs of different strategies that share an initial
    pool (IPS and seed) form a block. The residual mean square of the two-way model
    ``value ~ strategy + block`` (``(k - 1)(b - 1)`` degrees of freedom) gives every
    contrast's standard error: far more degrees of freedom than a paired t test on ``b``
    blocks, which is what makes claims about a single cell testable with 3 seeds. Own code:
    neither scipy nor statsmodels offers a vectorised per-cell block ANOVA, and fitting one
    ``statsmodels`` OLS per cell would be 100x slower in the calibration.

    Returns
    -------
    DataFrame
        One row per cell and ordered strategy pair ``(a, b)``: ``*cell, a, b, diff`` (mean of
        ``a`` minus ``b``), ``se``, ``df``, ``t`` and ``p`` (one-sided, H1: ``a`` better).
        Cells with fewer than two complete blocks are left out.
    """
    cols = list(cell) + list(pair)
    empty = pd.DataFrame(columns=list(cell) + ["a", "b", "diff", "se", "df", "t", "p"])
    wide = scores.groupby(cols + ["strategy"])[value].mean().unstack("strategy").dropna()
    names = np.asarray(wide.columns)
    k = len(names)
    if k < 2 or wide.empty:
        return empty
    # cells x blocks x strategies; cells with different numbers of blocks are done apart
    cell_id = wide.groupby(level=list(range(len(cell)))).ngroup().to_numpy()
    cells = wide.index.droplevel(list(range(len(cell), len(cols)))).unique()
    sizes = np.bincount(cell_id)
    ia, ib = np.where(~np.eye(k, dtype=bool))
    out = []
    Y = wide.to_numpy()
    for b in np.unique(sizes):
        if b < 2:
            continue
        sel = np.flatnonzero(sizes == b)
        y = np.stack([Y[cell_id == c] for c in sel])  # (cells, b, k)
        m = y.mean(axis=1)  # (cells, k)
        resid = (
            y - m[:, None, :] - y.mean(axis=2, keepdims=True) + y.mean(axis=(1, 2), keepdims=True)
        )
        df = (k - 1) * (b - 1)
        se = np.sqrt(2 * (resid**2).sum(axis=(1, 2)) / df / b)  # (cells,)
        diff = (m[:, :, None] - m[:, None, :])[:, ia, ib]  # (cells, pairs)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(se[:, None] > 0, diff / se[:, None], np.sign(diff) * np.inf)
        keys = cells[sel]
        frame = {
            c: np.repeat(keys.get_level_values(i) if len(cell) > 1 else keys, len(ia))
            for i, c in enumerate(cell)
        }
        out.append(
            pd.DataFrame(
                {
                    **frame,
                    "a": np.tile(names[ia], len(sel)),
                    "b": np.tile(names[ib], len(sel)),
                    "diff": diff.ravel(),
                    "se": np.repeat(se, len(ia)),
                    "df": df,
                    "t": t.ravel(),
                    "p": sps.t.sf(t.ravel(), df),
                }
            )
        )
    if not out:
        return empty
    return pd.concat(out, ignore_index=True)


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
        fewer than 40 no p-value can fall below 0.05 with room, and the test is void).
    """
    groups = _qualifying(quality, gain, min_encoders)
    out = {
        "rho": np.nan,
        "n_datasets": len(groups),
        "p": np.nan,
        "low": np.nan,
        "high": np.nan,
        "n_perms": 0,
    }
    if not groups:
        return out
    rng = check_random_state(random_state)
    from math import factorial

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
    out.update(rho=rho, p=float(p))
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
    from alcore.science.analysis import encoder_quality

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
    n_boot=2000,
    ci=0.95,
    random_state=0,
):
    """Does a strategy gain more over ``baseline`` on better embeddings, quality *measured*?

    Embedding quality is the linear-probe accuracy of each (dataset, encoder): the logistic
    regression trained on the whole training split (the store's upper bounds). The gain is a
    strategy's per-cell ``value`` difference to ``baseline`` (seeds and IPS averaged). Their
    rank correlation is taken inside each dataset and averaged; the p-value permutes the
    encoders within each dataset and the CI is the t interval over the datasets' rhos
    (:func:`within_dataset_permutation`). ``n_boot`` is accepted for older callers and unused.

    Returns
    -------
    DataFrame
        ``strategy, n_datasets, rho, low, high, p``.
    """
    from alcore.science.analysis import probe_quality

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
