"""Atomic writes, path guards, pinned-archive fetching and error messages."""

import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from alcore.core import archives, paths
from alcore.core.errors import UnknownNameError, check_finite


def test_atomic_write_keeps_old_file_on_error(tmp_path):
    target = tmp_path / "a.json"
    paths.atomic_write_json(target, {"x": 1})
    with pytest.raises(RuntimeError):
        with paths.atomic_write(target, "w") as fh:
            fh.write("{half")
            raise RuntimeError("killed mid-write")
    assert target.read_text().startswith("{")
    assert '"x": 1' in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temp file left


def test_atomic_save_npy_roundtrip_without_pickle(tmp_path):
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    paths.atomic_save_npy(tmp_path / "x.npy", arr)
    np.testing.assert_array_equal(np.load(tmp_path / "x.npy", allow_pickle=False), arr)


def test_ensure_within_refuses_escape(tmp_path):
    assert (
        paths.ensure_within("sub/file.parquet", tmp_path)
        == (tmp_path / "sub/file.parquet").resolve()
    )
    with pytest.raises(ValueError, match="outside"):
        paths.ensure_within("../../etc/passwd", tmp_path)
    with pytest.raises(ValueError, match="outside"):
        paths.ensure_within("/etc/passwd", tmp_path)


def test_home_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("ALCORE_HOME", str(tmp_path / "h"))
    assert paths.cache_dir("archives") == tmp_path / "h" / "archives"
    assert (tmp_path / "h" / "archives").is_dir()


def _fake_pip(payload: bytes, returncode=0):
    def run(cmd, capture_output, text):
        dest = Path(cmd[cmd.index("-d") + 1])
        if returncode == 0:
            (dest / "pkg-1.0-py3-none-any.whl").write_bytes(payload)
        else:
            (dest / "partial.whl.part").write_bytes(b"half")
        return subprocess.CompletedProcess(cmd, returncode, "", "ERROR: no network")

    return run


def _zip_bytes(tmp_path):
    zpath = tmp_path / "src.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("pkg/data.txt", "hello")
    return zpath.read_bytes()


def test_fetch_archive_checks_sha256_and_reads_members(tmp_path, monkeypatch):
    payload = _zip_bytes(tmp_path)
    import hashlib

    good = archives.Archive(
        "pkg", "1.0", "pkg-1.0-py3-none-any.whl", hashlib.sha256(payload).hexdigest()
    )
    monkeypatch.setattr(archives.subprocess, "run", _fake_pip(payload))
    cache = tmp_path / "cache"
    cache.mkdir()
    path = archives.fetch_archive(good, cache, quiet=True)
    assert archives.read_member(path, "pkg/data.txt") == b"hello"
    # a pinned hash that does not match is refused and nothing is kept
    bad = archives.Archive("pkg", "1.0", "pkg-1.0-py3-none-any.whl", "0" * 64)
    path.unlink()
    with pytest.raises(ValueError, match="sha256"):
        archives.fetch_archive(bad, cache, quiet=True)
    assert list(cache.iterdir()) == []


def test_failed_download_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(archives.subprocess, "run", _fake_pip(b"", returncode=1))
    spec = archives.Archive("pkg", "1.0", "pkg-1.0-py3-none-any.whl", "0" * 64)
    with pytest.raises(RuntimeError, match="could not download"):
        archives.fetch_archive(spec, tmp_path, quiet=True)
    assert list(tmp_path.iterdir()) == []


def test_unknown_name_error_lists_names_and_suggests():
    err = UnknownNameError("strategy", "badgee", ["badge", "margin"])
    assert "Did you mean 'badge'" in str(err)
    assert "badge, margin" in str(err)
    assert isinstance(err, KeyError) and isinstance(err, ValueError)


def test_check_finite_names_rows():
    X = np.ones((4, 2))
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="1 of 4 rows"):
        check_finite(X)
