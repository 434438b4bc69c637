"""k-means for the strategies that cluster the pool (TypiClust, DropQuery): k-means++ and
Lloyd's iterations in float32 BLAS (:func:`kmeans_f32`), and a dispatcher to faiss or a
user's scikit-learn clusterer (:func:`kmeans_labels`)."""

from __future__ import annotations

import numpy as np

from alcore.engine.strategies._arrays import as_f32

__all__ = ["kmeans_f32", "kmeans_faiss", "kmeans_labels", "kmeans_plusplus"]


def kmeans_labels(X, n_clusters, seed, clusterer=None, fast_kmeans_above=10_000):
    """Cluster labels of ``X`` into ``n_clusters`` groups.

    ``clusterer`` (an unfitted scikit-learn estimator with ``n_clusters``) is cloned and used
    if given; else scikit-learn's ``KMeans`` (k-means++, ``n_init="auto"``) for
    ``len(X) <= fast_kmeans_above`` and faiss k-means above (:func:`kmeans_faiss`).
    ``seed`` (int) is the ``random_state`` unless ``clusterer`` fixes its own.
    """
    from sklearn.base import clone
    from sklearn.cluster import KMeans

    if clusterer is not None:
        est = clone(clusterer).set_params(n_clusters=int(n_clusters))
        if "random_state" in est.get_params() and est.get_params()["random_state"] is None:
            est.set_params(random_state=seed)
        return np.asarray(est.fit_predict(X), dtype=np.int64)
    if len(X) > fast_kmeans_above:
        return kmeans_faiss(X, n_clusters, seed)[1]
    est = KMeans(n_clusters=int(n_clusters), n_init="auto", random_state=seed)
    return np.asarray(est.fit_predict(X), dtype=np.int64)


def kmeans_faiss(X, n_clusters, seed, niter=20):
    """faiss k-means: ``niter`` Lloyd iterations from ``n_clusters`` random samples, on at
    most 256 samples per centroid (faiss's defaults), then every sample assigned to its
    nearest centroid. Returns ``(centres, labels)``. Chosen over scikit-learn's
    ``MiniBatchKMeans`` on large pools for its time and memory at many clusters."""
    import faiss

    X = as_f32(X)
    # min_points_per_centroid only decides whether faiss prints "please provide at least
    # ... training points" (many clusters of a small pool); it changes nothing
    km = faiss.Kmeans(
        X.shape[1],
        int(n_clusters),
        niter=int(niter),
        seed=int(seed) % 2**31,
        verbose=False,
        min_points_per_centroid=1,
    )
    km.train(X)
    _, lab = km.index.search(X, 1)
    return np.array(km.centroids, dtype=np.float32), lab[:, 0].astype(np.int64)


def _sq_dist(X, xn, C):
    """Squared Euclidean distances ``(len(X), len(C))`` in float32, clipped at 0."""
    d2 = X @ C.T
    d2 *= -2
    d2 += xn[:, None]
    d2 += np.einsum("ij,ij->i", C, C)
    return np.maximum(d2, 0, out=d2)


def _sq_dist_rows(X, xn, idx, gram=None):
    """Squared distances ``(len(idx), len(X))`` of the samples ``idx`` to every sample, the
    transpose of ``_sq_dist(X, xn, X[idx])``; with ``gram`` (``X @ X.T``) the dot products
    are read from it instead of multiplied again (the same sums, other rounding)."""
    if gram is None:
        return _sq_dist(X, xn, X[idx]).T
    d2 = gram[idx] * np.float32(-2)
    d2 += xn[None, :]
    d2 += np.einsum("ij,ij->i", X[idx], X[idx])[:, None]
    return np.maximum(d2, 0, out=d2)


