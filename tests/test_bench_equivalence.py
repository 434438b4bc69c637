"""The equivalence rule (alcore.bench.equivalence) and the measured-run sample behind the
cost model (alcore.bench.sample), on synthetic numbers and tiny data."""

import numpy as np
import pandas as pd
import pytest

from alcore.bench.equivalence import (
    CHANGES,
    MARGIN,
    _fit_agreement,
    _one_run,
    equivalence_table,
    pair_plan,
    tost,
)
from alcore.bench.sample import check_model, sample_configs
from alcore.engine.strategies import NAMES


def test_tost_accepts_a_tight_zero_and_rejects_a_shift_or_noise():
    rng = np.random.default_rng(0)
    mean, lo, hi, p = tost(rng.normal(0, 0.002, 200))
    assert lo > -MARGIN and hi < MARGIN and p < 0.05
    assert abs(mean) < 0.001
    assert tost(rng.normal(0.004, 0.002, 200))[3] > 0.5  # shifted beyond the margin
    assert tost(rng.normal(0, 0.05, 200))[3] > 0.05  # too noisy to show equivalence
    assert np.isnan(tost([0.001])[3])  # one pair: no test


def test_pair_plan_narrows_to_the_strategies_a_change_touches():
    plan = pair_plan("typiclust-warm-start", datasets=("trec6",), encoders=("glove50",))
    assert set(plan["strategy"]) == {"typiclust"} and len(plan) == 10
    assert list(plan["ips"][:2]) == ["random", "typiclust"]
    plan = pair_plan("refit-warm-start", datasets=("trec6",), encoders=("glove50",), seeds=[0])
    assert list(plan["strategy"]) == list(NAMES)
    with pytest.raises(Exception, match="change"):
        pair_plan("no-such-change")


def _runs(change, diffs_by_strategy, agreement=1.0):
    rows = []
    for strategy, diffs in diffs_by_strategy.items():
        for i, d in enumerate(diffs):
            rows.append(
                {
                    "change": change,
                    "strategy": strategy,
                    "seed": i,
                    "aulc_base": 0.8,
                    "aulc_new": 0.8 + d,
                    "fit_agreement_min": agreement,
                    "cpu_base": 2.0,
                    "cpu_new": 1.0,
                }
            )
    return pd.DataFrame(rows)


def test_equivalence_table_verdicts():
    rng = np.random.default_rng(1)
    tight = {"margin": rng.normal(0, 0.001, 120), "badge": rng.normal(0, 0.001, 120)}
    table = equivalence_table(_runs("a", tight)).set_index(["change", "strategy"])
    assert table.loc[("a", "all"), "verdict"] == "accepted"
    assert table.loc[("a", "margin"), "verdict"] == "equivalent"
    assert table.loc[("a", "all"), "cpu_speedup"] == pytest.approx(2.0)
    shifted = {"margin": rng.normal(0, 0.001, 120), "badge": rng.normal(0.01, 0.001, 120)}
    table = equivalence_table(_runs("b", shifted)).set_index(["change", "strategy"])
    assert table.loc[("b", "all"), "verdict"] == "failed"
    assert table.loc[("b", "badge"), "verdict"] == "not equivalent"
    few = equivalence_table(_runs("c", {"margin": rng.normal(0, 0.001, 30)}))
    assert set(few["verdict"]) == {"too few pairs"}
    # an interval wholly outside the margin stops early: not equivalent on 30 pairs
    early = equivalence_table(_runs("e", {"typiclust": rng.normal(0.012, 0.002, 30)}))
    assert early.set_index("strategy").loc["typiclust", "verdict"] == "not equivalent"
    assert early.set_index("strategy").loc["all", "verdict"] == "failed"
    bad_fits = equivalence_table(_runs("d", tight, agreement=0.99))
    assert bad_fits.set_index("strategy").loc["all", "verdict"] == "failed"


