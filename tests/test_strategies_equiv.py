"""alcore's strategies against scikit-activeml 1.0.1 (the reference) on small pools.

Deterministic algorithms must give the same picks (margin, entropy, coreset); BADGE's
memory-bounded k-means++ must produce exactly the D^2 sampling probabilities computed from
the dense gradient-embedding matrix that scikit-activeml builds; DropQuery's clustering step
must pick what scikit-activeml's picks on the same uncertain set.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import euclidean_distances

from alcore.engine.strategies import coreset as coreset_mod
from alcore.engine.strategies import get
from alcore.engine.strategies.badge import sq_dist_to

skpool = pytest.importorskip("skactiveml.pool")
from skactiveml.classifier import SklearnClassifier  # noqa: E402 (after the skip above)


def make_pool(n=200, d=8, n_classes=4, n_lab=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(n_classes, d))
    labels = rng.integers(0, n_classes, n)
    X = (centres[labels] + rng.normal(size=(n, d))).astype(np.float32)
    y = np.full(n, np.nan)
    lab = rng.choice(n, n_lab, replace=False)
    y[lab] = labels[lab]
    return X, y


def lr():
    return LogisticRegression(max_iter=1000)


@pytest.mark.parametrize("ours, method", [("margin", "margin_sampling"), ("entropy", "entropy")])
@pytest.mark.parametrize("seed", [0, 1])
def test_uncertainty_same_picks(ours, method, seed):
    X, y = make_pool(seed=seed)
    idx, util = get(ours, random_state=0).query(
        X, y, clf=lr(), batch_size=10, return_utilities=True
    )
    ref = skpool.UncertaintySampling(method=method, random_state=0)
    sk_clf = SklearnClassifier(lr(), classes=np.arange(4), missing_label=np.nan)
    ref_idx, ref_util = ref.query(X, y, clf=sk_clf, batch_size=10, return_utilities=True)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(util[0], ref_util[0], atol=1e-6)  # skactiveml: float32


def test_min_sq_distances_chunked(monkeypatch):
    monkeypatch.setattr(coreset_mod, "_BLOCK", 7)  # force many tiny blocks
    rng = np.random.default_rng(0)
    X, C = rng.normal(size=(53, 5)), rng.normal(size=(11, 5))
    ours = coreset_mod.min_sq_distances(X, C)
    ref = euclidean_distances(X, C, squared=True).min(axis=1)
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coreset_same_picks(seed):
    X, y = make_pool(seed=seed)
    idx, util = get("coreset", random_state=0).query(X, y, batch_size=15, return_utilities=True)
    ref_idx, ref_util = skpool.CoreSet(random_state=0).query(
        X, y, batch_size=15, return_utilities=True
    )
    np.testing.assert_array_equal(idx, ref_idx)
    unl = np.isnan(y)
    np.testing.assert_allclose(util[0, unl], ref_util[0, unl], rtol=1e-4, atol=1e-4)


def test_coreset_ips_continues_farthest_first():
    X, _ = make_pool()
    y = np.full(len(X), np.nan)
    idx = get("coreset", random_state=4).query(X, y, batch_size=8)
    y_first = y.copy()
    y_first[idx[0]] = 0  # given the same (random) start, the rest is deterministic
    ref = skpool.CoreSet(random_state=0).query(X, y_first, batch_size=7)
    np.testing.assert_array_equal(idx[1:], ref)
    starts = {int(get("coreset", random_state=s).query(X, y)[0]) for s in range(6)}
    assert len(starts) > 1  # the IPS start is seeded, not fixed


def _dense_g(proba, X, bias):
    """The (n, C*d) gradient embedding, built the way scikit-activeml's Badge builds it."""
    Xb = np.hstack([X, np.ones((len(X), 1))]) if bias else X.astype(float)
    a = proba - np.eye(proba.shape[1])[proba.argmax(axis=1)]
    return (a[:, :, None] * Xb[:, None, :]).reshape(len(X), -1)