def kmeans_plusplus(X, k, rng, xn=None, start=None, gram=None):
    """Greedy k-means++ seeding (scikit-learn's: ``2 + log(k)`` candidates a step, the one
    that lowers the potential most kept), float32; returns ``(k, d)`` centres.

    ``start``: ``(m, d)`` centres, ``m <= k``, kept as the first ``m``; the other ``k - m``
    are seeded by the same rule given them (a warm start for a larger ``k``).
    ``gram``: ``X @ X.T`` (float32), read instead of a product of ``X`` with the candidates
    at every step: a step then reads ``2 + log(k)`` rows instead of all of ``X``, which is
    what bounds its time (the seeding of a TypiClust query is seven times faster)."""
    X = as_f32(X)
    xn = np.einsum("ij,ij->i", X, X) if xn is None else xn
    n_trials = 2 + int(np.log(k))
    centres = np.empty((k, X.shape[1]), dtype=np.float32)
    if start is None or len(start) == 0:
        first = int(rng.integers(len(X)))
        centres[0] = X[first]
        closest = _sq_dist_rows(X, xn, [first], gram)[0].astype(np.float64)
        m = 1
    else:
        m = len(start)
        centres[:m] = start
        closest = _sq_dist(X, xn, centres[:m]).min(axis=1).astype(np.float64)
    for c in range(m, k):
        cum = np.cumsum(closest)
        cand = np.searchsorted(cum, rng.random(n_trials) * cum[-1])
        cand = np.minimum(cand, len(X) - 1)
        d2 = np.minimum(closest, _sq_dist_rows(X, xn, cand, gram))  # (n_trials, n)
        best = int(np.argmin(d2.sum(axis=1)))
        closest = d2[best]
        centres[c] = X[cand[best]]
    return centres


def kmeans_f32(X, k, rng, max_iter=100, tol=1e-4, init="k-means++", gram=None, labels_only=False):
    """Lloyd's k-means in float32 BLAS, at most ``max_iter`` iterations, stopping as
    scikit-learn's ``KMeans`` does (labels unchanged, or the squared centre shift ``<= tol *
    mean feature variance``); an empty cluster takes the sample farthest from its centre.

    ``init``: ``"k-means++"`` (:func:`kmeans_plusplus`), ``"random"`` (``k`` distinct
    samples drawn with ``rng``, faiss's start) or an ``(m, d)`` array of centres, ``m <=
    k`` (a warm start; ``m < k`` seeds the other ``k - m`` by k-means++ given them).
    ``gram``: ``X @ X.T`` for the k-means++ seeding (see :func:`kmeans_plusplus`).
    Returns ``(centres, d2)``, ``d2`` the ``(n, k)`` squared distances to the final
    centres, or with ``labels_only=True`` ``(centres, labels)``, each sample's nearest final
    centre (scikit-learn's last assignment step, measuring only the samples whose bounds
    leave their label open)."""
    X = as_f32(X)
    xn = np.einsum("ij,ij->i", X, X)
    if isinstance(init, str) and init == "k-means++":
        C = kmeans_plusplus(X, k, rng, xn, gram=gram)
    elif isinstance(init, str) and init == "random":
        C = X[np.sort(rng.choice(len(X), k, replace=False))]
    else:
        C = as_f32(init).copy()
        if len(C) < k:
            C = kmeans_plusplus(X, k, rng, xn, start=C, gram=gram)
    tol_abs = tol * float(np.var(X, axis=0).mean())
    lloyd = _Lloyd(X, xn, k)
    labels = lloyd.assign(C)
    settled = False  # the labels are the nearest centres of C
    sums, counts = None, None
    for it in range(max_iter):
        if it:
            new = lloyd.assign(C, labels)
            if np.array_equal(new, labels):
                settled = True
                break
        else:
            new = labels
        if sums is None:
            counts = np.bincount(new, minlength=k)
            sums = np.zeros((k, X.shape[1]), dtype=np.float64)
            _group_sum(X, new, sums)
        else:  # move only the samples that changed cluster
            moved_rows = np.flatnonzero(new != labels)
            _group_sum(X[moved_rows], new[moved_rows], sums)
            _group_sum(-X[moved_rows], labels[moved_rows], sums)
            counts = np.bincount(new, minlength=k)
        labels = new
        total, size = sums, counts
        empty = np.flatnonzero(counts == 0)
        if len(empty):  # restart an empty cluster at the samples farthest from their centre
            total, size = sums.copy(), counts.copy()
            total[empty], size[empty] = X[np.argsort(-lloyd.ub)[: len(empty)]], 1
        newC = (total / size[:, None]).astype(np.float32)
        moved = np.sqrt(((newC - C).astype(np.float64) ** 2).sum(axis=1))
        C = newC
        lloyd.moved(labels, moved)
        if float((moved**2).sum()) <= tol_abs:
            break
    if not labels_only:
        return C, _sq_dist(X, xn, C)
    return C, labels if settled else lloyd.assign(C, labels)


