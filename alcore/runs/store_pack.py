"""A results store packed for git: one Parquet file per (dataset, encoder), and a manifest.

A store of ``runs/<key>.parquet`` files (:mod:`alcore.runs.store_files`) holds one small file
per run: tens of thousands of files for the paper's design, ten times the bytes of the same
numbers in a few compressed tables. :func:`pack` writes the store's finished runs as one
table per (dataset, encoder) pair; :func:`unpack` writes them back as run files, exactly as
the runner wrote them (the same rows, types and metadata, so every run's digest still
holds), so that ``alcore run`` resumes the grid and ``alcore verify`` checks it.

Layout of a packed store (the project's committed one is ``stores/paper/``)::

    MANIFEST.json                     format, schema version, and for every file below
                                      its sha256 and size (and, for tables, runs and rows)
    provenance.json                   the store's provenance record
    provenance/<prov_fp>.json         the run provenance records
    upper/<dataset>__<encoder>.json   the upper bounds
    embeddings.csv                    the embeddings the runs read, from the cache's
                                      sidecars (rows, dimension, seconds to embed, device,
                                      date; :data:`EMBEDDING_RECORD`), for Table 4
    runs/<dataset>/<encoder>.parquet  the rows of every finished run of the pair: the run
                                      files' columns (:data:`~alcore.runs.store_schema.
                                      COLUMNS`) plus ``alcore_meta``, each run's file
                                      metadata as JSON (schema version, config, identity,
                                      digest)

Failure records and claims are not packed: a failed run is simply not done. Packing is
deterministic (runs sorted by key, zstd), so re-packing a grown store rewrites only the
tables of the pairs that gained runs, and git stores only those.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from alcore.core.paths import atomic_write_bytes, atomic_write_json, ensure_within, safe_name
from alcore.runs.store_files import ResultStore
from alcore.runs.store_schema import COLUMNS, SCHEMA_VERSION

__all__ = [
    "EMBEDDING_RECORD",
    "FORMAT",
    "MANIFEST",
    "PackedStoreError",
    "check_packed",
    "pack",
    "unpack",
]

#: the packed layout's name and version, written into every manifest
FORMAT = "alcore-packed-store/1"
MANIFEST = "MANIFEST.json"
#: the file (in a packed store and in the results store it is unpacked into) that records
#: the embeddings the runs read: a fresh clone's cache lacks most of them
EMBEDDING_RECORD = "embeddings.csv"
META_COLUMN = "alcore_meta"
#: zstd level of the packed tables (level 9: 1 % smaller than 3 and as fast to read)
ZSTD_LEVEL = 9


class PackedStoreError(ValueError):
    """A packed store that cannot be trusted: a file missing, extra or not the one listed."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _table_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", compression_level=ZSTD_LEVEL)
    return buf.getvalue()


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    atomic_write_bytes(path, data)
    return True


def _run_tables(store: ResultStore, progress: bool):
    """``{(dataset, encoder): [table of one run with its metadata column, ...]}``."""
    pairs: dict = {}
    for path in tqdm(store.run_files(), desc="read runs", unit="run", disable=not progress):
        meta = store.read_meta(path)  # refuses a file of an unreadable schema version
        table = pq.read_table(path)
        raw = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        table = table.replace_schema_metadata(None).select(COLUMNS)
        column = pa.array([json.dumps(raw)] * table.num_rows, pa.string())
        table = table.append_column(META_COLUMN, column)
        cfg = meta["config"]
        pairs.setdefault((cfg["dataset"], cfg["encoder"]), []).append((path.stem, table))
    return pairs


