"""TypiClust's clustering, per query, against the alternatives the speed issue named.

A TypiClust query clusters the whole pool into ``|L| + B`` clusters (at most 500, at least
12 pool samples per cluster: :func:`~alcore.engine.strategies.typiclust.n_clusters_for`).
:func:`clustering_backends` times one such clustering of a real pool with each back-end, at
one BLAS thread, and measures what each gives up: its k-means objective (mean squared
distance of a sample to its centre) relative to the default's.

Back-ends (``BACKENDS``):

``exact``
    alcore's default on pools up to 10,000 samples: k-means++ then Lloyd's iterations to
    scikit-learn's stopping rule, in float32 (:func:`~alcore.engine.strategies._kmeans.kmeans_f32`).
``faiss``
    faiss k-means, 20 iterations (alcore's default above 10,000 samples).
``authors``
    the TypiClust authors' code: scikit-learn's ``KMeans`` up to 50 clusters,
    ``MiniBatchKMeans(batch_size=5000)`` above (github.com/avihu111/TypiClust,
    ``deep-al/pycls/al/typiclust.py``).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans, MiniBatchKMeans

from alcore.engine.loop import pin_threads
from alcore.engine.strategies._arrays import l2_normalize
from alcore.engine.strategies._kmeans import kmeans_f32, kmeans_faiss
from alcore.engine.strategies.typiclust import n_clusters_for

__all__ = ["BACKENDS", "cluster_with", "clustering_backends"]

BACKENDS = ("exact", "faiss", "authors")


def cluster_with(backend, X, n_clusters, seed):
    """Cluster ``X`` (float32) into ``n_clusters`` with ``backend`` (one of
    :data:`BACKENDS`); returns the labels."""
    if backend == "exact":
        _, d2 = kmeans_f32(X, int(n_clusters), np.random.default_rng(seed))
        return np.argmin(d2, axis=1)
    if backend == "faiss":
        return kmeans_faiss(X, int(n_clusters), seed)[1]
    if backend == "authors":
        est = (
            KMeans(n_clusters=int(n_clusters), random_state=seed)
            if n_clusters <= 50
            else MiniBatchKMeans(n_clusters=int(n_clusters), batch_size=5000, random_state=seed)
        )
        return np.asarray(est.fit_predict(X), dtype=np.int64)
    raise ValueError(f"unknown clustering back-end {backend!r}; known: {list(BACKENDS)}")


def _objective(X, labels):
    """Mean squared distance of a sample to the mean of its cluster."""
    k = int(labels.max()) + 1
    sums = np.zeros((k, X.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, X)
    counts = np.bincount(labels, minlength=k)
    centres = sums / np.maximum(counts, 1)[:, None]
    return float(((X - centres[labels]) ** 2).sum(axis=1).mean())


def clustering_backends(pools, budgets, backends=BACKENDS, seeds=range(3), threads=1):
    """One TypiClust query's clustering per back-end, on each pool, timed.

    Parameters
    ----------
    pools : dict
        ``{name: X}``: each dataset's pool embeddings (L2-normalised here, as TypiClust does).
    budgets : dict
        ``{name: B}``: the dataset's budget; the clustering is that of the run's last query
        (``|L| + b = B`` with ``b = B // 21``, the largest number of clusters of a run).
    backends : sequence of str
        Names from :data:`BACKENDS`.
    seeds : iterable of int
        One clustering per seed and back-end.
    threads : int
        BLAS, OpenMP and faiss threads (:func:`~alcore.engine.loop.pin_threads`).

    Returns
    -------
    DataFrame
        One row per pool and back-end: ``dataset, n, dim, n_clusters, backend, cpu_seconds``
        (median over the seeds), ``objective`` (mean over the seeds) and ``objective_ratio``
        (to ``exact``'s, where measured).
    """
    rows = []
    for name, X in pools.items():
        X = l2_normalize(np.asarray(X, dtype=np.float32))
        B = int(budgets[name])
        k = n_clusters_for(B - B // 21, B // 21, len(X))
        for backend in backends:
            times, objs = [], []
            for seed in seeds:
                with pin_threads(threads):
                    t0 = time.process_time()
                    labels = cluster_with(backend, X, k, int(seed))
                    times.append(time.process_time() - t0)
                objs.append(_objective(X, labels))
            rows.append(
                {
                    "dataset": name,
                    "n": len(X),
                    "dim": X.shape[1],
                    "n_clusters": k,
                    "backend": backend,
                    "cpu_seconds": float(np.median(times)),
                    "objective": float(np.mean(objs)),
                }
            )
    df = pd.DataFrame(rows)
    if len(df):
        exact = df[df["backend"] == "exact"].set_index("dataset")["objective"]
        df["objective_ratio"] = df["objective"] / df["dataset"].map(exact)
    return df
