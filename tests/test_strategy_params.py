"""Strategy parameters are validated in one place (``QueryStrategy.query``, from each class's
``_parameter_constraints``) before any work; the shared helpers of ``strategies.base``; and a
golden table of picks that pins them across refactors."""

from __future__ import annotations

import hashlib
import inspect

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from alcore.core.constraints import InvalidParameterError
from alcore.engine.strategies import NAMES, base, get, get_class

RS_BAD = [(-1, ValueError), (1.5, TypeError), ("0", TypeError), (True, TypeError)]
INT1_BAD = [(0, ValueError), (2.5, TypeError), (True, TypeError), ("3", TypeError)]
INT0_BAD = [(-1, ValueError), (1.0, TypeError), (False, TypeError)]
BOOL_BAD = [(1, TypeError), ("yes", TypeError), (None, TypeError)]
CLUSTERER_BAD = [("kmeans", TypeError), (object(), TypeError)]

#: strategy -> parameter -> [(bad value, error type it must raise)]; every ``__init__``
#: parameter of the paper's eight strategies is listed (test_table_covers_every_parameter);
#: a strategy added later is checked with an arbitrary object for each parameter (_bad_table)
BAD = {
    "random": {"random_state": RS_BAD},
    "margin": {"random_state": RS_BAD},
    "entropy": {"random_state": RS_BAD},
    "coreset": {
        "start": [("centre", ValueError), (0, TypeError), (None, TypeError)],
        "random_state": RS_BAD,
    },
    "badge": {"bias": BOOL_BAD, "random_state": RS_BAD},
    "dropquery": {
        "dropout_rate": [
            (0, ValueError),
            (1.0, ValueError),
            (-0.5, ValueError),
            (True, TypeError),
            ("0.5", TypeError),
            (None, TypeError),
        ],
        "n_dropout": INT1_BAD,
        "rescale": BOOL_BAD,
        "minibatch_threshold": INT1_BAD,
        "random_state": RS_BAD,
    },
    "typiclust": {
        "k": INT1_BAD,
        "max_clusters": INT1_BAD,
        "min_cluster_size": INT0_BAD,
        "min_mean_cluster_size": INT1_BAD,
        "normalize": BOOL_BAD,
        "fast_kmeans_above": INT0_BAD,
        "clusterer": CLUSTERER_BAD,
        "warm_start": BOOL_BAD,
        "gram": BOOL_BAD,
        "random_state": RS_BAD,
    },
    "probcover": {
        "delta": [
            (0.0, ValueError),
            (-1.0, ValueError),
            (True, TypeError),
            ("1", TypeError),
            ([0.5], TypeError),
        ],
        "n_classes": [(1, ValueError), (2.0, TypeError), (True, TypeError)],
        "alpha": [(0, ValueError), (1.5, ValueError), (None, TypeError), (True, TypeError)],
        "deltas": [
            ([-1.0, 0.5], ValueError),
            ([], ValueError),
            ([[0.1]], ValueError),
            ("a", ValueError),
            ([np.inf], ValueError),
        ],
        "normalize": BOOL_BAD,
        "max_purity_samples": INT1_BAD,
        "purity_early_stop": BOOL_BAD,
        "approx_above": INT0_BAD,
        "n_probe": INT1_BAD,
        "fast_kmeans_above": INT0_BAD,
        "n_jobs": [(0, ValueError), (1.5, TypeError), (True, TypeError), ("2", TypeError)],
        "clusterer": CLUSTERER_BAD,
        "cache": BOOL_BAD,
        "progress": BOOL_BAD,
        "random_state": RS_BAD,
    },
}


def _bad_table(name) -> dict:
    if name in BAD:
        return BAD[name]
    return {p: [(object(), TypeError)] for p in get_class(name)._parameter_constraints}


CASES = [
    (name, param, bad, err)
    for name in NAMES
    for param, bads in _bad_table(name).items()
    for bad, err in bads
]


class _Untouchable:
    """Stands for X: any use of it (as an array, its length) fails the test."""

    def __array__(self, *args, **kwargs):
        raise AssertionError("query() looked at X before checking the parameters")

    def __len__(self):
        raise AssertionError("query() looked at X before checking the parameters")


def test_table_covers_every_parameter():
    assert set(BAD) <= set(NAMES)
    for name in NAMES:
        cls = get_class(name)
        params = set(inspect.signature(cls.__init__).parameters) - {"self"}
        assert set(_bad_table(name)) == params, name
        assert set(cls._parameter_constraints) == params, name


@pytest.mark.parametrize(
    ("name", "param", "bad", "err"), CASES, ids=[f"{n}-{p}-{b!r}" for n, p, b, _ in CASES]
)
def test_bad_parameter_raises_in_query_before_any_work(name, param, bad, err, monkeypatch):
    cls = get_class(name)
    monkeypatch.setattr(cls, "_query", lambda *a, **k: pytest.fail("_query ran"))
    qs = cls(**{param: bad})  # __init__ only stores
    assert getattr(qs, param) is bad
    with pytest.raises(err, match=f"'{param}' parameter of {cls.__name__}") as info:
        qs.query(_Untouchable(), _Untouchable(), batch_size=1)
    assert isinstance(info.value, InvalidParameterError)


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_numpy_scalars_are_valid(name):
    cls = get_class(name)
    cls(random_state=np.int64(3))._validate_params()
    cls(random_state=np.random.default_rng(0))._validate_params()
    cls(random_state=np.random.RandomState(0))._validate_params()


