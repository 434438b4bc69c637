"""User datasets: a labelled file registered under a name, then used like a registry dataset.

:func:`add_dataset` (``alcore data add``) reads and checks the file first (every error comes
before any work), then writes ``$ALCORE_HOME/user_datasets/<name>.json``: the absolute path,
the columns, the split, the budget, the row and class counts and a content fingerprint.
From then on :func:`alcore.data.load_dataset`, :data:`alcore.data.DATASETS`,
``alcore embed --dataset NAME`` and the experiment grids know the name.

The record is the one truth for a name. ``alcore data add`` registers a name again when asked
(saying which settings changed); a grid's inline entry (:func:`user_dataset_from_entry`)
registers a new name, and for a registered one only checks that it means the same file and
settings, unless it says ``replace: true``.
"""

from __future__ import annotations

from pathlib import Path

from alcore.core.checks import did_you_mean, is_int
from alcore.core.paths import atomic_write_json
from alcore.data.files import load_file
from alcore.data.fingerprint import _user_fingerprint
from alcore.data.hashing import content_hash, file_stat, record_files
from alcore.data.records import (
    _FORMAT,
    _NAME,
    _REQUIRED,
    ENTRY_KEYS,
    SETTINGS,
    _log,
    _read_entry,
    _spec_from_entry,
    record_path,
    user_dir,
)
from alcore.data.registry import BUILTIN
from alcore.data.spec import DatasetSpec

__all__ = ["add_dataset", "user_dataset_from_entry"]


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


def _settings(
    name, path, text_col, label_col, text_pair_col, test_path, test_size, budget, random_state
) -> dict:
    """The checked settings of a registration (what the name means), before reading a file."""
    name = _check_name(name)
    budget = _check_budget(budget)
    if not is_int(random_state) or not 0 <= random_state < 2**32:
        raise ValueError(f"random_state must be an int in 0..2**32-1, got {random_state!r}")
    for what, col in (("text_col", text_col), ("label_col", label_col)):
        if not isinstance(col, str) or not col:
            raise ValueError(f"{what} must be a column name, got {col!r}")
    if text_pair_col is not None and (not isinstance(text_pair_col, str) or not text_pair_col):
        raise ValueError(f"text_pair_col must be a column name, got {text_pair_col!r}")
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
    return {
        "format": _FORMAT,
        "name": name,
        "path": str(path),
        "test_path": str(test_path) if test_path else None,
        "text_col": text_col,
        "label_col": label_col,
        "text_pair_col": text_pair_col,
        "test_size": test_size,
        "random_state": int(random_state),
        "budget": budget,
    }


