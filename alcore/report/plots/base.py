"""What every figure shares: the registry and its stamp, the column's size and type, colours,
panel grids with a legend row, log axes and the figure that says why nothing is drawn."""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator, ScalarFormatter

from alcore.engine.strategies import NAMES
from alcore.science import analysis as A

__all__ = [
    "COLUMN_IN",
    "FIGURES",
    "STYLE",
    "empty",
    "figure",
    "grid",
    "is_empty",
    "log_axis",
    "order_names",
    "put_legend",
    "select",
    "share_heatmap",
    "strategy_colors",
    "too_few_strategies",
]

#: the book's text column: 688 px at 96 px per inch, a little less for the figure's margin
COLUMN_IN = 7.0
#: type sizes for a figure shown at its own size in that column (points; 1 pt = 1.33 px)
STYLE = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "figure.titlesize": 10,
    "svg.fonttype": "path",
}
#: one line style and marker per encoder (colour stays the strategy's or the pool's)
ENCODER_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ((0, (5, 1, 1, 1)), "v")]
_STAMP_IN = 0.18  # height kept free at the foot for the "drawn by" line

#: name -> figure function, in the order they are defined (filled by :func:`figure`)
FIGURES = {}


def figure(fn):
    """Register ``fn`` as a figure of the book and stamp what it draws with its name.

    The figure is drawn with the column's type sizes (:data:`STYLE`); the returned Figure
    carries ``drawn by alcore.report.plots.<fn name>`` at its foot, in a strip kept free of
    axes, and the same dotted name as its label (``fig.get_label()``), for the captions.
    """
    name = f"alcore.report.plots.{fn.__name__}"

    @functools.wraps(fn)
    def draw(*args, **kwargs):
        with plt.rc_context(STYLE):
            fig = fn(*args, **kwargs)
        engine = fig.get_layout_engine()
        if engine is not None and hasattr(engine, "set") and "rect" in engine.get():
            foot = _STAMP_IN / fig.get_figheight()
            engine.set(rect=(0, foot, 1, 1 - foot))
        fig.text(
            0.995, 0.005, f"drawn by {name}", ha="right", va="bottom", fontsize=7, color="0.35"
        )
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


def order_names(names):
    """Strategy (or IPS) names in the order of :data:`alcore.engine.strategies.NAMES`."""
    names = list(dict.fromkeys(names))
    return sorted(names, key=lambda n: (NAMES.index(n) if n in NAMES else len(NAMES), n))


def select(t, datasets=None, encoders=None):
    """The rows of ``t`` in ``datasets`` and ``encoders`` (None: all)."""
    if datasets is not None:
        t = t[t["dataset"].isin(datasets)]
    if encoders is not None:
        t = t[t["encoder"].isin(encoders)]
    return t


def panels(t):
    """Sorted datasets and encoders of ``t`` (the panel grid), its strategies and colours."""
    strategies = order_names(t["strategy"].unique())
    ds, es = sorted(t["dataset"].unique()), sorted(t["encoder"].unique())
    return ds, es, strategies, strategy_colors(strategies)


def share_heatmap(m, ax, cmap, **kw):
    """A heatmap of shares in [0, 1], each cell annotated in percent (``kw``: seaborn's)."""
    sns.heatmap(
        m * 100,
        ax=ax,
        vmin=0,
        vmax=100,
        cmap=cmap,
        annot=True,
        fmt=".0f",
        annot_kws={"fontsize": 8},
        **kw,
    )
    ax.tick_params(axis="y", rotation=0)


def empty(title, why):
    """A small figure that says why there is nothing to draw (flagged for :func:`is_empty`)."""
    fig, ax = plt.subplots(figsize=(COLUMN_IN, 1.6), layout="constrained")
    ax.axis("off")
    ax.text(0.5, 0.5, why, ha="center", va="center", wrap=True, fontsize=9)
    fig.suptitle(title)
    fig.alcore_empty = why
    return fig


def too_few_strategies(df, ips=None, need=2):
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


def grid(nrows, ncols, panel_h=2.3, width=COLUMN_IN, legend_items=0, legend_cols=4, **kw):
    """A figure of ``nrows x ncols`` panels in the column's width, and a legend row under them.

    The legend row is a subfigure of its own (``legend_items`` entries in ``legend_cols``
    columns), so the layout keeps it clear of the panels, the title and the "drawn by" line.
    ``kw`` goes to :meth:`Figure.subplots` (``sharex``, ``sharey``, ``squeeze``...).

    Returns
    -------
    fig, axes (2-D array), legend row (a SubFigure for :func:`put_legend`; None without
    legend items)
    """
    leg_rows = int(np.ceil(legend_items / legend_cols)) if legend_items else 0
    leg_h = 0.2 + 0.2 * leg_rows if leg_rows else 0.0
    fig = plt.figure(figsize=(width, panel_h * nrows + 0.6 + leg_h), layout="constrained")
    if leg_rows:
        top, bottom = fig.subfigures(2, 1, height_ratios=[panel_h * nrows + 0.6, leg_h])
    else:
        top, bottom = fig, None
    return fig, top.subplots(nrows, ncols, squeeze=False, **kw), bottom


def flat_grid(n, ncols=2, panel_h=2.3, **kw):
    """``n`` panels, ``ncols`` a row (fewer if ``n`` is smaller); unused panels hidden."""
    ncols = max(1, min(ncols, n))
    fig, axes, leg = grid(int(np.ceil(n / ncols)), ncols, panel_h, **kw)
    for ax in axes.flat[n:]:
        ax.axis("off")
    return fig, list(axes.flat), leg


def put_legend(row, handles, labels, title=None, ncols=4):
    """Fill a legend row of :func:`grid` (no frame, centred)."""
    row.legend(
        handles,
        labels,
        loc="center",
        ncols=max(1, min(ncols, len(labels))),
        frameon=False,
        title=title,
    )


def collect_legend(axes):
    """The handles and labels of every line drawn in ``axes``, each label once."""
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    return handles, labels


def log_axis(ax, axis="x", ticks=None):
    """A log axis with plain tick labels: at ``ticks`` (the values drawn), else at powers of
    ten, and no labels on the minor ticks (they crowd on a short axis: "3x10^1 4x10^1")."""
    a = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    if ticks is not None:
        a.set_major_locator(FixedLocator(sorted(set(ticks))))
        a.set_major_formatter(ScalarFormatter())
        a.set_minor_locator(NullLocator())
    a.set_minor_formatter(NullFormatter())
