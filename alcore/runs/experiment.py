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

import functools
import hashlib
import inspect
import itertools
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import NamedTuple

import numpy as np

from alcore import data
from alcore.core.checks import did_you_mean, is_int
from alcore.core.errors import UnknownNameError
from alcore.data.records import ENTRY_KEYS
from alcore.embedding import embed
from alcore.engine import strategies
from alcore.engine.loop import CLF_DEFAULTS
from alcore.runs.budgets import dataset_budget

__all__ = [
    "CLF_DEFAULTS",
    "CYCLES_MAX",
    "PROFILES_DIR",
    "SEED_MAX",
    "STUDIES",
    "Grid",
    "RunConfig",
    "cap_pool",
    "check_int",
    "list_profiles",
    "load_profile",
    "profile_path",
]

PROFILES_DIR = Path(__file__).resolve().parents[2] / "experiments"
#: seeds feed numpy's SeedSequence and are stored as int64: 32 bits is plenty and safe
SEED_MAX = 2**32 - 1
#: each cycle refits the classifier; beyond this a typo (1000000) is far likelier than intent
CYCLES_MAX = 1000
#: pool sizes, budgets, k0 and caps: int64-safe and far above any pool
SIZE_MAX = 2**31 - 1
STUDIES = ("main", "ips", "ips_al")
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


def _check_keys(mapping, valid, where) -> None:
    """Refuse keys of ``mapping`` not in ``valid``, naming the closest valid key."""
    for key in mapping:
        if key not in valid:
            raise ValueError(
                f"unknown key {key!r} in {where}.{did_you_mean(key, valid)} "
                f"Valid keys: {', '.join(map(str, valid))}."
            )


def check_int(value, name: str, lo: int, hi: int) -> int:
    """``value`` as an int in ``[lo, hi]``; booleans, floats and strings are refused.

    A quoted number (``"500"``) gets a message saying to drop the quotes.
    """
    if isinstance(value, str):
        text = value.strip()
        looks = text.lstrip("+-").replace("e", "").replace(".", "").isdigit()
        hint = f"; write {text} without quotes" if looks else ""
        raise ValueError(f"{name} must be an integer, got the string {value!r}{hint}")
    if not is_int(value):
        raise ValueError(
            f"{name} must be an integer in [{lo}, {hi}], got {value!r} ({type(value).__name__})"
        )
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value}")
    return int(value)


@functools.lru_cache(maxsize=256)
def _check_clf_json(text: str) -> None:
    from sklearn.linear_model import LogisticRegression

    clf = json.loads(text)
    valid = [p for p in inspect.signature(LogisticRegression).parameters]
    _check_keys(clf, valid, "clf (LogisticRegression parameters)")
    try:  # scikit-learn's own parameter validation (types, ranges, option strings)
        LogisticRegression(**clf)._validate_params()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"clf: {exc}") from None


def _check_clf(clf) -> None:
    if not isinstance(clf, dict):
        raise ValueError(f"clf must be a mapping of LogisticRegression parameters, got {clf!r}")
    _check_clf_json(json.dumps(clf, sort_keys=True))


@functools.lru_cache(maxsize=256)
def _check_strategy_params_json(name: str, text: str) -> None:
    params = json.loads(text)
    cls = strategies.get_class(name)
    valid = [
        p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "random_state")
    ]
    _check_keys(params, valid, f"strategy_params.{name}")
    try:
        obj = strategies.get(name, random_state=0, **params)
        check = getattr(obj, "_validate_params", None)  # the strategies' declared constraints
        if callable(check):
            check()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"strategy_params.{name}: {exc}") from None


def _check_strategy_params(name, params) -> None:
    if not isinstance(params, dict):
        raise ValueError(f"strategy_params.{name} must be a mapping, got {params!r}")
    _check_strategy_params_json(name, json.dumps(params, sort_keys=True))


