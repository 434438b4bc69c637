"""What a run's numbers depend on beyond its config, inputs and code; and the store's record.

Run provenance (:func:`alcore.runs.grid_provenance.run_provenance`, stored with every run)
    The versions of the numerical libraries (numpy, scipy, scikit-learn, faiss; torch for
    the embeddings, and threadpoolctl), every BLAS and OpenMP library loaded by them with
    its implementation, version and kernel (``threadpoolctl.threadpool_info()``:
    ``internal_api``, ``version``, ``architecture``, threading layer), faiss's SIMD build,
    the CPU model and its SIMD flags, and the thread count a run is pinned to
    (:data:`alcore.engine.loop.RUN_THREADS`). The store keeps each distinct record once,
    under its digest (:func:`provenance_digest`), and each run its digest (``prov_fp``).

The kernel (:func:`kernel`)
    The part of the record that decides a run's bits: library versions, the BLAS and OpenMP
    libraries and their kernels (OpenBLAS picks its kernel, ``architecture``, from the CPU),
    faiss's build, the CPU's SIMD flags (numpy's and faiss's code paths follow them), the
    machine type and the thread count. Two records with the same kernel give identical
    numbers for the same run; where the kernels differ, last-bit differences of a fit may grow
    into other picks (:func:`kernel_differences` names them). The CPU model, torch,
    threadpoolctl and Python are recorded but outside the kernel: two CPU models with the same
    flags run the same code, and a run reads its embeddings by content hash, not through torch.

Store provenance (:func:`provenance`, ``provenance.json``)
    Written by each grid: alcore's version, git commit, package versions, platform and
    machine, and the schema version.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from threadpoolctl import threadpool_info

from alcore import __version__
from alcore.runs.store_schema import SCHEMA_VERSION

__all__ = [
    "KERNEL_PACKAGES",
    "cpu_model",
    "cpuinfo",
    "kernel",
    "kernel_differences",
    "provenance",
    "provenance_digest",
    "version",
]

#: packages whose versions decide a run's bits
KERNEL_PACKAGES = ("numpy", "scipy", "scikit-learn", "faiss-cpu")
_STORE_PACKAGES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "faiss-cpu",
    "pandas",
    "pyarrow",
    "torch",
    "scikit-activeml",
    "joblib",
    "threadpoolctl",
    "dask",
    "distributed",
)


def version(package) -> str | None:
    """The installed version of ``package`` (a distribution name), or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def cpuinfo() -> dict:
    """The first ``model name``, ``flags`` and ``Features`` lines of ``/proc/cpuinfo``."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("model name", "flags", "Features") and key not in out:
            out[key] = value.strip()
    return out


def cpu_model() -> str:
    """The CPU model name (``/proc/cpuinfo``), else what ``platform`` knows."""
    return cpuinfo().get("model name") or platform.processor() or platform.machine()


def provenance_digest(record: dict) -> str:
    """16 hex digits of the sha256 of the record's canonical JSON: its name in the store."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def kernel(record: dict) -> dict:
    """The fields of a run provenance record that decide a run's bits (flat: field -> value)."""
    packages = record.get("packages") or {}
    out = {f"package {p}": packages.get(p) for p in KERNEL_PACKAGES}
    for lib in record.get("libraries") or []:
        owner = f" (of {lib['owner']})" if lib.get("owner") else ""
        name = f"{lib.get('user_api')} {lib.get('prefix')}{owner}"
        out[name] = " ".join(
            str(lib[k])
            for k in ("internal_api", "version", "architecture", "threading_layer")
            if lib.get(k) is not None
        )
    for key in ("faiss_build", "cpu_simd", "machine", "threads"):
        out[key] = record.get(key)
    return out


def kernel_differences(recorded: dict, current: dict) -> list[str]:
    """``"field: recorded -> current"`` for every kernel field that differs (empty: same)."""
    a, b = kernel(recorded), kernel(current)
    return [
        f"{k}: {a.get(k, 'absent')} -> {b.get(k, 'absent')}"
        for k in sorted(set(a) | set(b))
        if a.get(k, "absent") != b.get(k, "absent")
    ]


def _git_commit():
    try:
        root = Path(__file__).resolve().parents[2]
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _gpu():
    """GPU name via nvidia-smi (importing torch just to ask would cost seconds)."""
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


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def provenance() -> dict:
    """Versions, git commit and machine facts for a store's ``provenance.json``."""
    blas = [
        {k: i.get(k) for k in ("internal_api", "num_threads", "version")} for i in threadpool_info()
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "alcore_version": __version__,
        "git_commit": _git_commit(),
        "python": sys.version.split()[0],
        "packages": {p: version(p) for p in _STORE_PACKAGES},
        "platform": platform.platform(),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "gpu": _gpu(), "blas": blas},
        "written": now(),
    }
