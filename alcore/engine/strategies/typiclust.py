"""TypiClust: the most typical sample of each uncovered cluster (Hacohen et al. 2022)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from alcore.engine.strategies._arrays import as_f32, fingerprint, l2_normalize
from alcore.engine.strategies._kmeans import kmeans_f32, kmeans_faiss, kmeans_labels
from alcore.engine.strategies._neighbors import knn_mean_distance
from alcore.engine.strategies.base import (
    RANDOM_STATE,
    HasMethods,
    Int,
    QueryStrategy,
    rand_argmax,
    utility_rows,
)

__all__ = ["TypiClust", "cluster_labels", "n_clusters_for", "typicality"]


def n_clusters_for(
    n_labelled, batch_size, n_pool, max_clusters=500, min_cluster_size=5, min_mean_cluster_size=None
):
    """TypiClust's number of clusters: ``min(|L| + B, max_clusters, n_pool // m)``, at least 1.

    ``|L| + B`` capped at ``max_clusters`` (``None``: no cap) is the original rule; the
    third term keeps ``m`` pool samples per cluster on average, ``m = min_mean_cluster_size``
    or, when ``None``, ``2 * (min_cluster_size + 1)``, so that most clusters pass the size
    filter (``> min_cluster_size``) on small pools. It binds only when ``n_pool < m *
    min(|L| + B, max_clusters)``: at the defaults, pools of 6,000 samples or more keep the
    original rule. ``min_mean_cluster_size=1`` is the original rule everywhere.
    """
    m = (
        2 * (int(min_cluster_size) + 1)
        if min_mean_cluster_size is None
        else int(min_mean_cluster_size)
    )
    k = int(n_labelled) + int(batch_size)
    if max_clusters is not None:
        k = min(k, int(max_clusters))
    return max(1, min(k, int(n_pool) // m))


def cluster_labels(
    X, n_clusters, seed, clusterer=None, fast_kmeans_above=10_000, init=None, gram=None
):
    """TypiClust's clustering of the pool; returns ``(labels, centres)``.

    ``clusterer`` if given (``centres`` is then ``None``); else k-means++ then Lloyd's
    iterations to scikit-learn's stopping rule (:func:`~._kmeans.kmeans_f32`, scikit-learn's
    ``KMeans`` algorithm with one initialisation, in float32 BLAS) on pools up to
    ``fast_kmeans_above`` samples, and faiss k-means (20 iterations,
    :func:`~._kmeans.kmeans_faiss`) above. ``init`` (``(m, d)`` centres, ``m <=
    n_clusters``) warm-starts Lloyd's iterations instead: the ``n_clusters - m`` new centres
    are seeded by k-means++ given the old ones, then at most 300 iterations (20 above
    ``fast_kmeans_above``, faiss's budget) run to the same stopping rule. ``gram`` (``X @
    X.T``) speeds up the k-means++ seeding (:func:`~._kmeans.kmeans_plusplus`).
    """
    X = as_f32(X)
    if clusterer is not None:
        return kmeans_labels(X, n_clusters, seed, clusterer, fast_kmeans_above), None
    large = len(X) > fast_kmeans_above
    if init is None and large:
        centres, labels = kmeans_faiss(X, int(n_clusters), seed)
        return labels, centres
    rng = np.random.default_rng(seed)
    start = "k-means++" if init is None else init
    centres, d2 = kmeans_f32(
        X, int(n_clusters), rng, max_iter=20 if large else 300, init=start, gram=gram
    )
    return np.argmin(d2, axis=1), centres


def typicality(X, k=20, eps=1e-5):
    """Typicality of each row of ``X`` within ``X``: ``1 / (mean distance to its kNN + eps)``.

    ``k`` is capped at ``len(X) // 2`` (at least 1), as in the original code; a single row
    has typicality 1.
    """
    X = as_f32(X)
    if len(X) <= 1:
        return np.ones(len(X))
    k_eff = max(1, min(int(k), len(X) // 2))
    return 1.0 / (knn_mean_distance(X, k_eff) + eps)


class TypiClust(QueryStrategy):
    """Typical Clustering (TypiClust), the low-budget strategy of Hacohen, Dekel & Weinshall.

    The pool (labelled and unlabelled samples) is clustered into ``|L| + B`` clusters
    (``B = batch_size``), capped at ``max_clusters`` and at one per 12 pool samples (see
    *Number of clusters* below). Clusters are visited in the order of the
    original code: fewest labelled samples first (uncovered clusters, i.e. without any
    labelled sample, come first), then largest first; clusters with ``<= min_cluster_size``
    samples are skipped. From each visited cluster the most typical candidate is picked,
    typicality being ``(1/K * sum_i ||x - x_i||_2)^-1`` over the ``K`` nearest unlabelled
    neighbours *inside the cluster*. Works without any label (initial-pool selection); no
    classifier is used.

    Choices the paper leaves open (or where its code differs from its text):

    - **Number of clusters** (:func:`n_clusters_for`): ``min(|L| + B, max_clusters,
      n_samples // m)``, at least 1, with ``max_clusters=500`` (the original
      ``MAX_NUM_CLUSTERS``) and ``m = 2 * (min_cluster_size + 1) = 12`` pool samples per
      cluster on average. The original rule has no third term; on small pools it makes
      clusters too small for the size filter (500 clusters of a 2,000-sample pool hold 4
      samples on average, and k-means leaves most of them at ``<= 5``, so most clusters
      would be skipped). The term binds only on pools under ``12 * min(|L| + B, 500)``
      samples (below 6,000 at the cap), so larger pools keep the original rule;
      ``min_mean_cluster_size=1`` restores it everywhere. ``B`` may exceed the uncovered
      clusters.
    - **Batch larger than the eligible clusters**: as in the original code, the visiting
      order is cycled (``i % n_clusters``): covered clusters follow uncovered ones (fewest
      labelled first) and a cluster visited again yields its next most typical candidate
      (typicality recomputed without the samples already picked). Clusters without any
      remaining candidate are dropped from the cycle; if no cluster passes the size filter,
      all non-empty clusters are used (the original code would divide by zero).
    - **Minimum cluster size**: clusters need ``> min_cluster_size`` (=5) samples, strict,
      as in the original code.
    - **K**: ``min(k, n // 2)`` (at least 1) where ``n`` is the number of unlabelled
      samples in the cluster — the original code's cap ("half of the cluster"); labelled
      samples are excluded from the density estimate, as there.
    - **Distance**: Euclidean as in the paper's formula (the original code feeds squared L2
      distances from faiss into the mean; the ranking inside a cluster can differ slightly),
      ``eps=1e-5`` as in the code.
    - **Features**: L2-normalised first (``normalize=True``), as the original code's
      ``load_features(normalized=True)``; scikit-activeml does not normalise.
    - **Clustering** (:func:`cluster_labels`): k-means++ then Lloyd's iterations to
      scikit-learn's stopping rule in float32 BLAS (scikit-learn's ``KMeans`` algorithm
      with ``n_init=1``) for ``n_samples <= fast_kmeans_above`` (=10,000), faiss k-means
      (20 iterations) above; the original switches to ``MiniBatchKMeans`` above 50
      clusters, faiss bounds time and memory at many clusters and large pools. Seeded from
      ``random_state``. ``clusterer`` overrides both.
    - **Re-clustering every cycle**: the paper clusters the pool into ``|L| + B``
      clusters at every query, from a fresh start, and so does the default. With
      ``warm_start=True`` a query on the same pool (same embedding matrix) starts Lloyd's
      iterations at the previous query's centres instead, the ``|L| + B - k_prev`` new ones
      seeded by k-means++ given them: the same number of clusters and stopping rule, but
      consecutive clusterings refine one another instead of being independent draws. It
      halves a TypiClust run's cost but shifts its AULC in a dataset-dependent way, so it
      fails the equivalence rule of ``alcore bench equivalence`` (Performance chapter) and
      is not the default.
    - **Ties** (equal cluster sizes and labelled counts) are broken at random; a candidate
      outside the chosen cluster is never picked.
    - **Candidates**: typicality is computed on all unlabelled samples of the cluster; only
      candidates can be picked; clusters without candidates are skipped.

    Parameters
    ----------
    k : int, default=20
        Nearest neighbours for typicality (original ``K_NN``).
    max_clusters : int or None, default=500
        Cap on the number of clusters; ``None`` for no cap.
    min_cluster_size : int, default=5
        Clusters with at most this many samples are skipped.
    min_mean_cluster_size : int or None, default=None
        Pool samples per cluster on average at least (caps the number of clusters);
        ``None``: ``2 * (min_cluster_size + 1)``; ``1``: the original rule.
    normalize : bool, default=True
        L2-normalise the embeddings first.
    fast_kmeans_above : int, default=10000
        Pool size above which faiss k-means replaces scikit-learn's ``KMeans``.
    clusterer : scikit-learn clusterer or None, default=None
        Unfitted estimator with an ``n_clusters`` parameter (cloned; its ``random_state``
        is set from ``random_state`` when ``None``); never warm-started.
    warm_start : bool, default=False
        Start each query's k-means at the previous query's centres when the pool is the
        same (see *Re-clustering every cycle*).
    gram : bool, default=True
        Read the k-means++ seeding's distances from the pool's Gram matrix (``gram_``)
        on pools up to ``fast_kmeans_above`` samples, from the second query on a pool on:
        the same distances as a product per seeding step, computed once per pool, with
        other rounding. ``False`` multiplies at every step.
    random_state : int, numpy Generator or None

    Attributes
    ----------
    gram_ : tuple (str, ndarray of shape (n_samples, n_samples) or None)
        The pool's fingerprint and its Gram matrix ``X @ X.T`` (float32, at most
        ``fast_kmeans_above**2`` entries: 400 MB at the default; ``None`` after the pool's
        first query), read by the k-means++ seeding of the later queries on that pool.
    centres_ : tuple (str, ndarray of shape (n_clusters, n_features))
        The pool's fingerprint and the last query's k-means centres (with
        ``warm_start=True`` and no ``clusterer``).

    Notes
    -----
    Utilities (``return_utilities=True``): row ``b`` holds the typicality of the candidates
    of the cluster visited at step ``b``, ``-inf`` for other candidates, ``nan`` for
    non-candidates and samples already picked (scikit-activeml's layout).

    References
    ----------
    G. Hacohen, A. Dekel and D. Weinshall, "Active Learning on a Budget: Opposite Strategies
    Suit High and Low Budgets", ICML 2022. Code: github.com/avihu111/TypiClust.
    """

    name = "typiclust"
    order = 60
    initial_pool = True

    # 2: kmeans_f32 ranks centres without ||x||^2 (rounding of ties); 3: the k-means++
    # seeding reads the pool's Gram matrix (other rounding of the same distances)
    version = 3
    _parameter_constraints: ClassVar[dict] = {
        "k": [Int(1)],
        "max_clusters": [Int(1), None],
        "min_cluster_size": [Int(0)],
        "min_mean_cluster_size": [Int(1), None],
        "normalize": ["boolean"],
        "fast_kmeans_above": [Int(0)],
        "clusterer": [HasMethods(["fit_predict", "set_params"]), None],
        "warm_start": ["boolean"],
        "gram": ["boolean"],
        "random_state": RANDOM_STATE,
    }

    def __init__(
        self,
        k=20,
        max_clusters=500,
        min_cluster_size=5,
        min_mean_cluster_size=None,
        normalize=True,
        fast_kmeans_above=10_000,
        clusterer=None,
        warm_start=False,
        gram=True,
        random_state=None,
    ):
        self.k = k
        self.max_clusters = max_clusters
        self.min_cluster_size = min_cluster_size
        self.min_mean_cluster_size = min_mean_cluster_size
        self.normalize = normalize
        self.fast_kmeans_above = fast_kmeans_above
        self.clusterer = clusterer
        self.warm_start = warm_start
        self.gram = gram
        self.random_state = random_state

    def _gram(self, X):
        """``X @ X.T`` of the pool for the k-means++ seeding from the second query on the
        same pool on (``gram_``), kept while the queries see that pool; ``None`` at a
        pool's first query (a one-off query, such as an initial pool, seeds faster
        without it), above ``fast_kmeans_above`` samples (faiss clusters those) or with a
        ``clusterer``."""
        if not self.gram or self.clusterer is not None or len(X) > self.fast_kmeans_above:
            return None
        key = fingerprint(X)
        kept = getattr(self, "gram_", None)
        if kept is None or kept[0] != key:
            self.gram_ = (key, None)
        elif kept[1] is None:
            self.gram_ = (key, X @ X.T)
        return self.gram_[1]

    def _query(self, X, y, labelled, candidates, batch_size, clf, rng, return_utilities):
        X = l2_normalize(X) if self.normalize else as_f32(X)
        n = len(X)
        n_clusters = n_clusters_for(
            labelled.sum(),
            batch_size,
            n,
            self.max_clusters,
            self.min_cluster_size,
            self.min_mean_cluster_size,
        )
        seed = int(rng.integers(2**31 - 1))
        key = fingerprint(X) if self.warm_start and self.clusterer is None else None
        warm = getattr(self, "centres_", None)
        init = (
            warm[1]
            if key is not None
            and warm is not None
            and warm[0] == key
            and len(warm[1]) <= n_clusters
            else None
        )
        labels, centres = cluster_labels(
            X, n_clusters, seed, self.clusterer, self.fast_kmeans_above, init, self._gram(X)
        )
        if key is not None:
            self.centres_ = (key, centres)
        n_clusters = max(n_clusters, int(labels.max()) + 1)
        sizes = np.bincount(labels, minlength=n_clusters)
        n_lab = np.bincount(labels[labelled], minlength=n_clusters)
        # fewest labelled first, then largest, random among ties
        order = np.lexsort((rng.random(n_clusters), -sizes, n_lab))
        is_cand = np.zeros(n, dtype=bool)
        is_cand[candidates] = True
        has_cand = np.bincount(labels[candidates], minlength=n_clusters) > 0
        cycle = [c for c in order if sizes[c] > self.min_cluster_size and has_cand[c]]
        if not cycle:
            cycle = [c for c in order if has_cand[c]]
        free = ~labelled  # unlabelled and not yet picked: the density set
        picked, rows = [], utility_rows(batch_size, n, return_utilities)
        for b in range(batch_size):
            while True:
                if not cycle:  # the large clusters ran dry: fall back to any with candidates
                    left = np.bincount(labels[is_cand], minlength=n_clusters) > 0
                    cycle = [c for c in order if left[c]]
                c = cycle[b % len(cycle)]
                members = np.flatnonzero((labels == c) & free)
                if is_cand[members].any():
                    break
                cycle.remove(c)  # no candidate left there; batch_size <= candidates
            typ = typicality(X[members], self.k)
            ok = is_cand[members]
            rows[b, is_cand] = -np.inf
            rows[b, members[ok]] = typ[ok]
            i = int(members[rand_argmax(typ, rng, where=ok)])
            picked.append(i)
            free[i] = is_cand[i] = False
        return np.array(picked, dtype=np.int64), rows
