"""Tests of the AL cycle (alcore.engine.loop) on a tiny synthetic problem."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from alcore.core.errors import UnknownNameError
from alcore.engine.loop import (
    COLUMNS,
    ConstantClassifier,
    batch_sizes,
    derive_seeds,
    full_data_accuracy,
    run_al,
)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=400, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    return X[:300].astype(np.float32), y[:300], X[300:].astype(np.float32), y[300:]


def test_run_al_shape_budget_and_picks(data):
    df = run_al(*data, k0=10, budget=53, cycles=4, random_state=1)
    assert list(df.columns) == COLUMNS
    assert len(df) == 5
    assert df["cycle"].tolist() == [0, 1, 2, 3, 4]
    assert df["n_labelled"].tolist() == [10, 21, 32, 43, 53]
    picks = [i for p in df["picked"] for i in p]
    assert len(picks) == 53 and len(set(picks)) == 53  # disjoint: never re-picked
    assert all(0 <= i < 300 for i in picks)
    assert df["accuracy"].between(0, 1).all() and df["macro_f1"].between(0, 1).all()
    assert (df["fit_seconds"] >= 0).all() and (df["query_seconds"] >= 0).all()
    assert df["accuracy"].iloc[-1] > 0.5  # it learns something


def test_batch_sizes_reach_budget():
    assert batch_sizes(10, 53, 4) == [11, 11, 11, 10]
    assert batch_sizes(5, 5, 3) == [0, 0, 0]
    assert sum(batch_sizes(7, 1000, 20)) == 993
    assert batch_sizes(5, 50, 0) == []


def test_bit_identical_reruns(data):
    a = run_al(*data, k0=6, budget=30, cycles=3, random_state=7)
    b = run_al(*data, k0=6, budget=30, cycles=3, random_state=7)
    pd.testing.assert_frame_equal(
        a.drop(columns=["fit_seconds", "query_seconds", "eval_seconds", "cpu_seconds"]),
        b.drop(columns=["fit_seconds", "query_seconds", "eval_seconds", "cpu_seconds"]),
    )
    c = run_al(*data, k0=6, budget=30, cycles=3, random_state=8)
    assert a["picked"].tolist() != c["picked"].tolist()


def test_seeds_are_independent_and_reproducible():
    s1, s2 = derive_seeds(3), derive_seeds(3)
    assert s1["clf"] == s2["clf"]
    assert s1["ips"].integers(1 << 30) == s2["ips"].integers(1 << 30)
    s = derive_seeds(3)
    assert s["ips"].integers(1 << 30) != s["strategy"].integers(1 << 30)
    with pytest.raises(ValueError, match="random_state"):
        derive_seeds("abc")


def test_ips_only_and_zero_batch_cycles(data):
    df = run_al(*data, k0=12, budget=12, cycles=0)
    assert len(df) == 1 and df["n_labelled"].iloc[0] == 12 and len(df["picked"][0]) == 12
    df = run_al(*data, k0=12, budget=13, cycles=3)
    assert df["n_labelled"].tolist() == [12, 13, 13, 13]
    assert [len(p) for p in df["picked"]] == [12, 1, 0, 0]


def test_single_class_start_runs(data):
    X, y, Xt, yt = data
    df = run_al(X, y, Xt, yt, k0=1, budget=7, cycles=3, random_state=0)
    assert df["n_labelled"].tolist() == [1, 3, 5, 7]
    # the one-sample pool predicts one class: accuracy equals that class's test share
    first = y[df["picked"][0][0]]
    assert df["accuracy"].iloc[0] == pytest.approx(np.mean(yt == first))


def test_constant_classifier_full_class_set():
    clf = ConstantClassifier(n_classes=4).fit(np.zeros((3, 2)), [2, 2, 2])
    proba = clf.predict_proba(np.zeros((5, 2)))
    assert proba.shape == (5, 4) and (proba[:, 2] == 1).all() and proba.sum() == 5
    assert (clf.predict(np.zeros((5, 2))) == 2).all()
    assert clf.classes_.tolist() == [0, 1, 2, 3]


def test_full_data_accuracy(data):
    res = full_data_accuracy(*data)
    assert set(res) == {"accuracy", "macro_f1"} and 0.5 < res["accuracy"] <= 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"k0": 0, "budget": 10}, "k0 must be at least 1"),
        ({"k0": 301, "budget": 301}, "k0=301 is larger than the pool"),
        ({"k0": 5, "budget": 301}, "budget=301 is larger than the pool"),
        ({"k0": 10, "budget": 5}, "smaller than k0"),
        ({"k0": 5, "budget": 10, "cycles": -1}, "cycles must be"),
        ({"k0": 5.0, "budget": 10}, "k0 must be an int"),
    ],
)
def test_bad_sizes(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_al(*data, **kwargs)


def test_bad_names(data):
    with pytest.raises(UnknownNameError, match="Valid strategy names"):
        run_al(*data, k0=5, budget=10, strategy="nope")
    with pytest.raises(UnknownNameError, match="Valid IPS names"):
        run_al(*data, k0=5, budget=10, ips="margin")


def test_bad_inputs(data):
    X, y, Xt, yt = data
    Xnan = X.copy()
    Xnan[4, 1] = np.nan
    cases = [
        ((Xnan, y, Xt, yt), "NaN or Inf"),
        ((X, y, Xt[:, :5], yt), "dimension"),
        ((X, y + 1, Xt, yt + 1), "0..C-1"),
        ((X, np.where(y == 2, 5, y), Xt, yt), "0..C-1"),
        ((X, np.where(y == 2, 0, y), Xt, yt), "never seen in training"),
        ((X, y + 0.5, Xt, yt), "integer class labels"),
        ((X, y.astype(str), Xt, yt), "integer class labels"),
        ((X, y[:-1], Xt, yt), "differ in length"),
    ]
    for args, match in cases:
        with pytest.raises(ValueError, match=match):
            run_al(*args, k0=5, budget=10, cycles=1)
    Xinf = Xt.copy()
    Xinf[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or Inf"):
        full_data_accuracy(X, y, Xinf, yt)


def test_strategy_object_and_broken_strategy(data):
    from alcore.engine import strategies

    class Broken:
        def query(
            self,
            X,
            y,
            clf=None,
            fit_clf=True,
            candidates=None,
            batch_size=1,
            return_utilities=False,
        ):
            return np.flatnonzero(~np.isnan(y))[:batch_size]  # re-picks labelled samples

    obj = strategies.get("random", random_state=0)
    df = run_al(*data, k0=5, budget=15, cycles=2, strategy=obj)
    assert df["n_labelled"].tolist() == [5, 10, 15]
    with pytest.raises(RuntimeError, match="invalid picks"):
        run_al(*data, k0=5, budget=15, cycles=2, strategy=Broken())
    with pytest.raises(ValueError, match="strategy_params"):
        run_al(*data, k0=5, budget=15, cycles=2, strategy=obj, strategy_params={"a": 1})


@pytest.mark.parametrize(
    "strategy", ["margin", "entropy", "badge", "dropquery", "coreset", "probcover", "typiclust"]
)
def test_single_class_start_every_strategy(data, strategy):
    df = run_al(*data, k0=1, budget=7, cycles=3, strategy=strategy, random_state=0)
    assert df["n_labelled"].tolist() == [1, 3, 5, 7]
    assert len({i for p in df["picked"] for i in p}) == 7


def test_probcover_gets_the_label_space_and_estimates_delta_once(data, monkeypatch):
    """k of ProbCover's purity k-means is the number of classes C, known from the start: the
    radius is estimated once per pool, not again each time a new class is labelled."""
    from alcore.engine.strategies import probcover

    calls = []
    real = probcover.estimate_delta

    def counting(X, n_clusters, *args, **kw):
        calls.append(n_clusters)
        return real(X, n_clusters, *args, **kw)

    monkeypatch.setattr(probcover, "estimate_delta", counting)
    run_al(*data, k0=1, budget=31, cycles=6, strategy="probcover", random_state=0)
    assert calls == [3]
    calls.clear()
    run_al(
        *data,
        k0=1,
        budget=31,
        cycles=6,
        strategy="probcover",
        random_state=0,
        strategy_params={"n_classes": 5},
    )
    assert calls == [5]  # an explicit value wins


# ----------------------------------------------------------------------------- refit options
def test_default_refit_is_the_plain_one_and_warm_start_keeps_random_picks(data):
    plain = run_al(*data, k0=10, budget=60, cycles=5, random_state=3)
    explicit = run_al(
        *data, k0=10, budget=60, cycles=5, random_state=3, clf_params={"warm_start": False}
    )
    cols = ["n_labelled", "accuracy", "macro_f1", "picked"]
    pd.testing.assert_frame_equal(plain[cols], explicit[cols])
    warm = run_al(
        *data, k0=10, budget=60, cycles=5, random_state=3, clf_params={"warm_start": True}
    )
    # Random's picks do not depend on the model: both runs label the same samples
    assert warm["picked"].tolist() == plain["picked"].tolist()
    assert np.abs(warm["accuracy"] - plain["accuracy"]).max() <= 0.02


def test_warm_fit_starts_at_the_previous_solution(data):
    from alcore.engine.loop import _fit

    X, y, _, _ = data
    params = {"solver": "lbfgs", "max_iter": 1000, "random_state": 0}
    prev = _fit(X[:100], y[:100], 3, params)
    cold = _fit(X[:120], y[:120], 3, params, prev)  # warm_start off: ignored
    warm = _fit(X[:120], y[:120], 3, {**params, "warm_start": True}, prev)
    assert warm.n_iter_[0] < cold.n_iter_[0]
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=0.05)
    # a previous fit over other classes (or the constant classifier) is no starting point
    two = _fit(X[y < 2][:50], y[y < 2][:50], 3, params)
    again = _fit(X[:120], y[:120], 3, {**params, "warm_start": True}, two)
    assert again.n_iter_[0] == cold.n_iter_[0]
    const = _fit(X[y == 0][:5], y[y == 0][:5], 3, params)
    assert isinstance(const, ConstantClassifier)
    assert (
        _fit(X[:120], y[:120], 3, {**params, "warm_start": True}, const).n_iter_[0]
        == cold.n_iter_[0]
    )


def test_refit_verdict_applies_the_issue_rule():
    from alcore.bench import refit_verdict

    row = {
        "agreement": 1.0,
        "aulc_scratch": 0.70,
        "aulc_warm": 0.70,
        "fit_agreement_min": 1.0,
        "cpu_seconds_scratch": 2.0,
        "cpu_seconds_warm": 1.0,
    }
    ok = pd.DataFrame([row, {**row, "agreement": 0.996, "aulc_warm": 0.703}])
    v = refit_verdict(ok)
    assert v["passes"] and v["speedup_cpu"] == pytest.approx(2.0)
    assert v["aulc_diff_mean"] == pytest.approx(0.0015)
    assert not refit_verdict(pd.DataFrame([row, {**row, "agreement": 0.99}]))["passes"]
    assert not refit_verdict(pd.DataFrame([row, {**row, "aulc_warm": 0.705}]))["passes"]


def test_refit_agreement_on_real_trec6():
    """The agreement rule on the real TREC-6 (glove50, a stratified 800-sample pool): the
    plain refit against itself agrees everywhere and passes; the warm start's single fits on
    identical labelled sets agree closely (same convex objective)."""
    from sklearn.model_selection import train_test_split

    from alcore.bench import refit_agreement, refit_verdict
    from alcore.embedding.embed import Embeddings, load_embeddings

    try:
        emb = load_embeddings("trec6", "glove50", progress=False)
    except Exception as exc:
        pytest.skip(f"trec6 x glove50 embeddings unavailable ({exc})")
    idx, _ = train_test_split(
        np.arange(len(emb.y_train)), train_size=800, stratify=emb.y_train, random_state=0
    )
    small = Embeddings(
        emb.X_train[idx], emb.y_train[idx], emb.X_test, emb.y_test, emb.classes, emb.meta
    )
    same = refit_agreement(small, 80, ["margin"], seeds=[0], cycles=3, warm={"warm_start": False})
    assert same["agreement"].tolist() == [1.0]
    assert same["aulc_scratch"].tolist() == same["aulc_warm"].tolist()
    assert refit_verdict(same)["passes"]
    warm = refit_agreement(small, 80, ["random"], seeds=[0], cycles=3)
    assert warm["fit_agreement_min"].iloc[0] >= 0.97
    assert abs(warm["aulc_warm"].iloc[0] - warm["aulc_scratch"].iloc[0]) < 0.01


# ----------------------------------------------------------------- run cost model (alcore.bench)
def test_cost_model_recovers_power_laws_and_prices_a_grid():
    from alcore.bench import cost_model, paper_cost
    from alcore.runs.experiment import Grid

    rows = []
    for strategy, q in (("random", 1e-6), ("margin", 1e-5)):
        for pool, dim, budget, classes in (
            (5000, 50, 1000, 6),
            (5000, 256, 1000, 6),
            (50000, 50, 5000, 16),
            (6000, 50, 1500, 52),
            (4000, 50, 300, 2),
        ):
            fit = 1e-4 * budget * classes**0.5
            query = q * pool * dim**0.5
            rows.append(
                {
                    "strategy": strategy,
                    "pool": pool,
                    "dim": dim,
                    "budget": budget,
                    "classes": classes,
                    "fit_seconds": fit,
                    "query_seconds": query,
                    "seconds": fit + query,
                    "cpu_seconds": fit + query,
                }
            )
    runs = pd.DataFrame(rows)
    predict = cost_model(runs)
    assert predict.fit_coef["budget"] == pytest.approx(1.0, abs=1e-6)
    assert predict.fit_coef["classes"] == pytest.approx(0.5, abs=1e-6)
    assert predict.query_coef["margin"]["pool"] == pytest.approx(1.0, abs=1e-6)
    expected = 1e-4 * 2000 * 20**0.5 + 1e-5 * 11293 * 768**0.5
    assert predict("margin", 11293, 768, 20, 2000) == pytest.approx(expected, rel=1e-6)
    grid = Grid(
        {
            "datasets": ["trec6", "sms_spam"],
            "encoders": ["glove50", "mpnet"],
            "ips": ["random"],
            "k0": ["batch"],
            "strategies": ["random", "margin"],
            "seeds": [0, 1],
            "budget": {"trec6": 1000, "sms_spam": 500},
            "cycles": 20,
        }
    )
    cost = paper_cost(runs, grid, workers=(8,))
    assert cost["dataset"].tolist() == ["trec6", "sms_spam", "all"]
    assert cost["runs"].tolist() == [8, 8, 16]
    assert cost["cpu_hours"].iloc[-1] == pytest.approx(cost["cpu_hours"].iloc[:2].sum())
    assert (cost["hours_8_workers"] >= cost["cpu_hours"] / 8).all()
    assert (cost["hours_8_workers"] * 60 >= cost["longest_run_min"] - 1e-9).all()
