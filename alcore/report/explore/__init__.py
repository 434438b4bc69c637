"""The results explorer: one small table, one view, drawn by Bokeh in the static book and in
Jupyter.

:func:`explorer_table` condenses the results store into one row per (dataset, encoder,
initial pool, strategy, cycle): the mean, seed range and confidence interval of accuracy,
macro-F1 and the accuracy gain over Random (paired by seed), the running area under the
learning curve, and each seed's best accuracy so far as a share of the full-data accuracy
(what "labels needed to reach X %" needs). :func:`explorer_data` selects one view from it
(learning curves with their seed range, the final ranking with CIs, labels to reach a share of
full-data accuracy, and notes on empty panels and wide intervals); :func:`explorer_figure`
draws that view, :func:`explorer_html` makes a server-free page whose controls run the same
selection in JavaScript (``view.js`` mirrors :mod:`.view` line by line, with BokehJS inlined:
the page loads nothing from outside itself) and :func:`explorer_widget` puts ``ipywidgets``
controls on :func:`explorer_figure` in a live kernel.

Modules: :mod:`.table` (the table), :mod:`.view` (one view's data), :mod:`.draw` (the Bokeh
figures), :mod:`.page` (the static page), :mod:`.widget` (the live-kernel controls).
"""

from alcore.report.explore.draw import explorer_figure
from alcore.report.explore.page import explorer_html, page_weight
from alcore.report.explore.table import METRICS, RANGES, RANK_BY, explorer_table, table_bytes
from alcore.report.explore.view import explorer_csv, explorer_data, view_notes
from alcore.report.explore.widget import explorer_widget

__all__ = [
    "METRICS",
    "RANGES",
    "RANK_BY",
    "explorer_csv",
    "explorer_data",
    "explorer_figure",
    "explorer_html",
    "explorer_table",
    "explorer_widget",
    "page_weight",
    "table_bytes",
    "view_notes",
]
