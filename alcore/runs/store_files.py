""":class:`ResultStore`: the files of one results store, written atomically, read with checks.

Layout of a store directory (default ``results/<profile>/``)::

    provenance.json                   versions, git commit, machine, schema_version
    provenance/<prov_fp>.json         one run provenance record (what the numbers depend on)
    runs/<key>.parquet                one FINISHED run: tidy rows per (run, cycle)
    failed/<key>.json                 a failed run: config, identity, error, traceback
    upper/<dataset>__<encoder>.json   full-data accuracy (the upper bound) on the runs' pool
    claims/<key>.lock                 held (an OS file lock) while a runner computes <key>
    verify.json                       the last ``alcore verify`` of the store

Run identity. ``<key>`` is :meth:`RunConfig.key` (the config). Each run file also records
the *identity* of what the run read: ``data_fp``, the dataset's content hash (texts, labels,
split; :func:`alcore.data.dataset_fingerprint`), and ``emb_fp``, the embeddings' content
hash (the cache sidecars' sha256 of both splits, or a hash of the arrays a custom loader
returned), and ``code``, the versions of the strategies and the loop that made its picks
(:func:`alcore.engine.identity.code_identity`). A run counts as done only when its file's
identity equals the identity of the data, embeddings and code now
(:meth:`ResultStore.run_identities`); otherwise it is run again and its file replaced, so a
store never mixes stale and fresh runs of one config. Failure records and upper bounds carry
the identity too (upper bounds without ``code``: no strategy makes them).

Provenance and digest. Each run file names its run provenance record (``prov_fp``, the
record kept once in ``provenance/``; :mod:`alcore.runs.store_provenance`) and carries the
sha256 of its config, identity and numbers (:func:`~alcore.runs.store_schema.rows_digest`),
so that ``alcore verify`` tells a number changed after the run from one recomputed on
another kernel.

Claims. Several runners may share one store: before computing a run (or an upper bound) a
runner takes a non-blocking ``filelock`` on ``claims/<key>.lock`` and re-checks that the run
is not done; a run claimed by another runner is left to it. The OS releases the lock of a
killed runner, so a claim can never go stale.

A run file is written only when the run is complete, through
:func:`alcore.core.paths.atomic_write` (temporary file, fsync, rename): a killed process
leaves no partial file under its final name, and hidden temporary files are ignored.
"""

from __future__ import annotations

import io
import json
import tempfile
import traceback as tb
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from alcore.core.paths import (
    atomic_write_bytes,
    atomic_write_json,
    check_free_space,
    ensure_within,
    safe_name,
)
from alcore.runs.store_provenance import now, provenance, provenance_digest
from alcore.runs.store_schema import (
    COLUMNS,
    CONFIG_COLUMNS,
    READABLE_VERSIONS,
    SCHEMA_VERSION,
    StoreSchemaError,
    arrow_schema,
    normalise_identity,
    rows_digest,
    schema_error,
)

__all__ = ["MIN_FREE_BYTES", "ResultStore", "RunFile", "read_upper"]

#: free disk space a store must have before a grid starts (a run file is a few KiB)
MIN_FREE_BYTES = 16 << 20


class RunFile(dict):
    """What a run file's metadata asserts: ``schema_version``, ``config`` (dict),
    ``identity``, ``digest`` (None in version 2 files)."""


