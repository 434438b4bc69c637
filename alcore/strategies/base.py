"""The shared query API and its input validation."""

from __future__ import annotations

import numpy as np

from ..errors import check_finite

__all__ = ["QueryStrategy", "check_rng"]


class _NoUtilities:
    """Stands in for the ``(batch_size, n_samples)`` utilities array when the caller did not
    ask for utilities (the AL loop never does): writes are dropped, so a strategy can fill
    its rows unconditionally without allocating ``batch_size x n_samples`` floats (520 MB for
    a batch of 100 from 650,000 samples)."""

    def __setitem__(self, key, value):
        pass


def check_rng(random_state) -> np.random.Generator:
    """A ``np.random.Generator`` from an int, None, Generator or legacy RandomState."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    return np.random.default_rng(random_state)


class QueryStrategy:
    """Base class: scikit-activeml's ``query`` signature and validation.

    Subclasses implement ``_query(X, y, labelled, candidates, batch_size, clf, rng)`` returning
    ``(indices, utilities)``: ``indices`` into ``X`` (a subset of ``candidates``), and
    ``utilities`` an array of shape ``(batch_size, len(X))`` (nan outside the candidates) or
    ``None`` where the strategy has no per-sample utility. Subclasses get that array from
    ``self._utility_rows(batch_size, len(X))``: a write-dropping stand-in when the caller did
    not ask for utilities.
    """

    needs_clf = False

    def __init__(self, random_state=None):
        self.random_state = random_state

    def query(self, X, y, clf=None, fit_clf=True, candidates=None, batch_size=1,
              return_utilities=False):
        """Pick ``batch_size`` unlabelled samples to label next.

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            Embeddings of the whole pool, labelled and unlabelled.
        y : array of shape (n_samples,)
            Labels 0..C-1, ``np.nan`` for unlabelled samples.
        clf : classifier with ``predict_proba``, optional
            Needed by model-based strategies (margin, entropy, badge, dropquery).
        fit_clf : bool, default=True
            Fit a clone of ``clf`` on the labelled samples first; ``False`` uses ``clf`` as is.
        candidates : array of int, optional
            Indices of the samples that may be picked; default all unlabelled.
        batch_size : int, default=1
            How many to pick.
        return_utilities : bool, default=False
            Also return the utilities, shape ``(batch_size, n_samples)``.

        Returns
        -------
        query_indices : array of int, shape (batch_size,)
        utilities : array, only if ``return_utilities``
        """
        X, y, labelled, candidates, batch_size = self._validate(X, y, candidates, batch_size)
        if self.needs_clf:
            clf = self._prepare_clf(clf, fit_clf, X, y, labelled)
        rng = check_rng(self.random_state)
        self._want_utilities = bool(return_utilities)
        try:
            idx, util = self._query(X, y, labelled, candidates, batch_size, clf, rng)
        finally:
            del self._want_utilities
        idx = np.asarray(idx, dtype=np.int64)
        if return_utilities:
            if util is None:
                util = np.full((batch_size, len(X)), np.nan)
            return idx, util
        return idx

    # -- helpers -------------------------------------------------------------------------
    def _utility_rows(self, batch_size, n_samples):
        """A nan-filled ``(batch_size, n_samples)`` array for the utilities, or a sink that
        drops every write when this ``query`` call did not ask for them."""
        if getattr(self, "_want_utilities", True):
            return np.full((batch_size, n_samples), np.nan)
        return _NoUtilities()

    @staticmethod
    def _validate(X, y, candidates, batch_size):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
        if X.dtype.kind not in "fiu":
            raise ValueError(f"X must be numeric, got dtype {X.dtype}")
        check_finite(X, "X (embeddings)")
        y = np.asarray(y, dtype=float)
        if y.shape != (len(X),):
            raise ValueError(f"y must have shape ({len(X)},) to match X, got {y.shape}")
        labelled = ~np.isnan(y)
        if candidates is None:
            candidates = np.flatnonzero(~labelled)
        else:
            candidates = np.asarray(candidates)
            if candidates.ndim != 1 or candidates.dtype.kind not in "iu":
                raise ValueError("candidates must be a 1-D array of integer indices into X")
            if candidates.size and (candidates.min() < 0 or candidates.max() >= len(X)):
                raise ValueError(f"candidates must index into X (0..{len(X) - 1})")
            candidates = np.unique(candidates[~labelled[candidates]])
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if batch_size > len(candidates):
            raise ValueError(
                f"batch_size={batch_size} is larger than the {len(candidates)} unlabelled "
                "candidates left; lower the batch size or the budget"
            )
        return X, y, labelled, candidates, int(batch_size)

    @staticmethod
    def _prepare_clf(clf, fit_clf, X, y, labelled):
        if clf is None:
            from sklearn.linear_model import LogisticRegression

            clf, fit_clf = LogisticRegression(max_iter=1000), True
        if fit_clf:
            from sklearn.base import clone

            if labelled.sum() == 0:
                raise ValueError("a model-based strategy needs at least one labelled sample")
            clf = clone(clf).fit(X[labelled], y[labelled].astype(int))
        return clf
