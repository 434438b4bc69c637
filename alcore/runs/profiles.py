"""One run (:class:`RunConfig`) and grids of runs (:class:`Grid`, ``experiments/<profile>.yaml``).

A profile YAML holds lists whose Cartesian product is the grid::

    datasets: [trec6, sms_spam,        # registry names, or your own file (path relative
               {name: disaster, path: data/disaster.csv,  # to the YAML file's folder)
                text_col: text, label_col: label}]      # + text_pair_col, test_path or
                                                        # test_size, budget: N or rule
    encoders: [glove50, potion8m]
    ips: [random, typiclust]          # initial-pool selection
    k0: [batch]                       # initial pool size: ints, or "batch" (the k0 rule below)
    strategies: [random, margin, badge]   # or "all": every registered strategy, in order
    seeds: [0, 1, 2]
    budget: registry                  # the dataset's budget, an int, or {dataset: int, ...}
    cycles: 20
    pool_cap: {health_tweets: 20000}  # optional: an int for every dataset, or per dataset
    clf: {solver: lbfgs, max_iter: 1000}
    strategy_params: {probcover: {delta: 0.5}}
    ips_study:                        # optional: IPS alone (cycles=0, strategy "none")
      ips: [random, coreset, typiclust]
      k0: [20, 50, 100, 200]          # values above the pool size are capped at the pool
      seeds: [0, 1, 2]
      # datasets / encoders / pool_cap default to the main section's
      al:                             # optional: the whole AL cycle from each initial pool
        ips: [random, typiclust]      # default: the study's ips
        k0: [20, 100, 500]            # values >= the dataset's budget are left out
        strategies: [random]
        cycles: 20                    # budget: the main section's

Every key at every depth is checked before any work (unknown keys are errors with the
closest valid key), integers are range-checked (seeds ``0 .. 2**32-1``, cycles
``1 .. 1000``, sizes ``>= 1``; booleans and quoted numbers are refused), the classifier
settings and strategy parameters are checked by building the objects, and a budget larger
than the pool is refused.

The k0 rule (``k0: batch``)
    ``k0 = max(B // (T + 1), n_classes)``: one batch of the paper's ``b = B / (T + 1)``, but
    never fewer labels than classes. The ``T`` cycles then share the rest:
    :func:`alcore.engine.loop.batch_sizes` gives ``(B - k0) // T`` a cycle (the remainder on the
    first cycles), so the final labelled pool holds exactly ``B``.

``study``
    Each run records the section it comes from: ``main`` (the grid), ``ips`` (the IPS study's
    IPS-only runs, ``cycles=0``) or ``ips_al`` (the IPS study's AL cycles, ``ips_study.al``).
    It is part of the run's identity, so a study run is never mistaken for a main-grid run.

``pool_cap``
    Subsamples the training pool to at most ``pool_cap`` samples *before* active learning:
    a stratified subsample (every class keeps its share, and at least one sample) drawn with
    ``random_state=0``. It is the same subsample for every run and seed, so runs that differ
    only in strategy are paired on the same pool. The test split is never subsampled.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from alcore.core.checks import is_int
from alcore.core.errors import UnknownNameError
from alcore.core.safe_yaml import read_yaml
from alcore.engine import strategies
from alcore.engine.loop import CLF_DEFAULTS
from alcore.runs.config import RunConfig, check_clf, check_strategy_params
from alcore.runs.datasets import (
    check_unique_entries,
    check_user_dataset,
    encoder_names,
    facts_or_none,
    grid_budget,
    register_entry,
)
from alcore.runs.schema import (
    CYCLES_MAX,
    SEED_MAX,
    SIZE_MAX,
    as_mapping,
    cap_for,
    check_cap,
    check_int,
    check_keys,
    int_list,
    str_list,
)

__all__ = ["PROFILES_DIR", "Grid", "k0_rule", "list_profiles", "load_profile", "profile_path"]

PROFILES_DIR = Path(__file__).resolve().parents[2] / "experiments"
_GRID_KEYS = (
    "datasets",
    "encoders",
    "ips",
    "k0",
    "strategies",
    "seeds",
    "budget",
    "cycles",
    "pool_cap",
    "clf",
    "strategy_params",
    "ips_study",
    "description",
)
_STUDY_KEYS = ("datasets", "encoders", "ips", "k0", "seeds", "pool_cap", "al")
_STUDY_AL_KEYS = ("ips", "k0", "strategies", "cycles", "seeds")


class _Main(NamedTuple):
    """The grid's validated top-level values, which the IPS study inherits or overrides."""

    spec: dict
    datasets: list
    encoders: list
    seeds: list
    clf: dict
    pool_cap: object
    budgets: dict
    sparams: dict
    check_names: bool


