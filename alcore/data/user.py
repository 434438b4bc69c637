"""User datasets: a labelled file registered under a name, then used like a registry dataset.

:func:`add_dataset` (``alcore data add``) reads and checks the file first (every error comes
before any work), then writes ``$ALCORE_HOME/user_datasets/<name>.json``: the absolute path,
the columns, the split, the budget, the row and class counts and a content fingerprint.
From then on :func:`alcore.data.load_dataset`, :data:`alcore.data.DATASETS`,
``alcore embed --dataset NAME`` and the experiment grids know the name.

:func:`dataset_fingerprint` hashes the texts, labels and split of any dataset, so that a run
key built on it changes when the data does; :func:`dataset_budget` gives any dataset's ``B``
(the registry's, the user's number, or the budget rule's for ``budget="rule"``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sys
from pathlib import Path

from ..paths import atomic_write_json, cache_dir, home
from .dataset import TextDataset
from .files import load_file
from .registry import BUILTIN, DatasetSpec, get_spec

__all__ = ["add_dataset", "dataset_budget", "dataset_fingerprint", "user_dataset_from_entry"]

_FORMAT = 1
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ENTRY_KEYS = (
    "name",
    "path",
    "text_col",
    "label_col",
    "text_pair_col",
    "test_path",
    "test_size",
    "budget",
    "random_state",
)
_REQUIRED = ("name", "path", "text_col", "label_col")
#: ``budget_source`` of a user dataset whose budget the rule gives.
RULE_USER = "budget rule (alcore.budget) on this dataset, glove50"


def _log(msg: str) -> None:
    print(f"alcore: {msg}", file=sys.stderr)


def user_dir() -> Path:
    """Where user datasets are registered: ``$ALCORE_HOME/user_datasets``."""
    return home() / "user_datasets"


def user_names() -> list:
    """Names of the registered user datasets (sorted)."""
    d = user_dir()
    if not d.is_dir():
        return []
    return sorted(p.stem for p in d.glob("*.json") if _NAME.fullmatch(p.stem))


def _read_entry(name: str) -> dict | None:
    path = user_dir() / f"{name}.json"
    if not _NAME.fullmatch(str(name)) or not path.is_file():
        return None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(entry, dict) or entry.get("format") != _FORMAT:
            raise ValueError("not a user-dataset record of this alcore version")
        for key in ("path", "text_col", "label_col", "n_classes"):
            if key not in entry:
                raise ValueError(f"no {key!r}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"user dataset {name!r}: {path} is corrupt ({exc}). Register it again "
            f"with 'alcore data add {name} PATH ...' or delete the file."
        ) from None
    return entry


def _spec_from_entry(entry: dict) -> DatasetSpec:
    budget, source = entry.get("budget"), "user"
    if budget in (None, "rule"):
        same = entry.get("rule_fingerprint") == entry.get("fingerprint")
        budget = entry.get("rule_budget") if same else None
        source = RULE_USER
    return DatasetSpec(
        name=entry["name"],
        source="file",
        stands_in_for=None,
        n_classes=entry["n_classes"],
        budget=budget,
        budget_source=source,
        rows_train=entry.get("rows_train"),
        rows_test=entry.get("rows_test"),
        description=f"user dataset: {entry['path']}",
        text_field=entry["text_col"],
        text_pair_field=entry.get("text_pair_col"),
        label_field=entry["label_col"],
        path=entry["path"],
        test_path=entry.get("test_path"),
        test_size=entry.get("test_size"),
        random_state=entry.get("random_state", 0),
    )


def read_user_spec(name: str) -> DatasetSpec | None:
    """The :class:`DatasetSpec` of a registered user dataset, or None if there is none."""
    entry = _read_entry(name)
    return None if entry is None else _spec_from_entry(entry)


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
def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_budget(budget):
    if budget is None or budget == "rule":
        return budget
    if isinstance(budget, str) and budget.strip().isdigit():
        budget = int(budget)
    if not _is_int(budget) or not 1 <= budget <= 10**9:
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


def _stat(paths) -> list:
    return [[p.stat().st_mtime_ns, p.stat().st_size] for p in paths]


def _files(entry: dict) -> list:
    return [Path(p) for p in (entry["path"], entry.get("test_path")) if p]


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
    if not _is_int(random_state) or not 0 <= random_state < 2**32:
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
    if _is_int(budget) and budget > len(ds.train):
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
        "fingerprint": _content_hash(ds),
        "file_stat": _stat(_files(settings)),
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
            close = difflib.get_close_matches(str(key), ENTRY_KEYS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"unknown key {key!r} in dataset entry {entry.get('name')!r}."
                f"{hint} Valid keys: {', '.join(ENTRY_KEYS)}."
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


def _content_hash(ds: TextDataset) -> str:
    """sha256 of the classes and, per split, every row's text, text pair and label."""
    h = hashlib.sha256()
    h.update(json.dumps(list(ds.classes)).encode())
    for split in ("train", "test"):
        df = ds.train if split == "train" else ds.test
        h.update(f"\x1d{split}:{len(df)}".encode())
        cols = [df[c].astype(str) for c in ("text", "text_pair") if c in df.columns]
        cols.append(df["label"].astype(str))
        for row in zip(*cols):
            h.update("\x1f".join(row).encode("utf-8", "surrogatepass"))
            h.update(b"\x1e")
    return h.hexdigest()


