"""TypiClust and ProbCover: faithful to the papers, equivalent to scikit-activeml 1.0.1."""

import itertools
import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from alcore.engine.strategies import get
from alcore.engine.strategies import probcover as probcover_mod
from alcore.engine.strategies import typiclust as typiclust_mod
from alcore.engine.strategies._arrays import l2_normalize
from alcore.engine.strategies._neighbors import (
    _ivf_pairs,
    _symmetric_csr,
    ball_graph,
    nearest_other_label_distance,
)
from alcore.engine.strategies.probcover import (
    ProbCover,
    coverage,
    estimate_delta,
    purity_settled,
)
from alcore.engine.strategies.typiclust import TypiClust, n_clusters_for, typicality

skpool = pytest.importorskip("skactiveml.pool")
pytestmark = pytest.mark.filterwarnings("ignore:The maximum purity:UserWarning")


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(300, n_features=8, centers=5, cluster_std=2.0, random_state=0)
    return X, y


def _partial(y_true, idx):
    y = np.full(len(y_true), np.nan)
    y[idx] = y_true[idx]
    return y


def _pure_typi(**kw):
    base = {
        "k": 5,
        "min_cluster_size": 0,
        "max_clusters": None,
        "normalize": False,
        "clusterer": KMeans(n_init=1, random_state=0),
    }
    return TypiClust(random_state=0, **{**base, **kw})


# ---- TypiClust -------------------------------------------------------------------------
@pytest.mark.parametrize("labelled", [[], [0, 5, 17, 40]])
def test_typiclust_equals_skactiveml_with_same_clustering(blobs, labelled):
    X, yt = blobs
    y = _partial(yt, labelled)
    ours = _pure_typi().query(X, y, batch_size=6)
    ref = skpool.TypiClust(
        k=5, cluster_algo_dict={"n_init": 1, "random_state": 0}, random_state=0
    ).query(X, y, batch_size=6)
    assert sorted(ours) == sorted(ref)


def test_typiclust_picks_typical_points_of_uncovered_clusters(blobs):
    X, yt = blobs
    labelled = [0, 5, 17]
    y = _partial(yt, labelled)
    km = KMeans(n_clusters=len(labelled) + 4, n_init=1, random_state=0).fit(X)
    picks = _pure_typi().query(X, y, batch_size=4)
    covered = set(km.labels_[labelled])
    assert not covered & set(km.labels_[picks])
    assert len(set(km.labels_[picks])) == 4  # one pick per uncovered cluster
    for p in picks:  # each pick is its cluster's most typical sample
        members = np.flatnonzero(km.labels_ == km.labels_[p])
        assert p == members[np.argmax(typicality(X[members], 5))]


def test_typicality_is_inverse_mean_knn_distance():
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    t = typicality(X, k=1)  # k capped at n // 2 = 2 -> 1 stays
    np.testing.assert_allclose(1 / t - 1e-5, [1, 1, 2, 4], rtol=1e-6)


def test_typiclust_ips_cap_and_min_cluster_size(blobs):
    X, _ = blobs
    y = np.full(len(X), np.nan)
    s = TypiClust(max_clusters=3, random_state=1)
    picks, util = s.query(X, y, batch_size=7, return_utilities=True)
    assert len(set(picks)) == 7 and util.shape == (7, len(X))
    # more picks than (capped) clusters: cycles through the 3 clusters
    lab = KMeans(3, n_init="auto", random_state=0).fit_predict(X)
    assert len(set(lab[picks])) >= 2
    # all clusters tiny: the size filter falls back to every cluster
    tiny = TypiClust(min_cluster_size=10**6, random_state=0).query(X[:40], y[:40], batch_size=3)
    assert len(set(tiny)) == 3


def test_typiclust_candidates_and_reproducible(blobs):
    X, yt = blobs
    y = _partial(yt, [1, 2])
    cand = np.arange(100, 200)
    a = TypiClust(random_state=3).query(X, y, candidates=cand, batch_size=5)
    b = TypiClust(random_state=3).query(X, y, candidates=cand, batch_size=5)
    assert np.array_equal(a, b) and set(a) <= set(cand) and len(set(a)) == 5
    assert (
        get("typiclust", random_state=3).query(X, y, candidates=cand, batch_size=5).tolist()
        == a.tolist()
    )


