"""Calibration of the takeaway rules on synthetic stores: false "holds" and power.

Every takeaway names (in its record, :data:`alcore.science.findings.REGISTRY`) the store
families where its claim is false: the pure null and the *near-miss* nulls, where a
neighbouring effect exists and the claimed one does not (an IPS boost equal for every
strategy, dataset effects that average zero, BADGE equal to Margin, Margin equal to Random,
quality lifting every curve alike, ...), and the family where only the claimed effect
exists. :func:`calibrate` draws ``n_stores`` stores of each family
(:func:`~alcore.science.calibration.generator.synthetic_store`, written from the claims and
blind to the rules) and reports how often each rule says "holds" on each: a false "holds"
rate on the null families (at most 10% is the bound), the power on the claimed one (at
least 80%).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from alcore.science import findings as F
from alcore.science.calibration.generator import FAMILIES, IPS_K0, synthetic_store

__all__ = [
    "FAMILIES",
    "IPS_K0",
    "MAX_FALSE_HOLDS",
    "MIN_POWER",
    "calibrate",
    "summary",
    "synthetic_store",
    "with_calibration",
]

MAX_FALSE_HOLDS = 0.10
MIN_POWER = 0.80


def _roles(ids):
    """(id, family, role) of every calibration cell of the takeaways ``ids``."""
    out = []
    for t in ids:
        rec = F.REGISTRY[t]
        unknown = sorted(set(rec.nulls + (rec.power,)) - set(FAMILIES))
        if unknown:
            raise ValueError(f"{t} names unknown store families {unknown}")
        for fam in rec.nulls:
            out.append((t, fam, "pure null" if fam == "null" else "near-miss null"))
        out.append((t, rec.power, "power"))
    return out


@lru_cache(maxsize=8)
def _calibrate(n_stores, random_state, n_perm, ids, design):
    roles = _roles(ids)
    families = list(dict.fromkeys(fam for _, fam, _ in roles))
    verdicts = {}
    for j, fam in enumerate(families):
        need = [t for t, f, _ in roles if f == fam]
        need = list(dict.fromkeys(need))
        for i in range(n_stores):
            seed = random_state + 10_000 * (j + 1) + i
            res, ub = synthetic_store(fam, random_state=seed, **dict(design))
            tab = F.takeaways(
                res, mteb={}, upper_bounds=ub, ids=need, random_state=seed, n_perm=n_perm
            )
            for tid, v in zip(tab["id"], tab["verdict"]):
                verdicts.setdefault((tid, fam), []).append(v)
    rows = []
    for tid, fam, role in roles:
        v = pd.Series(verdicts[(tid, fam)])
        rows.append(
            {
                "id": tid,
                "family": fam,
                "role": role,
                "holds": float((v == F.HOLDS).mean()),
                "contradicted": float((v == F.CONTRADICTED).mean()),
                "untested": float((v == F.UNTESTED).mean()),
                "n_stores": len(v),
                "effect": FAMILIES[fam].__doc__.split("\n\n")[0].replace("\n", " ").strip(),
            }
        )
    return pd.DataFrame(rows)


def calibrate(n_stores=40, random_state=0, n_perm=199, ids=None, **design):
    """How often every rule says "holds" on each of its store families.

    Parameters
    ----------
    n_stores : int
        Stores per family.
    random_state : int
        Base seed; store ``i`` of family ``j`` is seeded from it.
    n_perm : int
        Permutations per permutation test (199 resolves p to 0.005, enough at 0.05).
    ids : sequence of str or None
        The takeaways to calibrate (default all).
    **design
        Passed to :func:`synthetic_store` (``n_datasets``, ``seeds``, ``cycles``, ...).

    Returns
    -------
    DataFrame
        One row per takeaway and family: ``id, family, role`` ("pure null", "near-miss
        null" or "power"), ``holds`` (the share of stores where the rule says "holds": a
        false-holds rate on a null family, the power on the claimed one), ``contradicted``,
        ``untested``, ``n_stores`` and ``effect`` (the family in words). Computed once per
        process for the same arguments.
    """
    ids = F.IDS if ids is None else tuple(ids)
    unknown = sorted(set(ids) - set(F.IDS))
    if unknown:
        raise ValueError(f"unknown takeaway id(s) {unknown}; known: {list(F.IDS)}")
    design = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in design.items()))
    return _calibrate(int(n_stores), int(random_state), int(n_perm), tuple(ids), design).copy()


def summary(cal):
    """Per takeaway: the worst false-holds rate over its null families (and which) and the
    power; ``ok`` where both are within :data:`MAX_FALSE_HOLDS` and :data:`MIN_POWER`."""
    nul = cal[cal["role"] != "power"]
    worst = nul.loc[nul.groupby("id", sort=False)["holds"].idxmax(), ["id", "family", "holds"]]
    worst = worst.rename(columns={"family": "worst_null", "holds": "false_holds"})
    pw = cal[cal["role"] == "power"][["id", "family", "holds", "effect"]]
    pw = pw.rename(columns={"family": "power_family", "holds": "power", "effect": "planted"})
    out = worst.merge(pw, on="id")
    out["ok"] = (out["false_holds"] <= MAX_FALSE_HOLDS) & (out["power"] >= MIN_POWER)
    return out.reset_index(drop=True)


def with_calibration(table, cal):
    """The takeaways ``table`` with each rule's worst false-holds rate and its power (from
    :func:`summary` of :func:`calibrate`) beside its verdict."""
    keep = ["id", "false_holds", "worst_null", "power"]
    return table.merge(summary(cal)[keep], on="id", how="left")