def _builtin_key(spec: DatasetSpec) -> dict:
    from .cache import PARSER_VERSION

    return {
        "name": spec.name,
        "source": spec.source,
        "sha256": spec.sha256,
        "parser_version": PARSER_VERSION,
        "hf_id": spec.hf_id,
        "hf_config": spec.hf_config,
        "splits": [spec.train_split, spec.test_split],
    }


def _user_fingerprint(name: str, entry: dict) -> str:
    files = _files(entry)
    if entry.get("fingerprint") and entry.get("file_stat") == _stat(files):
        return entry["fingerprint"]
    from .loaders import load_dataset

    ds = load_dataset(name)
    entry = {
        **entry,
        "fingerprint": _content_hash(ds),
        "file_stat": _stat(files),
        "rows_train": len(ds.train),
        "rows_test": len(ds.test),
        "n_classes": len(ds.classes),
        "classes": list(ds.classes),
    }
    atomic_write_json(user_dir() / f"{name}.json", entry)
    return entry["fingerprint"]


def dataset_fingerprint(name: str) -> str:
    """A content hash (sha256 hex) of a dataset's texts, labels and split.

    Recomputed only when it may have changed: for a user dataset when its file's
    modification time or size differ from those recorded; for a registry dataset when its
    archive, parser version or Hub id do (kept under ``$ALCORE_HOME/fingerprints``).
    """
    spec = get_spec(name)
    if spec.source == "file":
        return _user_fingerprint(name, _read_entry(name))
    key = _builtin_key(spec)
    path = cache_dir("fingerprints") / f"{spec.name}.json"
    try:
        stored = json.loads(path.read_text())
        if stored.get("key") == key:
            return stored["sha256"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass  # missing or corrupt: compute it again
    from .loaders import load_dataset

    digest = _content_hash(load_dataset(name, quiet=True))
    atomic_write_json(path, {"key": key, "sha256": digest})
    return digest


def dataset_budget(name: str) -> int:
    """The budget ``B`` of a dataset.

    The registry's budget (Table 2 for the ActiveGLAE sets, the calibrated rule's for the
    offline sets), a user dataset's number, or, for a user dataset registered with
    ``budget="rule"`` (or none), the budget rule (:func:`alcore.budget.derive_budget` on
    glove50 embeddings), computed once per content fingerprint and kept in its record.

    Raises
    ------
    UnknownNameError
        For an unknown name.
    ValueError
        For a registry dataset without a known budget.
    """
    spec = get_spec(name)
    if spec.source != "file":
        if spec.budget is None:
            raise ValueError(f"dataset {name!r} has no known budget; give budget as an int")
        return int(spec.budget)
    entry = _read_entry(name)
    if _is_int(entry.get("budget")):
        return int(entry["budget"])
    fingerprint = _user_fingerprint(name, entry)
    entry = _read_entry(name)
    if entry.get("rule_fingerprint") == fingerprint and _is_int(entry.get("rule_budget")):
        return int(entry["rule_budget"])
    from ..budget import derive_budget
    from ..embed import load_embeddings

    _log(f"deriving the budget of {name!r} with the budget rule (glove50 learning curve)")
    res = derive_budget(load_embeddings(name, "glove50", progress=False))
    entry.update(rule_budget=int(res["budget"]), rule_fingerprint=fingerprint)
    atomic_write_json(user_dir() / f"{name}.json", entry)
    return int(res["budget"])
