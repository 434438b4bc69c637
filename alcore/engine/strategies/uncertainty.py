"""Uncertainty sampling: margin and entropy of the classifier's predicted probabilities.

Reference: B. Settles, "Active Learning Literature Survey", Univ. Wisconsin-Madison CS TR
1648, 2009 (margin: Scheffer et al. 2001; entropy: Shannon 1948).
"""

from __future__ import annotations

import numpy as np

from alcore.engine.strategies.base import QueryStrategy, batch_from_utilities, utility_rows

__all__ = ["EntropySampling", "MarginSampling", "predict_proba"]


def predict_proba(clf, X):
    """``clf.predict_proba(X)`` for a model-based strategy, at least two columns wide.

    A classifier fitted on a single class returns one column of ones; a zero column is
    appended so that margin and entropy are defined (all candidates then tie, and ties are
    broken at random). ``QueryStrategy.query`` has checked that some sample is labelled.
    """
    proba = np.asarray(clf.predict_proba(X), dtype=float)
    if proba.shape[1] == 1:
        proba = np.hstack([proba, np.zeros_like(proba)])
    return proba


_CHUNK = 65_536  # candidates scored at a time: no copy of the whole pool (1 GB at 650k x 384)


class _Uncertainty(QueryStrategy):
    needs_clf = True

    def _query(self, X, y, labelled, candidates, batch_size, clf, rng, return_utilities):
        util = np.empty(len(candidates))
        for c0 in range(0, len(candidates), _CHUNK):
            rows = candidates[c0 : c0 + _CHUNK]
            util[c0 : c0 + len(rows)] = self._utility(predict_proba(clf, X[rows]))
        return batch_from_utilities(
            util,
            candidates,
            len(X),
            batch_size,
            rng,
            utility_rows(batch_size, len(X), return_utilities),
        )


class MarginSampling(_Uncertainty):
    """Pick the samples with the smallest margin ``p_1 - p_2`` between the two most probable
    classes (Scheffer et al. 2001).

    The utility is ``1 - (p_1 - p_2)`` (scikit-activeml's ``UncertaintySampling(method=
    'margin_sampling')``); the batch is the ``batch_size`` largest utilities ("top-k"), ties
    broken uniformly at random with ``random_state`` (all candidates tie when the classifier
    knows a single class).

    Parameters
    ----------
    random_state : int, numpy Generator or None
    """

    name = "margin"
    order = 20

    @staticmethod
    def _utility(proba):
        top2 = -np.partition(-proba, 1, axis=1)[:, :2]
        return 1.0 - (top2[:, 0] - top2[:, 1])


class EntropySampling(_Uncertainty):
    """Pick the samples with the largest predictive entropy ``-sum_c p_c log p_c``.

    ``0 log 0 = 0``. Top-k batch, ties broken uniformly at random with ``random_state``.
    Equivalent to scikit-activeml's ``UncertaintySampling(method='entropy')``.

    Parameters
    ----------
    random_state : int, numpy Generator or None
    """

    name = "entropy"
    order = 30

    @staticmethod
    def _utility(proba):
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(proba > 0, proba * np.log(proba), 0.0)
        return -plogp.sum(axis=1)
