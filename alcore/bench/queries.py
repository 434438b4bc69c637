"""One query per strategy, timed and its peak memory measured: alcore against scikit-activeml.

For every strategy and implementation, :func:`run_benchmark` times one query of ``batch``
samples on seeded synthetic data (Gaussian blobs: one normal centre per class, unit-variance
noise, float32), with a random labelled pool of ``max(batch, 5 * classes)`` samples and a
logistic regression fitted on it beforehand (not timed; model-based strategies get it with
``fit_clf=False``). Each measurement runs in a **fresh subprocess** (``python -m
alcore.bench.queries``) so that its peak memory is its own, with BLAS/OpenMP threads pinned
by ``threadpoolctl`` and the ``*_NUM_THREADS`` variables (the count is reported), after a
small warm-up query (imports, JIT) on other data. ``seconds`` is the wall time of this
*cold* query: one-time work that alcore caches across cycles (ProbCover's ball graph and
delta) is included. ``warm_seconds`` times the same query again on the same strategy object.
``peak_mb`` is the larger of two peaks above the level just before the query: the
``tracemalloc`` peak (measured in a second, untimed query because tracing slows allocation
down) and the process RSS sampled every 2 ms by ``psutil`` in a thread during the timed
query (catches native buffers of BLAS, faiss or torch that ``tracemalloc`` misses). Runs over
the per-run timeout are killed (status ``timeout``). scikit-activeml runs whose estimated
memory exceeds 70 % of the available RAM are not started (status ``cannot run: needs X GB``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from alcore.core.errors import UnknownNameError
from alcore.engine import strategies

__all__ = [
    "COLUMNS",
    "SETTINGS",
    "SKACTIVEML",
    "SkactivemlStrategy",
    "estimate_bytes",
    "make_data",
    "run_benchmark",
]

SETTINGS = {
    "default": {"n": 20000, "dim": 384, "classes": 20, "batch": 100},
    "large": {"n": 120000, "dim": 768, "classes": 20, "batch": 100},
    "huge": {"n": 650000, "dim": 384, "classes": 20, "batch": 100},
    # a weak classifier: overlapping blobs (centre scale 0.2: 68 % pool accuracy from 400
    # labels), so that ~14,500 of the 19,600 candidates are inconsistent under dropout and
    # DropQuery's k-means dominates its query
    "weak": {
        "n": 20000,
        "dim": 384,
        "classes": 20,
        "batch": 100,
        "labelled": 400,
        "separation": 0.2,
    },
}
#: setting keys besides n, dim, classes, batch (labelled: size of the labelled pool, default
#: max(batch, 5 * classes); separation: scale of the class centres, see make_data)
_OPTIONAL = {"labelled": None, "separation": 0.5}
COLUMNS = ["setting", "strategy", "impl", "seconds", "peak_mb", "status", "blas_threads"]
#: alcore name -> (scikit-activeml class, constructor kwargs, query needs the classifier)
SKACTIVEML = {
    "random": ("RandomSampling", {}, False),
    "margin": ("UncertaintySampling", {"method": "margin_sampling"}, True),
    "entropy": ("UncertaintySampling", {"method": "entropy"}, True),
    "coreset": ("CoreSet", {}, False),
    "probcover": ("ProbCover", {}, False),
    "typiclust": ("TypiClust", {}, False),
    "badge": ("Badge", {}, True),
    "dropquery": ("DropQuery", {}, True),
}
_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def make_data(n, dim, classes, random_state=0, separation=0.5):
    """Seeded Gaussian blobs: ``X`` float32 ``(n, dim)``, ``y`` int64 in ``0..classes-1``.

    Class centres are normal with standard deviation ``separation``, the noise standard
    normal: smaller ``separation``, more overlapping classes."""
    rng = np.random.default_rng(random_state)
    centres = rng.standard_normal((classes, dim), dtype=np.float32) * np.float32(separation)
    y = rng.integers(classes, size=n)
    y[:classes] = np.arange(classes)  # every class present
    X = rng.standard_normal((n, dim), dtype=np.float32)
    X += centres[y]
    return X, y.astype(np.int64)


class SkactivemlStrategy:
    """A scikit-activeml pool strategy behind alcore's query API (for :func:`run_al`).

    Parameters
    ----------
    name : str
        alcore strategy name; the scikit-activeml equivalent is :data:`SKACTIVEML` ``[name]``.
    n_classes : int, optional
        Size of the class set; default ``max(clf.classes_) + 1`` at query time.
    random_state : int or None
        Seed of the scikit-activeml strategy and its classifier wrapper.
    """

    def __init__(self, name, n_classes=None, random_state=None):
        self.name = name
        self.n_classes = n_classes
        self.random_state = random_state

    def _build(self, seed):
        import skactiveml.pool as pool

        if self.name not in SKACTIVEML:
            raise UnknownNameError("strategy", self.name, SKACTIVEML)
        cls, kwargs, needs_clf = SKACTIVEML[self.name]
        return getattr(pool, cls)(random_state=seed, **kwargs), needs_clf

    def wrap(self, clf, X, y):
        """A fitted ``skactiveml`` ``SklearnClassifier`` with ``clf``'s parameters."""
        from skactiveml.classifier import SklearnClassifier
        from sklearn.base import clone

        n_classes = self.n_classes or int(np.max(clf.classes_)) + 1
        wrapped = SklearnClassifier(
            clone(clf), classes=np.arange(n_classes), random_state=self.random_state
        )
        return wrapped.fit(X, y)

    def query(
        self, X, y, clf=None, fit_clf=True, candidates=None, batch_size=1, return_utilities=False
    ):
        """Pick ``batch_size`` unlabelled samples with the scikit-activeml strategy."""
        if not hasattr(self, "rng_"):
            self.rng_ = np.random.default_rng(self.random_state)
        qs, needs_clf = self._build(int(self.rng_.integers(2**31 - 1)))
        kw = {
            "candidates": candidates,
            "batch_size": batch_size,
            "return_utilities": return_utilities,
        }
        if needs_clf:
            if clf is None or not hasattr(clf, "classes_"):
                raise ValueError(f"{self.name} needs a fitted classifier")
            kw.update(clf=self.wrap(clf, X, y), fit_clf=False)
        return qs.query(X, y, **kw)


