"""alcore verify: a clean store passes, a number changed by hand is caught, a kernel
difference is reported as one (and judged by the equivalence rule), never as tampering."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from alcore.cli import main as cli_main
from alcore.cli.verify import MARGIN, judge
from alcore.runs import grid_verify
from alcore.runs.experiment import RunConfig
from alcore.runs.grid import run_grid
from alcore.runs.grid_provenance import run_provenance
from alcore.runs.grid_verify import draw_sample
from alcore.runs.store import ResultStore, load_results, load_run_provenance

LOADER = "toy_embeddings:load"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _env(toy_loader_env):
    pass


@pytest.fixture
def store(tmp_path):
    configs = [
        RunConfig("toy", "e1", "random", 4, s, seed, 13, 3)
        for s in ("random", "margin")
        for seed in (0, 1)
    ]
    configs.append(RunConfig("toy", "e1", "typiclust", 10, "none", 0, 10, 0, study="ips"))
    s = run_grid(configs, tmp_path / "s", load_embeddings=LOADER, progress=False)
    assert s["done"] == 5
    return ResultStore(tmp_path / "s")


def _verify(store, *extra):
    argv = ["verify", "--store", str(store.path), "--embeddings", LOADER, "--sample", "5"]
    return cli_main([*argv, *extra])


def _report(store):
    return json.loads((store.path / "verify.json").read_text())


def _edit_accuracy(store, key, keep_metadata=True):
    path = store.run_path(key)
    table = pq.read_table(path)
    acc = table.column("accuracy").to_numpy().copy()
    acc[-1] += 0.01
    edited = table.set_column(table.schema.get_field_index("accuracy"), "accuracy", pa.array(acc))
    if not keep_metadata:
        edited = edited.replace_schema_metadata(None)
    pq.write_table(edited, path)


def test_a_clean_store_passes_bit_for_bit(store, capsys):
    assert _verify(store) == 0
    out = capsys.readouterr().out
    assert "verify: passed (5 runs recomputed" in out
    rep = _report(store)
    assert rep["passed"] and rep["integrity"]["counts"] == {"ok": 5}
    assert {r["mode"] for r in rep["runs"]} == {"bit for bit"}
    assert {r["outcome"] for r in rep["runs"]} == {"identical"}


@pytest.mark.parametrize("keep_metadata", [True, False])
def test_a_number_changed_by_hand_is_caught(store, capsys, keep_metadata):
    key = sorted(p.stem for p in store.run_files())[1]
    _edit_accuracy(store, key, keep_metadata)
    assert _verify(store, "--sample", "1") == 1  # caught even outside the sample
    out = capsys.readouterr().out
    assert "FAILED" in out and key in out
    problem = _report(store)["integrity"]["problems"][0]
    assert problem["run_key"] == key
    assert problem["status"] == ("altered" if keep_metadata else "unreadable")


def test_a_rewritten_run_with_a_fresh_digest_is_caught_by_recomputation(store, capsys):
    df = load_results(store)
    key = df[df.cycles == 3].run_key.iloc[0]
    run, meta = store.read_run(key)
    cycles = run[["cycle", "n_labelled", "accuracy", "macro_f1", "fit_seconds"]].copy()
    cycles["query_seconds"], cycles["picked"] = run["query_seconds"], run["picked"]
    cycles.loc[cycles.index[-1], "macro_f1"] += 1e-9  # a last-bit change, sealed again
    config = RunConfig.from_dict(meta["config"])
    prov = store.run_provenance(run.prov_fp.iloc[0])
    store.write_run(config, cycles, 1.0, meta["identity"], provenance=prov)
    assert _verify(store) == 1
    out = capsys.readouterr().out
    assert "differs on the kernel it recorded" in out and "macro_f1 at cycle 3" in out
    assert "kernel differs" not in out


def _other_kernel(monkeypatch):
    fake = run_provenance()
    for lib in fake["libraries"]:
        if lib["user_api"] == "blas":
            lib["architecture"] = "Haswell"
    monkeypatch.setattr(grid_verify, "run_provenance", lambda: fake)


def test_a_kernel_difference_is_reported_as_such_and_judged_by_equivalence(
    store, capsys, monkeypatch
):
    _other_kernel(monkeypatch)
    assert _verify(store) == 0
    out = capsys.readouterr().out
    assert "kernel differs from the recorded one (not a changed number)" in out
    assert "-> Haswell" in out.replace("SkylakeX -> Haswell", "-> Haswell") or "Haswell" in out
    assert "altered" not in out and "FAILED" not in out
    rep = _report(store)
    assert {r["mode"] for r in rep["runs"]} == {"equivalence"}
    assert all(e["equivalent"] for e in rep["equivalence"])


def test_tampering_on_another_kernel_is_still_tampering(store, capsys, monkeypatch):
    _other_kernel(monkeypatch)
    key = sorted(p.stem for p in store.run_files())[0]
    _edit_accuracy(store, key)
    assert _verify(store) == 1
    out = capsys.readouterr().out
    assert f"{key}: altered" in out


def test_stale_runs_are_not_covered_and_not_differences(store, capsys):
    key = sorted(p.stem for p in store.run_files())[0]
    run, meta = store.read_run(key)
    config = RunConfig.from_dict(meta["config"])
    cycles = run[["cycle", "n_labelled", "accuracy", "macro_f1", "fit_seconds"]].copy()
    cycles["query_seconds"], cycles["picked"] = run["query_seconds"], run["picked"]
    store.write_run(config, cycles, 1.0, {**meta["identity"], "code": "loop=0"})
    assert _verify(store) == 0
    rep = _report(store)
    assert rep["not_covered"] == {
        "stale: the code of its strategies or loop changed since it ran": 1
    }
    assert len(rep["runs"]) == 4


def test_the_run_provenance_table_names_what_the_numbers_depend_on(store):
    table = load_run_provenance(store)
    assert table.shape[1] == 1 and table.loc["runs"].iloc[0] == 5
    assert table.loc["threads"].iloc[0] == 1
    assert any(i.startswith("blas ") for i in table.index)
    assert table.loc["package numpy"].iloc[0] == np.__version__


def test_the_sample_is_seeded_and_fits_the_time_limit():
    runs = [{"run_key": str(i), "run_seconds": float(i % 4)} for i in range(40)]
    a, _ = draw_sample(runs, 5, 60.0, seed=1)
    b, _ = draw_sample(runs, 5, 60.0, seed=1)
    c, _ = draw_sample(runs, 5, 60.0, seed=2)
    assert a == b and a != c and len(a) == 5
    small, passed = draw_sample(runs, 40, 4.0, seed=0)
    assert sum(r["run_seconds"] for r in small) <= 4.0 and passed > 0


def _run(strategy, stored, recomputed, cycles=2):
    curve = {"n_labelled": [10, 20, 30][: cycles + 1]}
    return {
        "mode": "equivalence",
        "outcome": "to judge",
        "strategy": strategy,
        "ips": "random",
        "cycles": cycles,
        "stored": {**curve, "accuracy": stored},
        "recomputed": {**curve, "accuracy": recomputed},
    }


def test_the_equivalence_rule():
    near = _run("margin", [0.5, 0.6, 0.7], [0.5, 0.6, 0.7 + MARGIN])  # AULC +MARGIN/4
    far = _run("badge", [0.5, 0.6, 0.7], [0.5, 0.62, 0.72])
    out = {e["group"]: e for e in judge([near, far])}
    assert out["margin"]["equivalent"] and out["margin"]["test"] == "per run"
    assert not out["badge"]["equivalent"]
    rng = np.random.default_rng(0)
    noisy = [
        _run("entropy", [0.5, 0.6, 0.7], list(np.array([0.5, 0.6, 0.7]) + rng.normal(0, 1e-3)))
        for _ in range(12)
    ]
    (e,) = judge(noisy)
    assert e["test"] == "TOST" and e["equivalent"] and e["p"] < 0.05
    shifted = [
        _run("entropy", r["stored"]["accuracy"], [a + 0.01 for a in r["recomputed"]["accuracy"]])
        for r in noisy
    ]
    (e,) = judge(shifted)
    assert e["test"] == "TOST" and not e["equivalent"]


def test_the_reproducibility_chapter_shows_the_dependencies_and_the_verify_result(store, tmp_path):
    assert _verify(store, "--quiet") == 0
    src = tmp_path / "book"
    src.mkdir()
    for f in ("intro.md", "methods.md", "_config.yml"):
        shutil.copy(ROOT / "book" / f, src / f)
    cmd = [sys.executable, "-m", "alcore.report.build", "--store", str(store.path)]
    cmd += ["--book", str(src), "--only", "06", "--no-build"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    nb = nbformat.read(src / "notebooks" / "06_reproducibility.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = json.dumps([o.get("data", o.get("text")) for o in outputs])
    assert "package numpy" in text and "threads" in text and "libscipy_openblas" in text
    assert "verify: passed (5 runs recomputed, no difference)" in text