def test_typiclust_minibatch_path_and_bad_params(blobs):
    X, _ = blobs
    y = np.full(len(X), np.nan)
    picks = TypiClust(fast_kmeans_above=100, random_state=0).query(X, y, batch_size=4)
    assert len(set(picks)) == 4
    with pytest.raises(ValueError, match="'k' parameter"):
        TypiClust(k=0).query(X, y)
    with pytest.raises(ValueError, match="max_clusters"):
        TypiClust(max_clusters=0).query(X, y)


def test_n_clusters_rule():
    # the original rule where the pool is large enough: min(|L| + B, 500)
    assert n_clusters_for(40, 60, 50_000) == 100
    assert n_clusters_for(900, 100, 50_000) == 500
    assert n_clusters_for(900, 100, 6_000) == 500  # 12 per cluster exactly
    # small pools: one cluster per 2 * (min_cluster_size + 1) = 12 samples
    assert n_clusters_for(400, 100, 2_000) == 166
    assert n_clusters_for(0, 3, 20) == 1
    assert n_clusters_for(0, 1, 5) == 1
    assert n_clusters_for(0, 50, 300, min_cluster_size=2) == 50
    assert n_clusters_for(400, 100, 2_000, max_clusters=None, min_mean_cluster_size=1) == 500
    assert n_clusters_for(400, 100, 2_000, max_clusters=None) == 166


