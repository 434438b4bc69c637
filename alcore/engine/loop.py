"""The paper's active-learning cycle on frozen embeddings (Rauch et al. 2025).

:func:`run_al` runs one AL experiment:

1. **Initial pool.** The initial-pool selection (IPS) strategy picks ``k0`` samples with every
   label missing (``strategies.get(ips).query(X, all-nan y, batch_size=k0)``).
2. **Cycles.** For ``t = 1..T`` (``T = cycles``) the query strategy picks ``b_t`` unlabelled
   samples given a logistic regression fitted on the labelled pool (passed with
   ``fit_clf=False``); their labels are revealed and a *fresh* logistic regression (LBFGS,
   ``max_iter=1000``) is trained from scratch on the whole labelled pool.
   ``clf_params={"warm_start": True}`` instead starts LBFGS at the previous cycle's
   coefficients: the same convex objective, solved to LBFGS's tolerance from another start,
   so its solutions differ from the plain fit's in their last digits and the picks of
   model-based strategies follow those differences; the plain refit is the default (the
   Performance chapter compares the two: ``alcore bench refit``).
3. **Evaluation.** After the IPS pool and after every cycle the classifier is scored on the
   test split (accuracy and macro-F1).

Batch sizes
    The paper uses ``b = (B - k0) / T``. When ``B - k0`` is not a multiple of ``T`` the
    remainder ``r`` is spread over the *first* ``r`` cycles (they pick ``b + 1``), so the final
    labelled pool holds exactly ``B`` samples. If ``B - k0 < T`` some cycles pick nothing; their
    rows repeat the pool (``picked`` is empty) so that every run has ``cycles + 1`` rows.

Seeds
    ``random_state`` seeds a :class:`numpy.random.SeedSequence` whose three spawned children
    seed, independently, the IPS, the query strategy and the classifier. IPS and strategy get a
    :class:`numpy.random.Generator` each (one per run, so consecutive queries draw fresh
    numbers); the classifier gets a 32-bit integer. The same ``random_state`` gives
    bit-identical results; ``None`` draws fresh OS entropy.

Fewer than two classes
    With a tiny ``k0`` the labelled pool can hold a single class, which
    :class:`~sklearn.linear_model.LogisticRegression` refuses to fit. The loop then uses
    :class:`ConstantClassifier`: it predicts that class, and its ``predict_proba`` is one-hot
    over the full class set ``0..C-1``. Model-based strategies then see identical scores for
    every candidate and break the ties at random. The run continues as usual once a second
    class is labelled.

Threads
    A BLAS product split over more threads adds in another order, and active learning grows
    such last-bit differences of a fit into other picks. So :func:`run_al` and
    :func:`full_data_accuracy` compute on :data:`RUN_THREADS` (= 1) threads for BLAS, OpenMP
    (threadpoolctl) and faiss whatever the caller's settings, restored afterwards
    (:func:`pin_threads`); the grid parallelises across runs instead. A strategy that uses
    threads for speed gives the same picks for any number: ProbCover's restricted ball graph
    computes each list block as one BLAS product on one thread and joins the blocks in their
    fixed pair order, whatever its ``n_jobs``.

The label space
    The number of classes ``C`` is known in advance (the training labels hold every class), as
    in the papers: strategies that take ``n_classes`` get it (ProbCover clusters the pool into
    ``C`` groups to choose its ball radius, once per pool, instead of re-estimating the radius
    each time a new class shows up among the labels). ``strategy_params`` can override it.
"""

from __future__ import annotations

import inspect
import time
from contextlib import contextmanager

import faiss  # at import: its BLAS and OpenMP are loaded before pin_threads limits them
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from alcore.core.errors import UnknownNameError, check_finite
from alcore.engine import strategies
from alcore.engine.classifiers import ConstantClassifier

__all__ = [
    "LOOP_VERSION",
    "RUN_THREADS",
    "ConstantClassifier",
    "batch_sizes",
    "derive_seeds",
    "full_data_accuracy",
    "pin_threads",
    "run_al",
]

#: version of the loop's protocol (seeds, batch sizes, fitting, scoring): raised with every
#: change that alters a run's rows for the same config, so that stored runs of the old loop
#: run again (:func:`alcore.engine.identity.code_identity`)
LOOP_VERSION = 1

#: BLAS, OpenMP and faiss threads of every run (see "Threads" in the module docstring)
RUN_THREADS = 1

COLUMNS = [
    "cycle",
    "n_labelled",
    "accuracy",
    "macro_f1",
    "fit_seconds",
    "query_seconds",
    "eval_seconds",
    "cpu_seconds",
    "picked",
]
CLF_DEFAULTS = {"solver": "lbfgs", "max_iter": 1000}


