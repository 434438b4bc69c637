"""The registry of takeaways and :func:`takeaways`, which runs their rules on a store."""

from __future__ import annotations

import pandas as pd

from alcore.science.findings.data import StoreData
from alcore.science.findings.ips import IPS_TAKEAWAYS
from alcore.science.findings.quality import QUALITY_TAKEAWAYS
from alcore.science.findings.record import ALPHA, COLUMNS, Outcome
from alcore.science.findings.strategies import STRATEGY_TAKEAWAYS

__all__ = ["IDS", "QUALITY_IDS", "REGISTRY", "takeaways"]

#: every takeaway, T1 first (the IPS study's notebook shows the first row)
REGISTRY = {
    t.id: t
    for t in sorted(
        IPS_TAKEAWAYS + STRATEGY_TAKEAWAYS + QUALITY_TAKEAWAYS, key=lambda t: int(t.id[1:])
    )
}
IDS = tuple(REGISTRY)
#: the takeaways about embedding quality: tested on the real encoders and, apart, on the
#: quality ladder (one encoder's PCA reductions)
QUALITY_IDS = ("T3", "T7", "T12", "T13", "T14")


def takeaways(
    results, mteb=None, tol=0.0, upper_bounds=None, alpha=None, ids=None, random_state=0, n_perm=999
):
    """One row per takeaway, each a test (columns :data:`COLUMNS`).

    Parameters
    ----------
    results : DataFrame
        The store's tidy table (:func:`alcore.runs.store.load_results`).
    mteb : mapping or None
        Encoder -> MTEB score; default the registry's comparable scores
        (``alcore.embedding.encoders.ENCODERS[...].mteb_comparable``). The quality axis
        only where at least
        :data:`~alcore.science.findings.data.MIN_MTEB_ENCODERS` encoders of the store
        have one; else each encoder's probe accuracy on the other datasets
        (``upper_bounds``).
    tol : float, default=0.0
        Practical-equivalence margin (AULC) of the single-cell contrasts (T5, T8) and the
        win rates (T6): a difference within ``tol`` is a tie.
    upper_bounds : DataFrame or None
        The store's full-data accuracies (:func:`alcore.runs.store.load_upper_bounds`).
    alpha : None
        Reserved; the rules use :data:`ALPHA` (0.05), the level their calibration measures.
    ids : sequence of str or None
        Compute only these takeaways (default all of :data:`IDS`, in order).
    random_state : int, Generator or RandomState
        Seeds the permutation tests.
    n_perm : int, default=999
        Permutations of the permutation tests.

    Returns
    -------
    DataFrame
        ``id, paper, claim, null, test, unit, effect`` (what the estimate measures),
        ``estimate, ci_low, ci_high`` (95%), ``p`` (the largest of the parts' p-values),
        ``mde`` (minimum detectable effect, 80% power), ``meaningful`` (the smallest effect
        the paper would call meaningful), ``verdict`` (one of
        :data:`~alcore.science.findings.record.VERDICTS`), ``here`` (the evidence in one
        sentence) and ``figure``.
    """
    if alpha is not None and alpha != ALPHA:
        raise ValueError(f"the rules are calibrated at alpha = {ALPHA}; got {alpha}")
    ids = IDS if ids is None else tuple(ids)
    unknown = sorted(set(ids) - set(IDS))
    if unknown:
        raise ValueError(f"unknown takeaway id(s) {unknown}; known: {list(IDS)}")
    if tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    D = StoreData(results, mteb, upper_bounds, tol, random_state, n_perm)
    rows = []
    for tid in ids:
        t = REGISTRY[tid]
        if t.needs == "al" and D.al.empty:
            out = Outcome.cannot("no active-learning runs in the store")
        elif t.needs == "ips" and D.ips.empty:
            out = Outcome.cannot("no IPS study in the store")
        else:
            out = t.rule(D)
        rows.append(t.row(out))
    return pd.DataFrame(rows, columns=COLUMNS)
