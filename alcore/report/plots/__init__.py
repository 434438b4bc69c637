"""Every figure of the report, one function each; each returns a matplotlib Figure.

Functions are named for what they draw; the docstring and the book's caption name the paper
figure they reproduce. Each is registered with :func:`figure`, which stamps the Figure, in
small print at its foot, with the function that drew it (``drawn by
alcore.report.plots.top_share_by_ips``; also the Figure's label, ``fig.get_label()``),
taken from the function's own name. The functions take the results store's tidy table
(:func:`alcore.runs.store.load_results`) or a table from :mod:`alcore.science.analysis` /
:mod:`alcore.science.stats`, and never write files. Strategies always appear in the order of
:data:`alcore.engine.strategies.NAMES`.

Every figure is drawn for the book's text column (:data:`COLUMN_IN` inches, shown at its own
size: the type stays legible), with its legend in a row of its own under the panels.

Where the data cannot make the figure (no runs of the kind it needs), a function returns a
small figure saying why, flagged so that :func:`is_empty` tells it apart.

Modules: :mod:`.base` (registry, sizes, colours, grids), :mod:`.ips` (paper Figs. 1-4, 8),
:mod:`.strategies` (Figs. 5-7, 9, 10, ranks), :mod:`.quality` (embedding quality against
gain), :mod:`.engineering` (query times, class balance).
"""

from alcore.report.plots.base import (
    COLUMN_IN,
    FIGURES,
    figure,
    is_empty,
    order_names,
    strategy_colors,
)
from alcore.report.plots.engineering import bench_query_time, class_balance
from alcore.report.plots.ips import (
    ips_accuracy_vs_k0,
    ips_gain_grid,
    ips_gain_over_cycles,
    ips_win_share_by_k0,
    win_rate_matrices,
)
from alcore.report.plots.quality import mteb_vs_gain, probe_quality_vs_gain
from alcore.report.plots.strategies import (
    critical_difference_diagram,
    learning_curves,
    top_share_by_encoder_and_dataset,
    top_share_by_ips,
    top_share_over_cycles,
)

__all__ = [
    "COLUMN_IN",
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
    "order_names",
    "probe_quality_vs_gain",
    "strategy_colors",
    "top_share_by_encoder_and_dataset",
    "top_share_by_ips",
    "top_share_over_cycles",
    "win_rate_matrices",
]
