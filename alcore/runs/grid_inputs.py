"""What a run reads, and one run or upper bound computed from it.

The embeddings come through a loader (:func:`resolve_loader`: the embedding cache's
:func:`~alcore.embedding.embed.load_embeddings`, or a ``"module:function"`` of the user's)
and are kept per process (the last pair loaded), so a worker that runs a pair's runs one
after another loads them once. :func:`pair_identity` names a pair's data and embeddings by
content hash; :func:`run_one` and :func:`upper_bound` compute a run and the full-data bound
on the runs' training pool, checking that the embeddings still have the identity the grid
planned with.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import time
from collections import OrderedDict

import numpy as np

from alcore import data
from alcore.embedding.embed import cached_sha256
from alcore.embedding.embed import load_embeddings as cached_embeddings
from alcore.engine.loop import full_data_accuracy, run_al
from alcore.runs.experiment import RunConfig, cap_pool

__all__ = [
    "check_identity",
    "embeddings",
    "pair_identity",
    "resolve_loader",
    "run_one",
    "sidecar_fingerprint",
    "upper_bound",
]

_EMB_CACHE: OrderedDict = OrderedDict()  # per worker process: the last embeddings loaded
_EMB_CACHE_SIZE = 1


def resolve_loader(loader):
    """``None`` -> alcore's embedding cache; ``"module:function"`` -> that function.

    Raises ValueError naming the loader when the module cannot be imported or lacks the
    function, so a bad ``--embeddings`` fails before any work.
    """
    if loader is None:
        return cached_embeddings
    if isinstance(loader, str):
        module, _, name = loader.partition(":")
        if not module or not name:
            raise ValueError(f"load_embeddings {loader!r} must be 'module:function'")
        try:
            mod = importlib.import_module(module)
        except Exception as exc:
            raise ValueError(
                f"cannot import the embeddings loader module {module!r} of "
                f"{loader!r} ({type(exc).__name__}: {exc}); is it on "
                "PYTHONPATH?"
            ) from exc
        fn = getattr(mod, name, None)
        if not callable(fn):
            raise ValueError(f"the embeddings loader module {module!r} has no function {name!r}")
        return fn
    if not callable(loader):
        raise ValueError(
            f"load_embeddings must be None, 'module:function' or a callable, got {loader!r}"
        )
    return loader


def embeddings(dataset, encoder, loader):
    """The embeddings of ``(dataset, encoder)`` from ``loader``, kept for the next call."""
    key = (str(loader), dataset, encoder)
    if key not in _EMB_CACHE:
        emb = resolve_loader(loader)(dataset, encoder)
        _EMB_CACHE[key] = [emb, None]  # [embeddings, their fingerprint once computed]
        while len(_EMB_CACHE) > _EMB_CACHE_SIZE:
            _EMB_CACHE.popitem(last=False)
    _EMB_CACHE.move_to_end(key)
    return _EMB_CACHE[key][0]


def _sha(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\x1f")
    return h.hexdigest()[:32]


def _arrays_fp(emb) -> str:
    """Content hash of the arrays a loader returned (dtype, shape and bytes of each)."""
    parts = []
    for name in ("X_train", "y_train", "X_test", "y_test"):
        a = np.ascontiguousarray(np.asarray(getattr(emb, name)))
        parts += [name, a.dtype.str, a.shape, hashlib.sha256(a.tobytes()).hexdigest()]
    return "arrays:" + _sha(*parts)


def sidecar_fingerprint(train_npy, test_npy) -> str:
    """The embeddings' identity from the cache sidecars (``.json`` beside each ``.npy``)
    of both splits: their recorded sha256, so nothing is hashed again."""
    shas = []
    for path in (train_npy, test_npy):
        with open(os.path.splitext(path)[0] + ".json", encoding="utf-8") as fh:
            shas.append(json.load(fh)["sha256"])
    return "cache:" + _sha(*shas)


def _sidecar_fp(emb) -> str | None:
    meta = getattr(emb, "meta", None) or {}
    paths = [meta.get(f"path_{split}") for split in ("train", "test")]
    return sidecar_fingerprint(*paths) if all(paths) else None


def _emb_fp(dataset, encoder, loader) -> str:
    """Fingerprint of the embeddings ``loader`` gives (cached with them in this process)."""
    embeddings(dataset, encoder, loader)
    entry = _EMB_CACHE[(str(loader), dataset, encoder)]
    if entry[1] is None:
        entry[1] = (_sidecar_fp(entry[0]) if loader is None else None) or _arrays_fp(entry[0])
    return entry[1]


def data_fingerprint(dataset) -> str | None:
    """The dataset's content hash (texts, labels, split), or None if alcore does not know it."""
    try:
        return str(data.dataset_fingerprint(dataset))
    except (KeyError, LookupError, FileNotFoundError):
        return None  # a name only a custom loader knows: its arrays carry the identity


