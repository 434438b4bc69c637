"""Uniform random sampling, the baseline of every active-learning comparison."""

from __future__ import annotations

import numpy as np

from .base import QueryStrategy

__all__ = ["RandomSampling", "batch_from_utilities"]


def batch_from_utilities(util, candidates, n_samples, batch_size, rng, rows=None):
    """Top-``batch_size`` candidates by utility, ties broken uniformly at random.

    Parameters
    ----------
    util : array of shape (n_candidates,)
        Utility of each candidate (larger is better).
    candidates : array of int, shape (n_candidates,)
        Indices into ``X`` of the candidates.
    n_samples : int
        ``len(X)``, the width of the utilities matrix.
    batch_size : int
    rng : numpy Generator
        Draws one random key per candidate: among equal utilities the order is random.
    rows : array or write-dropping stand-in, optional
        Where to write the utilities (``QueryStrategy._utility_rows``); default a new array.

    Returns
    -------
    indices : array of int, shape (batch_size,)
    utilities : array of shape (batch_size, n_samples)
        Row ``b``: the utilities seen when picking the ``b``-th sample (``nan`` for
        non-candidates and for the samples picked before), as scikit-activeml returns them.
    """
    util = np.asarray(util, dtype=float)
    order = np.lexsort((rng.random(len(candidates)), -util))[:batch_size]
    indices = np.asarray(candidates)[order]
    if rows is None:
        rows = np.full((batch_size, n_samples), np.nan)
    rows[:, candidates] = util
    for b in range(1, batch_size):
        rows[b:, indices[b - 1]] = np.nan
    return indices, rows


class RandomSampling(QueryStrategy):
    """Pick ``batch_size`` unlabelled samples uniformly at random, without replacement.

    Each candidate gets a uniform random utility from ``random_state``; the batch is the
    candidates with the largest ones (scikit-activeml's ``RandomSampling`` does the same).
    Works without any label, so it is also the random initial-pool selection.

    Parameters
    ----------
    random_state : int, numpy Generator or None
    """

    def _query(self, X, y, labelled, candidates, batch_size, clf, rng):
        return batch_from_utilities(rng.random(len(candidates)), candidates, len(X),
                                    batch_size, rng, self._utility_rows(batch_size, len(X)))
