"""Calibration of the takeaway rules: false "holds" rate on null stores, power on planted ones.

:func:`synthetic_store` builds a results table with the store's schema (ARCHITECTURE.md,
"Results store"; the per-cycle timing and ``picked`` columns, which no takeaway reads, are
left out) and its upper bounds. Learning curves rise to a plateau per dataset; every
(dataset, encoder) cell has a random offset common to all its strategies and pools; every
initial pool (IPS, seed) has an offset shared by the strategies that start from it, fading
over the cycles; every run has its own offset plus AR(1) noise over the cycles, so seed noise
is correlated over cycles as in real runs. All strategies share cycle 0 (the same initial
pool). The IPS study (``cycles == 0``) has Random, TypiClust and CoreSet pools at the k0
sweep 20 ... 5000. Encoders differ in measured quality (the linear-probe accuracy of the
upper bounds) but, in a null store, nothing depends on it.

Planted effects (``effects=``, realistic sizes, in accuracy points of the learning curves):

* ``"strategies"``: Margin +0.035 on datasets 0-1 and TypiClust +0.035 on datasets 3-4 (a
  dataset-specific spike, different winners in different cells); every non-random strategy's
  gain grows by 0.01 per encoder-quality step (-1, 0, +1 inside a dataset), BADGE's by 0.025
  around a +0.02 mean (robust, and specifically quality-driven);
* ``"ips"``: a TypiClust initial pool adds 0.03 + 0.02 x quality step at cycle 0, fading as
  exp(-cycle / 4); in the IPS study it adds 0.04 - 0.02 log10(k0 / 20) (crossover at k0 =
  2000) and a CoreSet pool costs 0.02; better encoders reach +0.05 per quality step higher;
* ``"margin_falls"``: Margin's gain falls by :data:`alcore.science.findings.MARGIN_DELTA` from the
  worst to the best encoder of each dataset (the boundary of T12's null).

:func:`calibrate` runs :func:`alcore.science.findings.takeaways` on ``n_null`` null stores and
``n_planted`` stores of each planted family and reports, per takeaway, how often it "holds"
where its null is true (the false-positive rate) and where its effect is planted (power).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alcore.engine.strategies import NAMES as STRATEGIES
from alcore.science import findings as F

__all__ = ["NULL_FAMILY", "PLANTED", "calibrate", "synthetic_store", "with_calibration"]

IPS_K0 = (20, 50, 100, 200, 300, 500, 1000, 2000, 5000)

#: planted family each takeaway's power is measured on ("null": the plain null stores)
PLANTED = {
    "T1": "ips",
    "T2": "ips",
    "T3": "ips",
    "T4": "strategies",
    "T5": "strategies",
    "T6": "strategies",
    "T7": "strategies",
    "T8": "strategies",
    "T9": "ips",
    "T10": "ips",
    "T11": "ips",
    "T12": "null",
    "T13": "strategies",
    "T14": "ips",
}
#: family whose stores make each takeaway's null true (T12 is a non-inferiority claim: its
#: null is a fall of Margin's gain by the margin, and a store without effects satisfies it)
NULL_FAMILY = {t: ("margin_falls" if t == "T12" else "null") for t in F.IDS}
DESCRIPTION = {
    "T1": "TypiClust-IPS +0.04 at k0=20, falling 0.02 per decade of k0",
    "T2": "TypiClust-IPS +0.03 (+0.02 per quality step) at cycle 0, fading exp(-c/4)",
    "T3": "early TypiClust-IPS gain +0.02 per quality step",
    "T4": "strategy gains +0.01 (BADGE +0.025) per quality step; dataset spikes",
    "T5": "Margin +0.035 on 2 of 5 datasets, TypiClust +0.035 on 2 others",
    "T6": "BADGE +0.02 mean gain (+0.025 per quality step)",
    "T7": "all non-random strategies +0.01 per quality step",
    "T8": "Margin best on datasets 0-1, TypiClust on 3-4, BADGE elsewhere",
    "T9": "CoreSet-IPS -0.02 at every k0",
    "T10": "TypiClust-IPS -0.02 per decade of k0 (crossover 2000)",
    "T11": "TypiClust-IPS gain fading exp(-c/4): about +0.006 AULC",
    "T12": f"power: Margin's gain flat; null: falls by {F.MARGIN_DELTA} worst -> best encoder",
    "T13": "BADGE +0.015 per quality step more than the others",
    "T14": "plateau +0.05 per quality step",
}


def synthetic_store(
    effects=(),
    n_datasets=5,
    n_encoders=3,
    strategies=STRATEGIES,
    n_seeds=3,
    cycles=20,
    k0=20,
    batch=20,
    ips_k0=IPS_K0,
    noise=1.0,
    random_state=0,
):
    """A synthetic results table and its upper bounds, with the store's schema.

    Parameters
    ----------
    effects : iterable of str
        Planted families: ``"strategies"``, ``"ips"``, ``"margin_falls"`` (module docstring);
        empty for a null store.
    noise : float
        Scales every noise term.
    random_state : int or Generator

    Returns
    -------
    results, upper_bounds : DataFrame
    """
    effects = set(effects)
    bad = effects - {"strategies", "ips", "margin_falls"}
    if bad:
        raise ValueError(f"unknown effect(s) {sorted(bad)}")
    rng = np.random.default_rng(random_state)
    nD, nE, S, nR, C = n_datasets, n_encoders, len(strategies), n_seeds, cycles + 1
    strategies = list(strategies)
    ipss = ["random", "typiclust"]
    nI = len(ipss)
    n_cls = rng.choice([2, 4, 6, 14, 20, 77], nD)
    chance = 1.0 / n_cls
    plateau = rng.uniform(0.65, 0.92, nD)  # per dataset
    tau = rng.uniform(60, 160, nD)  # labels to ~63% of the rise
    step = np.linspace(-1, 1, nE) if nE > 1 else np.zeros(1)  # encoder quality step
    quality = (
        plateau[:, None] + 0.03 * step[None, :] + rng.normal(0, 0.005, (nD, nE))
    )  # measured probe accuracy
    # a null store: quality has no consequence; planted "ips": the plateau follows quality
    height = plateau[:, None] + (0.05 * step[None, :] if "ips" in effects else 0.0)
    cell = rng.normal(0, 0.02 * noise, (nD, nE))  # common to everything in a cell

    n = k0 + batch * np.arange(C)  # (C,)
    base = (
        chance[:, None, None]
        + (height[:, :, None] - chance[:, None, None])
        * (1 - np.exp(-n[None, None, :] / tau[:, None, None]))
    ) + cell[:, :, None]

    # AL runs: (D, E, I, S, R, C)
    shape = (nD, nE, nI, S, nR, C)
    pool = rng.normal(0, 0.012 * noise, (nD, nE, nI, 1, nR, 1)) * np.exp(-np.arange(C) / 5)
    run = rng.normal(0, 0.005 * noise, (nD, nE, nI, S, nR, 1))
    ar = np.zeros(shape)
    eps = rng.normal(0, 0.006 * noise, shape)
    for c in range(1, C):
        ar[..., c] = 0.7 * ar[..., c - 1] + eps[..., c]
    ramp = np.minimum(1.0, np.arange(C) / 3.0)  # strategies act from cycle 1
    noise_after0 = (run + ar) * (np.arange(C) > 0)
    gain = np.zeros((nD, nE, 1, S, 1, 1))
    si = {s: i for i, s in enumerate(strategies)}
    if "strategies" in effects:
        for s, i in si.items():
            if s != "random":
                gain[:, :, 0, i, 0, 0] += 0.01 * step[None, :]
        if "badge" in si:
            gain[:, :, 0, si["badge"], 0, 0] += 0.02 + 0.015 * step[None, :]
        if "margin" in si:
            gain[: min(2, nD), :, 0, si["margin"], 0, 0] += 0.035
        if "typiclust" in si:
            gain[3:5, :, 0, si["typiclust"], 0, 0] += 0.035
    if "margin_falls" in effects and "margin" in si:
        gain[:, :, 0, si["margin"], 0, 0] -= F.MARGIN_DELTA * (step[None, :] + 1) / 2
    ips_gain = np.zeros((nD, nE, nI, 1, 1, C))
    if "ips" in effects:
        g0 = 0.03 + 0.02 * step
        ips_gain[:, :, 1, 0, 0, :] = g0[None, :, None] * np.exp(-np.arange(C) / 4)[None, None]
    acc = base[:, :, None, None, None, :] + pool + ips_gain + noise_after0 + gain * ramp
    acc = np.clip(acc, 0.0, 1.0)

    D_, E_, I_, S_, R_, C_ = np.meshgrid(*(np.arange(k) for k in shape), indexing="ij")
    datasets = np.array([f"ds{i}" for i in range(nD)])
    encoders = np.array([f"enc{i}" for i in range(nE)])
    run_id = np.ravel_multi_index((D_, E_, I_, S_, R_), shape[:5]).ravel()
    al = pd.DataFrame(
        {
            "run_key": np.char.add("al", run_id.astype(str)),
            "dataset": datasets[D_.ravel()],
            "encoder": encoders[E_.ravel()],
            "ips": np.array(ipss)[I_.ravel()],
            "k0": k0,
            "strategy": np.array(strategies)[S_.ravel()],
            "seed": R_.ravel(),
            "budget": k0 + batch * cycles,
            "cycles": cycles,
            "cycle": C_.ravel(),
            "n_labelled": n[C_.ravel()],
            "accuracy": acc.ravel(),
        }
    )

    # IPS study: (D, E, IPS, K, R)
    ks = np.asarray(ips_k0)
    sipss = ["random", "typiclust", "coreset"]
    curve = (
        chance[:, None, None]
        + (height[:, :, None] - chance[:, None, None])
        * (1 - np.exp(-ks[None, None, :] / tau[:, None, None]))
    ) + cell[:, :, None]
    st = curve[:, :, None, :, None] + rng.normal(0, 0.01 * noise, (nD, nE, 3, len(ks), nR))
    if "ips" in effects:
        st[:, :, 1] += (0.04 - 0.02 * np.log10(ks / 20.0))[None, None, :, None]
        st[:, :, 2] -= 0.02
    st = np.clip(st, 0.0, 1.0)
    D2, E2, I2, K2, R2 = np.meshgrid(*(np.arange(k) for k in st.shape), indexing="ij")
    sid = np.ravel_multi_index((D2, E2, I2, K2, R2), st.shape).ravel()
    study = pd.DataFrame(
        {
            "run_key": np.char.add("ips", sid.astype(str)),
            "dataset": datasets[D2.ravel()],
            "encoder": encoders[E2.ravel()],
            "ips": np.array(sipss)[I2.ravel()],
            "k0": ks[K2.ravel()],
            "strategy": "none",
            "seed": R2.ravel(),
            "budget": ks[K2.ravel()],
            "cycles": 0,
            "cycle": 0,
            "n_labelled": ks[K2.ravel()],
            "accuracy": st.ravel(),
        }
    )
    res = pd.concat([al, study], ignore_index=True)
    res["macro_f1"] = res["accuracy"] - 0.03
    for col in ("k0", "seed", "budget", "cycles", "cycle", "n_labelled"):
        res[col] = res[col].astype("int64")
    Dq, Eq = np.meshgrid(np.arange(nD), np.arange(nE), indexing="ij")
    upper = pd.DataFrame(
        {
            "dataset": datasets[Dq.ravel()],
            "encoder": encoders[Eq.ravel()],
            "accuracy": quality.ravel(),
            "macro_f1": quality.ravel() - 0.03,
        }
    )
    return res, upper


def _verdicts(family, n, seed0, ids, n_perm, **store_kw):
    effects = () if family == "null" else (family,)
    out = []
    for i in range(n):
        res, ub = synthetic_store(effects, random_state=seed0 + i, **store_kw)
        t = F.takeaways(
            res, mteb={}, upper_bounds=ub, ids=ids, random_state=seed0 + i, n_perm=n_perm
        )
        out.append(t.set_index("id")["verdict"])
    return pd.DataFrame(out)


def calibrate(n_null=50, n_planted=20, random_state=0, n_perm=199, **store_kw):
    """False "holds" rate and power of every takeaway rule on synthetic stores.

    Parameters
    ----------
    n_null : int
        Null stores (no strategy, encoder or IPS effect). T12's null stores are the
        ``"margin_falls"`` family instead (``n_planted`` of them).
    n_planted : int
        Stores per planted family (:data:`PLANTED`).
    random_state : int
        Base seed; store ``i`` of a family is seeded from it.
    n_perm : int
        Permutations / bootstrap resamples per permutation rule (199 keeps a p-value
        resolution of 0.005, enough for a verdict at 0.05).
    **store_kw
        Passed to :func:`synthetic_store` (e.g. ``n_seeds``).

    Returns
    -------
    DataFrame
        ``id, false_positive_rate, power, n_null, n_planted, planted_effect`` (also
        ``untestable`` rates on null stores, which count as not "holds").
    """
    fams = {"null": n_null, "strategies": n_planted, "ips": n_planted, "margin_falls": n_planted}
    need = {f: set() for f in fams}
    for t in F.IDS:
        need[NULL_FAMILY[t]].add(t)
        need[PLANTED[t]].add(t)
    V = {}
    for j, (fam, n) in enumerate(fams.items()):
        ids = [t for t in F.IDS if t in need[fam]]
        V[fam] = _verdicts(fam, n, random_state + 100_000 * (j + 1), ids, n_perm, **store_kw)
    rows = []
    for t in F.IDS:
        nul, pla = V[NULL_FAMILY[t]][t], V[PLANTED[t]][t]
        rows.append(
            {
                "id": t,
                "false_positive_rate": float((nul == F.HOLDS).mean()),
                "power": float((pla == F.HOLDS).mean()),
                "n_null": len(nul),
                "n_planted": len(pla),
                "planted_effect": DESCRIPTION[t],
                "untestable_null": float((nul == F.UNTESTED).mean()),
            }
        )
    return pd.DataFrame(rows)


def with_calibration(table, cal):
    """The takeaways ``table`` with each rule's measured ``false_positive_rate`` and ``power``
    (from :func:`calibrate`) beside its verdict, for the Findings chapter."""
    keep = ["id", "false_positive_rate", "power", "planted_effect"]
    return table.merge(cal[keep], on="id", how="left")
