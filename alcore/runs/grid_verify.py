"""Recompute a seeded sample of a store's runs and compare them with what the store holds.

:func:`verify` makes three checks and reports each on its own, so that a number changed by
hand is never taken for a kernel difference, nor a kernel difference for a changed number:

1. **Integrity**, of every run file: the digest written with its rows
   (:func:`~alcore.runs.store_schema.rows_digest`) must match the config, identity and numbers
   the file holds now; a mismatch means the file was changed after its run wrote it. Files of
   schema 2 carry no digest and are counted as such.
2. **Sample**: runs drawn at random (``seed``) among those whose inputs can be rebuilt here:
   the dataset, embeddings and code have the identity the run recorded, the embeddings are in
   the cache (or come from the given loader), and the run's recorded wall time fits in what
   is left of ``max_minutes``. Each is recomputed in this process
   (:func:`~alcore.runs.grid_inputs.run_one`, which pins its threads).
3. **Comparison**: where the run's recorded kernel
   (:func:`~alcore.runs.store_provenance.kernel`) equals this process's, or the run recorded
   none, every result number (``cycle, n_labelled, accuracy, macro_f1, picked``; not the
   timings) must be identical bit for bit. Where the kernels differ, the differences are
   reported and the run's stored and recomputed curves are kept for the equivalence rule
   (:mod:`alcore.cli.verify` judges it).
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
import pandas as pd

from alcore.embedding.catalog import embedding_table
from alcore.engine.identity import code_identity
from alcore.runs.experiment import RunConfig
from alcore.runs.grid_inputs import (
    data_fingerprint,
    pair_identity,
    resolve_loader,
    run_one,
    sidecar_fingerprint,
)
from alcore.runs.grid_provenance import run_provenance
from alcore.runs.store_files import ResultStore
from alcore.runs.store_provenance import kernel, kernel_differences, now, provenance_digest
from alcore.runs.store_schema import RESULT_COLUMNS, rows_digest

__all__ = ["check_integrity", "compare_exact", "draw_sample", "verify"]

#: differences listed per run (the first ones, in cycle order)
MAX_LISTED = 5


def _prov_fp(df) -> str | None:
    value = df["prov_fp"].iloc[0] if len(df) else None
    return value if isinstance(value, str) else None


def _scan(store: ResultStore) -> tuple[list[dict], list[dict]]:
    """One pass over the run files: their integrity (:func:`check_integrity`) and, for the
    readable, unaltered ones, ``run_key, config, identity, prov_fp, run_seconds``."""
    integrity, runs = [], []
    for path in store.run_files():
        try:
            df, meta = store.read_run(path.stem)
        except Exception as exc:
            integrity.append({"run_key": path.stem, "status": "unreadable", "detail": str(exc)})
            continue
        status, detail = "no digest", ""
        if meta["digest"] is not None:
            found = rows_digest(meta["config"], meta["identity"], df, _prov_fp(df))
            status = "ok" if found == meta["digest"] else "altered"
        if status == "ok" and (df["run_key"] != path.stem).any():
            status, detail = "altered", "its run_key column names another run"
        integrity.append({"run_key": path.stem, "status": status, "detail": detail})
        if status in ("ok", "no digest"):
            runs.append(
                {
                    "run_key": path.stem,
                    "config": meta["config"],
                    "identity": meta["identity"],
                    "prov_fp": _prov_fp(df),
                    "run_seconds": float(df["run_seconds"].iloc[0]) if len(df) else 0.0,
                }
            )
    return integrity, runs


def check_integrity(store: ResultStore) -> list[dict]:
    """``{run_key, status, detail}`` for every run file: status ``ok``, ``no digest``
    (schema 2), ``altered`` (its numbers, config or identity no longer match the digest
    written with them) or ``unreadable``."""
    return _scan(store)[0]


def _cached_pairs() -> dict:
    """``{(dataset, encoder): embeddings identity}`` of the pairs in the embedding cache."""
    table = embedding_table()
    out = {}
    for (d, e), g in table.groupby(["dataset", "encoder"]):
        paths = g.set_index("split")["path"]
        if {"train", "test"} <= set(paths.index):
            try:
                out[(d, e)] = sidecar_fingerprint(paths["train"], paths["test"])
            except (OSError, ValueError, KeyError):
                continue
    return out


def _rebuildable(runs, loader) -> tuple[list[dict], Counter]:
    """The runs whose inputs and code can be rebuilt here, and why the others cannot."""
    cached = _cached_pairs() if loader is None else None
    data_fp, pair_fp, ok, why = {}, {}, [], Counter()
    for run in runs:
        cfg, ident = run["config"], run["identity"]
        pair = (cfg["dataset"], cfg["encoder"])
        if loader is None:
            if pair not in cached:
                why[f"embeddings of {pair[0]} x {pair[1]} not in the cache"] += 1
                continue
            emb = cached[pair]
            if cfg["dataset"] not in data_fp:
                data_fp[cfg["dataset"]] = data_fingerprint(cfg["dataset"])
            data = data_fp[cfg["dataset"]]
        else:
            if pair not in pair_fp:
                pair_fp[pair] = pair_identity(*pair, load_embeddings=loader)
            emb, data = pair_fp[pair]["embeddings"], pair_fp[pair]["data"]
        if emb != ident["embeddings"]:
            why["stale: its embeddings changed since it ran"] += 1
        elif data != ident["data"]:
            why["stale: its dataset changed since it ran"] += 1
        elif code_identity(cfg["ips"], cfg["strategy"]) != ident["code"]:
            why["stale: the code of its strategies or loop changed since it ran"] += 1
        else:
            ok.append(run)
    return ok, why


def draw_sample(runs, n, max_seconds, seed) -> tuple[list[dict], int]:
    """Up to ``n`` of ``runs`` in a random order seeded by ``seed``, taking a run only while
    its recorded wall time fits in what is left of ``max_seconds``; also returns how many
    runs were passed over for time."""
    order = np.random.default_rng(seed).permutation(len(runs))
    taken, left, passed = [], float(max_seconds), 0
    for i in order:
        if len(taken) == n:
            break
        if runs[i]["run_seconds"] <= left:
            taken.append(runs[i])
            left -= runs[i]["run_seconds"]
        else:
            passed += 1
    return taken, passed


def compare_exact(stored: pd.DataFrame, recomputed: pd.DataFrame) -> list[str]:
    """Every result number that differs, bit for bit (``column at cycle t: a -> b``)."""
    if len(stored) != len(recomputed):
        return [f"{len(stored)} cycles stored, {len(recomputed)} recomputed"]
    diffs = []
    for t in range(len(stored)):
        for col in RESULT_COLUMNS:
            a, b = stored[col].iloc[t], recomputed[col].iloc[t]
            if col == "picked":
                same = list(map(int, a)) == list(map(int, b))
            elif col in ("accuracy", "macro_f1"):
                same = np.float64(a).tobytes() == np.float64(b).tobytes()
            else:
                same = int(a) == int(b)
            if not same:
                a, b = (repr(float(a)), repr(float(b))) if col != "picked" else (a, b)
                diffs.append(f"{col} at cycle {t}: {a} stored, {b} recomputed")
    return diffs


def _check_run(store, run, loader, current) -> dict:
    """Recompute one run and compare it (see the module docstring, step 3)."""
    cfg = RunConfig.from_dict(run["config"])
    stored, _ = store.read_run(run["run_key"])
    record = None if run["prov_fp"] is None else store.run_provenance(run["prov_fp"])
    kdiff = [] if record is None else kernel_differences(record, current)
    out = {
        "run_key": run["run_key"],
        **{k: run["config"][k] for k in ("study", "dataset", "encoder", "ips", "strategy")},
        "seed": run["config"]["seed"],
        "cycles": run["config"]["cycles"],
        "prov_fp": run["prov_fp"],
        "mode": "equivalence" if kdiff else "bit for bit",
        "kernel_differences": kdiff,
        "note": "",
    }
    if run["prov_fp"] is None:
        out["note"] = "no provenance recorded (schema 2): compared bit for bit"
    elif record is None:
        out["note"] = "its provenance record is missing or altered: compared bit for bit"
    start = time.perf_counter()
    try:
        df, _ = run_one(cfg, load_embeddings=loader, identity=run["identity"])
    except Exception as exc:
        return {**out, "outcome": "error", "differences": [f"{type(exc).__name__}: {exc}"]}
    out["seconds"] = round(time.perf_counter() - start, 2)
    diffs = compare_exact(stored, df)
    out["differences"] = diffs[:MAX_LISTED] + (
        [f"... and {len(diffs) - MAX_LISTED} more"] if len(diffs) > MAX_LISTED else []
    )
    if kdiff:
        out["outcome"] = "identical" if not diffs else "to judge"
        out["stored"] = stored[["n_labelled", "accuracy"]].to_dict(orient="list")
        out["recomputed"] = df[["n_labelled", "accuracy"]].to_dict(orient="list")
    else:
        out["outcome"] = "identical" if not diffs else "differs"
    return out


def verify(store, sample=3, max_minutes=2.0, seed=0, load_embeddings=None, progress=None):
    """Check a store's integrity and recompute a seeded sample of its runs.

    Parameters
    ----------
    store : str, Path or ResultStore
    sample : int, default=3
        Runs to recompute (fewer if fewer can be rebuilt or the time runs out).
    max_minutes : float, default=2.0
        Time for the recomputation: a run is drawn only while its recorded wall time fits,
        and none starts once the time is spent.
    seed : int, default=0
        Seeds the draw.
    load_embeddings : callable, "module:function" or None
        The loader the runs were made with (default: the embedding cache).
    progress : callable, optional
        Called with a line of text after each recomputed run.

    Returns
    -------
    dict
        ``store, seed, sample, max_minutes, started, seconds, provenance`` (this process's
        record, ``prov_fp`` and kernel), ``integrity`` (counts by status and the altered or
        unreadable runs), ``runs_in_store``, ``rebuildable``, ``not_covered`` (reason ->
        runs), ``passed_over_for_time``, ``runs`` (one dict per recomputed run: config,
        ``mode``, ``outcome`` ``identical``/``differs``/``to judge``/``error``, the
        differences, the kernel differences and, under ``equivalence``, the stored and
        recomputed curves).
    """
    store = store if isinstance(store, ResultStore) else ResultStore(store)
    if not store.runs_dir.is_dir():
        raise FileNotFoundError(f"no results store at {store.path}; run 'alcore run' first")
    store.check_schema()
    loader = load_embeddings
    resolve_loader(loader)
    started, t0 = now(), time.perf_counter()
    current = run_provenance()
    integrity, runs = _scan(store)
    ok, why = _rebuildable(runs, loader)
    limit = 60.0 * float(max_minutes)
    chosen, passed = draw_sample(ok, int(sample), limit, seed)
    chosen.sort(key=lambda r: (r["config"]["dataset"], r["config"]["encoder"]))  # load once
    checked, t_run = [], time.perf_counter()
    for run in chosen:
        if time.perf_counter() - t_run + run["run_seconds"] > limit:
            why["the time limit was spent before its turn"] += 1
            continue
        checked.append(_check_run(store, run, loader, current))
        if progress is not None:
            c = checked[-1]
            progress(
                f"{c['dataset']} x {c['encoder']} {c['ips']}/{c['strategy']} seed "
                f"{c['seed']}: {c['outcome']} ({c['mode']})"
            )
    counts = Counter(r["status"] for r in integrity)
    return {
        "store": str(store.path),
        "seed": int(seed),
        "sample": int(sample),
        "max_minutes": float(max_minutes),
        "started": started,
        "seconds": round(time.perf_counter() - t0, 1),
        "provenance": {
            "prov_fp": provenance_digest(current),
            "record": current,
            "kernel": kernel(current),
        },
        "integrity": {
            "counts": dict(counts),
            "problems": [r for r in integrity if r["status"] in ("altered", "unreadable")],
        },
        "runs_in_store": len(integrity),
        "rebuildable": len(ok),
        "not_covered": dict(why),
        "passed_over_for_time": passed,
        "runs": checked,
    }
