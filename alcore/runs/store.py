"""The results store: one Parquet file per finished run, upper bounds and provenance.

This module reads stores into tables (:func:`load_results`, :func:`load_upper_bounds`,
:func:`load_provenance`, :func:`load_run_provenance`) and is the package's door to them:
:class:`ResultStore` (the files of one store, :mod:`alcore.runs.store_files`), the table
schema (:mod:`alcore.runs.store_schema`) and what a run's numbers depend on
(:mod:`alcore.runs.store_provenance`). The store's layout, identity and claims are described
in :mod:`alcore.runs.store_files`.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from alcore.core.paths import atomic_write_bytes
from alcore.runs.store_files import MIN_FREE_BYTES, ResultStore, read_upper
from alcore.runs.store_provenance import kernel, provenance
from alcore.runs.store_schema import (
    COLUMNS,
    CONFIG_COLUMNS,
    CYCLE_COLUMNS,
    SCHEMA_VERSION,
    StoreSchemaError,
    same_identity,
)

__all__ = [
    "COLUMNS",
    "CONFIG_COLUMNS",
    "CYCLE_COLUMNS",
    "MIN_FREE_BYTES",
    "SCHEMA_VERSION",
    "TABLE_CACHE",
    "ResultStore",
    "StoreSchemaError",
    "default_store_path",
    "load_embedding_record",
    "load_provenance",
    "load_results",
    "load_run_provenance",
    "load_upper_bounds",
    "provenance",
    "same_identity",
]


def default_store_path(profile: str) -> Path:
    """``results/<profile>`` (relative to the working directory)."""
    return Path("results") / profile


def _stores(stores):
    if not stores:
        raise ValueError("give at least one results store (a path or a ResultStore)")
    return [s if isinstance(s, ResultStore) else ResultStore(s) for s in stores]


#: a store's run files read into one table, kept (hidden) in the store so that a book of
#: tens of thousands of runs reads them once; rebuilt when a run file is added, removed or
#: changed (its name, size, modification time or inode)
TABLE_CACHE = ".runs-table.parquet"


def _stamp(files) -> str:
    lines = []
    for path in files:
        st = path.stat()
        # the inode too: a run file is replaced by a rename, so a rewrite within the clock's
        # granularity with the same size is still a new file
        lines.append(f"{path.name} {st.st_size} {st.st_mtime_ns} {st.st_ino}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _store_table(store: ResultStore):
    """The rows of every readable run file of ``store`` as one Arrow table (None if none),
    from :data:`TABLE_CACHE` when no run file changed since it was written."""
    files = store.run_files()
    stamp = _stamp(files).encode()
    cache = store.path / TABLE_CACHE
    try:
        cached = pq.read_table(cache)
        meta = dict(cached.schema.metadata or {})
        if meta.pop(b"alcore_stamp", None) == stamp:
            for skipped in json.loads(meta.pop(b"alcore_skipped", b"[]")):
                warnings.warn(f"skipping unreadable run file {skipped}", stacklevel=3)
            return cached.replace_schema_metadata(meta) if cached.num_rows else None
    except (OSError, pa.ArrowInvalid):
        pass
    tables, skipped = [], []
    for path in files:
        try:
            store.read_meta(path)
            tables.append(pq.read_table(path))
        except StoreSchemaError:
            raise
        except Exception as exc:
            skipped.append(f"{path} ({exc})")
            warnings.warn(f"skipping unreadable run file {skipped[-1]}", stacklevel=3)
    table = pa.concat_tables(tables, promote_options="default") if tables else None
    keep = table if table is not None else pa.table({"run_key": pa.array([], pa.string())})
    meta = dict(keep.schema.metadata or {})
    meta.update({b"alcore_stamp": stamp, b"alcore_skipped": json.dumps(skipped).encode()})
    buf = io.BytesIO()
    pq.write_table(keep.replace_schema_metadata(meta), buf)
    try:
        atomic_write_bytes(cache, buf.getvalue())
    except OSError:  # a read-only store is read file by file every time
        pass
    return table


def load_results(*stores) -> pd.DataFrame:
    """All finished runs of the given stores, one row per (run, cycle).

    Columns: ``run_key study dataset encoder ips k0 strategy seed budget cycles pool_cap
    data_fp emb_fp cycle n_labelled accuracy macro_f1 fit_seconds query_seconds
    eval_seconds cpu_seconds picked run_seconds prov_fp`` (runs stored without the last two
    timings read them as NaN). ``study`` is ``main`` (the grid), ``ips`` (IPS-only runs of the
    IPS study, ``cycles == 0``) or ``ips_al`` (AL cycles from the IPS study's initial
    pools); select ``study == "main"`` for the strategy comparison. ``prov_fp`` names the
    run's provenance record (:func:`load_run_provenance`; null for runs of schema 2).
    Unreadable files are skipped with a warning; a run in several stores appears once.
    Each store's files are read once into a hidden table (:data:`TABLE_CACHE`), read again
    only when a run file changes.
    """
    tables, seen = [], set()
    for store in _stores(stores):
        store.check_schema()
        table = _store_table(store)
        if table is None:
            continue
        if seen:  # a run already read from an earlier store
            table = table.filter(pc.invert(pc.is_in(table["run_key"], pa.array(sorted(seen)))))
        seen.update(pc.unique(table["run_key"]).to_pylist())
        tables.append(table)
    if not tables:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    df = pa.concat_tables(tables, promote_options="default").to_pandas()
    for col in ("eval_seconds", "cpu_seconds"):  # runs stored without these timings
        if col not in df.columns:
            df[col] = float("nan")
    if "prov_fp" not in df.columns:  # only schema-2 files
        df["prov_fp"] = None
    df["picked"] = df["picked"].map(list)
    return df[COLUMNS].sort_values(["run_key", "cycle"], kind="stable").reset_index(drop=True)


def load_embedding_record(store) -> pd.DataFrame | None:
    """The store's record of the embeddings its runs read (``embeddings.csv``, written by
    ``alcore store pack``): columns of :func:`alcore.embedding.catalog.embedding_table`
    without the cache paths; None where the store has none."""
    path = (store.path if isinstance(store, ResultStore) else Path(store)) / "embeddings.csv"
    return pd.read_csv(path) if path.is_file() else None


def load_upper_bounds(*stores) -> pd.DataFrame:
    """Full-data accuracy per (dataset, encoder): columns dataset, encoder, accuracy, macro_f1."""
    rows = {}
    for store in _stores(stores):
        if store.upper_dir.is_dir():
            for p in sorted(store.upper_dir.glob("*.json")):
                rec = None if p.name.startswith(".") else read_upper(p)
                if rec is not None:
                    rows.setdefault((rec["dataset"], rec["encoder"]), rec)
    cols = ["dataset", "encoder", "accuracy", "macro_f1"]
    df = pd.DataFrame(list(rows.values()))
    if not len(df):
        return pd.DataFrame(columns=cols)
    return df[cols + [c for c in df.columns if c not in cols]]


def load_provenance(store) -> dict:
    """The ``provenance.json`` of ``store``; FileNotFoundError if it has none."""
    store = _stores([store])[0]
    path = store.path / "provenance.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: no grid has been run into this store")
    return json.loads(path.read_text())


def load_run_provenance(store, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """What the store's numbers depend on: one row per run provenance record.

    Parameters
    ----------
    store : str, Path or ResultStore
    results : DataFrame, optional
        :func:`load_results` of the store (read if not given), to count the runs of each
        record.

    Returns
    -------
    DataFrame
        Index: the kernel fields (:func:`alcore.runs.store_provenance.kernel`) plus
        ``cpu``, ``package torch``, ``python`` and ``runs``; one column per record
        (its ``prov_fp``), and a column ``not recorded`` for runs without a record.
    """
    store = _stores([store])[0]
    results = load_results(store) if results is None else results
    counts = results.drop_duplicates("run_key")["prov_fp"].value_counts(dropna=False)
    columns = {}
    for digest, n in counts.items():
        record = None if pd.isna(digest) else store.run_provenance(digest)
        if record is None:
            columns["not recorded" if pd.isna(digest) else f"{digest} (unreadable)"] = {
                "runs": int(n)
            }
            continue
        columns[digest] = {
            **kernel(record),
            "cpu": record.get("cpu"),
            "package torch": (record.get("packages") or {}).get("torch"),
            "python": record.get("python"),
            "runs": int(n),
        }
    return pd.DataFrame(columns)
