"""Takeaways about query strategies: which wins where, and how robustly."""

from __future__ import annotations

from math import factorial

import numpy as np
import pandas as pd
from scipy import stats as sps

from alcore.science import analysis as A
from alcore.science import stats as S
from alcore.science.findings.data import MIN_DATASETS, MIN_PERMS, fmt_ci, fmt_p
from alcore.science.findings.ips import DATASET_UNIT
from alcore.science.findings.record import (
    ALPHA,
    Outcome,
    Part,
    PartResult,
    Takeaway,
    unreported,
)

__all__ = ["STRATEGY_TAKEAWAYS"]

BLOCKU = "runs inside a (dataset, encoder) cell, blocked by IPS and seed; cells corrected"
BLOCK_WHY = (
    "the claim is about single cells (a spike, a loss), so the cell's own runs are the "
    "replicates, paired by initial pool; the correction counts the cells searched"
)
AULC_POINT = "one accuracy point of AULC"


def _t4(D):
    R = D.cell_ranks()
    enc = R.index.get_level_values("encoder")
    ds = R.index.get_level_values("dataset")
    common = [e for e in sorted(set(enc)) if all(e in set(enc[ds == d]) for d in set(ds))]
    R = R[enc.isin(common)].sort_index()
    n_d, n_e = R.index.get_level_values("dataset").nunique(), len(common)
    n_perms = factorial(n_e) ** max(0, n_d - 1) if n_e >= 2 else 0
    if n_e < 2 or n_perms < MIN_PERMS:
        return Outcome.cannot(
            f"{n_e} encoder(s) common to {n_d} dataset(s): {n_perms} distinct permutations, "
            f"too few for a test at alpha = {ALPHA}"
        )
    arr = R.to_numpy().reshape(n_d, n_e, R.shape[1])  # (datasets, encoders, strategies)

    def stat(a):  # variance over encoders of the dataset-averaged ranks, summed
        return a.mean(axis=-3).var(axis=-2).sum(axis=-1)

    def spread(a):  # max - min over encoders of the dataset-averaged ranks, averaged
        m = a.mean(axis=-3)
        return (m.max(axis=-2) - m.min(axis=-2)).mean(axis=-1)

    perm = D.rng.permuted(np.tile(np.arange(n_e), (D.n_perm, n_d, 1)), axis=2)
    pa = arr[np.arange(n_d)[None, :, None], perm]  # (B, D, E, S)
    p = (1 + np.sum(stat(pa) >= stat(arr) - 1e-12)) / (1 + D.n_perm)
    # effect: the spread beyond what exchangeable encoders give (the permutation mean); CI by
    # a shift model around it (resampling 5 datasets would inflate the spread itself)
    s_obs, s_perm = spread(arr), spread(pa)
    s_null = s_perm.mean()
    q_lo, q_hi = np.quantile(s_perm - s_null, [0.025, 0.975])
    est = s_obs - s_null
    mde = S.MDE_Z * s_perm.std()
    top = pd.DataFrame(arr.mean(axis=0), index=common, columns=R.columns).idxmin(axis=1)
    here = (
        f"rank spread {s_obs:.2f} vs {s_null:.2f} expected without interaction: excess "
        f"{est:+.2f} {fmt_ci(est - q_hi, est - q_lo, '+.2f')}, {n_d} datasets x {n_e} "
        f"encoders, {fmt_p(p)} (one-sided), MDE {mde:.2f}; best mean rank per encoder: "
        + ", ".join(f"{e}: {s}" for e, s in top.items())
    )
    return Outcome({"spread": PartResult(est, est - q_hi, est - q_lo, float(p), mde)}, here)


def _t5(D):
    if "margin" not in set(D.au["strategy"]):
        return Outcome.cannot("no Margin runs")
    c = D.contrasts()
    if c.empty or c[["dataset", "encoder"]].drop_duplicates().shape[0] < 2:
        return Outcome.cannot("fewer than two cells with Margin and other strategies")
    ahead = c[c["a"] == "margin"]
    per_cell = ahead.loc[ahead.groupby(["dataset", "encoder"])["p"].idxmax()]  # IUT: worst
    per_cell = per_cell.assign(p_holm=S.holm(per_cell["p"].to_numpy()))
    best = per_cell.loc[per_cell["p_holm"].idxmin()]
    behind = c[c["b"] == "margin"]
    p2 = min(1.0, float(behind["p"].min()) * len(behind))
    p = max(float(best["p_holm"]), p2)
    tcrit = sps.t.ppf(0.975, per_cell["df"].to_numpy(float))
    upper = per_cell["diff"].to_numpy() + tcrit * per_cell["se"].to_numpy()
    # the interval's lower end is the best cell's; its upper end the highest over the cells,
    # so that "short of a meaningful spike" speaks for every cell, not the best one only
    lo = best["diff"] - sps.t.ppf(0.975, best["df"]) * best["se"]
    hi = float(np.max(upper))
    mde = S.mde_t(best["se"], best["df"], alpha=2 * ALPHA / len(per_cell))
    won = per_cell[per_cell["p_holm"] < ALPHA]
    here = (
        f"Margin significantly best in {len(won)} of {len(per_cell)} cells"
        + (f" (datasets: {', '.join(sorted(set(won['dataset'])))})" if len(won) else "")
        + f"; lead {best['diff']:+.4f} AULC in {best['dataset']}/{best['encoder']} (lower "
        f"95% bound {lo:+.4f}; upper bounds up to {hi:+.4f} over the cells), Holm "
        f"{fmt_p(best['p_holm'])}; another strategy significantly "
        f"above Margin somewhere: Bonferroni {fmt_p(p2)}; MDE {mde:.4f}"
    )
    return Outcome({"lead": PartResult(best["diff"], lo, hi, p, mde)}, here)