def test_rand_argmax_ties_and_mask():
    rng = np.random.default_rng(0)
    assert base.rand_argmax([1, 3, 2], rng) == 1
    state = rng.bit_generator.state
    base.rand_argmax([1, 3, 2], rng)  # no tie: the generator is not drawn from
    assert rng.bit_generator.state == state
    picks = {base.rand_argmax([3, 1, 3, 3], np.random.default_rng(s)) for s in range(40)}
    assert picks == {0, 2, 3}
    where = np.array([False, True, True, False])
    assert base.rand_argmax([9, 1, 2, 9], rng, where=where) == 2


def test_query_keeps_no_state_on_the_instance():
    X = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    y = np.full(60, np.nan)
    for name in ("random", "coreset", "typiclust", "probcover"):
        qs = get(name, random_state=0)
        before = dict(vars(qs))
        qs.query(X, y, batch_size=3, return_utilities=True)
        after = {k: v for k, v in vars(qs).items() if not k.endswith("_")}
        assert after.keys() == before.keys(), name


# -- golden picks: the refactors of the strategies keep every pick ---------------------------
def _pool():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 8)) * 1.5
    y = rng.integers(3, size=300)
    y[:3] = np.arange(3)
    X = (rng.standard_normal((300, 8)) + centres[y]).astype(np.float32)
    lab = np.unique(np.concatenate([np.arange(3), rng.choice(300, 9, replace=False)]))
    y_pool = np.full(300, np.nan)
    y_pool[lab] = y[lab]
    return X, y_pool


def _picks_digest(name, **params):
    X, y_pool = _pool()
    cls = get_class(name)
    out = []
    for y in (np.full(len(X), np.nan), y_pool):
        if cls.needs_clf and np.isnan(y).all():
            continue
        for batch in (1, 5, 17):
            kw = {"clf": LogisticRegression(max_iter=200)} if cls.needs_clf else {}
            qs = get(name, random_state=3, **params)
            out.append(qs.query(X, y, batch_size=batch, **kw).tolist())
    return hashlib.sha1(repr(out).encode()).hexdigest()[:16]


#: strategy -> {version: sha1 of the picks of :func:`_picks_digest`}. A change that alters a
#: strategy's picks raises its ``version`` (so that stored runs of the old picks run again,
#: :func:`alcore.engine.identity.code_identity`) and records the new digest under the new version;
#: a recorded digest is never edited. Version 1 is the code of issue 12's last changes: the
#: digests were recorded on the code before the parameter refactor (issue 14) and unchanged by
#: it; TypiClust's cap of one cluster per 12 pool samples (issue 12) changed its picks here (29
#: clusters of 300 samples became 25): the recorded digest is reproduced with
#: ``min_mean_cluster_size=1`` (the original rule). DropQuery's float32 k-means (issue 12)
#: replaced scikit-learn's float64 ``KMeans``: same algorithm, other random stream (before:
#: f7e6984fcfcdfcc1); so did TypiClust's small-pool k-means (k-means++ start, scikit-learn's
#: stopping rule; before: 6d9d8d22b4149144). Stores made before those changes did not record
#: versions, so their runs count as stale (none records a ``code`` identity). Version 2 of
#: DropQuery (16-bit dropout masks) and of TypiClust: ``kmeans_f32`` ranks the centres by
#: ``||c||^2 - 2 x.c`` (two passes fewer), which can round a tie the other way; TypiClust's
#: picks here are unchanged, its version is raised because they could change elsewhere.
#: ProbCover's version 2 stops the purity estimate early on pools above ``approx_above``,
#: which can (rarely) choose another radius there; these small pools are unchanged.
#: TypiClust's version 3 reads the k-means++ distances from the pool's Gram matrix from a
#: pool's second query on (other rounding of the same sums); these one-off queries are
#: unchanged.
GOLDEN = {
    "random": {1: "bc706c20568c0ab2"},
    "margin": {1: "9fa2f6b3a425b847"},
    "entropy": {1: "97007eb8113359f2"},
    "coreset": {1: "fbbac75e314568ba"},
    "probcover": {1: "bf47f6a4b4829776", 2: "bf47f6a4b4829776"},
    "typiclust": {1: "a3a488b5afac5260", 2: "a3a488b5afac5260", 3: "a3a488b5afac5260"},
    "badge": {1: "99057b8e933ed144"},
    "dropquery": {1: "d8ff8eebe267f35a", 2: "50b4d2a7930579b2"},
}


GOLDEN_PARAMS = {"typiclust": {"min_mean_cluster_size": 1}}


@pytest.mark.parametrize("name", NAMES)
def test_golden_picks(name):
    version = get_class(name).version
    assert version in GOLDEN[name], f"record the digest of {name}'s version {version}"
    digest = _picks_digest(name, **GOLDEN_PARAMS.get(name, {}))
    assert digest == GOLDEN[name][version], (
        f"{name}'s picks changed ({digest}): raise {get_class(name).__name__}.version and "
        "record the digest under it, so that stored runs of the old picks run again"
    )