def _is_alcore_dataset(dataset) -> bool:
    try:
        return dataset in data.DATASETS
    except Exception:
        return False


def planned_identity(dataset, encoder, load_embeddings=None) -> dict:
    """The identity :func:`pair_identity` gives, without embedding anything.

    With the default loader the embeddings' hash comes from the cache sidecars alone (None
    when the cache lacks the pair, which is then to be embedded); a custom loader is called
    as the run calls it. For ``alcore run --dry-run``: the runs it counts as stored are those
    the run skips.
    """
    if load_embeddings is not None:
        return pair_identity(dataset, encoder, load_embeddings)
    shas = cached_sha256(dataset, encoder)
    emb = None if shas is None else "cache:" + _sha(shas["train"], shas["test"])
    return {"data": data_fingerprint(dataset), "embeddings": emb}


def pair_identity(dataset, encoder, load_embeddings=None) -> dict:
    """``{"data": ..., "embeddings": ...}``: content hashes of a pair's data and embeddings.

    The embeddings come through the loader (from the cache: no re-embedding; embedded once
    if the cache lacks them). With the default loader their hash is the cache sidecars'
    sha256 of both splits (nothing is hashed again); with a custom loader, a hash of the
    arrays it returned. The data hash is :func:`alcore.data.dataset_fingerprint`, or None for
    a dataset only a custom loader knows.
    """
    emb = _emb_fp(dataset, encoder, load_embeddings)
    known = load_embeddings is None or _is_alcore_dataset(dataset)
    return {"data": data_fingerprint(dataset) if known else None, "embeddings": emb}


def check_identity(dataset, encoder, loader, identity) -> None:
    """Raise RuntimeError if the embeddings ``loader`` gives no longer have ``identity``."""
    if identity is None:
        return
    found = _emb_fp(dataset, encoder, loader)
    if found != identity.get("embeddings"):
        raise RuntimeError(
            f"the embeddings of {dataset} x {encoder} changed while the grid "
            f"ran ({identity.get('embeddings')} planned, {found} loaded); run "
            "the grid again to recompute with the new ones"
        )


def run_one(config: RunConfig, load_embeddings=None, identity=None):
    """Run one config; return ``(cycles DataFrame, run_seconds)``.

    ``picked`` indices refer to the training pool after ``pool_cap`` (see
    :func:`alcore.runs.experiment.cap_pool`, reproducible with ``random_state=0``). With
    ``identity``, the embeddings loaded must still have that fingerprint (else RuntimeError:
    they changed since the grid was planned). The run pins its own threads
    (:func:`alcore.engine.loop.run_al`), so its numbers do not depend on this process's.
    """
    emb = embeddings(config.dataset, config.encoder, load_embeddings)
    check_identity(config.dataset, config.encoder, load_embeddings, identity)
    idx = cap_pool(emb.y_train, config.pool_cap, random_state=0)
    start = time.perf_counter()
    df = run_al(
        emb.X_train[idx],
        emb.y_train[idx],
        emb.X_test,
        emb.y_test,
        ips=config.ips,
        k0=config.k0,
        strategy="random" if config.strategy == "none" else config.strategy,
        budget=config.budget,
        cycles=config.cycles,
        random_state=config.seed,
        clf_params=dict(config.clf),
        strategy_params=dict(config.strategy_params),
    )
    return df, time.perf_counter() - start


def upper_bound(
    dataset, encoder, clf=None, load_embeddings=None, pool_cap=None, identity=None
) -> dict:
    """Full-data accuracy of ``(dataset, encoder)`` on the runs' training pool.

    The pool is the training split after ``pool_cap`` (:func:`cap_pool`), the same pool the
    runs draw from, so the bound is within their reach.
    """
    emb = embeddings(dataset, encoder, load_embeddings)
    check_identity(dataset, encoder, load_embeddings, identity)
    idx = cap_pool(emb.y_train, pool_cap, random_state=0)
    start = time.perf_counter()
    scores = full_data_accuracy(
        emb.X_train[idx], emb.y_train[idx], emb.X_test, emb.y_test, clf_params=clf
    )
    return {**scores, "n_train": len(idx), "seconds": time.perf_counter() - start}
