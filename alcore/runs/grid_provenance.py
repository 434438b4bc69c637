"""The run provenance record of this process: what the numbers of the runs it computes
depend on (:mod:`alcore.runs.store_provenance` says what the record holds and compares two).

The numerical libraries a run uses are imported here, so that their BLAS and OpenMP
libraries are loaded, and listed by threadpoolctl, whatever this process has run so far.
"""

from __future__ import annotations

import functools
import json
import platform
import sys
from pathlib import PurePath

import faiss
import numpy  # noqa: F401
import scipy.linalg  # noqa: F401
import sklearn.cluster
import sklearn.linear_model  # noqa: F401
from threadpoolctl import threadpool_info

from alcore.engine.loop import RUN_THREADS
from alcore.runs.store_provenance import KERNEL_PACKAGES, cpu_model, cpuinfo, version

__all__ = ["RECORDED_PACKAGES", "SIMD_FLAGS", "run_provenance"]

#: versions recorded: the kernel's packages, torch (it made the embeddings, which runs read
#: by content hash) and threadpoolctl
RECORDED_PACKAGES = (*KERNEL_PACKAGES, "torch", "threadpoolctl")
#: CPU flags that select SIMD code paths in OpenBLAS, numpy and faiss
SIMD_FLAGS = (
    "sse4_1",
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512dq",
    "avx512cd",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
    "asimd",
    "sve",
)
#: libraries loaded by these packages are not used by a run (torch embeds, it does not fit)
_NOT_RUN_OWNERS = ("torch",)
_LIB_KEYS = ("user_api", "internal_api", "prefix", "version", "architecture", "threading_layer")


def _owner(filepath) -> str:
    """The package that ships a shared library (``.../site-packages/numpy.libs/x.so`` ->
    ``numpy``), or ``system``."""
    parts = PurePath(filepath or "").parts
    for i, part in enumerate(parts[:-1]):
        if part in ("site-packages", "dist-packages") and i + 2 < len(parts):
            return parts[i + 1].removesuffix(".libs")
    return "system"


def _libraries() -> list[dict]:
    """The BLAS and OpenMP libraries of this process, each once. A BLAS library is named by
    the package that ships it (numpy and scipy bring their own); an OpenMP runtime is not, as
    the packages share whichever identical copy was loaded first."""
    libs = set()
    for info in threadpool_info():
        owner = _owner(info.get("filepath"))
        if owner not in _NOT_RUN_OWNERS:
            lib = {k: info.get(k) for k in _LIB_KEYS}
            lib["owner"] = owner if info.get("user_api") == "blas" else None
            libs.add(json.dumps(lib, sort_keys=True))
    return [json.loads(lib) for lib in sorted(libs)]


def _simd_flags() -> str:
    info = cpuinfo()
    flags = set((info.get("flags") or info.get("Features") or "").split())
    return " ".join(f for f in SIMD_FLAGS if f in flags)


@functools.lru_cache(maxsize=1)
def _run_provenance() -> str:
    record = {
        "python": sys.version.split()[0],
        "packages": {p: version(p) for p in RECORDED_PACKAGES},
        "libraries": _libraries(),
        "faiss_build": faiss.get_compile_options().strip(),
        "cpu": cpu_model(),
        "cpu_simd": _simd_flags(),
        "machine": platform.machine(),
        "threads": RUN_THREADS,
    }
    return json.dumps(record, sort_keys=True)


def run_provenance() -> dict:
    """This process's run provenance record (see the module docstring); a fresh dict."""
    return json.loads(_run_provenance())
