"""Do the verdicts survive more seeds? Every takeaway recomputed on growing sets of seeds."""

from __future__ import annotations

import pandas as pd

from alcore.science.findings.table import takeaways

__all__ = ["seed_stability", "stability_table"]


def seed_stability(results, upper_bounds=None, mteb=None, ids=None, order=None, **kw):
    """Every verdict recomputed on the first 1, 2, ... seeds of ``order``.

    A benchmark with few seeds can show a strategy significantly better and significantly
    worse than Random on one dataset depending on which seeds ran (Werner et al.'s CDALBench
    runs 50 seeds for that reason): a verdict that flips as seeds are added rests on the
    seeds' luck.

    Parameters
    ----------
    results, upper_bounds, mteb, ids
        As :func:`alcore.science.findings.takeaways`.
    order : sequence or None
        The order in which seeds are added; None: the store's seeds, sorted.
    **kw
        Passed to :func:`~alcore.science.findings.takeaways` (``tol``, ``random_state``,
        ``n_perm``).

    Returns
    -------
    DataFrame
        Long: ``n_seeds, seeds, id, verdict, estimate, p, mde``, one row per takeaway and
        number of seeds (:func:`stability_table` makes it a table).
    """
    seeds = sorted(results["seed"].unique()) if order is None else list(order)
    missing = sorted(set(seeds) - set(results["seed"].unique()))
    if missing:
        raise ValueError(
            f"seed(s) {missing} are not in the store; it holds {sorted(results['seed'].unique())}"
        )
    out = []
    for n in range(1, len(seeds) + 1):
        keep = seeds[:n]
        t = takeaways(
            results[results["seed"].isin(keep)], mteb=mteb, upper_bounds=upper_bounds, ids=ids, **kw
        )
        t = t[["id", "verdict", "estimate", "p", "mde"]].assign(
            n_seeds=n, seeds=", ".join(map(str, keep))
        )
        out.append(t)
    cols = ["n_seeds", "seeds", "id", "verdict", "estimate", "p", "mde"]
    return pd.concat(out, ignore_index=True)[cols]


def stability_table(long):
    """Takeaways x number of seeds: the verdicts, and how often each flips as seeds are added.

    ``flips`` counts the changes of verdict from one number of seeds to the next;
    ``settled_at`` is the number of seeds from which the verdict no longer changes.
    """
    wide = long.pivot(index="id", columns="n_seeds", values="verdict")
    wide = wide.reindex(list(dict.fromkeys(long["id"])))
    wide.columns = [f"{n} seed{'s' if n > 1 else ''}" for n in wide.columns]
    v = wide.to_numpy()
    changes = v[:, 1:] != v[:, :-1]
    wide["flips"] = changes.sum(axis=1)
    last = [max([0] + [j + 1 for j in range(changes.shape[1]) if row[j]]) for row in changes]
    wide["settled_at"] = [k + 1 for k in last]
    return wide.reset_index().rename(columns={"index": "id"})
