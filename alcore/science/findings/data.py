"""The tables every takeaway rule reads, computed once per store (:class:`StoreData`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from alcore.core.checks import check_random_state
from alcore.embedding.encoders import ENCODERS
from alcore.science import analysis as A
from alcore.science import stats as S
from alcore.science.findings.record import ALPHA, Outcome, PartResult

__all__ = [
    "DATASET_UNIT",
    "DATASET_WHY",
    "MIN_DATASETS",
    "MIN_MTEB_ENCODERS",
    "MIN_PERMS",
    "StoreData",
    "fmt_ci",
    "fmt_p",
]

#: MTEB is the quality axis only with at least this many scored encoders (else: the probe)
MIN_MTEB_ENCODERS = 5
#: a test over datasets needs at least this many (two-sided t with 2 degrees of freedom)
MIN_DATASETS = 3
#: a permutation test needs this many distinct permutations to reach p < 0.05 with room
MIN_PERMS = 40
#: the unit of the claims over tasks, and why
DATASET_UNIT = "dataset (the mean of its cells; seeds averaged inside each cell)"
DATASET_WHY = (
    "the encoders of a dataset share its texts, labels and class balance, so an effect "
    "specific to a dataset moves all its cells together: its cells are one unit of evidence "
    "for a claim about tasks, and a t test over cells would count each dataset's luck three "
    "times"
)


def fmt_ci(low, high, fmt="+.4f"):
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no CI"
    return f"95% CI [{low:{fmt}}, {high:{fmt}}]"


def fmt_p(p):
    return "p = n/a" if not np.isfinite(p) else f"p = {p:.2g}"


class StoreData:
    """The store's tables shared by the rules.

    Parameters
    ----------
    results : DataFrame
        The store's tidy table (:func:`alcore.runs.store.load_results`).
    mteb : mapping or None
        Encoder -> MTEB score; None: the registry's comparable scores.
    upper : DataFrame or None
        The store's full-data accuracies (the linear probe).
    tol : float
        Practical-equivalence margin of the single-cell contrasts (T5, T8).
    random_state : int, Generator or RandomState
    n_perm : int
        Permutations of the permutation tests.
    """

    def __init__(self, results, mteb=None, upper=None, tol=0.0, random_state=0, n_perm=999):
        self.al = A.al_part(results)
        self.ips = A.ips_part(results)
        self.au = A.aulc(self.al) if not self.al.empty else pd.DataFrame()
        self.tol = float(tol)
        self.rng = check_random_state(random_state)
        self.n_perm = int(n_perm)
        self.quality, self.quality_name = self._quality(results, mteb, upper)
        self._cache = {}

    @staticmethod
    def _quality(results, mteb, upper):
        """Quality not computed from a dataset's own labels: comparable MTEB scores where at
        least :data:`MIN_MTEB_ENCODERS` encoders have one, else the encoder's probe
        accuracy on the other datasets (:func:`alcore.science.analysis.loo_probe_quality`)."""
        cells = results[["dataset", "encoder"]].drop_duplicates()
        if mteb is None:
            mteb = {k: v.mteb for k, v in ENCODERS.items() if v.mteb_comparable}
        q = A.encoder_quality(cells["encoder"].unique(), mteb).dropna()
        if len(q) >= MIN_MTEB_ENCODERS:
            idx = pd.MultiIndex.from_frame(cells[cells["encoder"].isin(q.index)])
            return pd.Series(q.reindex(idx.get_level_values(1)).to_numpy(), idx), "MTEB score"
        if upper is not None and len(upper) and upper["dataset"].nunique() >= 2:
            loo = A.loo_probe_quality(upper).dropna()
            if len(loo):
                return loo, "probe accuracy on the other datasets"
        return None, ""

    def cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def cell_strategy(self, ips=None):
        """Cells x strategies mean AULC (seeds and, unless ``ips`` is given, IPS averaged)."""

        def make():
            if self.au.empty:
                return pd.DataFrame()
            if ips is None:
                return S.cell_means(self.au)
            by_ips = S.cell_means(self.au, by="ips")
            if ips not in by_ips.index.get_level_values("ips"):
                return pd.DataFrame()
            return by_ips.xs(ips, level="ips")

        return self.cached(("cells", ips), make)

    def gains(self):
        """Cells x strategies AULC gain over Random (None without Random runs)."""
        w = self.cell_strategy()
        if w.empty or "random" not in w.columns:
            return None
        return w.drop(columns="random").sub(w["random"], axis=0)

    def cell_ranks(self):
        """Cells x strategies rank of the seed-averaged AULC (1 = best)."""
        return self.cell_strategy().dropna().rank(axis=1, ascending=False, method="average")

    def ips_wide(self):
        """IPS study: (dataset, encoder, k0, seed) x IPS accuracy."""
        return self.cached(
            "ipsw",
            lambda: (
                self.ips.groupby(["dataset", "encoder", "k0", "seed", "ips"])["accuracy"]
                .mean()
                .unstack("ips")
            ),
        )

    def small_k0(self):
        """The largest k0 counted as small: 100 where the sweep reaches that low, else the
        lower half of the store's k0 values."""
        k0s = np.sort(self.ips["k0"].unique())
        return 100 if (k0s <= 100).any() else k0s[max(0, len(k0s) // 2 - 1)]

    def ips_cell_diff(self, a, k0_max=None):
        """Per cell: IPS ``a`` minus Random-IPS accuracy, paired by k0 and seed, averaged."""
        w = self.ips_wide()
        if a not in w.columns or "random" not in w.columns:
            return None
        if k0_max is not None:
            w = w[w.index.get_level_values("k0") <= k0_max]
        return (w[a] - w["random"]).dropna().groupby(["dataset", "encoder"]).mean()

    def ips_cycle_diff(self):
        """Cells x cycles: TypiClust-IPS minus Random-IPS accuracy (strategies and seeds of
        each pool averaged, then the difference)."""

        def make():
            m = (
                self.al.groupby(["dataset", "encoder", "cycle", "ips"])["accuracy"]
                .mean()
                .unstack("ips")
            )
            if not {"typiclust", "random"} <= set(m.columns):
                return pd.DataFrame()
            return (m["typiclust"] - m["random"]).dropna().unstack("cycle")

        return self.cached("ipscyc", make)

    def early_late(self):
        """Per cell: the TypiClust-IPS gain over the first and the last quarter of cycles."""
        tab = self.ips_cycle_diff()
        if tab.empty:
            return None
        T = int(tab.columns.max())
        q = max(1, T // 4)
        early = tab.loc[:, tab.columns <= q].mean(axis=1)
        late = tab.loc[:, tab.columns >= T - q].mean(axis=1)
        return early, late, q, T

    def contrasts(self):
        """Per-cell block-ANOVA contrasts of every strategy pair (:func:`stats.cell_contrasts`),
        shifted by ``tol`` where it is set."""

        def make():
            c = S.cell_contrasts(self.au)
            if self.tol and len(c):
                c = c.assign(t=(c["diff"] - self.tol) / c["se"])
                c["p"] = sps.t.sf(c["t"], c["df"])
            return c

        return self.cached("contrasts", make)

    def quality_part(self, gain, what, part="rho"):
        """The outcome of "``what`` moves with embedding quality", tested inside datasets.

        Spearman's rho of quality with ``gain`` (Series by (dataset, encoder)) inside each
        dataset, averaged; two-sided permutation test permuting encoders within datasets; t
        interval over the datasets' rhos; MDE from the permutation distribution.
        """
        if self.quality is None:
            return Outcome.cannot(
                f"no encoder quality: fewer than {MIN_MTEB_ENCODERS} encoders with a comparable "
                "MTEB score, and fewer than two datasets with probe accuracies"
            )
        r = S.within_dataset_permutation(
            self.quality,
            gain,
            n_perm=self.n_perm,
            alternative="two-sided",
            random_state=self.rng,
        )
        if r["n_perms"] < MIN_PERMS or r["n_datasets"] < MIN_DATASETS:
            return Outcome.cannot(
                f"{r['n_datasets']} dataset(s) with >= 3 encoders of different quality: "
                f"{r['n_perms']} distinct permutations, too few for a test at alpha = {ALPHA}"
            )
        here = (
            f"rho({self.quality_name}, {what}) = {r['rho']:+.2f}, "
            f"{fmt_ci(r['low'], r['high'], '+.2f')}, over {r['n_datasets']} datasets, "
            f"{fmt_p(r['p'])}; detectable with 80% power: |rho| >= {r['mde']:.2f}"
        )
        return Outcome({part: PartResult.of(r, "rho")}, here)
