"""Where alcore keeps things, and how it writes them without leaving half-files.

Every file alcore writes goes through :func:`atomic_write`: the bytes land in a
temporary file in the same directory, are flushed to disk and only then renamed
over the destination. A process killed at any moment leaves either the old file
or the new one, never a truncated one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = [
    "home",
    "cache_dir",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_save_npy",
    "ensure_within",
]


def home() -> Path:
    """Root of alcore's cache: ``$ALCORE_HOME`` or ``~/.cache/alcore``."""
    env = os.environ.get("ALCORE_HOME")
    root = Path(env).expanduser() if env else Path.home() / ".cache" / "alcore"
    return root


def cache_dir(kind: str) -> Path:
    """A sub-directory of :func:`home` (``archives``, ``datasets``, ``embeddings``, ...), created."""
    path = home() / kind
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # unwritable cache: say so before any work is done
        raise OSError(
            f"alcore cannot create its cache directory {path}: {exc}. "
            "Set ALCORE_HOME to a writable directory."
        ) from exc
    return path


def ensure_within(path: Path | str, root: Path | str) -> Path:
    """Resolve ``path`` and refuse it if it escapes ``root`` (e.g. via ``..``)."""
    root = Path(root).resolve()
    resolved = (root / path).resolve() if not Path(path).is_absolute() else Path(path).resolve()
    if resolved != root and root not in resolved.parents:
        raise ValueError(f"path {path!s} points outside {root}; refusing to write there")
    return resolved


@contextlib.contextmanager
def atomic_write(path: Path | str, mode: str = "wb"):
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path, "wb") as fh:
        fh.write(data)


def atomic_write_json(path: Path | str, obj) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    with atomic_write(path, "w") as fh:
        json.dump(obj, fh, indent=2, sort_keys=True, default=str)


def atomic_save_npy(path: Path | str, array: np.ndarray) -> None:
    """Save ``array`` as ``.npy`` (``allow_pickle=False``) to ``path`` atomically."""
    with atomic_write(path, "wb") as fh:
        np.save(fh, np.asarray(array), allow_pickle=False)
