"""Strategy benchmark: time and peak memory per query, alcore vs scikit-activeml.

Three measurements:

:func:`run_benchmark`
    For every strategy and implementation, one query of ``batch`` samples on seeded synthetic
    data (Gaussian blobs: one normal centre per class, unit-variance noise, float32), with a
    random labelled pool of ``max(batch, 5 * classes)`` samples and a logistic regression fitted
    on it beforehand (not timed; model-based strategies get it with ``fit_clf=False``). Each
    measurement runs in a **fresh subprocess** (``python -m alcore.bench``) so that its peak
    memory is its own, with BLAS/OpenMP threads pinned by ``threadpoolctl`` and the
    ``*_NUM_THREADS`` variables (the count is reported), after a small warm-up query (imports,
    JIT) on other data. ``seconds`` is the wall time of this *cold* query: one-time work that
    alcore caches across cycles (ProbCover's ball graph and delta) is included.
    ``warm_seconds`` times the same query again on the same strategy object: the per-cycle
    cost inside a run once those caches are filled (equal to ``seconds`` up to noise for
    strategies without a cache; see also :func:`full_run_ratio`). ``peak_mb`` is the larger
    of two peaks above the level just before the query: the ``tracemalloc`` peak (exact for
    numpy and Python allocations; measured in a second, untimed query because tracing slows
    allocation down)
    and the process RSS sampled every 2 ms by ``psutil`` in a thread during the timed query
    (catches native buffers of BLAS, faiss or torch that ``tracemalloc`` misses). Runs over the
    per-run timeout are killed (status ``timeout``). scikit-activeml runs whose estimated
    memory (e.g. ProbCover's ``N x N`` float64 distance matrix) exceeds 70 % of the available
    RAM are not started (status ``cannot run: needs X GB``).

:func:`compare_accuracy`
    alcore's and scikit-activeml's strategies driven by the same :func:`alcore.loop.run_al`
    (same seeds, same IPS pool) for a few cycles; alcore should be "the same or better".

:func:`full_run_ratio`
    A whole run (IPS + ``cycles`` cycles) per strategy on a real pool, wall time relative to
    Random, and its CPU time.

:func:`refit_agreement`
    Whole runs with the plain from-scratch LBFGS refit against the warm-started one
    (agreement of the final test predictions, AULC, time); :func:`refit_verdict` applies
    issue 12's rule (``book/data/refit_agreement.csv``).

:func:`paper_cost`
    A profile's CPU-hours extrapolated from measured whole runs by :func:`cost_model`, and the
    hours on Dask clusters of N workers (``book/data/paper_cost.csv``, read by
    :func:`paper_cost_table`).
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

from . import strategies
from .errors import UnknownNameError
from .paths import atomic_write

__all__ = [
    "SETTINGS",
    "SKACTIVEML",
    "SkactivemlStrategy",
    "compare_accuracy",
    "cost_model",
    "curve_aulc",
    "estimate_bytes",
    "full_run_ratio",
    "make_data",
    "paper_cost",
    "paper_cost_table",
    "refit_agreement",
    "refit_verdict",
    "run_benchmark",
    "write_table",
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
    ``(N, C * dim)`` (measured: 2.4 GB at N=20000, dim=384, C=20); its DropQuery
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


def _clear_caches():
    """Empty alcore's in-memory strategy caches (ProbCover's ball graph) between queries."""
    import importlib

    for module in ("probcover", "typiclust", "_neighbors"):
        try:
            mod = importlib.import_module(f"alcore.strategies.{module}")
        except ImportError:
            continue
        if hasattr(mod, "clear_cache"):
            mod.clear_cache()


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
    _clear_caches()
    gc.collect()
    qs = build()
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
        _clear_caches()
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
    cmd = [sys.executable, "-m", "alcore.bench", json.dumps(spec)]
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
        Strategy names (default all of ``alcore.strategies.NAMES``).
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
        the memory columns their maxima. A single cold query moved by a third between runs
        on the 2-core machine.
    **overrides
        ``n``, ``dim``, ``classes``, ``batch`` (and ``labelled``, ``separation``) replacing
        the setting's values.

    Returns
    -------
    pandas.DataFrame with columns ``setting, strategy, impl, seconds, peak_mb, status,
    blas_threads`` (plus ``n, dim, rss_mb, tracemalloc_mb, warm_seconds``).
    """
    import psutil
    from tqdm.auto import tqdm

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


