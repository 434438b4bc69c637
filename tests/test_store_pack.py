"""The packed store: a round trip keeps every run as the runner wrote it, re-packing is
stable, the manifest catches a changed file, and a number changed inside a packed table is
caught by ``alcore verify`` once unpacked."""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from alcore.cli import main as cli_main
from alcore.runs.experiment import RunConfig
from alcore.runs.grid import run_grid
from alcore.runs.store import (
    ResultStore,
    load_embedding_record,
    load_results,
    load_upper_bounds,
)
from alcore.runs.store_pack import (
    MANIFEST,
    META_COLUMN,
    PackedStoreError,
    check_packed,
    pack,
    unpack,
)

LOADER = "toy_embeddings:load"


@pytest.fixture(autouse=True)
def _env(toy_loader_env):
    pass


def _configs(encoders=("e1", "e2"), seeds=(0, 1)):
    out = [
        RunConfig("toy", e, "random", 4, s, seed, 13, 3)
        for e in encoders
        for s in ("random", "margin")
        for seed in seeds
    ]
    out.append(RunConfig("toy", encoders[0], "typiclust", 10, "none", 0, 10, 0, study="ips"))
    return out


@pytest.fixture
def store(tmp_path):
    s = run_grid(_configs(), tmp_path / "s", load_embeddings=LOADER, progress=False)
    assert s["done"] == 9
    return ResultStore(tmp_path / "s")


def _frame(store):
    df = load_results(store).sort_values(["run_key", "cycle"]).reset_index(drop=True)
    df["picked"] = df["picked"].map(tuple)
    return df


def test_round_trip_keeps_every_run_its_metadata_and_the_upper_bounds(store, tmp_path):
    manifest = pack(store, tmp_path / "p")
    assert manifest["runs"] == 9 and manifest["schema_version"] == 3
    assert sorted(r for r in manifest["files"] if r.startswith("runs/")) == [
        "runs/toy/e1.parquet",
        "runs/toy/e2.parquet",
    ]
    assert check_packed(tmp_path / "p") == manifest
    back = ResultStore(tmp_path / "back")
    counts = unpack(tmp_path / "p", back)
    assert counts == {"written": 9, "same": 0, "kept_local": 0, "runs": 9}
    pd.testing.assert_frame_equal(_frame(store), _frame(back))
    for path in store.run_files():
        assert back.read_meta(back.run_path(path.stem)) == store.read_meta(path)
    pd.testing.assert_frame_equal(load_upper_bounds(store), load_upper_bounds(back))
    # a second unpack finds every run in place and writes nothing
    assert unpack(tmp_path / "p", back)["same"] == 9


def test_an_unpacked_store_passes_verify_and_resumes_as_done(store, tmp_path):
    pack(store, tmp_path / "p")
    unpack(tmp_path / "p", tmp_path / "back")
    argv = ["verify", "--store", str(tmp_path / "back"), "--embeddings", LOADER]
    assert cli_main([*argv, "--sample", "3"]) == 0
    again = run_grid(_configs(), tmp_path / "back", load_embeddings=LOADER, progress=False)
    assert again["done"] == 0 and again["already_done"] == 9


def test_repacking_rewrites_only_the_tables_that_changed(store, tmp_path):
    out = tmp_path / "p"
    first = pack(store, out)
    e1 = out / "runs/toy/e1.parquet"
    stamp = e1.stat().st_mtime_ns
    assert pack(store, out) == first  # deterministic
    run_grid(_configs(seeds=(2,)), store.path, load_embeddings=LOADER, progress=False)
    grown = pack(store, out)
    assert grown["runs"] == 13
    changed = {r for r in first["files"] if first["files"][r] != grown["files"].get(r)}
    tables = {r for r in changed if r.startswith("runs/")}
    assert tables == {"runs/toy/e1.parquet", "runs/toy/e2.parquet"}
    shutil.rmtree(store.runs_dir)
    store.runs_dir.mkdir()
    run_grid(_configs(encoders=("e1",)), store.path, load_embeddings=LOADER, progress=False)
    assert "runs/toy/e2.parquet" not in pack(store, out)["files"]
    assert not (out / "runs/toy/e2.parquet").exists()
    assert e1.stat().st_mtime_ns != stamp


@pytest.mark.parametrize("damage", ["altered", "missing", "not listed"])
def test_the_manifest_catches_a_changed_missing_or_extra_file(store, tmp_path, damage):
    out = tmp_path / "p"
    pack(store, out)
    target = out / "runs/toy/e2.parquet"
    if damage == "altered":
        target.write_bytes(target.read_bytes()[:-1] + b"x")
    elif damage == "missing":
        target.unlink()
    else:
        shutil.copy(target, out / "runs/toy/e3.parquet")
    with pytest.raises(PackedStoreError, match=damage):
        check_packed(out)
    with pytest.raises(PackedStoreError):
        unpack(out, tmp_path / "back")
    assert not (tmp_path / "back" / "runs").exists() or not any(
        (tmp_path / "back" / "runs").iterdir()
    )


