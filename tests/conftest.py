"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from alcore.core import paths

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
REAL_HOME = paths.home()  # the user's cache, read before any test moves ALCORE_HOME


@pytest.fixture
def linked_home(tmp_path, monkeypatch):
    """A fresh ALCORE_HOME whose archives/ and encoders/ link to the real (shared) caches."""
    h = tmp_path / "home"
    h.mkdir()
    for kind in ("archives", "encoders"):
        real = REAL_HOME / kind
        real.mkdir(parents=True, exist_ok=True)
        os.symlink(real, h / kind)
    monkeypatch.setenv("ALCORE_HOME", str(h))
    return h


@pytest.fixture
def toy_loader_env(monkeypatch):
    """Single-threaded BLAS, and tests/ importable in worker processes (toy_embeddings)."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), str(ROOT)]))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    if str(TESTS) not in sys.path:
        monkeypatch.syspath_prepend(str(TESTS))
