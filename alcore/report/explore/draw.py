"""The explorer's Bokeh figures: learning curves, ranking, labels to reach a share."""

from __future__ import annotations

import numpy as np
from bokeh.layouts import column, row
from bokeh.models import (
    CDSView,
    ColumnDataSource,
    Div,
    FactorRange,
    GroupFilter,
    HoverTool,
    Legend,
    LegendItem,
)
from bokeh.plotting import figure

from alcore.report.explore.table import METRICS, RANK_BY
from alcore.report.explore.view import explorer_data, options, target_text

__all__ = ["explorer_figure", "points"]

CURVES_HEIGHT, PANEL_HEIGHT = 340, 270


def points(curves):
    """The curves' points, one row each, for the hover (``x, y, lo, hi, strategy, color``)."""
    out = {k: [] for k in ("x", "y", "lo", "hi", "strategy", "color")}
    for i, s in enumerate(curves["strategy"]):
        for x, y, lo, hi in zip(curves["xs"][i], curves["ys"][i], curves["lo"][i], curves["hi"][i]):
            for k, v in (("x", x), ("y", y), ("lo", lo), ("hi", hi)):
                out[k].append(v)
            out["strategy"].append(s)
            out["color"].append(curves["color"][i])
    return out


def _by_strategy(factors, name, title, x_axis_label):
    """A panel with one row per strategy, the first on top."""
    return figure(
        height=PANEL_HEIGHT,
        sizing_mode="stretch_width",
        min_width=240,
        y_range=FactorRange(*factors[::-1], name=f"explorer_{name}_range"),
        name=f"explorer_{name}_fig",
        title=title,
        x_axis_label=x_axis_label,
        tools="save",
        toolbar_location="above",
    )


def figures(data, metric, share, rank_by, strategies):
    """The three figures of one view, their data sources and notes (named for the page).

    ``strategies`` are every strategy the controls offer: each gets its own line, band and
    points, so that a click on its legend entry hides it.
    """
    curves = ColumnDataSource(data["curves"], name="explorer_curves")
    pts = ColumnDataSource(points(data["curves"]), name="explorer_points")
    ranking = ColumnDataSource(data["ranking"], name="explorer_ranking")
    reach_data = dict(data["reach"])
    reach_data["bar"] = [0.0 if np.isnan(v) else v for v in reach_data["labels"]]
    reach = ColumnDataSource(reach_data, name="explorer_reach")

    fc = figure(
        height=CURVES_HEIGHT,
        sizing_mode="stretch_width",
        min_width=300,
        name="explorer_curves_fig",
        title=f"Learning curves: {METRICS[metric]} (line: mean, band: seed range)",
        x_axis_label="labelled samples",
        y_axis_label=METRICS[metric],
        tools="pan,wheel_zoom,box_zoom,reset,save",
        toolbar_location="above",
    )
    items, dots = [], []
    for s in strategies:
        view = CDSView(filter=GroupFilter(column_name="strategy", group=s))
        band = fc.patches(
            "band_xs",
            "band_ys",
            source=curves,
            view=view,
            fill_color="color",
            fill_alpha=0.15,
            line_alpha=0,
        )
        line = fc.multi_line("xs", "ys", source=curves, view=view, line_color="color", line_width=2)
        dot = fc.scatter(
            "x",
            "y",
            source=pts,
            view=CDSView(filter=GroupFilter(column_name="strategy", group=s)),
            color="color",
            size=5,
        )
        dots.append(dot)
        items.append(
            LegendItem(
                label=s,
                renderers=[band, line, dot],
                name=f"explorer_legend_{s}",
                visible=s in data["curves"]["strategy"],
            )
        )
    legend = Legend(
        items=items,
        click_policy="hide",
        orientation="horizontal",
        name="explorer_legend",
        label_text_font_size="9pt",
        ncols=4,
    )
    fc.add_layout(legend, "below")
    fc.add_tools(
        HoverTool(
            renderers=dots,
            tooltips=[
                ("strategy", "@strategy"),
                ("labelled samples", "@x{0,0}"),
                (METRICS[metric], "@y{0.000}"),
                ("seed range", "@lo{0.000} to @hi{0.000}"),
            ],
            name="explorer_hover",
        )
    )

    fr = _by_strategy(
        data["ranking"]["strategy"],
        "rank",
        "Ranking (mean, 95% CI over seeds)",
        f"{METRICS[metric]}, {RANK_BY[rank_by]}",
    )
    fr.segment("lo", "strategy", "hi", "strategy", source=ranking, line_color="color", line_width=3)
    ranks = fr.scatter("mean", "strategy", source=ranking, color="color", size=9)
    fr.add_tools(
        HoverTool(
            renderers=[ranks],
            tooltips=[
                ("strategy", "@strategy"),
                ("mean", "@mean{0.000}"),
                ("95% CI", "@lo{0.000} to @hi{0.000}"),
                ("seeds", "@seeds"),
            ],
        )
    )
    fr.title.text_font_size = "9pt"

    fl = _by_strategy(
        data["reach"]["strategy"],
        "reach",
        f"Labels to reach {share:.0%} of full-data accuracy",
        "labelled samples (k/n: k of n seeds reach it)",
    )
    fl.hbar(y="strategy", right="bar", height=0.6, source=reach, fill_color="color", line_alpha=0)
    fl.text(
        x="bar",
        y="strategy",
        text="text",
        source=reach,
        text_font_size="8pt",
        text_baseline="middle",
        x_offset=4,
    )
    fl.x_range.start = 0
    fl.x_range.range_padding = 0.45  # room for the text beside the longest bar
    fl.title.text_font_size = "9pt"
    fl.visible = any(data["reach"]["reached"])
    return {
        "curves": curves,
        "points": pts,
        "ranking": ranking,
        "reach": reach,
        "legend": legend,
        "fc": fc,
        "fr": fr,
        "fl": fl,
        "rank_range": fr.y_range,
        "reach_range": fl.y_range,
        "target": Div(text=target_text(data["target"]), name="explorer_target"),
        "notes": Div(text=data["notes"], name="explorer_notes", sizing_mode="stretch_width"),
    }


def explorer_figure(
    table, dataset, encoder, ips, strategies=None, metric="accuracy", share=0.95, rank_by="final"
):
    """The explorer's view as a Bokeh layout: learning curves, ranking, labels to reach.

    Same parameters as :func:`explorer_data`, which computes what is drawn.
    """
    data = explorer_data(table, dataset, encoder, ips, strategies, metric, share, rank_by)
    f = figures(data, metric, share, rank_by, options(table)["strategy"])
    foot = Div(text="<small>drawn by alcore.report.explore.explorer_figure</small>")
    return column(
        f["fc"],
        row(f["fr"], f["fl"], sizing_mode="stretch_width"),
        f["notes"],
        f["target"],
        foot,
        sizing_mode="stretch_width",
    )
