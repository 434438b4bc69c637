"""Figures of embedding quality against each strategy's gain over Random."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from alcore.report.plots.base import (
    collect_legend,
    empty,
    figure,
    flat_grid,
    grid,
    order_names,
    put_legend,
    strategy_colors,
)
from alcore.science import analysis as A
from alcore.science import stats as S

__all__ = ["mteb_vs_gain", "probe_quality_vs_gain"]


@figure
def mteb_vs_gain(scores, mteb=None, baseline="random", value="aulc"):
    """Each strategy's mean AULC gain over ``baseline`` against encoder MTEB score.

    ``scores`` is :func:`alcore.science.analysis.aulc`'s table; the legend gives Spearman's
    rho from :func:`alcore.science.stats.mteb_gain_correlation` (NaN with fewer than three
    scored encoders).
    """
    title = f"AULC gain over {baseline} against encoder MTEB score"
    if scores.empty or baseline not in set(scores["strategy"]):
        return empty(title, f"no AULC scores with the baseline {baseline!r}")
    d = S.paired_vs_baseline(scores, baseline, value)
    q = A.encoder_quality(d["encoder"].unique(), mteb).dropna()
    if q.empty:
        return empty(title, "no encoder in the store has an MTEB score")
    rho = S.mteb_gain_correlation(scores, mteb, baseline, value, n_boot=200).set_index("strategy")
    gain = d[d["encoder"].isin(q.index)].groupby(["strategy", "encoder"])["diff"].mean()
    strategies = order_names(gain.index.get_level_values(0).unique())
    colors = strategy_colors(strategies)
    fig, axes, leg = grid(1, 1, panel_h=3.0, legend_items=len(strategies), legend_cols=3)
    ax = axes[0, 0]
    for s in strategies:
        g = gain[s].reindex(q.sort_values().index).dropna()
        ax.plot(
            q[g.index],
            g.values,
            marker="o",
            color=colors[s],
            label=f"{s} (rho = {rho.loc[s, 'rho']:.2f})",
        )
    for e, x in q.items():
        ax.annotate(e, (x, ax.get_ylim()[0]), fontsize=8, rotation=90, va="bottom", color="0.35")
    ax.axhline(0, color="0.3", lw=0.8, ls="--")
    ax.set(xlabel="encoder MTEB score", ylabel=f"{value} gain over {baseline}")
    put_legend(leg, *ax.get_legend_handles_labels(), ncols=3)
    fig.suptitle(title)
    return fig


@figure
def probe_quality_vs_gain(scores, upper_bounds, baseline="random", value="aulc"):
    """Each strategy's mean AULC gain over ``baseline`` against measured embedding quality.

    Quality is the linear-probe accuracy of each (dataset, encoder)
    (:func:`alcore.science.analysis.probe_quality`); one panel per strategy, one line per
    dataset through its encoders (sorted by quality), so a rising line means: on this task,
    the better encoder gives this strategy the larger gain. Panel titles give the
    within-dataset Spearman rho (:func:`alcore.science.stats.within_dataset_spearman`, the
    point estimate of :func:`alcore.science.stats.probe_gain_correlation`).
    """
    title = f"AULC gain over {baseline} against linear-probe accuracy (per dataset)"
    if scores.empty or baseline not in set(scores["strategy"]):
        return empty(title, f"no AULC scores with the baseline {baseline!r}")
    if upper_bounds is None or upper_bounds.empty:
        return empty(title, "no full-data accuracies (upper bounds) in the store")
    q = A.probe_quality(upper_bounds)
    d = S.paired_vs_baseline(scores, baseline, value)
    gain = d.groupby(["strategy", "dataset", "encoder"])["diff"].mean()
    if gain.empty:  # e.g. a store that holds only the baseline's runs so far
        return empty(title, f"no strategy besides {baseline!r} in the store")
    strategies = order_names(gain.index.get_level_values(0).unique())
    datasets = sorted(gain.index.get_level_values(1).unique())
    pal = dict(zip(datasets, sns.color_palette("tab10", max(len(datasets), 1))))
    fig, axes, leg = flat_grid(
        len(strategies), ncols=3, panel_h=2.1, legend_items=len(datasets), sharey=True
    )
    for ax, s in zip(axes, strategies):
        for ds, g in gain.loc[s].groupby(level=0):
            pts = pd.DataFrame({"q": q.reindex(g.index).to_numpy(), "g": g.to_numpy()})
            pts = pts.dropna().sort_values("q")
            ax.plot(pts["q"], pts["g"], marker="o", ms=3, lw=1, color=pal[ds], label=ds)
        ax.axhline(0, color="0.3", lw=0.8, ls="--")
        r = S.within_dataset_spearman(q, gain.loc[s])[0]
        ax.set_title(f"{s} (rho = {r:+.2f})" if np.isfinite(r) else s)
        ax.set_xlabel("linear-probe accuracy")
        ax.set_ylabel(f"{value} gain")
    put_legend(leg, *collect_legend(axes), title="dataset")
    fig.suptitle(title)
    return fig
