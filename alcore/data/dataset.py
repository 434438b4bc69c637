"""The in-memory dataset: :class:`TextDataset` (train/test frames, classes, provenance)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class TextDataset:
    """A labelled text dataset with a train and a test split.

    Attributes
    ----------
    name : str
    train, test : pandas.DataFrame
        Columns ``text`` (str), optionally ``text_pair`` (str), ``label`` (int64 in 0..C-1).
    classes : list of str
        ``classes[label]`` is the original class name.
    meta : dict
        Provenance: source, package, version, sha256, stands_in_for, budget, ...
    """

    name: str
    train: pd.DataFrame
    test: pd.DataFrame
    classes: list
    meta: dict = field(default_factory=dict)

    def _split(self, split: str) -> pd.DataFrame:
        if split not in ("train", "test"):
            raise ValueError(f"unknown split {split!r}; use 'train' or 'test'")
        return self.train if split == "train" else self.test

    @property
    def is_pair(self) -> bool:
        """True if every example is a pair of texts (NLI, stance)."""
        return "text_pair" in self.train.columns

    def texts(self, split: str) -> list:
        """The texts of ``split`` ('train' or 'test'); ``(a, b)`` tuples for pair tasks."""
        df = self._split(split)
        if self.is_pair:
            return list(zip(df["text"].tolist(), df["text_pair"].tolist()))
        return df["text"].tolist()

    def labels(self, split: str) -> np.ndarray:
        """The int64 labels (0..C-1) of ``split``."""
        return self._split(split)["label"].to_numpy(dtype=np.int64)

    def class_counts(self) -> pd.DataFrame:
        """Rows per class and split: columns ``class, train, test, share_train``."""
        return class_counts(self)


def class_counts(dataset: TextDataset) -> pd.DataFrame:
    """Class balance of a dataset: one row per class with its train/test counts.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``class``, ``train``, ``test``, ``share_train`` (share of the
        train split), in label order.
    """
    C = len(dataset.classes)
    train = np.bincount(dataset.labels("train"), minlength=C)
    test = np.bincount(dataset.labels("test"), minlength=C)
    total = max(int(train.sum()), 1)
    return pd.DataFrame(
        {
            "label": np.arange(C),
            "class": list(dataset.classes),
            "train": train,
            "test": test,
            "share_train": train / total,
        }
    )
