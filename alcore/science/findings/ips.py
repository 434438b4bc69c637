"""Takeaways about initial pool selection (IPS): the IPS study and IPS in the AL cycle."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alcore.science import stats as S
from alcore.science.findings.data import DATASET_UNIT, DATASET_WHY, MIN_DATASETS, fmt_ci, fmt_p
from alcore.science.findings.record import Outcome, Part, PartResult, Takeaway, unreported

__all__ = ["IPS_TAKEAWAYS"]

IPS_FIG = "Fig. 1, Fig. 2 (01_ips_study)"
ACC_POINT = "one accuracy point"
EARLY_BOOST = unreported(
    ACC_POINT, "abstract: 'boosting performance in early AL iterations'; Figs. 1-3"
)
#: the paper's quality effects are stated as trends: no correlation coefficient is given
NO_RHO = (
    "no correlation coefficient with embedding quality is reported; an ICLR 2026 reviewer of "
    "the paper asked the authors for one"
)
RHO_WHY = unreported("rho 0.5: with three encoders, one pair out of order", NO_RHO)


def _dataset_part(values, sign=1, alternative="two-sided"):
    """The result of a :func:`stats.dataset_mean_test` and its one-line evidence."""
    r = S.dataset_mean_test(values, alternative=alternative)
    text = (
        f"{r['effect']:+.4f} {fmt_ci(r['low'], r['high'])} over {r['n']} datasets "
        f"({r['n_cells']} cells), {fmt_p(r['p'])}, MDE {r['mde']:.4f}"
    )
    return PartResult.of(r), text, r["n"]


def _few(n, what):
    return Outcome.cannot(f"{n} dataset(s) with {what}: a test over datasets needs 3")


# ----------------------------------------------------------------------------- IPS study
def _t1(D):
    if D.ips.empty:
        return Outcome.cannot("no IPS study in the store")
    small = D.small_k0()
    d = D.ips_cell_diff("typiclust", small)
    if d is None or d.index.get_level_values(0).nunique() < MIN_DATASETS:
        n = 0 if d is None else d.index.get_level_values(0).nunique()
        return _few(n, "TypiClust-IPS and Random-IPS at small k0")
    r, text, _ = _dataset_part(d)
    return Outcome({"gap": r}, f"at k0 <= {small}: {text}")


def _t9(D):
    d = D.ips_cell_diff("coreset") if len(D.ips) else None
    if d is None or d.index.get_level_values(0).nunique() < MIN_DATASETS:
        n = 0 if d is None else d.index.get_level_values(0).nunique()
        return _few(n, "CoreSet-IPS and Random-IPS")
    r, text, _ = _dataset_part(d)
    return Outcome({"gap": r}, f"all k0: {text}")


def _t10(D):
    gap = _t1(D)
    if gap.untested:
        return gap
    w = D.ips_wide().groupby(level=["dataset", "encoder", "k0"]).mean()
    tab = (w["typiclust"] - w["random"]).unstack("k0")
    slopes = {}
    for key, row in tab.iterrows():
        ok = row.notna().to_numpy()
        x = np.log10(tab.columns.to_numpy(float)[ok])
        if ok.sum() >= 3 and np.ptp(x) > 0:  # each cell's own k0 ladder
            slopes[key] = np.polyfit(x, row.to_numpy()[ok], 1)[0]
    s = pd.Series(slopes, dtype=float)
    if len(s) == 0 or s.index.get_level_values(0).nunique() < MIN_DATASETS:
        return _few(0 if len(s) == 0 else s.index.get_level_values(0).nunique(), "3+ k0 values")
    r, text, _ = _dataset_part(s)
    g = gap.parts["gap"]
    # where the mean line gap + slope * log10(k0 / k0_small) reaches zero
    cross = (
        f"{D.small_k0() * 10 ** (-g.estimate / r.estimate):,.0f}"
        if r.estimate < 0 < g.estimate
        else "none (no fall from a positive gap)"
    )
    here = f"gap: {gap.here}; slope per decade of k0: {text}; crossover k0 about {cross}"
    return Outcome({"gap": g, "slope": r}, here)


# ------------------------------------------------------------------- IPS in the AL cycle
def _t2(D):
    el = D.early_late()
    if el is None or el[0].index.get_level_values(0).nunique() < MIN_DATASETS:
        return _few(0 if el is None else el[0].index.get_level_values(0).nunique(), "both pools")
    early, late, q, T = el
    r1, t1, _ = _dataset_part(early)
    r2, t2, _ = _dataset_part(early - late)
    here = f"early gain (cycles 0-{q}) {t1}; fade (early - cycles {T - q}-{T}) {t2}"
    return Outcome({"early": r1, "fade": r2}, here)


def _t3(D):
    el = D.early_late()
    if el is None:
        return Outcome.cannot("no paired TypiClust-IPS / Random-IPS AL runs")
    return D.quality_part(el[0], "early TypiClust-IPS gain")


def _t11(D):
    rnd, typ = D.cell_strategy("random"), D.cell_strategy("typiclust")
    if rnd.empty or typ.empty:
        return Outcome.cannot("no AL runs from both a TypiClust and a random initial pool")
    if rnd.shape[1] < 4:
        return Outcome.cannot("fewer than 4 strategies: no top three and others to compare")
    # the top three by mean rank over both pools: the sum of the pools is independent of
    # their difference under equal run noise, so the choice does not bias the lift contrast
    top = list(D.cell_strategy().rank(axis=1, ascending=False).mean().sort_values().index[:3])
    lift = typ - rnd
    d = (lift[top].mean(axis=1) - lift.drop(columns=top).mean(axis=1)).dropna()
    if d.index.get_level_values(0).nunique() < MIN_DATASETS:
        return _few(d.index.get_level_values(0).nunique(), "both pools")
    r, text, _ = _dataset_part(d)
    base = S.dataset_mean_test(lift.mean(axis=1))["effect"]
    here = (
        f"TypiClust pool's AULC lift for the top strategies ({', '.join(top)}) minus its lift "
        f"for the others: {text}; its lift for all strategies: {base:+.4f}"
    )
    return Outcome({"interaction": r}, here)


GAP = Part("gap", "accuracy, TypiClust-IPS - Random-IPS, k0 small", 1, 0.01, EARLY_BOOST)

IPS_TAKEAWAYS = (
    Takeaway(
        id="T1",
        paper="Initializing the labeled pool using diversity-based sampling synergizes with "
        "high-quality embeddings, boosting performance in early AL iterations.",
        source="abstract (the IPS study, Figs. 1-2, tests its first half: TypiClust pools at "
        "small k0)",
        claim="A TypiClust initial pool is more accurate than a random one at small k0.",
        null="At small k0 TypiClust-IPS and Random-IPS have the same mean accuracy.",
        test="two-sided one-sample t test over datasets of the TypiClust-IPS - Random-IPS "
        "accuracy (paired by cell, k0 and seed; averaged to the cell, then the dataset)",
        unit=DATASET_UNIT,
        unit_why=DATASET_WHY,
        parts=(GAP,),
        rule=_t1,
        nulls=("null", "ips_by_dataset", "ips_never_leads"),
        power="ips_claimed",
        figure=IPS_FIG,
        needs="ips",
    ),
    Takeaway(
        id="T9",
        paper="CoreSet underperforms random initial pool selection.",
        source="the IPS study (Figs. 1-2); a paraphrase",
        claim="A CoreSet initial pool is less accurate than a random one.",
        null="CoreSet-IPS and Random-IPS have the same mean accuracy (all k0).",
        test="two-sided one-sample t test over datasets of the CoreSet-IPS - Random-IPS "
        "accuracy (paired by cell, k0 and seed)",
        unit=DATASET_UNIT,
        unit_why=DATASET_WHY,
        parts=(
            Part(
                "gap",
                "accuracy, CoreSet-IPS - Random-IPS, all k0",
                -1,
                -0.01,
                unreported(ACC_POINT, "Figs. 1-2, the IPS study: CoreSet pools below random ones"),
            ),
        ),
        rule=_t9,
        nulls=("null", "ips_by_dataset"),
        power="ips_claimed",
        figure=IPS_FIG,
        needs="ips",
    ),
    Takeaway(
        id="T10",
        paper="TypiClust's advantage as initial pool selection diminishes as the initial "
        "pool grows.",
        source="the IPS study (Fig. 1); paraphrased",
        claim="TypiClust-IPS leads at small k0 AND its lead falls as k0 grows.",
        null="No lead at small k0, or no fall of the lead with log10(k0).",
        test="intersection-union: T1's test of the gap, and a two-sided t test over datasets "
        "of each cell's least-squares slope of the gap over log10(k0) (its own k0 ladder); p "
        "= the larger p",
        unit=DATASET_UNIT,
        unit_why=DATASET_WHY,
        parts=(
            GAP,
            Part(
                "slope",
                "accuracy per decade of k0",
                -1,
                -0.005,
                unreported(
                    "half an accuracy point per decade: a lead of about a point gone over the "
                    "sweep's 2.4 decades",
                    "Fig. 1: the advantage diminishes as the initial pool grows",
                ),
            ),
        ),
        rule=_t10,
        nulls=("null", "ips_by_dataset", "ips_never_leads", "ips_equal_all"),
        power="ips_claimed",
        figure=IPS_FIG,
        needs="ips",
    ),
    Takeaway(
        id="T2",
        paper="Initializing the labeled pool using diversity-based sampling ... boosting "
        "performance in early AL iterations.",
        source="abstract; Figs. 3 and 8",
        claim="A TypiClust initial pool raises the early cycles' accuracy AND the gain fades "
        "later.",
        null="No early gain, or an early gain no larger than the late one.",
        test="intersection-union: two-sided t tests over datasets of the early gain (first "
        "quarter of cycles) and of early minus late gain (last quarter); p = the larger p",
        unit=DATASET_UNIT,
        unit_why=DATASET_WHY,
        parts=(
            Part(
                "early", "accuracy, TypiClust-IPS - Random-IPS, early cycles", 1, 0.01, EARLY_BOOST
            ),
            Part(
                "fade",
                "accuracy, early gain - late gain",
                1,
                0.01,
                unreported(ACC_POINT, "abstract: the boost is in early iterations; Figs. 3 and 8"),
            ),
        ),
        rule=_t2,
        nulls=("null", "ips_by_dataset", "ips_no_fade"),
        power="ips_claimed",
        figure="Fig. 3, Fig. 8 (02_ips_on_al)",
    ),
    Takeaway(
        id="T3",
        paper="Initializing the labeled pool using diversity-based sampling synergizes with "
        "high-quality embeddings.",
        source="abstract; Fig. 3",
        claim="The early TypiClust-IPS gain rises with embedding quality.",
        null="Within a dataset, the early TypiClust-IPS gain is unrelated to encoder quality.",
        test="within-dataset Spearman rho of quality with the early gain, averaged over "
        "datasets; two-sided permutation test permuting encoders within datasets; t "
        "interval over datasets",
        unit="dataset (encoders ranked by quality inside it)",
        unit_why="quality is compared inside a dataset, where the task is fixed; the "
        "permutation keeps each dataset's encoders together",
        parts=(
            Part(
                "rho",
                "Spearman rho(quality, early IPS gain), within datasets",
                1,
                0.5,
                RHO_WHY,
            ),
        ),
        rule=_t3,
        nulls=("null", "ips_claimed", "ips_equal_all", "encoder_by_dataset"),
        power="ips_quality",
        figure="Fig. 3 (02_ips_on_al)",
    ),
    Takeaway(
        id="T11",
        paper="The TypiClust initial pool shifts the win rates of Fig. 4 towards the top "
        "strategies.",
        source="Fig. 4 and its discussion; paraphrased",
        claim="A TypiClust initial pool lifts the top strategies more than the others (the "
        "interaction of pool and strategy, not the pool's main effect).",
        null="The TypiClust pool lifts the top three strategies and the others equally.",
        test="per cell, the TypiClust - Random pool AULC lift of the top three strategies (by "
        "mean rank over both pools) minus that of the others; two-sided t test over datasets",
        unit=DATASET_UNIT,
        unit_why=DATASET_WHY,
        parts=(
            Part(
                "interaction",
                "AULC, lift for the top three - lift for the others",
                1,
                0.005,
                unreported(
                    "half an accuracy point of AULC",
                    "Fig. 4: the pool shifts the win rates, described, not sized",
                ),
            ),
        ),
        rule=_t11,
        nulls=("null", "ips_equal_all", "ips_claimed"),
        power="ips_top",
        figure="Fig. 4 (02_ips_on_al)",
    ),
)
