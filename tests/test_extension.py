"""A 9th query strategy needs its module (and its golden-picks entry) and nothing else.

A copy of the package gets one new module, ``alcore/engine/strategies/farthest.py``; in that
copy the strategy is registered, accepted by the CLI, expanded by a grid that asks for
``strategies: all``, run by the AL loop and listed in the book's strategy order.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TOY = '''
"""Farthest-first from the labelled samples' mean: a toy strategy for the extension test."""

import numpy as np

from alcore.engine.strategies.base import RANDOM_STATE, QueryStrategy, utility_rows


class FarthestFromMean(QueryStrategy):
    """The unlabelled samples farthest from the mean of the labelled ones."""

    name = "farthest"
    order = 90
    _parameter_constraints = {"random_state": RANDOM_STATE}

    def _query(self, X, y, labelled, candidates, batch_size, clf, rng, return_utilities):
        centre = X[labelled].mean(axis=0) if labelled.any() else X.mean(axis=0)
        d = ((X[candidates] - centre) ** 2).sum(axis=1)
        picks = candidates[np.argsort(-d, kind="stable")[:batch_size]]
        return picks, utility_rows(batch_size, len(X), return_utilities)
'''

CHECK = """
import json, sys
from alcore.engine import strategies
from alcore.engine.loop import run_al
from alcore.runs.experiment import Grid
import toy_embeddings

grid = Grid({"datasets": ["toy3"], "encoders": ["e"], "ips": ["random"], "k0": [10],
             "strategies": "all", "seeds": [0], "budget": 30, "cycles": 2})
emb = toy_embeddings.load("toy3", "e")
curve = run_al(emb.X_train, emb.y_train, emb.X_test, emb.y_test, ips="random", k0=10,
               strategy="farthest", budget=30, cycles=2, random_state=0)
print(json.dumps({
    "names": list(strategies.NAMES),
    "grid": sorted({c.strategy for c in grid.configs(check_names=False)}),
    "curve_rows": len(curve),
}))
"""


def _copy_with_toy(tmp_path: Path) -> dict:
    shutil.copytree(
        ROOT / "alcore", tmp_path / "alcore", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "alcore" / "engine" / "strategies" / "farthest.py").write_text(TOY)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT / "tests")]))
    return env


def test_a_new_strategy_module_is_registered_and_runs(tmp_path):
    env = _copy_with_toy(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHECK)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["names"][-1] == "farthest" and len(got["names"]) == 9
    assert "farthest" in got["grid"] and len(got["grid"]) == 9
    assert got["curve_rows"] == 3  # the initial pool and two cycles


def test_the_cli_accepts_the_new_strategy(tmp_path):
    env = _copy_with_toy(tmp_path)
    cmd = [
        sys.executable,
        "-m",
        "alcore",
        "run",
        "--dataset",
        "toy3",
        "--encoder",
        "e",
        "--strategy",
        "farthest",
        "--embeddings",
        "toy_embeddings:load",
        "--budget",
        "30",
        "--cycles",
        "2",
        "--k0",
        "10",
        "--store",
        str(tmp_path / "store"),
        "--no-progress",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr + out.stdout
    unknown = subprocess.run(
        cmd[:8] + ["nosuch"] + cmd[9:], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert unknown.returncode != 0 and "farthest" in unknown.stderr  # listed among valid names
