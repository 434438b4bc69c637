"""The paper's takeaways, each a statistical test with four possible answers.

:data:`REGISTRY` holds one :class:`~alcore.science.findings.record.Takeaway` per claim of
Rauch et al. (2025): the paper's sentence, the claim as tested (every part of it), the null,
the test, the unit of replication and why, the smallest effect the paper would call
meaningful, the rule, the synthetic-store families that calibrate it
(:mod:`alcore.science.calibration`) and the figure. :func:`takeaways` runs the rules on a
store; :func:`seed_stability` runs them again on growing subsets of seeds.

Answers (:mod:`~alcore.science.findings.record`): **holds** (every part significant in the
paper's direction), **contradicted** (a part significant the other way, or its interval
short of the smallest meaningful effect), **inconclusive** (neither), **not testable here**
(too little data). Every row reports the minimum detectable effect (``mde``): the effect its
test detects with 80% power at ``alpha = 0.05`` in this store's design.

The rules, by family: :mod:`~alcore.science.findings.ips` (initial pools: T1, T2, T3, T9,
T10, T11), :mod:`~alcore.science.findings.strategies` (T4, T5, T6, T8),
:mod:`~alcore.science.findings.quality` (T7, T12, T13, T14).
"""

from __future__ import annotations

from alcore.science.findings.data import MIN_MTEB_ENCODERS
from alcore.science.findings.quality import MARGIN_DELTA
from alcore.science.findings.record import (
    ALPHA,
    COLUMNS,
    CONTRADICTED,
    HOLDS,
    INCONCLUSIVE,
    UNTESTED,
    VERDICTS,
    Takeaway,
)
from alcore.science.findings.stability import seed_stability, stability_table
from alcore.science.findings.table import IDS, QUALITY_IDS, REGISTRY, takeaways

__all__ = [
    "ALPHA",
    "COLUMNS",
    "CONTRADICTED",
    "HOLDS",
    "IDS",
    "INCONCLUSIVE",
    "MARGIN_DELTA",
    "MIN_MTEB_ENCODERS",
    "QUALITY_IDS",
    "REGISTRY",
    "UNTESTED",
    "VERDICTS",
    "Takeaway",
    "seed_stability",
    "stability_table",
    "takeaways",
]
