"""The Parquet cache of the offline datasets and their stored train/test split.

Parsed splits live under ``cache_dir("datasets")/<name>/`` (``train.parquet``,
``test.parquet``, ``meta.json``; written atomically). A cache of another parser version or
archive, or one that cannot be read, is parsed again. Datasets without a given test split get
a stratified split drawn once with :data:`SPLIT_SEED` and stored in ``split.json``, which
every later load reuses.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from alcore.core.archives import fetch_archive
from alcore.core.paths import atomic_write, atomic_write_json, cache_dir
from alcore.data.clean import _finalize, _stratified_test_mask
from alcore.data.parsers import PARSERS

#: Bump when a parser changes: cached Parquet files of an older version are parsed again.
PARSER_VERSION = 1
#: Seed and test share of the stored stratified split (datasets without a given test split).
SPLIT_SEED = 0
SPLIT_TEST_SIZE = 0.2


def _dataset_dir(name: str) -> Path:
    return cache_dir("datasets") / name


def _stored_split(name: str, labels: np.ndarray) -> np.ndarray:
    """Test mask of the stored split of ``name``; drawn (seeded, stratified) and stored once."""
    path = _dataset_dir(name) / "split.json"
    if path.exists():
        try:
            stored = json.loads(path.read_text())
            if stored.get("n") == len(labels):
                mask = np.zeros(len(labels), dtype=bool)
                mask[np.asarray(stored["test_idx"], dtype=np.int64)] = True
                return mask
            warnings.warn(
                f"{path} is for {stored.get('n')} rows, the data has {len(labels)}; "
                "drawing the split again",
                UserWarning,
                stacklevel=2,
            )
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            warnings.warn(
                f"{path} is unreadable ({exc}); drawing the split again", UserWarning, stacklevel=2
            )
    mask = _stratified_test_mask(labels, SPLIT_TEST_SIZE, SPLIT_SEED)
    atomic_write_json(
        path,
        {
            "n": len(labels),
            "seed": SPLIT_SEED,
            "test_size": SPLIT_TEST_SIZE,
            "stratified": True,
            "test_idx": np.flatnonzero(mask).tolist(),
        },
    )
    return mask


def _write_parquet(path: Path, df: pd.DataFrame) -> None:
    with atomic_write(path, "wb") as fh:
        df.to_parquet(fh, index=False)


def _read_cache(spec):
    """The cached (train, test, classes) of an offline set, or None if missing/corrupt/stale."""
    d = _dataset_dir(spec.name)
    meta_path = d / "meta.json"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("parser_version") != PARSER_VERSION or meta.get("sha256") != spec.sha256:
            return None
        train = pd.read_parquet(d / "train.parquet")
        test = pd.read_parquet(d / "test.parquet")
        if len(train) != meta["rows_train"] or len(test) != meta["rows_test"]:
            raise ValueError("row counts differ from meta.json")
        for part in (train, test):
            if not {"text", "label"} <= set(part.columns):
                raise ValueError("missing columns")
        return train, test, list(meta["classes"])
    except Exception as exc:  # corrupt parquet/JSON: any reader error means "parse again"
        warnings.warn(
            f"cached dataset {spec.name!r} in {d} is unreadable ({type(exc).__name__}: "
            f"{exc}); parsing it again from the archive",
            UserWarning,
            stacklevel=3,
        )
        return None


def _load_offline(spec, refresh: bool = False, quiet: bool = False):
    cached = None if refresh else _read_cache(spec)
    if cached is not None:
        return cached
    path = fetch_archive(spec.archive, quiet=quiet)
    df, classes, split = PARSERS[spec.parser](spec, path)
    train, test, classes = _finalize(
        spec.name, df, classes, split, test_mask_fn=lambda labels: _stored_split(spec.name, labels)
    )
    d = _dataset_dir(spec.name)
    _write_parquet(d / "train.parquet", train)
    _write_parquet(d / "test.parquet", test)
    atomic_write_json(
        d / "meta.json",
        {
            "parser_version": PARSER_VERSION,
            "sha256": spec.sha256,
            "classes": classes,
            "rows_train": len(train),
            "rows_test": len(test),
        },
    )
    return train, test, classes
