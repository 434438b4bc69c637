"""Hashes of a dataset's content and of its files' state."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from alcore.data.dataset import TextDataset

__all__ = ["content_hash", "file_stat", "record_files"]


def file_stat(paths) -> list:
    """Modification time (ns) and size of each path: a cheap "did the file change" key."""
    return [[p.stat().st_mtime_ns, p.stat().st_size] for p in paths]


def record_files(entry: dict) -> list:
    """The files a user dataset's record points to (its file, and its test file if any)."""
    return [Path(p) for p in (entry["path"], entry.get("test_path")) if p]


def content_hash(ds: TextDataset) -> str:
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