def _plain(value):
    """numpy scalars (e.g. a seed from ``np.arange``) as Python numbers, for JSON and keys."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one active-learning run.

    Parameters
    ----------
    dataset, encoder : str
        Registry names (:data:`alcore.data.DATASETS`, :data:`alcore.embedding.embed.ENCODERS`).
    ips : str
        Initial-pool selection, one of :data:`alcore.engine.strategies.IPS_NAMES`.
    k0 : int
        Initial pool size.
    strategy : str
        Query strategy (:data:`alcore.engine.strategies.NAMES`), or ``"none"`` with ``cycles=0``.
    seed : int
        Seeds IPS, strategy and classifier (:func:`alcore.engine.loop.derive_seeds`);
        ``0 <= seed <= 2**32 - 1``.
    budget : int
        Final labelled-pool size ``B`` (counts the initial pool).
    cycles : int, default=20
        Query cycles ``T`` (at most :data:`CYCLES_MAX`); 0 = IPS only.
    clf : dict
        :class:`~sklearn.linear_model.LogisticRegression` settings (default lbfgs, 1000 iter).
    pool_cap : int or None
        Subsample the training pool to at most this many (see :func:`cap_pool`).
    strategy_params : dict
        Extra parameters for the query strategy.
    study : {"main", "ips", "ips_al"}, default="main"
        The grid section the run belongs to (see the module docstring).
    """

    dataset: str
    encoder: str
    ips: str
    k0: int
    strategy: str
    seed: int
    budget: int
    cycles: int = 20
    clf: dict = field(default_factory=lambda: dict(CLF_DEFAULTS))
    pool_cap: int | None = None
    strategy_params: dict = field(default_factory=dict)
    study: str = "main"

    def to_dict(self) -> dict:
        """The config as a plain, JSON-serialisable dict."""
        return json.loads(json.dumps(asdict(self), sort_keys=True, default=_plain))

    @classmethod
    def from_dict(cls, d: dict) -> RunConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        names = [f.name for f in fields(cls)]
        _check_keys(d, names, "a RunConfig")
        return cls(**d)

    def key(self) -> str:
        """Stable id of the config: first 16 hex digits of sha256 of canonical JSON.

        It does not cover the data and embeddings; the store keys a run by this and their
        content hashes (:func:`alcore.runs.store.run_key`).
        """
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __hash__(self):  # dict fields are unhashable; the key is a faithful stand-in
        return hash(self.key())

    def validate(self, check_names: bool = True) -> RunConfig:
        """Check types, ranges, parameters and (with ``check_names``) names; return ``self``."""
        for name in ("dataset", "encoder", "ips", "strategy", "study"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string, got {getattr(self, name)!r}")
        check_int(self.k0, "k0", 1, SIZE_MAX)
        check_int(self.seed, "seed", 0, SEED_MAX)
        check_int(self.budget, "budget", 1, SIZE_MAX)
        check_int(self.cycles, "cycles", 0, CYCLES_MAX)
        if self.budget < self.k0:
            raise ValueError(
                f"budget={self.budget} is smaller than k0={self.k0}; the budget "
                "is the final labelled-pool size and counts the initial pool"
            )
        if self.pool_cap is not None:
            check_int(self.pool_cap, "pool_cap", 2, SIZE_MAX)
        if not isinstance(self.clf, dict) or not isinstance(self.strategy_params, dict):
            raise ValueError("clf and strategy_params must be dicts (mappings in the YAML)")
        if self.study not in STUDIES:
            raise UnknownNameError("study", self.study, STUDIES)
        if self.strategy == "none" and self.cycles != 0:
            raise ValueError('strategy "none" is only for the IPS study (cycles=0)')
        if self.cycles == 0 and self.strategy != "none":
            raise ValueError(
                f"cycles=0 runs no query, so strategy {self.strategy!r} would "
                "label an IPS-only run; put IPS-only runs in the ips_study "
                "section (strategy 'none')"
            )
        if (self.study == "ips") != (self.cycles == 0):
            raise ValueError(
                f"study {self.study!r} with cycles={self.cycles}: IPS-only runs "
                "(cycles=0) are study 'ips', and only they"
            )
        if check_names:
            _check_name("dataset", self.dataset, _dataset_names(self.dataset))
            _check_name("encoder", self.encoder, _encoder_names())
        _check_name("IPS", self.ips, strategies.IPS_NAMES)
        _check_clf(self.clf)
        if self.strategy != "none":
            _check_name("strategy", self.strategy, strategies.NAMES)
            _check_strategy_params(self.strategy, self.strategy_params)
        elif self.strategy_params:
            raise ValueError("an IPS-only run (strategy 'none') takes no strategy_params")
        return self


def _check_name(kind, name, valid):
    if valid is not None and name not in valid:
        raise UnknownNameError(kind, name, valid)


def _dataset_names(name=None):
    known = tuple(data.DATASETS)
    if name is not None and name not in known:
        try:  # a registered user dataset (alcore data add / a grid entry)
            _dataset_facts(name)
            return known + (name,)
        except Exception:
            pass
    return known


def _encoder_names():
    return tuple(embed.ENCODERS)


@functools.lru_cache(maxsize=64)
def _dataset_facts(dataset: str) -> tuple:
    """``(training-pool size, number of classes)`` of a registry or registered user dataset."""
    spec = data.DATASETS.get(dataset)
    if spec is not None and is_int(spec.rows_train) and is_int(spec.n_classes):
        return int(spec.rows_train), int(spec.n_classes)
    ds = data.load_dataset(dataset, quiet=True)
    return len(ds.labels("train")), len(ds.classes)


def _facts_or_none(dataset, check_names):
    if not check_names:
        try:
            return _dataset_facts(dataset)
        except Exception:
            return None, None
    return _dataset_facts(dataset)


def _dataset_budget(dataset: str) -> int:
    """The dataset's budget B: registry, user entry or the budget rule."""
    return int(dataset_budget(dataset))


def _register_entry(entry: dict, where: str, base_dir=None) -> str:
    """Register a user dataset entry of ``datasets:``; return its name.

    Relative paths in the entry are taken from ``base_dir`` (the YAML file's folder).
    """
    _check_keys(entry, ENTRY_KEYS, where)
    missing = [k for k in ("name", "path", "text_col", "label_col") if k not in entry]
    if missing:
        raise ValueError(
            f"{where} lacks {missing}; a dataset entry needs name, path, text_col and label_col"
        )
    name = data.user_dataset_from_entry(dict(entry), base_dir=base_dir)
    _dataset_facts.cache_clear()  # the entry may have replaced an earlier one of that name
    return name


def cap_pool(y, pool_cap, random_state=0) -> np.ndarray:
    """Indices of a stratified subsample of at most ``pool_cap`` of the labels ``y``.

    Every class keeps its share (largest remainders fill up) and at least one sample.
    Returns all indices (sorted) when ``pool_cap`` is None or not smaller than ``len(y)``.
    """
    y = np.asarray(y)
    if pool_cap is None or pool_cap >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(random_state)
    classes, counts = np.unique(y, return_counts=True)
    if pool_cap < len(classes):
        raise ValueError(
            f"pool_cap={pool_cap} is smaller than the {len(classes)} classes; "
            "raise pool_cap so that every class keeps a sample"
        )
    share = counts * pool_cap / len(y)
    take = np.maximum(np.floor(share).astype(int), 1)
    for i in np.argsort(-(share - np.floor(share)), kind="stable"):
        if take.sum() >= pool_cap:
            break
        take[i] += take[i] < counts[i]
    while take.sum() > pool_cap:  # the at-least-one rule overshot: trim the largest classes
        take[np.argmax(take)] -= 1
    picks = [rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, take)]
    return np.sort(np.concatenate(picks))


