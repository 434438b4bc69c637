"""Whole AL runs measured: accuracy against scikit-activeml, run time per strategy, and the
refit's agreement between a plain and a warm-started fit."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from alcore.bench.queries import SkactivemlStrategy
from alcore.engine import strategies
from alcore.engine.loop import CLF_DEFAULTS, _fit, _run_al, derive_seeds, run_al
from alcore.science.analysis import curve_aulc

__all__ = ["compare_accuracy", "full_run_ratio", "refit_agreement", "refit_verdict"]


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

    Each (strategy, seed) is run twice with :func:`~alcore.engine.loop.run_al`: with the plain refit
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
    """Does the faster refit pass the final-prediction agreement rule on the runs of
    :func:`refit_agreement`?

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
