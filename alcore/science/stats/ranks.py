"""Ranks and contrasts of strategies inside blocks: Friedman-Nemenyi, per-cell block ANOVA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scikit_posthocs as sp
from scipy import stats as sps

from alcore.science.stats.basic import CELL, RUN_PAIR

__all__ = ["block_scores", "cell_contrasts", "friedman_nemenyi", "nemenyi_cd"]


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
        # scikit-posthocs ranks ascending (low wins): negate so that higher scores win
        pairwise = sp.posthoc_nemenyi_friedman(-wide.to_numpy())
        pairwise.index = pairwise.columns = wide.columns
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
