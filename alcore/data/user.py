"""User datasets: a labelled file registered under a name, then used like a registry dataset.

:func:`add_dataset` (``alcore data add``) reads and checks the file first (every error comes
before any work), then writes ``$ALCORE_HOME/user_datasets/<name>.json``: the absolute path,
the columns, the split, the budget, the row and class counts and a content fingerprint.
From then on :func:`alcore.data.load_dataset`, :data:`alcore.data.DATASETS`,
``alcore embed --dataset NAME`` and the experiment grids know the name.
"""

from __future__ import annotations

from pathlib import Path

from alcore.core.checks import did_you_mean, is_int
from alcore.core.paths import atomic_write_json
from alcore.data.dataset import TextDataset
from alcore.data.files import load_file
from alcore.data.hashing import content_hash, file_stat, record_files
from alcore.data.records import (
    _FORMAT,
    _NAME,
    _REQUIRED,
    ENTRY_KEYS,
    _log,
    _read_entry,
    _spec_from_entry,
    user_dir,
)
from alcore.data.registry import BUILTIN
from alcore.data.spec import DatasetSpec

__all__ = ["add_dataset", "load_user_dataset", "user_dataset_from_entry"]


def load_user_dataset(spec: DatasetSpec) -> TextDataset:
    """Load a registered user dataset from its file(s)."""
    ds = load_file(
        spec.path,
        spec.text_field,
        spec.label_field,
        spec.text_pair_field,
        test_path=spec.test_path,
        test_size=spec.test_size or 0.2,
        random_state=spec.random_state,
        name=spec.name,
    )
    ds.meta.update(budget=spec.budget, budget_source=spec.budget_source)
    return ds


# ----------------------------------------------------------------------------- checks
def _check_budget(budget):
    if budget is None or budget == "rule":
        return budget
    if isinstance(budget, str) and budget.strip().isdigit():
        budget = int(budget)
    if not is_int(budget) or not 1 <= budget <= 10**9:
        raise ValueError(f"budget must be a positive number of labels or 'rule', got {budget!r}")
    return budget


def _check_name(name) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            f"dataset name {name!r} must be 1-64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    if name in BUILTIN:
        raise ValueError(f"{name!r} is a registry dataset; choose another name for your data")
    return name


# ----------------------------------------------------------------------------- public
def add_dataset(
    name,
    path,
    text_col,
    label_col,
    text_pair_col=None,
    test_path=None,
    test_size=0.2,
    budget=None,
    random_state=0,
) -> DatasetSpec:
    """Register a labelled file as dataset ``name`` (``alcore data add``).

    The file is read and checked first (see :func:`alcore.data.load_file`), so every error
    comes before anything is written. Registering a name again with other settings
    overwrites it, with a message.

    Parameters
    ----------
    name : str
        The dataset's name: letters, digits, ``_``, ``.``, ``-``; not a registry name.
    path : str or Path
        The ``.csv``/``.tsv``/``.parquet`` file; stored as an absolute path.
    text_col, label_col : str
        Columns of the text and the label.
    text_pair_col : str, optional
        Column of the second text of pair tasks.
    test_path : str or Path, optional
        A separate test file with the same columns; otherwise a stratified split.
    test_size : float, default=0.2
        Test share of the split when there is no ``test_path``, in (0, 1).
    budget : int, "rule" or None
        The active-learning budget ``B``: a number of labels (at most the training rows), or
        ``"rule"`` (None too) for the project's budget rule (:func:`dataset_budget`).
    random_state : int, default=0
        Seed of the split.

    Returns
    -------
    DatasetSpec
    """
    name = _check_name(name)
    budget = _check_budget(budget)
    if not is_int(random_state) or not 0 <= random_state < 2**32:
        raise ValueError(f"random_state must be an int in 0..2**32-1, got {random_state!r}")
    path = Path(path).expanduser().resolve()
    test_path = Path(test_path).expanduser().resolve() if test_path is not None else None
    if test_path is not None:
        test_size = None
    elif (
        isinstance(test_size, bool)
        or not isinstance(test_size, (int, float))
        or not 0 < test_size < 1
    ):
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size!r}")
    ds = load_file(
        path,
        text_col,
        label_col,
        text_pair_col,
        test_path=test_path,
        test_size=test_size or 0.2,
        random_state=random_state,
        name=name,
    )
    if is_int(budget) and budget > len(ds.train):
        raise ValueError(
            f"budget {budget} of dataset {name!r} is larger than its "
            f"{len(ds.train)} training rows; give a smaller budget or 'rule'"
        )
    settings = {
        "format": _FORMAT,
        "name": name,
        "path": str(path),
        "test_path": str(test_path) if test_path else None,
        "text_col": text_col,
        "label_col": label_col,
        "text_pair_col": text_pair_col,
        "test_size": test_size,
        "random_state": random_state,
        "budget": budget,
    }
    old = None
    try:
        old = _read_entry(name)
    except ValueError:
        pass  # a corrupt record is simply replaced
    entry = {
        **settings,
        "rows_train": len(ds.train),
        "rows_test": len(ds.test),
        "n_classes": len(ds.classes),
        "classes": list(ds.classes),
        "fingerprint": content_hash(ds),
        "file_stat": file_stat(record_files(settings)),
    }
    if old is not None and {k: old.get(k) for k in settings} != settings:
        changed = sorted(k for k in settings if old.get(k) != settings[k])
        _log(
            f"user dataset {name!r} was registered with other settings ({', '.join(changed)}); "
            "overwriting it"
        )
    if (
        old is not None
        and old.get("fingerprint") == entry["fingerprint"]
        and old.get("budget") == budget
    ):
        entry.update({k: old[k] for k in ("rule_budget", "rule_fingerprint") if k in old})
    user_dir().mkdir(parents=True, exist_ok=True)
    atomic_write_json(user_dir() / f"{name}.json", entry)
    return _spec_from_entry(entry)


def user_dataset_from_entry(entry: dict, base_dir=None) -> str:
    """Register a grid's dataset entry (a dict from YAML) and return its name.

    Keys: ``name, path, text_col, label_col`` (required), ``text_pair_col, test_path,
    test_size, budget, random_state``. An unknown key is an error with a "did you mean".
    Relative paths are taken from ``base_dir`` (the YAML file's folder) or the working
    directory.
    """
    if not isinstance(entry, dict):
        raise TypeError(f"a dataset entry must be a name or a mapping, got {entry!r}")
    for key in entry:
        if key not in ENTRY_KEYS:
            raise ValueError(
                f"unknown key {key!r} in dataset entry {entry.get('name')!r}."
                f"{did_you_mean(key, ENTRY_KEYS)} Valid keys: {', '.join(ENTRY_KEYS)}."
            )
    missing = [k for k in _REQUIRED if entry.get(k) in (None, "")]
    if missing:
        raise ValueError(f"dataset entry {entry!r} lacks {', '.join(missing)}")
    if "test_path" in entry and "test_size" in entry:
        raise ValueError(f"dataset entry {entry['name']!r}: give test_path or test_size, not both")
    base = Path(base_dir) if base_dir is not None else Path.cwd()

    def resolve(p):
        p = Path(str(p)).expanduser()
        return p if p.is_absolute() else base / p

    kw = {
        k: entry[k] for k in ("text_pair_col", "test_size", "budget", "random_state") if k in entry
    }
    if entry.get("test_path") is not None:
        kw["test_path"] = resolve(entry["test_path"])
    spec = add_dataset(
        entry["name"], resolve(entry["path"]), entry["text_col"], entry["label_col"], **kw
    )
    return spec.name