@pytest.mark.parametrize("bias", [False, True])
def test_badge_distances_match_dense_embedding(bias):
    X, y = make_pool()
    clf = lr().fit(X[~np.isnan(y)], y[~np.isnan(y)].astype(int))
    proba = clf.predict_proba(X)
    A = proba - np.eye(4)[proba.argmax(axis=1)]
    xn = np.einsum("ij,ij->i", X, X).astype(float) + bias
    G = _dense_g(proba, X, bias)
    for j in (0, 17, 123):
        ours = sq_dist_to(A, np.einsum("ij,ij->i", A, A), X, xn, j, bias)
        np.testing.assert_allclose(ours, ((G - G[j]) ** 2).sum(axis=1), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("bias", [False, True])
def test_badge_kmeanspp_probabilities_exact(bias):
    """Row b of the utilities is D^2(x, nearest chosen centre) / sum, from the dense g."""
    X, y = make_pool()
    clf = lr().fit(X[~np.isnan(y)], y[~np.isnan(y)].astype(int))
    idx, util = get("badge", bias=bias, random_state=0).query(
        X, y, clf=clf, fit_clf=False, batch_size=6, return_utilities=True
    )
    cand = np.flatnonzero(np.isnan(y))
    G = _dense_g(clf.predict_proba(X[cand]), X[cand], bias)
    pos = {c: i for i, c in enumerate(cand)}
    norms = (G**2).sum(axis=1)
    assert pos[idx[0]] == int(np.argmax(norms))  # first centre: largest gradient norm
    np.testing.assert_allclose(util[0, cand], norms / norms.sum(), rtol=1e-5)
    for b in range(1, 6):
        centres = G[[pos[i] for i in idx[:b]]]
        d2 = euclidean_distances(G, centres, squared=True).min(axis=1)
        d2[[pos[i] for i in idx[:b]]] = 0
        got = np.nan_to_num(util[b, cand])
        np.testing.assert_allclose(got, d2 / d2.sum(), rtol=1e-4, atol=1e-7)


def test_badge_first_pick_and_norms_match_skactiveml():
    X, y = make_pool()
    ours, util = get("badge", bias=False, random_state=0).query(
        X, y, clf=lr(), batch_size=1, return_utilities=True
    )
    sk_clf = SklearnClassifier(lr(), classes=np.arange(4), missing_label=np.nan)
    ref, ref_util = skpool.Badge(random_state=0).query(
        X, y, clf=sk_clf, batch_size=1, return_utilities=True
    )
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_allclose(util[0], ref_util[0], rtol=1e-5, equal_nan=True)


def test_badge_second_pick_follows_d2_distribution():
    """Empirical frequencies of the (random) second pick over seeds match D^2 / sum."""
    X, y = make_pool(n=60, n_lab=8)
    clf = lr().fit(X[~np.isnan(y)], y[~np.isnan(y)].astype(int))
    _, util = get("badge", random_state=0).query(
        X, y, clf=clf, fit_clf=False, batch_size=2, return_utilities=True
    )
    p = np.nan_to_num(util[1])
    counts = np.zeros(len(X))
    for s in range(200):
        counts[
            get("badge", random_state=s).query(X, y, clf=clf, fit_clf=False, batch_size=2)[1]
        ] += 1
    assert 0.5 * np.abs(counts / counts.sum() - p).sum() < 0.2  # total variation


def test_kmeans_f32_ends_where_sklearn_does_and_seeds_as_well():
    from sklearn.cluster import KMeans

    from alcore.engine.strategies._kmeans import kmeans_f32

    rng = np.random.default_rng(0)
    X = (rng.standard_normal((3000, 32)) + rng.integers(0, 5, 3000)[:, None]).astype(np.float32)
    init = X[:20].copy()
    C, d2 = kmeans_f32(X, 20, rng, init=init)
    ref = KMeans(20, init=init.astype(np.float64), n_init=1, max_iter=100).fit(X.astype(np.float64))
    np.testing.assert_array_equal(d2.argmin(axis=1), ref.labels_)
    np.testing.assert_allclose(C, ref.cluster_centers_, atol=1e-4)
    # the k-means++ start: inertia on a par with scikit-learn's (same seeding rule)
    ours = [kmeans_f32(X, 20, np.random.default_rng(s))[1].min(axis=1).sum() for s in range(5)]
    theirs = [KMeans(20, n_init=1, random_state=s).fit(X).inertia_ for s in range(5)]
    assert np.mean(ours) <= 1.02 * np.mean(theirs)
    # more clusters than distinct samples: empty clusters restart, nothing breaks
    C, d2 = kmeans_f32(np.repeat(X[:5], 4, axis=0), 8, np.random.default_rng(0), init="random")
    assert np.isfinite(C).all() and d2.shape == (20, 8) and d2.min(axis=1).max() < 1e-3


def test_dropquery_clustering_matches_skactiveml(monkeypatch):
    """Dropout rate ~1 zeroes every feature for both implementations, so both find the same
    uncertain set; k-means started from the same centres (our float32 Lloyd, scikit-learn's
    ``KMeans`` in scikit-activeml) must then give the same picks."""
    from sklearn.cluster import KMeans

    from alcore.engine.strategies import dropquery

    X, y = make_pool()
    clf = lr().fit(X[~np.isnan(y)], y[~np.isnan(y)].astype(int))
    cand = np.flatnonzero(np.isnan(y))
    unc = cand[clf.predict(X[cand]) != clf.predict(np.zeros_like(X[cand]))]
    assert len(unc) > 5  # the clustering branch, not the random fill-up, is used
    init = X[unc[:5]]

    def fixed_kmeans(n_clusters, **kw):  # same start for both: Lloyd is order-invariant
        return KMeans(n_clusters, init=init, n_init=1)

    real = dropquery.kmeans_f32
    monkeypatch.setattr(dropquery, "kmeans_f32", lambda *a, **kw: real(*a, **{**kw, "init": init}))
    ours = get("dropquery", dropout_rate=1 - 1e-12, rescale=False, random_state=0).query(
        X, y, clf=clf, fit_clf=False, batch_size=5
    )
    ref = skpool.DropQuery(
        dropout_rate=1 - 1e-12, n_dropout_samples=3, cluster_algo=fixed_kmeans, random_state=0
    )
    sk_clf = SklearnClassifier(lr(), classes=np.arange(4), missing_label=np.nan).fit(X, y)
    ref_idx = ref.query(X, y, clf=sk_clf, fit_clf=False, batch_size=5)
    assert set(ours.tolist()) <= set(unc.tolist())
    np.testing.assert_array_equal(np.sort(ours), np.sort(ref_idx))


@pytest.mark.parametrize("keep", [0.25, 0.3, 0.9])
def test_dropquery_keep_mask_keeps_at_the_rate(keep):
    from alcore.engine.strategies.dropquery import keep_mask

    mask = keep_mask(np.random.default_rng(0), (400, 500), keep)
    assert mask.dtype == bool and mask.shape == (400, 500)
    se = np.sqrt(keep * (1 - keep) / mask.size)
    assert abs(mask.mean() - keep) < 4 * se + 2**-17
    assert not keep_mask(np.random.default_rng(0), (50, 50), 1e-12).any()
    assert keep_mask(np.random.default_rng(0), (50, 50), 1 - 1e-12).all()
