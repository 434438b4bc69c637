"""CoreSet: greedy k-center selection (Sener & Savarese 2018), memory O(N)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from alcore.engine.strategies.base import (
    RANDOM_STATE,
    QueryStrategy,
    StrOptions,
    rand_argmax,
    utility_rows,
)

__all__ = ["CoreSet", "min_sq_distances"]

_BLOCK = 2**22  # elements of one (rows x centres) distance block: 16 MiB in float32


def _sq_norms(X):
    return np.einsum("ij,ij->i", X, X)


def min_sq_distances(X, centres, sq_norms=None):
    """Squared Euclidean distance of every row of ``X`` to its nearest row of ``centres``.

    Computed in float32 blocks of at most 2**22 distances, never an (N, N) matrix.
    ``||x - c||^2 = ||x||^2 + ||c||^2 - 2 x.c``, clipped at 0.
    """
    X = np.asarray(X, dtype=np.float32)
    C = np.asarray(centres, dtype=np.float32)
    xn = _sq_norms(X) if sq_norms is None else sq_norms
    out = np.full(len(X), np.inf, dtype=np.float32)
    cstep = max(1, min(len(C), 4096))
    rstep = max(1, _BLOCK // cstep)
    for c0 in range(0, len(C), cstep):
        Cb = C[c0 : c0 + cstep]
        cn = _sq_norms(Cb)
        for r0 in range(0, len(X), rstep):
            d = X[r0 : r0 + rstep] @ Cb.T
            d *= -2
            d += cn
            d += xn[r0 : r0 + rstep, None]
            np.minimum(out[r0 : r0 + rstep], d.min(axis=1), out=out[r0 : r0 + rstep])
    return np.maximum(out, 0, out=out)


class CoreSet(QueryStrategy):
    """Greedy k-center (farthest-first traversal) of Sener & Savarese (2018).

    Each pick is the candidate farthest (Euclidean) from its nearest centre, the centres
    being the labelled samples and the samples picked so far in the batch — the greedy
    2-approximation of the paper's k-center objective (Algorithm 1; the robust MIP variant
    with outliers is not used, as in scikit-activeml's ``CoreSet``).

    Implementation: float32, the nearest-centre distances of all samples are kept in one
    O(N) array and updated with one matrix-vector product per pick; the initial distances to
    the labelled set are computed in blocks, so memory stays O(N + block) and never N x N.

    Choices the paper leaves open:

    - **No labelled sample** (initial-pool selection): the first centre is a candidate drawn
      uniformly at random with ``random_state`` (what scikit-activeml does, its utilities
      being all zero), then farthest-first. ``start="mean"`` instead starts from the
      candidate closest to the candidates' mean (deterministic).
    - **Ties** of the largest distance are broken uniformly at random.
    - Non-candidate unlabelled samples are neither picked nor used as centres.

    Parameters
    ----------
    start : {"random", "mean"}, default="random"
        First centre when nothing is labelled.
    random_state : int, numpy Generator or None

    References
    ----------
    O. Sener and S. Savarese, "Active Learning for Convolutional Neural Networks: A Core-Set
    Approach", ICLR 2018.
    """

    name = "coreset"
    order = 40
    initial_pool = True

    _parameter_constraints: ClassVar[dict] = {
        "start": [StrOptions({"random", "mean"})],
        "random_state": RANDOM_STATE,
    }

    def __init__(self, start="random", random_state=None):
        self.start = start
        self.random_state = random_state

    def _query(self, X, y, labelled, candidates, batch_size, clf, rng, return_utilities):
        X = np.asarray(X, dtype=np.float32)
        xn = _sq_norms(X)
        is_cand = np.zeros(len(X), dtype=bool)
        is_cand[candidates] = True
        if labelled.any():
            dist = min_sq_distances(X, X[labelled], xn)
        else:
            dist = np.full(len(X), np.inf, dtype=np.float32)
        dist[~is_cand] = 0  # only candidates can be picked; min() keeps them at 0
        picked, rows = [], utility_rows(batch_size, len(X), return_utilities)
        for b in range(batch_size):
            d = dist[candidates]
            if np.isinf(d).all():  # nothing labelled and nothing picked yet
                rows[b, candidates] = 0.0  # all tie
                if self.start == "mean":
                    mu = X[candidates].mean(axis=0, keepdims=True)
                    i = int(candidates[np.argmin(min_sq_distances(X[candidates], mu))])
                else:
                    i = int(rng.choice(candidates))
            else:
                rows[b, candidates] = np.sqrt(np.maximum(d, 0))
                rows[b, picked] = np.nan
                i = int(candidates[rand_argmax(d, rng)])
            picked.append(i)
            new = xn + xn[i] - 2 * (X @ X[i])
            np.minimum(dist, np.maximum(new, 0), out=dist)
            # -inf, not 0: once every candidate left duplicates a centre (all at distance 0),
            # the tie-break must still choose among the samples not yet picked
            dist[i] = -np.inf
        return np.array(picked), rows
