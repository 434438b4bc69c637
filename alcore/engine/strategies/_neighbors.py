"""Exact neighbour searches shared by TypiClust and ProbCover.

Everything runs on CPU with faiss (``IndexFlatL2``: exact, BLAS-blocked) in float32 and never
materialises an ``(N, N)`` matrix: k-nearest-neighbour distances, the sparse delta-ball graph
(CSR) and, for ProbCover's purity criterion, each point's distance to the nearest point of
another cluster.
"""

from __future__ import annotations

import numpy as np

from alcore.engine.strategies._arrays import as_f32, blas_threads

__all__ = ["ball_graph", "knn_mean_distance", "nearest_other_label_distance"]

_RANGE_CHUNK = 4096  # queries per faiss range_search call
_BLOCK = 2**22  # distances in one (visitors x members) block of the IVF search: 16 MiB


def knn_mean_distance(X, k):
    """Mean Euclidean distance of each row of ``X`` to its ``k`` nearest other rows.

    Exact (faiss ``IndexFlatL2``); the first hit (the row itself, or a duplicate at distance
    0) is dropped, as in the original TypiClust code.
    """
    import faiss

    X = as_f32(X)
    index = faiss.IndexFlatL2(X.shape[1])
    index.add(X)
    d2, _ = index.search(X, int(k) + 1)
    return np.sqrt(np.maximum(d2[:, 1:], 0)).mean(axis=1)


def ball_graph(X, delta, progress=False, n_lists=None, n_probe=8, seed=0, n_jobs=None):
    """Sparse, symmetric delta-ball graph: ``j`` in row ``i`` iff ``||x_i - x_j|| < delta``.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
    delta : float
        Ball radius (strict, as in the original ProbCover code).
    progress : bool, default=False
        tqdm bar over query chunks (or lists).
    n_lists : int or None, default=None
        ``None``: exact range search against every sample, ``O(N^2 d)``. An int: the
        search is restricted as in an inverted-file index (IVF): the samples are split into
        ``n_lists`` k-means lists and the samples of each list are compared with the members
        of the ``n_probe`` lists whose centroids are nearest its own (itself included),
        ``O(N^2 d n_probe / n_lists)``; a pair closer than ``delta`` is missed only when
        neither list probes the other. Distances of the pairs compared are exact (float32
        BLAS).
    n_probe : int, default=8
        Lists probed per list (``n_probe >= n_lists`` is the exact graph).
    seed : int, default=0
        Seed of the lists' k-means.
    n_jobs : int or None, default=None
        Threads comparing the lists' blocks (each with one BLAS thread); ``None``: as many
        as BLAS has in this process (:func:`blas_threads`), so a process pinned to one BLAS
        thread (the grid's workers) stays on one core. The graph does not depend on it.

    Returns
    -------
    indptr : int64 array of shape (n_samples + 1,)
    indices : int32 array of shape (n_edges,)
        CSR structure, rows sorted; every row holds its own index (self-loop). The graph is
        symmetrised (``i - j`` kept if either float32 evaluation is below ``delta``).
    """
    X = as_f32(X)
    if n_lists is None or int(n_probe) >= int(n_lists):
        rows, cols = _exact_pairs(X, float(delta) ** 2, progress)
    else:
        jobs = blas_threads() if n_jobs is None else int(n_jobs)
        rows, cols = _ivf_pairs(
            X, float(delta) ** 2, int(n_lists), int(n_probe), seed, progress, jobs
        )
    return _symmetric_csr(rows, cols, len(X))


def _exact_pairs(X, r2, progress):
    """CSR (``indptr``, ``indices``) of the exact range search, before symmetrisation."""
    import faiss
    from tqdm.auto import tqdm

    n = len(X)
    index = faiss.IndexFlatL2(X.shape[1])
    index.add(X)
    counts, cols = [], []
    for s in tqdm(range(0, n, _RANGE_CHUNK), desc="delta-ball graph", disable=not progress):
        lims, _, idx = index.range_search(X[s : s + _RANGE_CHUNK], r2)
        counts.append(np.diff(lims).astype(np.int64))
        cols.append(idx.astype(np.int32))
    del index
    rows = np.repeat(np.arange(n, dtype=np.int32), np.concatenate(counts))
    return rows, (np.concatenate(cols) if cols else np.zeros(0, np.int32))


