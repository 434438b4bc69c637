"""One record per takeaway, and the rule that turns a test into one of four answers.

A :class:`Takeaway` holds everything about one claim of Rauch et al. (2025): the paper's
sentence, what is tested, the null, the test, the unit and why, the parts of the claim with
the smallest effect the paper would call meaningful, the rule (a function of the store's
tables), the synthetic store families that calibrate the rule, and the figure. A rule returns
an :class:`Outcome`; :func:`verdict` turns it into an answer:

* **holds**: every part of the claim is significant (two-sided 95% interval, or the part's
  stated test, at ``alpha = 0.05``) in the paper's direction (an intersection-union test:
  the claim's p-value is the largest of its parts');
* **contradicted**: some part is significant the other way, or its 95% interval excludes the
  smallest effect the paper would call meaningful (the whole interval lies short of it);
* **inconclusive**: neither: the store cannot tell;
* **not testable here**: too little data to run the test at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ALPHA",
    "COLUMNS",
    "CONTRADICTED",
    "HOLDS",
    "INCONCLUSIVE",
    "UNTESTED",
    "VERDICTS",
    "Outcome",
    "Part",
    "PartResult",
    "Takeaway",
    "unreported",
    "verdict",
]

HOLDS, CONTRADICTED, INCONCLUSIVE, UNTESTED = (
    "holds",
    "contradicted",
    "inconclusive",
    "not testable here",
)
VERDICTS = (HOLDS, CONTRADICTED, INCONCLUSIVE, UNTESTED)
ALPHA = 0.05
COLUMNS = [
    "id",
    "paper",
    "claim",
    "null",
    "test",
    "unit",
    "effect",
    "estimate",
    "ci_low",
    "ci_high",
    "p",
    "mde",
    "meaningful",
    "verdict",
    "here",
    "figure",
]


@dataclass(frozen=True)
class Part:
    """One part of a claim (a claim with parts holds only where every part holds).

    Attributes
    ----------
    name : str
        Key of the part in the rule's :class:`Outcome`.
    effect : str
        What the part's estimate measures, with its unit.
    sign : {1, -1}
        The paper's direction: +1 where the paper says the effect is above ``null_value``.
    meaningful : float
        The smallest effect the paper would call meaningful, in the estimate's unit and on
        the paper's side of ``null_value``: an interval that lies wholly short of it
        contradicts the claim.
    why : str
        Where ``meaningful`` comes from: the paper's reported effect (figure or table, and
        the fraction of it taken), or :func:`unreported` where the paper gives no number.
    null_value : float
        The value of the estimate under the part's null (0, or 1 for a ratio, or minus a
        non-inferiority margin).
    """

    name: str
    effect: str
    sign: int
    meaningful: float
    why: str
    null_value: float = 0.0


def unreported(choice: str, said: str) -> str:
    """The ``why`` of a :class:`Part` whose smallest meaningful effect the paper does not size.

    Parameters
    ----------
    choice : str
        The threshold, in words (ours).
    said : str
        Where and how the paper states the effect, without a number.
    """
    return (
        f"{choice}, our choice: the paper states the effect without a size in the text "
        f"available here ({said})"
    )


@dataclass(frozen=True)
class PartResult:
    """A part's estimate, its 95% interval, its p-value and its minimum detectable effect
    (the effect the test detects with 80% power at ``alpha``, from the design)."""

    estimate: float
    low: float = np.nan
    high: float = np.nan
    p: float = np.nan
    mde: float = np.nan

    @classmethod
    def of(cls, r, estimate="effect"):
        """From a dict of :mod:`alcore.science.stats` (``effect`` or ``rho``, ``low``,
        ``high``, ``p``, ``mde``)."""
        return cls(
            float(r[estimate]),
            float(r["low"]),
            float(r["high"]),
            float(r["p"]),
            float(r.get("mde", np.nan)),
        )


@dataclass(frozen=True)
class Outcome:
    """What a rule found: one :class:`PartResult` per part (``parts``) and the evidence in one
    sentence (``here``); or, with ``untested`` set, why the store cannot test the claim."""

    parts: dict = field(default_factory=dict)
    here: str = ""
    untested: str = ""

    @classmethod
    def cannot(cls, why):
        return cls(untested=why)


@dataclass(frozen=True)
class Takeaway:
    """One takeaway: the claim, its test and its calibration, in one place.

    Attributes
    ----------
    id : str
    paper : str
        The paper's sentence, quoted (an abstract or section sentence; ``source`` says which).
    source : str
        Where the sentence stands in the paper.
    claim : str
        The claim as tested here, every part named.
    null, test : str
        The null hypothesis and the test (which p-values are one- or two-sided).
    unit : str
        The unit of replication.
    unit_why : str
        Why that unit (where cells nest in datasets, why the dataset or the cell).
    parts : tuple of Part
        The parts of the claim; the first is the headline (the row's estimate, CI and MDE).
    rule : callable
        ``rule(data) -> Outcome`` with ``data`` the store's shared tables
        (:class:`alcore.science.findings.data.StoreData`).
    nulls : tuple of str
        Synthetic store families (:mod:`alcore.science.calibration`) in which the claim is
        false: the pure null and the near-miss nulls, where a neighbouring effect exists.
    power : str
        The family in which only the claimed effect exists (its docstring says what).
    figure : str
        Where the book shows it.
    needs : {"al", "ips"}
        Which part of the store the rule reads.
    """

    id: str
    paper: str
    source: str
    claim: str
    null: str
    test: str
    unit: str
    unit_why: str
    parts: tuple
    rule: Callable
    nulls: tuple
    power: str
    figure: str
    needs: str = "al"

    def row(self, outcome: Outcome) -> dict:
        """The table row (:data:`COLUMNS`) of this takeaway for a rule's ``outcome``."""
        head = self.parts[0]
        base = {
            "id": self.id,
            "paper": self.paper,
            "claim": self.claim,
            "null": self.null,
            "test": self.test,
            "unit": self.unit,
            "effect": head.effect,
            "meaningful": head.meaningful,
            "figure": self.figure,
        }
        if outcome.untested:
            return {
                **base,
                "estimate": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "p": np.nan,
                "mde": np.nan,
                "verdict": UNTESTED,
                "here": outcome.untested,
            }
        r = outcome.parts[head.name]
        ps = [outcome.parts[p.name].p for p in self.parts]
        return {
            **base,
            "estimate": r.estimate,
            "ci_low": r.low,
            "ci_high": r.high,
            "p": float(max(ps)) if all(np.isfinite(ps)) else np.nan,
            "mde": r.mde,
            "verdict": verdict(self.parts, outcome),
            "here": outcome.here,
        }


def part_verdict(part: Part, r: PartResult, alpha=ALPHA) -> str:
    """The answer of one part (module docstring)."""
    if not (np.isfinite(r.estimate) and np.isfinite(r.p)):
        return UNTESTED
    s = part.sign
    if r.p < alpha and s * (r.estimate - part.null_value) > 0:
        return HOLDS
    if r.p < alpha and s * (r.estimate - part.null_value) < 0:
        return CONTRADICTED
    far = r.high if s > 0 else r.low  # the interval's bound on the paper's side
    if np.isfinite(far) and s * far < s * part.meaningful:
        return CONTRADICTED
    return INCONCLUSIVE


def verdict(parts, outcome: Outcome, alpha=ALPHA) -> str:
    """The claim's answer: holds where every part holds, contradicted where some part is,
    not testable where some part cannot be tested, else inconclusive."""
    if outcome.untested:
        return UNTESTED
    answers = [part_verdict(p, outcome.parts[p.name], alpha) for p in parts]
    if all(a == HOLDS for a in answers):
        return HOLDS
    if CONTRADICTED in answers:
        return CONTRADICTED
    if UNTESTED in answers:
        return UNTESTED
    return INCONCLUSIVE
