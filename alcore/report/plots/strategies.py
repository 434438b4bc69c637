"""Figures that compare the query strategies: who is on top, learning curves, ranks
(paper Figs. 5-7, 9 and 10, and a critical-difference diagram)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from alcore.report.plots.base import (
    COLUMN_IN,
    collect_legend,
    empty,
    figure,
    flat_grid,
    grid,
    order_names,
    panels,
    put_legend,
    select,
    share_heatmap,
    strategy_colors,
    too_few_strategies,
)
from alcore.science import analysis as A

__all__ = [
    "critical_difference_diagram",
    "learning_curves",
    "top_share_by_encoder_and_dataset",
    "top_share_by_ips",
    "top_share_over_cycles",
]


@figure
def top_share_over_cycles(df, ips="typiclust", metric="accuracy", tol=0.0):
    """Paper Fig. 5: share of (dataset, encoder) blocks where each strategy is top, per cycle.

    As the paper draws it: x = AL cycle; each bar stacks the shares of the strategies that
    are top in that cycle, over the (dataset, encoder) blocks of the runs with initial pool
    ``ips`` (TypiClust in the paper), accuracy averaged over seeds. Ties are excluded: a
    block whose best value is shared (within ``tol``) is dropped
    (:func:`alcore.science.analysis.top_share_by_cycle`).
    """
    where = f"IPS = {ips}" if ips else "every IPS"
    title = f"Top strategy per AL cycle: share of blocks ({where}; ties excluded)"
    too_few = too_few_strategies(df, ips)
    if too_few:
        return empty(title, too_few)
    t = A.top_share_by_cycle(df, metric=metric, tol=tol, ips=ips)
    if t.empty:
        return empty(title, "every (dataset, encoder) block is a tie")
    wide = t.pivot(index="cycle", columns="strategy", values="share").fillna(0)
    wide = wide[order_names(wide.columns)]
    colors = strategy_colors(wide.columns)
    fig, axes, leg = grid(1, 1, panel_h=2.8, legend_items=len(wide.columns))
    ax = axes[0, 0]
    bottom = np.zeros(len(wide))
    for s in wide.columns:
        ax.bar(wide.index, wide[s], bottom=bottom, color=colors[s], label=s, width=0.8)
        bottom += wide[s].to_numpy()
    ties = t.groupby("cycle")[["ties", "blocks"]].first().reindex(wide.index)
    for x, (n_ties, _n_blocks) in ties.iterrows():
        if n_ties:
            ax.text(x, 1.01, f"{int(n_ties)}", ha="center", va="bottom", fontsize=7, color="0.35")
    ax.set(xlabel="AL cycle", ylabel="share of blocks on top", ylim=(0, 1.1))
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_title("numbers above the bars: tied blocks dropped", fontsize=8, color="0.35")
    put_legend(leg, *ax.get_legend_handles_labels(), title="query strategy")
    fig.suptitle(title)
    return fig


@figure
def top_share_by_ips(df, by="ips", metric="accuracy", tol=0.0, ties="exclude"):
    """Beside paper Fig. 5: share of AL cycles each strategy is top, pooled over cycles.

    One bar group per value of ``by`` (each initial pool by default); a cycle is one
    (dataset, encoder, IPS, cycle) block, accuracy averaged over seeds; ties excluded
    (``ties="split"`` splits them instead).
    """
    title = (
        f"Share of AL cycles on top ({metric}; ties {'excluded' if ties == 'exclude' else 'split'})"
    )
    too_few = too_few_strategies(df)
    if too_few:
        return empty(title, too_few)
    t = A.top_share(df, by=[by], metric=metric, tol=tol, ties=ties)
    if t.empty:
        return empty(title, "every block is a tie")
    levels = order_names(t[by].unique())
    fig, axes, leg = grid(1, 1, panel_h=2.6, legend_items=len(levels))
    ax = axes[0, 0]
    sns.barplot(
        t,
        x="strategy",
        y="share",
        hue=by,
        hue_order=levels,
        order=order_names(t["strategy"].unique()),
        palette=strategy_colors(levels),
        ax=ax,
    )
    handles, labels = ax.get_legend_handles_labels()
    ax.get_legend().remove()
    ax.set(ylabel="share of cycles on top", xlabel="")
    put_legend(leg, handles, labels, title=by)
    fig.suptitle(title)
    return fig


@figure
def learning_curves(
    df, upper_bounds=None, datasets=None, encoders=None, ips="random", metric="accuracy"
):
    """Paper Figs. 6, 9 and 10: learning curves, one panel per (encoder, dataset).

    Panels run encoder by encoder, datasets across (at most three a row, so that each stays
    legible in the column). Mean over seeds with a +-1 standard-deviation band; the
    full-data ``metric`` (``upper_bounds``) is drawn as a dashed black line.
    """
    title = f"Learning curves ({metric}, IPS = {ips}); dashed: full-data {metric}"
    t = select(A.cycle_accuracy(df[df["ips"] == ips], metric=metric), datasets, encoders)
    if t.empty:
        return empty(title, f"no active-learning runs with IPS {ips!r} for this selection")
    ds, es, strategies, colors = panels(t)
    cells = [(e, d) for e in es for d in ds]
    ncols = min(3, len(ds)) if len(ds) > 1 else min(3, len(cells))
    fig, axes, leg = flat_grid(
        len(cells), ncols=ncols, panel_h=2.1, legend_items=len(strategies) + 1
    )
    ub = None if upper_bounds is None else upper_bounds.set_index(["dataset", "encoder"])
    for k, (ax, (e, d)) in enumerate(zip(axes, cells)):
        for s in strategies:
            c = t[(t["dataset"] == d) & (t["encoder"] == e) & (t["strategy"] == s)]
            if c.empty:
                continue
            sd = c["std"].fillna(0).to_numpy()
            ax.plot(c["n_labelled"], c["mean"], color=colors[s], label=s, lw=1.3)
            ax.fill_between(
                c["n_labelled"], c["mean"] - sd, c["mean"] + sd, color=colors[s], alpha=0.12, lw=0
            )
        if ub is not None and (d, e) in ub.index:
            ax.axhline(
                float(ub.loc[(d, e), metric]), color="k", ls="--", lw=1, label=f"full-data {metric}"
            )
        ax.set_title(f"{d} / {e}")
        last_row = k >= len(cells) - ncols
        ax.set(
            xlabel="labelled samples" if last_row else "",
            ylabel=metric if k % ncols == 0 else "",
        )
    put_legend(leg, *collect_legend(axes), title="query strategy")
    fig.suptitle(title)
    return fig


@figure
def top_share_by_encoder_and_dataset(df, ips="typiclust", metric="accuracy", tol=0.0):
    """Paper Fig. 7: share of AL cycles each strategy is top, per encoder and per dataset.

    As the paper: runs with initial pool ``ips`` (TypiClust; ``None`` keeps every IPS), a
    cycle is one (dataset, encoder, cycle) block with accuracy averaged over seeds, ties
    excluded (a block whose best value is shared is dropped). Cells are in percent.
    """
    where = f"IPS = {ips}" if ips else "every IPS"
    title = f"% of AL cycles on top, by encoder and by dataset ({where}; ties excluded)"
    too_few = too_few_strategies(df, ips)
    if too_few:
        return empty(title, too_few)
    sub_df = A.select(df, ips=None if ips is None else [ips])
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN_IN, 3.4), layout="constrained")
    for ax, by in zip(axes, ("encoder", "dataset")):
        t = A.top_share(sub_df, by=[by], metric=metric, tol=tol, ties="exclude")
        m = t.pivot(index="strategy", columns=by, values="share")
        share_heatmap(m.loc[order_names(m.index)], ax, "viridis", cbar=by == "dataset")
        ax.set(title=f"per {by}", xlabel="", ylabel="strategy" if by == "encoder" else "")
        ax.tick_params(axis="x", rotation=30)
    fig.suptitle(title)
    return fig


@figure
def critical_difference_diagram(result, title=None):
    """Critical-difference diagram of :func:`alcore.science.stats.friedman_nemenyi`'s result.

    Strategies sit at their average rank (1 = best, right); a bar joins every group whose
    ranks differ by less than the Nemenyi critical difference. ``result=None`` (too few
    strategies or blocks for the test) gives the figure that says so.
    """
    if result is None:
        return empty(
            title or "Average AULC ranks",
            "a critical-difference diagram needs at least two strategies and two complete "
            "(dataset, encoder, IPS, seed) blocks",
        )
    r = result["avg_ranks"].sort_values()
    cd, k = result["cd"], result["k"]
    title = title or (
        f"Average AULC ranks: Nemenyi CD = {cd:.2f} (alpha = {result['alpha']:g}, "
        f"{result['n']} blocks); Friedman p = {result['p']:.2g}"
    )
    vals = r.to_numpy()
    cliques = []  # maximal groups of non-significant differences
    for i in range(k):
        j = max(j for j in range(i, k) if vals[j] - vals[i] < cd)
        if j > i and not (i > 0 and vals[j] - vals[i - 1] < cd):
            cliques.append((vals[i], vals[j]))
    half = int(np.ceil(k / 2))
    top = -0.3 - 0.22 * len(cliques)  # labels start under the clique bars
    bottom = top - 0.45 * (half - 1) - 0.4
    fig, ax = plt.subplots(
        figsize=(COLUMN_IN, 1.1 + 0.3 * (half + len(cliques))), layout="constrained"
    )
    ax.set(xlim=(-0.7, k + 1.7), ylim=(bottom, 1.7))  # room for the labels either side
    ax.invert_xaxis()
    ax.set_xticks(range(1, k + 1))
    ax.xaxis.tick_top()
    for side in ("left", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.spines["top"].set_position(("data", 0))
    ax.set_yticks([])
    ax.plot([1, 1 + cd], [1.2, 1.2], color="C3", lw=2)
    ax.text(1 + cd / 2, 1.3, "CD", ha="center", va="bottom", color="C3")
    for m, (lo, hi) in enumerate(cliques):
        y = -0.25 - 0.22 * m
        ax.plot([lo, hi], [y, y], color="C0", lw=3, solid_capstyle="round")
    for i, (s, rank) in enumerate(r.items()):
        left = i < half
        y = top - (i if left else k - 1 - i) * 0.45
        # the axis runs right to left: the best ranks' labels go to the right of the line
        x_end = 0.8 if left else k + 0.2
        ax.plot([rank, rank, x_end], [0, y, y], color="0.3", lw=0.8)
        ax.text(
            x_end,
            y,
            f" {s} ({rank:.2f})" if left else f"({rank:.2f}) {s} ",
            ha="left" if left else "right",
            va="center",
        )
    fig.suptitle(title)
    return fig
