"""Tests of the budget rule (alcore.budget) on a tiny synthetic problem."""

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from alcore.budget import budget_grid, derive_budget


@pytest.fixture(scope="module")
def emb():
    X, y = make_blobs(n_samples=600, centers=3, n_features=4, cluster_std=2.5, random_state=0)
    return SimpleNamespace(X_train=X[:400], y_train=y[:400], X_test=X[400:], y_test=y[400:])


def test_budget_grid():
    assert budget_grid(1000, start=10).tolist() == [10, 15, 20, 30, 50, 70, 100, 150, 200,
                                                    300, 500, 700, 1000]
    assert budget_grid(64, start=6).tolist() == [7, 10, 15, 20, 30, 50, 64]
    with pytest.raises(ValueError):
        budget_grid(0)


def test_derive_budget(emb):
    res = derive_budget(emb, seeds=(0, 1))
    curve = res["curve"]
    assert set(curve.columns) == {"n_labelled", "seed", "accuracy", "macro_f1"}
    assert len(curve) == 2 * len(budget_grid(400, start=6))
    assert 6 <= res["budget"] <= 400 and res["budget"] in set(curve["n_labelled"])
    mean = curve.groupby("n_labelled")["accuracy"].mean()
    assert res["threshold"] == pytest.approx(0.95 * res["full_accuracy"])
    assert (mean[mean.index >= res["budget"]] >= res["threshold"]).all()   # stays above
    before = mean[mean.index < res["budget"]]
    assert before.empty or before.iloc[-1] < res["threshold"]              # and not earlier
    assert res["converged"] == (res["budget"] < 400)
    assert res["converged"]                     # easy blobs converge before the whole pool
    # a stricter target needs at least as many labels
    assert derive_budget(emb, seeds=(0,), target=1.0)["budget"] >= derive_budget(
        emb, seeds=(0,))["budget"]


def test_derive_budget_bad_input(emb):
    for bad in (0, 1.5):
        with pytest.raises(ValueError, match="target"):
            derive_budget(emb, target=bad)
    with pytest.raises(ValueError, match="grid"):
        derive_budget(emb, grid=[0, 10])
    with pytest.raises(ValueError, match="seeds"):
        derive_budget(emb, seeds=())