def write_table(df, path, replace_setting=True, key=("setting", "strategy", "impl")):
    """Write ``df`` as CSV to ``path`` atomically, replacing earlier rows with the same
    ``key`` values and keeping the others (e.g. a re-run of one strategy or one setting).
    ``replace_setting=False`` overwrites the file."""
    from pathlib import Path

    path = Path(path)
    if replace_setting and path.exists():
        old = pd.read_csv(path)
        key = [c for c in key if c in old and c in df]
        if key:
            new = pd.MultiIndex.from_frame(df[key].astype(str))
            old = old[~pd.MultiIndex.from_frame(old[key].astype(str)).isin(new)]
            df = pd.concat([old, df], ignore_index=True)
    with atomic_write(path, "w") as fh:
        df.to_csv(fh, index=False, float_format="%.6g")
    return df


# -- accuracy and whole-run comparisons ---------------------------------------------------------
def compare_accuracy(
    X_train,
    y_train,
    X_test,
    y_test,
    strategies_=None,
    k0=50,
    batch=50,
    cycles=5,
    seeds=(0, 1, 2),
    progress=False,
):
    """Accuracy after ``cycles`` cycles of alcore vs scikit-activeml, both in :func:`run_al`.

    Both implementations share the IPS pool (same seed, IPS random) and the classifier; only the
    query differs. Returns one row per (strategy, impl, seed): ``accuracy, macro_f1, seconds``.
    """
    from tqdm.auto import tqdm

    from .loop import run_al

    names = list(strategies_ or strategies.NAMES)
    n_classes = int(np.max(y_train)) + 1
    budget = k0 + batch * cycles
    rows = []
    jobs = [(s, i, seed) for s in names for i in ("alcore", "skactiveml") for seed in seeds]
    for name, impl, seed in tqdm(jobs, desc="accuracy", disable=not progress):
        strat = name if impl == "alcore" else SkactivemlStrategy(name, n_classes, seed)
        start = time.perf_counter()
        df = run_al(
            X_train,
            y_train,
            X_test,
            y_test,
            k0=k0,
            budget=budget,
            cycles=cycles,
            strategy=strat,
            random_state=seed,
        )
        rows.append(
            {
                "strategy": name,
                "impl": impl,
                "seed": seed,
                "accuracy": df["accuracy"].iloc[-1],
                "macro_f1": df["macro_f1"].iloc[-1],
                "seconds": time.perf_counter() - start,
            }
        )
    return pd.DataFrame(rows)


