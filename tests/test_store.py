"""The results store: atomic one-file-per-run Parquet, done_keys, failures, provenance."""

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from alcore.runs.experiment import RunConfig
from alcore.runs.grid_provenance import run_provenance
from alcore.runs.store import (
    COLUMNS,
    SCHEMA_VERSION,
    TABLE_CACHE,
    ResultStore,
    StoreSchemaError,
    load_provenance,
    load_results,
    load_upper_bounds,
)
from alcore.runs.store_provenance import kernel_differences


def _cfg(seed=0, strategy="margin"):
    return RunConfig("toy", "e1", "random", 3, strategy, seed, 9, 2)


def _cycles(offset=0.0):
    return pd.DataFrame(
        {
            "cycle": [0, 1, 2],
            "n_labelled": [3, 6, 9],
            "accuracy": [0.5 + offset, 0.6, 0.7],
            "macro_f1": [0.4, 0.5, 0.6],
            "fit_seconds": [0.1] * 3,
            "query_seconds": [0.0, 0.2, 0.2],
            "picked": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
        }
    )


def test_write_run_roundtrip_and_schema(tmp_path):
    store = ResultStore(tmp_path / "s").check_writable()
    assert store.done_keys() == set()
    a, b = _cfg(0), _cfg(1)
    store.write_run(a, _cycles(), 1.5)
    store.write_run(b, _cycles(0.1), 2.5)
    assert store.done_keys() == {a.key(), b.key()}
    df = load_results(store)
    assert list(df.columns) == COLUMNS and len(df) == 6
    row = df[(df.run_key == a.key()) & (df.cycle == 1)].iloc[0]
    assert (row.dataset, row.strategy, row.k0, row.budget, row.run_seconds) == (
        "toy",
        "margin",
        3,
        9,
        1.5,
    )
    assert row.picked == [4, 5, 6] and pd.isna(row.pool_cap)
    meta = pq.read_metadata(store.run_path(a.key())).metadata
    assert json.loads(meta[b"alcore_config"]) == a.to_dict()
    # the same run in two stores appears once
    other = ResultStore(tmp_path / "o")
    other.write_run(a, _cycles(), 9.0)
    assert len(load_results(store, other)) == 6