def test_paired_runs_and_single_fits_on_a_tiny_pool():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 60)
    X = rng.normal(size=(180, 6)) + y[:, None]
    pool = (X, y, X[::3], y[::3])
    row = {"strategy": "margin", "ips": "random", "seed": 0}
    base, _, _ = _one_run(pool, row, {}, 60, 4)
    same, _, _ = _one_run(pool, row, {"threads": 1}, 60, 4)
    pd.testing.assert_frame_equal(
        base.drop(columns=["fit_seconds", "query_seconds", "eval_seconds", "cpu_seconds"]),
        same.drop(columns=["fit_seconds", "query_seconds", "eval_seconds", "cpu_seconds"]),
    )
    assert _fit_agreement(pool, base, 0, {}, {}) == 1.0
    loose = CHANGES["refit-tol-1e-3"].new
    assert 0.9 <= _fit_agreement(pool, base, 0, {}, loose) <= 1.0


def _toy_runs(n, rng):
    strategy = rng.choice(["random", "margin"], n)
    pool = rng.choice([2000, 5000, 11000], n)
    dim = rng.choice([50, 256], n)
    budget = rng.choice([150, 1000, 2000], n)
    classes = rng.choice([2, 6, 20], n)
    fit = 1e-4 * budget * dim**0.5 * classes**0.3
    query = np.where(strategy == "margin", 2e-4, 1e-4) * pool * dim**0.2
    return pd.DataFrame(
        {
            "strategy": strategy,
            "pool": pool,
            "dim": dim,
            "budget": budget,
            "classes": classes,
            "fit_seconds": fit,
            "query_seconds": query,
            "eval_seconds": 0.0,
            "cpu_seconds": fit + query,
            "seconds": fit + query,
        }
    )


def test_check_model_on_runs_it_was_not_fitted_to():
    rng = np.random.default_rng(2)
    per_run, summary = check_model(_toy_runs(60, rng), _toy_runs(40, rng))
    assert summary["runs"] == 40
    assert summary["total_ratio"] == pytest.approx(1.0, abs=0.05)
    assert per_run["ratio"].between(0.8, 1.25).all()


def test_sample_configs_spread_and_exclude():
    from alcore.runs.experiment import load_profile

    grid = load_profile("quick")
    spread = sample_configs(grid, 8, spread=True, random_state=0)
    assert len({(c.dataset, c.strategy) for c in spread}) == 8
    assert all(c.cycles for c in spread)
    again = sample_configs(grid, 8, random_state=3, exclude={c.key() for c in spread})
    assert not {c.key() for c in again} & {c.key() for c in spread}
    only = sample_configs(grid, 5, encoders=["glove50"], random_state=0)
    assert {c.encoder for c in only} == {"glove50"}


def test_cost_model_never_extrapolates_steeper_than_quadratic():
    from alcore.bench.cost import MAX_EXPONENT, cost_model

    rng = np.random.default_rng(3)
    runs = _toy_runs(30, rng)
    runs["query_seconds"] = 1e-12 * runs["pool"] ** 3.0  # noise of a few runs, say
    runs["cpu_seconds"] = runs["fit_seconds"] + runs["query_seconds"]
    predict = cost_model(runs)
    for coef in predict.query_coef.values():
        assert coef["pool"] == pytest.approx(MAX_EXPONENT)
    assert all(predict.fit_coef[k] >= 0 for k in ("budget", "dim", "classes"))


def test_store_runs_one_row_per_run_with_its_shape():
    from alcore.bench.cost import cost_model, store_runs

    rows = []
    for key, strategy, cpu in (("a", "random", 0.1), ("b", "margin", 0.3)):
        for _cycle in range(3):
            rows.append(
                {
                    "run_key": key,
                    "dataset": "trec6",
                    "encoder": "glove50",
                    "ips": "random",
                    "strategy": strategy,
                    "seed": 0,
                    "budget": 60,
                    "k0": 10,
                    "cycles": 2,
                    "pool_cap": 2000,
                    "run_seconds": 1.0,
                    "cpu_seconds": cpu,
                    "fit_seconds": 0.1,
                    "query_seconds": 0.2,
                    "eval_seconds": 0.05,
                }
            )
    runs = store_runs(pd.DataFrame(rows))
    assert runs["run_key"].tolist() == ["a", "b"]
    assert runs["pool"].tolist() == [2000, 2000] and runs["dim"].tolist() == [50, 50]
    assert runs["cpu_seconds"].tolist() == pytest.approx([0.3, 0.9])
    assert runs["fit_seconds"].tolist() == pytest.approx([0.3, 0.3])
    predict = cost_model(runs)  # the shared classifier part plus each strategy's query part
    assert predict("margin", 2000, 50, 6, 60) > predict("random", 2000, 50, 6, 60) > 0
