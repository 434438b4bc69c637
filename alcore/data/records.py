"""The user datasets' records: one JSON file per name under ``$ALCORE_HOME/user_datasets``.

What :data:`alcore.data.DATASETS` reads on access, so that a dataset added in another process
is seen here too.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from alcore.core.paths import home
from alcore.data.dataset import TextDataset
from alcore.data.files import load_file
from alcore.data.spec import DatasetSpec

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
    "replace",
)
#: The keys of a record that say what a name means; any other value is derived from the file.
SETTINGS = (
    "path",
    "test_path",
    "text_col",
    "label_col",
    "text_pair_col",
    "test_size",
    "random_state",
    "budget",
)
_REQUIRED = ("name", "path", "text_col", "label_col")
#: ``budget_source`` of a user dataset whose budget the rule gives.
RULE_USER = "budget rule (alcore.engine.budget) on this dataset, glove50"


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


def record_path(name: str) -> Path:
    """The record file of user dataset ``name``."""
    return user_dir() / f"{name}.json"


def check_record_files(name: str, entry: dict) -> None:
    """Refuse, naming the record and the file, a record whose file(s) moved or were deleted."""
    for key in ("path", "test_path"):
        file = entry.get(key)
        if file and not Path(file).is_file():
            raise ValueError(
                f"user dataset {name!r} (record {record_path(name)}) points to {file}, which "
                "does not exist (moved or deleted). Put the file back, or register its new "
                f"place: alcore data add {name} NEW_PATH --text-col {entry.get('text_col')} "
                f"--label-col {entry.get('label_col')}"
            )


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
    """Load a registered user dataset from its file(s); a missing file names the record."""
    check_record_files(
        spec.name,
        {
            "path": spec.path,
            "test_path": spec.test_path,
            "text_col": spec.text_field,
            "label_col": spec.label_field,
        },
    )
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
