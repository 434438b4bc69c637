"""The paper's takeaways, each a statistical test: holds / does not hold / not testable here.

:func:`takeaways` computes, from whatever the store holds, one row per takeaway of Rauch et
al. (2025) and of the claims the paper makes beside them: the claim, its null hypothesis,
the test, the unit of replication, the effect with its 95% CI, the p-value and a verdict.

Rules (all at ``alpha = 0.05``):

* **holds**: the test rejects the null and the effect points the way the paper says;
* **does not hold**: the test ran and did not reject (or the effect points the other way);
* **not testable here**: too little data to run the test with a chance of rejecting at
  alpha (fewer than 3 cells, fewer than 3 encoders with a quality in a dataset, fewer than 40
  distinct permutations, no runs of the strategies or initial pools involved).

The unit of replication is the (dataset, encoder) cell: seeds (and initial pools, where they
are not the factor under test) are averaged inside the cell, and the cells are the units of
the test. A claim about single cells (T5, T8) uses the cell's runs blocked by initial pool
and seed (:func:`alcore.science.stats.cell_contrasts`) and corrects for the number of cells. Every
rule is calibrated on synthetic stores (:mod:`alcore.science.calibration`): its false "holds" rate
on stores without the effect and its power on stores with a planted effect of realistic size.

Embedding quality (T3, T7, T12, T13, T14) is the encoders' published MTEB average where at
least five encoders have a comparable one (``ENCODERS[name].mteb_comparable``), else the
measured linear-probe accuracy of each (dataset, encoder) (`analysis.probe_quality`);
quality effects are rank correlations taken inside each dataset
(:func:`alcore.science.stats.within_dataset_permutation`).
"""

from __future__ import annotations

import warnings
from math import factorial
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as sps

from alcore.science import analysis as A
from alcore.science import stats as S

__all__ = [
    "ALPHA",
    "COLUMNS",
    "HOLDS",
    "IDS",
    "MARGIN_DELTA",
    "MIN_MTEB_ENCODERS",
    "NO",
    "UNTESTED",
    "takeaways",
]

HOLDS, NO, UNTESTED = "holds", "does not hold", "not testable here"
ALPHA = 0.05
#: non-inferiority margin of T12: a fall of Margin's AULC gain by this much from the worst to
#: the best encoder of a dataset counts as "not robust"
MARGIN_DELTA = 0.01
#: MTEB is the quality axis only with at least this many scored encoders (else: the probe)
MIN_MTEB_ENCODERS = 5
MIN_CELLS = 3
MIN_PERMS = 40
IDS = tuple(f"T{i}" for i in range(1, 15))
COLUMNS = [
    "id",
    "paper",
    "null",
    "test",
    "unit",
    "effect",
    "estimate",
    "ci_low",
    "ci_high",
    "p",
    "verdict",
    "here",
    "figure",
]

CELLU = "(dataset, encoder) cell, seeds averaged"
MEAN_TEST = "two-sided one-sample t test over cells of the cell-mean difference"
IPS_FIG = "Fig. 1, Fig. 2 (01_ips_study)"
GAIN_FIG = "probe quality / MTEB vs gain (03_embedding_quality)"
BLOCKU = "runs inside a (dataset, encoder) cell, blocked by IPS and seed; cells corrected"
QUALITY_TEST = (
    "within-dataset Spearman rho averaged over datasets; permutation test permuting "
    "encoders within datasets; t interval over datasets"
)
#: the paper's claims (the "paper" column of every row)
CLAIMS = {
    "T1": "A diversity-based initial pool (TypiClust) beats a random one at small k0.",
    "T2": "A TypiClust initial pool boosts the early AL cycles; the gain fades later.",
    "T3": "The TypiClust initial pool synergises with high-quality embeddings.",
    "T4": "The best query strategy depends on the embedding quality (encoder).",
    "T5": "Cheap Margin sampling spikes on specific datasets.",
    "T6": "BADGE is robust across tasks.",
    "T7": "Strategies gain more over Random with higher-quality embeddings.",
    "T8": "No single strategy is best everywhere (no free lunch).",
    "T9": "CoreSet underperforms random as initial pool selection.",
    "T10": "TypiClust's initial-pool advantage diminishes as k0 grows.",
    "T11": "A TypiClust initial pool makes the top strategies better (the Fig. 4 shift).",
    "T12": "Margin is robust to embedding quality.",
    "T13": "BADGE specifically gains with better embeddings.",
    "T14": "Better embeddings reach a given accuracy with fewer labels.",
}


