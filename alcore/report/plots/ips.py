"""Figures of the initial-pool study and of the initial pool's effect on active learning
(paper Figs. 1-4 and 8)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from alcore.report.plots.base import (
    COLUMN_IN,
    ENCODER_STYLES,
    collect_legend,
    empty,
    figure,
    flat_grid,
    grid,
    log_axis,
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
    "ips_accuracy_vs_k0",
    "ips_gain_grid",
    "ips_gain_over_cycles",
    "ips_win_share_by_k0",
    "win_rate_matrices",
]


@figure
def ips_win_share_by_k0(df, tol=0.0, metric="accuracy"):
    """Paper Fig. 1: share of (dataset, encoder, seed) blocks each IPS wins, per ``k0``."""
    title = f"Winning initial-pool selection per k0 (ties within {tol:g} excluded)"
    w = A.ips_winners(df, tol=tol, metric=metric)
    if w.empty:
        return empty(title, "no IPS-study runs (cycles = 0) in the store")
    k0s, ips = sorted(w["k0"].unique()), order_names(w["ips"].unique())
    fig, axes, leg = grid(1, 1, panel_h=2.8, legend_items=len(ips))
    ax = axes[0, 0]
    colors, width = strategy_colors(ips), 0.8 / len(ips)
    for i, ips_name in enumerate(ips):
        s = w[w["ips"] == ips_name].set_index("k0")["share"].reindex(k0s)
        ax.bar(
            np.arange(len(k0s)) + (i - (len(ips) - 1) / 2) * width,
            s.fillna(0),
            width,
            label=ips_name,
            color=colors[ips_name],
        )
    ties = w.groupby("k0")[["ties", "blocks"]].first().reindex(k0s)
    ax.set_xticks(
        np.arange(len(k0s)),
        [f"{k}\n({t}/{b} ties)" for k, t, b in zip(k0s, ties["ties"], ties["blocks"])],
    )
    ax.set(xlabel="initial pool size k0", ylabel="share of wins", ylim=(0, 1.05))
    put_legend(leg, *ax.get_legend_handles_labels(), title="initial pool")
    fig.suptitle(title)
    return fig


@figure
def ips_accuracy_vs_k0(df, metric="accuracy"):
    """Paper Fig. 2: IPS-study accuracy against ``k0`` per IPS, one panel per dataset.

    Colour is the initial pool, line style and marker the encoder.
    """
    title = f"Test {metric} after initial-pool selection alone"
    t = A.ips_accuracy_by_k0(df, metric=metric)
    if t.empty:
        return empty(title, "no IPS-study runs (cycles = 0) in the store")
    datasets, ips = sorted(t["dataset"].unique()), order_names(t["ips"].unique())
    colors, encoders = strategy_colors(ips), sorted(t["encoder"].unique())
    fig, axes, leg = flat_grid(
        len(datasets), ncols=2, panel_h=2.4, legend_items=len(ips) * len(encoders), legend_cols=3
    )
    for ax, d in zip(axes, datasets):
        for ips_name in ips:
            for j, e in enumerate(encoders):
                s = t[(t["dataset"] == d) & (t["ips"] == ips_name) & (t["encoder"] == e)]
                s = s.sort_values("k0")
                ls, marker = ENCODER_STYLES[j % len(ENCODER_STYLES)]
                ax.plot(
                    s["k0"],
                    s["mean"],
                    ls=ls,
                    marker=marker,
                    ms=4,
                    color=colors[ips_name],
                    label=f"{ips_name} / {e}",
                )
        log_axis(ax, "x", ticks=t["k0"].unique())
        ax.set(title=d, xlabel="k0", ylabel=metric)
    put_legend(leg, *collect_legend(axes), title="initial pool / encoder", ncols=3)
    fig.suptitle(title)
    return fig


@figure
def ips_gain_grid(df, a="typiclust", b="random", metric="accuracy", datasets=None, encoders=None):
    """Paper Figs. 3 and 8: per-cycle accuracy of IPS ``a`` minus IPS ``b``, datasets x encoders.

    As the paper draws them: rows are datasets, columns encoders, one line per query strategy
    (the paired difference, same dataset, encoder, strategy and seed, averaged over seeds:
    :func:`alcore.science.analysis.ips_gain_by_cycle`), x = AL cycle, a dashed line at 0.
    """
    title = f"{a}-IPS minus {b}-IPS, {metric} per AL cycle"
    g = select(A.ips_gain_by_cycle(df, a, b, metric), datasets, encoders)
    if g.empty:
        return empty(title, f"no paired runs with IPS {a!r} and {b!r} in the store")
    ds, es, strategies, colors = panels(g)
    fig, axes, leg = grid(
        len(ds), len(es), panel_h=1.9, legend_items=len(strategies), sharex=True, sharey=True
    )
    cells = g.set_index(["dataset", "encoder"]).sort_index()
    for i, d in enumerate(ds):
        for j, e in enumerate(es):
            ax = axes[i, j]
            if (d, e) in cells.index:
                c = cells.loc[[(d, e)]]
                for s in strategies:
                    line = c[c["strategy"] == s].sort_values("cycle")
                    if len(line):
                        ax.plot(line["cycle"], line["mean"], color=colors[s], label=s, lw=1.3)
            else:
                ax.text(0.5, 0.5, "no pairs", transform=ax.transAxes, ha="center", color="0.4")
            ax.axhline(0, color="0.3", lw=0.8, ls="--")
            if i == 0:
                ax.set_title(e)
            if j == 0:
                ax.set_ylabel(f"{d}\n{metric} gain")
            if i == len(ds) - 1:
                ax.set_xlabel("cycle")
    put_legend(leg, *collect_legend(axes.flat), title="query strategy")
    fig.suptitle(title)
    return fig


@figure
def ips_gain_over_cycles(df, a="typiclust", b="random", col="encoder", metric="accuracy"):
    """Beside paper Figs. 3 and 8: the gain of IPS ``a`` over ``b`` averaged per ``col``.

    One panel per value of ``col`` (``"encoder"`` or ``"dataset"``), one line per query
    strategy: the mean of the paired differences (same dataset, encoder, strategy, seed and
    cycle) over the other factor and the seeds. :func:`ips_gain_grid` is the paper's view.
    """
    title = f"{metric}: {a}-IPS minus {b}-IPS over the AL cycles, by {col}"
    d = A.paired_differences(df, "ips", a, b, metric)
    if d.empty:
        return empty(title, f"no paired runs with IPS {a!r} and {b!r} in the store")
    groups, strategies = sorted(d[col].unique()), order_names(d["strategy"].unique())
    colors = strategy_colors(strategies)
    fig, axes, leg = flat_grid(
        len(groups), ncols=3, panel_h=2.1, legend_items=len(strategies), sharey=True
    )
    for ax, p in zip(axes, groups):
        m = d[d[col] == p].groupby(["strategy", "cycle"])["diff"].mean()
        for s in strategies:
            if s in m.index.get_level_values(0):
                ax.plot(m[s].index, m[s].values, color=colors[s], label=s, lw=1.3)
        ax.axhline(0, color="0.3", lw=0.8, ls="--")
        ax.set(title=str(p), xlabel="cycle", ylabel=f"{metric} gain")
    put_legend(leg, *collect_legend(axes), title="query strategy")
    fig.suptitle(title)
    return fig


@figure
def win_rate_matrices(df, by="ips", metric="accuracy", tol=0.0):
    """Paper Fig. 4: pairwise win-rate matrix of the strategies, one per value of ``by``.

    Entry (row, column) is the share (in percent) of (dataset, encoder, cycle) blocks, the
    seeds averaged, that the row strategy wins
    (:func:`alcore.science.analysis.win_rate_matrix`; a tie counts one half, as the paper's
    matrices are not said to drop them). Values of ``by`` with fewer than two strategies are
    left out.
    """
    title = f"% of blocks the row strategy wins ({metric}, seeds averaged)"
    too_few = too_few_strategies(df)
    if too_few:
        return empty(title, too_few)
    al = A.al_part(df)
    levels = [
        lv for lv in sorted(al[by].unique()) if al.loc[al[by] == lv, "strategy"].nunique() > 1
    ]
    ncols = min(2, len(levels))
    fig, axes = plt.subplots(
        int(np.ceil(len(levels) / ncols)),
        ncols,
        figsize=(COLUMN_IN * ncols / 2, 3.5 * np.ceil(len(levels) / ncols) + 0.5),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat[len(levels) :]:
        ax.axis("off")
    for ax, lv in zip(axes.flat, levels):
        m = A.win_rate_matrix(al[al[by] == lv], metric=metric, tol=tol)
        order = order_names(m.index)
        share_heatmap(m.loc[order, order], ax, "RdBu_r", cbar=False, square=True)
        ax.set(title=f"{by} = {lv}", xlabel="opponent", ylabel="strategy")
    fig.suptitle(title)
    return fig
