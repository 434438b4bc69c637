"""The results store: one Parquet file per finished run, upper bounds and provenance.

Layout of a store directory (default ``results/<profile>/``)::

    provenance.json                   versions, git commit, machine, schema_version
    runs/<key>.parquet                one FINISHED run: tidy rows per (run, cycle)
    failed/<key>.json                 a failed run: config, identity, error, traceback
    upper/<dataset>__<encoder>.json   full-data accuracy (the upper bound) on the runs' pool
    claims/<key>.lock                 held (an OS file lock) while a runner computes <key>

Run identity. ``<key>`` is :meth:`RunConfig.key` (the config). Each run file also records
the *identity* of what the run read: ``data_fp``, the dataset's content hash (texts, labels,
split; :func:`alcore.data.dataset_fingerprint`), and ``emb_fp``, the embeddings' content
hash (the cache sidecars' sha256 of both splits, or a hash of the arrays a custom loader
returned), and ``code``, the versions of the strategies and the loop that made its picks
(:func:`alcore.engine.identity.code_identity`). A run counts as done only when its file's identity
equals the identity of the data, embeddings and code now (:meth:`ResultStore.run_identities`);
otherwise it is run again and its file replaced, so a store never mixes stale and fresh runs
of one config. Failure records and upper bounds carry the identity too (upper bounds without
``code``: no strategy makes them).

Claims. Several runners may share one store: before computing a run (or an upper bound) a
runner takes a non-blocking ``filelock`` on ``claims/<key>.lock`` and re-checks that the run
is not done; a run claimed by another runner is left to it. The OS releases the lock of a
killed runner, so a claim can never go stale.

A run file is written only when the run is complete, through
:func:`alcore.core.paths.atomic_write` (temporary file, fsync, rename): a killed process leaves no
partial file under its final name, and hidden temporary files are ignored. Each Parquet file
carries ``schema_version`` and the full config (JSON) in its metadata.
"""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import traceback as tb
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from alcore.core.paths import (
    atomic_write_bytes,
    atomic_write_json,
    check_free_space,
    ensure_within,
    safe_name,
)

__all__ = [
    "CONFIG_COLUMNS",
    "CYCLE_COLUMNS",
    "SCHEMA_VERSION",
    "ResultStore",
    "StoreSchemaError",
    "default_store_path",
    "load_provenance",
    "load_results",
    "load_upper_bounds",
    "same_identity",
]

#: 2: runs carry ``study``, ``data_fp`` and ``emb_fp``; int64 config columns enforced
SCHEMA_VERSION = 2
#: free disk space a store must have before a grid starts (a run file is a few KiB)
MIN_FREE_BYTES = 16 << 20
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
CYCLE_COLUMNS = [
    "cycle",
    "n_labelled",
    "accuracy",
    "macro_f1",
    "fit_seconds",
    "query_seconds",
    "eval_seconds",
    "cpu_seconds",
    "picked",
]
COLUMNS = CONFIG_COLUMNS + CYCLE_COLUMNS + ["run_seconds"]


class StoreSchemaError(ValueError):
    """A store (or run file) written by another schema version of alcore."""


def default_store_path(profile: str) -> Path:
    """``results/<profile>`` (relative to the working directory)."""
    return Path("results") / profile


