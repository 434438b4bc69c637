"""Same seed, same numbers: a run pins its own threads (issue 27).

A run's numbers must not depend on the BLAS, OpenMP or faiss threads of the process that
calls it (a notebook, the CLI, a grid worker), nor on ProbCover's ``n_jobs``. The real-data
tests use trec6 x glove50 from the embedding cache, pool capped at 1,000.
"""

import faiss
import numpy as np
import pytest
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_info, threadpool_limits

from alcore.embedding.embed import load_embeddings
from alcore.engine import strategies
from alcore.engine.loop import RUN_THREADS, pin_threads, run_al
from alcore.engine.strategies._arrays import l2_normalize
from alcore.engine.strategies._neighbors import ball_graph
from alcore.runs.experiment import RunConfig, cap_pool
from alcore.runs.grid import run_grid
from alcore.runs.store import ResultStore, load_results

POOL_CAP, BUDGET, CYCLES, K0 = 1000, 40, 3, 10
RESULTS = ["cycle", "n_labelled", "accuracy", "macro_f1", "picked"]


@pytest.fixture(scope="module")
def trec6():
    emb = load_embeddings("trec6", "glove50", progress=False)
    idx = cap_pool(emb.y_train, POOL_CAP, random_state=0)
    return emb.X_train[idx], emb.y_train[idx], emb.X_test, emb.y_test


def _threads():
    """(BLAS/OpenMP thread counts threadpoolctl sees, faiss's) in this process now."""
    return sorted({i["num_threads"] for i in threadpool_info()}), faiss.omp_get_max_threads()


class _Spy:
    """A query strategy (random picks) that records the thread settings it runs under."""

    def __init__(self):
        self.seen = []
        self.rng = np.random.default_rng(0)

    def query(self, X, y, clf=None, fit_clf=True, batch_size=1, **kw):
        self.seen.append(_threads())
        return self.rng.choice(np.flatnonzero(np.isnan(y)), batch_size, replace=False)


def test_run_al_pins_its_threads_and_restores_the_callers():
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5, random_state=0)
    spy = _Spy()
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(2)
    try:
        with threadpool_limits(limits=2):
            outside = _threads()
            run_al(X[:200], y[:200], X[200:], y[200:], k0=10, strategy=spy, budget=40, cycles=3)
            assert _threads() == outside  # the caller's settings are back
    finally:
        faiss.omp_set_num_threads(before)
    assert outside == ([2], 2)
    assert spy.seen == [([RUN_THREADS], RUN_THREADS)] * 3


def test_pin_threads_restores_after_an_error():
    with threadpool_limits(limits=2):
        with pytest.raises(ValueError, match="k0"):
            run_al(np.zeros((5, 2)), [0, 1, 0, 1, 0], np.zeros((2, 2)), [0, 1], k0=9, budget=9)
        assert _threads()[0] == [2]
        with pin_threads(1):
            assert _threads() == ([1], 1)


def _curves(X, y, Xt, yt, limits, **kw):
    faiss.omp_set_num_threads(limits)
    with threadpool_limits(limits=limits):
        return run_al(X, y, Xt, yt, k0=K0, budget=BUDGET, cycles=CYCLES, random_state=3, **kw)


CASES = [("random", s) for s in strategies.NAMES] + [
    (ips, "random") for ips in strategies.IPS_NAMES if ips != "random"
]


@pytest.mark.parametrize(("ips", "strategy"), CASES)
def test_every_strategy_and_ips_same_curves_under_1_and_2_threads(trec6, ips, strategy):
    before = faiss.omp_get_max_threads()
    try:
        one = _curves(*trec6, 1, ips=ips, strategy=strategy)
        two = _curves(*trec6, 2, ips=ips, strategy=strategy)
    finally:
        faiss.omp_set_num_threads(before)
    assert one[RESULTS].equals(two[RESULTS])
    assert one["n_labelled"].iloc[-1] == BUDGET


@pytest.mark.parametrize("strategy", ["margin", "entropy"])
def test_larger_fits_same_curves_under_1_and_2_threads(strategy):
    """trec6 x potion8m on its whole pool up to B = 1,000: fits large enough for OpenBLAS to
    split them over two threads. Without the pin, these uncertainty runs picked differently
    under 1 and 2 threads on the 2-core build machine."""
    emb = load_embeddings("trec6", "potion8m", progress=False)
    data = (emb.X_train, emb.y_train, emb.X_test, emb.y_test)
    before = faiss.omp_get_max_threads()
    try:
        runs = []
        for limits in (1, 2):
            faiss.omp_set_num_threads(limits)
            with threadpool_limits(limits=limits):
                runs.append(
                    run_al(*data, k0=10, strategy=strategy, budget=1000, cycles=5, random_state=1)
                )
    finally:
        faiss.omp_set_num_threads(before)
    assert runs[0][RESULTS].equals(runs[1][RESULTS])


def test_probcover_graph_and_picks_do_not_depend_on_n_jobs(trec6):
    """The restricted graph (here 8 lists, 2 probed) compares list blocks in n_jobs threads:
    the same graph and picks for any n_jobs and any BLAS threads of the caller."""
    X = l2_normalize(trec6[0])
    graphs = [ball_graph(X, 0.4, n_lists=8, n_probe=2, n_jobs=j) for j in (1, 2, 3)]
    with threadpool_limits(limits=2):
        graphs.append(ball_graph(X, 0.4, n_lists=8, n_probe=2, n_jobs=1))
    for indptr, indices in graphs[1:]:
        assert np.array_equal(indptr, graphs[0][0]) and np.array_equal(indices, graphs[0][1])
    exact = ball_graph(X, 0.4)
    assert len(graphs[0][1]) < len(exact[1])  # the restricted search was used
    params = {"approx_above": 500, "n_probe": 2}
    curves = [
        _curves(*trec6, limits, strategy="probcover", strategy_params={**params, "n_jobs": j})
        for limits, j in ((1, 1), (2, 2), (2, 1))
    ]
    faiss.omp_set_num_threads(1)
    for c in curves[1:]:
        assert c[RESULTS].equals(curves[0][RESULTS])


def test_grid_jobs_1_and_2_give_identical_runs_with_their_provenance(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # the grid must pin its runs, not the shell
    configs = [
        RunConfig("trec6", "glove50", ips, K0, s, seed, BUDGET, CYCLES, pool_cap=POOL_CAP)
        for ips, s in CASES
        for seed in (0,)
    ]
    frames = {}
    for jobs in (1, 2):
        s = run_grid(configs, tmp_path / f"j{jobs}", jobs=jobs, progress=False)
        assert (s["done"], s["failed"]) == (len(configs), 0)
        df = load_results(tmp_path / f"j{jobs}")
        frames[jobs] = df.sort_values(["run_key", "cycle"]).reset_index(drop=True)
    assert frames[1][["run_key", *RESULTS]].equals(frames[2][["run_key", *RESULTS]])
    for jobs in (1, 2):
        store = ResultStore(tmp_path / f"j{jobs}")
        for fp in frames[jobs]["prov_fp"].unique():
            record = store.run_provenance(fp)
            assert record["threads"] == RUN_THREADS
            assert record["packages"]["numpy"] == np.__version__
            blas = [lib for lib in record["libraries"] if lib["user_api"] == "blas"]
            assert blas and all(lib["architecture"] for lib in blas)
