"""Statistics for the report, with the (dataset, encoder) cell as the unit of replication.

The functions take per-run scores such as :func:`alcore.science.analysis.aulc`'s table (one
row per run with the config columns and a value column). Seeds of one cell are *not*
independent units for a claim about the study: they share the cell's data and embeddings,
so every test that generalises over cells first averages the seeds (and initial pools) inside
each cell (:func:`cell_means`) and then treats the cells, or the datasets where the cells of
a dataset move together (:func:`dataset_mean_test`), as the units. Claims about one cell use
that cell's runs, blocked by initial pool and seed (:func:`cell_contrasts`). Every random
thing takes ``random_state`` (int, None, ``Generator`` or ``RandomState``:
:func:`alcore.core.checks.check_random_state`).

Where the field's code fits it is used: ``scipy.stats`` (Friedman, Wilcoxon, t tests,
Spearman), ``scikit-posthocs`` (Nemenyi pairwise p-values). Own code is kept where none
fits, and the docstring says why. The modules: :mod:`~alcore.science.stats.basic` (t tests,
intervals, power, multiplicity), :mod:`~alcore.science.stats.ranks` (Friedman-Nemenyi and the
per-cell block ANOVA), :mod:`~alcore.science.stats.quality` (rank correlations with
embedding quality inside datasets).
"""

from alcore.science.stats.basic import (
    CELL,
    RUN_PAIR,
    bootstrap_ci,
    cell_means,
    dataset_mean_test,
    holm,
    mde_t,
    mean_test,
    paired_bootstrap,
    paired_vs_baseline,
    pitman_morgan,
    t_interval,
    wilcoxon_holm,
)
from alcore.science.stats.quality import (
    MDE_Z,
    mteb_gain_correlation,
    probe_gain_correlation,
    within_dataset_permutation,
    within_dataset_spearman,
    within_dataset_spearman_ci,
)
from alcore.science.stats.ranks import block_scores, cell_contrasts, friedman_nemenyi, nemenyi_cd

__all__ = [
    "CELL",
    "MDE_Z",
    "RUN_PAIR",
    "block_scores",
    "bootstrap_ci",
    "cell_contrasts",
    "cell_means",
    "dataset_mean_test",
    "friedman_nemenyi",
    "holm",
    "mde_t",
    "mean_test",
    "mteb_gain_correlation",
    "nemenyi_cd",
    "paired_bootstrap",
    "paired_vs_baseline",
    "pitman_morgan",
    "probe_gain_correlation",
    "t_interval",
    "wilcoxon_holm",
    "within_dataset_permutation",
    "within_dataset_spearman",
    "within_dataset_spearman_ci",
]
