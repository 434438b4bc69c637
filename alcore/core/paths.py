"""Where alcore keeps things, and how it writes them without leaving half-files.

Every file alcore writes goes through :func:`atomic_write`: the bytes land in a
temporary file in the same directory, are flushed to disk and only then renamed
over the destination. A process killed at any moment leaves either the old file
or the new one, never a truncated one.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

__all__ = [
    "atomic_save_npy",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_json",
    "cache_dir",
    "check_free_space",
    "check_home",
    "ensure_within",
    "home",
    "safe_name",
]

#: errno values that mean "the disk (or quota) is full"
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _full_disk_error(path: Path, exc: OSError) -> OSError:
    return OSError(
        exc.errno,
        (
            f"the disk holding {path.parent} is full ({exc.strerror or exc}); {path.name} was not "
            "written and any older copy is unchanged. Free some space, or point ALCORE_HOME / "
            "--store at another disk, then run the same command again."
        ),
    )


def check_free_space(path: Path | str, need_bytes: int, what: str = "this") -> None:
    """Raise ``OSError(ENOSPC)`` if the disk holding ``path`` has less than ``need_bytes`` free.

    Called before long work (embedding, a grid) so that a full disk is reported before the
    work is done rather than when its result cannot be saved.
    """
    path = Path(path)
    probe = next((p for p in (path, *path.parents) if p.exists()), Path.cwd())
    free = shutil.disk_usage(probe).free
    if free < need_bytes:
        raise OSError(
            errno.ENOSPC,
            (
                f"only {free / 2**20:.1f} MiB free on the disk holding {probe}, but {what} needs "
                f"about {need_bytes / 2**20:.1f} MiB. Free some space, or point ALCORE_HOME / "
                "--store at another disk."
            ),
        )


def home() -> Path:
    """Root of alcore's cache: ``$ALCORE_HOME`` or ``~/.cache/alcore``."""
    env = os.environ.get("ALCORE_HOME")
    root = Path(env).expanduser() if env else Path.home() / ".cache" / "alcore"
    return root


#: free space ALCORE_HOME must have before a command that writes there starts
HOME_MIN_FREE_BYTES = 64 << 20


def check_home(need_bytes: int = HOME_MIN_FREE_BYTES) -> Path:
    """:func:`home`, created if missing, after proving a file can be written there.

    Raises ``OSError`` naming ALCORE_HOME and the fix when it cannot be created or written,
    or when its disk has less than ``need_bytes`` free: before any work, not after it.
    """
    root = home()
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as exc:
        raise OSError(
            exc.errno,
            f"alcore's cache ALCORE_HOME={root} is not writable ({exc.strerror or exc}); set "
            "ALCORE_HOME to a writable directory (or make this one writable)",
        ) from None
    check_free_space(root, need_bytes, "alcore's cache (ALCORE_HOME)")
    return root


def cache_dir(kind: str) -> Path:
    """A sub-directory of :func:`home` (``archives``, ``datasets``, ``embeddings``, ...)."""
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


def safe_name(name) -> str:
    """``name`` as one harmless path component: letters, digits, ``-_.``; no ``.``/``..``.

    Every other character becomes ``_`` (``"../../x"`` -> ``".._.._x"``), and a name made only
    of dots gets a leading ``_``, so a name from a config can never leave its directory.
    """
    out = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(name)) or "_"
    return "_" + out if set(out) == {"."} else out


@contextlib.contextmanager
def atomic_write(path: Path | str, mode: str = "wb"):
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched; a full disk
    (``ENOSPC``/``EDQUOT``) is re-raised as an ``OSError`` of the same errno whose message names
    the file and says what to do.
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
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in _FULL:
            raise _full_disk_error(path, exc) from exc
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
