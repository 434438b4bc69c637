"""What a grid knows about its datasets: valid names, pool sizes and classes, budgets, and
the datasets a grid file defines inline (registered through :mod:`alcore.data.user`)."""

from __future__ import annotations

import functools

from alcore import data
from alcore.core.checks import is_int
from alcore.data.records import ENTRY_KEYS
from alcore.embedding import embed
from alcore.runs.budgets import dataset_budget
from alcore.runs.schema import check_keys

__all__ = [
    "dataset_facts",
    "dataset_names",
    "encoder_names",
    "facts_or_none",
    "grid_budget",
    "register_entry",
]


def dataset_names(name=None):
    known = tuple(data.DATASETS)
    if name is not None and name not in known:
        try:  # a registered user dataset (alcore data add / a grid entry)
            dataset_facts(name)
            return known + (name,)
        except Exception:
            pass
    return known


def encoder_names():
    return tuple(embed.ENCODERS)


@functools.lru_cache(maxsize=64)
def dataset_facts(dataset: str) -> tuple:
    """``(training-pool size, number of classes)`` of a registry or registered user dataset."""
    spec = data.DATASETS.get(dataset)
    if spec is not None and is_int(spec.rows_train) and is_int(spec.n_classes):
        return int(spec.rows_train), int(spec.n_classes)
    ds = data.load_dataset(dataset, quiet=True)
    return len(ds.labels("train")), len(ds.classes)


def facts_or_none(dataset, check_names):
    if not check_names:
        try:
            return dataset_facts(dataset)
        except Exception:
            return None, None
    return dataset_facts(dataset)


def grid_budget(dataset: str) -> int:
    """The dataset's budget B: registry, user entry or the budget rule."""
    return int(dataset_budget(dataset))


def register_entry(entry: dict, where: str, base_dir=None) -> str:
    """Register a user dataset entry of ``datasets:``; return its name.

    Relative paths in the entry are taken from ``base_dir`` (the YAML file's folder).
    """
    check_keys(entry, ENTRY_KEYS, where)
    missing = [k for k in ("name", "path", "text_col", "label_col") if k not in entry]
    if missing:
        raise ValueError(
            f"{where} lacks {missing}; a dataset entry needs name, path, text_col and label_col"
        )
    name = data.user_dataset_from_entry(dict(entry), base_dir=base_dir)
    dataset_facts.cache_clear()  # the entry may have replaced an earlier one of that name
    return name
