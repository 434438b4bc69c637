"""The shared query API: parameter and input validation, and the helpers every strategy uses.

Parameter checks live in one place. Each strategy class declares ``_parameter_constraints``
(scikit-learn's format: parameter name -> list of accepted constraints, see
:mod:`alcore.core.constraints`) and :meth:`QueryStrategy.query` validates them before
it looks at the data. Helpers shared by several strategies:

- :func:`rand_argmax`: the position of the largest value, ties broken uniformly at random;
- :func:`batch_from_utilities`: the top-``batch_size`` candidates by utility;
- :func:`require_labels`: the error of a model-based strategy asked with no label;
- :func:`utility_rows`: the utilities array, or a write-dropping stand-in.
"""

from __future__ import annotations

import inspect
from typing import ClassVar

import numpy as np

from alcore.core.checks import check_random_state
from alcore.core.constraints import (
    Float,
    HasMethods,
    Int,
    InvalidParameterError,
    Satisfies,
    StrOptions,
    validate_params,
)
from alcore.core.errors import check_finite

__all__ = [
    "RANDOM_STATE",
    "Float",
    "HasMethods",
    "Int",
    "InvalidParameterError",
    "QueryStrategy",
    "Satisfies",
    "StrOptions",
    "batch_from_utilities",
    "rand_argmax",
    "require_labels",
    "utility_rows",
]


#: what ``random_state`` accepts everywhere (``check_random_state``)
RANDOM_STATE = [Int(0, None), np.random.RandomState, np.random.Generator, None]


class _NoUtilities:
    """Stands in for the ``(batch_size, n_samples)`` utilities array when the caller did not
    ask for utilities (the AL loop never does): writes are dropped, so a strategy can fill
    its rows unconditionally without allocating ``batch_size x n_samples`` floats (520 MB for
    a batch of 100 from 650,000 samples)."""

    def __setitem__(self, key, value):
        pass


def utility_rows(batch_size, n_samples, return_utilities):
    """A nan-filled ``(batch_size, n_samples)`` array for the utilities, or a sink that drops
    every write when the caller did not ask for them."""
    if return_utilities:
        return np.full((batch_size, n_samples), np.nan)
    return _NoUtilities()


def rand_argmax(values, rng, where=None):
    """Position of the largest of ``values`` (among ``where`` if given), ties broken uniformly
    at random with ``rng``; ``rng`` is drawn from only when there is a tie."""
    values = np.asarray(values)
    hit = values == (values.max() if where is None else values[where].max())
    if where is not None:
        hit &= where
    best = np.flatnonzero(hit)
    return int(best[0]) if len(best) == 1 else int(rng.choice(best))


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
        Where to write the utilities (:func:`utility_rows`); default a new array.

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


def require_labels(labelled, name):
    """Raise ``ValueError`` when no sample is labelled: a model-based strategy cannot act as
    an initial-pool selection."""
    if not np.any(labelled):
        raise ValueError(
            f"{name} needs a classifier trained on at least one labelled sample, but every "
            "label in y is nan. Use an initial-pool strategy (random, coreset, typiclust) first."
        )


class QueryStrategy:
    """Base class: scikit-activeml's ``query`` signature and validation.

    Subclasses declare ``_parameter_constraints`` (one entry per ``__init__`` parameter,
    scikit-learn's format) and implement ``_query(X, y, labelled, candidates, batch_size,
    clf, rng, return_utilities)`` returning ``(indices, utilities)``: ``indices`` into ``X``
    (a subset of ``candidates``), and ``utilities`` an array of shape ``(batch_size,
    len(X))`` (nan outside the candidates) or ``None`` where the strategy has no per-sample
    utility. The array comes from ``utility_rows(batch_size, len(X), return_utilities)``: a
    write-dropping stand-in when the caller did not ask for utilities. ``query`` changes no
    parameter; what a strategy keeps between queries is in attributes ending in ``_``
    (ProbCover's ``cache_`` and ``delta_``), documented by the class.
    """

    #: the strategy's name in the registry (:data:`alcore.engine.strategies.NAMES`); a class
    #: without one (an abstract base) is not registered
    name: ClassVar[str | None] = None
    #: its place in :data:`~alcore.engine.strategies.NAMES` (the paper's order: 10 ... 80)
    order: ClassVar[int] = 1000
    #: whether the study uses it as an initial-pool selection (IPS) too
    initial_pool: ClassVar[bool] = False
    needs_clf = False
    #: version of what the strategy picks: raised with every change that alters its picks
    #: for the same inputs and seed (the golden-picks test records one digest per version).
    #: Stored runs record it (:func:`alcore.engine.identity.code_identity`): a run of another
    #: version is stale and runs again.
    version: ClassVar[int] = 1
    _parameter_constraints: ClassVar[dict] = {"random_state": RANDOM_STATE}

    def __init__(self, random_state=None):
        self.random_state = random_state

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def _validate_params(self):
        """Check every ``__init__`` parameter against ``_parameter_constraints``; raises
        scikit-learn's ``InvalidParameterError`` (a ``ValueError`` and a ``TypeError``) naming
        the parameter, what it must be and the value got. A parameter without a declared
        constraint is a bug of the class (``KeyError``)."""
        values = {name: getattr(self, name) for name in self._param_names()}
        validate_params(type(self).__name__, self._parameter_constraints, values)

    def query(
        self, X, y, clf=None, fit_clf=True, candidates=None, batch_size=1, return_utilities=False
    ):
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
        self._validate_params()
        X, y, labelled, candidates, batch_size = self._validate(X, y, candidates, batch_size)
        if self.needs_clf:
            require_labels(labelled, type(self).__name__)
            clf = self._prepare_clf(clf, fit_clf, X, y, labelled)
        rng = check_random_state(self.random_state)
        return_utilities = bool(return_utilities)
        idx, util = self._query(X, y, labelled, candidates, batch_size, clf, rng, return_utilities)
        idx = np.asarray(idx, dtype=np.int64)
        if return_utilities:
            if util is None:
                util = np.full((batch_size, len(X)), np.nan)
            return idx, util
        return idx

    # -- helpers -------------------------------------------------------------------------
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
        if not Int(1).is_satisfied_by(batch_size):
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
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

            clf = clone(clf).fit(X[labelled], y[labelled].astype(int))
        return clf
