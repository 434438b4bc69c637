"""run_grid: skipping, determinism, failures, kill -9 resume, loky and Dask executors.

Tiny synthetic embeddings come from ``tests/toy_embeddings.py`` (importable by subprocesses
and worker processes through ``PYTHONPATH``).
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from alcore.runs.experiment import RunConfig
from alcore.runs.grid import run_grid
from alcore.runs.store import CYCLE_COLUMNS, ResultStore, load_results, load_upper_bounds

LOADER = "toy_embeddings:load"


@pytest.fixture(autouse=True)
def _env(toy_loader_env):
    pass


def _configs(datasets=("toy",), strategies=("random", "margin"), seeds=(0, 1), cycles=3):
    return [
        RunConfig(d, "e1", "random", 4, s, seed, 4 + 3 * cycles, cycles)
        for d in datasets
        for s in strategies
        for seed in seeds
    ]


def _by_run(store):
    df = load_results(store)
    return {
        k: (g["accuracy"].tolist(), [list(p) for p in g["picked"]])
        for k, g in df.groupby("run_key")
    }


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
    assert (
        "broken on purpose" in store.failures().set_index("run_key").loc[configs[1].key(), "error"]
    )
    from alcore.cli import main as cli_main

    assert cli_main(["results", "--store", str(tmp_path)]) == 0  # lists the failure's error
    assert "broken on purpose" in capsys.readouterr().out
    s = run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)
    assert (s["done"], s["failed"], s["skipped_failed"]) == (0, 0, 1)
    # the cause is fixed (another loader): only --retry-failed re-runs it
    s = run_grid(
        configs,
        tmp_path,
        load_embeddings="toy_embeddings:load_all",
        progress=False,
        retry_failed=True,
    )
    assert (s["done"], s["failed"], s["upper_bounds"]) == (1, 0, 1)
    assert store.failed_keys() == set() and len(store.done_keys()) == 2


def test_kill_9_mid_grid_resumes_without_loss_or_duplicates(tmp_path):
    cfg = tmp_path / "toy.yaml"
    cfg.write_text(
        "datasets: [toy, toy4]\nencoders: [e1]\nips: [random]\nk0: [4]\n"
        "strategies: [random, margin]\nseeds: [0, 1]\nbudget: 10\n"
        "cycles: 2\n"
    )
    store = tmp_path / "store"
    cmd = [
        sys.executable,
        "-m",
        "alcore",
        "run",
        "--config",
        str(cfg),
        "--store",
        str(store),
        "--embeddings",
        LOADER,
        "--no-progress",
    ]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    monkeypatch.setattr("alcore.runs.grid_exec.MAX_WORKER_DEATHS", 1)  # each respawn costs seconds
    configs = _configs(strategies=("random", "entropy"), seeds=(0,))
    dying = RunConfig("die", "e1", "random", 4, "random", 0, 13, 3)
    ResultStore(tmp_path / "two").write_upper("die", "e1", {"accuracy": 0, "macro_f1": 0})
    run_grid(configs, tmp_path / "one", load_embeddings=LOADER, progress=False)
    s = run_grid(
        configs + [dying],
        tmp_path / "two",
        jobs=2,
        load_embeddings="toy_embeddings:load_dying",
        progress=False,
    )
    assert s["done"] == 2 and dying.key() in s["failed_keys"]
    assert "died" in ResultStore(tmp_path / "two").failures().error.str.cat()
    assert _by_run(tmp_path / "one") == _by_run(tmp_path / "two")


def test_dask_local_cluster_matches_local_executor(tmp_path):
    distributed = pytest.importorskip("distributed")
    configs = _configs(datasets=("toy", "toy4"), strategies=("random", "margin"), seeds=(0,))
    run_grid(configs, tmp_path / "local", load_embeddings=LOADER, progress=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            s = run_grid(
                configs, tmp_path / "dask", scheduler=client, load_embeddings=LOADER, progress=False
            )
    assert (s["done"], s["failed"], s["upper_bounds"]) == (4, 0, 2)
    local, dask = _by_run(tmp_path / "local"), _by_run(tmp_path / "dask")
    assert local == dask and len(local) == 4
    up_l, up_d = load_upper_bounds(tmp_path / "local"), load_upper_bounds(tmp_path / "dask")
    np.testing.assert_array_equal(
        up_l.sort_values("dataset").accuracy, up_d.sort_values("dataset").accuracy
    )


# -- run identity and shared stores (issue 13) --------------------------------------------------
def _shifted(dataset, encoder):
    """Other embeddings of the same data (another --embeddings loader, a re-embedding)."""
    import toy_embeddings

    emb = toy_embeddings.load(dataset, encoder)
    emb.X_train = emb.X_train[:, ::-1].copy()
    emb.X_test = emb.X_test[:, ::-1].copy()
    return emb


def _relabelled(dataset, encoder):
    """The same texts with edited labels (an edited CSV)."""
    import toy_embeddings

    emb = toy_embeddings.load(dataset, encoder)
    emb.y_train = emb.y_train.copy()
    emb.y_train[:20] = (emb.y_train[:20] + 1) % 3
    return emb


@pytest.mark.parametrize("other", [_shifted, _relabelled])
def test_other_embeddings_or_data_recompute_every_run(tmp_path, other):
    configs = _configs()
    s1 = run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)
    before = load_results(tmp_path)
    s2 = run_grid(configs, tmp_path, load_embeddings=other, progress=False)
    assert (s1["done"], s2["already_done"], s2["done"], s2["upper_bounds"]) == (4, 0, 4, 1)
    after = load_results(tmp_path)
    # replaced, not duplicated: one file per config, all with the new identity
    assert len(after) == len(before) and after.run_key.nunique() == 4
    assert after.emb_fp.nunique() == 1 and set(after.emb_fp) != set(before.emb_fp)
    s3 = run_grid(configs, tmp_path, load_embeddings=other, progress=False)
    assert (s3["already_done"], s3["done"], s3["upper_bounds"]) == (4, 0, 0)


def test_a_new_strategy_version_reruns_exactly_its_runs(tmp_path, monkeypatch):
    """Raising a strategy's ``version`` (its picks changed) makes its stored runs stale: they
    run again and their files are replaced; the other strategies' runs stay done."""
    from alcore.engine.strategies.uncertainty import MarginSampling

    configs = _configs()
    assert run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)["done"] == 4
    monkeypatch.setattr(MarginSampling, "version", 2)
    s = run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)
    assert (s["already_done"], s["done"], s["upper_bounds"]) == (2, 2, 0)
    codes = load_results(tmp_path).groupby("strategy").run_key.nunique()
    assert codes.to_dict() == {"margin": 2, "random": 2}  # replaced, not duplicated
    store = ResultStore(tmp_path)
    margin = [c for c in configs if c.strategy == "margin"]
    assert all("strategy:margin=2" in store.run_identity(c.key())["code"] for c in margin)
    assert run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)["done"] == 0


