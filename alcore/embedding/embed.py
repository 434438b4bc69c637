"""Embeddings of a dataset by a frozen encoder, computed once and cached.

``embed(dataset, encoder, split)`` looks for
``$ALCORE_HOME/embeddings/<dataset>/<encoder>/<split>-<confighash>.npy`` and its JSON sidecar
(shape, dtype, sha256 of the array bytes, config, n_texts, seconds, texts_per_second, device,
created). The config hash covers the dataset, the split, a sha256 of the texts, the encoder,
pooling, max_length, the weights (archive sha256, Hub revision or local files) and the
precision (float32 on CPU, bfloat16 on CUDA); batch size does not enter it. A missing,
corrupt or truncated array, a sha256 or shape mismatch, or a sidecar whose config differs is
reported with a warning naming the file and recomputed. Every line of progress goes to stderr
("cache hit ..." / "embedding ...").

A quality-ladder rung ``<base>-pca<k>`` (:mod:`alcore.embedding.ladder`) goes through the same
cache: its vectors are the base encoder's (cached) projected by a PCA fitted on the base's
training-split vectors, and its key adds that training array's sha256 (``fit_sha256``).

The encoders live in :mod:`alcore.embedding.encoders`; their registry is re-exported here.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from filelock import FileLock

from alcore.core.errors import check_finite
from alcore.core.paths import (
    atomic_save_npy,
    atomic_write_json,
    cache_dir,
    check_free_space,
    ensure_within,
    safe_name,
)
from alcore.data import load_dataset
from alcore.embedding.encoders import (
    ENCODERS,
    POOLINGS,
    Encoder,
    EncoderSpec,
    list_encoders,
    pool,
)
from alcore.embedding.ladder import RungEncoder, get_encoder

__all__ = [
    "ENCODERS",
    "POOLINGS",
    "Embeddings",
    "Encoder",
    "EncoderSpec",
    "cache_path",
    "cached_sha256",
    "embed",
    "get_encoder",
    "list_encoders",
    "load_embeddings",
    "measure_throughput",
    "pool",
]

SPLITS = ("train", "test")


@dataclass
class Embeddings:
    """Both splits of a dataset embedded by one encoder.

    ``meta`` holds ``dataset``, ``encoder``, ``config``, and per split ``embed_seconds``,
    ``texts_per_second``, ``cache_hit``, ``device`` and ``path``.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: list
    meta: dict = field(default_factory=dict)


def _log(msg: str) -> None:
    print(f"alcore: {msg}", file=sys.stderr, flush=True)


def _texts_sha256(texts) -> str:
    h = hashlib.sha256()
    for t in texts:
        parts = (t,) if isinstance(t, str) else tuple(t)
        for p in parts:
            h.update(str(p).encode("utf-8"))
            h.update(b"\x1f")
        h.update(b"\x1e")
    return h.hexdigest()


def _as_dataset(dataset):
    if isinstance(dataset, str):
        return load_dataset(dataset)
    return dataset


def _as_encoder(encoder, encoder_kw) -> Encoder:
    if isinstance(encoder, Encoder):
        if encoder_kw:
            raise ValueError(
                f"pass {sorted(encoder_kw)} to get_encoder, not with an Encoder object"
            )
        return encoder
    return get_encoder(encoder, **encoder_kw)


_safe = safe_name


def cache_path(dataset_name: str, encoder_name: str, split: str, config: dict) -> Path:
    """The ``.npy`` path of one cache entry (the sidecar is the same path with ``.json``).

    Dataset and encoder names are made safe path components (:func:`alcore.core.paths.safe_name`),
    so no name can point outside ``cache_dir("embeddings")``.
    """
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
    root = cache_dir("embeddings")
    return ensure_within(
        Path(_safe(dataset_name)) / _safe(encoder_name) / f"{_safe(split)}-{digest}.npy", root
    )


def _read_cached(path: Path, config: dict):
    """The cached array, or ``None`` (with a warning saying why) if it cannot be trusted."""
    side = path.with_suffix(".json")
    if not path.exists() and not side.exists():
        return None, None
    try:
        meta = json.loads(side.read_text())
        problem = None
        if meta.get("config") != config:
            problem = "its sidecar holds a different config"
        else:
            X = np.load(path, allow_pickle=False)
            if list(X.shape) != list(meta["shape"]) or str(X.dtype) != meta["dtype"]:
                problem = (
                    f"shape/dtype {X.shape}/{X.dtype} differ from the sidecar's "
                    f"{meta['shape']}/{meta['dtype']}"
                )
            elif hashlib.sha256(X.tobytes()).hexdigest() != meta["sha256"]:
                problem = "its sha256 differs from the sidecar's"
    except FileNotFoundError as exc:
        problem = f"{Path(exc.filename).name} is missing"
    except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
        problem = f"it cannot be read ({type(exc).__name__}: {exc})"
    if problem:
        warnings.warn(
            f"embedding cache {path} is not usable: {problem}; recomputing it", stacklevel=3
        )
        return None, None
    return X, meta


