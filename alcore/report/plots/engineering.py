"""Figures of the engineering chapters: query times and the datasets' class balance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alcore.bench import SETTINGS
from alcore.report.plots.base import (
    collect_legend,
    empty,
    figure,
    flat_grid,
    grid,
    log_axis,
    order_names,
    put_legend,
)

__all__ = ["bench_query_time", "class_balance"]


@figure
def bench_query_time(bench):
    """Seconds per query (log scale) of each strategy, alcore beside scikit-activeml.

    ``bench`` is ``book/data/bench_strategies.csv``; one panel per setting (pool size x
    dimension). A strategy that did not run (out of memory, timed out) is marked with its
    status instead of a bar.
    """
    title = "Seconds per query (batch of 100), alcore vs scikit-activeml"
    if bench is None or bench.empty:
        return empty(title, "no benchmark table: run `alcore bench strategies`")
    known = list(SETTINGS)
    settings = sorted(
        dict.fromkeys(bench["setting"]),
        key=lambda s: (known.index(s) if s in known else len(known), s),
    )
    fig, axes, leg = flat_grid(len(settings), ncols=2, panel_h=2.6, legend_items=2)
    impls, colors = ("alcore", "skactiveml"), {"alcore": "tab:blue", "skactiveml": "tab:gray"}
    for ax, setting in zip(axes, settings):
        d = bench[bench["setting"] == setting]
        strategies = order_names(d["strategy"])
        x = np.arange(len(strategies))
        top = np.nanmax(pd.to_numeric(d["seconds"], errors="coerce").to_numpy(), initial=1.0)
        for j, impl in enumerate(impls):
            for i, s in enumerate(strategies):
                row = d[(d["strategy"] == s) & (d["impl"] == impl)]
                if row.empty:
                    continue
                sec = pd.to_numeric(row["seconds"], errors="coerce").iloc[0]
                xpos = i + (j - 0.5) * 0.4
                if np.isfinite(sec) and str(row["status"].iloc[0]) == "ok":
                    ax.bar(xpos, sec, width=0.4, color=colors[impl], label=impl)
                else:
                    ax.text(
                        xpos,
                        top,
                        str(row["status"].iloc[0]).split(":")[0],
                        rotation=90,
                        ha="center",
                        va="top",
                        fontsize=7,
                        color=colors[impl],
                    )
        first = d.iloc[0]
        ax.set_xlim(-0.6, len(strategies) - 0.4)  # a lone strategy keeps a bar's width
        log_axis(ax, "y")
        ax.set_xticks(x, strategies, rotation=45, ha="right")
        ax.set(
            ylabel="seconds per query",
            title=f"{setting}: n={int(first['n']):,}, d={int(first['dim'])}"
            if "n" in d
            else setting,
        )
    put_legend(leg, *collect_legend(axes))
    fig.suptitle(title)
    return fig


@figure
def class_balance(datasets):
    """Share of each class per dataset, classes sorted by size (one line per dataset).

    Not a paper figure: the "Data and encoders" chapter's view of the class imbalance.

    Parameters
    ----------
    datasets : list of TextDataset

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes, leg = grid(1, 1, panel_h=2.8, legend_items=len(datasets))
    ax = axes[0, 0]
    ranks = set()
    for ds in datasets:
        counts = np.bincount(ds.labels("train"), minlength=len(ds.classes))
        share = np.sort(counts)[::-1] / counts.sum()
        ranks.update(range(1, len(share) + 1))
        ax.plot(np.arange(1, len(share) + 1), share, marker="o", ms=3, label=ds.name)
    top = max(ranks)
    log_axis(ax, "x", ticks=[r for r in (1, 2, 5, 10, 20, 50) if r <= top] or [1])
    log_axis(ax, "y")
    ax.set_xlabel("class rank (largest first)")
    ax.set_ylabel("share of training rows")
    put_legend(leg, *ax.get_legend_handles_labels(), title="dataset")
    fig.suptitle("Class balance of the offline datasets")
    return fig