def test_temp_and_corrupt_files_are_not_done(tmp_path):
    store = ResultStore(tmp_path).check_writable()
    good = _cfg(0)
    store.write_run(good, _cycles(), 1.0)
    # what a killed atomic write leaves behind: a hidden temporary file
    (store.runs_dir / f".{_cfg(1).key()}.parquet.abc.tmp").write_bytes(b"PAR1 half")
    # a truncated file under a final name (e.g. copied by hand)
    data = store.run_path(good.key()).read_bytes()
    (store.runs_dir / f"{_cfg(2).key()}.parquet").write_bytes(data[: len(data) // 2])
    with pytest.warns(UserWarning, match="unreadable run file"):
        assert store.done_keys() == {good.key()}
    with pytest.warns(UserWarning, match="skipping unreadable"):
        assert set(load_results(store).run_key) == {good.key()}
    with pytest.warns(UserWarning, match="skipping unreadable"):  # read from the table cache
        assert set(load_results(store).run_key) == {good.key()}


def test_the_table_cache_follows_every_change_of_the_run_files(tmp_path):
    """load_results keeps the store's runs in one hidden table: a run added, removed or
    rewritten is seen at the next read, and a cached read equals a fresh one."""
    store = ResultStore(tmp_path).check_writable()
    store.write_run(_cfg(0), _cycles(), 1.0)
    first = load_results(store)
    assert (store.path / TABLE_CACHE).is_file()
    pd.testing.assert_frame_equal(load_results(store), first)
    store.write_run(_cfg(1), _cycles(), 1.0)
    assert load_results(store).run_key.nunique() == 2
    store.write_run(_cfg(1), _cycles(offset=0.5), 1.0)  # the same run, other numbers
    again = load_results(store)
    assert again[again.run_key == _cfg(1).key()].accuracy.tolist() == (
        _cycles(offset=0.5).accuracy.tolist()
    )
    store.run_path(_cfg(0).key()).unlink()
    assert set(load_results(store).run_key) == {_cfg(1).key()}
    (store.path / TABLE_CACHE).write_bytes(b"not parquet")  # a damaged cache is rebuilt
    assert set(load_results(store).run_key) == {_cfg(1).key()}


def test_older_schema_is_refused(tmp_path):
    store = ResultStore(tmp_path / "s")
    store.write_provenance()
    prov = load_provenance(store)
    assert prov["schema_version"] == SCHEMA_VERSION and prov["machine"]["cores"] >= 1
    assert {"python", "git_commit", "packages", "alcore_version"} <= set(prov)
    (store.path / "provenance.json").write_text(json.dumps({**prov, "schema_version": 0}))
    with pytest.raises(StoreSchemaError, match="re-run|Re-run"):
        store.check_writable()
    with pytest.raises(StoreSchemaError, match="migrate"):
        load_results(store)
    # an old run file in an otherwise current store
    store2 = ResultStore(tmp_path / "s2")
    store2.write_run(_cfg(), _cycles(), 1.0)
    path = store2.run_path(_cfg().key())
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata({b"alcore_schema_version": b"0"}), path)
    with pytest.raises(StoreSchemaError, match="schema_version"):
        store2.done_keys()


def test_unwritable_store_fails_before_work(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    with pytest.raises(OSError, match="not writable.*--store"):
        ResultStore(blocker / "store").check_writable()


def test_failures_and_upper_bounds(tmp_path):
    store = ResultStore(tmp_path).check_writable()
    cfg = _cfg(3, "badge")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        store.write_failure(cfg, exc)
    assert store.failed_keys() == {cfg.key()}
    rec = json.loads((store.failed_dir / f"{cfg.key()}.json").read_text())
    assert rec["config"] == cfg.to_dict() and "boom" in rec["error"]
    assert "RuntimeError" in rec["traceback"]
    assert store.failures().iloc[0]["strategy"] == "badge"
    store.write_run(cfg, _cycles(), 1.0)  # a later success clears the failure
    assert store.failed_keys() == set() and store.done_keys() == {cfg.key()}
    store.write_upper("toy", "e1", {"accuracy": 0.9, "macro_f1": 0.8})
    up = load_upper_bounds(store)
    assert up[["dataset", "encoder", "accuracy"]].values.tolist() == [["toy", "e1", 0.9]]
    assert list(load_upper_bounds(ResultStore(tmp_path / "none")).columns)[:2] == [
        "dataset",
        "encoder",
    ]


# -- a store that cannot lie (issue 13) --------------------------------------------------------
def test_identity_is_stored_and_read_back(tmp_path):
    store = ResultStore(tmp_path).check_writable()
    ident = {"data": "d1", "embeddings": "e1", "code": "loop=1 ips:random=1"}
    store.write_run(_cfg(), _cycles(), 1.0, identity=ident)
    assert store.run_identities() == {_cfg().key(): ident}
    assert store.run_identity(_cfg().key()) == ident and store.run_identity("nope") is None
    df = load_results(store)
    assert set(df.data_fp) == {"d1"} and set(df.emb_fp) == {"e1"} and set(df.study) == {"main"}


def test_int_columns_are_int64_whatever_the_config_holds(tmp_path):
    import numpy as np

    store = ResultStore(tmp_path).check_writable()
    # numpy unsigned ints would make pyarrow infer uint64: the store must stay mergeable
    odd = RunConfig("toy", "e1", "random", np.uint64(3), "margin", np.uint64(7), np.uint32(9), 2)
    store.write_run(odd, _cycles(), 1.0)
    store.write_run(_cfg(1), _cycles(), 1.0)
    df = load_results(store)
    assert len(df) == 6 and str(df.seed.dtype) == "int64" and str(df.k0.dtype) == "int64"
    for path in store.run_files():
        schema = pq.read_schema(path)
        assert all(str(schema.field(c).type) == "int64" for c in ("seed", "k0", "budget"))


def test_a_seed_beyond_int64_fails_its_write_and_leaves_the_store_readable(tmp_path):
    store = ResultStore(tmp_path).check_writable()
    store.write_run(_cfg(), _cycles(), 1.0)
    huge = RunConfig("toy", "e1", "random", 3, "margin", 2**64 + 1, 9, 2)  # not validated
    with pytest.raises((OverflowError, ValueError)):
        store.write_run(huge, _cycles(), 1.0)
    assert len(load_results(store)) == 3 and len(store.run_files()) == 1


def test_a_success_clears_its_failure_record(tmp_path):
    store = ResultStore(tmp_path).check_writable()
    store.write_failure(_cfg(0), "RuntimeError: boom")
    store.write_failure(_cfg(1), "RuntimeError: boom")
    assert store.failed_keys() == {_cfg(0).key(), _cfg(1).key()}
    store.write_run(_cfg(0), _cycles(), 1.0)
    # a run finished by someone else (another runner, copied in) also clears the record
    other = ResultStore(tmp_path / "other")
    other.write_run(_cfg(1), _cycles(), 1.0)
    (store.runs_dir / other.run_path(_cfg(1).key()).name).write_bytes(
        other.run_path(_cfg(1).key()).read_bytes()
    )
    assert store.failed_keys() == set() and not list(store.failed_dir.glob("*.json"))
    assert len(store.failures()) == 0


@pytest.mark.parametrize(
    "content",
    ["", "{", "[]", '{"dataset": "toy"}', '{"dataset": "toy", "encoder": "e1", "accuracy": "x"}'],
)
def test_empty_or_corrupt_upper_bounds_are_not_done_and_never_crash(tmp_path, content):
    store = ResultStore(tmp_path).check_writable()
    store.write_upper("ok", "e1", {"accuracy": 0.9, "macro_f1": 0.8})
    store.upper_path("toy", "e1").write_text(content)
    with pytest.warns(UserWarning, match="unreadable upper bound"):
        assert not store.has_upper("toy", "e1")
    with pytest.warns(UserWarning, match="unreadable upper bound"):
        up = load_upper_bounds(store)
    assert list(up.dataset) == ["ok"]


def test_has_upper_matches_pool_and_identity(tmp_path):
    store = ResultStore(tmp_path).check_writable()
    ident = {"data": "d", "embeddings": "e"}
    store.write_upper(
        "toy", "e1", {"accuracy": 0.9, "macro_f1": 0.8}, pool_cap=None, identity=ident
    )
    assert store.has_upper("toy", "e1", pool_cap=None, identity=ident)
    assert not store.has_upper("toy", "e1", pool_cap=100, identity=ident)
    assert not store.has_upper(
        "toy", "e1", pool_cap=None, identity={"data": "d", "embeddings": "other"}
    )


def test_claims_are_exclusive_and_released(tmp_path):
    store = ResultStore(tmp_path).check_writable()
    lock = store.claim("k1")
    assert lock is not None and store.claim("k1") is None  # held (any other runner: too)
    assert store.claim("k2") is not None
    lock.release()
    assert store.claim("k1") is not None


def test_corrupt_provenance_is_a_clear_error(tmp_path):
    store = ResultStore(tmp_path)
    (store.path / "provenance.json").write_text("{not json")
    with pytest.raises(StoreSchemaError, match="provenance.json"):
        store.check_writable()


# -- what a run's numbers depend on (issue 27) -------------------------------------------------
def test_runs_carry_their_provenance_and_a_digest(tmp_path):
    store = ResultStore(tmp_path).check_writable()
    record = run_provenance()
    store.write_run(_cfg(), _cycles(), 1.0, provenance=record)
    store.write_run(_cfg(1), _cycles(), 1.0, provenance=record)
    df = load_results(store)
    (fp,) = set(df.prov_fp)
    assert store.run_provenance(fp) == record
    assert len(list(store.provenance_dir.glob("*.json"))) == 1  # one record, two runs
    assert len(store.read_meta(store.run_path(_cfg().key()))["digest"]) == 64
    # a record edited in place no longer matches its name: it is not believed
    (store.provenance_dir / f"{fp}.json").write_text(json.dumps({**record, "threads": 2}))
    assert store.run_provenance(fp) is None


def test_kernel_differences_name_the_field():
    record = run_provenance()
    assert record["threads"] == 1 and kernel_differences(record, record) == []
    other = json.loads(json.dumps(record))
    other["packages"]["scipy"] = "0.0"
    other["packages"]["torch"] = "9.9"  # torch does not fit runs: not part of the kernel
    assert kernel_differences(record, other) == [
        f"package scipy: {record['packages']['scipy']} -> 0.0"
    ]


def test_schema_2_run_files_are_still_read(tmp_path):
    store = ResultStore(tmp_path).check_writable()
    store.write_run(_cfg(), _cycles(), 1.0)
    path = store.run_path(_cfg().key())
    table = pq.read_table(path).drop(["prov_fp"])
    meta = {k: v for k, v in table.schema.metadata.items() if k != b"alcore_digest"}
    meta[b"alcore_schema_version"] = b"2"
    pq.write_table(table.replace_schema_metadata(meta), path)
    assert store.done_keys() == {_cfg().key()}
    df = load_results(store)
    assert list(df.columns) == COLUMNS and df.prov_fp.isna().all()
    assert store.read_meta(path)["digest"] is None
