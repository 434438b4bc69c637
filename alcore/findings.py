"""The paper's takeaways checked against our results: holds / partly / does not hold here.

:func:`takeaways` computes, from whatever the store holds, one row per takeaway of Rauch et
al. (2025) with our evidence (numbers computed now, never typed in), a verdict and the
figure that shows it. A takeaway the data cannot test gets the verdict ``"not testable
here"``. Embedding quality is the encoders' published MTEB average where at least three
encoders have one (the paper's axis), else the measured linear-probe accuracy of each
(dataset, encoder) pair (:func:`alcore.analysis.probe_quality`). Where a correlation has a
bootstrap CI (T7 always, T3 with measured quality), a positive verdict needs its lower bound
above zero: a positive point estimate whose CI includes zero "does not hold" here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import analysis as A
from . import stats as S

__all__ = ["takeaways"]

HOLDS, PARTLY, NO, UNTESTED = "holds", "partly", "does not hold", "not testable here"


def _row(tid, claim, evidence, verdict, figure):
    return {"id": tid, "paper": claim, "here": evidence, "verdict": verdict, "figure": figure}


def _t1_ips_small_k0(df, tol):
    claim = "Diversity-based initial pools (TypiClust) beat random ones at small k0."
    w = A.ips_winners(df, tol=tol)
    if w.empty or "typiclust" not in set(w["ips"]):
        return _row("T1", claim, "no IPS study with TypiClust in the store", UNTESTED, "Fig. 1")
    k0s = sorted(w["k0"].unique())
    small = w[w["k0"].isin(k0s[: max(1, len(k0s) // 2)])]
    best = small.loc[small.groupby("k0")["share"].idxmax(), "ips"]
    share = small[small["ips"] == "typiclust"]["share"].mean()
    n_top = int((best == "typiclust").sum())
    verdict = HOLDS if n_top == len(best) and share > 0.5 else PARTLY if n_top else NO
    ev = (f"TypiClust wins {share:.0%} of the decided blocks at k0 <= {small['k0'].max()}, and "
          f"the most wins at {n_top} of {len(best)} of these k0 values")
    return _row("T1", claim, ev, verdict, "Fig. 1, Fig. 2 (01_ips_study)")


def _early_late(df):
    d = A.paired_differences(df, "ips", "typiclust", "random")
    if d.empty:
        return d, np.nan, np.nan
    T = int(d["cycles"].max())
    early = d[d["cycle"] <= max(1, T // 4)]["diff"].mean()
    late = d[d["cycle"] >= T - max(1, T // 4)]["diff"].mean()
    return d, early, late


def _t2_ips_fades(df):
    claim = "A TypiClust initial pool boosts the early AL cycles; the gain fades later."
    d, early, late = _early_late(df)
    if d.empty:
        return _row("T2", claim, "no paired TypiClust-IPS / Random-IPS AL runs", UNTESTED,
                    "Fig. 3")
    verdict = HOLDS if early > 0 and late < early / 2 else PARTLY if early > 0 else NO
    ev = f"mean accuracy gain {early:+.4f} in the first quarter of cycles, {late:+.4f} in the last"
    return _row("T2", claim, ev, verdict, "Fig. 3, Fig. 8 (02_ips_on_al)")


def _spearman(x, y):
    ok = ~(np.isnan(x) | np.isnan(y))
    if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return np.nan, int(ok.sum())
    from scipy.stats import spearmanr
    return float(spearmanr(x[ok], y[ok]).statistic), int(ok.sum())


def _t3_ips_quality(df, mteb, upper):
    claim = "The TypiClust initial pool synergises with high-quality embeddings."
    d, _, _ = _early_late(df)
    if d.empty:
        return _row("T3", claim, "no paired IPS runs", UNTESTED, "Fig. 3")
    T = int(d["cycles"].max())
    early = d[d["cycle"] <= max(1, T // 4)]
    gain = early.groupby("encoder")["diff"].mean()
    q = A.encoder_quality(gain.index, mteb)
    rho, n = _spearman(q.to_numpy(), gain.to_numpy())
    if not np.isnan(rho):
        ev = f"Spearman rho(MTEB, early IPS gain) = {rho:+.2f} over {n} encoders"
    elif upper is not None and not upper.empty:
        units = early.assign(unit=early["strategy"].astype(str) + "|"
                             + early["seed"].astype(str))
        tab = units.pivot_table(index="unit", columns=["dataset", "encoder"], values="diff",
                                aggfunc="mean")
        rho, n_d, low, high = S.within_dataset_spearman_ci(A.probe_quality(upper), tab,
                                                           n_boot=500, random_state=0)
        if np.isnan(rho):
            return _row("T3", claim, f"{n} encoder(s) with an MTEB score, and no dataset with "
                        "3 encoders that have a linear-probe accuracy", UNTESTED, "Fig. 3")
        ev = (f"{n} encoder(s) with an MTEB score, so quality = linear-probe accuracy: "
              f"Spearman rho(probe accuracy, early IPS gain) = {rho:+.2f} [95% CI "
              f"{low:+.2f}, {high:+.2f}], within each of {n_d} datasets, averaged")
        verdict = HOLDS if rho >= 0.5 and low > 0 else PARTLY if rho > 0 and low > 0 else NO
        return _row("T3", claim, ev, verdict, "Fig. 3 (02_ips_on_al)")
    else:
        return _row("T3", claim, f"{n} encoder(s) with an MTEB score: need 3", UNTESTED,
                    "Fig. 3")
    verdict = HOLDS if rho >= 0.5 else PARTLY if rho > 0 else NO
    return _row("T3", claim, ev, verdict, "Fig. 3 (02_ips_on_al)")


def _t4_quality_sensitive(df, tol):
    claim = "The best query strategy depends on the embedding quality (encoder)."
    t = A.top_share(df, by="encoder", tol=tol)
    if t["encoder"].nunique() < 2:
        return _row("T4", claim, "fewer than two encoders in the store", UNTESTED, "Fig. 7")
    top = t.loc[t.groupby("encoder")["share"].idxmax()].set_index("encoder")["strategy"]
    n = top.nunique()
    ev = "top strategy per encoder: " + ", ".join(f"{e}: {s}" for e, s in top.items())
    return _row("T4", claim, ev, HOLDS if n > 1 else NO, "Fig. 7 (03_embedding_quality)")


def _t5_margin_spikes(df, tol):
    claim = "Cheap Margin sampling spikes on specific datasets."
    t = A.top_share(df, by="dataset", tol=tol)
    if "margin" not in set(t["strategy"]):
        return _row("T5", claim, "no Margin runs in the store", UNTESTED, "Fig. 7")
    top = t.loc[t.groupby("dataset")["share"].idxmax()].set_index("dataset")["strategy"]
    won = sorted(top[top == "margin"].index)
    n_d = len(top)
    verdict = (HOLDS if won and len(won) < n_d else PARTLY if won else NO)
    ev = (f"Margin is top on {len(won)} of {n_d} datasets" +
          (f" ({', '.join(won)})" if won else ""))
    return _row("T5", claim, ev, verdict, "Fig. 7 (03_embedding_quality)")


def _t6_badge_robust(df):
    claim = "BADGE is robust across tasks."
    au = A.aulc(df)
    if "badge" not in set(au["strategy"]):
        return _row("T6", claim, "no BADGE runs in the store", UNTESTED, "CD diagram")
    ranks = []
    for _, g in au.groupby("dataset"):
        m = g.groupby("strategy")["aulc"].mean().rank(ascending=False)
        ranks.append(m.get("badge", np.nan))
    ranks = np.array(ranks)
    k = au["strategy"].nunique()
    top3 = float(np.mean(ranks <= 3))
    verdict = HOLDS if top3 >= 2 / 3 else PARTLY if top3 >= 1 / 3 else NO
    ev = (f"BADGE's mean-AULC rank is within the top 3 of {k} on {top3:.0%} of the datasets "
          f"(median rank {np.nanmedian(ranks):.1f})")
    return _row("T6", claim, ev, verdict, "critical-difference diagram (03_embedding_quality)")


def _t7_gain_quality(df, mteb, upper):
    claim = "Strategies gain more over Random with higher-quality embeddings."
    au = A.aulc(df)
    if "random" not in set(au["strategy"]):
        return _row("T7", claim, "no Random runs in the store", UNTESTED, "MTEB vs gain")
    c = S.mteb_gain_correlation(au, mteb, n_boot=200).dropna(subset=["rho"])
    what, fig = "MTEB", "MTEB vs gain (03_embedding_quality)"
    if c.empty and upper is not None and not upper.empty:
        c = S.probe_gain_correlation(au, upper, n_boot=200).dropna(subset=["rho"])
        what = "linear-probe accuracy, within datasets"
        fig = "probe quality vs gain (03_embedding_quality)"
    if c.empty:
        return _row("T7", claim, "fewer than three encoders with an MTEB score or a "
                    "linear-probe accuracy", UNTESTED, "MTEB vs gain")
    pos = float(((c["rho"] > 0) & (c["low"] > 0)).mean())
    verdict = HOLDS if pos >= 2 / 3 else PARTLY if pos > 0 else NO
    ev = (f"rho({what}, AULC gain) > 0 with its 95% CI above 0 for {pos:.0%} of {len(c)} "
          f"strategies (median rho {c['rho'].median():+.2f})")
    return _row("T7", claim, ev, verdict, fig)


def _t8_no_free_lunch(df, tol):
    claim = "No single strategy is best everywhere (no free lunch)."
    t = A.top_share(df, by=["dataset", "encoder"], tol=tol)
    top = t.loc[t.groupby(["dataset", "encoder"])["share"].idxmax(), "strategy"]
    n = top.nunique()
    ev = f"{n} different strategies are top on the {len(top)} dataset x encoder pairs"
    return _row("T8", claim, ev, HOLDS if n > 1 else NO, "Fig. 5, Fig. 7")


def takeaways(results, mteb=None, tol=0.0, upper_bounds=None):
    """One row per takeaway of the paper: ``id, paper, here, verdict, figure``.

    Parameters
    ----------
    results : DataFrame
        The store's tidy table (:func:`alcore.store.load_results`).
    mteb : mapping or None
        Encoder -> MTEB score; default ``alcore.embed.ENCODERS[...].mteb``.
    tol : float
        Tie tolerance for winners and top shares.
    upper_bounds : DataFrame or None
        The store's full-data accuracies (:func:`alcore.store.load_upper_bounds`). Where fewer
        than three encoders have an MTEB score, T3 and T7 measure embedding quality as this
        linear-probe accuracy instead (compared within each dataset).
    """
    rows = [_t1_ips_small_k0(results, tol)]
    al = A.al_part(results)
    if al.empty:
        for tid in ("T2", "T3", "T4", "T5", "T6", "T7", "T8"):
            rows.append(_row(tid, "(AL takeaway)", "no active-learning runs in the store",
                             UNTESTED, ""))
    else:
        rows += [_t2_ips_fades(al), _t3_ips_quality(al, mteb, upper_bounds),
                 _t4_quality_sensitive(al, tol), _t5_margin_spikes(al, tol), _t6_badge_robust(al),
                 _t7_gain_quality(al, mteb, upper_bounds), _t8_no_free_lunch(al, tol)]
    return pd.DataFrame(rows, columns=["id", "paper", "here", "verdict", "figure"])
