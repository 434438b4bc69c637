"""Cleaning shared by every loader: empty texts, label encoding, class checks, the split.

* Labels are encoded to ``0..C-1``: in the dataset's own class order where it has one (TREC's
  coarse codes, a Hub ``ClassLabel``), otherwise in sorted order of the class names.
  ``classes[label]`` is the original name.
* Rows whose text (or text pair) is empty or whitespace-only are **dropped with a warning**
  that counts them; if nothing is left a ``ValueError`` is raised.
* A dataset with a single class raises ``ValueError``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split


def _drop_empty(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Drop rows whose text (or text pair) is missing/empty/whitespace, with a counting warning."""
    cols = ["text"] + (["text_pair"] if "text_pair" in df.columns else [])
    bad = np.zeros(len(df), dtype=bool)
    for col in cols:
        s = df[col]
        bad |= s.isna().to_numpy() | (s.fillna("").astype(str).str.strip() == "").to_numpy()
    if bad.all():
        raise ValueError(
            f"dataset {name!r}: all {len(df)} texts are empty or whitespace-only; "
            "check the text column(s)."
        )
    if bad.any():
        warnings.warn(
            f"dataset {name!r}: dropped {int(bad.sum())} of {len(df)} rows with an empty or "
            "whitespace-only text",
            UserWarning,
            stacklevel=3,
        )
        df = df[~bad]
    return df.reset_index(drop=True)


def _encode(df: pd.DataFrame, name: str, classes=None) -> tuple[pd.DataFrame, list]:
    """Encode ``df.label`` (class names or values) to 0..C-1.

    ``classes`` gives the dataset's own order; otherwise the sorted distinct values.
    Integer labels with ``classes`` given are taken as indices into it.
    """
    lab = df["label"]
    if lab.isna().any():
        raise ValueError(
            f"dataset {name!r}: {int(lab.isna().sum())} rows have no label; "
            "drop them or fill the label column."
        )
    if classes is not None and pd.api.types.is_integer_dtype(lab):
        codes = lab.to_numpy(dtype=np.int64)
        bad = (codes < 0) | (codes >= len(classes))
        if bad.any():
            raise ValueError(
                f"dataset {name!r}: labels {sorted(set(codes[bad]))[:5]} are outside "
                f"0..{len(classes) - 1} of classes {list(classes)}"
            )
        classes = [str(c) for c in classes]
    else:
        if classes is None:
            values = lab.unique().tolist()
            try:
                values = sorted(values)
            except TypeError:  # mixed types: sort by their text
                values = sorted(values, key=str)
            classes = [str(v) for v in values]
        else:
            classes = [str(c) for c in classes]
        index = {c: i for i, c in enumerate(classes)}
        names = lab.astype(str)
        unknown = sorted(set(names) - set(index))
        if unknown:
            raise ValueError(
                f"dataset {name!r}: labels {unknown[:5]} are not among the classes {classes}"
            )
        codes = names.map(index).to_numpy(dtype=np.int64)
    out = df.copy()
    out["label"] = codes
    return out, classes


def _check_classes(name: str, labels: np.ndarray, classes: list) -> None:
    present = np.unique(labels)
    if len(present) < 2:
        only = classes[int(present[0])] if len(present) else "none"
        raise ValueError(
            f"dataset {name!r} has a single class ({only!r}) after cleaning; a classifier "
            "needs at least two. Check the label column."
        )


def _stratified_test_mask(labels: np.ndarray, test_size: float, random_state) -> np.ndarray:
    """A boolean test mask: stratified if every class has 2+ rows, else plain random."""
    idx = np.arange(len(labels))
    counts = np.bincount(labels)
    stratify = labels if counts[counts > 0].min() >= 2 else None
    if stratify is None:
        warnings.warn(
            "a class has a single row: the train/test split is random, not stratified",
            UserWarning,
            stacklevel=3,
        )
    _, test_idx = train_test_split(
        idx, test_size=test_size, random_state=random_state, stratify=stratify
    )
    mask = np.zeros(len(labels), dtype=bool)
    mask[test_idx] = True
    return mask


def _finalize(name, df, classes=None, split=None, test_mask_fn=None):
    """Clean, encode, check and split a parsed frame into (train, test, classes).

    ``df`` has ``text``, [``text_pair``], ``label`` and, when ``split`` is "given", a
    ``split`` column with 'train'/'test'. Otherwise ``test_mask_fn(labels)`` draws the split.
    """
    df = _drop_empty(df, name)
    df, classes = _encode(df, name, classes)
    labels = df["label"].to_numpy()
    _check_classes(name, labels, classes)
    if split == "given":
        test = (df["split"] == "test").to_numpy()
    else:
        test = test_mask_fn(labels)
    cols = [c for c in ("text", "text_pair", "label") if c in df.columns]
    train_df = df.loc[~test, cols].reset_index(drop=True)
    test_df = df.loc[test, cols].reset_index(drop=True)
    for part, what in ((train_df, "train"), (test_df, "test")):
        if len(part) == 0:
            raise ValueError(f"dataset {name!r}: the {what} split is empty")
    unseen = sorted(set(test_df["label"]) - set(train_df["label"]))
    if unseen:
        raise ValueError(
            f"dataset {name!r}: class(es) {[classes[i] for i in unseen][:5]} occur "
            "in the test split but never in training; drop those test rows or add "
            "training examples of them"
        )
    return _drop_empty_classes(name, train_df, test_df, classes)


def _drop_empty_classes(name, train_df, test_df, classes):
    """Classes left without a row (all their texts were empty) leave the class list, so that
    the labels are ``0..C-1`` with every class present; one warning names them."""
    present = sorted(set(train_df["label"].tolist()))
    if len(present) == len(classes):
        return train_df, test_df, classes
    gone = [classes[i] for i in range(len(classes)) if i not in set(present)]
    warnings.warn(
        f"dataset {name!r}: dropped {len(gone)} class(es) with no row left after cleaning "
        f"({', '.join(map(repr, gone[:5]))})",
        UserWarning,
        stacklevel=4,
    )
    code = {old: new for new, old in enumerate(present)}
    train_df = train_df.assign(label=train_df["label"].map(code).astype(np.int64))
    test_df = test_df.assign(label=test_df["label"].map(code).astype(np.int64))
    return train_df, test_df, [classes[i] for i in present]
