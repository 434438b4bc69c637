"""The explorer in a live kernel: ``ipywidgets`` controls on :func:`explorer_figure`."""

from __future__ import annotations

import ipywidgets as W
from bokeh.io import output_notebook, show
from bokeh.resources import INLINE

from alcore.report.explore.draw import explorer_figure
from alcore.report.explore.table import METRICS, RANK_BY, explorer_table
from alcore.report.explore.view import options

__all__ = ["explorer_widget"]


def explorer_widget(results=None, upper_bounds=None, table=None, **view):
    """The explorer as ``ipywidgets`` controls on :func:`explorer_figure` (live kernel only).

    Pass ``results`` and ``upper_bounds`` (the store's tables) or a ready ``table``
    (:func:`explorer_table`); ``view`` sets the first view (``dataset``, ``metric``, ...).
    Returns the widget box; its ``redraw()`` draws the current view and its ``view()`` gives
    the current arguments of :func:`explorer_figure`.
    """
    if table is None:
        if results is None or upper_bounds is None:
            raise ValueError("pass results and upper_bounds, or table=explorer_table(...)")
        table = explorer_table(results, upper_bounds)
    if table.empty:
        raise ValueError("the explorer table is empty: no active-learning runs to show")
    names = options(table)
    lay = W.Layout(width="230px")
    ctl = {
        "dataset": W.Dropdown(options=names["dataset"], description="dataset", layout=lay),
        "encoder": W.Dropdown(options=names["encoder"], description="encoder", layout=lay),
        "ips": W.Dropdown(options=names["ips"], description="IPS", layout=lay),
        "strategies": W.SelectMultiple(
            options=names["strategy"],
            value=names["strategy"],
            description="strategies",
            rows=min(8, len(names["strategy"])),
            layout=lay,
        ),
        "metric": W.Dropdown(
            options=[(v, k) for k, v in METRICS.items()], description="metric", layout=lay
        ),
        "rank_by": W.Dropdown(
            options=[(v, k) for k, v in RANK_BY.items()], description="rank by", layout=lay
        ),
        "share": W.FloatSlider(
            value=0.95, min=0.5, max=1.0, step=0.01, description="share", layout=lay
        ),
    }
    for k, v in view.items():
        if k not in ctl:
            raise ValueError(f"unknown view argument {k!r}; use {list(ctl)}")
        ctl[k].value = tuple(v) if k == "strategies" else v
    out = W.Output()

    def current():
        return {k: (list(c.value) if k == "strategies" else c.value) for k, c in ctl.items()}

    def redraw(*_):
        fig = explorer_figure(table, **current())
        box.figure = fig
        with out:
            out.clear_output(wait=True)
            show(fig)

    box = W.HBox([W.VBox(list(ctl.values())), out])
    box.view, box.redraw = current, redraw
    output_notebook(INLINE, hide_banner=True)
    for c in ctl.values():
        c.observe(redraw, names="value")
    redraw()
    return box
