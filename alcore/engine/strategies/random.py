"""Uniform random sampling, the baseline of every active-learning comparison."""

from __future__ import annotations

from alcore.engine.strategies.base import QueryStrategy, batch_from_utilities, utility_rows

__all__ = ["RandomSampling"]


class RandomSampling(QueryStrategy):
    """Pick ``batch_size`` unlabelled samples uniformly at random, without replacement.

    Each candidate gets a uniform random utility from ``random_state``; the batch is the
    candidates with the largest ones (scikit-activeml's ``RandomSampling`` does the same).
    Works without any label, so it is also the random initial-pool selection.

    Parameters
    ----------
    random_state : int, numpy Generator or None
    """

    name = "random"
    order = 10
    initial_pool = True

    def _query(self, X, y, labelled, candidates, batch_size, clf, rng, return_utilities):
        return batch_from_utilities(
            rng.random(len(candidates)),
            candidates,
            len(X),
            batch_size,
            rng,
            utility_rows(batch_size, len(X), return_utilities),
        )
