"""run_grid: skipping, determinism, failures, kill -9 resume, loky and Dask executors.

Tiny synthetic embeddings come from ``tests/toy_embeddings.py`` (importable by subprocesses
and worker processes through ``PYTHONPATH``).
"""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from alcore.experiment import RunConfig
from alcore.grid import run_grid
from alcore.store import ResultStore, load_results, load_upper_bounds

LOADER = "toy_embeddings:load"


@pytest.fixture(autouse=True)
def _env(toy_loader_env):
    pass


def _configs(datasets=("toy",), strategies=("random", "margin"), seeds=(0, 1), cycles=3):
    return [RunConfig(d, "e1", "random", 4, s, seed, 4 + 3 * cycles, cycles)
            for d in datasets for s in strategies for seed in seeds]


def _by_run(store):
    df = load_results(store)
    return {k: (g["accuracy"].tolist(), [list(p) for p in g["picked"]])
            for k, g in df.groupby("run_key")}


def test_grid_skips_done_runs_and_is_bit_identical(tmp_path):
    configs = _configs() + _configs()[:1]  # a duplicate is run once
    s1 = run_grid(configs, tmp_path / "a", load_embeddings=LOADER, progress=False)
    assert (s1["total"], s1["done"], s1["failed"], s1["upper_bounds"]) == (4, 4, 0, 1)
    s2 = run_grid(configs, tmp_path / "a", load_embeddings=LOADER, progress=False)
    assert (s2["already_done"], s2["done"], s2["upper_bounds"]) == (4, 0, 0)
    run_grid(configs, tmp_path / "b", load_embeddings=LOADER, progress=False)
    a, b = _by_run(tmp_path / "a"), _by_run(tmp_path / "b")
    assert a == b and len(a) == 4  # same config + seed: identical accuracies and picks
    df = load_results(tmp_path / "a")
    assert len(df) == 4 * 4 and (df.groupby("run_key").cycle.max() == 3).all()
    assert load_upper_bounds(tmp_path / "a").accuracy.between(0, 1).all()


def test_failing_run_is_recorded_and_retried(tmp_path, capsys):
    configs = _configs(datasets=("toy", "broken"), strategies=("random",), seeds=(0,))
    s = run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)
    assert (s["done"], s["failed"]) == (1, 2)  # the broken run and its upper bound
    store = ResultStore(tmp_path)
    assert store.failed_keys() == {configs[1].key(), "upper__broken__e1"}
    assert "broken on purpose" in store.failures().set_index("run_key").loc[
        configs[1].key(), "error"]
    from alcore.cli import main as cli_main

    assert cli_main(["results", "--store", str(tmp_path)]) == 0  # lists the failure's error
    assert "broken on purpose" in capsys.readouterr().out
    s = run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)
    assert (s["done"], s["failed"], s["skipped_failed"]) == (0, 0, 1)
    # the cause is fixed (another loader): only --retry-failed re-runs it
    s = run_grid(configs, tmp_path, load_embeddings="toy_embeddings:load_all", progress=False,
                 retry_failed=True)
    assert (s["done"], s["failed"], s["upper_bounds"]) == (1, 0, 1)
    assert store.failed_keys() == set() and len(store.done_keys()) == 2


def test_kill_9_mid_grid_resumes_without_loss_or_duplicates(tmp_path):
    cfg = tmp_path / "toy.yaml"
    cfg.write_text("datasets: [toy, toy4]\nencoders: [e1]\nips: [random]\nk0: [4]\n"
                   "strategies: [random, margin]\nseeds: [0, 1]\nbudget: 10\n"
                   "cycles: 2\n")
    store = tmp_path / "store"
    cmd = [sys.executable, "-m", "alcore", "run", "--config", str(cfg), "--store", str(store),
           "--embeddings", LOADER, "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    runs = store / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if runs.is_dir() and len(list(runs.glob("*.parquet"))) >= 2:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = ResultStore(store).done_keys()
    assert 2 <= len(done_before) < 8, "the grid must be killed mid-way"
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"{len(done_before)} already done, {8 - len(done_before)} done now" in out.stdout
    df = load_results(store)
    assert df.run_key.nunique() == 8 and len(df) == 8 * 3
    assert not df.duplicated(["run_key", "cycle"]).any()
    assert len(list(runs.glob("*.parquet"))) == 8


def test_loky_workers_match_in_process_and_a_dying_worker_is_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr("alcore.grid.MAX_WORKER_DEATHS", 1)  # each respawn costs seconds
    configs = _configs(strategies=("random", "entropy"), seeds=(0,))
    dying = RunConfig("die", "e1", "random", 4, "random", 0, 13, 3)
    ResultStore(tmp_path / "two").write_upper("die", "e1", {"accuracy": 0, "macro_f1": 0})
    run_grid(configs, tmp_path / "one", load_embeddings=LOADER, progress=False)
    s = run_grid(configs + [dying], tmp_path / "two", jobs=2,
                 load_embeddings="toy_embeddings:load_dying", progress=False)
    assert s["done"] == 2 and dying.key() in s["failed_keys"]
    assert "died" in ResultStore(tmp_path / "two").failures().error.str.cat()
    assert _by_run(tmp_path / "one") == _by_run(tmp_path / "two")


def test_dask_local_cluster_matches_local_executor(tmp_path):
    distributed = pytest.importorskip("distributed")
    configs = _configs(datasets=("toy", "toy4"), strategies=("random", "margin"), seeds=(0,))
    run_grid(configs, tmp_path / "local", load_embeddings=LOADER, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            s = run_grid(configs, tmp_path / "dask", scheduler=client,
                         load_embeddings=LOADER, progress=False)
    assert (s["done"], s["failed"], s["upper_bounds"]) == (4, 0, 2)
    local, dask = _by_run(tmp_path / "local"), _by_run(tmp_path / "dask")
    assert local == dask and len(local) == 4
    up_l, up_d = load_upper_bounds(tmp_path / "local"), load_upper_bounds(tmp_path / "dask")
    np.testing.assert_array_equal(up_l.sort_values("dataset").accuracy,
                                  up_d.sort_values("dataset").accuracy)