class ResultStore:
    """A directory of finished runs.

    Parameters
    ----------
    path : str or Path
        Store directory; created on :meth:`check_writable` / the first write.
    """

    def __init__(self, path):
        self.path = Path(path)

    def __repr__(self):
        return f"ResultStore({str(self.path)!r})"

    # -- paths ------------------------------------------------------------------------------
    @property
    def runs_dir(self) -> Path:
        return self.path / "runs"

    @property
    def failed_dir(self) -> Path:
        return self.path / "failed"

    @property
    def upper_dir(self) -> Path:
        return self.path / "upper"

    @property
    def claims_dir(self) -> Path:
        return self.path / "claims"

    @property
    def provenance_dir(self) -> Path:
        return self.path / "provenance"

    def run_path(self, key: str) -> Path:
        return ensure_within(f"{safe_name(key)}.parquet", self.runs_dir)

    @staticmethod
    def upper_failure_key(dataset: str, encoder: str) -> str:
        """Key (file stem in ``failed/``) of a failed upper bound of ``(dataset, encoder)``."""
        return f"upper__{safe_name(dataset)}__{safe_name(encoder)}"

    # -- checks -----------------------------------------------------------------------------
    def check_writable(self) -> ResultStore:
        """Create the store directories and prove a file can be written; else raise OSError.

        Also refuses a store on a disk with less than :data:`MIN_FREE_BYTES` free
        (``OSError`` with errno ``ENOSPC``) and a store of another schema version
        (:class:`StoreSchemaError`).
        """
        dirs = (self.runs_dir, self.failed_dir, self.upper_dir, self.claims_dir)
        try:
            for d in (*dirs, self.provenance_dir):
                d.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.runs_dir):
                pass
        except OSError as exc:
            raise OSError(
                f"the results store {self.path} is not writable ({exc}). "
                "Pass a writable directory with --store PATH."
            ) from exc
        check_free_space(self.runs_dir, MIN_FREE_BYTES, f"the results store {self.path}")
        self.check_schema()
        return self

    def check_schema(self) -> None:
        """Raise :class:`StoreSchemaError` if provenance.json names an unreadable version."""
        prov = self.path / "provenance.json"
        if prov.is_file():
            try:
                found = json.loads(prov.read_text()).get("schema_version")
            except (ValueError, AttributeError) as exc:
                raise StoreSchemaError(
                    f"{prov} is not a readable provenance record ({exc}); "
                    "delete it (the next grid writes it again)"
                ) from None
            if found not in READABLE_VERSIONS:
                raise schema_error(f"store {self.path}", found)

    # -- runs -------------------------------------------------------------------------------
    def write_run(
        self,
        config,
        cycles: pd.DataFrame,
        run_seconds: float,
        identity: dict | None = None,
        provenance: dict | None = None,
    ) -> Path:
        """Write a finished run atomically as ``runs/<key>.parquet``; drop its failure record.

        Parameters
        ----------
        config : RunConfig
        cycles : DataFrame
            :func:`alcore.engine.loop.run_al`'s output (one row per cycle).
        run_seconds : float
            Wall time of the whole run.
        identity : dict, optional
            ``{"data": ..., "embeddings": ..., "code": ...}``: what the run read and the
            code that made its picks (see the module docstring).
        provenance : dict, optional
            The run provenance record of the process that computed it
            (:func:`alcore.runs.store_provenance.run_provenance`); stored once under its
            digest, which the run's ``prov_fp`` names.
        """
        key = config.key()
        cfg = config.to_dict()
        ident = normalise_identity(identity)
        prov_fp = None if provenance is None else self.write_run_provenance(provenance)
        df = cycles.reset_index(drop=True).copy()
        for col in ("eval_seconds", "cpu_seconds"):  # frames made without these timings
            if col not in df:
                df[col] = float("nan")
        values = {
            **cfg,
            "run_key": key,
            "data_fp": ident["data"],
            "emb_fp": ident["embeddings"],
        }
        for col in reversed(CONFIG_COLUMNS):
            df.insert(0, col, [values[col]] * len(df))
        df["pool_cap"] = pd.array(df["pool_cap"], dtype="Int64")  # read back as Int64 too
        df["picked"] = [list(map(int, p)) for p in df["picked"]]
        df["run_seconds"] = float(run_seconds)
        df["prov_fp"] = prov_fp
        table = pa.Table.from_pandas(df[COLUMNS], schema=arrow_schema(), preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta.update(
            {
                b"alcore_schema_version": str(SCHEMA_VERSION).encode(),
                b"alcore_config": json.dumps(cfg, sort_keys=True).encode(),
                b"alcore_identity": json.dumps(ident, sort_keys=True).encode(),
                b"alcore_digest": rows_digest(cfg, ident, df, prov_fp).encode(),
            }
        )
        buf = io.BytesIO()
        pq.write_table(table.replace_schema_metadata(meta), buf)
        path = self.run_path(key)
        atomic_write_bytes(path, buf.getvalue())
        (self.failed_dir / f"{key}.json").unlink(missing_ok=True)
        return path

    def run_files(self) -> list[Path]:
        """Final run files (hidden temporary files are ignored)."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(p for p in self.runs_dir.glob("*.parquet") if not p.name.startswith("."))

    def read_meta(self, path: Path) -> RunFile:
        """A run file's metadata after checking its schema version (raises if unreadable)."""
        meta = pq.read_metadata(path).metadata or {}
        found = meta.get(b"alcore_schema_version", b"?").decode()
        if found not in map(str, READABLE_VERSIONS):
            raise schema_error(f"run file {path}", found)
        digest = meta.get(b"alcore_digest")
        return RunFile(
            schema_version=int(found),
            config=json.loads(meta.get(b"alcore_config", b"{}")),
            identity=normalise_identity(json.loads(meta.get(b"alcore_identity", b"{}"))),
            digest=None if digest is None else digest.decode(),
        )

    def read_run(self, key: str) -> tuple[pd.DataFrame, RunFile]:
        """The rows of the run ``key`` (``prov_fp`` null in version 2 files) and its metadata."""
        path = self.run_path(key)
        meta = self.read_meta(path)
        df = pq.read_table(path).to_pandas()
        if "prov_fp" not in df.columns:
            df["prov_fp"] = None
        df["picked"] = df["picked"].map(list)
        return df.sort_values("cycle", kind="stable").reset_index(drop=True), meta

    def run_identities(self) -> dict:
        """``{key: identity}`` of the complete, readable run files (see :meth:`done_keys`)."""
        out = {}
        for path in self.run_files():
            try:
                out[path.stem] = self.read_meta(path)["identity"]
            except StoreSchemaError:
                raise
            except Exception as exc:
                warnings.warn(
                    f"unreadable run file {path} ({exc}); it will be re-run", stacklevel=2
                )
        return out

    def run_identity(self, key: str) -> dict | None:
        """The identity of the finished run ``key``, or None if it has no readable file."""
        path = self.run_path(key)
        try:
            return self.read_meta(path)["identity"] if path.is_file() else None
        except StoreSchemaError:
            raise
        except Exception:
            return None

    def claim(self, key: str):
        """Try to claim ``key`` for this runner: an acquired lock, or None if another holds it.

        Release it with ``.release()`` once the result is written. The lock is an OS file
        lock (``filelock``): a killed runner's claims vanish with it.
        """
        self.claims_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(ensure_within(f"{safe_name(key)}.lock", self.claims_dir)))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return None
        return lock

    def done_keys(self) -> set[str]:
        """Keys of the complete, readable run files (whatever their identity).

        A file whose Parquet footer cannot be read is reported (a warning) and treated as
        not done, so the run is repeated and the file replaced. A file of another schema
        version raises :class:`StoreSchemaError`.
        """
        return set(self.run_identities())

    # -- run provenance ---------------------------------------------------------------------
    def write_run_provenance(self, record: dict) -> str:
        """Keep ``record`` as ``provenance/<digest>.json`` (once); return its digest."""
        digest = provenance_digest(record)
        path = ensure_within(f"{digest}.json", self.provenance_dir)
        if not path.is_file():
            atomic_write_json(path, record)
        return digest

    def run_provenance(self, digest: str) -> dict | None:
        """The run provenance record ``digest``; None if absent, unreadable or altered."""
        path = ensure_within(f"{safe_name(digest)}.json", self.provenance_dir)
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return record if provenance_digest(record) == digest else None

    # -- failures ---------------------------------------------------------------------------
    def write_failure(
        self,
        config,
        error: BaseException | str,
        traceback: str | None = None,
        identity: dict | None = None,
    ):
        """Record a failed run as ``failed/<key>.json`` (config, identity, error, traceback)."""
        if isinstance(error, BaseException):
            traceback = traceback or "".join(tb.format_exception(error))
            error = f"{type(error).__name__}: {error}"
        atomic_write_json(
            self._failed_path(config.key()),
            {
                "key": config.key(),
                "config": config.to_dict(),
                "error": str(error),
                "identity": normalise_identity(identity),
                "traceback": traceback or "",
                "time": now(),
            },
        )

    def _failed_path(self, key: str) -> Path:
        return ensure_within(f"{safe_name(key)}.json", self.failed_dir)

    def write_upper_failure(self, dataset, encoder, error, traceback="", identity=None):
        """Record a failed upper bound as ``failed/upper__<dataset>__<encoder>.json``."""
        key = self.upper_failure_key(dataset, encoder)
        atomic_write_json(
            self._failed_path(key),
            {
                "key": key,
                "error": str(error),
                "identity": normalise_identity(identity),
                "config": {"dataset": dataset, "encoder": encoder, "strategy": "upper_bound"},
                "traceback": traceback or "",
                "time": now(),
            },
        )

    def failed_keys(self) -> set[str]:
        """Keys of the runs recorded as failed (and not finished since)."""
        return set(self.failed_identities())

    def failed_identities(self) -> dict:
        """``{key: identity}`` of the failure records of runs that have no run file.

        A record whose run has finished since (another runner, an older alcore) is removed:
        a success always clears its failure. An unreadable record counts as a failure of
        unknown identity (so the run is tried again).
        """
        if not self.failed_dir.is_dir():
            return {}
        out = {}
        for p in sorted(self.failed_dir.glob("*.json")):
            if p.name.startswith("."):
                continue
            if self.run_identity(p.stem) is not None:
                p.unlink(missing_ok=True)
                continue
            try:
                out[p.stem] = normalise_identity(json.loads(p.read_text()).get("identity"))
            except (OSError, ValueError, AttributeError):
                out[p.stem] = normalise_identity(None)
        return out

    def failures(self) -> pd.DataFrame:
        """The failure records as a table (key, dataset, encoder, strategy, error, ...)."""
        rows = []
        for key in sorted(self.failed_keys()):
            try:
                rec = json.loads((self.failed_dir / f"{key}.json").read_text())
                rows.append({"run_key": key, **rec["config"], "error": rec["error"]})
            except (OSError, ValueError, KeyError, TypeError) as exc:
                rows.append({"run_key": key, "error": f"unreadable failure record ({exc})"})
        return pd.DataFrame(rows)

    # -- upper bounds -----------------------------------------------------------------------
    def upper_path(self, dataset: str, encoder: str) -> Path:
        """``upper/<dataset>__<encoder>.json`` (names made safe: never outside ``upper/``)."""
        return ensure_within(f"{safe_name(dataset)}__{safe_name(encoder)}.json", self.upper_dir)

    def upper_record(self, dataset: str, encoder: str) -> dict | None:
        """The upper-bound record of ``(dataset, encoder)``; None if absent, empty or corrupt."""
        return read_upper(self.upper_path(dataset, encoder))

    def has_upper(self, dataset: str, encoder: str, **match) -> bool:
        """Whether a readable upper bound exists whose fields equal ``match``.

        E.g. ``has_upper(d, e, pool_cap=None, identity={...}, clf={...})``: a bound of
        another pool, data, embeddings or classifier does not count.
        """
        rec = self.upper_record(dataset, encoder)
        return rec is not None and all(rec.get(k) == v for k, v in match.items())

    def write_upper(self, dataset: str, encoder: str, scores: dict, **extra) -> None:
        """Record the full-data accuracy of ``(dataset, encoder)`` (``extra``: pool, identity)."""
        self._failed_path(self.upper_failure_key(dataset, encoder)).unlink(missing_ok=True)
        atomic_write_json(
            self.upper_path(dataset, encoder),
            {"dataset": dataset, "encoder": encoder, **scores, **extra},
        )

    # -- store provenance -------------------------------------------------------------------
    def write_provenance(self, **extra) -> dict:
        """Write ``provenance.json`` (versions, git commit, machine, BLAS threads)."""
        prov = {**provenance(), **extra}
        atomic_write_json(self.path / "provenance.json", prov)
        return prov


def read_upper(path: Path) -> dict | None:
    """An upper-bound JSON record, or None (with a warning) if it is empty or corrupt."""
    if not path.is_file():
        return None
    try:
        rec = json.loads(path.read_text())
        if not isinstance(rec, dict) or not {"dataset", "encoder", "accuracy"} <= set(rec):
            raise ValueError("not an upper-bound record")
        float(rec["accuracy"])
        return rec
    except (OSError, ValueError, TypeError) as exc:
        warnings.warn(
            f"unreadable upper bound {path} ({exc}); it is recomputed by the next "
            "'alcore run' and left out until then",
            stacklevel=3,
        )
        return None
