"""Every figure of the report, one function each; each returns a matplotlib Figure.

Functions are named for what they draw; the docstring and the book's caption name the paper
figure they reproduce. Each is registered with :func:`figure`, which stamps the Figure, in
small print at its foot, with the function that drew it (``drawn by
alcore.report.plots.top_share_by_ips``; also the Figure's label, ``fig.get_label()``),
taken from the function's own name. The functions take the results store's tidy table
(:func:`alcore.runs.store.load_results`) or a table from :mod:`alcore.science.analysis` /
:mod:`alcore.science.stats`, and never write files. Strategies always appear in the order of
:data:`alcore.engine.strategies.NAMES`.

Where the data cannot make the figure (no runs of the kind it needs), a function returns a
small figure saying why (:func:`_empty`), flagged so that :func:`is_empty` tells it apart.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from alcore.bench.queries import SETTINGS
from alcore.engine.strategies import NAMES
from alcore.science import analysis as A
from alcore.science import stats as S

__all__ = [
    "FIGURES",
    "bench_query_time",
    "class_balance",
    "critical_difference_diagram",
    "figure",
    "ips_accuracy_vs_k0",
    "ips_gain_grid",
    "ips_gain_over_cycles",
    "ips_win_share_by_k0",
    "is_empty",
    "learning_curves",
    "mteb_vs_gain",
    "probe_quality_vs_gain",
    "strategy_colors",
    "top_share_by_encoder_and_dataset",
    "top_share_by_ips",
    "top_share_over_cycles",
    "win_rate_matrices",
]

#: name -> figure function, in the order they are defined (filled by :func:`figure`)
FIGURES = {}


def figure(fn):
    """Register ``fn`` as a figure of the book and stamp what it draws with its name.

    The returned Figure carries ``drawn by alcore.report.plots.<fn name>`` at its foot and the
    same dotted name as its label (``fig.get_label()``), for the book's captions.
    """
    name = f"alcore.report.plots.{fn.__name__}"

    @functools.wraps(fn)
    def draw(*args, **kwargs):
        fig = fn(*args, **kwargs)
        engine = fig.get_layout_engine()
        if engine is not None and hasattr(engine, "set") and "rect" in engine.get():
            engine.set(rect=(0, 0.03, 1, 0.97))  # keep the "drawn by" line clear of x labels
        fig.text(0.995, 0.005, f"drawn by {name}", ha="right", va="bottom", fontsize=7, color="0.4")
        fig.set_label(name)
        return fig

    FIGURES[fn.__name__] = draw
    return draw


def is_empty(fig):
    """The reason ``fig`` holds no data (a string), or ``""`` for a real figure."""
    return getattr(fig, "alcore_empty", "")


def strategy_colors(names=()):
    """A fixed colour per strategy (and IPS) name, the same in every figure."""
    pal = sns.color_palette("tab10", 10)
    known = {n: pal[i] for i, n in enumerate(NAMES)}
    extra = [n for n in names if n not in known]
    more = sns.color_palette("Set2", max(len(extra), 1))
    known.update({n: more[i] for i, n in enumerate(extra)})
    return known


def _order(names):
    names = list(dict.fromkeys(names))
    return sorted(names, key=lambda n: (NAMES.index(n) if n in NAMES else len(NAMES), n))


def _select(t, datasets=None, encoders=None):
    """The rows of ``t`` in ``datasets`` and ``encoders`` (None: all)."""
    if datasets is not None:
        t = t[t["dataset"].isin(datasets)]
    if encoders is not None:
        t = t[t["encoder"].isin(encoders)]
    return t


def _panels(t):
    """Sorted datasets and encoders of ``t`` (the panel grid), its strategies and colours."""
    strategies = _order(t["strategy"].unique())
    ds, es = sorted(t["dataset"].unique()), sorted(t["encoder"].unique())
    return ds, es, strategies, strategy_colors(strategies)


def _share_heatmap(m, ax, cmap, **kw):
    """A heatmap of shares in [0, 1], each cell annotated (``kw``: more seaborn options)."""
    sns.heatmap(
        m, ax=ax, vmin=0, vmax=1, cmap=cmap, annot=True, fmt=".2f", annot_kws={"fontsize": 7}, **kw
    )


def _empty(title, why):
    """A small figure that says why there is nothing to draw (flagged for :func:`is_empty`)."""
    fig, ax = plt.subplots(figsize=(6, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, why, ha="center", va="center", wrap=True)
    fig.suptitle(title)
    fig.alcore_empty = why
    return fig


def _too_few_strategies(df, ips=None, need=2):
    """Why the AL runs in ``df`` (with initial pool ``ips``) cannot be compared, or ``""``.

    Comparisons between strategies (top shares, win rates) need at least ``need`` of them:
    with one, the lone strategy is trivially "top" and a win-rate matrix is one blank cell.
    """
    al = A.al_part(df)
    if al.empty:
        return "no active-learning runs (cycles > 0) in the store"
    if ips is not None:
        al = al[al["ips"] == ips]
        if al.empty:
            return f"no active-learning runs with IPS {ips!r} in the store"
    n = al["strategy"].nunique()
    if n < need:
        return (
            f"only {n} query strateg{'y' if n == 1 else 'ies'} in the store; this "
            f"figure compares at least {need}"
        )
    return ""


def _grid(n, ncols=4, size=(3.6, 2.8), sharey=False):
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(size[0] * ncols, size[1] * nrows + 0.8),
        squeeze=False,
        sharey=sharey,
        layout="constrained",
    )
    for ax in axes.flat[n:]:
        ax.axis("off")
    return fig, axes.flat


@figure
def ips_win_share_by_k0(df, tol=0.0, metric="accuracy"):
    """Paper Fig. 1: share of (dataset, encoder, seed) blocks each IPS wins, per ``k0``."""
    title = f"Winning initial-pool selection per k0 (ties within {tol:g} excluded)"
    w = A.ips_winners(df, tol=tol, metric=metric)
    if w.empty:
        return _empty(title, "no IPS-study runs (cycles = 0) in the store")
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    k0s, ips = sorted(w["k0"].unique()), _order(w["ips"].unique())
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
    ax.legend(title="IPS", fontsize=8)
    fig.suptitle(title)
    return fig


@figure
def ips_accuracy_vs_k0(df, metric="accuracy"):
    """Paper Fig. 2: IPS-study accuracy against ``k0`` per IPS, one panel per dataset."""
    title = f"Test {metric} after initial-pool selection alone"
    t = A.ips_accuracy_by_k0(df, metric=metric)
    if t.empty:
        return _empty(title, "no IPS-study runs (cycles = 0) in the store")
    datasets, ips = sorted(t["dataset"].unique()), _order(t["ips"].unique())
    colors, styles = strategy_colors(ips), ["-", "--", ":", "-."]
    encoders = sorted(t["encoder"].unique())
    fig, axes = _grid(len(datasets))
    for ax, d in zip(axes, datasets):
        for ips_name in ips:
            for j, e in enumerate(encoders):
                s = t[(t["dataset"] == d) & (t["ips"] == ips_name) & (t["encoder"] == e)]
                s = s.sort_values("k0")
                ax.plot(
                    s["k0"],
                    s["mean"],
                    styles[j % 4],
                    marker=".",
                    color=colors[ips_name],
                    label=f"{ips_name} / {e}",
                )
        ax.set(xscale="log", title=d, xlabel="k0", ylabel=metric)
    axes[0].legend(fontsize=7, title="IPS / encoder")
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
    g = _select(A.ips_gain_by_cycle(df, a, b, metric), datasets, encoders)
    if g.empty:
        return _empty(title, f"no paired runs with IPS {a!r} and {b!r} in the store")
    ds, es, strategies, colors = _panels(g)
    fig, axes = plt.subplots(
        len(ds),
        len(es),
        figsize=(3.2 * len(es) + 0.4, 2.4 * len(ds) + 1),
        squeeze=False,
        sharex=True,
        sharey=True,
        layout="constrained",
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
                        ax.plot(line["cycle"], line["mean"], color=colors[s], label=s, lw=1.2)
            else:
                ax.text(
                    0.5,
                    0.5,
                    "no pairs",
                    transform=ax.transAxes,
                    ha="center",
                    color="0.5",
                    fontsize=8,
                )
            ax.axhline(0, color="0.3", lw=0.8, ls="--")
            if i == 0:
                ax.set_title(e, fontsize=9)
            if j == 0:
                ax.set_ylabel(f"{d}\n{metric} gain", fontsize=8)
            if i == len(ds) - 1:
                ax.set_xlabel("cycle")
    handles, labels = [], []
    for ax in axes.flat:  # the legend of every strategy drawn anywhere
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)), fontsize=8)
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
        return _empty(title, f"no paired runs with IPS {a!r} and {b!r} in the store")
    panels, strategies = sorted(d[col].unique()), _order(d["strategy"].unique())
    colors = strategy_colors(strategies)
    fig, axes = _grid(len(panels), sharey=True)
    for ax, p in zip(axes, panels):
        m = d[d[col] == p].groupby(["strategy", "cycle"])["diff"].mean()
        for s in strategies:
            if s in m.index.get_level_values(0):
                ax.plot(m[s].index, m[s].values, color=colors[s], label=s, lw=1.3)
        ax.axhline(0, color="0.3", lw=0.8, ls="--")
        ax.set(title=str(p), xlabel="cycle", ylabel=f"{metric} gain")
    axes[0].legend(fontsize=7, ncols=2)
    fig.suptitle(title)
    return fig


@figure
def win_rate_matrices(df, by="ips", metric="accuracy", tol=0.0):
    """Paper Fig. 4: pairwise win-rate matrix of the strategies, one per value of ``by``.

    Entry (row, column) is the share of (dataset, encoder, cycle) blocks, the seeds averaged,
    that the row strategy wins (`analysis.win_rate_matrix`; a tie counts one half, as
    the paper's matrices are not said to drop them). Values of ``by`` with fewer than two
    strategies are left out.
    """
    title = f"Share of blocks the row strategy wins ({metric}, seeds averaged)"
    too_few = _too_few_strategies(df)
    if too_few:
        return _empty(title, too_few)
    al = A.al_part(df)
    levels = [
        lv for lv in sorted(al[by].unique()) if al.loc[al[by] == lv, "strategy"].nunique() > 1
    ]
    fig, axes = _grid(len(levels), ncols=2, size=(5.2, 4.4))
    for ax, lv in zip(axes, levels):
        m = A.win_rate_matrix(al[al[by] == lv], metric=metric, tol=tol)
        order = _order(m.index)
        _share_heatmap(m.loc[order, order], ax, "RdBu_r", cbar=False, square=True)
        ax.set(title=f"{by} = {lv}", xlabel="opponent", ylabel="strategy")
    fig.suptitle(title)
    return fig


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
    too_few = _too_few_strategies(df, ips)
    if too_few:
        return _empty(title, too_few)
    t = A.top_share_by_cycle(df, metric=metric, tol=tol, ips=ips)
    if t.empty:
        return _empty(title, "every (dataset, encoder) block is a tie")
    wide = t.pivot(index="cycle", columns="strategy", values="share").fillna(0)
    wide = wide[_order(wide.columns)]
    colors = strategy_colors(wide.columns)
    fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(wide) + 3), 3.8), layout="constrained")
    bottom = np.zeros(len(wide))
    for s in wide.columns:
        ax.bar(wide.index, wide[s], bottom=bottom, color=colors[s], label=s, width=0.8)
        bottom += wide[s].to_numpy()
    ties = t.groupby("cycle")[["ties", "blocks"]].first().reindex(wide.index)
    for x, (n_ties, _n_blocks) in ties.iterrows():
        if n_ties:
            ax.text(x, 1.01, f"{int(n_ties)}", ha="center", va="bottom", fontsize=6, color="0.4")
    ax.set(xlabel="AL cycle", ylabel="share of blocks on top", ylim=(0, 1.08))
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend(fontsize=7, ncols=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title("numbers above the bars: tied blocks dropped", fontsize=8, color="0.4")
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
        f"Share of AL cycles in which each strategy is top ({metric}; ties "
        f"{'excluded' if ties == 'exclude' else 'split'})"
    )
    too_few = _too_few_strategies(df)
    if too_few:
        return _empty(title, too_few)
    t = A.top_share(df, by=[by], metric=metric, tol=tol, ties=ties)
    if t.empty:
        return _empty(title, "every block is a tie")
    fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
    sns.barplot(t, x="strategy", y="share", hue=by, order=_order(t["strategy"].unique()), ax=ax)
    ax.set(ylabel="share of cycles on top", xlabel="")
    fig.suptitle(title)
    return fig


@figure
def learning_curves(
    df, upper_bounds=None, datasets=None, encoders=None, ips="random", metric="accuracy"
):
    """Paper Figs. 6, 9 and 10: learning curves, rows = encoders, columns = datasets.

    Mean over seeds with a +-1 standard-deviation band; the full-data ``metric``
    (``upper_bounds``) is drawn as a dashed black line.
    """
    title = f"Learning curves ({metric}, IPS = {ips}); dashed: full-data {metric}"
    t = _select(A.cycle_accuracy(df[df["ips"] == ips], metric=metric), datasets, encoders)
    if t.empty:
        return _empty(title, f"no active-learning runs with IPS {ips!r} for this selection")
    ds, es, strategies, colors = _panels(t)
    fig, axes = plt.subplots(
        len(es),
        len(ds),
        figsize=(3.4 * len(ds), 2.6 * len(es) + 0.9),
        squeeze=False,
        layout="constrained",
    )
    ub = None if upper_bounds is None else upper_bounds.set_index(["dataset", "encoder"])
    for i, e in enumerate(es):
        for j, d in enumerate(ds):
            ax = axes[i, j]
            for s in strategies:
                c = t[(t["dataset"] == d) & (t["encoder"] == e) & (t["strategy"] == s)]
                if c.empty:
                    continue
                sd = c["std"].fillna(0).to_numpy()
                ax.plot(c["n_labelled"], c["mean"], color=colors[s], label=s, lw=1.2)
                ax.fill_between(
                    c["n_labelled"],
                    c["mean"] - sd,
                    c["mean"] + sd,
                    color=colors[s],
                    alpha=0.12,
                    lw=0,
                )
            if ub is not None and (d, e) in ub.index:
                ax.axhline(float(ub.loc[(d, e), metric]), color="k", ls="--", lw=1)
            ax.set_title(f"{d} / {e}", fontsize=9)
            ax.set(
                xlabel="labelled samples" if i == len(es) - 1 else "",
                ylabel=metric if j == 0 else "",
            )
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=min(8, len(labels)), fontsize=8)
    fig.suptitle(title)
    return fig


@figure
def top_share_by_encoder_and_dataset(df, ips="typiclust", metric="accuracy", tol=0.0):
    """Paper Fig. 7: share of AL cycles each strategy is top, per encoder and per dataset.

    As the paper: runs with initial pool ``ips`` (TypiClust; ``None`` keeps every IPS), a
    cycle is one (dataset, encoder, cycle) block with accuracy averaged over seeds, ties
    excluded (a block whose best value is shared is dropped).
    """
    where = f"IPS = {ips}" if ips else "every IPS"
    title = f"Share of AL cycles on top, by encoder and by dataset ({where}; ties excluded)"
    too_few = _too_few_strategies(df, ips)
    if too_few:
        return _empty(title, too_few)
    sub_df = A.select(df, ips=None if ips is None else [ips])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    for ax, by in zip(axes, ("encoder", "dataset")):
        t = A.top_share(sub_df, by=[by], metric=metric, tol=tol, ties="exclude")
        m = t.pivot(index="strategy", columns=by, values="share")
        _share_heatmap(m.loc[_order(m.index)], ax, "viridis", cbar=by == "dataset")
        ax.set(title=f"per {by}", xlabel=by, ylabel="strategy")
    fig.suptitle(title)
    return fig


@figure
def critical_difference_diagram(result, title=None):
    """Critical-difference diagram of :func:`alcore.science.stats.friedman_nemenyi`'s result.

    Strategies sit at their average rank (1 = best, left); a bar joins every group whose
    ranks differ by less than the Nemenyi critical difference.
    """
    r = result["avg_ranks"].sort_values()
    cd, k = result["cd"], result["k"]
    title = title or (
        f"Average ranks (AULC), Nemenyi CD = {cd:.2f} at alpha = "
        f"{result['alpha']:g} over {result['n']} blocks; Friedman p = {result['p']:.2g}"
    )
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.28 * k), layout="constrained")
    ax.set(xlim=(0.5, k + 0.5), ylim=(-(k / 2) - 1.5, 1.6))
    ax.invert_xaxis()
    ax.axhline(0, color="k", lw=1)
    ax.set_xticks(range(1, k + 1))
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", labelsize=8)
    for side in ("left", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    ax.plot([1, 1 + cd], [1.2, 1.2], color="C3", lw=2)
    ax.text(1 + cd / 2, 1.35, "CD", ha="center", color="C3", fontsize=8)
    half = int(np.ceil(k / 2))
    for i, (s, rank) in enumerate(r.items()):
        left = i < half
        y = -(i if left else k - 1 - i) * 0.5 - 0.5
        x_txt = k + 0.4 if not left else 0.6
        ax.plot([rank, rank, x_txt], [0, y, y], color="0.3", lw=0.8)
        ax.text(
            x_txt,
            y,
            f" {s} ({rank:.2f}) " if left else f" ({rank:.2f}) {s} ",
            ha="right" if left else "left",
            va="center",
            fontsize=8,
        )
    vals, y = r.to_numpy(), -0.2
    for i in range(k):  # maximal cliques of non-significant differences
        j = max(j for j in range(i, k) if vals[j] - vals[i] < cd)
        if j > i and not (i > 0 and vals[j] - vals[i - 1] < cd):
            ax.plot([vals[i], vals[j]], [y, y], color="C0", lw=3, solid_capstyle="round")
            y -= 0.18
    fig.suptitle(title)
    return fig


@figure
def mteb_vs_gain(scores, mteb=None, baseline="random", value="aulc"):
    """Each strategy's mean AULC gain over ``baseline`` against encoder MTEB score.

    ``scores`` is :func:`alcore.science.analysis.aulc`'s table; the legend gives Spearman's rho from
    :func:`alcore.science.stats.mteb_gain_correlation` (NaN with fewer than three scored encoders).
    """
    title = f"AULC gain over {baseline} against encoder MTEB score"
    if scores.empty or baseline not in set(scores["strategy"]):
        return _empty(title, f"no AULC scores with the baseline {baseline!r}")
    d = S.paired_vs_baseline(scores, baseline, value)
    q = A.encoder_quality(d["encoder"].unique(), mteb).dropna()
    if q.empty:
        return _empty(title, "no encoder in the store has an MTEB score")
    rho = S.mteb_gain_correlation(scores, mteb, baseline, value, n_boot=200).set_index("strategy")
    gain = d[d["encoder"].isin(q.index)].groupby(["strategy", "encoder"])["diff"].mean()
    strategies = _order(gain.index.get_level_values(0).unique())
    colors = strategy_colors(strategies)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
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
        ax.annotate(e, (x, ax.get_ylim()[0]), fontsize=7, rotation=90, va="bottom", color="0.4")
    ax.axhline(0, color="0.3", lw=0.8, ls="--")
    ax.set(xlabel="encoder MTEB score", ylabel=f"{value} gain over {baseline}")
    ax.legend(fontsize=7, ncols=2)
    fig.suptitle(title)
    return fig


@figure
def probe_quality_vs_gain(scores, upper_bounds, baseline="random", value="aulc"):
    """Each strategy's mean AULC gain over ``baseline`` against measured embedding quality.

    Quality is the linear-probe accuracy of each (dataset, encoder)
    (:func:`alcore.science.analysis.probe_quality`); one panel per strategy, one line per dataset
    through its encoders (sorted by quality), so a rising line means: on this task, the
    better encoder gives this strategy the larger gain. Panel titles give the within-dataset
    Spearman rho (:func:`alcore.science.stats.within_dataset_spearman`, the point estimate of
    :func:`alcore.science.stats.probe_gain_correlation`).
    """
    title = f"AULC gain over {baseline} against linear-probe accuracy (per dataset)"
    if scores.empty or baseline not in set(scores["strategy"]):
        return _empty(title, f"no AULC scores with the baseline {baseline!r}")
    if upper_bounds is None or upper_bounds.empty:
        return _empty(title, "no full-data accuracies (upper bounds) in the store")
    q = A.probe_quality(upper_bounds)
    d = S.paired_vs_baseline(scores, baseline, value)
    gain = d.groupby(["strategy", "dataset", "encoder"])["diff"].mean()
    strategies = _order(gain.index.get_level_values(0).unique())
    datasets = sorted(gain.index.get_level_values(1).unique())
    pal = dict(zip(datasets, sns.color_palette("tab10", max(len(datasets), 1))))
    fig, axes = _grid(len(strategies), ncols=4, size=(3.4, 2.8))
    for ax, s in zip(axes, strategies):
        for ds, g in gain.loc[s].groupby(level=0):
            pts = pd.DataFrame({"q": q.reindex(g.index).to_numpy(), "g": g.to_numpy()})
            pts = pts.dropna().sort_values("q")
            ax.plot(
                pts["q"],
                pts["g"],
                marker="o",
                ms=3,
                lw=1,
                color=pal[ds],
                label=ds if s == strategies[0] else None,
            )
        ax.axhline(0, color="0.3", lw=0.8, ls="--")
        r = S.within_dataset_spearman(q, gain.loc[s])[0]
        ax.set_title(f"{s} (rho = {r:+.2f})" if np.isfinite(r) else s, fontsize=9)
        ax.set_xlabel("linear-probe accuracy", fontsize=8)
        ax.set_ylabel(f"{value} gain", fontsize=8)
    fig.legend(loc="outside lower center", ncols=min(len(datasets), 7), fontsize=7)
    fig.suptitle(title)
    return fig


@figure
def bench_query_time(bench):
    """Seconds per query (log scale) of each strategy, alcore beside scikit-activeml.

    ``bench`` is ``book/data/bench_strategies.csv``; one panel per setting (pool size x
    dimension). A strategy that did not run (out of memory, timed out) is marked with its
    status instead of a bar.
    """
    title = "Seconds per query (batch of 100), alcore vs scikit-activeml"
    if bench is None or bench.empty:
        return _empty(title, "no benchmark table: run `alcore bench strategies`")

    known = list(SETTINGS)
    settings = sorted(
        dict.fromkeys(bench["setting"]),
        key=lambda s: (known.index(s) if s in known else len(known), s),
    )
    fig, axes = _grid(len(settings), ncols=3, size=(5.0, 3.4))
    impls, colors = ("alcore", "skactiveml"), {"alcore": "tab:blue", "skactiveml": "tab:gray"}
    for ax, setting in zip(axes, settings):
        d = bench[bench["setting"] == setting]
        strategies = _order(d["strategy"])
        x = np.arange(len(strategies))
        top = np.nanmax(pd.to_numeric(d["seconds"], errors="coerce").to_numpy(), initial=1.0)
        labelled = set()
        for j, impl in enumerate(impls):
            for i, s in enumerate(strategies):
                row = d[(d["strategy"] == s) & (d["impl"] == impl)]
                if row.empty:
                    continue
                sec = pd.to_numeric(row["seconds"], errors="coerce").iloc[0]
                xpos = i + (j - 0.5) * 0.4
                if np.isfinite(sec) and str(row["status"].iloc[0]) == "ok":
                    ax.bar(
                        xpos,
                        sec,
                        width=0.4,
                        color=colors[impl],
                        label=None if impl in labelled else impl,
                    )
                    labelled.add(impl)
                else:
                    ax.text(
                        xpos,
                        top,
                        str(row["status"].iloc[0]).split(":")[0],
                        rotation=90,
                        ha="center",
                        va="top",
                        fontsize=6,
                        color=colors[impl],
                    )
        first = d.iloc[0]
        ax.set_yscale("log")
        ax.set_xticks(x, strategies, rotation=45, ha="right", fontsize=8)
        ax.set(
            ylabel="seconds per query",
            title=f"{setting}: n={int(first['n']):,}, d={int(first['dim'])}"
            if "n" in d
            else setting,
        )
        if labelled:
            ax.legend(fontsize=7)
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
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    for ds in datasets:
        counts = np.bincount(ds.labels("train"), minlength=len(ds.classes))
        share = np.sort(counts)[::-1] / counts.sum()
        ax.plot(np.arange(1, len(share) + 1), share, marker="o", ms=3, label=ds.name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("class rank (largest first)")
    ax.set_ylabel("share of training rows")
    fig.suptitle("Class balance of the offline datasets")
    ax.legend(fontsize=8, ncol=2)
    return fig