def _ivf_pairs(X, r2, n_lists, n_probe, seed, progress, n_jobs=1):
    """Pairs closer than ``sqrt(r2)`` between each k-means list and its ``n_probe`` nearest
    lists (by centroid, itself first).

    The pool is sorted by list once, so every block is a contiguous slice and one BLAS
    product. Each unordered pair of lists is compared once (the graph is symmetrised
    afterwards, so comparing ``B`` with ``A`` again found nothing new). Lists holding more
    than twice the mean are split by a k-means of their own (:func:`_split_large_lists`):
    the work is the sum of ``|A| |B|`` over the compared pairs, and a few huge lists
    dominated it. Per block, only rows whose largest inner product can pass the radius are
    examined; the distance test itself is the float32 ``||a||^2 + ||b||^2 - 2 a.b < r2``."""
    C = _list_centroids(X, n_lists, seed)
    home, C = _split_large_lists(X, _nearest_centres(X, C, 1)[:, 0], C, len(X) / n_lists, seed)
    n_lists = len(C)
    perm = np.argsort(home, kind="stable")
    Xs = X[perm]
    bounds = np.searchsorted(home[perm], np.arange(n_lists + 1))
    la, lb = _probed_list_pairs(_nearest_centres(C, C, min(n_probe, n_lists)))
    xn = np.einsum("ij,ij->i", Xs, Xs)
    # a.b > (||a||^2 + min ||b||^2 - r2) / 2 is necessary for an edge; the margin (far above
    # float32 rounding of unit-scale norms) keeps every pair the exact test would keep
    margin = np.float32(1e-4 * (1.0 + float(xn.max(initial=0.0))))

    def block(a, b):
        a0, a1, b0, b1 = bounds[a], bounds[a + 1], bounds[b], bounds[b + 1]
        if a0 == a1 or b0 == b1:
            return None
        G = Xs[a0:a1] @ Xs[b0:b1].T
        lo = (xn[a0:a1] + xn[b0:b1].min() - np.float32(r2)) * np.float32(0.5) - margin
        r = np.flatnonzero(G.max(axis=1) > lo)
        if not len(r):
            return None
        i, j = np.nonzero(G[r] > lo[r, None])
        i = r[i]
        d2 = G[i, j] * np.float32(-2)
        d2 += xn[b0 + j]
        d2 += xn[a0 + i]
        keep = d2 < r2
        return perm[a0 + i[keep]].astype(np.int32), perm[b0 + j[keep]].astype(np.int32)

    found = _map_blocks(block, la.tolist(), lb.tolist(), n_jobs, progress)
    if not found:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    return np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])


def _map_blocks(block, la, lb, n_jobs, progress):
    """``block(a, b)`` over the list pairs in ``n_jobs`` threads (numpy releases the GIL in its
    BLAS products), each block on one BLAS thread whatever ``n_jobs`` and the caller's
    threads; the non-``None`` results in pair order: the graph does not depend on threads."""
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    bar = tqdm(total=len(la), desc="delta-ball graph", disable=not progress)
    out = []
    with threadpool_limits(limits=1, user_api="blas"):
        if n_jobs <= 1:
            for a, b in zip(la, lb):
                out.append(block(a, b))
                bar.update()
        else:
            step = 64  # pairs a task: enough to amortise the scheduling, small enough to balance

            def task(s):
                return [block(a, b) for a, b in zip(la[s : s + step], lb[s : s + step])]

            with ThreadPoolExecutor(n_jobs) as ex:
                for part in ex.map(task, range(0, len(la), step)):
                    out.extend(part)
                    bar.update(len(part))
    bar.close()
    return [r for r in out if r is not None]


def _probed_list_pairs(probes):
    """Unordered list pairs ``(a, b)``, ``a <= b``, where either list probes the other."""
    n_lists = len(probes)
    a = np.repeat(np.arange(n_lists), probes.shape[1])
    b = probes.ravel()
    key = np.unique(np.minimum(a, b) * n_lists + np.maximum(a, b))
    return key // n_lists, key % n_lists


def _list_centroids(X, k, seed):
    """Centroids (a float32 copy) of a quick faiss k-means: lists need not be optimal, only
    local (10 iterations on at most 32 samples a centroid)."""
    import faiss

    km = faiss.Kmeans(
        X.shape[1],
        int(k),
        niter=10,
        seed=int(seed) % 2**31,
        verbose=False,
        max_points_per_centroid=32,
    )
    km.train(X)
    return np.array(km.centroids, dtype=np.float32)


