"""Takeaways about embedding quality: who gains from better embeddings, and who does not need
them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alcore.science import stats as S
from alcore.science.findings.data import MIN_DATASETS, fmt_ci, fmt_p
from alcore.science.findings.ips import RHO_WHY
from alcore.science.findings.record import Outcome, Part, PartResult, Takeaway, unreported

__all__ = ["MARGIN_DELTA", "QUALITY_TAKEAWAYS"]

#: non-inferiority margin of T12: a fall of Margin's AULC gain over Random by this much from
#: the worst to the best encoder of a dataset counts as "not robust"
MARGIN_DELTA = 0.015
QUALITY_UNIT = "dataset (encoders ranked by quality inside it); cells seed-averaged"
QUALITY_WHY = (
    "quality is compared inside a dataset, where the task is fixed; the permutation keeps "
    "each dataset's encoders together, so a dataset-specific effect cannot pose as quality"
)
QUALITY_TEST = (
    "within-dataset Spearman rho of quality with {what}, averaged over datasets; "
    "two-sided permutation test permuting encoders within datasets; t interval over datasets. "
    "Quality: comparable MTEB scores where five encoders have one, else the encoder's probe "
    "accuracy on the other datasets (never the dataset's own labels)"
)
GAIN_FIG = "quality vs gain (03_embedding_quality)"


def _t7(D):
    g = D.gains()
    if g is None or g.shape[1] < 1:
        return Outcome.cannot("no Random and other strategy runs")
    return D.quality_part(g.mean(axis=1), "mean AULC gain over Random")


def _t13(D):
    g = D.gains()
    if g is None or "badge" not in g.columns or g.shape[1] < 2:
        return Outcome.cannot("no BADGE, Random and third strategy runs")
    excess = g["badge"] - g.drop(columns="badge").mean(axis=1)
    return D.quality_part(excess, "BADGE's gain minus the others' mean gain")


def _t14(D):
    if "random" not in set(D.al["strategy"]):
        return Outcome.cannot("no Random AL runs")
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
    return D.quality_part(pd.Series(labels, curve.index), "labels Random needs to the target")


def _t12(D):
    g = D.gains()
    if g is None or "margin" not in g.columns:
        return Outcome.cannot("no Margin and Random runs")
    m = g["margin"].dropna()
    per_enc = {
        e: S.mean_test(x.to_numpy())
        for e, x in m.groupby(level="encoder")
        if x.index.get_level_values(0).nunique() >= MIN_DATASETS
    }
    if not per_enc or D.quality is None:
        return Outcome.cannot(
            "fewer than 3 datasets per encoder, or no encoder quality to order the encoders"
        )
    # every encoder must show the gain: the decisive one is the least convincing (lowest
    # lower bound); the intersection-union p is the largest where all point the paper's way
    e_star = min(per_enc, key=lambda e: per_enc[e]["low"])
    r = per_enc[e_star]
    all_up = all(v["effect"] > 0 for v in per_enc.values())
    p_all = max(v["p"] for v in per_enc.values()) if all_up else r["p"]
    every = PartResult(r["effect"], r["low"], r["high"], p_all, r["mde"])
    both = pd.concat({"q": D.quality, "g": m}, axis=1).dropna()
    deltas = [
        x["g"].iloc[x["q"].argmax()] - x["g"].iloc[x["q"].argmin()]
        for _, x in both.groupby(level=0)
        if len(x) >= 2 and np.ptp(x["q"]) > 0
    ]
    if len(deltas) < MIN_DATASETS:
        return Outcome.cannot("fewer than 3 datasets with two encoders of different quality")
    f = S.mean_test(deltas, alternative="greater", null=-MARGIN_DELTA)
    fall = PartResult.of(f)
    here = (
        "Margin's AULC gain over Random with each encoder, over datasets: "
        + ", ".join(f"{e} {v['effect']:+.4f} ({fmt_p(v['p'])})" for e, v in per_enc.items())
        + f"; least convincing {e_star}: {fmt_ci(r['low'], r['high'])}, MDE {r['mde']:.4f}; "
        f"change from the worst to the best encoder ({D.quality_name}) {f['effect']:+.4f} "
        f"{fmt_ci(f['low'], f['high'])}, non-inferiority at -{MARGIN_DELTA}: one-sided "
        f"{fmt_p(f['p'])}; over {len(deltas)} datasets"
    )
    return Outcome({"every": every, "fall": fall}, here)


QUALITY_TAKEAWAYS = (
    Takeaway(
        id="T7",
        paper="Importantly, their effectiveness is often enhanced when paired with "
        "higher-quality embeddings.",
        source="abstract; the gain vs MTEB figure",
        claim="The strategies' mean AULC gain over Random rises with embedding quality.",
        null="Within a dataset, the non-random strategies' mean gain over Random is "
        "unrelated to encoder quality.",
        test=QUALITY_TEST.format(what="the mean gain over Random"),
        unit=QUALITY_UNIT,
        unit_why=QUALITY_WHY,
        parts=(Part("rho", "Spearman rho(quality, mean AULC gain)", 1, 0.5, RHO_WHY),),
        rule=_t7,
        nulls=("null", "quality_all", "encoder_by_dataset"),
        power="quality_gain",
        figure=GAIN_FIG,
    ),
    Takeaway(
        id="T12",
        paper="Margin ... performing well across the entire spectrum of embedding qualities.",
        source="Fig. 7 (left) and its discussion, as quoted to the project",
        claim="Margin beats Random with every encoder, the weakest included (over datasets), "
        f"AND its gain does not fall by {MARGIN_DELTA} or more from the worst to the best "
        "encoder.",
        null="Margin does not beat Random with some encoder, or its gain falls by at least "
        f"{MARGIN_DELTA} from the worst to the best encoder.",
        test="intersection-union: per encoder a two-sided t test over datasets of Margin's "
        "AULC gain over Random (all encoders must reject); a one-sided non-inferiority t test "
        f"over datasets of (gain with the best encoder - with the worst) > -{MARGIN_DELTA}",
        unit="dataset (per encoder; best vs worst encoder inside it); cells seed-averaged",
        unit_why="the claim is about every encoder across tasks: each encoder's gain is "
        "replicated by datasets, as in Fig. 7 (left)",
        parts=(
            Part(
                "every",
                "Margin's AULC gain over Random, least convincing encoder",
                1,
                0.01,
                unreported(
                    "one accuracy point of AULC over Random",
                    "Fig. 7 (left): Margin performs well across all embedding qualities",
                ),
            ),
            Part(
                "fall",
                "AULC gain change, best - worst encoder",
                1,
                -MARGIN_DELTA,
                unreported(
                    f"the non-inferiority margin {MARGIN_DELTA}: a fall of one and a half points",
                    "Fig. 7 (left): Margin performs well across all embedding qualities",
                ),
                null_value=-MARGIN_DELTA,
            ),
        ),
        rule=_t12,
        nulls=("null", "margin_equal_random", "margin_falls", "margin_weak_fails"),
        power="margin_uniform",
        figure=GAIN_FIG,
    ),
    Takeaway(
        id="T13",
        paper="Strategies like Badge exhibit greater robustness across tasks. Importantly, "
        "their effectiveness is often enhanced when paired with higher-quality embeddings.",
        source="the abstract, its last finding",
        claim="BADGE's gain over Random rises with quality more than the other strategies'.",
        null="Within a dataset, BADGE's gain minus the others' mean gain is unrelated to "
        "encoder quality.",
        test=QUALITY_TEST.format(what="BADGE's excess gain"),
        unit=QUALITY_UNIT,
        unit_why=QUALITY_WHY,
        parts=(Part("rho", "Spearman rho(quality, BADGE's excess gain)", 1, 0.5, RHO_WHY),),
        rule=_t13,
        nulls=("null", "quality_all", "quality_gain"),
        power="badge_quality",
        figure=GAIN_FIG,
    ),
    Takeaway(
        id="T14",
        paper="Better embeddings reach a given accuracy with fewer labels.",
        source="the learning curves of the paper's results; a paraphrase (the sentence "
        "itself is not in the sources this build reads)",
        claim="With better embeddings Random reaches a given accuracy with fewer labels.",
        null="Within a dataset, the labels Random needs to reach the dataset's target "
        "accuracy are unrelated to encoder quality.",
        test=QUALITY_TEST.format(
            what="the labels to the target (the lowest mid-budget "
            "accuracy of the dataset's encoders, interpolated)"
        ),
        unit=QUALITY_UNIT,
        unit_why=QUALITY_WHY,
        parts=(Part("rho", "Spearman rho(quality, labels to the target)", -1, -0.5, RHO_WHY),),
        rule=_t14,
        nulls=("null", "encoder_by_dataset"),
        power="quality_all",
        figure="learning curves (03_embedding_quality)",
    ),
)
