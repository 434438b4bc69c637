"""Synthetic results stores with known effects, written from the paper's claims.

:func:`synthetic_store` draws a results table in the store's schema (ARCHITECTURE.md,
"Results store"; the timing and ``picked`` columns, which no takeaway reads, are left out)
and its upper bounds. It knows nothing of the rules: each family in :data:`FAMILIES` plants
one effect the paper describes (or a neighbouring one that the paper does not claim), in
accuracy points of the learning curves.

The design mimics a real grid with its untidiness: learning curves rise to a plateau per
dataset; every (dataset, encoder) cell has its own offset, common to all its runs; every
initial pool (IPS, seed) an offset shared by the strategies that start from it, fading over
the cycles; every run its own offset plus AR(1) noise over the cycles whose scale differs
between cells (heteroscedastic) and is larger in the early cycles; cells have 2 to 4 seeds;
each dataset's IPS study has its own k0 ladder (pools of different sizes, a missing rung).
Encoders have a quality ladder (``step`` -1 ... +1, the weakest first) that the upper bounds
(the linear probe) show in every family; the learning curves follow it only where a family
says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alcore.core.checks import check_random_state
from alcore.engine.strategies import NAMES

__all__ = ["FAMILIES", "IPS_K0", "synthetic_store"]

IPS_K0 = (20, 50, 100, 200, 500, 1000, 2000, 5000)
TOP = ("margin", "badge", "entropy")


def _fx_null(E):
    """No effect of strategy, initial pool or encoder quality on the runs."""


def _fx_ips_by_dataset(E):
    """Initial-pool effects specific to each dataset that average zero over datasets."""
    nD, nS = E.nD, E.nS
    a = E.rng.normal(0, 0.03, nD)
    b = E.rng.normal(0, 0.01, nD)
    E.study_typ += a[:, None, None] + b[:, None, None] * E.logk[None, None, :]
    E.study_core += E.rng.normal(0, 0.03, nD)[:, None, None]
    lift = E.rng.normal(0, 0.02, nD)[:, None] + E.rng.normal(0, 0.006, (nD, nS))
    E.ips_al += lift[:, None, :, None] * np.exp(-E.c / 3)


def _fx_ips_never_leads(E):
    """TypiClust pools fall behind as k0 grows but never lead (-0.01, -0.01 per decade)."""
    E.study_typ += -0.01 - 0.01 * E.logk[None, None, :]


def _fx_ips_equal_all(E):
    """A TypiClust pool lifts every strategy equally (+0.02, fading slowly); Margin, BADGE
    and Entropy lead by 0.01; in the IPS study TypiClust leads by 0.03 at every k0."""
    E.main_top()
    E.ips_al += 0.02 * np.exp(-E.c / 10)
    E.study_typ += 0.03


def _fx_ips_no_fade(E):
    """A TypiClust pool adds 0.02 at every cycle: no fade."""
    E.ips_al += 0.02


def _fx_ips_claimed(E):
    """The IPS study's and the AL cycle's claims: TypiClust-IPS +0.04 at k0 = 20 falling
    0.015 per decade, CoreSet-IPS -0.02; a TypiClust pool +0.03 fading exp(-cycle / 3)."""
    E.study_typ += 0.04 - 0.015 * E.logk[None, None, :]
    E.study_core -= 0.02
    E.ips_al += 0.03 * np.exp(-E.c / 3)


def _fx_ips_quality(E):
    """The early TypiClust-pool gain grows with quality: +0.025 + 0.025 x step, fading."""
    E.ips_al += (0.025 + 0.025 * E.step)[None, :, None, None] * np.exp(-E.c / 3)


def _fx_ips_top(E):
    """Margin, BADGE and Entropy lead by 0.01, and a TypiClust pool lifts only them
    (+0.015, fading slowly)."""
    E.main_top()
    E.ips_al[:, :, E.idx(TOP), :] += 0.015 * np.exp(-E.c / 10)


def _fx_quality_all(E):
    """Better encoders lift every learning curve alike: +0.06 per quality step."""
    E.curve_q += 0.06 * E.step[None, :]


def _fx_encoder_by_dataset(E):
    """Each dataset has its own order of encoders (sd 0.03 on the plateau, in the runs and
    the probe alike), unrelated to their quality on other datasets."""
    dev = E.rng.normal(0, 0.03, (E.nD, E.nE))
    E.curve_q += dev
    E.probe += dev


def _fx_quality_gain(E):
    """Every non-random strategy gains 0.01 more over Random per quality step."""
    E.gain[:, :, E.idx(n for n in E.names if n != "random")] += 0.01 * E.step[None, :, None]


def _fx_badge_quality(E):
    """BADGE alone gains 0.015 more per quality step."""
    E.gain[:, :, E.idx(["badge"])] += 0.015 * E.step[None, :, None]


def _fx_strategy_by_dataset(E):
    """Each dataset has its own ranking of strategies (sd 0.015), the same for every
    encoder."""
    others = E.idx(n for n in E.names if n != "random")
    E.gain[:, :, others] += E.rng.normal(0, 0.015, (E.nD, 1, len(others)))


def _fx_margin_spikes(E):
    """Margin +0.04 on the first two datasets; BADGE +0.015 everywhere."""
    E.gain[:2, :, E.idx(["margin"])] += 0.04
    E.gain[:, :, E.idx(["badge"])] += 0.015


def _fx_margin_uniform(E):
    """Margin +0.025 over everything else, in every cell."""
    E.gain[:, :, E.idx(["margin"])] += 0.025


def _fx_margin_equal_random(E):
    """Margin no better than Random (dataset effects of sd 0.005 that average zero) while
    every other strategy gains 0.015."""
    others = E.idx(n for n in E.names if n not in ("random", "margin"))
    E.gain[:, :, others] += 0.015
    E.gain[:, :, E.idx(["margin"])] += E.rng.normal(0, 0.005, (E.nD, 1, 1))


def _fx_margin_falls(E):
    """Margin +0.035 with the weakest encoder, falling 0.015 per quality step (to +0.005)."""
    E.gain[:, :, E.idx(["margin"])] += (0.02 - 0.015 * E.step)[None, :, None]


def _fx_margin_weak_fails(E):
    """Margin +0.02 with every encoder but the weakest, where it equals Random."""
    E.gain[:, 1:, E.idx(["margin"])] += 0.02


def _fx_badge_equals_margin(E):
    """BADGE, Margin, Entropy and DropQuery identical: one gain per dataset (mean 0.015,
    sd 0.012) for all four."""
    g = E.rng.normal(0.015, 0.012, E.nD)
    E.gain[:, :, E.idx(["badge", "margin", "entropy", "dropquery"])] += g[:, None, None]


def _fx_badge_robust(E):
    """BADGE +0.015 on every dataset; Margin +0.005 on the first two datasets and -0.035 on
    the others (a spread BADGE does not have)."""
    E.gain[:, :, E.idx(["badge"])] += 0.015
    m = np.where(np.arange(E.nD) < 2, 0.005, -0.035)
    E.gain[:, :, E.idx(["margin"])] += m[:, None, None]


#: family name -> the function that plants its effect (its docstring says what)
FAMILIES = {
    f.__name__[4:]: f
    for f in (
        _fx_null,
        _fx_ips_by_dataset,
        _fx_ips_never_leads,
        _fx_ips_equal_all,
        _fx_ips_no_fade,
        _fx_ips_claimed,
        _fx_ips_quality,
        _fx_ips_top,
        _fx_quality_all,
        _fx_encoder_by_dataset,
        _fx_quality_gain,
        _fx_badge_quality,
        _fx_strategy_by_dataset,
        _fx_margin_spikes,
        _fx_margin_uniform,
        _fx_margin_equal_random,
        _fx_margin_falls,
        _fx_margin_weak_fails,
        _fx_badge_equals_margin,
        _fx_badge_robust,
    )
}


class _Effects:
    """The effect arrays a family fills (all zero: the pure null)."""

    def __init__(self, rng, nD, nE, names, C, ks):
        self.rng, self.nD, self.nE, self.names, self.nS = rng, nD, nE, list(names), len(names)
        self.step = np.linspace(-1, 1, nE) if nE > 1 else np.zeros(1)
        self.c = np.arange(C, dtype=float)
        self.logk = np.log10(np.asarray(ks, float) / ks[0])
        self.gain = np.zeros((nD, nE, self.nS))  # strategy gain, reached from cycle 2
        self.ips_al = np.zeros((nD, nE, self.nS, C))  # TypiClust pool's effect per cycle
        self.study_typ = np.zeros((nD, nE, len(ks)))
        self.study_core = np.zeros((nD, nE, len(ks)))
        self.curve_q = np.zeros((nD, nE))  # plateau shift of every curve of a cell
        self.probe = np.zeros((nD, nE))  # shift of the probe (upper bound) beyond the ladder

    def idx(self, names):
        return [self.names.index(n) for n in names if n in self.names]

    def main_top(self):
        self.gain[:, :, self.idx(TOP)] += 0.01


def synthetic_store(
    family="null",
    n_datasets=5,
    n_encoders=3,
    strategies=NAMES,
    seeds=(2, 4),
    cycles=6,
    k0=20,
    batch=20,
    ips_k0=IPS_K0,
    random_state=0,
):
    """A synthetic results table and its upper bounds, in the store's schema.

    Parameters
    ----------
    family : str
        One of :data:`FAMILIES` (``"null"``: no effect at all).
    n_datasets, n_encoders : int
    strategies : sequence of str
    seeds : (int, int)
        Each cell draws its number of seeds in this range (inclusive).
    cycles, k0, batch : int
        The AL runs: ``k0`` initial labels, then ``cycles`` batches of ``batch``.
    ips_k0 : sequence of int
        The IPS study's k0 ladder; each dataset keeps the rungs below its pool size and
        loses one middle rung at random.
    random_state : int, Generator or RandomState

    Returns
    -------
    results, upper_bounds : DataFrame
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; known: {sorted(FAMILIES)}")
    lo, hi = seeds
    if not 1 <= lo <= hi:
        raise ValueError(f"seeds must be (low, high) with 1 <= low <= high, got {seeds}")
    rng = check_random_state(random_state)
    nD, nE, S, R, C = n_datasets, n_encoders, len(strategies), hi, cycles + 1
    ks = np.asarray(ips_k0)
    E = _Effects(rng, nD, nE, strategies, C, ks)
    FAMILIES[family](E)

    chance = 1.0 / rng.choice([2, 4, 6, 8, 20], nD)
    plateau = rng.uniform(0.65, 0.92, nD)
    tau = rng.uniform(40, 120, nD)
    height = plateau[:, None] + E.curve_q
    probe = plateau[:, None] + 0.03 * E.step[None, :] + E.probe + rng.normal(0, 0.004, (nD, nE))
    cell = rng.normal(0, 0.02, (nD, nE))
    scale = rng.lognormal(0, 0.4, (nD, nE))  # heteroscedastic: noise scale per cell
    n_seeds = rng.integers(lo, hi + 1, (nD, nE))

    n = k0 + batch * np.arange(C)
    rise = 1 - np.exp(-n[None, :] / tau[:, None])  # (D, C)
    base = chance[:, None, None] + (height[:, :, None] - chance[:, None, None]) * rise[:, None]
    base = base + cell[:, :, None]  # (D, E, C)

    # AL runs: (D, E, I, S, R, C), I = (random, typiclust) pools
    sc = scale[:, :, None, None, None, None]
    decay = np.exp(-E.c / 5)
    pool = rng.normal(0, 0.012, (nD, nE, 2, 1, R, 1)) * decay * sc
    run = rng.normal(0, 0.004, (nD, nE, 2, S, R, 1)) * sc
    eps = rng.normal(0, 0.006, (nD, nE, 2, S, R, C)) * sc * (1 + np.exp(-E.c / 2))
    ar = np.zeros_like(eps)
    for c in range(1, C):
        ar[..., c] = 0.6 * ar[..., c - 1] + eps[..., c]
    after0 = (E.c > 0).astype(float)
    ramp = np.minimum(1.0, E.c / 2)
    ips = np.zeros((nD, nE, 2, S, 1, C))
    ips[:, :, 1, :, 0, :] = E.ips_al
    acc = (
        base[:, :, None, None, None, :]
        + pool
        + (run + ar) * after0
        + E.gain[:, :, None, :, None, None] * ramp
        + ips
    )
    # cycle 0 is the initial pool itself: the same for every strategy that starts from it
    acc[..., 0] = acc[:, :, :, :1, :, 0]
    acc = np.clip(acc, 0.0, 1.0)
    D_, E_, I_, S_, R_, C_ = np.indices(acc.shape).reshape(6, -1)
    keep = n_seeds[D_, E_] > R_
    datasets = np.array([f"ds{i}" for i in range(nD)])
    encoders = np.array([f"enc{i}" for i in range(nE)])
    run_id = np.ravel_multi_index((D_, E_, I_, S_, R_), acc.shape[:5])
    al = pd.DataFrame(
        {
            "run_key": np.char.add("al", run_id.astype(str)),
            "dataset": datasets[D_],
            "encoder": encoders[E_],
            "ips": np.array(["random", "typiclust"])[I_],
            "k0": k0,
            "strategy": np.asarray(strategies)[S_],
            "seed": R_,
            "budget": k0 + batch * cycles,
            "cycles": cycles,
            "cycle": C_,
            "n_labelled": n[C_],
            "accuracy": acc.ravel(),
        }
    )[keep]

    # IPS study: (D, E, IPS, K, R) with IPS = (random, typiclust, coreset)
    rise_k = 1 - np.exp(-ks[None, :] / tau[:, None])  # (D, K)
    curve = chance[:, None, None] + (height[:, :, None] - chance[:, None, None]) * rise_k[:, None]
    curve = curve + cell[:, :, None]
    st = (
        curve[:, :, None, :, None]
        + rng.normal(0, 0.01, (nD, nE, 3, len(ks), R)) * (scale[:, :, None, None, None])
    )
    st[:, :, 1] += E.study_typ[..., None]
    st[:, :, 2] += E.study_core[..., None]
    st = np.clip(st, 0.0, 1.0)
    pool_max = rng.choice(ks[len(ks) // 2 :], nD)  # each dataset's pool size caps its ladder
    gap = rng.integers(2, max(3, len(ks) - 2), nD)  # and one middle rung is missing
    D2, E2, I2, K2, R2 = np.indices(st.shape).reshape(5, -1)
    keep2 = (n_seeds[D2, E2] > R2) & (ks[K2] <= pool_max[D2]) & (gap[D2] != K2)
    sid = np.ravel_multi_index((D2, E2, I2, K2, R2), st.shape)
    study = pd.DataFrame(
        {
            "run_key": np.char.add("ips", sid.astype(str)),
            "dataset": datasets[D2],
            "encoder": encoders[E2],
            "ips": np.array(["random", "typiclust", "coreset"])[I2],
            "k0": ks[K2],
            "strategy": "none",
            "seed": R2,
            "budget": ks[K2],
            "cycles": 0,
            "cycle": 0,
            "n_labelled": ks[K2],
            "accuracy": st.ravel(),
        }
    )[keep2]
    res = pd.concat([al, study], ignore_index=True)
    res["macro_f1"] = res["accuracy"] - 0.03
    for col in ("k0", "seed", "budget", "cycles", "cycle", "n_labelled"):
        res[col] = res[col].astype("int64")
    Dq, Eq = np.indices((nD, nE)).reshape(2, -1)
    upper = pd.DataFrame(
        {
            "dataset": datasets[Dq],
            "encoder": encoders[Eq],
            "accuracy": probe.ravel(),
            "macro_f1": probe.ravel() - 0.03,
        }
    )
    return res, upper