def _t8(D):
    c = D.contrasts()
    if c.empty or c["a"].nunique() < 2:
        return Outcome.cannot("fewer than two strategies in a cell")
    m = c.groupby("b").size()
    c = c.assign(p_adj=np.minimum(1.0, c["p"] * c["b"].map(m)))
    beaten = c.loc[c.groupby("b")["p_adj"].idxmin()]  # each strategy's best evidence
    worst = beaten.loc[beaten["p_adj"].idxmax()]  # the hardest to beat
    p = float(worst["p_adj"])
    lo = worst["diff"] - sps.t.ppf(0.975, worst["df"]) * worst["se"]
    # upper end: the largest over every cell and rival of that strategy, so that "no
    # meaningful deficit anywhere" speaks for all of them
    mine = c[c["b"] == worst["b"]]
    hi = float(np.max(mine["diff"] + sps.t.ppf(0.975, mine["df"].to_numpy(float)) * mine["se"]))
    mde = S.mde_t(worst["se"], worst["df"], alpha=2 * ALPHA / int(m[worst["b"]]))
    n_beaten = int((beaten["p_adj"] < ALPHA).sum())
    here = (
        f"{n_beaten} of {len(beaten)} strategies are significantly beaten in some cell; "
        f"the hardest to beat is {worst['b']}: its strongest rival, {worst['a']} in "
        f"{worst['dataset']}/{worst['encoder']}, is {worst['diff']:+.4f} AULC ahead (lower "
        f"95% bound {lo:+.4f}; upper bounds up to {hi:+.4f} over its cells and rivals); "
        f"Bonferroni {fmt_p(p)}; MDE {mde:.4f}"
    )
    return Outcome({"deficit": PartResult(worst["diff"], lo, hi, p, mde)}, here)


def _mean_win_rates(D):
    """Datasets x strategies: each strategy's mean pairwise win rate (paper Fig. 4) over
    the dataset's blocks (encoder, IPS, cycle; seeds averaged)."""
    al = D.al[D.al["cycle"] >= 1]
    wide = al.pivot_table(
        index=list(A.FIG4_BLOCK), columns="strategy", values="accuracy", aggfunc="mean"
    )
    rows = {}
    for d, w in wide.groupby(level="dataset"):
        m = A.win_rates(w, D.tol)
        rows[d] = m.mean(axis=1)  # NaN diagonal skipped
    return pd.DataFrame(rows).T


def _t6(D):
    g = D.gains()
    if g is None or not {"badge", "margin"} <= set(g.columns):
        return Outcome.cannot("no BADGE, Margin and Random runs")
    gd = g[["badge", "margin"]].groupby(level="dataset").mean().dropna()
    if len(gd) < max(MIN_DATASETS, 4):
        return Outcome.cannot(f"{len(gd)} dataset(s): the spread test needs 4")
    pm = S.pitman_morgan(gd["margin"], gd["badge"])
    W = _mean_win_rates(D)
    w = S.mean_test((W["badge"] - W["margin"]).to_numpy())
    here = (
        f"spread of the AULC gain over Random across datasets: Margin's sd / BADGE's "
        f"{pm['ratio']:.2f} {fmt_ci(pm['low'], pm['high'], '.2f')}, Pitman-Morgan "
        f"{fmt_p(pm['p'])}; mean pairwise win rate, BADGE - Margin: {w['effect']:+.3f} "
        f"{fmt_ci(w['low'], w['high'], '+.3f')}, {fmt_p(w['p'])}, MDE {w['mde']:.3f}; over "
        f"{len(gd)} datasets"
    )
    spread = PartResult(pm["ratio"], pm["low"], pm["high"], pm["p"])
    return Outcome({"win": PartResult.of(w), "spread": spread}, here)


