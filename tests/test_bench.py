"""Tests of the strategy benchmark (alcore.bench) at tiny sizes."""

import numpy as np
import pandas as pd
import pytest

from alcore.bench import (
    BACKENDS,
    COLUMNS,
    SkactivemlStrategy,
    cluster_with,
    clustering_backends,
    compare_accuracy,
    estimate_bytes,
    make_data,
    run_benchmark,
    write_table,
)
from alcore.core.errors import UnknownNameError


def test_make_data_seeded():
    X, y = make_data(200, 8, 4, random_state=1)
    X2, y2 = make_data(200, 8, 4, random_state=1)
    assert X.dtype == np.float32 and X.shape == (200, 8) and set(y) == {0, 1, 2, 3}
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_run_benchmark_writes_table(tmp_path):
    # one fresh subprocess (scikit-activeml); the alcore side runs in the CLI test below
    df = run_benchmark(
        "default", ["random"], impls=("skactiveml",), n=400, dim=8, classes=3, batch=10, timeout=120
    )
    assert list(df.columns[: len(COLUMNS)]) == COLUMNS
    assert df["status"].tolist() == ["ok"], df["status"].tolist()
    assert (df["seconds"] > 0).all() and (df["peak_mb"] >= 0).all()
    assert df["blas_threads"].astype(str).eq("1").all()
    out = tmp_path / "bench.csv"
    write_table(df[COLUMNS], out)
    back = pd.read_csv(out)
    assert list(back.columns) == COLUMNS and len(back) == 1
    write_table(df[COLUMNS], out)  # same setting again: replaced, not appended
    assert len(pd.read_csv(out)) == 1
    write_table(df[COLUMNS].assign(setting="other"), out)  # another setting: kept both
    assert sorted(pd.read_csv(out)["setting"]) == ["n=400,dim=8", "other"]
    write_table(df[COLUMNS].assign(setting="other", impl="alcore"), out)  # another impl: kept
    assert len(pd.read_csv(out)) == 3


def test_cannot_run_is_reported_not_started():
    df = run_benchmark("huge", ["probcover"], impls=("skactiveml",), timeout=5)
    assert df["status"].iloc[0].startswith("cannot run: needs")
    assert np.isnan(df["seconds"].iloc[0])
    assert estimate_bytes("probcover", "skactiveml", 650000, 384) > 3e12


def test_bad_benchmark_input():
    with pytest.raises(UnknownNameError):
        run_benchmark("nope")
    with pytest.raises(UnknownNameError):
        run_benchmark("default", ["nope"])
    with pytest.raises(ValueError, match="too small"):
        run_benchmark("default", ["random"], n=50, classes=3, batch=40)
    with pytest.raises(ValueError, match="impl"):
        run_benchmark("default", ["random"], impls=("sklearn",), n=400)
    for bad in (0, -1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="repeat"):
            run_benchmark("default", ["random"], n=400, repeat=bad)


def test_repeated_measurements_give_medians_and_the_range():
    from alcore.bench.queries import _summarise

    runs = [
        {
            "status": "ok",
            "seconds": s,
            "warm_seconds": w,
            "peak_mb": m,
            "rss_mb": m,
            "tracemalloc_mb": 1.0,
            "blas_threads": "1",
        }
        for s, w, m in [(3.0, 2.0, 10.0), (1.0, 1.0, 30.0), (2.0, 5.0, 20.0)]
    ]
    out = _summarise(runs)
    assert (out["seconds"], out["warm_seconds"], out["peak_mb"]) == (2.0, 2.0, 30.0)
    assert (out["repeats"], out["seconds_min"], out["seconds_max"]) == (3, 1.0, 3.0)
    failed = {"status": "timeout after 5 s"}
    assert _summarise([*runs, failed]) == failed  # one failure: the row reports it


def test_skactiveml_adapter_in_the_loop():
    X, y = make_data(300, 6, 3, random_state=0)
    Xt, yt = make_data(100, 6, 3, random_state=0)
    df = compare_accuracy(X, y, Xt, yt, ["random", "margin"], k0=10, batch=10, cycles=2, seeds=(0,))
    assert len(df) == 4 and set(df["impl"]) == {"alcore", "skactiveml"}
    assert df["accuracy"].between(0, 1).all()
    picks = SkactivemlStrategy("margin", n_classes=3, random_state=0)
    y_pool = np.full(300, np.nan)
    y_pool[:20] = y[:20]
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(max_iter=1000).fit(X[:20], y[:20])
    idx = picks.query(X, y_pool, clf=clf, fit_clf=False, batch_size=5)
    assert len(set(idx)) == 5 and np.isnan(y_pool[idx]).all()


