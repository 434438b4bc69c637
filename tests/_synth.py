"""A synthetic results table with the store's schema (ARCHITECTURE.md), for the report tests.

Plausible learning curves: 3 datasets x 2 encoders x 8 strategies x 2 IPS x 3 seeds (AL part,
``cycles=20``) plus an IPS study (``cycles=0``, strategy ``"none"``, several ``k0``). The
weak encoder favours typiclust, the strong one margin; TypiClust-IPS helps early cycles.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from alcore.engine.strategies import NAMES as STRATEGIES

DATASETS = {"toy_binary": 2, "toy_topics": 8, "toy_many": 30}
ENCODERS = {"weak": 0.70, "strong": 0.90}  # encoder -> full-data accuracy scale
MTEB = {"weak": 40.0, "strong": 57.0}
EFFECT = {  # strategy -> (gain with the weak encoder, gain with the strong encoder)
    "random": (0.0, 0.0),
    "margin": (-0.01, 0.03),
    "entropy": (-0.015, 0.02),
    "coreset": (-0.02, -0.01),
    "probcover": (0.02, 0.0),
    "typiclust": (0.03, 0.01),
    "badge": (0.0, 0.025),
    "dropquery": (0.01, 0.02),
}


def _key(*parts) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:12]


def make_results(
    seeds=(0, 1, 2),
    cycles=20,
    k0=10,
    batch=10,
    ips_k0=(2, 5, 10, 20, 50),
    datasets=DATASETS,
    encoders=ENCODERS,
    strategies=STRATEGIES,
    random_state=0,
):
    """Return ``(results, upper_bounds)`` DataFrames with the store's schema."""
    rng = np.random.default_rng(random_state)
    budget = k0 + cycles * batch  # the store's budget: final labelled-pool size
    rows, ubs = [], []
    for d, n_cls in datasets.items():
        for e, scale in encoders.items():
            ub = scale * (1.0 - 0.1 * np.log10(n_cls))
            ubs.append({"dataset": d, "encoder": e, "accuracy": ub, "macro_f1": ub - 0.05})
            weak = int(scale < 0.8)
            for seed in seeds:
                for ips, ips_gain in (("random", 0.0), ("typiclust", 0.04 if weak else 0.02)):
                    for s in strategies:
                        gain = EFFECT.get(s, (0.0, 0.0))[1 - weak]
                        rk = _key(d, e, ips, k0, s, seed)
                        run_seconds = float(rng.uniform(1, 5))
                        for c in range(cycles + 1):
                            n = k0 + c * batch
                            base = 1.0 / n_cls + (ub - 1.0 / n_cls) * (1 - np.exp(-n / 40.0))
                            acc = base + ips_gain * np.exp(-c / 4) + gain * (c > 0) * min(1, c / 5)
                            acc = float(np.clip(acc + rng.normal(0, 0.008), 0, ub + 0.02))
                            rows.append(
                                {
                                    "run_key": rk,
                                    "dataset": d,
                                    "encoder": e,
                                    "ips": ips,
                                    "k0": k0,
                                    "strategy": s,
                                    "seed": seed,
                                    "budget": budget,
                                    "cycles": cycles,
                                    "cycle": c,
                                    "n_labelled": n,
                                    "accuracy": acc,
                                    "macro_f1": acc - 0.03,
                                    "fit_seconds": 0.01,
                                    "query_seconds": 0.0
                                    if c == 0
                                    else float(rng.uniform(0.001, 0.05)) * (1 + 3 * (s == "badge")),
                                    "picked": list(
                                        range(c * batch, c * batch + (k0 if c == 0 else batch))
                                    ),
                                    "run_seconds": run_seconds,
                                }
                            )
                for k in ips_k0:
                    for ips, g in (("random", 0.0), ("coreset", -0.01), ("typiclust", 0.05)):
                        base = 1.0 / n_cls + (ub - 1.0 / n_cls) * (1 - np.exp(-k / 40.0))
                        acc = float(base + g * (k <= 20) + rng.normal(0, 0.01))
                        rows.append(
                            {
                                "run_key": _key(d, e, ips, k, "none", seed),
                                "dataset": d,
                                "encoder": e,
                                "ips": ips,
                                "k0": k,
                                "strategy": "none",
                                "seed": seed,
                                "budget": k,
                                "cycles": 0,
                                "cycle": 0,
                                "n_labelled": k,
                                "accuracy": acc,
                                "macro_f1": acc - 0.03,
                                "fit_seconds": 0.01,
                                "query_seconds": 0.0,
                                "picked": list(range(k)),
                                "run_seconds": 0.5,
                            }
                        )
    df = pd.DataFrame(rows)
    for col in ("k0", "seed", "budget", "cycles", "cycle", "n_labelled"):
        df[col] = df[col].astype("int64")
    return df, pd.DataFrame(ubs)


def write_store(path, results, upper_bounds):
    """Write ``results`` / ``upper_bounds`` as a real results store at ``path``."""
    from alcore.runs.experiment import RunConfig
    from alcore.runs.store import CONFIG_COLUMNS, ResultStore

    store = ResultStore(path)
    store.check_writable()
    cfg_cols = ["dataset", "encoder", "ips", "k0", "strategy", "seed", "budget", "cycles"]
    for _, run in results.groupby("run_key", sort=False):
        first = run.iloc[0]
        cfg = RunConfig(
            **{
                c: (int(first[c]) if c in ("k0", "seed", "budget", "cycles") else str(first[c]))
                for c in cfg_cols
            }
        )
        cycles = run.drop(columns=[c for c in CONFIG_COLUMNS if c in run] + ["run_seconds"])
        store.write_run(cfg, cycles, float(first["run_seconds"]))
    for _, ub in upper_bounds.iterrows():
        store.write_upper(
            ub["dataset"],
            ub["encoder"],
            {"accuracy": float(ub["accuracy"]), "macro_f1": float(ub["macro_f1"])},
        )
    store.write_provenance(profile="synthetic")
    return store