STRATEGY_TAKEAWAYS = (
    Takeaway(
        id="T4",
        paper="The choice of the optimal query strategy is sensitive to embedding quality.",
        source="abstract; Fig. 7",
        claim="The strategies' ranking changes with the encoder (a strategy x encoder "
        "interaction in ranks).",
        null="Within each dataset the encoders are exchangeable for the strategies' ranks.",
        test="permutation test (one-sided: a variance only grows): variance over encoders of "
        "the strategies' dataset-averaged within-cell ranks; encoders permuted within datasets",
        unit="dataset (encoders permuted inside it); ranks from seed-averaged cells",
        unit_why="a dataset-specific ranking is not an encoder effect: permuting encoders "
        "inside each dataset keeps every dataset's own ranking in the null",
        parts=(
            Part(
                "spread",
                "excess rank spread across encoders (max - min of encoder-average ranks, "
                "minus its permutation mean)",
                1,
                0.5,
                unreported(
                    "half a rank: a strategy moving by one place between encoders on half the "
                    "datasets",
                    "abstract: the optimal strategy 'is sensitive to embedding quality'; Fig. 7",
                ),
            ),
        ),
        rule=_t4,
        nulls=("null", "quality_all", "strategy_by_dataset"),
        power="badge_quality",
        figure="Fig. 7 (03_embedding_quality)",
    ),
    Takeaway(
        id="T5",
        paper="While the computationally inexpensive Margin sampling can achieve performance "
        "spikes on specific datasets ...",
        source="abstract; Fig. 7",
        claim="Margin is best in some cells AND beaten in some cell (a dataset-specific spike).",
        null="Margin is nowhere better than every other strategy, or it is at least as good "
        "as every other strategy everywhere.",
        test="per cell randomised-block ANOVA contrasts (blocks: IPS x seed; one-sided); "
        "intersection-union: Margin above every other strategy in some cell (Holm over "
        "cells) AND some strategy above Margin in some cell (Bonferroni over cells x "
        "strategies)",
        unit=BLOCKU,
        unit_why=BLOCK_WHY,
        parts=(
            Part(
                "lead",
                "Margin's AULC lead over the runner-up in its best cell",
                1,
                0.01,
                unreported(
                    AULC_POINT,
                    "abstract: Margin's 'performance spikes on specific datasets'; Fig. 7",
                ),
            ),
        ),
        rule=_t5,
        nulls=("null", "margin_uniform"),
        power="margin_spikes",
        figure="Fig. 7 (03_embedding_quality)",
    ),
    Takeaway(
        id="T6",
        paper="Margin can be effective for less complex tasks, Badge and Entropy offer "
        "greater overall robustness across diverse datasets.",
        source="Sec. 5 (as quoted to the project); Fig. 4's pairwise win rates",
        claim="BADGE's AULC gain over Random spreads less across datasets than Margin's AND "
        "BADGE's mean pairwise win rate is above Margin's.",
        null="BADGE and Margin spread alike across datasets, or win alike.",
        test="intersection-union: Pitman-Morgan test (two-sided) of equal variances of the "
        "paired dataset gains; two-sided t test over datasets of BADGE's minus Margin's mean "
        "pairwise win rate (Fig. 4 blocks: encoder, IPS, cycle, seeds averaged); p = the "
        "larger p",
        unit=DATASET_UNIT,
        unit_why="robustness across tasks is a statement about datasets: the spread is "
        "over datasets, and the win rates are compared dataset by dataset",
        parts=(
            Part(
                "win",
                "mean pairwise win rate, BADGE - Margin",
                1,
                0.05,
                unreported(
                    "five points of win rate, 0.55 against 0.45",
                    "Sec. 5 and Fig. 4: BADGE more robust than Margin; no win-rate difference "
                    "in the text",
                ),
            ),
            Part(
                "spread",
                "sd of Margin's dataset gains / sd of BADGE's",
                1,
                1.5,
                unreported(
                    "Margin's gains spread 1.5 times as widely as BADGE's",
                    "Sec. 5: BADGE 'greater robustness across tasks'; no spread is given",
                ),
                null_value=1.0,
            ),
        ),
        rule=_t6,
        nulls=("null", "badge_equals_margin"),
        power="badge_robust",
        figure="Fig. 4 (02_ips_on_al), critical-difference diagram (03_embedding_quality)",
    ),
    Takeaway(
        id="T8",
        paper="Our results emphasize the need for context-specific evaluation of AL strategies.",
        source="abstract (the title's no free lunch)",
        claim="No single strategy is best everywhere: every strategy is beaten in some cell.",
        null="One strategy is at least as good as every other strategy in every cell.",
        test="per cell randomised-block ANOVA contrasts (blocks: IPS x seed; one-sided); for "
        "each strategy, the smallest Bonferroni-adjusted p (cells x rivals) of a rival above "
        "it; intersection-union over strategies: p = the largest of these",
        unit=BLOCKU,
        unit_why=BLOCK_WHY,
        parts=(
            Part(
                "deficit",
                "AULC deficit of the hardest-to-beat strategy at its decisive cell",
                1,
                0.01,
                unreported(
                    AULC_POINT,
                    "abstract: performance 'heavily depends on embedding quality and the "
                    "target task'; Figs. 5 and 7",
                ),
            ),
        ),
        rule=_t8,
        nulls=("null", "margin_uniform"),
        power="margin_spikes",
        figure="Fig. 5, Fig. 7",
    ),
)