class _Lloyd:
    """The assignment step of Lloyd's iterations with Hamerly's bounds.

    A sample whose distance to its centre (upper bound ``ub``) is below both the lower bound
    on its distance to any other centre (``lb``) and half the gap from its centre to the
    nearest other one keeps its label, so only the others are measured again: the labels are
    Lloyd's, with fewer distances. The squared gaps between centres are kept and only the
    rows of centres that moved are measured again."""

    def __init__(self, X, xn, k):
        self.X, self.xn, self.k = X, xn, k
        n = len(X)
        self.ub = np.zeros(n)  # upper bound on each sample's distance to its centre
        self.lb = np.zeros(n)  # lower bound on its distance to any other centre
        self.buf = np.empty((n, k), dtype=np.float32)  # one (n, k) block for every step
        self.gap2 = None  # squared distances between the centres
        self.stale = np.ones(k, dtype=bool)  # centres whose gaps are out of date

    def moved(self, labels, moved):
        """Loosen the bounds after the centres moved by ``moved``."""
        self.ub += moved[labels]
        self.lb -= moved.max()
        self.stale |= moved > 0

    def _half_gap(self, C, cn):
        rows = np.flatnonzero(self.stale)
        if self.gap2 is None or 2 * len(rows) > self.k:
            self.gap2 = _sq_dist(C, cn, C)
        elif len(rows):
            part = _sq_dist(C[rows], cn[rows], C)
            self.gap2[rows] = part
            self.gap2[:, rows] = part.T
        self.stale[:] = False
        np.fill_diagonal(self.gap2, np.inf)
        return 0.5 * np.sqrt(self.gap2.min(axis=1))

    def assign(self, C, labels=None):
        """Each sample's nearest centre of ``C`` (``labels``: the previous assignment, whose
        bounds decide which samples to measure)."""
        X, xn, n = self.X, self.xn, len(self.X)
        cn = np.einsum("ij,ij->i", C, C)
        if labels is None:
            active = np.arange(n)
            new = np.zeros(n, dtype=np.int64)
        else:
            half = self._half_gap(C, cn)
            active = np.flatnonzero(self.ub > np.maximum(self.lb, half[labels]))
            new = labels.copy()
        if 10 * len(active) > 9 * n:  # nearly all: measuring the rest costs less than a copy
            active = np.arange(n)
            d2 = np.matmul(X, C.T, out=self.buf)
        elif len(active):
            d2 = np.matmul(X[active], C.T, out=self.buf[: len(active)])
        if len(active):
            # ||x - c||^2 - ||x||^2 = ||c||^2 - 2 x.c: the same ranking for each sample, two
            # passes over the block fewer; ||x||^2 is added back to the two distances kept
            d2 *= -2
            d2 += cn
            near = np.argmin(d2, axis=1)
            rows = np.arange(len(active))
            nearest = d2[rows, near] + xn[active]
            self.ub[active] = np.sqrt(np.maximum(nearest, 0))
            d2[rows, near] = np.inf
            second = d2.min(axis=1) + xn[active]  # inf when k == 1
            self.lb[active] = np.sqrt(np.maximum(second, 0))
            new[active] = near
        return new


def _group_sum(X, labels, out):
    """``out[c] += X[labels == c].sum(0)`` for every ``c``: one sparse one-hot product."""
    import scipy.sparse as sp

    onehot = sp.csr_matrix(
        (np.ones(len(X), np.float32), (labels, np.arange(len(X)))), shape=(len(out), len(X))
    )
    out += onehot @ X