class _Spec(NamedTuple):
    """A takeaway's fixed columns (the claim is :data:`CLAIMS` ``[tid]``); makes its rows."""

    tid: str
    null: str
    test: str
    unit: str
    effect: str = ""
    figure: str = ""

    def row(self, estimate=np.nan, low=np.nan, high=np.nan, p=np.nan, verdict=UNTESTED, here=""):
        return {
            "id": self.tid,
            "paper": CLAIMS[self.tid],
            "null": self.null,
            "test": self.test,
            "unit": self.unit,
            "effect": self.effect,
            "estimate": float(estimate),
            "ci_low": float(low),
            "ci_high": float(high),
            "p": float(p),
            "verdict": verdict,
            "here": here,
            "figure": self.figure,
        }

    def untested(self, here):
        """The row of a takeaway the store has too little data for; ``here`` says what."""
        return self.row(here=here)

    def decided(self, r, here, sign=1):
        """The row of a one-sample test ``r`` (`stats.mean_test`): holds where it
        rejects and ``sign * effect > 0``."""
        v = _decide(r["p"], r["effect"], sign)
        return self.row(r["effect"], r["low"], r["high"], r["p"], v, here)


def _quality_spec(tid, null, test, figure):
    """A quality takeaway's spec until :func:`_quality_row` names its effect."""
    return _Spec(tid, null, test, "dataset", "Spearman rho", figure)


def _decide(p, effect, sign=1, alpha=ALPHA):
    if p is None or not np.isfinite(p) or not np.isfinite(effect):
        return UNTESTED
    return HOLDS if p < alpha and sign * effect > 0 else NO


def _ci(low, high, fmt="+.4f"):
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no CI"
    return f"95% CI [{low:{fmt}}, {high:{fmt}}]"


def _pfmt(p):
    return "p = n/a" if not np.isfinite(p) else f"p = {p:.2g}"


def _over_cells(r, what):
    """The evidence of a one-sample test over cells: effect in ``what``, CI, n, p."""
    return (
        f"{r['effect']:+.4f} {what}, {_ci(r['low'], r['high'])}, over {r['n']} cells, "
        f"{_pfmt(r['p'])}"
    )


class _Data:
    """Tables shared by the takeaways, computed once per call."""

    def __init__(self, results, mteb, upper, random_state, n_perm):
        self.al = A.al_part(results)
        self.ips = A.ips_part(results)
        self.au = A.aulc(self.al) if not self.al.empty else pd.DataFrame()
        self.rng = np.random.default_rng(random_state)
        self.n_perm = n_perm
        self.quality, self.quality_name = self._quality(results, mteb, upper)
        self._ipsdiff = None
        self._cells = {}
        self._contrasts = {}

    @staticmethod
    def _quality(results, mteb, upper):
        cells = results[["dataset", "encoder"]].drop_duplicates()
        if mteb is None:
            # only scores from one comparable source count (the offline static encoders'
            # numbers are not: ENCODERS[...].mteb_comparable is False for them)
            from alcore.embedding.encoders import ENCODERS

            mteb = {k: v.mteb for k, v in ENCODERS.items() if v.mteb_comparable}
        q = A.encoder_quality(cells["encoder"].unique(), mteb).dropna()
        if len(q) >= MIN_MTEB_ENCODERS:
            idx = pd.MultiIndex.from_frame(cells[cells["encoder"].isin(q.index)])
            return pd.Series(q.reindex(idx.get_level_values(1)).to_numpy(), idx), "MTEB score"
        if upper is not None and len(upper):
            return A.probe_quality(upper), "linear-probe accuracy"
        return None, ""

    def cell_strategy(self, ips=None):
        """Cells x strategies mean AULC (seeds and, unless given, IPS averaged)."""
        if ips not in self._cells:
            if self.au.empty:
                self._cells[ips] = pd.DataFrame()
            elif ips is None:
                self._cells[ips] = S.cell_means(self.au)
            elif ips == "*":
                self._cells[ips] = S.cell_means(self.au, by="ips")
            else:
                by_ips = self.cell_strategy("*")
                self._cells[ips] = (
                    by_ips.xs(ips, level="ips")
                    if ips in by_ips.index.get_level_values("ips")
                    else pd.DataFrame()
                )
        return self._cells[ips]

    def ips_cycle_diff(self):
        """Per cell and cycle: TypiClust-IPS minus Random-IPS accuracy (strategies, seeds
        averaged)."""
        if self._ipsdiff is None:
            # mean over strategies and seeds of each IPS, then the difference: the mean of the
            # paired differences where every run has its partner (as in a complete grid)
            m = (
                self.al.groupby(["dataset", "encoder", "cycle", "ips"])["accuracy"]
                .mean()
                .unstack("ips")
            )
            self._ipsdiff = (
                (m["typiclust"] - m["random"]).dropna().unstack("cycle")
                if {"typiclust", "random"} <= set(m.columns)
                else pd.DataFrame()
            )
        return self._ipsdiff

    def quality_test(self, gain, alternative="two-sided"):
        if self.quality is None:
            return None
        return S.within_dataset_permutation(
            self.quality, gain, n_perm=self.n_perm, alternative=alternative, random_state=self.rng
        )


