"""The budget rule (alcore.engine.budget): mechanics on synthetic data, its calibration on the
real TREC-6 (Table 2: B = 1,000) and the registry's budgets."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from alcore.engine.budget import (
    TARGET,
    _budget_at,
    budget_grid,
    calibrate_target,
    calibration_table,
    derive_budget,
    learning_curve,
)

BOOK_DATA = Path(__file__).resolve().parents[1] / "book" / "data"


@pytest.fixture(scope="module")
def emb():
    X, y = make_blobs(n_samples=600, centers=3, n_features=4, cluster_std=2.5, random_state=0)
    # a test split that would be far off: the rule must never read it
    return SimpleNamespace(X_train=X[:400], y_train=y[:400], X_test=None, y_test=None)


def test_budget_grid():
    assert budget_grid(1000, start=10).tolist() == [
        10,
        15,
        20,
        30,
        50,
        70,
        100,
        150,
        200,
        300,
        500,
        700,
        1000,
    ]
    assert budget_grid(64, start=6).tolist() == [7, 10, 15, 20, 30, 50, 64]
    with pytest.raises(ValueError):
        budget_grid(0)


def test_derive_budget_uses_a_validation_split_of_train(emb):
    res = derive_budget(emb, seeds=(0, 1))
    curve = res["curve"]
    assert set(curve.columns) == {"n_labelled", "seed", "accuracy", "macro_f1", "balanced_accuracy"}
    assert res["pool"] == 320  # 400 minus the 20 % held out
    assert len(curve) == 2 * len(budget_grid(320, start=6))
    assert 6 <= res["budget"] <= 320 and res["budget"] in set(curve["n_labelled"])
    mean = curve.groupby("n_labelled")["macro_f1"].mean()
    assert res["metric"] == "macro_f1" and res["target"] == TARGET
    assert res["threshold"] == pytest.approx(TARGET * res["full_score"])
    assert (mean[mean.index >= res["budget"]] >= res["threshold"]).all()  # stays above
    before = mean[mean.index < res["budget"]]
    assert before.empty or before.iloc[-1] < res["threshold"]  # and not earlier
    assert res["converged"] == (res["budget"] < 320) and res["converged"]
    # a stricter target needs at least as many labels
    assert (
        derive_budget(emb, seeds=(0,), target=1.0)["budget"]
        >= derive_budget(emb, seeds=(0,))["budget"]
    )


def test_macro_f1_is_robust_to_imbalance():
    # 95 % majority class: accuracy is near its ceiling from the first labels, macro-F1 is not
    rng = np.random.default_rng(0)
    y = (rng.random(1500) < 0.05).astype(int)
    X = rng.normal(size=(1500, 5)) + y[:, None] * 1.2
    e = SimpleNamespace(X_train=X, y_train=y)
    grid = [10, 30, 100, 300, 1200]
    by_acc = derive_budget(e, seeds=(0, 1), grid=grid, metric="accuracy")["budget"]
    by_f1 = derive_budget(e, seeds=(0, 1), grid=grid, metric="macro_f1")["budget"]
    assert by_f1 > by_acc


def test_calibrate_target_interval():
    curve = pd.DataFrame(
        {
            "n_labelled": [100, 300, 1000, 3000],
            "seed": 0,
            "accuracy": 0.0,
            "macro_f1": [0.5, 0.8, 0.9, 0.95],
        }
    )
    cal = calibrate_target(curve, full_score=1.0, budget=1000)
    assert (cal["low"], cal["high"]) == (0.8, 0.9) and cal["target"] == pytest.approx(0.85)
    mean = curve.set_index("n_labelled")["macro_f1"]
    assert _budget_at(mean, cal["target"], 3000) == 1000  # the rule at that target: 1000
    table = calibration_table(curve, 1.0, 1000)
    assert table["min_share_from_here"].tolist() == [0.5, 0.8, 0.9, 0.95]
    with pytest.raises(ValueError, match="inner point"):
        calibrate_target(curve, 1.0, budget=100)
    dip = curve.assign(macro_f1=[0.5, 0.9, 0.8, 0.95])  # the tail dips below 1000's value
    with pytest.raises(ValueError, match="no target gives"):
        calibrate_target(dip, 1.0, budget=1000)


def test_derive_budget_bad_input(emb):
    for bad in (0, 1.5):
        with pytest.raises(ValueError, match="target"):
            derive_budget(emb, target=bad)
    with pytest.raises(ValueError, match="grid"):
        derive_budget(emb, grid=[0, 10])
    with pytest.raises(ValueError, match="seeds"):
        derive_budget(emb, seeds=())
    with pytest.raises(ValueError, match="metric"):
        derive_budget(emb, metric="auc")
    with pytest.raises(ValueError, match="val_size"):
        learning_curve(emb.X_train, emb.y_train, val_size=1.0)


def test_registry_budgets_table2_and_rule():
    from alcore.data import DATASETS
    from alcore.data.registry import RULE, TABLE2

    table2 = {
        "agnews": 1000,
        "banking77": 5000,
        "dbpedia": 500,
        "fnc1": 3500,
        "mnli": 4000,
        "qnli": 4500,
        "sst2": 500,
        "trec6_hub": 1000,
        "wikitalk": 3000,
        "yelp5": 2500,
        "trec6": 1000,
    }
    for name, budget in table2.items():
        assert (DATASETS[name].budget, DATASETS[name].budget_source) == (budget, TABLE2)
    stored = pd.read_csv(BOOK_DATA / "budgets.csv").set_index("dataset")
    for name, spec in DATASETS.items():
        if spec.offline and name != "trec6":
            assert spec.budget_source == RULE
            assert spec.budget == stored.loc[name, "budget"], name


def test_rule_calibration_on_trec6_gives_table2_budget():  # ~15 s
    """The calibrated rule, applied to the real TREC-6 with glove50, gives Table 2's 1,000."""
    from alcore.embedding.embed import load_embeddings

    try:
        emb = load_embeddings("trec6", "glove50", progress=False)
    except (RuntimeError, OSError) as exc:  # no archive and no network
        pytest.skip(f"TREC-6 x glove50 not available: {exc}")
    # the grid around the calibration point: B = 1000 iff 700 is under the bar and every
    # count from 1000 on is above it
    grid = [500, 700, 1000, 1500, 2000, 3000, 4361]
    res = derive_budget(emb, grid=grid)
    assert res["budget"] == 1000
    assert res["pool"] == 4361 and res["metric"] == "macro_f1"