@contextmanager
def pin_threads(n=RUN_THREADS):
    """``n`` threads for BLAS and OpenMP (every library threadpoolctl finds) and for faiss
    (in the calling thread, which makes the loop's faiss calls); restored afterwards."""
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(int(n))
    try:
        with threadpool_limits(limits=int(n)):
            yield
    finally:
        faiss.omp_set_num_threads(previous)


def derive_seeds(random_state) -> dict:
    """Independent seeds for IPS, query strategy and classifier from one ``random_state``.

    Parameters
    ----------
    random_state : int, None, numpy Generator or RandomState
        An int (or None for OS entropy) seeds a ``SeedSequence`` directly; a Generator or
        RandomState contributes one drawn 63-bit integer.

    Returns
    -------
    dict with ``ips`` and ``strategy`` (``np.random.Generator``) and ``clf`` (int < 2**32).
    """
    if isinstance(random_state, np.random.Generator):
        random_state = int(random_state.integers(2**63 - 1))
    elif isinstance(random_state, np.random.RandomState):
        random_state = int(random_state.randint(0, 2**31 - 1))
    elif random_state is not None and (
        isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer))
    ):
        raise ValueError(
            f"random_state must be an int, None or a numpy Generator, got {random_state!r}"
        )
    ips, strat, clf = np.random.SeedSequence(random_state).spawn(3)
    return {
        "ips": np.random.default_rng(ips),
        "strategy": np.random.default_rng(strat),
        "clf": int(clf.generate_state(1, np.uint32)[0]),
    }


def batch_sizes(k0: int, budget: int, cycles: int) -> list[int]:
    """Per-cycle batch sizes: ``(budget - k0) // cycles``, the remainder on the first cycles.

    >>> batch_sizes(10, 53, 4)
    [11, 11, 11, 10]
    """
    if cycles == 0:
        return []
    base, rest = divmod(budget - k0, cycles)
    return [base + (t < rest) for t in range(cycles)]


def _check_labels(y, what):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {y.shape}")
    if y.dtype.kind in "iu":
        return y.astype(np.int64)
    if y.dtype.kind == "f" and np.isfinite(y).all() and (y == np.round(y)).all():
        return y.astype(np.int64)
    raise ValueError(
        f"{what} must be integer class labels 0..C-1 (got dtype {y.dtype}"
        f"{', non-integer values' if y.dtype.kind == 'f' else ''}); "
        "encode them with sklearn.preprocessing.LabelEncoder"
    )


def _validate(X_train, y_train, X_test, y_test):
    X_train, X_test = np.asarray(X_train), np.asarray(X_test)
    for X, what in ((X_train, "X_train"), (X_test, "X_test")):
        if X.ndim != 2 or X.dtype.kind not in "fiu":
            raise ValueError(
                f"{what} must be a numeric 2-D array (n_samples, dim), "
                f"got shape {X.shape} dtype {X.dtype}"
            )
        check_finite(X, f"{what} (embeddings)")
    if X_train.shape[1] != X_test.shape[1]:
        raise ValueError(
            f"X_train has dimension {X_train.shape[1]} but X_test has "
            f"{X_test.shape[1]}; embed both splits with the same encoder"
        )
    y_train, y_test = _check_labels(y_train, "y_train"), _check_labels(y_test, "y_test")
    if len(y_train) != len(X_train) or len(y_test) != len(X_test):
        raise ValueError(
            f"labels and embeddings differ in length: X_train {len(X_train)}, "
            f"y_train {len(y_train)}, X_test {len(X_test)}, y_test {len(y_test)}"
        )
    if len(X_train) == 0 or len(X_test) == 0:
        raise ValueError("X_train and X_test must both hold at least one sample")
    classes = np.unique(y_train)
    if not np.array_equal(classes, np.arange(len(classes))):
        raise ValueError(
            f"y_train labels must be 0..C-1 with every class present; got "
            f"{classes[:10].tolist()}{'...' if len(classes) > 10 else ''}. "
            "Encode them with sklearn.preprocessing.LabelEncoder"
        )
    unseen = np.setdiff1d(np.unique(y_test), classes)
    if unseen.size:
        raise ValueError(
            f"y_test holds labels never seen in training: {unseen[:10].tolist()}; "
            "drop those test samples or relabel both splits consistently"
        )
    return X_train, y_train, X_test, y_test, len(classes)


def _build_strategy(name, rng, params, n_classes):
    """``strategies.get(name)``, told the size of the label space if it takes ``n_classes``."""
    params = dict(params or {})
    cls = strategies.get_class(name)
    if "n_classes" in inspect.signature(cls.__init__).parameters:
        params.setdefault("n_classes", n_classes)
    return cls(random_state=rng, **params)


