"""Tests over units: t intervals, one-sample tests, dataset means, power, multiplicity.

The unit of replication is the (dataset, encoder) cell for a claim about cells, and the
dataset where the cells of a dataset share its texts and labels and the claim generalises
over tasks (:func:`dataset_mean_test`). Seeds are never units: they are averaged inside the
cell first (:func:`cell_means`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from alcore.core.checks import check_random_state

__all__ = [
    "CELL",
    "RUN_PAIR",
    "bootstrap_ci",
    "cell_means",
    "dataset_mean_test",
    "holm",
    "mde_t",
    "mean_test",
    "paired_bootstrap",
    "paired_vs_baseline",
    "pitman_morgan",
    "t_interval",
    "wilcoxon_holm",
]

#: the unit of replication: one dataset embedded by one encoder
CELL = ("dataset", "encoder")
#: what pairs two runs inside a cell: the same initial pool (IPS and seed)
RUN_PAIR = ("ips", "seed")


def holm(pvalues):
    """Holm-Bonferroni adjusted p-values (same order as given, NaN kept as NaN).

    Equal to ``statsmodels.stats.multitest.multipletests(method="holm")`` (a test checks it);
    own code because statsmodels refuses NaN.
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


def t_interval(mean, sd, n, ci=0.95):
    """The t interval ``mean -/+ t_{(1+ci)/2, n-1} sd / sqrt(n)``, elementwise: ``(low, high)``.

    Accepts scalars or arrays (``n >= 2``; where ``n < 2`` the bounds are NaN).
    """
    mean, sd, n = (np.asarray(v, dtype=float) for v in (mean, sd, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = sps.t.ppf((1 + ci) / 2, np.where(n >= 2, n - 1, np.nan)) * sd / np.sqrt(n)
    return mean - half, mean + half


def mde_t(se, df, alpha=0.05, power=0.8):
    """Minimum detectable effect of a two-sided t test: ``(t_{1-alpha/2} + t_power) * se``.

    The smallest true effect the test detects with probability ``power`` at level ``alpha``
    (the usual normal-shift approximation with ``df`` degrees of freedom). NaN where
    ``df < 1`` or ``se`` is not finite.
    """
    se, df = float(se), float(df)
    if not (np.isfinite(se) and df >= 1):
        return np.nan
    return float((sps.t.ppf(1 - alpha / 2, df) + sps.t.ppf(power, df)) * se)


def mean_test(x, alternative="two-sided", ci=0.95, null=0.0):
    """One-sample t test of ``mean(x) = null`` over units, with the two-sided t interval.

    Returns a dict ``n, effect, low, high, p, se, mde`` (``mde``: :func:`mde_t`); NaN with
    fewer than two finite values or no spread. ``scipy.stats.ttest_1samp``.
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    out = {
        "n": len(x),
        "effect": float(x.mean()) if len(x) else np.nan,
        "low": np.nan,
        "high": np.nan,
        "p": np.nan,
        "se": np.nan,
        "mde": np.nan,
    }
    if len(x) < 2 or np.ptp(x) == 0:
        return out
    res = sps.ttest_1samp(x, null, alternative=alternative)
    se = float(x.std(ddof=1) / np.sqrt(len(x)))
    low, high = t_interval(x.mean(), x.std(ddof=1), len(x), ci)
    out.update(
        low=float(low), high=float(high), p=float(res.pvalue), se=se, mde=mde_t(se, len(x) - 1)
    )
    return out


def dataset_mean_test(values, alternative="two-sided", ci=0.95, null=0.0):
    """:func:`mean_test` over datasets of a per-cell value averaged inside each dataset.

    The cells of one dataset share its texts and labels, so a dataset-specific effect moves
    all of them together; testing over cells as if independent would count one dataset's
    luck several times. Each dataset's cells are averaged first (every dataset weighs one
    unit whatever its number of encoders) and the t test runs over the dataset means.

    Parameters
    ----------
    values : Series indexed by (dataset, encoder)

    Returns
    -------
    dict
        :func:`mean_test`'s keys plus ``n_cells``.
    """
    v = pd.Series(values).dropna()
    means = v.groupby(level=0).mean() if len(v) else v
    out = mean_test(means.to_numpy(), alternative, ci, null)
    out["n_cells"] = len(v)
    return out


def pitman_morgan(x, y, ci=0.95):
    """Pitman-Morgan test of equal variances of paired samples ``x``, ``y``.

    ``var(x) = var(y)`` exactly when ``x + y`` and ``x - y`` are uncorrelated; the test is the
    t test of that correlation (``n - 2`` degrees of freedom, two-sided). The interval for
    the ratio ``sd(x) / sd(y)`` is Pitman's (1939): ``F (K -/+ sqrt(K^2 - 1))`` for the
    variance ratio ``F`` with ``K = 1 + 2 (1 - r^2) t^2 / (n - 2)``, ``r`` the correlation of
    ``x`` and ``y``; its square root bounds the sd ratio.

    Returns
    -------
    dict
        ``n, ratio`` (sd(x) / sd(y)), ``low, high`` (its CI), ``p`` (two-sided); NaN with
        fewer than 4 pairs or no spread.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    out = {"n": n, "ratio": np.nan, "low": np.nan, "high": np.nan, "p": np.nan}
    if n < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    F = x.var(ddof=1) / y.var(ddof=1)
    r_sd = np.corrcoef(x + y, x - y)[0, 1]
    t = r_sd * np.sqrt((n - 2) / max(1e-300, 1 - r_sd**2))
    r = np.corrcoef(x, y)[0, 1]
    tc = sps.t.ppf((1 + ci) / 2, n - 2)
    K = 1 + 2 * (1 - r**2) * tc**2 / (n - 2)
    root = np.sqrt(K**2 - 1)
    out.update(
        ratio=float(np.sqrt(F)),
        low=float(np.sqrt(F * (K - root))),
        high=float(np.sqrt(F * (K + root))),
        p=float(2 * sps.t.sf(abs(t), n - 2)),
    )
    return out


def bootstrap_ci(values, n_boot=2000, ci=0.95, random_state=0):
    """Mean of ``values`` and its percentile bootstrap CI: ``(mean, low, high)``.

    Own vectorised percentile bootstrap rather than ``scipy.stats.bootstrap``: it must
    accept one or two values and NaN, where scipy raises or warns (BCa is undefined there).
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
    the (dataset, encoder) cell).
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
    d = paired_vs_baseline(scores, baseline, value, pair=list(dict.fromkeys([*CELL, *by])))
    d = d.dropna(subset=["diff"])
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