def full_run_ratio(
    emb, budget, k0=None, cycles=20, strategies_=None, seed=0, progress=False, clf_params=None
):
    """Wall time of a whole AL run per strategy, and its ratio to Random.

    ``k0`` defaults to ``budget // (cycles + 1)`` (the grid's ``"batch"`` rule). Besides the
    wall ``seconds`` (and its ``query_seconds`` / ``fit_seconds`` parts, from the run's frame)
    each row has ``cpu_seconds``, the process CPU time of the run: the fairer figure on a
    shared machine (pin the BLAS threads to 1 so that it is also the single-core wall time),
    and the run's shape ``pool, dim, classes, k0`` for :func:`paper_cost`.
    """
    from tqdm.auto import tqdm

    from .loop import run_al

    k0 = max(1, budget // (cycles + 1)) if k0 is None else k0
    rows = []
    names = list(strategies_ or strategies.NAMES)
    if "random" not in names:
        names.insert(0, "random")
    for name in tqdm(names, desc="full runs", disable=not progress):
        start, start_cpu = time.perf_counter(), time.process_time()
        df = run_al(
            emb.X_train,
            emb.y_train,
            emb.X_test,
            emb.y_test,
            k0=k0,
            budget=budget,
            cycles=cycles,
            strategy=name,
            random_state=seed,
            clf_params=clf_params,
        )
        rows.append(
            {
                "strategy": name,
                "seconds": time.perf_counter() - start,
                "query_seconds": df["query_seconds"].sum(),
                "fit_seconds": df["fit_seconds"].sum(),
                "final_accuracy": df["accuracy"].iloc[-1],
                "cpu_seconds": time.process_time() - start_cpu,
                "pool": len(emb.X_train),
                "dim": emb.X_train.shape[1],
                "classes": int(emb.y_train.max()) + 1,
                "k0": k0,
            }
        )
    out = pd.DataFrame(rows)
    out["ratio_to_random"] = (
        out["seconds"] / out.loc[out["strategy"] == "random", "seconds"].iloc[0]
    )
    return out


# -- the benchmark tables of the performance chapter ------------------------------------


def bench_speedups(bench):
    """alcore against scikit-activeml per benchmark setting and strategy.

    ``bench`` is ``book/data/bench_strategies.csv`` (:func:`run_benchmark`).
    Returns one row per (setting, strategy): seconds and peak MB of each implementation,
    ``speedup`` (scikit-activeml seconds / alcore seconds; NaN where either did not run) and
    each implementation's status (``ok``, ``timeout ...``, ``cannot run: needs X GB``), and
    ``alcore_warm_seconds`` (the same query once alcore's per-pool caches are filled) where
    the table has it.
    """
    missing = sorted(
        {"setting", "strategy", "impl", "seconds", "peak_mb", "status"} - set(bench.columns)
    )
    if missing:
        raise ValueError(
            f"bench lacks the column(s) {missing}; pass "
            "book/data/bench_strategies.csv (alcore.bench.write_table)"
        )
    wide = bench.pivot_table(
        index=["setting", "strategy"],
        columns="impl",
        values=["seconds", "peak_mb", "status"],
        aggfunc="first",
    )
    out = pd.DataFrame(index=wide.index)
    for impl in ("alcore", "skactiveml"):
        for col in ("seconds", "peak_mb", "status"):
            key = (col, impl)
            out[f"{impl}_{col}"] = wide[key] if key in wide.columns else np.nan
    for col in ("alcore_seconds", "skactiveml_seconds", "alcore_peak_mb", "skactiveml_peak_mb"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    out["speedup"] = out["skactiveml_seconds"] / out["alcore_seconds"]
    if "warm_seconds" in bench:  # alcore's per-cycle cost once its per-pool caches are filled
        warm = bench[bench["impl"] == "alcore"].set_index(["setting", "strategy"])["warm_seconds"]
        out["alcore_warm_seconds"] = pd.to_numeric(warm.reindex(out.index), errors="coerce")
    out = out.reset_index()
    out["_s"] = out["setting"].map({s: i for i, s in enumerate(SETTINGS)}).fillna(len(SETTINGS))
    names = strategies.NAMES
    out["_t"] = out["strategy"].map({s: i for i, s in enumerate(names)}).fillna(len(names))
    return out.sort_values(["_s", "_t"]).drop(columns=["_s", "_t"]).reset_index(drop=True)


#: the engine issue's targets: minimum speed-up over scikit-activeml at the default setting,
#: and (seconds, peak MB) per query at the large and huge settings
BENCH_TARGETS = {
    "speedup": {"typiclust": 5.0, "probcover": 5.0, "badge": 5.0, "dropquery": 5.0},
    "large": (10.0, 4096.0),
    "huge": (60.0, 8192.0),
}


def bench_targets(bench, targets=None):
    """Each benchmark target beside the measured value: met or missed, and by how much.

    Targets (:data:`BENCH_TARGETS`): at ``default`` alcore at least 5x faster than
    scikit-activeml for TypiClust, ProbCover, BADGE and DropQuery and never slower for the
    others; at ``large`` every query within 10 s and 4 GB, at ``huge`` within 60 s and 8 GB,
    at one thread and, for the rows measured with more (``"large (2 threads)"``), at those.
    Returns ``setting, strategy, target, measured, met``.
    """
    targets = targets or BENCH_TARGETS
    sp = bench_speedups(bench)
    rows = []
    for r in sp[sp["setting"] == "default"].itertuples():
        need = targets["speedup"].get(r.strategy, 1.0)
        rows.append(
            dict(
                setting="default",
                strategy=r.strategy,
                target=f">= {need:g}x faster than scikit-activeml",
                measured=f"{r.speedup:.2f}x" if np.isfinite(r.speedup) else "n/a",
                met=bool(r.speedup >= need) if np.isfinite(r.speedup) else None,
            )
        )
    for setting in ("large", "huge"):
        secs, mb = targets[setting]
        # the same targets for the rows measured with more threads ("large (2 threads)")
        with_threads = sp["setting"].astype(str).str.fullmatch(rf"{setting}( \(\d+ threads\))?")
        for r in sp[with_threads].itertuples():
            ok = r.alcore_status == "ok" and np.isfinite(r.alcore_seconds)
            rows.append(
                dict(
                    setting=r.setting,
                    strategy=r.strategy,
                    target=f"<= {secs:g} s and <= {mb / 1024:g} GB",
                    measured=(
                        f"{r.alcore_seconds:.1f} s, {r.alcore_peak_mb / 1024:.2f} GB"
                        if ok
                        else (
                            str(r.alcore_status)
                            if isinstance(r.alcore_status, str)
                            else "not measured"
                        )
                    ),
                    met=bool(ok and r.alcore_seconds <= secs and r.alcore_peak_mb <= mb),
                )
            )
    return pd.DataFrame(rows, columns=["setting", "strategy", "target", "measured", "met"])


__all__ += ["BENCH_TARGETS", "bench_speedups", "bench_targets"]


def curve_aulc(df, metric="accuracy"):
    """Area under one run's learning curve over ``n_labelled``, divided by its label range.

    The same normalisation as :func:`alcore.analysis.aulc` (a mean accuracy), for one
    :func:`~alcore.loop.run_al` frame.
    """
    x, y = df["n_labelled"].to_numpy(float), df[metric].to_numpy(float)
    span = x[-1] - x[0]
    return float(np.trapezoid(y, x) / span) if span > 0 else float(y.mean())


def refit_agreement(
    emb,
    budget,
    strategies_=("random", "margin", "badge"),
    seeds=(0,),
    k0=None,
    cycles=20,
    warm=None,
    progress=False,
):
    """Whole runs with the plain from-scratch refit against a faster refit, per strategy and seed.

    Each (strategy, seed) is run twice with :func:`~alcore.loop.run_al`: with the plain refit
    (``clf_params={"warm_start": False}``: LBFGS from zero every cycle) and with ``warm``
    (default ``{"warm_start": True}``: LBFGS starts at the previous cycle's solution). The picks
    depend on the model, so the two runs may drift apart; both are compared whole:

    ``agreement``
        Share of the test points on which the two runs' final classifiers predict the same.
    ``aulc_scratch, aulc_warm``
        Their AULC (:func:`curve_aulc`).
    ``fit_agreement_min``
        The single-fit check on identical labelled sets: at cycles ``T/4, T/2, 3T/4, T`` of the
        scratch run, its labelled set is fitted from scratch and with ``warm`` (starting at the
        scratch fit of the cycle before); the lowest test-prediction agreement is reported.
    ``seconds_*``, ``cpu_seconds_*``, ``fit_seconds_*``
        Wall and CPU (process) time of each run and its wall time in the classifier fits. On a
        shared machine the CPU time is the fairer figure.

    Pin the BLAS threads yourself (e.g. ``threadpoolctl.threadpool_limits(1)``).
    """
    from tqdm.auto import tqdm

    from .loop import CLF_DEFAULTS, _fit, _run_al, derive_seeds

    warm = {"warm_start": True} if warm is None else dict(warm)
    scratch = {"warm_start": False}
    k0 = max(1, budget // (cycles + 1)) if k0 is None else k0
    n_classes = int(emb.y_train.max()) + 1
    rows = []
    jobs = [(s, seed) for s in strategies_ for seed in seeds]
    for name, seed in tqdm(jobs, desc="refit agreement", disable=not progress):
        frames, final, wall, cpu = {}, {}, {}, {}
        for which, clf in (("scratch", scratch), ("warm", warm)):
            start, start_cpu = time.perf_counter(), time.process_time()
            frames[which], final[which] = _run_al(
                emb.X_train,
                emb.y_train,
                emb.X_test,
                emb.y_test,
                ips="random",
                k0=k0,
                strategy=name,
                budget=budget,
                cycles=cycles,
                random_state=seed,
                clf_params=clf,
                strategy_params=None,
                progress=False,
            )
            wall[which] = time.perf_counter() - start
            cpu[which] = time.process_time() - start_cpu
        preds = {w: c.predict(emb.X_test) for w, c in final.items()}
        params = {**CLF_DEFAULTS, "random_state": derive_seeds(seed)["clf"]}
        sets = np.cumsum([len(p) for p in frames["scratch"]["picked"]])
        order = np.concatenate([np.asarray(p, np.int64) for p in frames["scratch"]["picked"]])
        fit_agree = []
        for t in sorted({max(1, cycles * q // 4) for q in (1, 2, 3, 4)} if cycles else ()):
            before, now = order[: sets[t - 1]], order[: sets[t]]
            prev = _fit(emb.X_train[before], emb.y_train[before], n_classes, {**params, **scratch})
            plain = _fit(emb.X_train[now], emb.y_train[now], n_classes, {**params, **scratch})
            fast = _fit(emb.X_train[now], emb.y_train[now], n_classes, {**params, **warm}, prev)
            fit_agree.append(np.mean(plain.predict(emb.X_test) == fast.predict(emb.X_test)))
        rows.append(
            {
                "strategy": name,
                "seed": seed,
                "budget": budget,
                "k0": k0,
                "agreement": float(np.mean(preds["scratch"] == preds["warm"])),
                "aulc_scratch": curve_aulc(frames["scratch"]),
                "aulc_warm": curve_aulc(frames["warm"]),
                "final_acc_scratch": float(frames["scratch"]["accuracy"].iloc[-1]),
                "final_acc_warm": float(frames["warm"]["accuracy"].iloc[-1]),
                "fit_agreement_min": float(min(fit_agree, default=1.0)),
                "seconds_scratch": wall["scratch"],
                "seconds_warm": wall["warm"],
                "cpu_seconds_scratch": cpu["scratch"],
                "cpu_seconds_warm": cpu["warm"],
                "fit_seconds_scratch": float(frames["scratch"]["fit_seconds"].sum()),
                "fit_seconds_warm": float(frames["warm"]["fit_seconds"].sum()),
            }
        )
    return pd.DataFrame(rows)


def refit_verdict(df, min_agreement=0.995, max_aulc_diff=0.002) -> dict:
    """Does the faster refit pass issue 12's rule on the runs of :func:`refit_agreement`?

    The rule: the final-cycle test predictions agree with the plain refit's on at least
    ``min_agreement`` of the test points (in every run) and the mean AULC differs by less than
    ``max_aulc_diff``. Also reported: the single-fit agreement on identical labelled sets and
    the CPU-time speed-up of the whole runs.
    """
    aulc_diff = float(df["aulc_warm"].mean() - df["aulc_scratch"].mean())
    out = {
        "runs": len(df),
        "agreement_min": float(df["agreement"].min()),
        "agreement_mean": float(df["agreement"].mean()),
        "fit_agreement_min": float(df["fit_agreement_min"].min()),
        "aulc_diff_mean": aulc_diff,
        "aulc_absdiff_max": float((df["aulc_warm"] - df["aulc_scratch"]).abs().max()),
        "speedup_cpu": float(df["cpu_seconds_scratch"].sum() / df["cpu_seconds_warm"].sum()),
    }
    out["passes"] = bool(out["agreement_min"] >= min_agreement and abs(aulc_diff) < max_aulc_diff)
    return out


# -- the paper profile's cost -------------------------------------------------------------------
PAPER_COST_WORKERS = (8, 32, 128)


def _shape_of(dataset, encoder):
    """(pool, dim, classes) of a registry (dataset, encoder) without loading anything."""
    from . import data
    from .encoders import ENCODERS

    spec = data.DATASETS[dataset]
    return spec.rows_train, ENCODERS[encoder].dim, spec.n_classes


def _log_fit(x, y, names):
    """Least squares ``log y = a + x @ b`` (``x`` in logs) with every ``b >= 0``.

    A negative exponent (e.g. 256-d embeddings fitting faster than 50-d ones because they are
    better conditioned) must not be extrapolated into "a larger input is cheaper": such terms
    are dropped and the rest refitted, as are terms the measured shapes cannot identify.
    Returns ``{"const": a, name: b, ...}`` (0 for dropped terms).
    """
    keep = [k for k in range(x.shape[1]) if np.unique(x[:, k]).size > 1]
    target = np.log(np.maximum(y, 1e-3))
    while True:
        A = np.column_stack([np.ones(len(x))] + [x[:, k] for k in keep])
        coef = np.linalg.lstsq(A, target, rcond=None)[0]
        negative = [k for k, c in zip(keep, coef[1:]) if c < 0]
        shapes = len(np.unique(x[:, keep], axis=0)) if keep else 1
        if not negative and len(keep) + 1 <= shapes:
            break
        keep.remove(negative[-1] if negative else keep[-1])
    out = {"const": float(coef[0]), **{n: 0.0 for n in names}}
    out.update({names[k]: float(c) for k, c in zip(keep, coef[1:])})
    return out


def _eval(coef, **values):
    return float(np.exp(coef["const"] + sum(coef[k] * np.log(v) for k, v in values.items())))


def cost_model(runs):
    """Fit the per-run CPU-time model behind :func:`paper_cost` to measured whole runs.

    ``runs`` holds rows of :func:`full_run_ratio` (``strategy, budget, pool, dim, classes,
    cpu_seconds`` or, where that is missing, wall ``seconds``; ``fit_seconds,
    query_seconds``). Each run's time is split into its classifier part and its query part in
    proportion of the two measured parts, then, by least squares in logs with non-negative
    exponents (see :func:`_log_fit`):

    - the classifier part, shared by all strategies: ``t = a B^b dim^c C^d`` (the fits grow
      with the labelled pool, the dimension and the classes);
    - the query part, per strategy: ``t = a_s pool^e dim^f B^g``.

    Returns a function ``(strategy, pool, dim, classes, budget) -> CPU seconds`` of one run of
    ``cycles`` cycles as measured; its ``fit_coef`` and ``query_coef`` hold the exponents.
    """
    runs = runs.copy()
    cpu = runs["cpu_seconds"] if "cpu_seconds" in runs else pd.Series(np.nan, runs.index)
    total = cpu.fillna(runs["seconds"])
    parts = runs["fit_seconds"] + runs["query_seconds"]
    runs["fit_cpu"] = total * runs["fit_seconds"] / parts
    runs["query_cpu"] = total - runs["fit_cpu"]
    fit_terms, query_terms = ["budget", "dim", "classes"], ["pool", "dim", "budget"]
    fit = runs.groupby(fit_terms)["fit_cpu"].mean().reset_index()
    fit_coef = _log_fit(
        np.log(fit[fit_terms].astype(float)).to_numpy(), fit["fit_cpu"].to_numpy(), fit_terms
    )
    query_coef = {}
    for name, g in runs.groupby("strategy"):
        g = g.groupby(query_terms)["query_cpu"].mean().reset_index()
        query_coef[name] = _log_fit(
            np.log(g[query_terms].astype(float)).to_numpy(), g["query_cpu"].to_numpy(), query_terms
        )

    def predict(strategy, pool, dim, classes, budget):
        return _eval(fit_coef, budget=budget, dim=dim, classes=classes) + _eval(
            query_coef[strategy], pool=pool, dim=dim, budget=budget
        )

    predict.fit_coef, predict.query_coef = fit_coef, query_coef
    return predict


def paper_cost(runs, grid, budgets=None, workers=PAPER_COST_WORKERS):
    """The CPU-hours of a grid (the ``paper`` profile), extrapolated from measured runs.

    Parameters
    ----------
    runs : DataFrame
        Measured whole runs (``book/data/bench_fullrun.csv``), see :func:`cost_model`.
    grid : alcore.experiment.Grid
        The profile (``load_profile("paper")``); every config of ``grid.configs()`` is priced.
    budgets : dict, optional
        ``{dataset: B}`` overriding the configs' budgets (k0 follows the ``batch`` rule).
    workers : tuple of int
        Cluster sizes to report: ``N`` single-threaded Dask workers take
        ``max(CPU-hours / N, longest run)`` hours (the runs are independent tasks).

    Returns
    -------
    DataFrame, one row per dataset and an ``all`` row: ``dataset, pool, classes, budget,
    runs, ips_runs, cpu_hours, longest_run_min`` and ``hours_N_workers`` per ``N``.
    AL runs are priced by the model; IPS-only runs (the k0 study) as one ``T``-th of their
    strategy's query time plus one fit at ``k0``.
    """
    predict = cost_model(runs)
    rows = {}
    for c in grid.configs():
        pool, dim, classes = _shape_of(c.dataset, c.encoder)
        budget = (budgets or {}).get(c.dataset, c.budget)
        r = rows.setdefault(
            c.dataset,
            {
                "dataset": c.dataset,
                "pool": pool,
                "classes": classes,
                "budget": budget,
                "runs": 0,
                "ips_runs": 0,
                "cpu_seconds": 0.0,
                "longest": 0.0,
            },
        )
        if c.cycles:
            sec = predict(c.strategy, pool, dim, classes, budget)
            r["runs"] += 1
            r["longest"] = max(r["longest"], sec)
        else:
            k0 = min(c.k0, pool)
            ips = c.ips if c.ips in predict.query_coef else "random"
            sec = (
                _eval(predict.query_coef[ips], pool=pool, dim=dim, budget=21 * k0) / 20
                + _eval(predict.fit_coef, budget=max(k0, 2), dim=dim, classes=classes) / 11
            )
            r["ips_runs"] += 1
        r["cpu_seconds"] += sec
    df = pd.DataFrame(rows.values())
    total = {
        "dataset": "all",
        "pool": df["pool"].sum(),
        "classes": np.nan,
        "budget": np.nan,
        "runs": df["runs"].sum(),
        "ips_runs": df["ips_runs"].sum(),
        "cpu_seconds": df["cpu_seconds"].sum(),
        "longest": df["longest"].max(),
    }
    df = pd.concat([df, pd.DataFrame([total])], ignore_index=True)
    df["cpu_hours"] = df["cpu_seconds"] / 3600
    df["longest_run_min"] = df["longest"] / 60
    for n in workers:
        df[f"hours_{n}_workers"] = np.maximum(df["cpu_hours"] / n, df["longest"] / 3600)
    return df.drop(columns=["cpu_seconds", "longest"])


def paper_cost_table(path="book/data/paper_cost.csv"):
    """``book/data/paper_cost.csv`` (written by ``alcore bench paper-cost``) for the book:
    CPU-hours per dataset and in all, and the hours on Dask clusters of N workers, rounded."""
    df = pd.read_csv(path)
    cluster = [c for c in df if c.startswith("hours_")]
    df[cluster] = df[cluster].round(2)
    df[["cpu_hours", "longest_run_min"]] = df[["cpu_hours", "longest_run_min"]].round(1)
    return df


if __name__ == "__main__":  # a single measurement in a fresh process (see run_benchmark)
    print(json.dumps(_measure(json.loads(sys.argv[1]))))
