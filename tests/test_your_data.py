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
from alcore.core.safe_yaml import YAMLInputError, parse_yaml, read_yaml
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
    rc, out, _ = _cli(capsys, *args, "--dry-run")
    assert "0 stored" in out and "3 to do" in out
    assert "0 already done, 3 done now" in _cli(capsys, *args)[1]


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
    rc, out, err = _cli(capsys, "run", "--config", path, "--dry-run")
    assert rc == 2 and len(err) < 300
    _one_clear_line(err, str(path), "alias")
    path.write_text(_bomb(levels=8))  # one level less: refused too, still short
    rc, out, err = _cli(capsys, "run", "--config", path, "--dry-run")
    assert rc == 2 and len(err) < 300


def test_yaml_duplicate_keys_are_refused_with_their_lines(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("datasets: [trec6]\ncycles: 2\nseeds: [0]\ncycles: 5\n")
    with pytest.raises(YAMLInputError, match=r"g\.yaml:4:1: duplicate key 'cycles' .*line 2"):
        Grid.from_yaml(path)
    with pytest.raises(YAMLInputError, match="duplicate key 'x'"):
        parse_yaml("a:\n  b:\n    x: 1\n    x: 2\n")


def test_yaml_size_depth_and_recursion_are_bounded(tmp_path):
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
