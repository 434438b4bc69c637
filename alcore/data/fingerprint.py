"""Content fingerprints of datasets: a sha256 of texts, labels and split, so that a run key
built on it changes when the data does."""

from __future__ import annotations

import json

from alcore.core.paths import atomic_write_json, cache_dir
from alcore.data.cache import PARSER_VERSION
from alcore.data.hashing import content_hash, file_stat, record_files
from alcore.data.loaders import load_dataset
from alcore.data.records import _read_entry, user_dir
from alcore.data.registry import get_spec
from alcore.data.spec import DatasetSpec

__all__ = ["dataset_fingerprint"]


def _builtin_key(spec: DatasetSpec) -> dict:
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
    files = record_files(entry)
    if entry.get("fingerprint") and entry.get("file_stat") == file_stat(files):
        return entry["fingerprint"]
    ds = load_dataset(name)
    entry = {
        **entry,
        "fingerprint": content_hash(ds),
        "file_stat": file_stat(files),
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
    digest = content_hash(load_dataset(name, quiet=True))
    atomic_write_json(path, {"key": key, "sha256": digest})
    return digest