def test_a_number_changed_in_a_packed_table_is_caught_by_verify(store, tmp_path, capsys):
    out = tmp_path / "p"
    manifest = pack(store, out)
    rel = "runs/toy/e2.parquet"
    table = pq.read_table(out / rel)
    acc = table.column("accuracy").to_numpy().copy()
    acc[2] += 0.01  # a main run's accuracy at its last cycle
    key = table.column("run_key")[2].as_py()
    i = table.schema.get_field_index("accuracy")
    pq.write_table(table.set_column(i, "accuracy", pa.array(acc)), out / rel)
    # whoever edits the table may also mend the manifest: verify still catches the number
    data = (out / rel).read_bytes()
    manifest["files"][rel]["sha256"] = hashlib.sha256(data).hexdigest()
    (out / MANIFEST).write_text(json.dumps(manifest))
    unpack(out, tmp_path / "back")
    argv = ["verify", "--store", str(tmp_path / "back"), "--embeddings", LOADER]
    assert cli_main([*argv, "--sample", "1"]) == 1
    assert f"{key}: altered" in capsys.readouterr().out


def test_unpack_never_overwrites_a_local_run(store, tmp_path):
    out = tmp_path / "p"
    pack(store, out)
    table = pq.read_table(out / "runs/toy/e1.parquet")
    assert META_COLUMN in table.column_names
    local = ResultStore(tmp_path / "back")
    unpack(out, local)
    victim = sorted(local.run_files())[0]
    meta = dict(pq.read_metadata(victim).metadata)
    meta[b"alcore_digest"] = b"0" * 64
    pq.write_table(pq.read_table(victim).replace_schema_metadata(meta), victim)
    before = victim.read_bytes()
    assert unpack(out, local)["kept_local"] == 1
    assert victim.read_bytes() == before


def test_cli_pack_check_unpack(store, tmp_path, capsys):
    out = tmp_path / "p"
    assert cli_main(["store", "pack", "--store", str(store.path), "--out", str(out)]) == 0
    assert "packed 9 runs" in capsys.readouterr().out
    assert cli_main(["store", "check", str(out)]) == 0
    assert "9 runs in" in capsys.readouterr().out
    assert cli_main(["store", "unpack", str(out), "--store", str(tmp_path / "b")]) == 0
    assert "9 written" in capsys.readouterr().out
    (out / MANIFEST).unlink()
    assert cli_main(["store", "check", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MANIFEST.json is missing" in err


def test_the_record_of_embeddings_travels_with_the_store(store, tmp_path):
    """Table 4 needs the seconds each embedding took: a fresh clone's cache lacks them, so
    the packed store carries the store's pairs' rows (no cache paths), merged over packs."""
    row = dict(split="train", n_texts=200, dim=8, seconds=1.5, texts_per_second=133.0)
    cache = pd.DataFrame(
        [
            dict(dataset="toy", encoder="e1", path="/home/x/e1.npy", **row),
            dict(dataset="other", encoder="e1", path="/home/x/o.npy", **row),
        ]
    )
    assert load_embedding_record(store) is None
    pack(store, tmp_path / "p", embeddings=cache)
    got = load_embedding_record(store)
    assert list(zip(got.dataset, got.encoder)) == [("toy", "e1")]
    assert "path" not in got.columns
    # a later pack on a machine whose cache holds only e2 keeps e1's row
    pack(store, tmp_path / "p", embeddings=cache.assign(encoder="e2"))
    assert sorted(load_embedding_record(store).encoder) == ["e1", "e2"]
    unpack(tmp_path / "p", tmp_path / "back")
    back = load_embedding_record(tmp_path / "back")
    pd.testing.assert_frame_equal(back, load_embedding_record(store))


def test_make_book_unpacks_the_committed_store_unless_asked_to_recompute():
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parent.parent
    assert check_packed(root / "stores/paper")["format"]  # the committed store is whole

    def plan(*extra):
        cmd = [make, "-n", "book", *extra]
        return subprocess.run(cmd, cwd=root, capture_output=True, text=True).stdout

    out = plan()
    assert "store unpack stores/paper --store results/paper" in out
    assert "alcore run" not in out and "--encoder glove50,potion8m,wordllama" in out
    assert "verify --store results/paper" in out
    again = plan("RECOMPUTE=1")
    assert "alcore run --profile paper" in again and "store unpack" not in again
    default = plan("PROFILE=default")
    assert "alcore run --profile default" in default and "store unpack" not in default
