"""Experiments: one run (:class:`RunConfig`) and grids of runs (:class:`Grid`).

The names a user of alcore imports, gathered from the modules that hold them:

* :mod:`alcore.runs.config`: :class:`RunConfig`, a run's parameters, key and validation;
* :mod:`alcore.runs.profiles`: :class:`Grid` (a grid YAML, its schema and its expansion)
  and the profiles under ``experiments/``;
* :mod:`alcore.runs.schema`: the value checks and limits of a grid;
* :mod:`alcore.runs.datasets`: what a grid knows about its datasets (names, sizes, budgets,
  inline entries);
* :mod:`alcore.runs.pool`: :func:`cap_pool`, the training pool a run draws from.
"""

from __future__ import annotations

from alcore.engine.loop import CLF_DEFAULTS
from alcore.runs.config import STUDIES, RunConfig
from alcore.runs.datasets import dataset_names
from alcore.runs.pool import cap_pool
from alcore.runs.profiles import (
    PROFILES_DIR,
    Grid,
    k0_rule,
    list_profiles,
    load_profile,
    profile_path,
)
from alcore.runs.schema import CYCLES_MAX, SEED_MAX, SIZE_MAX, check_int

_dataset_names = dataset_names  # the name alcore.runs.grid imports

__all__ = [
    "CLF_DEFAULTS",
    "CYCLES_MAX",
    "PROFILES_DIR",
    "SEED_MAX",
    "SIZE_MAX",
    "STUDIES",
    "Grid",
    "RunConfig",
    "cap_pool",
    "check_int",
    "dataset_names",
    "k0_rule",
    "list_profiles",
    "load_profile",
    "profile_path",
]
