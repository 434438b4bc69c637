"""Array helpers shared by the geometric strategies: float32 layout, unit rows, a cheap
identity of an embedding matrix, and the BLAS thread count."""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["as_f32", "blas_threads", "fingerprint", "l2_normalize"]


def as_f32(X):
    """``X`` as a C-contiguous float32 array (what faiss needs)."""
    return np.ascontiguousarray(X, dtype=np.float32)


def l2_normalize(X):
    """Rows scaled to unit Euclidean norm (all-zero rows stay zero), float32."""
    X = as_f32(X)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return as_f32(X / np.where(norms > 0, norms, 1.0))


def fingerprint(X) -> str:
    """A cheap identity of an embedding matrix: shape, dtype and a hash of <= 1024 rows."""
    X = np.asarray(X)
    step = max(1, len(X) // 1024)
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((X.shape, X.dtype.str)).encode())
    h.update(np.ascontiguousarray(X[::step]).tobytes())
    h.update(np.ascontiguousarray(X[-1:]).tobytes())
    return h.hexdigest()


def blas_threads():
    """The number of threads BLAS uses in this process now (1 if none is loaded)."""
    from threadpoolctl import threadpool_info

    counts = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(counts, default=1)