@pytest.mark.parametrize(
    ("n_pool", "n_lab", "batch"), [(2_000, 400, 100), (600, 0, 60), (300, 20, 5), (60, 10, 30)]
)
def test_typiclust_small_pools_no_empty_or_mostly_skipped_clusters(
    n_pool, n_lab, batch, monkeypatch
):
    """Whatever k0 and pool it meets, the clustering has no empty cluster and most clusters
    pass the size filter (at 2,000 samples the original 500 clusters left ~4 a cluster)."""
    X, yt = make_blobs(n_pool, n_features=16, centers=6, cluster_std=3.0, random_state=1)
    y = _partial(yt, np.random.default_rng(0).choice(n_pool, n_lab, replace=False))
    seen = []
    real = typiclust_mod.cluster_labels

    def spy(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(typiclust_mod, "cluster_labels", spy)
    picks = TypiClust(random_state=0).query(X, y, batch_size=batch)
    assert len(set(picks)) == batch and np.isnan(y[picks]).all()
    k = n_clusters_for(n_lab, batch, n_pool)
    sizes = np.bincount(seen[0][0], minlength=k)
    assert len(sizes) == k and (sizes > 0).all()
    if n_pool >= 12:
        assert np.mean(sizes > 5) > 0.5


@pytest.mark.parametrize("fast_kmeans_above", [10_000, 100])
def test_typiclust_warm_start_continues_the_previous_clustering(fast_kmeans_above):
    """A second query on the same pool starts k-means at the first query's centres: with the
    same number of clusters the clustering (nearly) stays; with more clusters the old
    centres are kept as a start; another pool, or ``warm_start=False``, starts afresh."""
    X, yt = make_blobs(1200, n_features=16, centers=6, cluster_std=3.0, random_state=1)
    y = _partial(yt, np.arange(0, 1200, 40))  # 30 labelled
    qs = TypiClust(random_state=0, fast_kmeans_above=fast_kmeans_above, warm_start=True)
    qs.query(X, y, batch_size=20)
    key, first = qs.centres_
    assert first.shape == (n_clusters_for(30, 20, 1200), 16)
    qs.query(X, y, batch_size=20)  # same k: Lloyd from converged centres barely moves
    assert qs.centres_[0] == key
    assert np.abs(qs.centres_[1] - first).max() < 0.05
    qs.query(X, y, batch_size=40)  # more clusters: the old centres seed the new k-means
    assert len(qs.centres_[1]) == n_clusters_for(30, 40, 1200) > len(first)
    qs.query(X[:600], y[:600], batch_size=5)  # another pool: a fresh start
    assert qs.centres_[0] != key
    cold = TypiClust(random_state=0)  # the default: a fresh start every query
    cold.query(X, y, batch_size=20)
    assert not hasattr(cold, "centres_")


def test_typiclust_warm_start_changes_nothing_in_a_first_query():
    """Without previous centres the warm and the cold object pick the same samples; the
    second queries draw from the same random stream but start k-means elsewhere."""
    X, yt = make_blobs(800, n_features=8, centers=5, cluster_std=2.0, random_state=2)
    y = _partial(yt, np.arange(0, 800, 50))
    cold = TypiClust(random_state=5)
    warm = TypiClust(random_state=5, warm_start=True)
    assert cold.query(X, y, batch_size=10).tolist() == warm.query(X, y, batch_size=10).tolist()
    assert len(set(warm.query(X, y, batch_size=10))) == 10


def test_typiclust_gram_keeps_the_picks_of_consecutive_queries():
    """From a pool's second query on, the k-means++ seeding reads the pool's Gram matrix:
    the picks of a run of queries are those of ``gram=False``; another pool starts over."""
    X, yt = make_blobs(900, n_features=8, centers=6, cluster_std=2.0, random_state=4)
    lab = np.arange(0, 900, 60)
    fast, slow = TypiClust(random_state=1), TypiClust(random_state=1, gram=False)
    for step in range(4):
        y = _partial(yt, lab)
        a, b = fast.query(X, y, batch_size=12), slow.query(X, y, batch_size=12)
        assert a.tolist() == b.tolist()
        assert (fast.gram_[1] is None) == (step == 0)
        lab = np.concatenate([lab, a])
    assert not hasattr(slow, "gram_")
    np.testing.assert_allclose(fast.gram_[1], l2_normalize(X) @ l2_normalize(X).T)
    fast.query(X[:500], np.full(500, np.nan), batch_size=5)
    assert fast.gram_[1] is None


# ---- ProbCover -------------------------------------------------------------------------
def _dense_graph(X, delta):
    d = np.linalg.norm(X[:, None] - X[None], axis=-1)
    return d < delta


def test_ball_graph_matches_dense(blobs):
    X, _ = blobs
    indptr, indices = ball_graph(X, 3.0)
    dense = np.zeros((len(X), len(X)), bool)
    dense[np.repeat(np.arange(len(X)), np.diff(indptr)), indices] = True
    assert np.array_equal(dense, _dense_graph(X, 3.0))


def _edges(indptr, indices):
    return set(
        zip(np.repeat(np.arange(len(indptr) - 1), np.diff(indptr)).tolist(), indices.tolist())
    )


def test_restricted_graph_is_a_subgraph_and_exact_when_every_list_is_probed():
    X = l2_normalize(make_blobs(1500, n_features=12, centers=8, cluster_std=2.0, random_state=3)[0])
    exact = _edges(*ball_graph(X, 0.5))
    assert len(exact) > 5 * len(X)  # balls hold neighbours, not only themselves
    full = _edges(*_symmetric_csr(*_ivf_pairs(X, 0.25, 6, 6, 0, False), len(X)))
    assert full == exact
    part = _edges(*ball_graph(X, 0.5, n_lists=6, n_probe=2))
    assert part <= exact and len(part) > 0.9 * len(exact)


def test_restricted_graph_is_the_same_in_any_number_of_threads():
    X = l2_normalize(make_blobs(3000, n_features=12, centers=8, cluster_std=2.0, random_state=4)[0])
    one = ball_graph(X, 0.5, n_lists=40, n_probe=4, n_jobs=1)
    assert len(one[1]) > 2 * len(X)  # the balls hold neighbours
    for jobs in (2, 3):
        many = ball_graph(X, 0.5, n_lists=40, n_probe=4, n_jobs=jobs)
        np.testing.assert_array_equal(many[0], one[0])
        np.testing.assert_array_equal(many[1], one[1])


@pytest.mark.parametrize("n_labelled", [0, 30])
def test_restricted_graph_keeps_the_coverage_objective(n_labelled):
    """Large pools use the restricted (IVF) search: the coverage its greedy attains, measured
    with the exact delta-balls, is within 1 point of the exact graph's (here forced on a
    3,000-sample pool split into 6 lists, 2 probed)."""
    X, yt = make_blobs(3000, n_features=16, centers=6, cluster_std=2.5, random_state=5)
    y = _partial(yt, np.arange(n_labelled))
    delta = 0.35
    for batch in (10, 60):
        exact = ProbCover(delta=delta, approx_above=None, random_state=0).query(
            X, y, batch_size=batch
        )
        approx = ProbCover(delta=delta, approx_above=0, n_probe=2, random_state=0).query(
            X, y, batch_size=batch
        )
        cover = np.concatenate([np.arange(n_labelled), exact]).astype(int)
        cover_a = np.concatenate([np.arange(n_labelled), approx]).astype(int)
        assert coverage(X, cover_a, delta) >= coverage(X, cover, delta) - 0.01, batch


def test_probcover_small_pools_use_the_exact_graph(blobs, monkeypatch):
    from alcore.engine.strategies import probcover as pc

    seen = []
    real = pc.ball_graph
    monkeypatch.setattr(pc, "ball_graph", lambda *a: seen.append(a[3]) or real(*a))
    ProbCover(n_classes=5, random_state=0).query(blobs[0], np.full(300, np.nan), batch_size=3)
    assert seen == [None]


@pytest.mark.parametrize("labelled", [[], [0, 5, 17]])
def test_probcover_greedy_equals_skactiveml_step_by_step(blobs, labelled):
    """Same gains as scikit-activeml at every step; each pick is one of its argmaxes."""
    X, yt = blobs
    y = _partial(yt, labelled)
    picks, util = ProbCover(delta=3.0, normalize=False, random_state=0).query(
        X, y, batch_size=8, return_utilities=True
    )
    for b in range(8):
        yy = y.copy()
        yy[picks[:b]] = 0  # scikit-activeml: non-candidates cover
        _, ref = skpool.ProbCover(deltas=[3.0], random_state=0).query(
            X, yy, batch_size=1, return_utilities=True
        )
        np.testing.assert_array_equal(util[b], ref[0])
        assert ref[0][picks[b]] == np.nanmax(ref[0])


def test_probcover_batch_coverage_matches_skactiveml(blobs):
    X, yt = blobs
    y = _partial(yt, [0, 5, 17])
    L = [0, 5, 17]
    ours = ProbCover(delta=3.0, normalize=False, random_state=0).query(X, y, batch_size=10)
    ref = skpool.ProbCover(deltas=[3.0], random_state=0).query(X, y, batch_size=10)
    c_ours = coverage(X, np.r_[L, ours], 3.0, normalize=False)
    c_ref = coverage(X, np.r_[L, ref], 3.0, normalize=False)
    assert abs(c_ours - c_ref) <= 0.02  # greedy ties broken by different random draws


def test_delta_estimate_equals_skactiveml(blobs):
    X, yt = blobs
    y = _partial(yt, [0, 1])
    grid = np.arange(0.5, 15.01, 0.5)
    delta, purity = estimate_delta(
        X, 5, 0.95, grid, random_state=0, clusterer=KMeans(n_init=1, random_state=0)
    )
    ref = skpool.ProbCover(
        n_classes=5, deltas=grid, random_state=0, cluster_algo_dict={"n_init": 1, "random_state": 0}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.query(X, y)
    assert delta == ref.delta_max_ and purity >= 0.95
    # subsampled purity (large-pool path) lands on the same grid point here
    sub, _ = estimate_delta(
        X,
        5,
        0.95,
        grid,
        max_samples=200,
        random_state=0,
        clusterer=KMeans(n_init=1, random_state=0),
    )
    assert abs(sub - delta) <= 0.5


def _counting_balls(monkeypatch):
    """Record how many balls each purity pass measures."""
    calls, real = [], probcover_mod.nearest_other_label_distance

    def counting(X, labels, q):
        calls.append(len(q))
        return real(X, labels, q)

    monkeypatch.setattr(probcover_mod, "nearest_other_label_distance", counting)
    return calls


def test_purity_early_stop_keeps_the_answer_and_measures_fewer_balls(monkeypatch):
    # well separated blobs: purity is 1 up to the blobs' radius and falls steeply past it
    X, _ = make_blobs(4000, n_features=16, centers=4, cluster_std=1.0, random_state=3)
    X = l2_normalize(X)
    calls = _counting_balls(monkeypatch)
    full = estimate_delta(X, 4, max_samples=1600, random_state=0, early_stop=False)
    assert calls == [1600]
    calls.clear()
    early = estimate_delta(X, 4, max_samples=1600, random_state=0, early_stop=True)
    assert early[0] == full[0]
    assert sum(calls) < 1600 and calls[0] == 200  # stopped at a look: 1/8, 1/4 or 1/2


def test_purity_early_stop_without_a_stop_is_the_full_estimate(monkeypatch):
    # alpha at the purity of a radius: no bound can settle it, so every ball is measured
    X, _ = make_blobs(3000, n_features=16, centers=4, cluster_std=3.0, random_state=1)
    X = l2_normalize(X)
    grid = np.round(np.arange(0.05, 2.0001, 0.05), 2)
    full = estimate_delta(X, 4, 0.5, grid, max_samples=800, random_state=0)
    p_chosen = full[1]  # purity at the chosen radius: alpha there is undecidable
    calls = _counting_balls(monkeypatch)
    early = estimate_delta(X, 4, p_chosen, grid, max_samples=800, random_state=0, early_stop=True)
    ref = estimate_delta(X, 4, p_chosen, grid, max_samples=800, random_state=0, early_stop=False)
    assert sum(calls) == 1600 and calls[:3] == [100, 100, 200]  # looks, then the rest, then ref
    assert early == ref


@pytest.mark.parametrize(
    ("pure_at", "n", "settled"),
    [
        ([1.0, 1.0, 0.5], 250, True),  # 250 of 250 pure, then half: settled at 250 balls
        ([1.0, 1.0, 0.5], 50, False),  # 50 of 50 pure: the lower bound is below 0.95
        ([1.0, 0.96, 0.5], 250, False),  # 0.96 at the chosen radius: too close to 0.95
        ([1.0, 0.99, 0.94], 1000, False),  # 0.94 at the next radius: too close to 0.95
        ([1.0, 0.99, 0.88], 1000, True),
        ([0.5, 0.4, 0.3], 250, True),  # impure at the smallest radius (the warning case)
        ([1.0, 1.0, 1.0], 500, True),  # pure at every radius: the last one is chosen
    ],
)
def test_purity_settled_needs_both_neighbours_of_the_answer(pure_at, n, settled):
    deltas = [0.1, 0.2, 0.3]
    # distances that make exactly round(p * n) balls pure at each radius
    d = np.full(n, 0.05)
    for dl, p in zip(deltas, pure_at):
        d[: round(p * n)] = dl + 0.01
    assert purity_settled(d, deltas, 0.95) is settled


def test_nearest_other_label_distance_brute_force(blobs):
    X, _ = blobs
    lab = np.arange(len(X)) % 3
    q = np.arange(0, len(X), 7)
    d = np.linalg.norm(X[q, None] - X[None], axis=-1)
    d[lab[q][:, None] == lab[None]] = np.inf
    np.testing.assert_allclose(nearest_other_label_distance(X, lab, q), d.min(1), rtol=1e-4)
    every = np.arange(len(X))  # all rows: the per-label faiss search (small pools)
    np.testing.assert_allclose(nearest_other_label_distance(X, lab, every)[q], d.min(1), rtol=1e-4)


def test_probcover_coverage_grows_and_fallback(blobs):
    X, _ = blobs
    y = np.full(len(X), np.nan)
    picks = ProbCover(delta=0.6, random_state=0).query(X, y, batch_size=12)
    covs = [coverage(X, picks[:b], 0.6) for b in range(1, 13)]
    assert all(b >= a for a, b in itertools.pairwise(covs)) and covs[-1] > covs[0]
    # a huge delta: the first pick covers everything, the rest are random, all distinct
    many = ProbCover(delta=10.0, random_state=0).query(X, y, batch_size=5)
    assert coverage(X, many[:1], 10.0) == 1.0 and len(set(many)) == 5


def test_probcover_ips_estimates_delta_candidates_and_reproducible(blobs):
    X, yt = blobs
    y = np.full(len(X), np.nan)
    s = get("probcover", n_classes=5, random_state=2)
    a = s.query(X, y, batch_size=5)
    assert 0 < s.delta_ <= 2 and len(set(a)) == 5
    b = ProbCover(n_classes=5, random_state=2, cache=False).query(X, y, batch_size=5)
    assert np.array_equal(a, b)
    y2 = _partial(yt, [3, 4])
    cand = np.arange(50, 120)
    c = ProbCover(n_classes=5, random_state=2).query(X, y2, candidates=cand, batch_size=6)
    assert set(c) <= set(cand) and len(set(c)) == 6


def test_probcover_bad_params(blobs):
    X, _ = blobs
    y = np.full(len(X), np.nan)
    with pytest.raises(ValueError, match="'delta' parameter"):
        ProbCover(delta=-1.0).query(X, y)
    with pytest.raises(ValueError, match="alpha"):
        ProbCover(alpha=1.5, cache=False).query(X, y)
    with pytest.raises(ValueError, match="n_classes"):
        ProbCover(n_classes=1, cache=False).query(X, y)
    with pytest.raises(ValueError, match="deltas"):
        ProbCover(deltas=[-1.0, 0.5], cache=False).query(X, y)


def test_restricted_graph_splits_crowded_lists_and_stays_exact_when_all_are_probed():
    """A pool where one k-means list would hold most samples: that list is split (no list
    above twice the mean afterwards is what the split aims at), and comparing every pair of
    the resulting lists, each once, still finds exactly the exact graph's edges."""
    from alcore.engine.strategies._neighbors import _nearest_centres, _split_large_lists

    rng = np.random.default_rng(0)
    crowd = rng.normal(0, 0.05, (1800, 8)) + 1.0
    rest = rng.normal(0, 1.0, (200, 8))
    X = l2_normalize(np.vstack([crowd, rest]))
    C = l2_normalize(np.vstack([X[:1], X[1800:1809]]))  # 10 lists, one takes the crowd
    home = _nearest_centres(X, C, 1)[:, 0]
    assert np.bincount(home).max() > 1000
    new_home, new_C = _split_large_lists(X, home, C.copy(), len(X) / 10, 0)
    assert len(new_C) > 10 and np.bincount(new_home).max() < np.bincount(home).max() / 2
    exact = _edges(*ball_graph(X, 0.05))
    assert len(exact) > 3 * len(X)
    full = _edges(*_symmetric_csr(*_ivf_pairs(X, 0.05**2, 10, 10_000, 0, False), len(X)))
    X64 = X.astype(np.float64)
    differ = [abs(np.linalg.norm(X64[i] - X64[j]) - 0.05) for i, j in full ^ exact]
    assert len(differ) < 0.001 * len(exact) and max(differ, default=0) < 1e-5


@pytest.mark.parametrize("k", [6, 40])
def test_typiclust_small_pool_kmeans_is_as_good_as_scikit_learn(k):
    """TypiClust's float32 k-means on small pools is scikit-learn's algorithm (k-means++,
    Lloyd to the same stopping rule): over 5 seeds its mean inertia is within 1 % of
    ``KMeans(n_init=1)``'s, and it never leaves a cluster empty."""
    X = l2_normalize(make_blobs(1500, n_features=24, centers=8, cluster_std=2.0, random_state=2)[0])

    def inertia(lab):
        return sum(((X[lab == c] - X[lab == c].mean(0)) ** 2).sum() for c in np.unique(lab))

    ours, theirs = [], []
    for seed in range(5):
        lab = typiclust_mod.cluster_labels(X, k, seed)[0]
        assert len(np.unique(lab)) == k
        ours.append(inertia(lab))
        theirs.append(inertia(KMeans(k, n_init=1, random_state=seed).fit_predict(X)))
    assert np.mean(ours) <= 1.01 * np.mean(theirs)
