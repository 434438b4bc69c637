"""One run (:class:`RunConfig`) and grids of runs (:class:`Grid`, ``experiments/<profile>.yaml``).

A profile YAML holds lists whose Cartesian product is the grid::

    datasets: [trec6, sms_spam]
    encoders: [glove50, potion8m]
    ips: [random, typiclust]          # initial-pool selection
    k0: [batch]                       # initial pool size: ints, or "batch" = budget // (cycles+1)
    strategies: [random, margin, badge]
    seeds: [0, 1, 2]
    budget: registry                  # the registry's budget, an int, or {dataset: int, ...}
    cycles: 20
    pool_cap: {health_tweets: 20000}  # optional: an int for every dataset, or per dataset
    clf: {solver: lbfgs, max_iter: 1000}
    strategy_params: {probcover: {delta: 0.5}}
    ips_study:                        # optional: IPS alone (cycles=0, strategy "none")
      ips: [random, coreset, typiclust]
      k0: [20, 50, 100, 200]          # values above the pool size are capped at the pool
      seeds: [0, 1, 2]
      # datasets / encoders / pool_cap default to the main section's

``pool_cap``
    Subsamples the training pool to at most ``pool_cap`` samples *before* active learning:
    a stratified subsample (every class keeps its share, and at least one sample) drawn with
    ``random_state=0``. It is the same subsample for every run and seed, so runs that differ
    only in strategy are paired on the same pool. The test split is never subsampled.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from .errors import UnknownNameError

__all__ = [
    "CLF_DEFAULTS",
    "PROFILES_DIR",
    "Grid",
    "RunConfig",
    "cap_pool",
    "list_profiles",
    "load_profile",
    "profile_path",
]

CLF_DEFAULTS = {"solver": "lbfgs", "max_iter": 1000}
PROFILES_DIR = Path(__file__).resolve().parent.parent / "experiments"
_GRID_KEYS = {"datasets", "encoders", "ips", "k0", "strategies", "seeds", "budget", "cycles",
              "pool_cap", "clf", "strategy_params", "ips_study", "description"}
_STUDY_KEYS = {"datasets", "encoders", "ips", "k0", "seeds", "pool_cap"}


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one active-learning run.

    Parameters
    ----------
    dataset, encoder : str
        Registry names (:data:`alcore.data.DATASETS`, :data:`alcore.embed.ENCODERS`).
    ips : str
        Initial-pool selection, one of :data:`alcore.strategies.IPS_NAMES`.
    k0 : int
        Initial pool size.
    strategy : str
        Query strategy (:data:`alcore.strategies.NAMES`), or ``"none"`` with ``cycles=0``.
    seed : int
        Seeds IPS, strategy and classifier (:func:`alcore.loop.derive_seeds`).
    budget : int
        Final labelled-pool size ``B`` (counts the initial pool).
    cycles : int, default=20
        Query cycles ``T``; 0 = IPS only.
    clf : dict
        :class:`~sklearn.linear_model.LogisticRegression` settings (default lbfgs, 1000 iter).
    pool_cap : int or None
        Subsample the training pool to at most this many (see :func:`cap_pool`).
    strategy_params : dict
        Extra parameters for the query strategy.
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

    def to_dict(self) -> dict:
        """The config as a plain, JSON-serialisable dict."""
        return json.loads(json.dumps(asdict(self), sort_keys=True))

    @classmethod
    def from_dict(cls, d: dict) -> RunConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        names = {f.name for f in fields(cls)}
        extra = set(d) - names
        if extra:
            raise ValueError(f"unknown RunConfig field(s) {sorted(extra)}; valid: {sorted(names)}")
        return cls(**d)

    def key(self) -> str:
        """Stable id of the full config: first 16 hex digits of sha256 of canonical JSON."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __hash__(self):  # dict fields are unhashable; the key is a faithful stand-in
        return hash(self.key())

    def validate(self, check_names: bool = True) -> RunConfig:
        """Check types, ranges and (with ``check_names``) registry names; return ``self``."""
        for name in ("dataset", "encoder", "ips", "strategy"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string, got {getattr(self, name)!r}")
        for name in ("k0", "seed", "budget", "cycles"):
            if not _is_int(getattr(self, name)):
                raise ValueError(f"{name} must be an int, got {getattr(self, name)!r}")
        if self.k0 < 1 or self.cycles < 0 or self.seed < 0:
            raise ValueError(f"need k0 >= 1, cycles >= 0 and seed >= 0; got k0={self.k0}, "
                             f"cycles={self.cycles}, seed={self.seed}")
        if self.budget < self.k0:
            raise ValueError(f"budget={self.budget} is smaller than k0={self.k0}; the budget "
                             "is the final labelled-pool size and counts the initial pool")
        if self.pool_cap is not None and (not _is_int(self.pool_cap) or self.pool_cap < 2):
            raise ValueError(f"pool_cap must be None or an int >= 2, got {self.pool_cap!r}")
        if not isinstance(self.clf, dict) or not isinstance(self.strategy_params, dict):
            raise ValueError("clf and strategy_params must be dicts (mappings in the YAML)")
        if self.strategy == "none" and self.cycles != 0:
            raise ValueError('strategy "none" is only for the IPS study (cycles=0)')
        if check_names:
            _check_name("dataset", self.dataset, _dataset_names())
            _check_name("encoder", self.encoder, _encoder_names())
        from . import strategies

        _check_name("IPS", self.ips, strategies.IPS_NAMES)
        if self.strategy != "none":
            _check_name("strategy", self.strategy, strategies.NAMES)
        return self


def _check_name(kind, name, valid):
    if valid is not None and name not in valid:
        raise UnknownNameError(kind, name, valid)


def _dataset_names():
    from . import data

    return tuple(data.DATASETS)


def _encoder_names():
    from . import embed

    return tuple(embed.ENCODERS)


def _pool_size(dataset: str):
    """Training-pool size from the dataset registry, or None if unknown."""
    try:
        from . import data

        return int(data.DATASETS[dataset].rows_train)
    except Exception:  # noqa: BLE001 - unknown sizes are capped at run time instead
        return None


def _registry_budget(dataset: str) -> int:
    from . import data

    if dataset not in data.DATASETS:
        raise UnknownNameError("dataset", dataset, data.DATASETS)
    budget = getattr(data.DATASETS[dataset], "budget", None)
    if not _is_int(budget):
        raise ValueError(f"dataset {dataset!r} has no registry budget; give budget as an int")
    return int(budget)


def _check_budget_fits(dataset, budget, cap, check_names):
    """Refuse, before any work, a budget larger than the (capped) training pool."""
    size = _pool_size(dataset) if check_names else None
    pool = min(x for x in (size, cap) if x is not None) if (size or cap) else None
    if pool is not None and budget > pool:
        raise ValueError(f"budget={budget} is larger than the training pool of {dataset!r} "
                         f"({pool} samples{' after pool_cap' if cap == pool else ''}); lower "
                         "the budget or raise pool_cap")


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
        raise ValueError(f"pool_cap={pool_cap} is smaller than the {len(classes)} classes; "
                         "raise pool_cap so that every class keeps a sample")
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


def _as_list(value, name, kind=str):
    items = value if isinstance(value, list) else [value]
    for item in items:
        ok = _is_int(item) if kind is int else isinstance(item, kind)
        if not ok:
            raise ValueError(f"{name} must be a list of {kind.__name__}s, got {value!r}")
    if not items:
        raise ValueError(f"{name} must not be empty")
    return items


def _cap_for(pool_cap, dataset):
    if isinstance(pool_cap, dict):
        return pool_cap.get(dataset)
    return pool_cap


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

    @classmethod
    def from_yaml(cls, path, name=None) -> Grid:
        """Read a grid from a YAML file."""
        import yaml

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"grid file {path} does not exist")
        spec = yaml.safe_load(path.read_text())
        if not isinstance(spec, dict):
            raise ValueError(f"{path} must hold a YAML mapping of grid keys, got {type(spec)}")
        return cls(spec, name=name or path.stem)

    def configs(self, check_names: bool = True) -> list[RunConfig]:
        """Validate the spec and expand it into run configs (main grid, then the IPS study).

        Parameters
        ----------
        check_names : bool, default=True
            Check dataset/encoder names against the registries (off for custom loaders).
        """
        s = dict(self.spec)
        unknown = set(s) - _GRID_KEYS
        if unknown:
            raise ValueError(f"unknown grid key(s) {sorted(unknown)} in {self.name!r}; "
                             f"valid keys: {sorted(_GRID_KEYS)}")
        missing = {"datasets", "encoders", "ips", "k0", "seeds"} - set(s)
        if missing:
            raise ValueError(f"grid {self.name!r} lacks key(s) {sorted(missing)}")
        datasets = _as_list(s["datasets"], "datasets")
        encoders = _as_list(s["encoders"], "encoders")
        clf = {**CLF_DEFAULTS, **(s.get("clf") or {})}
        sparams = s.get("strategy_params") or {}
        pool_cap = s.get("pool_cap")
        if not isinstance(sparams, dict) or not all(isinstance(v, dict) for v in sparams.values()):
            raise ValueError("strategy_params must map strategy names to parameter mappings")
        cycles = s.get("cycles", 20)
        if not _is_int(cycles):
            raise ValueError(f"cycles must be an int, got {cycles!r}")
        budget = s.get("budget", "registry")
        if isinstance(budget, dict):
            bad = {k: v for k, v in budget.items() if not _is_int(v)}
            absent = sorted(set(datasets) - set(budget))
            if bad or absent:
                raise ValueError(f"budget mapping needs an int for every dataset; bad values "
                                 f"{bad}, missing datasets {absent}")
        elif budget != "registry" and not _is_int(budget):
            raise ValueError(f'budget must be "registry", an int or a mapping dataset -> int, '
                             f'got {budget!r}')
        out = []
        if "strategies" in s:
            k0s = s["k0"] if isinstance(s["k0"], list) else [s["k0"]]
            if not k0s or not all(_is_int(k) or k == "batch" for k in k0s):
                raise ValueError(f'k0 must be a list of ints or "batch", got {s["k0"]!r}')
            for d, e, ips, k0, strat, seed in itertools.product(
                    datasets, encoders, _as_list(s["ips"], "ips"), k0s,
                    _as_list(s["strategies"], "strategies"), _as_list(s["seeds"], "seeds", int)):
                b = (_registry_budget(d) if budget == "registry" else
                     int(budget[d]) if isinstance(budget, dict) else int(budget))
                _check_budget_fits(d, b, _cap_for(pool_cap, d), check_names)
                k0 = max(1, b // (cycles + 1)) if k0 == "batch" else k0
                out.append(RunConfig(d, e, ips, int(k0), strat, int(seed), b, int(cycles),
                                     clf, _cap_for(pool_cap, d), dict(sparams.get(strat, {}))))
        study = s.get("ips_study")
        if study:
            if not isinstance(study, dict) or set(study) - _STUDY_KEYS:
                raise ValueError(f"ips_study must be a mapping with keys among "
                                 f"{sorted(_STUDY_KEYS)}, got {study!r}")
            cap = study.get("pool_cap", pool_cap)
            for d, e, ips, seed in itertools.product(
                    _as_list(study.get("datasets", datasets), "ips_study.datasets"),
                    _as_list(study.get("encoders", encoders), "ips_study.encoders"),
                    _as_list(study.get("ips", s["ips"]), "ips_study.ips"),
                    _as_list(study.get("seeds", s["seeds"]), "ips_study.seeds", int)):
                size = _pool_size(d) if check_names else None
                if size is not None and _cap_for(cap, d) is not None:
                    size = min(size, _cap_for(cap, d))
                ks = sorted({min(int(k), size) if size else int(k)
                             for k in _as_list(study["k0"], "ips_study.k0", int)})
                for k0 in ks:
                    out.append(RunConfig(d, e, ips, k0, "none", int(seed), k0, 0, clf,
                                         _cap_for(cap, d), {}))
        if not out:
            raise ValueError(f"grid {self.name!r} is empty: give strategies and/or ips_study")
        for cfg in out:
            cfg.validate(check_names=check_names)
        return out


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