def test_a_run_file_without_code_identity_is_stale(tmp_path):
    """A run stored before runs recorded their code (or by other code) is run again."""
    configs = _configs(strategies=("random",), seeds=(0,))
    run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)
    store = ResultStore(tmp_path)
    key = configs[0].key()
    ident = store.run_identity(key)
    cycles = load_results(tmp_path)[list(CYCLE_COLUMNS)]
    old = {"data": ident["data"], "embeddings": ident["embeddings"]}  # no "code"
    store.write_run(configs[0], cycles, 1.0, identity=old)
    assert store.run_identity(key)["code"] is None
    assert run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)["done"] == 1
    assert store.run_identity(key) == ident


def test_a_changed_dataset_fingerprint_recomputes(tmp_path, monkeypatch):
    from alcore.runs import grid_inputs

    configs = _configs(seeds=(0,))
    monkeypatch.setattr(grid_inputs, "_is_alcore_dataset", lambda d: True)
    monkeypatch.setattr(grid_inputs, "data_fingerprint", lambda d: "v1")
    assert run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)["done"] == 2
    assert run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)["done"] == 0
    monkeypatch.setattr(grid_inputs, "data_fingerprint", lambda d: "v2")  # the CSV was edited
    s = run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)
    assert (s["done"], s["upper_bounds"]) == (2, 1) and set(load_results(tmp_path).data_fp) == {
        "v2"
    }


def test_sidecar_fingerprint_follows_the_cache(tmp_path):
    import json
    from types import SimpleNamespace

    from alcore.runs.grid_inputs import _sidecar_fp

    meta = {}
    for split in ("train", "test"):
        (tmp_path / f"{split}.json").write_text(json.dumps({"sha256": f"{split}-a"}))
        meta[f"path_{split}"] = str(tmp_path / f"{split}.npy")
    emb = SimpleNamespace(meta=meta)
    first = _sidecar_fp(emb)
    (tmp_path / "test.json").write_text(json.dumps({"sha256": "test-b"}))  # re-embedded
    assert first.startswith("cache:") and _sidecar_fp(emb) != first


def test_a_run_refuses_embeddings_that_changed_since_planning():
    from alcore.runs.grid_inputs import embeddings, pair_identity, run_one

    ident = pair_identity("toy", "e1", _shifted)
    embeddings("toy", "e1", LOADER)
    with pytest.raises(RuntimeError, match="changed while the grid ran"):
        run_one(_configs()[0], load_embeddings=LOADER, identity=ident)


