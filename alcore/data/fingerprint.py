"""Content fingerprints of datasets: a sha256 of texts, labels and split, so that a run key
built on it changes when the data does."""

from __future__ import annotations

import json

from alcore.core.paths import atomic_write_json, cache_dir
from alcore.data.cache import PARSER_VERSION
from alcore.data.hashing import content_hash, file_stat, record_files
from alcore.data.loaders import load_dataset
from alcore.data.records import _log, _read_entry, check_record_files, record_path
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
    """The content hash of a user dataset, checked against its record before any work.

    A file that moved or was deleted is an error naming the record and the file. A file
    whose modification time or size changed is hashed again: the same content only renews
    the record's file state; other content is said (naming the record and the file) and
    recorded, so that the runs on the old content are computed again.
    """
    check_record_files(name, entry)
    files = record_files(entry)
    if entry.get("fingerprint") and entry.get("file_stat") == file_stat(files):
        return entry["fingerprint"]
    ds = load_dataset(name)
    digest = content_hash(ds)
    if entry.get("fingerprint") and digest != entry["fingerprint"]:
        _log(
            f"user dataset {name!r}: {entry['path']} changed since it was registered (record "
            f"{record_path(name)}); runs on the old content are computed again"
        )
    entry = {
        **entry,
        "fingerprint": digest,
        "file_stat": file_stat(files),
        "rows_train": len(ds.train),
        "rows_test": len(ds.test),
        "n_classes": len(ds.classes),
        "classes": list(ds.classes),
    }
    atomic_write_json(record_path(name), entry)
    return digest


def dataset_fingerprint(name: str) -> str:
    """A content hash (sha256 hex) of a dataset's texts, labels and split.

    Recomputed only when it may have changed: for a user dataset when its file's
    modification time or size differ from those recorded (a moved or deleted file is a
    ``ValueError`` naming the record and the file); for a registry dataset when its archive,
    parser version or Hub id do (kept under ``$ALCORE_HOME/fingerprints``).
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