def test_cli_budget_and_strategies(tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    import alcore.cli.bench as cli_bench
    from alcore.cli import main

    X, y = make_data(400, 4, 3, random_state=0)
    Xt, yt = make_data(150, 4, 3, random_state=0)
    monkeypatch.setattr(
        cli_bench, "_load", lambda d, e: SimpleNamespace(X_train=X, y_train=y, X_test=Xt, y_test=yt)
    )
    out, curves = tmp_path / "budgets.csv", tmp_path / "curves.csv"
    assert (
        main(
            [
                "bench",
                "budget",
                "--dataset",
                "trec6",
                "--seeds",
                "1",
                "--out",
                str(out),
                "--curves",
                str(curves),
            ]
        )
        == 0
    )
    df = pd.read_csv(out)
    assert df["dataset"].tolist() == ["trec6"] and 1 <= df["budget"].iloc[0] <= 400
    assert {"n_labelled", "seed", "accuracy", "dataset"} <= set(pd.read_csv(curves).columns)
    table = tmp_path / "bench.csv"
    assert (
        main(
            [
                "bench",
                "strategies",
                "--n",
                "300",
                "--dim",
                "4",
                "--classes",
                "3",
                "--batch",
                "5",
                "--strategies",
                "random",
                "--impls",
                "alcore",
                "--out",
                str(table),
            ]
        )
        == 0
    )
    assert pd.read_csv(table)["status"].tolist() == ["ok"]
    assert (
        main(
            [
                "bench",
                "strategies",
                "--n",
                "300",
                "--dim",
                "4",
                "--classes",
                "3",
                "--batch",
                "5",
                "--strategies",
                "probcover",
                "--impls",
                "alcore",
                "--no-tracemalloc",
                "--out",
                str(table),
            ]
        )
        == 0
    )
    row = pd.read_csv(table).iloc[-1]
    assert row["strategy"] == "probcover" and row["status"] == "ok"
    assert row["warm_seconds"] > 0 and row["seconds"] > 0  # second, cached query timed too
    assert main(["bench", "strategies", "--setting", "nope", "--out", ""]) == 2
    assert "unknown setting" in capsys.readouterr().err


def test_cost_check_on_stores_drops_the_runs_it_was_fitted_to(tmp_path, toy_loader_env, capsys):
    """Fit the cost model to one store's runs, check it on another's: a run in both is
    dropped from the check (it would check the model on its own data)."""
    from alcore.cli import main
    from alcore.runs.experiment import RunConfig
    from alcore.runs.grid import run_grid

    def grid(store, seeds):
        configs = [
            RunConfig("trec6", "glove50", "random", 6, s, seed, 18, 2)
            for s in ("random", "margin", "coreset")
            for seed in seeds
        ]
        run_grid(configs, tmp_path / store, load_embeddings="toy_embeddings:load", progress=False)

    grid("fit", (0, 1))
    grid("check", (0, 1, 2))
    argv = ["bench", "cost-check", "--fit", str(tmp_path / "fit"), "--out", ""]
    assert main([*argv, "--check", str(tmp_path / "check")]) == 0
    assert "'runs': 3," in capsys.readouterr().out  # seed 2's three runs only
    assert main([*argv, "--check", str(tmp_path / "fit")]) == 2
    assert "no AL runs that are not also in" in capsys.readouterr().err


def test_clustering_backends_time_each_backend_and_compare_its_objective():
    """One row per pool and back-end; the exact k-means is the objective's reference, and
    on well-separated blobs every back-end finds (nearly) the same partition."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(6, 16)) * 10
    X = (centres[rng.integers(6, size=600)] + rng.normal(size=(600, 16))).astype(np.float32)
    df = clustering_backends({"blobs": X}, {"blobs": 21 * 6}, seeds=range(2))
    assert list(df["backend"]) == list(BACKENDS)
    assert set(df["n_clusters"]) == {min(21 * 6 - 6, 600 // 12)}
    assert (df["cpu_seconds"] >= 0).all()
    exact = df.set_index("backend").loc["exact"]
    assert exact["objective_ratio"] == 1.0
    assert df["objective_ratio"].between(0.5, 2.0).all()
    with pytest.raises(ValueError, match="unknown clustering back-end 'lloyd'"):
        cluster_with("lloyd", X, 6, 0)
