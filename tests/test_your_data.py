"""Your data stays yours: the registry, the YAML reader, classes after cleaning, no unasked
work and one-line CLI errors (issue 26). Each test is one case of the issue."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alcore import data
from alcore.cli import main
from alcore.runs.experiment import Grid
from alcore.runs.store import ResultStore

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
LOADER = "toy_embeddings:load"


@pytest.fixture
def home(tmp_path, monkeypatch, toy_loader_env):
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("ALCORE_HOME", str(h))
    monkeypatch.chdir(tmp_path)
    return h


def _csv(path, n=60, seed=0, labels=("ham", "spam")):
    rng = np.random.default_rng(seed)
    pd.DataFrame(
        {"text": [f"message number {i}" for i in range(n)], "label": rng.choice(labels, size=n)}
    ).to_csv(path, index=False)
    return path


def _record(home, name):
    return json.loads((home / "user_datasets" / f"{name}.json").read_text())


def _grid(path, datasets, **extra):
    spec = {
        "datasets": datasets,
        "encoders": ["e1"],
        "ips": ["random"],
        "k0": [4],
        "strategies": ["random"],
        "seeds": [0],
        "budget": 10,
        "cycles": 2,
        **extra,
    }
    path.write_text(json.dumps(spec))  # JSON is YAML
    return path


def _cli(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _one_clear_line(err, *words):
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert len([line for line in lines if "error" in line]) == 1, err
    for w in words:
        assert w in err, (w, err)


# ------------------------------------------------------------------ 1. the registry is the truth
def entry(name, path, **kw):
    return {"name": name, "path": str(path), "text_col": "text", "label_col": "label", **kw}


def test_a_grid_entry_cannot_repoint_a_registered_dataset(home, tmp_path):
    base, other = _csv(tmp_path / "base.csv"), _csv(tmp_path / "other.csv", seed=1)
    data.add_dataset("p2base", base, "text", "label")
    before = _record(home, "p2base")
    grid = Grid.from_yaml(_grid(tmp_path / "g.yaml", [entry("p2base", other)]))
    with pytest.raises(ValueError) as err:
        grid.configs(check_names=False)
    msg = str(err.value)
    for word in ("p2base", "base.csv", "other.csv", "replace: true", "another name"):
        assert word in msg
    assert "p2base.json" in msg
    assert _record(home, "p2base") == before  # nothing changed


def test_replace_true_registers_the_entry_again(home, tmp_path, capsys):
    base, other = _csv(tmp_path / "base.csv"), _csv(tmp_path / "other.csv", seed=1)
    data.add_dataset("p2base", base, "text", "label")
    grid = Grid.from_yaml(_grid(tmp_path / "g.yaml", [entry("p2base", other, replace=True)]))
    grid.configs(check_names=False)
    assert _record(home, "p2base")["path"] == str(other.resolve())
    assert "overwriting" in capsys.readouterr().err


def test_the_same_entry_again_changes_no_record(home, tmp_path):
    base = _csv(tmp_path / "base.csv")
    grid = Grid.from_yaml(_grid(tmp_path / "g.yaml", [entry("mine", "base.csv")]))
    grid.configs(check_names=False)
    rec = home / "user_datasets" / "mine.json"
    first = (rec.read_bytes(), rec.stat().st_mtime_ns)
    grid.configs(check_names=False)
    assert (rec.read_bytes(), rec.stat().st_mtime_ns) == first
    assert _record(home, "mine")["path"] == str(base.resolve())


def test_two_entries_with_one_name_are_an_error_before_any_record(home, tmp_path):
    a, b = _csv(tmp_path / "a.csv"), _csv(tmp_path / "b.csv", seed=1)
    grid = Grid.from_yaml(_grid(tmp_path / "g.yaml", [entry("dup", a), entry("dup", b)]))
    with pytest.raises(ValueError, match=r"datasets\[1\] and datasets\[0\] both name .*'dup'"):
        grid.configs(check_names=False)
    assert not (home / "user_datasets" / "dup.json").exists()


def test_an_entry_with_other_settings_is_an_error(home, tmp_path):
    base = _csv(tmp_path / "base.csv")
    data.add_dataset("mine", base, "text", "label", budget=20)
    grid = Grid.from_yaml(_grid(tmp_path / "g.yaml", [entry("mine", base, budget=30)]))
    with pytest.raises(ValueError, match="budget 20 there, 30 here"):
        grid.configs(check_names=False)
    assert _record(home, "mine")["budget"] == 20


def test_a_moved_file_is_found_before_any_work_and_no_run_fails(home, tmp_path, capsys):
    path = _csv(tmp_path / "data.csv")
    data.add_dataset("mine", path, "text", "label")
    g = _grid(tmp_path / "g.yaml", ["mine"])
    store = tmp_path / "store"
    rc, out, err = _cli(capsys, "run", "--config", g, "--store", store, "--embeddings", LOADER)
    assert rc == 0, err
    path.unlink()
    rc, out, err = _cli(capsys, "run", "--config", g, "--store", store, "--embeddings", LOADER)
    assert rc == 2
    _one_clear_line(err, "mine", "mine.json", str(path), "alcore data add mine")
    assert not list((store / "failed").glob("*.json"))  # the finished run is not "failed"
    rc, out, err = _cli(capsys, "results", "--store", store)
    assert rc == 0 and "1 runs done, 0 failed" in out


def test_a_changed_file_is_said_and_its_runs_are_computed_again(home, tmp_path, capsys):
    path = _csv(tmp_path / "data.csv")
    data.add_dataset("mine", path, "text", "label")
    g = _grid(tmp_path / "g.yaml", ["mine"])
    store = tmp_path / "store"
    assert _cli(capsys, "run", "--config", g, "--store", store, "--embeddings", LOADER)[0] == 0
    old = _record(home, "mine")["fingerprint"]
    _csv(path, seed=3)
    os.utime(path, ns=(1, 1))
    rc, out, err = _cli(
        capsys, "run", "--config", g, "--store", store, "--embeddings", LOADER, "--dry-run"
    )
    assert rc == 0 and "changed since it was registered" in err and "mine.json" in err
    assert "0 stored" in out and "1 to do" in out  # the same identity as the run computes
    assert _record(home, "mine")["fingerprint"] != old
    rc, out, err = _cli(capsys, "run", "--config", g, "--store", store, "--embeddings", LOADER)
    assert rc == 0 and "0 already done, 1 done now" in out


def test_dry_run_counts_what_the_run_does(home, tmp_path, capsys):
    path = _csv(tmp_path / "data.csv")
    data.add_dataset("mine", path, "text", "label")
    g = _grid(tmp_path / "g.yaml", ["mine"], seeds=[0, 1, 2])
    store = tmp_path / "store"
    args = ("run", "--config", g, "--store", store, "--embeddings", LOADER)
    assert "3 to do" in _cli(capsys, *args, "--dry-run")[1]
    assert "3 done now" in _cli(capsys, *args)[1]
    assert "3 stored" in _cli(capsys, *args, "--dry-run")[1]
    data.add_dataset("mine", _csv(path, seed=5), "text", "label")  # new content, registered
    _rc, out, _ = _cli(capsys, *args, "--dry-run")
    assert "0 stored" in out and "3 to do" in out
    assert "0 already done, 3 done now" in _cli(capsys, *args)[1]


def test_only_and_cached_only_run_a_part_of_the_grid(home, tmp_path, capsys):
    """``--only`` keeps the named datasets of a grid; ``--cached-only`` keeps the pairs whose
    embeddings the cache holds and names the others; a dataset the grid lacks is refused."""
    from alcore.cli.run import select_configs

    for name, seed in (("mine", 0), ("yours", 1)):
        data.add_dataset(name, _csv(tmp_path / f"{name}.csv", seed=seed), "text", "label")
    g = _grid(tmp_path / "g.yaml", ["mine", "yours"], seeds=[0, 1])
    store = tmp_path / "store"
    args = ("run", "--config", g, "--store", store)
    rc, out, err = _cli(capsys, *args, "--embeddings", LOADER, "--only", "yours", "--dry-run")
    assert rc == 0 and "2 runs" in out and "2 to do" in out, err
    rc, out, err = _cli(capsys, *args, "--embeddings", LOADER, "--only", "yours,theirs")
    assert rc == 2
    _one_clear_line(err, "--only", "theirs", "mine, yours")
    rc, out, err = _cli(capsys, *args, "--embeddings", LOADER, "--cached-only")
    assert rc == 2
    _one_clear_line(err, "--cached-only", "--embeddings")
    # the cache of this home is empty: every pair is named, nothing is run or embedded
    grid = Grid.from_yaml(g)
    g2 = _grid(tmp_path / "g2.yaml", ["mine", "yours"], encoders=["glove50"])
    rc, out, err = _cli(
        capsys, "run", "--config", g2, "--store", store, "--cached-only", "--dry-run"
    )
    assert rc == 0, err
    assert "left out, their embeddings not cached: mine x glove50, yours x glove50" in out
    assert "0 runs" in out
    assert not list(home.glob("embeddings/**/*.npy"))
    kept, skipped = select_configs(grid.configs(check_names=False), ["mine"], lambda d, e: True)
    assert {c.dataset for c in kept} == {"mine"} and len(kept) == 2 and skipped == []
    kept, skipped = select_configs(grid.configs(check_names=False), None, lambda d, e: d == "yours")
    assert {c.dataset for c in kept} == {"yours"} and skipped == [("mine", "e1")]


def _store_with_runs_and_failures(tmp_path, capsys, home):
    g = _grid(tmp_path / "g.yaml", ["toy3", "broken1"], seeds=[0, 1])
    store = tmp_path / "store"
    _cli(capsys, "run", "--config", g, "--store", store, "--embeddings", LOADER)
    return ResultStore(store)


@pytest.mark.parametrize("case", ["upper_only", "no_study", "unreadable", "no_runs"])
def test_results_never_crash_on_mixed_and_missing_columns(home, tmp_path, capsys, case):
    store = _store_with_runs_and_failures(tmp_path, capsys, home)
    failed = sorted(store.failed_dir.glob("*.json"))
    assert failed
    for p in failed:
        rec = json.loads(p.read_text())
        if case == "upper_only" and not p.stem.startswith("upper__"):
            p.unlink()
        elif case == "no_study":  # records of an older alcore: no study, no ips
            for k in ("study", "ips"):
                rec["config"].pop(k, None)
            p.write_text(json.dumps(rec))
        elif case == "unreadable":
            p.write_text("{not json")
    if case == "no_runs":
        for p in store.run_files():
            p.unlink()
    rc, out, err = _cli(capsys, "results", "--store", store.path)
    assert rc == 0, err
    assert "Traceback" not in err and "error" not in err
    rc, out, err = _cli(capsys, "results", "--store", store.path, "--json")
    assert rc == 0 and isinstance(json.loads(out), list)


# ------------------------------------------------------------------ 2. a safe YAML reader
def _bomb(levels=9):
    text = "a: &a [0,0,0,0,0,0,0,0,0]\n"
    names = "abcdefghijklmnopqrstuvwxyz"
    for i in range(1, levels + 1):
        refs = ",".join([f"*{names[i - 1]}"] * 9)
        text += f"{names[i]}: &{names[i]} [{refs}]\n"
    return text


def test_a_yaml_alias_bomb_fails_fast_with_a_short_message(home, tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb())
    assert path.stat().st_size < 500
    rc, _out, err = _cli(capsys, "run", "--config", path, "--dry-run")
    assert rc == 2 and len(err) < 300
    _one_clear_line(err, str(path), "alias")
    path.write_text(_bomb(levels=8))  # one level less: refused too, still short
    rc, _out, err = _cli(capsys, "run", "--config", path, "--dry-run")
    assert rc == 2 and len(err) < 300


def test_yaml_duplicate_keys_are_refused_with_their_lines(tmp_path):
    from alcore.core.safe_yaml import YAMLInputError, parse_yaml

    path = tmp_path / "g.yaml"
    path.write_text("datasets: [trec6]\ncycles: 2\nseeds: [0]\ncycles: 5\n")
    with pytest.raises(YAMLInputError, match=r"g\.yaml:4:1: duplicate key 'cycles' .*line 2"):
        Grid.from_yaml(path)
    with pytest.raises(YAMLInputError, match="duplicate key 'x'"):
        parse_yaml("a:\n  b:\n    x: 1\n    x: 2\n")


def test_yaml_size_depth_and_recursion_are_bounded(tmp_path):
    from alcore.core.safe_yaml import YAMLInputError, parse_yaml, read_yaml

    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (2 << 20))
    with pytest.raises(YAMLInputError, match="big.yaml: .*bytes"):
        read_yaml(big)
    with pytest.raises(YAMLInputError, match="nested more than"):
        parse_yaml("[" * 500 + "]" * 500)
    with pytest.raises(YAMLInputError, match="recursive"):
        parse_yaml("a: &x [*x]\n")
    assert parse_yaml("a: &x {k: 1}\nb:\n  <<: *x\n  k: 2\n") == {"a": {"k": 1}, "b": {"k": 2}}


def test_every_yaml_read_in_the_package_goes_through_the_safe_reader():
    offenders = []
    for path in (ROOT / "alcore").rglob("*.py"):
        if path.name == "safe_yaml.py":
            continue
        text = path.read_text()
        if "yaml.safe_load" in text or "yaml.load(" in text or "import yaml" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# ------------------------------------------------------------------ 3. classes after cleaning
def _frame_csv(path, rows, sep=","):
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(path, index=False, sep=sep)
    return path


def test_a_class_whose_texts_are_all_empty_is_not_counted(home, tmp_path, capsys):
    rows = [(f"text {i}", ["a", "b"][i % 2]) for i in range(40)] + [("  ", "c")] * 5
    path = _frame_csv(tmp_path / "d.csv", rows)
    rc, out, err = _cli(
        capsys, "data", "add", "d", path, "--text-col", "text", "--label-col", "label"
    )
    assert rc == 0, err
    assert "2 classes" in out and _record(home, "d")["classes"] == ["a", "b"]
    ds = data.load_dataset("d")
    assert set(ds.labels("train")) == {0, 1} and set(ds.labels("test")) <= {0, 1}


def test_a_class_emptied_by_cleaning_leaves_a_loaders_class_list():
    from alcore.data.clean import _finalize

    texts = ["a", "b", "c", "d", " ", "e", "f", "g"]
    df = pd.DataFrame(
        {"text": texts, "label": [0, 1, 0, 1, 2, 0, 1, 0], "split": ["train"] * 6 + ["test"] * 2}
    )
    with pytest.warns(UserWarning, match=r"dropped 1 class\(es\) with no row left .*'C'"):
        train, test, classes = _finalize("x", df, ["A", "B", "C"], "given")
    assert classes == ["A", "B"] and set(train["label"]) == {0, 1} and set(test["label"]) == {0, 1}


def test_a_single_row_class_is_dropped_with_one_message_in_one_wording(home, tmp_path, capsys):
    rows = [(f"text {i}", ["a", "b"][i % 2]) for i in range(40)] + [("lonely", "z")]
    path = _frame_csv(tmp_path / "d.csv", rows)
    rc, out, err = _cli(
        capsys, "data", "add", "d", path, "--text-col", "text", "--label-col", "label"
    )
    assert rc == 0, err
    assert err.count("dropped 1 class(es) with a single row ('z')") == 1
    assert "random" not in err and "stratified split" in out and "2 classes" in out


def test_a_test_share_too_small_for_every_class_is_a_clear_error(home, tmp_path, capsys):
    rows = [(f"text {i}", "abcdef"[i % 6]) for i in range(24)]
    path = _frame_csv(tmp_path / "d.csv", rows)
    args = ("data", "add", "d", path, "--text-col", "text", "--label-col", "label")
    rc, _out, err = _cli(capsys, *args, "--test-size", "0.1")
    assert rc == 2
    _one_clear_line(err, "6 classes", "--test-size")


# ------------------------------------------------------------------ 5. one-line CLI errors
def test_one_column_for_text_and_label_is_one_clear_line(home, tmp_path, capsys):
    path = _csv(tmp_path / "d.csv")
    rc, _out, err = _cli(
        capsys, "data", "add", "d", path, "--text-col", "text", "--label-col", "text"
    )
    assert rc == 2
    _one_clear_line(err, "text_col and label_col", "'text'", "--label-col")


def test_a_tsv_saved_as_csv_names_the_fix(home, tmp_path, capsys):
    rows = [("hello, big, world " * (i % 3) + str(i), "ab"[i % 2]) for i in range(30)]
    path = _frame_csv(tmp_path / "d.csv", rows, sep="\t")
    rc, _out, err = _cli(
        capsys, "data", "add", "d", path, "--text-col", "text", "--label-col", "label"
    )
    assert rc == 2
    _one_clear_line(err, str(path), "Rename it to .tsv")


def test_clf_that_makes_every_run_meaningless_is_refused(home, tmp_path, capsys):
    g = _grid(tmp_path / "g.yaml", ["toy3"], clf={"max_iter": 0})
    rc, _out, err = _cli(capsys, "run", "--config", g, "--embeddings", LOADER, "--dry-run")
    assert rc == 2
    _one_clear_line(err, "max_iter", ">= 1")


@pytest.mark.parametrize("how", ["read_only", "under_a_file"])
def test_a_read_only_home_is_found_before_any_work(home, tmp_path, capsys, monkeypatch, how):
    path = _csv(tmp_path / "d.csv")
    data.add_dataset("mine", path, "text", "label")
    g = _grid(tmp_path / "g.yaml", ["mine"])
    if how == "read_only":
        if os.geteuid() == 0:
            pytest.skip("root writes through any file mode")
        home.chmod(0o500)
    else:  # a home that cannot be created: as read-only for every user, root too
        (tmp_path / "file").write_text("x")
        monkeypatch.setenv("ALCORE_HOME", str(tmp_path / "file" / "home"))
    try:
        rc, _out, err = _cli(capsys, "embed", "--dataset", "trec6", "--encoder", "glove50")
        assert rc == 2
        _one_clear_line(err, "ALCORE_HOME", "not writable")
        assert "embedding" not in err
        rc, _out, err = _cli(capsys, "run", "--config", g, "--store", tmp_path / "s")
        assert rc == 2 and not (tmp_path / "s").exists()
        _one_clear_line(err, "ALCORE_HOME")
    finally:
        home.chmod(0o700)


def test_a_full_home_is_found_before_any_work(home, tmp_path, capsys, monkeypatch):
    from alcore.core import paths

    full = paths.shutil.disk_usage(tmp_path)._replace(free=1 << 20)
    monkeypatch.setattr(paths.shutil, "disk_usage", lambda p: full)
    g = _grid(tmp_path / "g.yaml", ["toy3"])
    rc, _out, err = _cli(capsys, "run", "--config", g, "--embeddings", LOADER, "--store", "s")
    assert rc == 2 and not Path("s").exists()
    _one_clear_line(err, "MiB free", "ALCORE_HOME")


def test_an_internal_error_is_one_line_and_its_traceback_is_logged(home, capsys, monkeypatch):
    from alcore.cli import data as cli_data

    def broken(args):
        raise TypeError("an alcore bug")

    monkeypatch.setattr(cli_data, "_list", broken)
    rc, _out, err = _cli(capsys, "data", "list")
    assert rc == 70 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "internal error (TypeError: an alcore bug)" in err and "report" in err
    log = Path(err.split("kept in ")[1].strip())
    assert log.parent == home / "logs" and "Traceback" in log.read_text()


def _terminal_sigint():
    """A child with a terminal's Ctrl-C: the default disposition, not blocked (the suite's
    own process may have left it otherwise: seen in full fresh-clone runs only)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@pytest.mark.parametrize("jobs", [1])
