"""One active-learning run: :class:`RunConfig`, its key and its validation.

The classifier settings (``clf``) and strategy parameters are checked by building the
objects with them; classifier settings that would make every run meaningless (no LBFGS
iteration at all) are refused too.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from dataclasses import asdict, dataclass, field, fields

import numpy as np
from sklearn.linear_model import LogisticRegression

from alcore.core.errors import UnknownNameError
from alcore.engine import strategies
from alcore.engine.loop import CLF_DEFAULTS
from alcore.runs.datasets import dataset_names, encoder_names
from alcore.runs.schema import CYCLES_MAX, SEED_MAX, SIZE_MAX, check_int, check_keys

__all__ = ["STUDIES", "RunConfig", "check_clf", "check_strategy_params"]

STUDIES = ("main", "ips", "ips_al")


@functools.lru_cache(maxsize=256)
def _check_clf_json(text: str) -> None:
    clf = json.loads(text)
    valid = [p for p in inspect.signature(LogisticRegression).parameters]
    check_keys(clf, valid, "clf (LogisticRegression parameters)")
    try:  # scikit-learn's own parameter validation (types, ranges, option strings)
        LogisticRegression(**clf)._validate_params()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"clf: {exc}") from None
    if clf.get("max_iter", 1) < 1:  # accepted by scikit-learn, but no fit would be made
        raise ValueError(
            f"clf: max_iter={clf['max_iter']} lets the classifier make no iteration, so every "
            f"run would score an unfitted model; give max_iter >= 1 (default "
            f"{CLF_DEFAULTS['max_iter']})"
        )


def check_clf(clf) -> None:
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
    check_keys(params, valid, f"strategy_params.{name}")
    try:
        obj = strategies.get(name, random_state=0, **params)
        check = getattr(obj, "_validate_params", None)  # the strategies' declared constraints
        if callable(check):
            check()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"strategy_params.{name}: {exc}") from None


def check_strategy_params(name, params) -> None:
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
        check_keys(d, names, "a RunConfig")
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
            check_name("dataset", self.dataset, dataset_names(self.dataset))
            check_name("encoder", self.encoder, encoder_names())
        check_name("IPS", self.ips, strategies.IPS_NAMES)
        check_clf(self.clf)
        if self.strategy != "none":
            check_name("strategy", self.strategy, strategies.NAMES)
            check_strategy_params(self.strategy, self.strategy_params)
        elif self.strategy_params:
            raise ValueError("an IPS-only run (strategy 'none') takes no strategy_params")
        return self


def check_name(kind, name, valid):
    if valid is not None and name not in valid:
        raise UnknownNameError(kind, name, valid)