def _split_large_lists(X, home, C, mean_size, seed):
    """Split every list of more than ``2 * mean_size`` samples into ``ceil(size /
    mean_size)`` k-means lists of its own; returns the new ``home`` and centroids."""
    import faiss

    counts = np.bincount(home, minlength=len(C))
    home, extra = home.copy(), []
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # a few thousand samples each: more threads only wait
    try:
        for lst in np.flatnonzero(counts > 2 * mean_size):
            members = np.flatnonzero(home == lst)
            k = int(np.ceil(len(members) / mean_size))
            sub = _list_centroids(X[members], k, seed)
            part = _nearest_centres(X[members], sub, 1)[:, 0]
            ids = np.concatenate(([lst], len(C) + len(extra) + np.arange(k - 1)))
            home[members] = ids[part]
            C[lst] = sub[0]  # the first part keeps the list's id, the others are appended
            extra.extend(sub[1:])
    finally:
        faiss.omp_set_num_threads(threads)
    if extra:
        C = np.vstack([C, np.asarray(extra, dtype=np.float32)])
    return home, as_f32(C)


def _nearest_centres(X, C, m):
    """Indices of the ``m`` nearest rows of ``C`` for every row of ``X``, nearest first
    (float32 BLAS in blocks)."""
    out = np.empty((len(X), m), dtype=np.int64)
    cn = np.einsum("ij,ij->i", C, C)
    step = max(1, _BLOCK // len(C))
    for s in range(0, len(X), step):
        d2 = X[s : s + step] @ C.T
        d2 *= -2
        d2 += cn  # + ||x||^2 is the same for every centre
        if m == 1:
            out[s : s + step, 0] = np.argmin(d2, axis=1)
            continue
        top = (
            np.argpartition(d2, m - 1, axis=1)[:, :m]
            if m < len(C)
            else np.broadcast_to(np.arange(len(C)), d2.shape).copy()
        )
        order = np.argsort(np.take_along_axis(d2, top, axis=1), axis=1, kind="stable")
        out[s : s + step] = np.take_along_axis(top, order, axis=1)
    return out


def _symmetric_csr(rows, cols, n):
    """``A + A^T + I`` of the pairs as sorted CSR (``indptr`` int64, ``indices`` int32)."""
    import scipy.sparse as sp

    A = sp.coo_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, n)).tocsr()
    A.data[:] = 1  # duplicate pairs were summed
    A = A + A.T + sp.eye(n, dtype=np.int8, format="csr")
    A = A.tocsr()
    A.sort_indices()
    return A.indptr.astype(np.int64), A.indices.astype(np.int32, copy=False)


def nearest_other_label_distance(X, labels, queries):
    """Euclidean distance from each ``X[queries]`` to the nearest row with another label.

    ``inf`` where every row shares the query's label. One exact faiss search per label,
    against all rows of the other labels: cost ``O(len(queries) * n_samples * n_features)``;
    for a sample of the rows (fewer queries than rows) one blocked BLAS pass instead.
    """
    import faiss

    X = as_f32(X)
    labels = np.asarray(labels)
    queries = np.asarray(queries, dtype=np.int64)
    if len(queries) < len(X):
        return _nearest_other_label_blocked(X, labels, queries)
    out = np.full(len(queries), np.inf, dtype=np.float64)
    for c in np.unique(labels[queries]):
        q = np.flatnonzero(labels[queries] == c)
        others = labels != c
        if not others.any():
            continue
        index = faiss.IndexFlatL2(X.shape[1])
        index.add(as_f32(X[others]))
        d2, _ = index.search(X[queries[q]], 1)
        out[q] = np.sqrt(np.maximum(d2[:, 0], 0))
        del index
    return out


def _nearest_other_label_blocked(X, labels, queries):
    """:func:`nearest_other_label_distance` for a sample of queries: one pass over ``X`` in
    float32 BLAS blocks, the query's own label masked (faiss's one-nearest search per label
    ran at a fifth of BLAS speed and copied ``X`` once per label)."""
    xn = np.einsum("ij,ij->i", X, X)
    Q, qn, ql = X[queries], xn[queries], labels[queries]
    best = np.full(len(queries), np.inf, dtype=np.float32)
    step = max(1, _BLOCK // len(queries))
    for s in range(0, len(X), step):
        d2 = Q @ X[s : s + step].T
        d2 *= -2
        d2 += xn[s : s + step]
        d2 += qn[:, None]
        d2[ql[:, None] == labels[None, s : s + step]] = np.inf
        np.minimum(best, d2.min(axis=1), out=best)
    return np.sqrt(np.maximum(best.astype(np.float64), 0))
