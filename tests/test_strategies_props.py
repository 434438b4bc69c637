"""Shared properties of every query strategy in ``alcore.engine.strategies.NAMES``.

Modelled on scikit-activeml's shared query-strategy test templates: valid picks,
``candidates``, reproducibility, batch-size and input validation, utilities' shape,
single-class classifiers and initial-pool selection. Strategies whose module does not exist
yet are skipped.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from alcore.core.errors import UnknownNameError
from alcore.engine.strategies import IPS_NAMES, NAMES, get, get_class

MODEL_BASED = ("margin", "entropy", "badge", "dropquery")
N, K = 150, 12  # pool size, labelled samples


def make(name, **kw):
    try:
        get_class(name)
    except ImportError as exc:  # a colleague's module not written yet
        pytest.skip(f"strategy {name!r} not importable yet: {exc}")
    return get(name, **kw)


@pytest.fixture(scope="module")
def pool():
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=4.0, size=(3, 6))
    labels = rng.integers(0, 3, N)
    X = (centres[labels] + rng.normal(size=(N, 6))).astype(np.float32)
    y = np.full(N, np.nan)
    lab = np.concatenate([np.flatnonzero(labels == c)[:4] for c in range(3)])
    y[lab] = labels[lab]
    clf = LogisticRegression(max_iter=1000).fit(X[lab], labels[lab])
    return X, y, clf


def query(name, pool, random_state=0, **kw):
    X, y, clf = pool
    kw.setdefault("clf", clf)
    kw.setdefault("fit_clf", False)
    return make(name, random_state=random_state).query(X, y, **kw)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("batch_size", [1, 7])
def test_picks_unlabelled_unique_exact(name, pool, batch_size):
    idx = query(name, pool, batch_size=batch_size)
    assert idx.shape == (batch_size,) and idx.dtype.kind == "i"
    assert len(set(idx.tolist())) == batch_size
    assert np.isnan(pool[1][idx]).all()


@pytest.mark.parametrize("name", NAMES)
def test_respects_candidates(name, pool):
    y = pool[1]
    labelled = np.flatnonzero(~np.isnan(y))
    cand = np.concatenate([np.flatnonzero(np.isnan(y))[::3], labelled[:3]])
    idx = query(name, pool, candidates=cand, batch_size=5)
    assert set(idx.tolist()) <= set(cand.tolist()) - set(labelled.tolist())
    assert len(set(idx.tolist())) == 5


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_picks(name, pool):
    a = query(name, pool, random_state=3, batch_size=6)
    b = query(name, pool, random_state=3, batch_size=6)
    np.testing.assert_array_equal(a, b)
    c = query(name, pool, random_state=np.random.default_rng(3), batch_size=6)
    d = query(name, pool, random_state=np.random.default_rng(3), batch_size=6)
    np.testing.assert_array_equal(c, d)
    e = query(name, pool, random_state=np.random.RandomState(3), batch_size=6)
    assert len(set(e.tolist())) == 6


@pytest.mark.parametrize("name", ["random"])
def test_different_seed_different_picks(name, pool):
    picks = {tuple(query(name, pool, random_state=s, batch_size=5)) for s in range(5)}
    assert len(picks) > 1


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("batch_size", [0, -1, N, 1.5, "3", True, None])
def test_bad_batch_size(name, pool, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        query(name, pool, batch_size=batch_size)


@pytest.mark.parametrize("name", NAMES)
def test_nan_in_X_raises(name, pool):
    X, y, clf = pool
    X = X.copy()
    X[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make(name, random_state=0).query(X, y, clf=clf, fit_clf=False)


@pytest.mark.parametrize("name", NAMES)
def test_utilities_shape(name, pool):
    idx, util = query(name, pool, batch_size=4, return_utilities=True)
    assert util.shape == (4, N)
    assert np.isnan(util[:, ~np.isnan(pool[1])]).all()  # labelled: never candidates
    assert len(idx) == 4


@pytest.mark.parametrize("name", NAMES)
def test_utilities_cost_nothing_unless_asked_and_change_no_pick(name, pool, monkeypatch):
    """Without return_utilities (the loop never asks) no (batch_size x n_samples) array is
    made (520 MB at 650,000 x 100); the picks are the same either way."""
    import sys

    from alcore.engine.strategies import base, get_class

    made = []

    def spy(batch_size, n_samples, return_utilities):
        made.append(base.utility_rows(batch_size, n_samples, return_utilities))
        return made[-1]

    monkeypatch.setattr(sys.modules[get_class(name).__module__], "utility_rows", spy)
    picks = query(name, pool, batch_size=5)
    assert made and all(isinstance(m, base._NoUtilities) for m in made)
    made.clear()
    same, util = query(name, pool, batch_size=5, return_utilities=True)
    assert made and all(isinstance(m, np.ndarray) for m in made)
    np.testing.assert_array_equal(picks, same)
    assert util.shape == (5, N)


def test_no_utilities_array_in_memory_unless_asked():
    import tracemalloc

    rng = np.random.default_rng(1)
    n, batch = 50_000, 100
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = np.full(n, np.nan)
    y[:30] = np.arange(30) % 3
    clf = LogisticRegression(max_iter=1000).fit(X[:30], y[:30].astype(int))
    peaks = []
    for want in (False, True):
        tracemalloc.start()
        get("margin", random_state=0).query(
            X, y, clf=clf, fit_clf=False, batch_size=batch, return_utilities=want
        )
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] - peaks[0] > 0.9 * batch * n * 8  # the 40 MB array, and only then


@pytest.mark.parametrize("name", NAMES)
def test_single_class_classifier(name, pool):
    X, y, _ = pool
    y1 = np.where(np.isnan(y), np.nan, 0.0)
    clf = LogisticRegression(max_iter=1000)
    try:  # scikit-learn refuses to fit one class; fake a fitted one-class model
        clf.fit(X[~np.isnan(y1)], y1[~np.isnan(y1)].astype(int))
    except ValueError:
        clf = _OneClass()
    idx = make(name, random_state=0).query(X, y1, clf=clf, fit_clf=False, batch_size=5)
    assert len(set(idx.tolist())) == 5 and np.isnan(y1[idx]).all()


class _OneClass:
    """What a classifier trained on a single class predicts: probability 1 for it."""

    classes_ = np.array([0])

    def predict_proba(self, X):
        return np.ones((len(X), 1))

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


@pytest.mark.parametrize("name", [n for n in NAMES if n in IPS_NAMES])
def test_initial_pool_selection(name, pool):
    X = pool[0]
    y = np.full(N, np.nan)
    idx = make(name, random_state=0).query(X, y, batch_size=10)
    assert len(set(idx.tolist())) == 10
    again = make(name, random_state=0).query(X, y, batch_size=10)
    np.testing.assert_array_equal(idx, again)


@pytest.mark.parametrize("name", MODEL_BASED)
@pytest.mark.parametrize("fit_clf", [True, False])
def test_model_based_without_labels_raises(name, pool, fit_clf):
    X, _, clf = pool
    with pytest.raises(ValueError, match="labelled"):
        make(name, random_state=0).query(X, np.full(N, np.nan), clf=clf, fit_clf=fit_clf)


@pytest.mark.parametrize("name", MODEL_BASED)
def test_model_based_fits_clf_itself(name, pool):
    X, y, _ = pool
    idx = make(name, random_state=0).query(X, y, batch_size=3)  # default LR, fit_clf=True
    assert len(set(idx.tolist())) == 3 and np.isnan(y[idx]).all()


def test_unknown_name_lists_valid_names():
    with pytest.raises(UnknownNameError, match="margin"):
        get("margn")


@pytest.mark.parametrize("name", NAMES)
def test_whole_pool_as_batch(name, pool):
    y = pool[1]
    cand = np.flatnonzero(np.isnan(y))[:6]
    idx = query(name, pool, candidates=cand, batch_size=6)
    assert sorted(idx.tolist()) == sorted(cand.tolist())


def test_coreset_mean_start_is_deterministic(pool):
    X = pool[0]
    y = np.full(N, np.nan)
    picks = {
        tuple(get("coreset", start="mean", random_state=s).query(X, y, batch_size=3))
        for s in range(3)
    }
    assert len(picks) == 1
    with pytest.raises(ValueError, match="start"):
        get("coreset", start="centre").query(X, y)


@pytest.mark.parametrize(
    "params", [{"dropout_rate": 1.0}, {"dropout_rate": 0}, {"n_dropout": 0}, {"n_dropout": 2.5}]
)
def test_dropquery_bad_params(pool, params):
    X, y, clf = pool
    with pytest.raises(ValueError, match=next(iter(params))):
        get("dropquery", **params).query(X, y, clf=clf, fit_clf=False)


def test_dropquery_fills_up_randomly_when_few_are_uncertain(pool):
    X, y, clf = pool  # tiny dropout: (almost) no prediction flips, so the batch is filled
    a = get("dropquery", dropout_rate=1e-6, random_state=0).query(
        X, y, clf=clf, fit_clf=False, batch_size=8
    )
    b = get("dropquery", dropout_rate=1e-6, random_state=1).query(
        X, y, clf=clf, fit_clf=False, batch_size=8
    )
    assert len(set(a.tolist())) == 8 and np.isnan(y[a]).all()
    assert set(a.tolist()) != set(b.tolist())


def test_coreset_picks_distinct_samples_when_the_pool_is_all_duplicates():
    """k0 = the whole pool, with exact duplicate embeddings (sms_spam has duplicate texts):
    once the farthest remaining sample is at distance 0, CoreSet must still pick samples it
    has not picked yet (it used to return repeats, failing the loop's check)."""
    from alcore.engine.strategies import get

    X = np.repeat(np.random.default_rng(0).normal(size=(5, 3)), 4, axis=0).astype(np.float32)
    y = np.full(len(X), np.nan)
    picks = get("coreset", random_state=0).query(X, y, batch_size=len(X))
    assert sorted(picks) == list(range(len(X)))


@pytest.mark.parametrize("n_classes", [2, 4])
def test_dropquery_linear_fast_path_gives_the_generic_picks(n_classes):
    """The linear fast path (no per-call validation) returns what ``clf.predict`` returns:
    with a wrapper that hides the linear model, the picks and utilities are identical."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 12)).astype(np.float32)
    y_true = rng.integers(n_classes, size=600)
    X += y_true[:, None] * 0.4
    y = np.full(600, np.nan)
    y[:40] = y_true[:40]
    clf = LogisticRegression(max_iter=1000).fit(X[:40], y_true[:40])

    class Opaque:  # not a LinearClassifierMixin: the generic clf.predict path
        classes_ = clf.classes_

        def predict(self, Z):
            return clf.predict(Z)

    fast = get("dropquery", random_state=3).query(
        X, y, clf=clf, fit_clf=False, batch_size=10, return_utilities=True
    )
    slow = get("dropquery", random_state=3).query(
        X, y, clf=Opaque(), fit_clf=False, batch_size=10, return_utilities=True
    )
    assert np.array_equal(fast[0], slow[0])
    assert np.array_equal(fast[1], slow[1], equal_nan=True)