def _differences(old: dict, new: dict) -> list:
    """The settings in which two registrations differ (no budget and ``"rule"`` are one)."""

    def norm(key, value):
        return "rule" if key == "budget" and value is None else value

    return sorted(k for k in SETTINGS if norm(k, old.get(k)) != norm(k, new.get(k)))


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
    overwrites it, with a message naming what changed.

    Parameters
    ----------
    name : str
        The dataset's name: letters, digits, ``_``, ``.``, ``-``; not a registry name.
    path : str or Path
        The ``.csv``/``.tsv``/``.parquet`` file; stored as an absolute path.
    text_col, label_col : str
        Columns of the text and the label (two different columns).
    text_pair_col : str, optional
        Column of the second text of pair tasks.
    test_path : str or Path, optional
        A separate test file with the same columns; otherwise a stratified split.
    test_size : float, default=0.2
        Test share of the split when there is no ``test_path``, in (0, 1).
    budget : int, "rule" or None
        The active-learning budget ``B``: a number of labels (at most the training rows), or
        ``"rule"`` (None too) for the project's budget rule
        (:func:`alcore.runs.budgets.dataset_budget`).
    random_state : int, default=0
        Seed of the split.

    Returns
    -------
    DatasetSpec
    """
    settings = _settings(
        name, path, text_col, label_col, text_pair_col, test_path, test_size, budget, random_state
    )
    name, budget = settings["name"], settings["budget"]
    ds = load_file(
        settings["path"],
        text_col,
        label_col,
        text_pair_col,
        test_path=settings["test_path"],
        test_size=settings["test_size"] or 0.2,
        random_state=settings["random_state"],
        name=name,
    )
    if is_int(budget) and budget > len(ds.train):
        raise ValueError(
            f"budget {budget} of dataset {name!r} is larger than its "
            f"{len(ds.train)} training rows; give a smaller budget or 'rule'"
        )
    try:
        old = _read_entry(name)
    except ValueError:
        old = None
        _log(f"user dataset {name!r}: its unreadable record {record_path(name)} is replaced")
    entry = {
        **settings,
        "rows_train": len(ds.train),
        "rows_test": len(ds.test),
        "n_classes": len(ds.classes),
        "classes": list(ds.classes),
        "fingerprint": content_hash(ds),
        "file_stat": file_stat(record_files(settings)),
    }
    changed = _differences(old, settings) if old is not None else []
    if changed:
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
    atomic_write_json(record_path(name), entry)
    return _spec_from_entry(entry)


def user_dataset_from_entry(entry: dict, base_dir=None, where: str = "dataset entry") -> str:
    """Register a grid's dataset entry (a dict from YAML), or check it against the registry.

    Keys: ``name, path, text_col, label_col`` (required), ``text_pair_col, test_path,
    test_size, budget, random_state, replace``. An unknown key is an error with a "did you
    mean". Relative paths are taken from ``base_dir`` (the YAML file's folder) or the working
    directory.

    A name not registered yet is registered. A registered name is the registry's: an entry
    with the same settings only checks the file (a moved file is an error, a changed one is
    said and recorded); an entry with another path or other settings is an error naming the
    record, unless it says ``replace: true``, which registers it again.

    Returns
    -------
    str
        The dataset's name.
    """
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a name or a mapping, got {entry!r}")
    for key in entry:
        if key not in ENTRY_KEYS:
            raise ValueError(
                f"unknown key {key!r} in {where} {entry.get('name')!r}."
                f"{did_you_mean(key, ENTRY_KEYS)} Valid keys: {', '.join(ENTRY_KEYS)}."
            )
    missing = [k for k in _REQUIRED if entry.get(k) in (None, "")]
    if missing:
        raise ValueError(f"{where} {entry.get('name')!r} lacks {', '.join(missing)}")
    if "test_path" in entry and "test_size" in entry:
        raise ValueError(f"{where} {entry['name']!r}: give test_path or test_size, not both")
    replace = entry.get("replace", False)
    if not isinstance(replace, bool):
        raise ValueError(
            f"{where} {entry['name']!r}: replace must be true or false, got {replace!r}"
        )
    for key in ("path", "test_path"):
        if key in entry and not isinstance(entry[key], str):
            raise ValueError(
                f"{where} {entry['name']!r}: {key} must be a file path, got {entry[key]!r}"
            )
    base = Path(base_dir) if base_dir is not None else Path.cwd()

    def resolve(p):
        p = Path(p).expanduser()
        return p if p.is_absolute() else base / p

    kw = {
        "text_pair_col": entry.get("text_pair_col"),
        "test_path": resolve(entry["test_path"]) if entry.get("test_path") is not None else None,
        "test_size": entry.get("test_size", 0.2),
        "budget": entry.get("budget"),
        "random_state": entry.get("random_state", 0),
    }
    args = (entry["name"], resolve(entry["path"]), entry["text_col"], entry["label_col"])
    old = None if replace else _read_entry(str(entry["name"]))
    if old is None:
        return add_dataset(*args, **kw).name
    wanted = _settings(
        *args,
        kw["text_pair_col"],
        kw["test_path"],
        kw["test_size"],
        kw["budget"],
        kw["random_state"],
    )
    changed = _differences(old, wanted)
    if changed:
        name = wanted["name"]
        what = "; ".join(f"{k} {old.get(k)!r} there, {wanted[k]!r} here" for k in changed)
        raise ValueError(
            f"{where} {name!r} is already registered with other settings (record "
            f"{record_path(name)}: {what}). Give this entry another name (e.g. name: "
            f"{name}_2), or add 'replace: true' to it to register {name!r} again."
        )
    _user_fingerprint(wanted["name"], old)
    return wanted["name"]