def _str_list(value, name, valid=None) -> list:
    """A list of names; ``"all"`` (for strategies and IPS) is every valid name, in order."""
    if value == "all" and valid is not None:
        return list(valid)
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError(f"{name} must not be empty")
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{name} must be a list of names (strings), got {item!r} in {value!r}")
        if valid is not None and item not in valid:
            raise UnknownNameError(name.rsplit(".", 1)[-1].rstrip("s"), item, valid)
    return list(dict.fromkeys(items))


def _int_list(value, name, lo, hi, allow=()) -> list:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError(f"{name} must not be empty")
    return list(
        dict.fromkeys(v if v in allow else check_int(v, f"{name} entry", lo, hi) for v in items)
    )


def _mapping(value, name) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a mapping, got {value!r}")
    return value


def _cap_for(pool_cap, dataset):
    if isinstance(pool_cap, dict):
        return pool_cap.get(dataset)
    return pool_cap


def _check_cap(pool_cap, datasets, name):
    """``None``, an int >= 2, or a mapping from datasets of the grid to such ints."""
    if pool_cap is None:
        return None
    if isinstance(pool_cap, dict):
        _check_keys(pool_cap, datasets, f"{name} (keys are datasets of the grid)")
        return {d: check_int(v, f"{name}.{d}", 2, SIZE_MAX) for d, v in pool_cap.items()}
    return check_int(pool_cap, name, 2, SIZE_MAX)


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
        """Read a grid from a YAML file; a syntax error names the file, line and column."""
        import yaml

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"grid file {path} does not exist")
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            what = getattr(exc, "problem", None) or str(exc)
            raise ValueError(f"{where}: not valid YAML ({what})") from None
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: not UTF-8 text ({exc})") from None
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
        _check_keys(s, _GRID_KEYS, where)
        study = _mapping(s.get("ips_study"), "ips_study")
        _check_keys(study, _STUDY_KEYS, "ips_study")
        al = _mapping(study.get("al"), "ips_study.al")
        _check_keys(al, _STUDY_AL_KEYS, "ips_study.al")
        has_main = "strategies" in s
        required = ["datasets", "encoders", "seeds"] + (["ips", "k0"] if has_main else [])
        missing = [k for k in required if k not in s]
        if missing or not (has_main or study):
            raise ValueError(f"{where} lacks key(s) {missing or ['strategies or ips_study']}")
        if isinstance(s.get("description"), (dict, list)):
            raise ValueError("description must be a string")

        datasets = self._datasets(s["datasets"], self.base_dir)
        encoders = _str_list(s["encoders"], "encoders", _encoder_names() if check_names else None)
        seeds = _int_list(s["seeds"], "seeds", 0, SEED_MAX)
        clf = {**CLF_DEFAULTS, **_mapping(s.get("clf"), "clf")}
        _check_clf(clf)
        ips_names = strategies.IPS_NAMES
        main_strats = _str_list(s["strategies"], "strategies", strategies.NAMES) if has_main else []
        al_strats = (
            _str_list(al.get("strategies", ["random"]), "ips_study.al.strategies", strategies.NAMES)
            if al
            else []
        )
        sparams = _mapping(s.get("strategy_params"), "strategy_params")
        _check_keys(
            sparams,
            list(dict.fromkeys(main_strats + al_strats)),
            "strategy_params (keys are strategies of the grid)",
        )
        for name, params in sparams.items():
            _check_strategy_params(name, params)
        cycles = s.get("cycles", 20)
        if has_main:
            if is_int(cycles) and cycles == 0:
                raise ValueError(
                    "cycles: 0 runs no query, so every run would be IPS-only but "
                    "labelled with a query strategy; put IPS-only runs in the "
                    "ips_study section"
                )
            cycles = check_int(cycles, "cycles", 1, CYCLES_MAX)
        pool_cap = _check_cap(s.get("pool_cap"), datasets, "pool_cap")
        k0s = _int_list(s["k0"], "k0", 1, SIZE_MAX, allow=("batch",)) if has_main else []
        main_ips = _str_list(s["ips"], "ips", ips_names) if has_main else []
        budgets = self._budgets(s.get("budget", "registry"), datasets, check_names)

        facts = {d: _facts_or_none(d, check_names) for d in datasets}
        for d in datasets:  # refuse a budget larger than the (capped) pool before any work
            _check_budget_fits(d, budgets[d], facts[d][0], _cap_for(pool_cap, d))

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
                        _cap_for(pool_cap, d),
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
    def _datasets(value, base_dir=None) -> list:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise ValueError("datasets must not be empty")
        names = []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                names.append(_register_entry(item, f"datasets[{i}]", base_dir))
            elif isinstance(item, str):
                names.append(item)
            else:
                raise ValueError(
                    f"datasets[{i}] must be a name or a mapping {{name, path, "
                    f"text_col, label_col, ...}}, got {item!r}"
                )
        return list(dict.fromkeys(names))

    @staticmethod
    def _budgets(budget, datasets, check_names) -> dict:
        def one(value, d, name):
            if value == "registry":
                return _dataset_budget(d)
            return check_int(value, name, 1, SIZE_MAX)

        if isinstance(budget, dict):
            _check_keys(budget, datasets, "budget (keys are datasets of the grid)")
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
            self._datasets(study["datasets"], self.base_dir)
            if "datasets" in study
            else main.datasets
        )
        sencoders = (
            _str_list(
                study["encoders"], "ips_study.encoders", _encoder_names() if check_names else None
            )
            if "encoders" in study
            else main.encoders
        )
        sips = _str_list(
            study.get("ips", s.get("ips", list(strategies.IPS_NAMES))),
            "ips_study.ips",
            strategies.IPS_NAMES,
        )
        sseeds = _int_list(study.get("seeds", main.seeds), "ips_study.seeds", 0, SEED_MAX)
        cap = (
            _check_cap(study["pool_cap"], sdatasets, "ips_study.pool_cap")
            if "pool_cap" in study
            else main.pool_cap
        )
        k0s = _int_list(study["k0"], "ips_study.k0", 1, SIZE_MAX)
        facts = {d: _facts_or_none(d, check_names) for d in sdatasets}
        out = []
        for d, e, ips, seed in itertools.product(sdatasets, sencoders, sips, sseeds):
            size = facts[d][0]
            if size is not None and _cap_for(cap, d) is not None:
                size = min(size, _cap_for(cap, d))
            for k0 in sorted({min(k, size) if size else k for k in k0s}):
                out.append(
                    RunConfig(
                        d, e, ips, k0, "none", seed, k0, 0, clf, _cap_for(cap, d), {}, study="ips"
                    )
                )
        if not al:
            return out
        al_cycles = check_int(
            al.get("cycles", s.get("cycles", 20)), "ips_study.al.cycles", 1, CYCLES_MAX
        )
        al_k0s = _int_list(al.get("k0", k0s), "ips_study.al.k0", 1, SIZE_MAX)
        al_seeds = _int_list(al.get("seeds", sseeds), "ips_study.al.seeds", 0, SEED_MAX)
        missing = [d for d in sdatasets if d not in main.budgets]
        budgets = (
            {**main.budgets, **self._budgets(s.get("budget", "registry"), missing, check_names)}
            if missing
            else main.budgets
        )
        al_ips = (
            _str_list(al["ips"], "ips_study.al.ips", strategies.IPS_NAMES) if "ips" in al else sips
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
                        _cap_for(cap, d),
                        dict(sparams.get(strat, {})),
                        study="ips_al",
                    )
                )
        return out


def k0_rule(budget: int, cycles: int, n_classes: int | None) -> int:
    """``k0: batch``: ``max(B // (T + 1), n_classes)`` (``n_classes`` unknown: ``>= 1``)."""
    return max(budget // (cycles + 1), n_classes or 1)


def _check_budget_fits(dataset, budget, size, cap):
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
