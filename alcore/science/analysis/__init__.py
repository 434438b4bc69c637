"""Tables behind the report: accuracies, paired differences, AULC, win rates, top shares.

Every function takes the results store's tidy table (one row per run and cycle, schema in
ARCHITECTURE.md, as returned by :func:`alcore.runs.store.load_results`) and returns a pandas
DataFrame. :mod:`~alcore.science.analysis.curves` reads the learning curves (accuracies,
AULC, IPS gains, embedding quality); :mod:`~alcore.science.analysis.tables` draws the paper's
comparisons of strategies (Fig. 4's win rates, Figs. 5 and 7's top shares, Table 5's run
times, the recommendation). Statistical tests live in :mod:`alcore.science.stats`.
"""

from alcore.science.analysis.curves import (  # noqa: F401 (_check: explore's schema check)
    CONFIG,
    METRICS,
    _check,
    al_part,
    aulc,
    curve_aulc,
    cycle_accuracy,
    encoder_part,
    encoder_quality,
    final_accuracy,
    ips_accuracy_by_k0,
    ips_al_part,
    ips_gain_by_cycle,
    ips_part,
    ips_winners,
    labels_to_reach,
    ladder_part,
    loo_probe_quality,
    paired_differences,
    probe_quality,
    select,
)
from alcore.science.analysis.tables import (
    BLOCK,
    FIG4_BLOCK,
    recommend,
    runtime_summary,
    runtime_table,
    table5,
    top_share,
    top_share_by_cycle,
    win_rate_matrix,
    win_rates,
)

__all__ = [
    "BLOCK",
    "CONFIG",
    "FIG4_BLOCK",
    "METRICS",
    "al_part",
    "aulc",
    "curve_aulc",
    "cycle_accuracy",
    "encoder_part",
    "encoder_quality",
    "final_accuracy",
    "ips_accuracy_by_k0",
    "ips_al_part",
    "ips_gain_by_cycle",
    "ips_part",
    "ips_winners",
    "labels_to_reach",
    "ladder_part",
    "loo_probe_quality",
    "paired_differences",
    "probe_quality",
    "recommend",
    "runtime_summary",
    "runtime_table",
    "select",
    "table5",
    "top_share",
    "top_share_by_cycle",
    "win_rate_matrix",
    "win_rates",
]
