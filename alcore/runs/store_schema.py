"""The results store's table: schema version, columns and types, run identity, row digest.

A run file is one Parquet table, a row per cycle, with :data:`COLUMNS` in that order and the
Arrow types of :func:`arrow_schema` (integers int64 whatever the config held, so every file
of a store concatenates). Its metadata holds ``alcore_schema_version``, ``alcore_config``
(the config as JSON), ``alcore_identity`` (:func:`normalise_identity`) and ``alcore_digest``
(:func:`rows_digest`).

Schema versions
    3 adds ``prov_fp`` (the digest of the run's numerical provenance,
    :mod:`alcore.runs.store_provenance`) and the row digest. Files and stores of version 2
    (without them) are still read: their ``prov_fp`` is null and they carry no digest.
    Any other version is refused (:class:`StoreSchemaError`).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pyarrow as pa

from alcore.engine.loop import COLUMNS as LOOP_COLUMNS

__all__ = [
    "COLUMNS",
    "CONFIG_COLUMNS",
    "CYCLE_COLUMNS",
    "READABLE_VERSIONS",
    "RESULT_COLUMNS",
    "SCHEMA_VERSION",
    "StoreSchemaError",
    "arrow_schema",
    "normalise_identity",
    "rows_digest",
    "same_identity",
    "schema_error",
]

#: 3: runs carry ``prov_fp`` and a digest of their numbers (2: ``study``, ``data_fp``,
#: ``emb_fp``, int64 config columns)
SCHEMA_VERSION = 3
#: versions this alcore reads (version 2 files lack ``prov_fp`` and the digest)
READABLE_VERSIONS = (2, 3)
CONFIG_COLUMNS = [
    "run_key",
    "study",
    "dataset",
    "encoder",
    "ips",
    "k0",
    "strategy",
    "seed",
    "budget",
    "cycles",
    "pool_cap",
    "data_fp",
    "emb_fp",
]
#: the AL cycle's per-cycle columns, as the loop writes them
CYCLE_COLUMNS = list(LOOP_COLUMNS)
COLUMNS = [*CONFIG_COLUMNS, *CYCLE_COLUMNS, "run_seconds", "prov_fp"]
#: the columns a run's config and seed fix (its timings are measurements, not results)
RESULT_COLUMNS = ["cycle", "n_labelled", "accuracy", "macro_f1", "picked"]
_IDENTITY_KEYS = ("data", "embeddings", "code")


class StoreSchemaError(ValueError):
    """A store (or run file) written by another schema version of alcore."""


def schema_error(where, found) -> StoreSchemaError:
    """The error for a store or file of an unreadable schema version, saying what to do."""
    return StoreSchemaError(
        f"{where} has results schema_version {found!r} but this alcore writes "
        f"{SCHEMA_VERSION} (and reads {', '.join(map(str, READABLE_VERSIONS))}). Re-run the "
        "grid into a fresh store (--store NEW_PATH, or delete the old one), or migrate the "
        "old files to the current schema."
    )


def arrow_schema() -> pa.Schema:
    """Arrow types of :data:`COLUMNS`: a value pyarrow would infer as uint64 (or a Python
    int beyond int64) fails for its own run instead of making the store unmergeable."""
    i64, f64, s = pa.int64(), pa.float64(), pa.string()
    types = dict.fromkeys(CONFIG_COLUMNS, s)
    types.update(dict.fromkeys(["k0", "seed", "budget", "cycles", "pool_cap"], i64))
    types.update({"cycle": i64, "n_labelled": i64, "picked": pa.list_(i64)})
    types.update(
        dict.fromkeys(
            ["accuracy", "macro_f1", "fit_seconds", "query_seconds", "eval_seconds", "cpu_seconds"],
            f64,
        )
    )
    types.update({"run_seconds": f64, "prov_fp": s})
    return pa.schema([(c, types[c]) for c in COLUMNS])


def normalise_identity(identity) -> dict:
    """``identity`` as ``{"data": str|None, "embeddings": str|None, "code": str|None}`` (a
    record without ``code`` reads as ``None``: stale)."""
    identity = identity if isinstance(identity, dict) else {}
    return {k: identity.get(k) for k in _IDENTITY_KEYS}


def same_identity(a, b) -> bool:
    """Whether two identities (as recorded or as planned) name the same inputs."""
    return a is not None and b is not None and normalise_identity(a) == normalise_identity(b)


def rows_digest(config: dict, identity: dict, frame, prov_fp=None) -> str:
    """sha256 of what a run file asserts: its config, identity, provenance digest and the
    exact bits of its :data:`RESULT_COLUMNS` (floats as IEEE-754 float64, picks as int64
    with their per-cycle lengths).

    Written into the file's metadata with the rows; a number changed afterwards (by hand,
    or by a tool that keeps the metadata) no longer matches it."""
    h = hashlib.sha256()
    head = {"config": config, "identity": normalise_identity(identity), "prov_fp": prov_fp}
    h.update(json.dumps(head, sort_keys=True, separators=(",", ":")).encode())
    for col in RESULT_COLUMNS:
        h.update(col.encode() + b"\x1f")
        if col == "picked":
            picks = [np.asarray(p, dtype="<i8") for p in frame[col]]
            h.update(np.asarray([len(p) for p in picks], dtype="<i8").tobytes())
            for p in picks:
                h.update(p.tobytes())
        else:
            kind = "<f8" if col in ("accuracy", "macro_f1") else "<i8"
            h.update(np.ascontiguousarray(np.asarray(frame[col], dtype=kind)).tobytes())
    return h.hexdigest()