def pack(store, out, *, embeddings=None, progress: bool = False) -> dict:
    """Pack the finished runs of ``store`` into the folder ``out``; return the manifest.

    Parameters
    ----------
    store : str, Path or ResultStore
        A results store (``results/<profile>``).
    out : str or Path
        The packed store's folder; created if absent. Files of pairs the store no longer
        holds are removed; files whose bytes would not change are not rewritten.
    embeddings : DataFrame, optional
        :func:`alcore.embedding.catalog.embedding_table` (the cache's sidecars); the rows of
        the store's (dataset, encoder) pairs are kept as ``embeddings.csv`` (without the
        cache's paths). None keeps the store's own ``embeddings.csv``, if it has one.
    progress : bool
        A progress bar while the run files are read.

    Returns
    -------
    dict
        The manifest written to ``out/MANIFEST.json``.
    """
    store = store if isinstance(store, ResultStore) else ResultStore(store)
    out = Path(out)
    if not store.runs_dir.is_dir():
        raise FileNotFoundError(f"{store.path} holds no runs/ folder: not a results store")
    files: dict = {}
    pairs = _run_tables(store, progress)
    for (dataset, encoder), runs in sorted(pairs.items()):
        runs.sort(key=lambda kv: kv[0])
        table = pa.concat_tables([t for _, t in runs])
        data = _table_bytes(table)
        rel = f"runs/{safe_name(dataset)}/{safe_name(encoder)}.parquet"
        _write_if_changed(ensure_within(rel, out), data)
        files[rel] = {
            "sha256": _sha256(data),
            "bytes": len(data),
            "runs": len(runs),
            "rows": table.num_rows,
        }
    for folder in ("provenance", "upper"):
        for src in sorted((store.path / folder).glob("*.json")):
            if src.name.startswith("."):
                continue
            data = src.read_bytes()
            rel = f"{folder}/{src.name}"
            _write_if_changed(ensure_within(rel, out), data)
            files[rel] = {"sha256": _sha256(data), "bytes": len(data)}
    if embeddings is not None:
        keep = embeddings.set_index(["dataset", "encoder"]).index.isin(list(pairs))
        record = embeddings[keep].drop(columns=["path"], errors="ignore")
        old = store.path / EMBEDDING_RECORD
        if old.is_file():  # rows of embeddings this machine's cache no longer holds stay
            record = pd.concat([pd.read_csv(old), record], ignore_index=True)
        record = record.drop_duplicates(["dataset", "encoder", "split"], keep="last")
        record = record.sort_values(["dataset", "encoder", "split"])
        atomic_write_bytes(store.path / EMBEDDING_RECORD, record.to_csv(index=False).encode())
    for name in ("provenance.json", EMBEDDING_RECORD):
        if (store.path / name).is_file():
            data = (store.path / name).read_bytes()
            _write_if_changed(out / name, data)
            files[name] = {"sha256": _sha256(data), "bytes": len(data)}
    for stale in _listed(out) - set(files):
        (out / stale).unlink()
    tables = [f for rel, f in files.items() if rel.startswith("runs/")]
    manifest = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "runs": sum(f["runs"] for f in tables),
        "rows": sum(f["rows"] for f in tables),
        "bytes": sum(f["bytes"] for f in files.values()),
        "files": dict(sorted(files.items())),
    }
    atomic_write_json(out / MANIFEST, manifest)
    return manifest


def _listed(folder: Path) -> set:
    """The relative paths of the packed store's files (the manifest excepted)."""
    if not folder.is_dir():
        return set()
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    }


def check_packed(packed) -> dict:
    """Check a packed store against its manifest; return the manifest.

    Raises
    ------
    PackedStoreError
        The manifest is missing or not of :data:`FORMAT`, or a file is missing, not
        listed, or not the bytes the manifest's sha256 names.
    """
    packed = Path(packed)
    path = packed / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PackedStoreError(f"{path} is missing or unreadable ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PackedStoreError(f"{path} is not a manifest of {FORMAT}")
    listed = manifest.get("files") or {}
    present = _listed(packed)
    missing, extra = sorted(set(listed) - present), sorted(present - set(listed))
    bad = [
        rel
        for rel in sorted(set(listed) & present)
        if _sha256(ensure_within(rel, packed).read_bytes()) != listed[rel].get("sha256")
    ]
    problems = [
        f"{what}: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}"
        for what, names in (("missing", missing), ("not listed", extra), ("altered", bad))
        if names
    ]
    if problems:
        raise PackedStoreError(
            f"the packed store {packed} does not match its manifest ({'; '.join(problems)}); "
            "restore it from git (git checkout -- PATH) or pack it again"
        )
    return manifest


def _run_file_bytes(table: pa.Table) -> tuple[dict, bytes]:
    """One run's rows as the bytes of its run file, and its metadata."""
    meta = json.loads(table.column(META_COLUMN)[0].as_py())
    table = table.drop_columns([META_COLUMN])
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buf)
    return meta, buf.getvalue()


def unpack(packed, store, *, progress: bool = False) -> dict:
    """Write the runs of a packed store into the results store ``store``.

    The packed store is checked against its manifest first (:func:`check_packed`). A run
    whose file is absent is written; one whose file holds the same digest is left alone;
    one whose local file differs (another identity, a newer run) is kept as it is and
    counted, so unpacking never overwrites a local result.

    Returns
    -------
    dict
        ``{"written": n, "same": n, "kept_local": n, "runs": n}``.
    """
    packed = Path(packed)
    manifest = check_packed(packed)
    store = store if isinstance(store, ResultStore) else ResultStore(store)
    store.check_writable()
    counts = {"written": 0, "same": 0, "kept_local": 0, "runs": 0}
    tables = [rel for rel in manifest["files"] if rel.startswith("runs/")]
    for rel in tqdm(tables, desc="unpack", unit="pair", disable=not progress):
        table = pq.read_table(ensure_within(rel, packed))
        keys = table.column("run_key").to_pylist()
        start = 0
        while start < len(keys):
            stop = start
            while stop < len(keys) and keys[stop] == keys[start]:
                stop += 1
            meta, data = _run_file_bytes(table.slice(start, stop - start))
            counts["runs"] += 1
            path = store.run_path(keys[start])
            if not path.is_file():
                atomic_write_bytes(path, data)
                counts["written"] += 1
            else:
                local = (pq.read_metadata(path).metadata or {}).get(b"alcore_digest", b"")
                same = local.decode() == meta.get("alcore_digest")
                counts["same" if same else "kept_local"] += 1
            start = stop
    for rel in manifest["files"]:
        if rel.startswith(("provenance", "upper/", EMBEDDING_RECORD)):
            target = ensure_within(rel, store.path)
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(ensure_within(rel, packed), target)
    return counts