def test_a_loader_that_cannot_be_imported_fails_before_any_work(tmp_path):
    for bad in ("no_such_module_xyz:load", "toy_embeddings:no_such_fn", "toy_embeddings"):
        with pytest.raises(ValueError, match="loader|module:function"):
            run_grid(_configs(), tmp_path / "s", load_embeddings=bad, progress=False)
    assert not (tmp_path / "s").exists()
    from alcore.cli import main as cli_main

    cfg = tmp_path / "g.yaml"
    cfg.write_text(
        "datasets: [toy]\nencoders: [e1]\nips: [random]\nk0: [4]\n"
        "strategies: [random]\nseeds: [0]\nbudget: 10\ncycles: 2\n"
    )
    assert (
        cli_main(
            [
                "run",
                "--config",
                str(cfg),
                "--store",
                str(tmp_path / "s"),
                "--embeddings",
                "no_such_module_xyz:load",
                "--no-progress",
            ]
        )
        == 2
    )
    assert not (tmp_path / "s").exists()


_SLOW_LOADER = """
import os, time
import toy_embeddings

def load(dataset, encoder):
    pids = os.environ.get("SLOW_TOY_PIDS")
    if pids:
        open(os.path.join(pids, str(os.getpid())), "w").close()
    time.sleep(float(os.environ.get("SLOW_TOY_SECONDS", "0.3")))
    return toy_embeddings.load(dataset, encoder)
"""


def _slow_env(tmp_path, **extra):
    import os

    (tmp_path / "slowtoy.py").write_text(_SLOW_LOADER)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env["PYTHONPATH"]])
    env.update({k: str(v) for k, v in extra.items()})
    return env


def test_two_runners_on_one_store_share_the_work(tmp_path):
    import re

    cfg = tmp_path / "g.yaml"
    cfg.write_text(
        "datasets: [toy]\nencoders: [e1, e2, e3, e4, e5, e6, e7, e8]\n"
        "ips: [random]\nk0: [4]\nstrategies: [random]\nseeds: [0]\n"
        "budget: 10\ncycles: 2\n"
    )
    store = tmp_path / "store"
    cmd = [
        sys.executable,
        "-m",
        "alcore",
        "run",
        "--config",
        str(cfg),
        "--store",
        str(store),
        "--embeddings",
        "slowtoy:load",
        "--no-progress",
    ]
    env = _slow_env(tmp_path)
    procs = [
        subprocess.Popen(
            cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    done = [int(re.search(r"(\d+) done now", o[0]).group(1)) for o in outs]
    uppers = [int(re.search(r"(\d+) upper bounds", o[0]).group(1)) for o in outs]
    assert sum(done) == 8 and sum(uppers) == 8  # every run and bound computed exactly once
    assert len(ResultStore(store).done_keys()) == 8 and not ResultStore(store).failed_keys()


def test_sigterm_stops_the_worker_processes(tmp_path):
    import os

    cfg = tmp_path / "g.yaml"
    cfg.write_text(
        "datasets: [toy]\nencoders: [e1, e2, e3, e4]\nips: [random]\nk0: [4]\n"
        "strategies: [random]\nseeds: [0]\nbudget: 10\ncycles: 2\n"
    )
    pids = tmp_path / "pids"
    pids.mkdir()
    env = _slow_env(tmp_path, SLOW_TOY_SECONDS=600, SLOW_TOY_PIDS=pids)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alcore",
            "run",
            "--config",
            str(cfg),
            "--store",
            str(tmp_path / "store"),
            "--embeddings",
            "slowtoy:load",
            "--jobs",
            "2",
            "--no-progress",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(pids.iterdir())) < 2:
        time.sleep(0.05)
    workers = [int(p.name) for p in pids.iterdir()]
    assert len(workers) == 2, "the workers never started"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) != 0

    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    deadline = time.monotonic() + 60  # the workers sleep for 600 s unless they are killed
    while time.monotonic() < deadline and any(map(alive, workers)):
        time.sleep(0.1)
    assert not any(map(alive, workers))


def test_alcore_book_runs_the_grid_into_results_stem_and_builds_its_book(tmp_path, monkeypatch):
    from alcore.cli import book
    from alcore.cli import main as cli_main

    calls = []
    monkeypatch.setattr(book, "_build", lambda cmd: calls.append(cmd) or 0)
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "mygrid.yaml"
    cfg.write_text(
        "datasets: [toy]\nencoders: [e1]\nips: [random]\nk0: [4]\n"
        "strategies: [random, margin]\nseeds: [0]\nbudget: 10\ncycles: 2\n"
    )
    assert (
        cli_main(
            ["book", "--config", str(cfg), "--embeddings", LOADER, "--no-progress", "--no-build"]
        )
        == 0
    )
    assert len(ResultStore(tmp_path / "results" / "mygrid").done_keys()) == 2
    (cmd,) = calls
    assert cmd[1:3] == ["-m", "alcore.report.build"] and cmd[3:] == [
        "--profile",
        "mygrid",
        "--store",
        str(Path("results") / "mygrid"),
        "--no-build",
    ]