def _quality_row(D, spec, gain, what, sign=1):
    """A takeaway "``what`` rises (sign=1) / falls (sign=-1) with embedding quality"."""
    spec = spec._replace(
        unit="dataset (encoders ranked by quality inside it), cells seed-averaged",
        effect=f"Spearman rho(quality, {what}), within datasets",
    )
    if D.quality is None:
        return spec.untested(
            f"no encoder quality: fewer than {MIN_MTEB_ENCODERS} encoders with an "
            "MTEB score and no linear-probe accuracies"
        )
    r = D.quality_test(gain)
    if r["n_perms"] < MIN_PERMS:
        return spec.untested(
            f"{r['n_datasets']} dataset(s) with >= 3 encoders that have a "
            f"{D.quality_name}: {r['n_perms']} distinct permutations, too few "
            f"for a test at alpha = {ALPHA}"
        )
    v = _decide(r["p"], r["rho"], sign)
    here = (
        f"rho({D.quality_name}, {what}) = {r['rho']:+.2f}, {_ci(r['low'], r['high'], '+.2f')}"
        f", over {r['n_datasets']} datasets, {_pfmt(r['p'])}"
    )
    return spec.row(r["rho"], r["low"], r["high"], r["p"], v, here)


# ----------------------------------------------------------------------------- IPS study
def _ips_wide(D):
    """IPS study: (dataset, encoder, k0, seed) x IPS accuracy, computed once."""
    if getattr(D, "_ipsw", None) is None:
        D._ipsw = (
            D.ips.groupby(["dataset", "encoder", "k0", "seed", "ips"])["accuracy"]
            .mean()
            .unstack("ips")
        )
    return D._ipsw


def _ips_cell_diff(D, a, k0_max=None):
    w = _ips_wide(D)
    if a not in w.columns or "random" not in w.columns:
        return None
    if k0_max is not None:
        w = w[w.index.get_level_values("k0") <= k0_max]
    return (w[a] - w["random"]).dropna().groupby(["dataset", "encoder"]).mean()


