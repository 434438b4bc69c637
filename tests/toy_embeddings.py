"""Tiny synthetic embeddings for the grid/store tests (importable by subprocesses and Dask
workers when ``tests/`` is on ``PYTHONPATH``).

``load(dataset, encoder)``: dataset ``"toyN"`` has N classes (default 3); ``"broken..."``
raises, to exercise failure recording. Deterministic in (dataset, encoder).
"""

from __future__ import annotations

import zlib
from types import SimpleNamespace

import numpy as np
from sklearn.datasets import make_classification


def load(dataset, encoder):
    if dataset.startswith("broken"):
        raise RuntimeError(f"toy loader: dataset {dataset!r} is broken on purpose")
    n_classes = int(dataset[3:] or 3) if dataset.startswith("toy") else 3
    seed = zlib.crc32(f"{dataset}/{encoder}".encode())
    X, y = make_classification(
        n_samples=260, n_features=8, n_informative=5, n_classes=n_classes, random_state=seed
    )
    X = X.astype(np.float32)
    return SimpleNamespace(
        X_train=X[:200],
        y_train=y[:200],
        X_test=X[200:],
        y_test=y[200:],
        classes=[str(c) for c in range(n_classes)],
        meta={},
    )


def load_broken(dataset, encoder):
    """Always fails (a run recorded as failed, then retried with :func:`load`)."""
    raise RuntimeError("toy loader: broken on purpose")


def load_dying(dataset, encoder):
    """Kills its own process for dataset ``"die"`` (a worker that dies); else :func:`load`."""
    if dataset == "die":
        import os

        os._exit(3)
    return load(dataset, encoder)


def load_all(dataset, encoder):
    """Like :func:`load` but every dataset name works (``"broken"`` too)."""
    return load("toy" if dataset.startswith("broken") else dataset, encoder)