def _fit(X, y, n_classes, params, previous=None):
    """Fit the cycle's classifier; with ``warm_start`` start LBFGS at ``previous``'s solution.

    Warm start needs the previous fit to be a logistic regression over the same classes (the
    coefficient matrix has one row per class seen); otherwise the fit starts from zero.
    """
    classes = np.unique(y)
    if classes.size < 2:
        return ConstantClassifier(n_classes=n_classes).fit(X, y)
    clf = LogisticRegression(**params)
    if (
        params.get("warm_start")
        and isinstance(previous, LogisticRegression)
        and np.array_equal(previous.classes_, classes)
    ):
        # sklearn's warm_start reads coef_/intercept_ of the estimator being fitted: hand it
        # copies of the previous cycle's solution (same convex objective, so LBFGS converges
        # to the same optimum, up to tol, in fewer iterations).
        clf.coef_ = previous.coef_.copy()
        clf.intercept_ = np.array(previous.intercept_, copy=True)
    return clf.fit(X, y)


def _scores(clf, X_test, y_test):
    pred = clf.predict(X_test)
    return (
        float(accuracy_score(y_test, pred)),
        float(f1_score(y_test, pred, average="macro", zero_division=0)),
    )


def _check_picks(picks, expected, is_labelled, who):
    picks = np.asarray(picks, dtype=np.int64).ravel()
    if (
        len(picks) != expected
        or np.unique(picks).size != len(picks)
        or picks.min(initial=0) < 0
        or picks.max(initial=0) >= len(is_labelled)
        or is_labelled[picks].any()
    ):
        raise RuntimeError(
            f"strategy {who!r} returned invalid picks (need {expected} distinct "
            f"unlabelled indices, got {picks[:10].tolist()}...); this is a bug "
            "in the strategy"
        )
    return picks


def run_al(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    ips="random",
    k0,
    strategy="random",
    budget,
    cycles=20,
    random_state=0,
    clf_params=None,
    strategy_params=None,
    progress=False,
):
    """Run one active-learning experiment: IPS, then ``cycles`` query-retrain-evaluate cycles.

    Every fit and query runs on :data:`RUN_THREADS` threads for BLAS, OpenMP and faiss,
    whatever the caller's settings (restored on return): the same arguments give the same
    frame, bit for bit, in a notebook, the CLI or a grid worker.

    Parameters
    ----------
    X_train, y_train : arrays of shape (n, dim) and (n,)
        The unlabelled pool's embeddings and its (hidden) labels ``0..C-1``.
    X_test, y_test : arrays of shape (m, dim) and (m,)
        The test split used for evaluation.
    ips : str, default="random"
        Initial-pool selection, one of ``strategies.IPS_NAMES``.
    k0 : int
        Size of the initial pool (at least 1).
    strategy : str or object, default="random"
        Query strategy, one of ``strategies.NAMES``; or an already-built object with the
        query API of :class:`alcore.engine.strategies.base.QueryStrategy` (e.g. a scikit-activeml
        strategy wrapped by :class:`alcore.bench.SkactivemlStrategy`), which then owns its
        own random state (``strategy_params`` must be None).
    budget : int
        Final labelled-pool size ``B`` (``k0 <= B <= n``); ignored beyond validation when
        ``cycles=0``.
    cycles : int, default=20
        Number of query cycles ``T``; 0 runs the IPS only.
    random_state : int, None or numpy Generator, default=0
        Seeds IPS, strategy and classifier independently (see :func:`derive_seeds`).
    clf_params : dict, optional
        Overrides for ``LogisticRegression(solver="lbfgs", max_iter=1000, random_state=...)``.
        ``{"warm_start": True}`` starts each cycle's fit at the previous cycle's coefficients
        (when it saw the same classes) instead of zero; the default is the plain refit from
        scratch (see the module notes for why).
    strategy_params : dict, optional
        Extra parameters for the query strategy (``strategies.get(strategy, **params)``).
    progress : bool, default=False
        Show a tqdm progress bar over the cycles.

    Returns
    -------
    pandas.DataFrame
        One row per cycle (``cycles + 1`` rows): ``cycle, n_labelled, accuracy, macro_f1,
        fit_seconds, query_seconds, eval_seconds, cpu_seconds, picked`` (wall seconds of the
        fit, the query and the test scoring; ``cpu_seconds``: the process CPU time of the
        whole cycle; ``picked``: the indices added before this cycle's fit; the IPS pool for
        cycle 0).
    """
    return _run_al(
        X_train,
        y_train,
        X_test,
        y_test,
        ips=ips,
        k0=k0,
        strategy=strategy,
        budget=budget,
        cycles=cycles,
        random_state=random_state,
        clf_params=clf_params,
        strategy_params=strategy_params,
        progress=progress,
    )[0]