def _schema_error(where, found):
    return StoreSchemaError(
        f"{where} has results schema_version {found!r} but this alcore writes "
        f"{SCHEMA_VERSION}. Re-run the grid into a fresh store (--store NEW_PATH, or delete "
        "the old one), or migrate the old files to the current schema."
    )


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
        try:
            for d in (self.runs_dir, self.failed_dir, self.upper_dir, self.claims_dir):
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
        """Raise :class:`StoreSchemaError` if provenance.json names another schema version."""
        prov = self.path / "provenance.json"
        if prov.is_file():
            try:
                found = json.loads(prov.read_text()).get("schema_version")
            except (ValueError, AttributeError) as exc:
                raise StoreSchemaError(
                    f"{prov} is not a readable provenance record ({exc}); "
                    "delete it (the next grid writes it again)"
                ) from None
            if found != SCHEMA_VERSION:
                raise _schema_error(f"store {self.path}", found)

    # -- runs -------------------------------------------------------------------------------
    def write_run(
        self, config, cycles: pd.DataFrame, run_seconds: float, identity: dict | None = None
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
            ``{"data": str or None, "embeddings": str or None}``: content hashes of what the
            run read (see the module docstring).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        key = config.key()
        cfg = config.to_dict()
        ident = _identity(identity)
        df = cycles.reset_index(drop=True).copy()
        values = {**cfg, "run_key": key, "data_fp": ident["data"], "emb_fp": ident["embeddings"]}
        for col in reversed(CONFIG_COLUMNS):
            df.insert(0, col, [values[col]] * len(df))
        df["pool_cap"] = pd.array(df["pool_cap"], dtype="Int64")  # read back as Int64 too
        df["picked"] = [list(map(int, p)) for p in df["picked"]]
        for col in ("eval_seconds", "cpu_seconds"):  # frames made without these timings
            if col not in df:
                df[col] = float("nan")
        df["run_seconds"] = float(run_seconds)
        # explicit types: a value pyarrow would infer as uint64 (or a Python int beyond
        # int64) would make the whole store unreadable; here it fails for this run alone
        table = pa.Table.from_pandas(df[COLUMNS], schema=_arrow_schema(), preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta.update(
            {
                b"alcore_schema_version": str(SCHEMA_VERSION).encode(),
                b"alcore_config": json.dumps(cfg, sort_keys=True).encode(),
                b"alcore_identity": json.dumps(ident, sort_keys=True).encode(),
            }
        )
        table = table.replace_schema_metadata(meta)
        buf = io.BytesIO()
        pq.write_table(table, buf)
        path = self.run_path(key)
        atomic_write_bytes(path, buf.getvalue())
        (self.failed_dir / f"{key}.json").unlink(missing_ok=True)
        return path

    def run_files(self) -> list[Path]:
        """Final run files (hidden temporary files are ignored)."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(p for p in self.runs_dir.glob("*.parquet") if not p.name.startswith("."))

    def _check_file(self, path: Path) -> dict:
        """The file's identity after checking its schema version (raises if unreadable)."""
        import pyarrow.parquet as pq

        meta = pq.read_metadata(path).metadata or {}
        found = meta.get(b"alcore_schema_version", b"?").decode()
        if found != str(SCHEMA_VERSION):
            raise _schema_error(f"run file {path}", found)
        return _identity(json.loads(meta.get(b"alcore_identity", b"{}")))

    def run_identities(self) -> dict:
        """``{key: identity}`` of the complete, readable run files (see :meth:`done_keys`)."""
        out = {}
        for path in self.run_files():
            try:
                out[path.stem] = self._check_file(path)
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
            return self._check_file(path) if path.is_file() else None
        except StoreSchemaError:
            raise
        except Exception:
            return None

    def claim(self, key: str):
        """Try to claim ``key`` for this runner: an acquired lock, or None if another holds it.

        Release it with ``.release()`` once the result is written. The lock is an OS file
        lock (``filelock``): a killed runner's claims vanish with it.
        """
        from filelock import FileLock, Timeout

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
                "identity": _identity(identity),
                "traceback": traceback or "",
                "time": _now(),
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
                "identity": _identity(identity),
                "config": {"dataset": dataset, "encoder": encoder, "strategy": "upper_bound"},
                "traceback": traceback or "",
                "time": _now(),
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
                out[p.stem] = _identity(json.loads(p.read_text()).get("identity"))
            except (OSError, ValueError, AttributeError):
                out[p.stem] = _identity(None)
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
        return _read_upper(self.upper_path(dataset, encoder))

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

    # -- provenance -------------------------------------------------------------------------
    def write_provenance(self, **extra) -> dict:
        """Write ``provenance.json`` (versions, git commit, machine, BLAS threads)."""
        prov = {**provenance(), **extra}
        atomic_write_json(self.path / "provenance.json", prov)
        return prov


def _identity(identity) -> dict:
    """``identity`` normalised to ``{"data": str|None, "embeddings": str|None, "code":
    str|None}`` (a record written before runs carried ``code`` reads as ``None``: stale)."""
    identity = identity if isinstance(identity, dict) else {}
    return {k: identity.get(k) for k in ("data", "embeddings", "code")}


def same_identity(a, b) -> bool:
    """Whether two identities (as recorded or as planned) name the same inputs."""
    return a is not None and b is not None and _identity(a) == _identity(b)


def _arrow_schema():
    import pyarrow as pa

    i64, f64, s = pa.int64(), pa.float64(), pa.string()
    types = {
        "run_key": s,
        "study": s,
        "dataset": s,
        "encoder": s,
        "ips": s,
        "k0": i64,
        "strategy": s,
        "seed": i64,
        "budget": i64,
        "cycles": i64,
        "pool_cap": i64,
        "data_fp": s,
        "emb_fp": s,
        "cycle": i64,
        "n_labelled": i64,
        "accuracy": f64,
        "macro_f1": f64,
        "fit_seconds": f64,
        "query_seconds": f64,
        "eval_seconds": f64,
        "cpu_seconds": f64,
        "picked": pa.list_(i64),
        "run_seconds": f64,
    }
    return pa.schema([(c, types[c]) for c in COLUMNS])


def _read_upper(path: Path) -> dict | None:
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


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _git_commit():
    try:
        root = Path(__file__).resolve().parent.parent
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def provenance() -> dict:
    """Versions, git commit and machine facts for ``provenance.json``."""
    from importlib import metadata

    from alcore import __version__

    packages = {}
    for pkg in (
        "numpy",
        "scipy",
        "scikit-learn",
        "pandas",
        "pyarrow",
        "torch",
        "scikit-activeml",
        "joblib",
        "dask",
        "distributed",
    ):
        try:
            packages[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            packages[pkg] = None
    try:
        from threadpoolctl import threadpool_info

        blas = [
            {k: i.get(k) for k in ("internal_api", "num_threads", "version")}
            for i in threadpool_info()
        ]
    except Exception:
        blas = []
    return {
        "schema_version": SCHEMA_VERSION,
        "alcore_version": __version__,
        "git_commit": _git_commit(),
        "python": sys.version.split()[0],
        "packages": packages,
        "platform": platform.platform(),
        "machine": {"cpu": _cpu_model(), "cores": os.cpu_count(), "gpu": _gpu(), "blas": blas},
        "written": _now(),
    }


def _gpu():
    """GPU name via nvidia-smi (importing torch just to ask would cost seconds)."""
    import shutil

    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        return ", ".join(out.stdout.split("\n")[:8]).strip(", ") or None
    except (OSError, subprocess.SubprocessError):
        return None


# -- readers ----------------------------------------------------------------------------------
def _stores(stores):
    if not stores:
        raise ValueError("give at least one results store (a path or a ResultStore)")
    return [s if isinstance(s, ResultStore) else ResultStore(s) for s in stores]


def load_results(*stores) -> pd.DataFrame:
    """All finished runs of the given stores, one row per (run, cycle).

    Columns: ``run_key study dataset encoder ips k0 strategy seed budget cycles pool_cap
    data_fp emb_fp cycle n_labelled accuracy macro_f1 fit_seconds query_seconds
    eval_seconds cpu_seconds picked run_seconds`` (runs stored without the last timings
    read them as NaN). ``study`` is ``main`` (the grid), ``ips`` (IPS-only runs of the IPS study,
    ``cycles == 0``) or ``ips_al`` (AL cycles from the IPS study's initial pools); select
    ``study == "main"`` for the strategy comparison.
    Unreadable files are skipped with a warning; a run in several stores appears once.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables, seen = [], set()
    for store in _stores(stores):
        store.check_schema()
        for path in store.run_files():
            if path.stem in seen:
                continue
            try:
                store._check_file(path)
                tables.append(pq.read_table(path))
            except StoreSchemaError:
                raise
            except Exception as exc:
                warnings.warn(f"skipping unreadable run file {path} ({exc})", stacklevel=2)
                continue
            seen.add(path.stem)
    if not tables:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    df = pa.concat_tables(tables, promote_options="default").to_pandas()
    df["picked"] = df["picked"].map(list)
    return df.sort_values(["run_key", "cycle"], kind="stable").reset_index(drop=True)


def load_upper_bounds(*stores) -> pd.DataFrame:
    """Full-data accuracy per (dataset, encoder): columns dataset, encoder, accuracy, macro_f1."""
    rows = {}
    for store in _stores(stores):
        if store.upper_dir.is_dir():
            for p in sorted(store.upper_dir.glob("*.json")):
                rec = None if p.name.startswith(".") else _read_upper(p)
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