def _cache_entry(dataset, encoder, split, fit_sha256=None):
    """``(texts, config, path)`` of one split's cache entry (``fit_sha256``: a ladder rung's
    base train vectors, which its PCA is fitted on)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    texts = dataset.texts(split)
    config = dict(
        dataset=dataset.name,
        split=split,
        n_texts=len(texts),
        texts_sha256=_texts_sha256(texts),
        **encoder.config(),
    )
    if fit_sha256 is not None:
        config["fit_sha256"] = fit_sha256
    return texts, config, cache_path(dataset.name, encoder.name, split, config)


def cached_sha256(dataset, encoder) -> dict | None:
    """``{split: sha256}`` of both splits' cache entries, or None if the cache lacks one.

    Reads only the sidecars (no array, no weights): what the embeddings of ``dataset`` by
    ``encoder`` would be, without embedding them.
    """
    ds, enc = _as_dataset(dataset), _as_encoder(encoder, {})
    fit = None
    if isinstance(enc, RungEncoder):
        base = cached_sha256(ds, enc.base)
        if base is None:
            return None
        fit = base["train"]
    out = {}
    for split in SPLITS:
        _, config, path = _cache_entry(ds, enc, split, fit)
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
        except (OSError, ValueError):
            return None
        if not path.is_file() or not isinstance(meta, dict) or meta.get("config") != config:
            return None
        out[split] = meta.get("sha256")
    return out


def _embed_cached(dataset, encoder, split, batch_size=None, progress=True, recompute=False):
    """Embed one split through the cache -> ``(X, sidecar dict with cache_hit, path)``."""
    fit = base_train = None
    if isinstance(encoder, RungEncoder):  # a ladder rung: PCA fitted on the base's train vectors
        base_train, base_info = _embed_cached(dataset, encoder.base, "train", batch_size, progress)
        fit = base_info["sha256"]
    texts, config, path = _cache_entry(dataset, encoder, split, fit)
    if not recompute and (hit := _cache_hit(dataset, encoder, split, path, config)):
        return hit
    # Grid workers that need the same split wait for the one that embeds it, then read its
    # result: an encoder like mpnet takes minutes a split, and two workers would both pay.
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(_lock_path(path))):
        if not recompute and (hit := _cache_hit(dataset, encoder, split, path, config)):
            return hit
        entry = (texts, config, path)
        return _embed(dataset, encoder, split, entry, base_train, batch_size, progress)


def _lock_path(path: Path) -> Path:
    """The lock of one cache entry, under ``cache_dir("locks")``: the OS keeps the lock
    file after a release, and the embedding cache holds only entries."""
    rel = Path(*path.parts[-3:])  # <dataset>/<encoder>/<split>-<digest>.npy (cache_path)
    lock = cache_dir("locks") / "embeddings" / rel.with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    return lock


def _cache_hit(dataset, encoder, split, path, config):
    X, meta = _read_cached(path, config)
    if X is None:
        return None
    _log(f"cache hit {dataset.name}/{split} x {encoder.name}: {X.shape} from {path}")
    return X, dict(meta, cache_hit=True, path=str(path))


def _embed(dataset, encoder, split, entry, base_train, batch_size, progress):
    """Encode one split (or reduce it, for a ladder rung) and write it to the cache."""
    texts, config, path = entry
    # a full disk is reported now, not after the encoding when the result cannot be saved
    check_free_space(
        path.parent,
        len(texts) * max(int(encoder.dim or 0), 1) * 4 + (1 << 20),
        f"the embeddings of {dataset.name}/{split} by {encoder.name}",
    )
    _log(f"embedding {dataset.name}/{split} ({len(texts)} texts) with {encoder.name}")
    encoder.load()
    start = time.perf_counter()
    if isinstance(encoder, RungEncoder):
        base = base_train
        if split != "train":
            base = _embed_cached(dataset, encoder.base, split, batch_size, progress)[0]
        X = encoder.reduce(base_train, base)
    else:
        X = encoder.encode(texts, batch_size=batch_size, progress=progress)
    seconds = time.perf_counter() - start
    check_finite(X, f"embeddings of {dataset.name}/{split} by {encoder.name}")
    if X.shape[0] != len(texts):
        raise RuntimeError(f"{encoder.name} returned {X.shape[0]} vectors for {len(texts)} texts")
    meta = {
        "shape": list(X.shape),
        "dtype": str(X.dtype),
        "sha256": hashlib.sha256(X.tobytes()).hexdigest(),
        "config": config,
        "n_texts": len(texts),
        "seconds": round(seconds, 4),
        "texts_per_second": round(len(texts) / seconds, 2) if seconds > 0 else None,
        "device": getattr(encoder, "_device", lambda: "cpu")(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    atomic_save_npy(path, X)
    atomic_write_json(path.with_suffix(".json"), meta)
    _log(f"embedded {dataset.name}/{split} with {encoder.name} in {seconds:.1f}s -> {path}")
    return X, dict(meta, cache_hit=False, path=str(path))


def embed(
    dataset, encoder, split: str, *, batch_size=None, progress=True, recompute=False, **encoder_kw
) -> np.ndarray:
    """Embeddings of one split of ``dataset``, from the cache when it holds them.

    Parameters
    ----------
    dataset : TextDataset or str
        A dataset, or a name for :func:`alcore.data.load_dataset`.
    encoder : str or Encoder
        A registry name, local folder, Hub id or ladder rung ``<base>-pca<k>`` (see
        :func:`get_encoder`), or an Encoder.
    split : {"train", "test"}
    batch_size : int, optional
        Encoding batch size (does not change the cache key).
    progress : bool
        Show a tqdm bar while encoding.
    recompute : bool
        Ignore (and overwrite) the cache entry.
    **encoder_kw
        ``pooling``, ``max_length``, ``device``, ``trust_remote_code`` for :func:`get_encoder`.

    Returns
    -------
    X : ndarray of float32, shape (n_texts, dim)

    Raises
    ------
    ValueError
        For an unknown split, or when the encoder outputs NaN or Inf.
    """
    X, _ = _embed_cached(
        _as_dataset(dataset),
        _as_encoder(encoder, encoder_kw),
        split,
        batch_size,
        progress,
        recompute,
    )
    return X


def load_embeddings(
    dataset, encoder, *, batch_size=None, progress=True, recompute=False, **encoder_kw
) -> Embeddings:
    """Both splits of ``dataset`` embedded by ``encoder`` (cached), with labels and classes.

    Arguments as for :func:`embed`. ``meta`` reports per split (``<key>_train``,
    ``<key>_test``) ``embed_seconds``, ``texts_per_second``, ``device``, ``path``, ``created``
    and ``cache_hit``; on a cache hit the seconds are those recorded when the entry was made.
    ``meta["embed_seconds"]`` is ``{"train": s, "test": s}``.
    """
    ds = _as_dataset(dataset)
    enc = _as_encoder(encoder, encoder_kw)
    meta = {"dataset": ds.name, "encoder": enc.name, "config": enc.config()}
    out = {}
    for split in SPLITS:
        X, info = _embed_cached(ds, enc, split, batch_size, progress, recompute)
        out[split] = X
        for key in ("seconds", "texts_per_second", "cache_hit", "device", "path", "created"):
            meta[f"{'embed_seconds' if key == 'seconds' else key}_{split}"] = info.get(key)
    meta["embed_seconds"] = {s: meta[f"embed_seconds_{s}"] for s in SPLITS}
    return Embeddings(
        out["train"],
        np.asarray(ds.labels("train"), dtype=np.int64),
        out["test"],
        np.asarray(ds.labels("test"), dtype=np.int64),
        list(ds.classes),
        meta,
    )


def measure_throughput(
    encoder, texts, *, batch_size=None, repeats=1, warmup=16, **encoder_kw
) -> float:
    """Texts per second that ``encoder`` embeds ``texts`` at, on this machine.

    Loading the weights and a warm-up call on ``warmup`` texts are not timed; the best of
    ``repeats`` timed passes over all ``texts`` is returned. Uses no cache.
    """
    enc = _as_encoder(encoder, encoder_kw).load()
    texts = list(texts)
    if not texts:
        raise ValueError("measure_throughput needs at least one text")
    if int(repeats) < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if warmup:
        enc.encode(texts[:warmup], batch_size=batch_size, progress=False)
    best = float("inf")
    for _ in range(int(repeats)):
        start = time.perf_counter()
        enc.encode(texts, batch_size=batch_size, progress=False)
        best = min(best, time.perf_counter() - start)
    return len(texts) / max(best, 1e-9)