@pin_threads()
def _run_al(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    ips,
    k0,
    strategy,
    budget,
    cycles,
    random_state,
    clf_params,
    strategy_params,
    progress,
):
    """:func:`run_al`, returning ``(frame, the final cycle's classifier)``."""
    X_train, y_train, X_test, y_test, n_classes = _validate(X_train, y_train, X_test, y_test)
    n = len(X_train)
    for name, value in (("k0", k0), ("budget", budget), ("cycles", cycles)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an int, got {value!r}")
    if k0 < 1:
        raise ValueError(f"k0 must be at least 1 (the initial pool size), got {k0}")
    if k0 > n:
        raise ValueError(
            f"k0={k0} is larger than the pool of {n} training samples; "
            "lower k0 (or raise pool_cap if the pool was capped)"
        )
    if budget > n:
        raise ValueError(
            f"budget={budget} is larger than the pool of {n} training samples; lower the budget"
        )
    if budget < k0:
        raise ValueError(
            f"budget={budget} is smaller than k0={k0}; the budget counts the "
            "initial pool, so it must be at least k0"
        )
    if cycles < 0:
        raise ValueError(f"cycles must be >= 0, got {cycles}")
    if str(ips).lower() not in strategies.IPS_NAMES:
        raise UnknownNameError("IPS", ips, strategies.IPS_NAMES)
    if hasattr(strategy, "query"):
        if strategy_params:
            raise ValueError("strategy_params only apply to a strategy given by name")
    elif str(strategy).lower() not in strategies.NAMES:
        raise UnknownNameError("strategy", strategy, strategies.NAMES)

    seeds = derive_seeds(random_state)
    params = {**CLF_DEFAULTS, "random_state": seeds["clf"], **(clf_params or {})}
    y_pool = np.full(n, np.nan)

    def cycle_row(t, picks, query_s, cpu_start, previous=None):
        y_pool[picks] = y_train[picks]
        lab = ~np.isnan(y_pool)
        start = time.perf_counter()
        clf = _fit(X_train[lab], y_train[lab], n_classes, params, previous)
        fit_s = time.perf_counter() - start
        acc, f1 = _scores(clf, X_test, y_test)
        eval_s = time.perf_counter() - start - fit_s
        return clf, {
            "cycle": t,
            "n_labelled": int(lab.sum()),
            "accuracy": acc,
            "macro_f1": f1,
            "fit_seconds": fit_s,
            "query_seconds": query_s,
            "eval_seconds": eval_s,
            "cpu_seconds": time.process_time() - cpu_start,
            "picked": [int(i) for i in picks],
        }

    who = strategy if isinstance(strategy, str) else type(strategy).__name__
    bar = tqdm(total=cycles + 1, desc=f"AL {who}", disable=not progress, leave=False)
    start, cpu_start = time.perf_counter(), time.process_time()
    picks = strategies.get(ips, random_state=seeds["ips"]).query(X_train, y_pool, batch_size=k0)
    query_s = time.perf_counter() - start
    picks = _check_picks(picks, k0, np.zeros(n, bool), ips)
    clf, row = cycle_row(0, picks, query_s, cpu_start)
    rows = [row]
    bar.update()
    query = (
        strategy
        if hasattr(strategy, "query")
        else _build_strategy(strategy, seeds["strategy"], strategy_params, n_classes)
    )
    for t, b in enumerate(batch_sizes(k0, budget, cycles), start=1):
        start, cpu_start = time.perf_counter(), time.process_time()
        picks = (
            query.query(X_train, y_pool, clf=clf, fit_clf=False, batch_size=b)
            if b
            else np.empty(0, np.int64)
        )
        query_s = time.perf_counter() - start
        picks = _check_picks(picks, b, ~np.isnan(y_pool), who)
        clf, row = cycle_row(t, picks, query_s, cpu_start, clf)
        rows.append(row)
        bar.update()
    bar.close()
    return pd.DataFrame(rows, columns=COLUMNS), clf


@pin_threads()
def full_data_accuracy(X_train, y_train, X_test, y_test, clf_params=None, random_state=0):
    """Upper bound: the logistic regression trained on the whole labelled training split.

    Fitted and scored on :data:`RUN_THREADS` threads, like every run (:func:`pin_threads`).

    Parameters
    ----------
    X_train, y_train, X_test, y_test : arrays
        As in :func:`run_al`.
    clf_params : dict, optional
        Overrides for ``LogisticRegression(solver="lbfgs", max_iter=1000)``.
    random_state : int, default=0
        The classifier's ``random_state`` (LBFGS itself is deterministic).

    Returns
    -------
    dict with ``accuracy`` and ``macro_f1``.
    """
    X_train, y_train, X_test, y_test, n_classes = _validate(X_train, y_train, X_test, y_test)
    params = {**CLF_DEFAULTS, "random_state": random_state, **(clf_params or {})}
    acc, f1 = _scores(_fit(X_train, y_train, n_classes, params), X_test, y_test)
    return {"accuracy": acc, "macro_f1": f1}