def estimate_bytes(strategy, impl, n, dim, classes=20):
    """Rough peak memory of one query (bytes), to skip runs that cannot fit.

    scikit-activeml's ProbCover holds the full ``N x N`` float64 distance matrix plus a boolean
    edge matrix (9 bytes per pair); its Badge two float64 gradient embeddings of shape
    ``(N, C * dim)``; its DropQuery
    ``n_dropout_samples=5`` float64 copies of X. Everything else counts as four float64 copies
    of X.
    """
    if impl == "skactiveml":
        if strategy == "probcover":
            return 9 * n * n
        if strategy == "badge":
            return 2 * n * classes * dim * 8
        if strategy == "dropquery":
            return 6 * n * dim * 8
    return 4 * n * dim * 8


# -- one measurement, in its own process --------------------------------------------------------
class _RssSampler(threading.Thread):
    def __init__(self, interval=0.002):
        super().__init__(daemon=True)
        import psutil

        self.proc, self.interval = psutil.Process(), interval
        self.base = self.peak = self.proc.memory_info().rss
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(self.interval)


def _measure(spec):
    """Time and peak memory of one query; ``spec`` as built by :func:`run_benchmark`."""
    import gc
    import tracemalloc

    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_info, threadpool_limits

    threads = int(spec["threads"])
    limiter = threadpool_limits(limits=threads)
    X, y = make_data(
        spec["n"], spec["dim"], spec["classes"], spec["seed"], spec.get("separation", 0.5)
    )
    rng = np.random.default_rng(spec["seed"])
    lab = rng.choice(len(X), _n_labelled(spec), replace=False)
    y_pool = np.full(len(X), np.nan)
    y_pool[lab] = y[lab]
    clf = LogisticRegression(max_iter=1000).fit(X[lab], y[lab])
    name, impl = spec["strategy"], spec["impl"]
    if impl == "alcore":

        def build():
            return strategies.get(name, random_state=spec["seed"])

        needs_clf = getattr(strategies.get_class(name), "needs_clf", False)
        qclf = clf
    else:
        adapter = SkactivemlStrategy(name, n_classes=spec["classes"])

        def build():
            return adapter._build(spec["seed"])[0]

        needs_clf = SKACTIVEML[name][2]
        qclf = adapter.wrap(clf, X, y_pool) if needs_clf else None

    def query(qs, Xq, yq, batch):
        kw = {"clf": qclf, "fit_clf": False} if needs_clf else {}
        return qs.query(Xq, yq, batch_size=batch, **kw)

    # warm-up on other data (imports, JIT, first-call set-up of the libraries) so that no
    # cache of X is filled before the timing; of the setting's separation, so that the
    # warm-up takes the query's code paths (a weak classifier's DropQuery reaches k-means)
    Xw, yw = make_data(
        min(len(X), 1000),
        spec["dim"],
        spec["classes"],
        spec["seed"] + 1,
        spec.get("separation", 0.5),
    )
    yw = np.where(np.arange(len(yw)) < min(5 * spec["classes"], len(yw) // 2), yw, np.nan)
    query(build(), Xw, yw, min(spec["batch"], 10))
    gc.collect()
    qs = build()  # a fresh object: no cache of X filled by the warm-up
    sampler = _RssSampler()
    sampler.start()
    start = time.perf_counter()
    idx = query(qs, X, y_pool, spec["batch"])
    seconds = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    rss = sampler.peak - sampler.base
    # the same query again on the same object: what a later cycle of a run pays once the
    # strategy's per-pool caches (ProbCover's radius and ball graph) are filled
    # (scikit-activeml keeps no cache between queries: its warm time is its cold time)
    warm = seconds
    if impl == "alcore":
        start = time.perf_counter()
        query(qs, X, y_pool, spec["batch"])
        warm = time.perf_counter() - start
    del qs
    gc.collect()
    traced = 0
    if spec.get("tracemalloc", True):
        tracemalloc.start()
        qs = build()
        query(qs, X, y_pool, spec["batch"])
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    blas = sorted({i["num_threads"] for i in threadpool_info()})
    limiter.restore_original_limits()
    ok = len(np.unique(idx)) == spec["batch"] and np.isnan(y_pool[np.asarray(idx)]).all()
    return {
        "seconds": seconds,
        "warm_seconds": warm,
        "peak_mb": max(rss, traced) / 2**20,
        "rss_mb": rss / 2**20,
        "tracemalloc_mb": traced / 2**20,
        "blas_threads": ",".join(map(str, blas)),
        "status": "ok" if ok else "invalid picks",
    }


def _n_labelled(params):
    return params.get("labelled") or max(params["batch"], 5 * params["classes"])


def _run_one(spec, timeout):
    env = dict(os.environ, **{v: str(spec["threads"]) for v in _THREAD_VARS})
    cmd = [sys.executable, "-m", "alcore.bench.queries", json.dumps(spec)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout after {timeout:g} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"error: {err[:200]}"}
    return json.loads(lines[-1])


def run_benchmark(
    setting="default",
    strategies_=None,
    impls=("alcore", "skactiveml"),
    threads=1,
    timeout=300.0,
    seed=0,
    tracemalloc=True,
    progress=False,
    repeat=1,
    **overrides,
):
    """Time and peak memory of one query per strategy and implementation.

    Parameters
    ----------
    setting : str, default="default"
        A key of :data:`SETTINGS` (``default``: n=20000, dim=384; ``large``: 120000 x 768;
        ``huge``: 650000 x 384; ``weak``: 20000 x 384 with overlapping classes and 400
        labels; all 20 classes, batch 100).
    strategies_ : sequence of str, optional
        Strategy names (default all of ``alcore.engine.strategies.NAMES``).
    impls : sequence of {"alcore", "skactiveml"}
        Implementations to measure.
    threads : int, default=1
        BLAS/OpenMP threads in each measurement. The targets are read at 1 thread; other
        counts label their rows ``"<setting> (<threads> threads)"``.
    timeout : float, default=300
        Seconds per measurement before it is killed.
    seed : int, default=0
        Seed of the synthetic data, the labelled pool and the strategies.
    tracemalloc : bool, default=True
        Also trace numpy/Python allocations (in a second, untimed query).
    progress : bool
        Show a progress bar.
    repeat : int, default=1
        Measurements per strategy and implementation, each in a fresh process: ``seconds``
        and ``warm_seconds`` are their medians (``seconds_min``, ``seconds_max`` the range),
        the memory columns their maxima (a single cold query varies between processes).
    **overrides
        ``n``, ``dim``, ``classes``, ``batch`` (and ``labelled``, ``separation``) replacing
        the setting's values.

    Returns
    -------
    pandas.DataFrame with columns ``setting, strategy, impl, seconds, peak_mb, status,
    blas_threads`` (plus ``n, dim, rss_mb, tracemalloc_mb, warm_seconds``).
    """
    import psutil

    if setting not in SETTINGS:
        raise UnknownNameError("setting", setting, SETTINGS)
    params = {
        **_OPTIONAL,
        **SETTINGS[setting],
        **{k: v for k, v in overrides.items() if v is not None},
    }
    unknown = set(params) - {"n", "dim", "classes", "batch", *_OPTIONAL}
    if unknown:
        raise ValueError(
            f"unknown benchmark parameters {sorted(unknown)}; "
            "use n, dim, classes, batch, labelled, separation"
        )
    if isinstance(repeat, bool) or not isinstance(repeat, (int, np.integer)) or repeat < 1:
        raise ValueError(f"repeat must be an int >= 1, got {repeat!r}")
    if params["batch"] + _n_labelled(params) > params["n"]:
        raise ValueError(f"n={params['n']} is too small for the labelled pool plus one batch")
    names = list(strategies_ or strategies.NAMES)
    for name in names:
        if name not in strategies.NAMES:
            raise UnknownNameError("strategy", name, strategies.NAMES)
    for impl in impls:
        if impl not in ("alcore", "skactiveml"):
            raise ValueError(f"impl must be 'alcore' or 'skactiveml', got {impl!r}")
    label = (
        setting
        if not overrides or all(v is None for v in overrides.values())
        else (f"n={params['n']},dim={params['dim']}")
    )
    if int(threads) != 1:  # the targets are read at 1 thread; other counts are rows of their own
        label = f"{label} ({int(threads)} threads)"
    rows = []
    jobs = [(s, i) for s in names for i in impls]
    for name, impl in tqdm(jobs, desc="bench", disable=not progress):
        spec = {
            **params,
            "strategy": name,
            "impl": impl,
            "seed": seed,
            "threads": threads,
            "tracemalloc": tracemalloc,
        }
        need = estimate_bytes(name, impl, params["n"], params["dim"], params["classes"])
        avail = psutil.virtual_memory().available
        if impl == "skactiveml" and need > 0.7 * avail:
            res = {
                "status": f"cannot run: needs {need / 2**30:.0f} GB "
                f"({avail / 2**30:.0f} GB available)"
            }
        else:
            res = _summarise([_run_one(spec, timeout) for _ in range(int(repeat))])
        rows.append(
            {
                "setting": label,
                "strategy": name,
                "impl": impl,
                "seconds": res.get("seconds", np.nan),
                "peak_mb": res.get("peak_mb", np.nan),
                "status": res["status"],
                "blas_threads": res.get("blas_threads", threads),
                "n": params["n"],
                "dim": params["dim"],
                "rss_mb": res.get("rss_mb", np.nan),
                "tracemalloc_mb": res.get("tracemalloc_mb", np.nan),
                "warm_seconds": res.get("warm_seconds", np.nan),
                "repeats": res.get("repeats", 1),
                "seconds_min": res.get("seconds_min", np.nan),
                "seconds_max": res.get("seconds_max", np.nan),
            }
        )
    return pd.DataFrame(rows)


def _summarise(results):
    """One row from repeated measurements: the first failure if any failed, else medians of
    the times and maxima of the memory figures."""
    bad = [r for r in results if r.get("status") != "ok"]
    if bad:
        return bad[0]
    out = dict(results[0])
    secs = [r["seconds"] for r in results]
    out["seconds"] = float(np.median(secs))
    out["warm_seconds"] = float(np.median([r["warm_seconds"] for r in results]))
    for col in ("peak_mb", "rss_mb", "tracemalloc_mb"):
        out[col] = max(r[col] for r in results)
    out.update(repeats=len(results), seconds_min=min(secs), seconds_max=max(secs))
    return out


if __name__ == "__main__":  # a single measurement in a fresh process (see run_benchmark)
    print(json.dumps(_measure(json.loads(sys.argv[1]))))