def test_sigint_during_book_exits_130_with_one_line(home, tmp_path, jobs):
    g = _grid(tmp_path / "g.yaml", ["toy3", "toy4"], seeds=list(range(40)), cycles=20, budget=60)
    cmd = [sys.executable, "-m", "alcore", "book", "--config", str(g), "--no-build"]
    cmd += ["--embeddings", LOADER, "--store", str(tmp_path / "s"), "--no-progress"]
    cmd += ["--jobs", str(jobs)]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        start_new_session=True,
        preexec_fn=_terminal_sigint,
    )
    assert proc.stdout.readline().startswith("alcore book:")  # validated, the grid starts
    time.sleep(2)
    # a terminal's Ctrl-C reaches the whole process group: alcore and its workers
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].endswith(
        "interrupted; finished work is kept (run the same command to go on)"
    )


# ------------------------------------------------------------------ 4. only the work asked for
def test_book_fetches_and_loads_only_what_the_grid_names(home, tmp_path, capsys, monkeypatch):
    from alcore.cli import book

    _csv(tmp_path / "mine.csv")
    g = _grid(tmp_path / "g.yaml", [entry("mine", "mine.csv")])
    g.write_text(g.read_text().replace('"e1"', '"glove50"'))
    calls = []
    monkeypatch.setattr(book, "_build", lambda cmd: calls.append(cmd) or 0)
    rc, _out, err = _cli(
        capsys, "book", "--config", g, "--embeddings", LOADER, "--store", "s", "--no-build"
    )
    assert rc == 0, err
    (cmd,) = calls
    assert cmd[cmd.index("--datasets") + 1 :][:3] == ["mine", "--encoders", "glove50"]
    assert not (home / "archives").exists() and not (home / "encoders").exists()


def test_data_fetch_config_fetches_only_the_grids_datasets(home, tmp_path, capsys, monkeypatch):
    from alcore.cli import data as cli_data

    _csv(tmp_path / "mine.csv")
    g = _grid(tmp_path / "g.yaml", ["trec6", entry("mine", "mine.csv")])
    fetched = []

    def fake_load(name, refresh=False):
        fetched.append(name)
        raise ValueError("stop here")

    monkeypatch.setattr(cli_data, "load_dataset", fake_load)
    _rc, _out, _err = _cli(capsys, "data", "fetch", "--config", g)
    assert fetched == ["trec6"]


def test_make_book_with_a_config_does_not_fetch_everything(tmp_path):
    make = __import__("shutil").which("make")
    if make is None:
        pytest.skip("make is not installed")
    out = subprocess.run(
        [make, "-n", "book", "CONFIG=my.yaml"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert "data fetch --config my.yaml" in out and "fetch all" not in out
