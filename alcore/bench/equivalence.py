"""The equivalence rule for speed-ups that change bits, not science.

Active learning amplifies differences in the last bits of a fit into other picks, so a
faster refit (or another BLAS thread count, or a cheaper clustering) cannot give the same
runs. A change is accepted when the science does not move:

(a) **single fits** on identical labelled sets agree on at least ``min_agreement`` (99.5 %)
    of the test predictions (for changes that touch the classifier; the others fit the same
    model and agree on every point), and
(b) over paired whole runs on the real datasets (same dataset, encoder, strategy, initial
    pool and seed, once with and once without the change), the AULC difference is
    equivalent to zero within ``+-margin`` (0.003) by a two one-sided test (TOST) at 5 %,
    **per strategy**.

:func:`run_pairs` runs the pairs (resumable: finished pairs in its CSV are skipped) and
:func:`equivalence_table` applies the rule (``book/data/equivalence.csv``, shown in the
Performance chapter). The changes are named in :data:`CHANGES`.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from alcore import data
from alcore.core.errors import UnknownNameError
from alcore.engine import strategies
from alcore.engine.loop import CLF_DEFAULTS, _fit, _run_al, derive_seeds
from alcore.science.analysis import curve_aulc

__all__ = [
    "CHANGES",
    "MARGIN",
    "MIN_AGREEMENT",
    "Change",
    "equivalence_table",
    "pair_plan",
    "run_pairs",
    "tost",
]

MARGIN = 0.003
MIN_AGREEMENT = 0.995


@dataclass(frozen=True)
class Change:
    """One candidate change: the run settings without it (``base``) and with it (``new``).

    Each of ``base`` and ``new`` may hold ``clf_params`` and ``strategy_params`` (dicts
    passed to :func:`~alcore.engine.loop.run_al`) and ``threads`` (BLAS threads of the run).
    ``strategies``: the strategies whose runs it can change (``None``: all).
    """

    description: str
    base: dict = field(default_factory=dict)
    new: dict = field(default_factory=dict)
    strategies: tuple | None = None


CHANGES = {
    "typiclust-warm-start": Change(
        "TypiClust's k-means starts at the previous query's centres instead of a fresh "
        "k-means++ start every cycle",
        base={"strategy_params": {"warm_start": False}},
        new={"strategy_params": {"warm_start": True}},
        strategies=("typiclust",),
    ),
    "typiclust-gram": Change(
        "TypiClust's k-means++ seeding reads the pool's Gram matrix, computed once per pool, "
        "instead of multiplying the pool by the candidates at every step (other rounding)",
        base={"strategy_params": {"gram": False}},
        new={"strategy_params": {"gram": True}},
        strategies=("typiclust",),
    ),
    "typiclust-warm-gram": Change(
        "TypiClust's k-means starts at the previous query's centres (the new ones seeded by "
        "k-means++ from the Gram matrix) instead of a fresh k-means++ start every cycle",
        base={"strategy_params": {"warm_start": False}},
        new={"strategy_params": {"warm_start": True}},
        strategies=("typiclust",),
    ),
    "refit-warm-start": Change(
        "each cycle's LBFGS refit starts at the previous cycle's coefficients",
        new={"clf_params": {"warm_start": True}},
    ),
    "refit-tol-1e-3": Change(
        "LBFGS stops at tol=1e-3 instead of scikit-learn's 1e-4 (looser)",
        new={"clf_params": {"tol": 1e-3}},
    ),
    "refit-tol-1e-5": Change(
        "LBFGS stops at tol=1e-5 instead of 1e-4 (tighter: closer to the same optimum)",
        new={"clf_params": {"tol": 1e-5}},
    ),
    "blas-threads-2": Change(
        "two BLAS threads per run instead of one (other rounding in the products)",
        base={"threads": 1},
        new={"threads": 2},
    ),
}


def _change(name):
    if name not in CHANGES:
        raise UnknownNameError("change", name, list(CHANGES))
    return CHANGES[name]


def tost(diff, margin=MARGIN):
    """Two one-sided t-tests of ``mean(diff) = 0`` within ``+-margin``.

    Returns ``(mean, lo, hi, p)``: the mean, its 90 % t interval (the interval whose
    inclusion in ``[-margin, margin]`` is the TOST at 5 %) and the TOST p-value (the larger
    of the two one-sided p-values; equivalent when ``p < 0.05``).
    """
    from scipy import stats

    d = np.asarray(diff, dtype=float)
    n = len(d)
    mean = float(d.mean()) if n else float("nan")
    if n < 2:
        return mean, float("nan"), float("nan"), float("nan")
    se = float(d.std(ddof=1) / np.sqrt(n))
    if se == 0:
        p = 0.0 if abs(mean) < margin else 1.0
        return mean, mean, mean, p
    t_crit = stats.t.ppf(0.95, n - 1)
    p_low = stats.t.sf((mean + margin) / se, n - 1)  # H0: mean <= -margin
    p_high = stats.t.cdf((mean - margin) / se, n - 1)  # H0: mean >= +margin
    return mean, mean - t_crit * se, mean + t_crit * se, float(max(p_low, p_high))


def pair_plan(
    change,
    datasets=("rotten_tomatoes", "sms_spam", "reuters_r8", "trec6", "newsgroups20"),
    encoders=("glove50", "potion8m"),
    seeds=range(10),
    strategies_=None,
):
    """The paired runs of a change: one row per (strategy, dataset, encoder, seed).

    The initial pool alternates with the seed (even: Random, odd: TypiClust), the paper
    profile's two IPS. ``strategies_`` (default all) is narrowed to the strategies the
    change can alter. Returns a DataFrame ``change, strategy, dataset, encoder, ips,
    seed``.
    """
    ch = _change(change)
    names = [
        s for s in (strategies_ or strategies.NAMES) if ch.strategies is None or s in ch.strategies
    ]
    rows = [
        {
            "change": change,
            "strategy": s,
            "dataset": d,
            "encoder": e,
            "ips": ("random", "typiclust")[seed % 2],
            "seed": int(seed),
        }
        for s in names
        for d in datasets
        for e in encoders
        for seed in seeds
    ]
    return pd.DataFrame(rows)


def _pool(dataset, encoder, pool_cap, test_cap):
    """Embeddings of a dataset, its pool and test split capped by stratified subsamples
    (seed 0, the same for every run)."""
    from sklearn.model_selection import train_test_split

    from alcore.embedding.embed import load_embeddings

    emb = load_embeddings(dataset, encoder, progress=False)

    def cap(X, y, n):
        if n is None or n >= len(y):
            return X, y
        idx, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y, random_state=0)
        idx = np.sort(idx)
        return X[idx], y[idx]

    X, y = cap(emb.X_train, emb.y_train, pool_cap)
    Xt, yt = cap(emb.X_test, emb.y_test, test_cap)
    return X, y, Xt, yt


def _one_run(pool, row, settings, budget, cycles):
    from threadpoolctl import threadpool_limits

    X, y, Xt, yt = pool
    k0 = max(budget // (cycles + 1), int(y.max()) + 1)
    with threadpool_limits(limits=int(settings.get("threads", 1))), warnings.catch_warnings():
        # tiny pools of many classes: scikit-learn's "looks like regression" warning
        warnings.simplefilter("ignore", UserWarning)
        start, cpu = time.perf_counter(), time.process_time()
        frame, _ = _run_al(
            X,
            y,
            Xt,
            yt,
            ips=row["ips"],
            k0=k0,
            strategy=row["strategy"],
            budget=budget,
            cycles=cycles,
            random_state=row["seed"],
            clf_params=settings.get("clf_params"),
            strategy_params=settings.get("strategy_params"),
            progress=False,
        )
        return frame, time.perf_counter() - start, time.process_time() - cpu


def _fit_agreement(pool, frame, seed, base, new):
    """Lowest test-prediction agreement of single fits with ``base`` and ``new`` on the
    labelled sets of ``frame`` at cycles ``T/4, T/2, 3T/4, T`` (a warm start begins at the
    ``base`` fit of the cycle before)."""
    from threadpoolctl import threadpool_limits

    X, y, Xt, _ = pool
    n_classes = int(y.max()) + 1
    cycles = len(frame) - 1
    params = {**CLF_DEFAULTS, "random_state": derive_seeds(seed)["clf"]}
    sizes = np.cumsum([len(p) for p in frame["picked"]])
    order = np.concatenate([np.asarray(p, np.int64) for p in frame["picked"]])
    out = []
    for t in sorted({max(1, cycles * q // 4) for q in (1, 2, 3, 4)} if cycles else ()):
        before, now = order[: sizes[t - 1]], order[: sizes[t]]
        preds = []
        for s in (base, new):
            p = {**params, **s.get("clf_params", {})}
            with threadpool_limits(limits=int(s.get("threads", 1))), warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                prev = _fit(X[before], y[before], n_classes, {**p, "warm_start": False})
                preds.append(_fit(X[now], y[now], n_classes, p, prev).predict(Xt))
        out.append(float(np.mean(preds[0] == preds[1])))
    return min(out, default=1.0)


def run_pairs(
    changes,
    out,
    pool_cap=2000,
    test_cap=1000,
    budget_cap=300,
    cycles=20,
    progress=False,
    **plan,
):
    """Run the paired whole runs of ``changes`` and append them to the CSV ``out``.

    Pairs already in ``out`` are skipped, so the call resumes; each finished pair is
    appended at once. Runs sharing their ``base`` settings (most refit changes) share the
    base run. Budgets are ``min(registry budget, budget_cap)`` on pools of at most
    ``pool_cap`` samples (stratified), ``k0 = max(B // (T + 1), C)``.

    Returns the rows written now.
    """
    from tqdm.auto import tqdm

    out = Path(out)
    plans = pd.concat([pair_plan(c, **plan) for c in changes], ignore_index=True)
    key = ["change", "strategy", "dataset", "encoder", "ips", "seed"]
    if out.exists():
        done = pd.read_csv(out)[key].astype(str).agg("|".join, axis=1)
        plans = plans[~plans[key].astype(str).agg("|".join, axis=1).isin(set(done))]
    pools, written = {}, []
    groups = plans.groupby(["dataset", "encoder", "strategy", "ips", "seed"], sort=False)
    for (dataset, encoder, *_), g in tqdm(groups, desc="equivalence", disable=not progress):
        if (dataset, encoder) not in pools:
            pools.clear()  # one dataset's embeddings in memory at a time
            pools[(dataset, encoder)] = _pool(dataset, encoder, pool_cap, test_cap)
        pool = pools[(dataset, encoder)]
        budget = min(int(data.DATASETS[dataset].budget), budget_cap, len(pool[1]))
        base_runs = {}
        for row in g.to_dict("records"):
            ch = CHANGES[row["change"]]
            bkey = repr(sorted({"threads": 1, **ch.base}.items()))
            if bkey not in base_runs:
                base_runs[bkey] = _one_run(pool, row, ch.base, budget, cycles)
            bframe, bwall, bcpu = base_runs[bkey]
            nframe, nwall, ncpu = _one_run(pool, row, ch.new, budget, cycles)
            rec = {
                **row,
                "pool": len(pool[1]),
                "budget": budget,
                "aulc_base": curve_aulc(bframe),
                "aulc_new": curve_aulc(nframe),
                "fit_agreement_min": _fit_agreement(pool, bframe, row["seed"], ch.base, ch.new),
                "cpu_base": bcpu,
                "cpu_new": ncpu,
                "wall_base": bwall,
                "wall_new": nwall,
            }
            pd.DataFrame([rec]).to_csv(out, mode="a", header=not out.exists(), index=False)
            written.append(rec)
    return pd.DataFrame(written)


def equivalence_table(runs, margin=MARGIN, min_agreement=MIN_AGREEMENT, min_pairs=100):
    """The rule applied to the pairs of :func:`run_pairs`, per change and strategy.

    Returns one row per (change, strategy) and an ``all`` row per change: ``pairs``,
    ``fit_agreement_min``, ``aulc_diff`` (new minus base, mean), ``ci90_lo, ci90_hi``,
    ``p_tost``, ``equivalent`` (TOST at 5 % within ``+-margin``), ``cpu_speedup`` (base
    CPU seconds over new) and ``verdict``: per strategy ``equivalent`` (TOST passed and
    every single fit agrees on at least ``min_agreement``), ``not equivalent`` (also under
    ``min_pairs`` pairs when the 90 % interval lies wholly outside ``+-margin``: the pairs
    then stop early) or ``too few pairs`` (under ``min_pairs``); per change ``accepted``
    when every strategy is equivalent, ``failed`` when one is not, ``too few pairs`` otherwise.
    """
    rows = []
    for change, g in runs.groupby("change", sort=False):
        per = []
        for strategy, s in g.groupby("strategy", sort=False):
            mean, lo, hi, p = tost(s["aulc_new"] - s["aulc_base"], margin)
            per.append(
                {
                    "change": change,
                    "strategy": strategy,
                    "pairs": len(s),
                    "fit_agreement_min": float(s["fit_agreement_min"].min()),
                    "aulc_diff": mean,
                    "ci90_lo": lo,
                    "ci90_hi": hi,
                    "p_tost": p,
                    "equivalent": bool(p < 0.05),
                    "cpu_speedup": float(s["cpu_base"].sum() / s["cpu_new"].sum()),
                }
            )
        for r in per:
            # an interval wholly outside the margin settles it before min_pairs: more
            # pairs narrow it but cannot move it inside
            outside = r["ci90_lo"] > margin or r["ci90_hi"] < -margin
            r["verdict"] = (
                "not equivalent"
                if outside
                else "too few pairs"
                if r["pairs"] < min_pairs
                else "equivalent"
                if r["equivalent"] and r["fit_agreement_min"] >= min_agreement
                else "not equivalent"
            )
        verdicts = {r["verdict"] for r in per}
        accepted = verdicts == {"equivalent"}
        rows.extend(per)
        rows.append(
            {
                "change": change,
                "strategy": "all",
                "pairs": len(g),
                "fit_agreement_min": float(g["fit_agreement_min"].min()),
                "aulc_diff": float((g["aulc_new"] - g["aulc_base"]).mean()),
                "ci90_lo": np.nan,
                "ci90_hi": np.nan,
                "p_tost": max(r["p_tost"] for r in per),
                "equivalent": accepted,
                "cpu_speedup": float(g["cpu_base"].sum() / g["cpu_new"].sum()),
                "verdict": "accepted"
                if accepted
                else "failed"
                if "not equivalent" in verdicts
                else "too few pairs",
            }
        )
    cols = [
        "change",
        "strategy",
        "pairs",
        "fit_agreement_min",
        "aulc_diff",
        "ci90_lo",
        "ci90_hi",
        "p_tost",
        "equivalent",
        "cpu_speedup",
        "verdict",
    ]
    return pd.DataFrame(rows, columns=cols)