def _t1(D):
    spec = _Spec(
        "T1",
        null="At small k0 the mean accuracy of TypiClust-IPS minus Random-IPS is 0.",
        test=MEAN_TEST,
        unit=CELLU,
        effect="accuracy, TypiClust-IPS - Random-IPS, k0 small",
        figure=IPS_FIG,
    )
    if D.ips.empty:
        return spec.untested("no IPS study in the store")
    k0s = np.sort(D.ips["k0"].unique())
    small = 100 if (k0s <= 100).any() else k0s[max(0, len(k0s) // 2 - 1)]
    d = _ips_cell_diff(D, "typiclust", small)
    if d is None or len(d) < MIN_CELLS:
        return spec.untested("fewer than 3 cells with TypiClust-IPS and Random-IPS at small k0")
    r = S.mean_test(d)
    return spec.decided(r, f"at k0 <= {small}: {_over_cells(r, 'accuracy')}")


def _t9(D):
    spec = _Spec(
        "T9",
        null="The mean accuracy of CoreSet-IPS minus Random-IPS (all k0) is 0.",
        test=MEAN_TEST,
        unit=CELLU,
        effect="accuracy, CoreSet-IPS - Random-IPS, all k0",
        figure=IPS_FIG,
    )
    d = _ips_cell_diff(D, "coreset") if len(D.ips) else None
    if d is None or len(d) < MIN_CELLS:
        return spec.untested("fewer than 3 cells with CoreSet-IPS and Random-IPS in the IPS study")
    r = S.mean_test(d)
    return spec.decided(r, _over_cells(r, "accuracy"), sign=-1)


def _t10(D, n_boot=999):
    spec = _Spec(
        "T10",
        null="The slope of (TypiClust-IPS - Random-IPS accuracy) over log10(k0) is 0.",
        test="per cell least-squares slope over log10(k0); two-sided one-sample t test over "
        "cells; the crossover k0 (fitted difference = 0) with a bootstrap CI over cells",
        unit=CELLU,
        effect="slope, accuracy per decade of k0",
        figure=IPS_FIG,
    )
    if D.ips.empty:
        return spec.untested("no IPS study")
    w = _ips_wide(D).groupby(level=["dataset", "encoder", "k0"]).mean()
    if "typiclust" not in w.columns or "random" not in w.columns:
        return spec.untested("no TypiClust-IPS and Random-IPS pair in the IPS study")
    tab = (w["typiclust"] - w["random"]).unstack("k0")
    tab = tab.loc[:, tab.notna().sum() > 0]
    x = np.log10(tab.columns.to_numpy(float))
    slopes = []
    for row in tab.to_numpy():
        ok = np.isfinite(row)
        if ok.sum() >= 3 and np.ptp(x[ok]) > 0:
            slopes.append(np.polyfit(x[ok], row[ok], 1)[0])
    if len(slopes) < MIN_CELLS:
        return spec.untested("fewer than 3 cells with three or more k0 values")
    r = S.mean_test(slopes)
    # crossover: the pooled line a + b log10(k0) through the cells' mean curve is 0
    vals = tab.to_numpy()
    idx = D.rng.integers(0, len(vals), (n_boot, len(vals)))
    with np.errstate(all="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            curves = np.vstack([np.nanmean(vals, axis=0), np.nanmean(vals[idx], axis=1)])
        X = np.column_stack([np.ones_like(x), x])
        coef = np.linalg.lstsq(X, np.nan_to_num(curves).T, rcond=None)[0]  # (2, 1 + n_boot)
        cross = np.where(coef[1] < 0, 10 ** (-coef[0] / coef[1]), np.inf)
    c0 = cross[0]
    with np.errstate(invalid="ignore"):
        lo, hi = np.quantile(cross[1:], [0.025, 0.975], method="inverted_cdf")
    kmin, kmax = round(10 ** x.min()), round(10 ** x.max())

    def k(v_):
        if not np.isfinite(v_) or v_ > kmax:
            return f"beyond {kmax:,}"
        return f"below {kmin:,}" if v_ < kmin else f"{v_:,.0f}"

    here = (
        f"{_over_cells(r, 'accuracy per decade of k0')}; fitted crossover k0 = {k(c0)} "
        f"(95% CI {k(lo)} to {k(hi)}; sweep {kmin:,}-{kmax:,})"
    )
    return spec.decided(r, here, sign=-1)


# ------------------------------------------------------------------- IPS in the AL cycle
def _early_late(D):
    tab = D.ips_cycle_diff()
    if tab.empty:
        return None
    T = int(tab.columns.max())
    q = max(1, T // 4)
    early = tab.loc[:, tab.columns <= q].mean(axis=1)
    late = tab.loc[:, tab.columns >= T - q].mean(axis=1)
    return early, late, q, T


def _t2(D):
    spec = _Spec(
        "T2",
        null="The early gain (first quarter of cycles) of TypiClust-IPS over Random-IPS is 0, "
        "or it is no larger than the late gain (last quarter).",
        test="intersection-union test: two-sided t tests over cells of the early gain and of "
        "early minus late gain; p = the larger p",
        unit=CELLU,
        effect="accuracy, early gain - late gain (TypiClust-IPS - Random-IPS)",
        figure="Fig. 3, Fig. 8 (02_ips_on_al)",
    )
    el = _early_late(D)
    if el is None or len(el[0]) < MIN_CELLS:
        return spec.untested("fewer than 3 cells with paired TypiClust-IPS / Random-IPS AL runs")
    early, late, q, T = el
    r1 = S.mean_test(early)
    r2 = S.mean_test(early - late)
    p = max(r1["p"], r2["p"])
    v = HOLDS if (p < ALPHA and r1["effect"] > 0 and r2["effect"] > 0) else NO
    if not np.isfinite(p):
        v = UNTESTED
    here = (
        f"early gain (cycles 0-{q}) {r1['effect']:+.4f} {_ci(r1['low'], r1['high'])}; "
        f"late (cycles {T - q}-{T}) {late.mean():+.4f}; fade {r2['effect']:+.4f} "
        f"{_ci(r2['low'], r2['high'])}; {r1['n']} cells, {_pfmt(p)}"
    )
    return spec.row(r2["effect"], r2["low"], r2["high"], p, v, here)


def _t3(D):
    spec = _quality_spec(
        "T3",
        null="Within a dataset, the early TypiClust-IPS gain is unrelated to encoder quality.",
        test=QUALITY_TEST,
        figure="Fig. 3 (02_ips_on_al)",
    )
    el = _early_late(D)
    if el is None:
        return spec.untested("no paired TypiClust-IPS / Random-IPS AL runs")
    return _quality_row(D, spec, el[0], "early IPS gain")


def _t11(D):
    spec = _Spec(
        "T11",
        null="The AULC of the top-3 strategies (by mean rank over both pools) is the same with "
        "a TypiClust and a random initial pool.",
        test="two-sided one-sample t test over cells of the cell-mean AULC difference",
        unit=CELLU,
        effect="AULC, TypiClust-IPS - Random-IPS, mean of the top-3 strategies",
        figure="Fig. 4 (02_ips_on_al)",
    )
    if D.au.empty:
        return spec.untested("no AL runs")
    rnd, typ = D.cell_strategy("random"), D.cell_strategy("typiclust")
    if rnd.empty or typ.empty:
        return spec.untested("no AL runs from both a TypiClust and a random initial pool")
    # chosen on both pools together: the sum is independent of the difference under the
    # null, so the choice does not bias the test (choosing on Random-IPS alone would)
    top = list(D.cell_strategy().rank(axis=1, ascending=False).mean().sort_values().index[:3])
    d = (typ[top] - rnd[top]).mean(axis=1).dropna()
    if len(d) < MIN_CELLS:
        return spec.untested("fewer than 3 cells with both initial pools")
    r = S.mean_test(d)
    return spec.decided(r, f"top strategies {', '.join(top)}: {_over_cells(r, 'AULC')}")


# --------------------------------------------------------------------- query strategies
def _cell_ranks(D):
    w = D.cell_strategy().dropna()
    return w.rank(axis=1, ascending=False, method="average")


def _t4(D, tol):
    spec = _Spec(
        "T4",
        null="No strategy x encoder interaction: within each dataset the encoders are "
        "exchangeable for the strategies' ranks.",
        test="permutation test: statistic = variance over encoders of the strategies' mean "
        "(over datasets) within-cell ranks; encoders permuted within datasets",
        unit="(dataset, encoder) cell (strategy ranks of seed-averaged AULC)",
        effect="excess rank spread across encoders (max - min of encoder-average ranks, minus "
        "its permutation mean)",
        figure="Fig. 7 (03_embedding_quality)",
    )
    if D.au.empty:
        return spec.untested("no AL runs")
    R = _cell_ranks(D)
    enc = R.index.get_level_values("encoder")
    ds = R.index.get_level_values("dataset")
    common = [e for e in sorted(set(enc)) if all(e in set(enc[ds == d]) for d in set(ds))]
    R = R[enc.isin(common)]
    n_d, n_e = R.index.get_level_values("dataset").nunique(), len(common)
    n_perms = factorial(n_e) ** max(0, n_d - 1) if n_e >= 2 else 0
    if n_e < 2 or n_perms < MIN_PERMS:
        return spec.untested(
            f"{n_e} encoder(s) common to {n_d} dataset(s): {n_perms} distinct "
            f"permutations, too few for a test at alpha = {ALPHA}"
        )
    R = R.sort_index()
    arr = R.to_numpy().reshape(n_d, n_e, R.shape[1])  # (datasets, encoders, strategies)

    def stat(a):  # a: (..., D, E, S)
        m = a.mean(axis=-3)  # (..., E, S)
        return m.var(axis=-2).sum(axis=-1)

    obs = stat(arr)
    B = D.n_perm
    perm = D.rng.permuted(np.tile(np.arange(n_e), (B, n_d, 1)), axis=2)
    pa = arr[np.arange(n_d)[None, :, None], perm]  # (B, D, E, S)
    perm_stat = stat(pa)
    p = (1 + np.sum(perm_stat >= obs - 1e-12)) / (1 + B)

    def spread(a):
        m = a.mean(axis=-3)
        return (m.max(axis=-2) - m.min(axis=-2)).mean(axis=-1)

    # effect: the spread beyond what exchangeable encoders give (the permutation mean). CI by
    # a shift model: the estimate minus the permutation distribution's central 95% around its
    # mean (resampling datasets instead inflates the spread, so its percentile interval would
    # not even cover the estimate with 5 datasets)
    s_obs, s_perm = spread(arr), spread(pa)
    s_null = s_perm.mean()
    q_lo, q_hi = np.quantile(s_perm - s_null, [0.025, 0.975])
    est, lo, hi = s_obs - s_null, s_obs - s_null - q_hi, s_obs - s_null - q_lo
    top = pd.DataFrame(arr.mean(axis=0), index=common, columns=R.columns).idxmin(axis=1)
    v = HOLDS if p < ALPHA else NO
    here = (
        f"rank spread {s_obs:.2f} vs {s_null:.2f} expected without interaction: excess "
        f"{est:+.2f} {_ci(lo, hi, '+.2f')}, "
        f"{n_d} datasets x {n_e} encoders, {_pfmt(p)}; best mean rank per encoder: "
        + ", ".join(f"{e}: {s}" for e, s in top.items())
    )
    return spec.row(est, lo, hi, p, v, here)


def _contrasts(D, tol):
    if tol not in D._contrasts:
        D._contrasts[tol] = _contrasts_uncached(D, tol)
    return D._contrasts[tol]


def _contrasts_uncached(D, tol):
    c = S.cell_contrasts(D.au)
    if tol and len(c):
        c = c.assign(t=(c["diff"] - tol) / c["se"])
        c["p"] = sps.t.sf(c["t"], c["df"])
    return c


def _t5(D, tol):
    spec = _Spec(
        "T5",
        null="Margin is nowhere better than every other strategy, or it is at least as good as "
        "every other strategy everywhere (no dataset-specific spike).",
        test="per cell randomised-block ANOVA contrasts (blocks: IPS x seed); "
        "intersection-union: Margin above every other strategy in some cell (Holm over "
        "cells) AND some strategy above Margin in some cell (Bonferroni over cells x "
        "strategies)",
        unit=BLOCKU,
        effect="Margin's AULC lead over the runner-up in its best cell",
        figure="Fig. 7 (03_embedding_quality)",
    )
    if D.au.empty or "margin" not in set(D.au["strategy"]):
        return spec.untested("no Margin runs")
    c = _contrasts(D, tol)
    if c.empty or c[["dataset", "encoder"]].drop_duplicates().shape[0] < 2:
        return spec.untested("fewer than two cells with Margin and other strategies")
    ahead = c[c["a"] == "margin"]
    per_cell = ahead.loc[ahead.groupby(["dataset", "encoder"])["p"].idxmax()]  # IUT: worst
    per_cell = per_cell.assign(p_holm=S.holm(per_cell["p"].to_numpy()))
    best = per_cell.loc[per_cell["p_holm"].idxmin()]
    behind = c[c["b"] == "margin"]
    p2 = min(1.0, float(behind["p"].min()) * len(behind))
    p = max(float(best["p_holm"]), p2)
    tcrit = sps.t.ppf(0.975, best["df"])
    lo, hi = best["diff"] - tcrit * best["se"], best["diff"] + tcrit * best["se"]
    won = per_cell[per_cell["p_holm"] < ALPHA]
    v = HOLDS if p < ALPHA else NO
    here = (
        f"Margin significantly best in {len(won)} of {len(per_cell)} cells"
        + (f" (datasets: {', '.join(sorted(set(won['dataset'])))})" if len(won) else "")
        + f"; lead {best['diff']:+.4f} AULC in {best['dataset']}/{best['encoder']}, "
        f"{_ci(lo, hi)}; another strategy significantly above Margin somewhere: "
        f"{_pfmt(p2)}; {_pfmt(p)}"
    )
    return spec.row(best["diff"], lo, hi, p, v, here)


def _t8(D, tol):
    spec = _Spec(
        "T8",
        null="One strategy is at least as good as every other strategy in every cell.",
        test="per cell randomised-block ANOVA contrasts (blocks: IPS x seed); for each "
        "strategy, the smallest Bonferroni-adjusted p (cells x rivals) of a rival above "
        "it; intersection-union over strategies: p = the largest of these",
        unit=BLOCKU,
        effect="AULC deficit of the hardest-to-beat strategy at its decisive cell",
        figure="Fig. 5, Fig. 7",
    )
    if D.au.empty:
        return spec.untested("no AL runs")
    c = _contrasts(D, tol)
    if c.empty or c["a"].nunique() < 2:
        return spec.untested("fewer than two strategies in a cell")
    m = c.groupby("b").size()
    c = c.assign(p_adj=np.minimum(1.0, c["p"] * c["b"].map(m)))
    beaten = c.loc[c.groupby("b")["p_adj"].idxmin()]  # each strategy's best evidence
    worst = beaten.loc[beaten["p_adj"].idxmax()]  # the hardest to beat
    p = float(worst["p_adj"])
    tcrit = sps.t.ppf(0.975, worst["df"])
    lo, hi = worst["diff"] - tcrit * worst["se"], worst["diff"] + tcrit * worst["se"]
    n_beaten = int((beaten["p_adj"] < ALPHA).sum())
    v = HOLDS if p < ALPHA else NO
    here = (
        f"{n_beaten} of {len(beaten)} strategies are significantly beaten in some cell; "
        f"the hardest to beat is {worst['b']}: its strongest rival, {worst['a']} in "
        f"{worst['dataset']}/{worst['encoder']}, is {worst['diff']:+.4f} AULC ahead "
        f"{_ci(lo, hi)}; {_pfmt(p)}"
    )
    return spec.row(worst["diff"], lo, hi, p, v, here)


def _t6(D):
    spec = _Spec(
        "T6",
        null="BADGE's mean within-cell rank is the middle rank (k + 1) / 2.",
        test="two-sided one-sample t test over cells of (middle rank - BADGE's rank)",
        unit=CELLU,
        effect="ranks above the middle (positive: better than the middle strategy)",
        figure="critical-difference diagram (03_embedding_quality)",
    )
    if D.au.empty or "badge" not in set(D.au["strategy"]):
        return spec.untested("no BADGE runs")
    R = _cell_ranks(D)
    if len(R) < MIN_CELLS or R.shape[1] < 3:
        return spec.untested("fewer than 3 complete cells or 3 strategies")
    k = R.shape[1]
    r = S.mean_test((k + 1) / 2 - R["badge"])
    here = (
        f"BADGE's mean rank {R['badge'].mean():.2f} of {k} (middle {(k + 1) / 2:.1f}), "
        f"{r['effect']:+.2f} ranks {_ci(r['low'], r['high'], '+.2f')}, over {r['n']} "
        f"cells, {_pfmt(r['p'])}"
    )
    return spec.decided(r, here)


def _gains(D):
    w = D.cell_strategy()
    if w.empty or "random" not in w.columns:
        return None
    return w.drop(columns="random").sub(w["random"], axis=0)


def _t7(D):
    spec = _quality_spec(
        "T7",
        null="Within a dataset, the mean AULC gain over Random of the non-random strategies is "
        "unrelated to encoder quality.",
        test=QUALITY_TEST,
        figure=GAIN_FIG,
    )
    g = _gains(D)
    if g is None:
        return spec.untested("no Random runs")
    return _quality_row(D, spec, g.mean(axis=1), "mean AULC gain")


def _t13(D):
    spec = _quality_spec(
        "T13",
        null="Within a dataset, BADGE's AULC gain over Random minus the other strategies' mean "
        "gain is unrelated to encoder quality.",
        test="within-dataset Spearman rho of quality with BADGE's excess gain; permutation "
        "test permuting encoders within datasets; t interval over datasets",
        figure=GAIN_FIG,
    )
    g = _gains(D)
    if g is None or "badge" not in g.columns or g.shape[1] < 2:
        return spec.untested("no BADGE, Random and third strategy runs")
    excess = g["badge"] - g.drop(columns="badge").mean(axis=1)
    return _quality_row(D, spec, excess, "BADGE's excess gain")


def _t12(D):
    spec = _Spec(
        "T12",
        null=f"Margin's AULC gain over Random falls by at least {MARGIN_DELTA} from the worst "
        "to the best encoder of a dataset (non-inferiority margin).",
        test=f"one-sided t test over datasets of (gain on the best-quality encoder - gain on "
        f"the worst) > -{MARGIN_DELTA}; holds when p < {ALPHA}",
        unit="dataset (best vs worst encoder by quality), cells seed-averaged",
        effect="AULC gain change, best - worst encoder",
        figure=GAIN_FIG,
    )
    g = _gains(D)
    if g is None or "margin" not in g.columns:
        return spec.untested("no Margin and Random runs")
    if D.quality is None:
        return spec.untested("no encoder quality")
    both = pd.concat({"q": D.quality, "g": g["margin"]}, axis=1).dropna()
    deltas = []
    for _, x in both.groupby(level=0):
        if len(x) >= 2 and np.ptp(x["q"]) > 0:
            deltas.append(x["g"].iloc[x["q"].argmax()] - x["g"].iloc[x["q"].argmin()])
    if len(deltas) < MIN_CELLS:
        return spec.untested("fewer than 3 datasets with two encoders of different quality")
    r = S.mean_test(np.asarray(deltas) + MARGIN_DELTA, alternative="greater")
    est, lo, hi = r["effect"] - MARGIN_DELTA, r["low"] - MARGIN_DELTA, r["high"] - MARGIN_DELTA
    v = HOLDS if np.isfinite(r["p"]) and r["p"] < ALPHA else NO
    here = (
        f"Margin's gain changes by {est:+.4f} AULC from the worst to the best encoder, "
        f"{_ci(lo, hi)}, over {r['n']} datasets; non-inferiority at -{MARGIN_DELTA}: "
        f"{_pfmt(r['p'])}"
    )
    return spec.row(est, lo, hi, r["p"], v, here)


def _t14(D):
    spec = _quality_spec(
        "T14",
        null="Within a dataset, the labels Random sampling needs to reach the dataset's target "
        "accuracy are unrelated to encoder quality.",
        test="labels to the target (the lowest mid-budget accuracy of the dataset's encoders, "
        "interpolated) per cell; within-dataset Spearman rho with quality; permutation "
        "test permuting encoders within datasets; t interval over datasets",
        figure="learning curves (03_embedding_quality)",
    )
    if D.al.empty or "random" not in set(D.al["strategy"]):
        return spec.untested("no Random AL runs")
    r = D.al[D.al["strategy"] == "random"]
    curve = r.groupby(["dataset", "encoder", "cycle"])["accuracy"].mean().unstack("cycle")
    nlab = r.groupby("cycle")["n_labelled"].mean().reindex(curve.columns).to_numpy()
    mid = curve.columns[len(curve.columns) // 2]
    target = curve[mid].groupby(level=0).transform("min").to_numpy()
    acc = np.maximum.accumulate(curve.to_numpy(), axis=1)  # first time the target is met
    labels = np.full(len(acc), np.nan)
    for i, (row, t) in enumerate(zip(acc, target)):
        j = int(np.argmax(row >= t - 1e-12))
        if j == 0 or row[j - 1] == row[j]:
            labels[i] = nlab[j]
        else:  # linear interpolation between cycles
            f = (t - row[j - 1]) / (row[j] - row[j - 1])
            labels[i] = nlab[j - 1] + f * (nlab[j] - nlab[j - 1])
    lab = pd.Series(labels, curve.index)
    return _quality_row(D, spec, lab, "labels to reach the target", sign=-1)


def takeaways(
    results, mteb=None, tol=0.0, upper_bounds=None, alpha=None, ids=None, random_state=0, n_perm=999
):
    """One row per takeaway, each a test (columns :data:`COLUMNS`).

    Parameters
    ----------
    results : DataFrame
        The store's tidy table (:func:`alcore.runs.store.load_results`).
    mteb : mapping or None
        Encoder -> MTEB score; default ``ENCODERS[...].mteb`` of the encoders
        whose score is comparable (``mteb_comparable``). Used as the quality axis only where
        at least :data:`MIN_MTEB_ENCODERS` encoders of the store have one.
    tol : float, default=0.0
        Practical-equivalence margin (AULC) for the within-cell contrasts of T5 and T8: a
        strategy counts as above another only if it is significantly more than ``tol`` above.
    upper_bounds : DataFrame or None
        The store's full-data accuracies (:func:`alcore.runs.store.load_upper_bounds`): the
        measured embedding quality where MTEB scores are too few.
    alpha : None
        Reserved; the rules use :data:`ALPHA` (0.05), the level their calibration measures.
    ids : sequence of str or None
        Compute only these takeaways (default all of :data:`IDS`, in order).
    random_state : int or Generator
        Seeds the permutation tests and bootstraps.
    n_perm : int, default=999
        Permutations / bootstrap resamples of the permutation-based rules.

    Returns
    -------
    DataFrame
        ``id, paper, null, test, unit, effect`` (what the estimate measures), ``estimate``,
        ``ci_low, ci_high`` (95%), ``p``, ``verdict`` (:data:`HOLDS`, :data:`NO` or
        :data:`UNTESTED`), ``here`` (the evidence in one sentence) and ``figure``.
    """
    if alpha is not None and alpha != ALPHA:
        raise ValueError(f"the rules are calibrated at alpha = {ALPHA}; got {alpha}")
    ids = IDS if ids is None else tuple(ids)
    unknown = sorted(set(ids) - set(IDS))
    if unknown:
        raise ValueError(f"unknown takeaway id(s) {unknown}; known: {list(IDS)}")
    D = _Data(results, mteb, upper_bounds, random_state, int(n_perm))
    rules = {
        "T1": lambda: _t1(D),
        "T2": lambda: _t2(D),
        "T3": lambda: _t3(D),
        "T4": lambda: _t4(D, tol),
        "T5": lambda: _t5(D, tol),
        "T6": lambda: _t6(D),
        "T7": lambda: _t7(D),
        "T8": lambda: _t8(D, tol),
        "T9": lambda: _t9(D),
        "T10": lambda: _t10(D),
        "T11": lambda: _t11(D),
        "T12": lambda: _t12(D),
        "T13": lambda: _t13(D),
        "T14": lambda: _t14(D),
    }
    al_ids = {"T2", "T3", "T4", "T5", "T6", "T7", "T8", "T11", "T12", "T13", "T14"}
    rows = []
    for tid in ids:
        if tid in al_ids and D.al.empty:
            rows.append(_Spec(tid, "", "", "").untested("no active-learning runs in the store"))
        else:
            rows.append(rules[tid]())
    return pd.DataFrame(rows, columns=COLUMNS)