def test_a_user_dataset_entry_in_a_grid_end_to_end(tmp_path, linked_home, monkeypatch):
    from alcore.cli import book
    from alcore.cli import main as cli_main
    from alcore.runs.experiment import Grid

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(book, "_build", lambda cmd: 0)
    rng = np.random.default_rng(0)
    words = ["rain", "goal", "stock", "phone", "river", "match", "market", "chip"]
    rows = [f"{' '.join(rng.choice(words, 5))} {i},{['a', 'b', 'c'][i % 3]}" for i in range(300)]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "my.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
    cfg = tmp_path / "g.yaml"
    cfg.write_text(
        "datasets: [{name: mycsv, path: data/my.csv, text_col: text, "
        "label_col: label, budget: 40}]\nencoders: [glove50]\nips: [random]\n"
        "k0: [batch]\nstrategies: [random]\nseeds: [0]\ncycles: 4\n"
    )
    configs = Grid.from_yaml(cfg).configs()  # the path is relative to the YAML's folder
    assert {(c.dataset, c.budget, c.k0) for c in configs} == {("mycsv", 40, 8)}
    too_big = tmp_path / "big.yaml"
    too_big.write_text(cfg.read_text().replace("cycles: 4", "cycles: 4\nbudget: 4000"))
    with pytest.raises(ValueError, match="larger than the training pool"):
        Grid.from_yaml(too_big).configs()
    # your data, your book: embed, run into results/g/, build
    assert cli_main(["book", "--config", str(cfg), "--no-progress", "--no-build"]) == 0
    store = ResultStore(tmp_path / "results" / "g")
    assert len(store.done_keys()) == 1 and store.has_upper("mycsv", "glove50")
    first = load_results(store)
    # an edited CSV (same name, same config) recomputes the run
    (tmp_path / "data" / "my.csv").write_text(
        "text,label\n"
        + "\n".join(r.replace(",c", ",b") for r in rows[:150])
        + "\n"
        + "\n".join(rows[150:])
        + "\n"
    )
    assert cli_main(["book", "--config", str(cfg), "--no-progress", "--no-build"]) == 0
    second = load_results(store)
    assert len(store.done_keys()) == 1 and set(second.data_fp) != set(first.data_fp)


def test_an_empty_or_corrupt_upper_bound_is_recomputed(tmp_path):
    configs = _configs(seeds=(0,))
    run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)
    store = ResultStore(tmp_path)
    good = store.upper_record("toy", "e1")
    store.upper_path("toy", "e1").write_text("")  # what a full disk or a crash can leave
    with pytest.warns(UserWarning, match="unreadable upper bound"):
        s = run_grid(configs, tmp_path, load_embeddings=LOADER, progress=False)
    assert (s["already_done"], s["done"], s["upper_bounds"]) == (2, 0, 1)
    assert store.upper_record("toy", "e1")["accuracy"] == good["accuracy"]
    assert list(load_upper_bounds(tmp_path).dataset) == ["toy"]


def test_upper_bound_is_fitted_on_the_runs_pool(tmp_path):
    capped = [RunConfig("toy", "e1", "random", 4, "random", 0, 10, 2, pool_cap=50)]
    run_grid(capped, tmp_path, load_embeddings=LOADER, progress=False)
    rec = ResultStore(tmp_path).upper_record("toy", "e1")
    assert (rec["n_train"], rec["pool_cap"]) == (50, 50)
    run_grid(_configs(seeds=(0,)), tmp_path, load_embeddings=LOADER, progress=False)
    rec = ResultStore(tmp_path).upper_record("toy", "e1")  # another pool: recomputed
    assert (rec["n_train"], rec["pool_cap"]) == (200, None)


def test_a_ctrl_c_while_workers_start_is_not_lost():
    """On a loaded machine the workers take seconds to start; a Ctrl-C then must still reach
    the runner (pending while blocked), not vanish."""
    import os
    import signal

    from alcore.runs.workers import start_workers

    class Slow:
        _processes = ()

        def submit(self, fn):
            os.kill(os.getpid(), signal.SIGINT)  # arrives while the workers start
            time.sleep(0.2)

            class Done:
                def done(self):
                    return True

            return Done()

    # as in a terminal's Python, whatever an earlier test left in this process
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            start_workers(lambda **kw: Slow(), 1)
    finally:
        signal.signal(signal.SIGINT, previous)
