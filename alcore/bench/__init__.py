"""Strategy benchmark: time and peak memory per query, alcore vs scikit-activeml.

Three measurements:

:func:`run_benchmark`
    For every strategy and implementation, one query of ``batch`` samples on seeded synthetic
    data (Gaussian blobs: one normal centre per class, unit-variance noise, float32), with a
    random labelled pool of ``max(batch, 5 * classes)`` samples and a logistic regression fitted
    on it beforehand (not timed; model-based strategies get it with ``fit_clf=False``). Each
    measurement runs in a **fresh subprocess** (``python -m alcore.bench.queries``) so that its peak
    memory is its own, with BLAS/OpenMP threads pinned by ``threadpoolctl`` and the
    ``*_NUM_THREADS`` variables (the count is reported), after a small warm-up query (imports,
    JIT) on other data. ``seconds`` is the wall time of this *cold* query: one-time work that
    alcore caches across cycles (ProbCover's ball graph and delta) is included.
    ``warm_seconds`` times the same query again on the same strategy object: the per-cycle
    cost inside a run once those caches are filled (equal to ``seconds`` up to noise for
    strategies without a cache; see also :func:`full_run_ratio`). ``peak_mb`` is the larger
    of two peaks above the level just before the query: the ``tracemalloc`` peak (exact for
    numpy and Python allocations; measured in a second, untimed query because tracing slows
    allocation down)
    and the process RSS sampled every 2 ms by ``psutil`` in a thread during the timed query
    (catches native buffers of BLAS, faiss or torch that ``tracemalloc`` misses). Runs over the
    per-run timeout are killed (status ``timeout``). scikit-activeml runs whose estimated
    memory (e.g. ProbCover's ``N x N`` float64 distance matrix) exceeds 70 % of the available
    RAM are not started (status ``cannot run: needs X GB``).

:func:`compare_accuracy`
    alcore's and scikit-activeml's strategies driven by the same :func:`alcore.engine.loop.run_al`
    (same seeds, same IPS pool) for a few cycles; alcore should be "the same or better".

:func:`full_run_ratio`
    A whole run (IPS + ``cycles`` cycles) per strategy on a real pool, wall time relative to
    Random, and its CPU time.

:func:`refit_agreement`
    Whole runs with the plain from-scratch LBFGS refit against the warm-started one
    (agreement of the final test predictions, AULC, time); :func:`refit_verdict` applies
    the final-prediction agreement rule (``book/data/refit_agreement.csv``).

:func:`~alcore.bench.equivalence.run_pairs`, :func:`~alcore.bench.equivalence.equivalence_table`
    The equivalence rule for speed-ups that change bits: single-fit agreement and a TOST of
    the AULC over paired whole runs on the real datasets, per strategy
    (``alcore bench equivalence``; ``book/data/equivalence.csv``).

:func:`~alcore.bench.sample.measure_runs`, :func:`~alcore.bench.sample.check_model`
    A seeded sample of a profile's runs, run and timed as the grid runs them
    (``alcore bench sample``), and the cost model checked on runs it was not fitted to
    (``alcore bench cost-check``).

:func:`~alcore.bench.clustering.clustering_backends`
    One TypiClust query's clustering per back-end (alcore's exact k-means, faiss, the
    TypiClust authors' ``KMeans``/``MiniBatchKMeans``) on real pools: CPU time and k-means
    objective (``alcore bench clustering``; ``book/data/bench_clustering.csv``).

:func:`paper_cost`
    A profile's CPU-hours extrapolated from measured whole runs by :func:`cost_model`, and the
    hours on Dask clusters of N workers (``book/data/paper_cost.csv``, read by
    :func:`paper_cost_table`).
"""

from alcore.bench.clustering import BACKENDS, cluster_with, clustering_backends
from alcore.bench.cost import (
    PAPER_COST_WORKERS,
    cost_model,
    paper_cost,
    paper_cost_table,
    store_runs,
    strategy_cost_ratio,
)
from alcore.bench.equivalence import CHANGES, equivalence_table, run_pairs
from alcore.bench.queries import (
    COLUMNS,
    SETTINGS,
    SKACTIVEML,
    SkactivemlStrategy,
    estimate_bytes,
    make_data,
    run_benchmark,
)
from alcore.bench.runs import compare_accuracy, full_run_ratio, refit_agreement, refit_verdict
from alcore.bench.sample import (
    check_model,
    leave_one_dataset_out,
    measure_runs,
    measured_cost,
    sample_configs,
)
from alcore.bench.tables import BENCH_TARGETS, bench_speedups, bench_targets, write_table

__all__ = [
    "BACKENDS",
    "BENCH_TARGETS",
    "CHANGES",
    "COLUMNS",
    "PAPER_COST_WORKERS",
    "SETTINGS",
    "SKACTIVEML",
    "SkactivemlStrategy",
    "bench_speedups",
    "bench_targets",
    "check_model",
    "cluster_with",
    "clustering_backends",
    "compare_accuracy",
    "cost_model",
    "equivalence_table",
    "estimate_bytes",
    "full_run_ratio",
    "leave_one_dataset_out",
    "make_data",
    "measure_runs",
    "measured_cost",
    "paper_cost",
    "paper_cost_table",
    "refit_agreement",
    "refit_verdict",
    "run_benchmark",
    "run_pairs",
    "sample_configs",
    "store_runs",
    "strategy_cost_ratio",
    "write_table",
]
