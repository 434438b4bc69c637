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
    "check_unique_entries",
    "check_user_dataset",
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

    Relative paths in the entry are taken from ``base_dir`` (the YAML file's folder). A name
    registered with another path or other settings is an error unless the entry says
    ``replace: true`` (:func:`alcore.data.user_dataset_from_entry`).
    """
    check_keys(entry, ENTRY_KEYS, where)
    missing = [k for k in ("name", "path", "text_col", "label_col") if k not in entry]
    if missing:
        raise ValueError(
            f"{where} lacks {missing}; a dataset entry needs name, path, text_col and label_col"
        )
    name = data.user_dataset_from_entry(dict(entry), base_dir=base_dir, where=where)
    dataset_facts.cache_clear()  # the entry may have replaced an earlier one of that name
    return name


def check_unique_entries(sections: dict) -> None:
    """Refuse a name given twice in one ``datasets`` list, or by two different inline entries.

    ``sections`` maps a section (``"datasets"``, ``"ips_study.datasets"``) to its list. Checked
    before any entry is registered, so a grid refused here has changed no record.
    """
    entries: dict = {}
    for section, value in sections.items():
        seen: dict = {}
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            name = item.get("name") if isinstance(item, dict) else item
            if not isinstance(name, str):
                continue  # the entry's own check names the problem
            where = f"{section}[{i}]"
            if name in seen:
                raise ValueError(
                    f"{where} and {seen[name]} both name the dataset {name!r}; give each "
                    "dataset once (rename one of them if they are different files)"
                )
            seen[name] = where
            if isinstance(item, dict):
                if name in entries and entries[name][1] != item:
                    raise ValueError(
                        f"{where} and {entries[name][0]} are two different entries named "
                        f"{name!r}; give one of them another name"
                    )
                entries.setdefault(name, (where, item))


def check_user_dataset(name: str) -> None:
    """For a registered user dataset, check its file before any work (see
    :func:`alcore.data.dataset_fingerprint`: a moved file is an error naming the record and
    the file, a changed one is said and recorded); other names pass."""
    spec = data.DATASETS.get(name)
    if spec is not None and spec.source == "file":
        data.dataset_fingerprint(name)
        dataset_facts.cache_clear()  # its rows and classes may have changed with the file