@dataclass
class Grid:
    """A product of lists, read from a profile YAML; :meth:`configs` expands it.

    Parameters
    ----------
    spec : dict
        The parsed YAML (see the module docstring for its keys).
    name : str
        Profile name (used for the default store ``results/<name>``).
    """

    spec: dict
    name: str = "custom"
    base_dir: Path | None = None

    @classmethod
    def from_yaml(cls, path, name=None) -> Grid:
        """Read a grid from a YAML file (:func:`alcore.core.safe_yaml.read_yaml`: bounded, no
        duplicate keys); every error names the file and, where known, the line and column."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"grid file {path} does not exist")
        spec = read_yaml(path)
        if not isinstance(spec, dict):
            raise ValueError(
                f"{path} must hold a YAML mapping of grid keys, got {type(spec).__name__}"
            )
        return cls(spec, name=name or path.stem, base_dir=path.resolve().parent)

    def configs(self, check_names: bool = True) -> list[RunConfig]:
        """Validate the whole spec, then expand it (main grid, IPS study, IPS-study AL).

        Parameters
        ----------
        check_names : bool, default=True
            Check dataset/encoder names against the registries (off for custom loaders).
        """
        s = self.spec
        where = f"grid {self.name!r}"
        check_keys(s, _GRID_KEYS, where)
        study = as_mapping(s.get("ips_study"), "ips_study")
        check_keys(study, _STUDY_KEYS, "ips_study")
        al = as_mapping(study.get("al"), "ips_study.al")
        check_keys(al, _STUDY_AL_KEYS, "ips_study.al")
        has_main = "strategies" in s
        required = ["datasets", "encoders", "seeds"] + (["ips", "k0"] if has_main else [])
        missing = [k for k in required if k not in s]
        if missing or not (has_main or study):
            raise ValueError(f"{where} lacks key(s) {missing or ['strategies or ips_study']}")
        if isinstance(s.get("description"), (dict, list)):
            raise ValueError("description must be a string")

        check_unique_entries(
            {"datasets": s["datasets"], "ips_study.datasets": study.get("datasets", [])}
        )
        datasets = self._datasets(s["datasets"], self.base_dir)
        encoders = str_list(s["encoders"], "encoders", encoder_names() if check_names else None)
        seeds = int_list(s["seeds"], "seeds", 0, SEED_MAX)
        clf = {**CLF_DEFAULTS, **as_mapping(s.get("clf"), "clf")}
        check_clf(clf)
        ips_names = strategies.IPS_NAMES
        main_strats = str_list(s["strategies"], "strategies", strategies.NAMES) if has_main else []
        al_strats = (
            str_list(al.get("strategies", ["random"]), "ips_study.al.strategies", strategies.NAMES)
            if al
            else []
        )
        sparams = as_mapping(s.get("strategy_params"), "strategy_params")
        check_keys(
            sparams,
            list(dict.fromkeys(main_strats + al_strats)),
            "strategy_params (keys are strategies of the grid)",
        )
        for name, params in sparams.items():
            check_strategy_params(name, params)
        cycles = s.get("cycles", 20)
        if has_main:
            if is_int(cycles) and cycles == 0:
                raise ValueError(
                    "cycles: 0 runs no query, so every run would be IPS-only but "
                    "labelled with a query strategy; put IPS-only runs in the "
                    "ips_study section"
                )
            cycles = check_int(cycles, "cycles", 1, CYCLES_MAX)
        pool_cap = check_cap(s.get("pool_cap"), datasets, "pool_cap")
        k0s = int_list(s["k0"], "k0", 1, SIZE_MAX, allow=("batch",)) if has_main else []
        main_ips = str_list(s["ips"], "ips", ips_names) if has_main else []
        budgets = self._budgets(s.get("budget", "registry"), datasets, check_names)

        facts = {d: facts_or_none(d, check_names) for d in datasets}
        for d in datasets:  # refuse a budget larger than the (capped) pool before any work
            check_budget_fits(d, budgets[d], facts[d][0], cap_for(pool_cap, d))

        out = []
        if has_main:
            for d, e, ips, k0, strat, seed in itertools.product(
                datasets, encoders, main_ips, k0s, main_strats, seeds
            ):
                b = budgets[d]
                k = k0_rule(b, cycles, facts[d][1]) if k0 == "batch" else k0
                out.append(
                    RunConfig(
                        d,
                        e,
                        ips,
                        int(k),
                        strat,
                        seed,
                        b,
                        cycles,
                        clf,
                        cap_for(pool_cap, d),
                        dict(sparams.get(strat, {})),
                    )
                )
        if study:
            main = _Main(s, datasets, encoders, seeds, clf, pool_cap, budgets, sparams, check_names)
            out += self._study(study, al, al_strats, main)
        if not out:
            raise ValueError(f"{where} is empty: give strategies and/or ips_study")
        for cfg in out:
            cfg.validate(check_names=check_names)
        return out

    # -- sections -----------------------------------------------------------------------------
    @staticmethod
    def _datasets(value, base_dir=None, section="datasets") -> list:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise ValueError(f"{section} must not be empty")
        names = []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                names.append(register_entry(item, f"{section}[{i}]", base_dir))
            elif isinstance(item, str):
                check_user_dataset(item)
                names.append(item)
            else:
                raise ValueError(
                    f"{section}[{i}] must be a name or a mapping {{name, path, "
                    f"text_col, label_col, ...}}, got {item!r}"
                )
        return list(dict.fromkeys(names))

    @staticmethod
    def _budgets(budget, datasets, check_names) -> dict:
        def one(value, d, name):
            if value == "registry":
                return grid_budget(d)
            return check_int(value, name, 1, SIZE_MAX)

        if isinstance(budget, dict):
            check_keys(budget, datasets, "budget (keys are datasets of the grid)")
            absent = [d for d in datasets if d not in budget]
            if absent:
                raise ValueError(
                    f"the budget mapping needs a value for every dataset; missing datasets {absent}"
                )
            return {d: one(budget[d], d, f"budget.{d}") for d in datasets}
        if budget != "registry" and not is_int(budget):
            if isinstance(budget, str) and not budget.strip().isdigit():
                raise ValueError(
                    f'budget must be "registry", an int or a mapping dataset -> int, got {budget!r}'
                )
        return {d: one(budget, d, "budget") for d in datasets}

    def _study(self, study, al, al_strats, main: _Main):
        s, clf, sparams, check_names = main.spec, main.clf, main.sparams, main.check_names

        if "k0" not in study:
            raise ValueError("ips_study lacks k0 (the initial pool sizes to sweep)")
        sdatasets = (
            self._datasets(study["datasets"], self.base_dir, "ips_study.datasets")
            if "datasets" in study
            else main.datasets
        )
        sencoders = (
            str_list(
                study["encoders"], "ips_study.encoders", encoder_names() if check_names else None
            )
            if "encoders" in study
            else main.encoders
        )
        sips = str_list(
            study.get("ips", s.get("ips", list(strategies.IPS_NAMES))),
            "ips_study.ips",
            strategies.IPS_NAMES,
        )
        sseeds = int_list(study.get("seeds", main.seeds), "ips_study.seeds", 0, SEED_MAX)
        cap = (
            check_cap(study["pool_cap"], sdatasets, "ips_study.pool_cap")
            if "pool_cap" in study
            else main.pool_cap
        )
        k0s = int_list(study["k0"], "ips_study.k0", 1, SIZE_MAX)
        facts = {d: facts_or_none(d, check_names) for d in sdatasets}
        out = []
        for d, e, ips, seed in itertools.product(sdatasets, sencoders, sips, sseeds):
            size = facts[d][0]
            if size is not None and cap_for(cap, d) is not None:
                size = min(size, cap_for(cap, d))
            for k0 in sorted({min(k, size) if size else k for k in k0s}):
                out.append(
                    RunConfig(
                        d, e, ips, k0, "none", seed, k0, 0, clf, cap_for(cap, d), {}, study="ips"
                    )
                )
        if not al:
            return out
        al_cycles = check_int(
            al.get("cycles", s.get("cycles", 20)), "ips_study.al.cycles", 1, CYCLES_MAX
        )
        al_k0s = int_list(al.get("k0", k0s), "ips_study.al.k0", 1, SIZE_MAX)
        al_seeds = int_list(al.get("seeds", sseeds), "ips_study.al.seeds", 0, SEED_MAX)
        missing = [d for d in sdatasets if d not in main.budgets]
        budgets = (
            {**main.budgets, **self._budgets(s.get("budget", "registry"), missing, check_names)}
            if missing
            else main.budgets
        )
        al_ips = (
            str_list(al["ips"], "ips_study.al.ips", strategies.IPS_NAMES) if "ips" in al else sips
        )
        for d, e, ips, seed, strat in itertools.product(
            sdatasets, sencoders, al_ips, al_seeds, al_strats
        ):
            b = budgets[d]
            for k0 in (k for k in al_k0s if k < b):  # k0 >= B leaves nothing to query
                out.append(
                    RunConfig(
                        d,
                        e,
                        ips,
                        k0,
                        strat,
                        seed,
                        b,
                        al_cycles,
                        clf,
                        cap_for(cap, d),
                        dict(sparams.get(strat, {})),
                        study="ips_al",
                    )
                )
        return out


def k0_rule(budget: int, cycles: int, n_classes: int | None) -> int:
    """``k0: batch``: ``max(B // (T + 1), n_classes)`` (``n_classes`` unknown: ``>= 1``)."""
    return max(budget // (cycles + 1), n_classes or 1)


def check_budget_fits(dataset, budget, size, cap):
    """Refuse, before any work, a budget larger than the (capped) training pool."""
    pool = min(x for x in (size, cap) if x is not None) if (size or cap) else None
    if pool is not None and budget > pool:
        raise ValueError(
            f"budget={budget} is larger than the training pool of {dataset!r} "
            f"({pool} samples{' after pool_cap' if cap == pool else ''}); lower "
            "the budget or raise pool_cap"
        )


def list_profiles() -> list[str]:
    """Names of the profiles in ``experiments/`` (``quick``, ``default``, ``paper``, ...)."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def profile_path(name: str) -> Path:
    """Path of ``experiments/<name>.yaml``; unknown names raise UnknownNameError."""
    path = PROFILES_DIR / f"{name}.yaml"
    if not path.is_file():
        raise UnknownNameError("profile", name, list_profiles())
    return path


def load_profile(name: str) -> Grid:
    """The grid of ``experiments/<name>.yaml``."""
    return Grid.from_yaml(profile_path(name), name=name)
