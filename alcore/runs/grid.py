"""Run a grid of :class:`~alcore.runs.experiment.RunConfig` into a results store.

:func:`run_grid` skips the runs the store already holds, computes the full-data upper bound
once per (dataset, encoder), and runs the rest on one of the executors of
:mod:`alcore.runs.grid_exec`: this process (``jobs=1``), ``jobs`` local worker processes, or a
Dask cluster (``scheduler``). A run's numbers do not depend on which: every run pins its own
threads (:func:`alcore.engine.loop.run_al`), and each stored run names the numerical
provenance of the process that computed it (:mod:`alcore.runs.store_provenance`).

Runs are ordered by (dataset, encoder) and every worker process keeps the last embeddings it
loaded, so a worker loads each (dataset, encoder) once where possible. Results come back to
the calling process, which alone writes the store (atomically, one file per finished run): a
grid killed at any moment resumes with nothing lost, duplicated or half-written.

Identity. Before any run, one cheap task per (dataset, encoder) computes the identity of its
data and embeddings (:func:`~alcore.runs.grid_inputs.pair_identity`: the dataset's content
hash and the embedding cache sidecars' sha256, or a hash of a custom loader's arrays); a
run's identity adds the versions of its strategies and of the loop
(:func:`alcore.engine.identity.code_identity`). A run is skipped only when the store holds
it with that identity; each run checks that the embeddings it loaded still have it. A pair
whose identity cannot be computed (its loader fails) has all its runs recorded as failed,
without running them.

Sharing a store. Several ``run_grid`` calls (processes, machines on one file system) may
run the same grid into one store: each run is claimed with a file lock
(:meth:`ResultStore.claim`) just before it is computed, and skipped if another runner holds
it or has finished it. SIGTERM (and Ctrl-C) shut the local worker processes down at once and
cancel Dask futures; the finished runs stay in the store.

Dask. Embeddings never travel through the scheduler: workers load them themselves from the
embedding cache, so ``ALCORE_HOME`` must be a path every worker sees (a shared file system);
fill it first with ``alcore embed``. SLURM with dask-jobqueue (the driver on a login node)::

    from dask_jobqueue import SLURMCluster
    from distributed import Client
    from alcore.runs.experiment import load_profile
    from alcore.runs.grid import run_grid

    cluster = SLURMCluster(cores=4, processes=4, memory="16GB", walltime="04:00:00",
                           job_script_prologue=["export ALCORE_HOME=/shared/alcore"])
    cluster.scale(jobs=10)                    # 10 SLURM jobs x 4 single-threaded workers
    with Client(cluster) as client:
        run_grid(load_profile("paper").configs(), "results/paper", scheduler=client)

or, from the command line against a running scheduler:
``alcore run --profile paper --scheduler tcp://HOST:8786``.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from tqdm.auto import tqdm

from alcore.engine.identity import code_identity
from alcore.runs.experiment import RunConfig
from alcore.runs.grid_exec import GridTerminated, execute_all, on_sigterm
from alcore.runs.grid_inputs import (
    pair_identity,
    planned_identity,
    resolve_loader,
    run_one,
    upper_bound,
)
from alcore.runs.store import ResultStore, same_identity

__all__ = [
    "GridTerminated",
    "pair_identity",
    "planned_identity",
    "resolve_loader",
    "run_grid",
    "run_one",
    "upper_bound",
]

_NO_IDENTITY = {"data": None, "embeddings": None}  # of a pair whose loader failed


def run_grid(
    configs,
    store,
    jobs=1,
    scheduler=None,
    retry_failed=False,
    progress=True,
    load_embeddings=None,
    threads=None,
):
    """Run every config not yet in ``store`` (with the current data and embeddings).

    Parameters
    ----------
    configs : iterable of RunConfig
        The runs (duplicates by key are run once).
    store : ResultStore, str or Path
        Where finished runs go; checked to be writable before any work. Other runners may
        share it (see the module docstring).
    jobs : int, default=1
        Local worker processes (ignored with ``scheduler``).
    scheduler : str, distributed.Client or None
        A Dask scheduler address (``tcp://HOST:PORT``) or client; None = local executor.
    retry_failed : bool, default=False
        Re-run the runs recorded as failed with the same identity (otherwise they are
        skipped; a failure recorded for other data or embeddings is always re-run).
    progress : bool, default=True
        A tqdm bar over the tasks (done, failed, left, ETA).
    load_embeddings : callable, "module:function" or None
        ``f(dataset, encoder) -> Embeddings``; default `embed.load_embeddings`.
        A string is imported now (an error before any work). For Dask it must be
        importable on the workers (a module-level function).
    threads : int, optional
        BLAS/OpenMP threads of each task's process outside its run (loading embeddings,
        hashing), at most ``cpu_count // jobs`` locally; default 1. A run itself always
        computes on :data:`alcore.engine.loop.RUN_THREADS` threads, so its numbers do not
        depend on ``jobs`` or ``threads``; parallelise across runs with ``jobs``.

    Returns
    -------
    dict
        ``total, already_done, skipped_failed, claimed_elsewhere, done, failed,
        upper_bounds, seconds, store, failed_keys``.
    """
    store = store if isinstance(store, ResultStore) else ResultStore(store)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive int, got {jobs!r}")
    configs = list({c.key(): c for c in configs}.values())
    for c in configs:
        if not isinstance(c, RunConfig):
            raise ValueError(f"configs must be RunConfig objects, got {type(c).__name__}")
    resolve_loader(load_embeddings)  # a loader that cannot be imported fails now
    store.check_writable()
    if threads is None:
        threads = 1
    threads = max(1, min(int(threads), (os.cpu_count() or 1) // (1 if scheduler else jobs)))
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_sigterm) if in_main else None
    try:
        return _run_grid(
            configs, store, jobs, scheduler, retry_failed, progress, load_embeddings, threads
        )
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def _run_grid(configs, store, jobs, scheduler, retry_failed, progress, loader, threads):
    start = time.perf_counter()
    configs.sort(key=lambda c: (c.dataset, c.encoder))
    pairs = list(dict.fromkeys((c.dataset, c.encoder) for c in configs))
    # 1. the identity of every pair's data and embeddings (cheap: sidecars, or one load)
    identity, pair_error = {}, {}
    # one at a time on Dask: a loader that kills its worker takes no other pair's task along
    for (_kind, (d, e)), res in execute_all(
        [("identity", p) for p in pairs],
        scheduler,
        jobs,
        loader,
        threads,
        in_flight=1 if scheduler is not None else None,
    ):
        if res["ok"]:
            identity[(d, e)] = res["value"]
        else:
            pair_error[(d, e)] = res
    # 2. what is left to do: runs not stored with this identity, failures not recorded with it
    stored, failed = store.run_identities(), store.failed_identities()

    def ident(c):  # the pair's data and embeddings, and the code that makes c's picks
        pair = identity.get((c.dataset, c.encoder), _NO_IDENTITY)
        return {**pair, "code": code_identity(c.ips, c.strategy)}

    def is_done(c):
        return (c.dataset, c.encoder) in identity and same_identity(stored.get(c.key()), ident(c))

    def skip_failed(c, key=None):
        key = key or c.key()
        return not retry_failed and key in failed and same_identity(failed[key], ident(c))

    already = sum(map(is_done, configs))
    n_skipped_failed = sum(not is_done(c) and skip_failed(c) for c in configs)
    failed_now = []
    for c in configs:  # a pair whose loader failed: its runs fail without running
        res = pair_error.get((c.dataset, c.encoder))
        if res is not None and not skip_failed(c):
            store.write_failure(c, res["error"], res["traceback"], ident(c))
            failed_now.append(c.key())
    for pair, res in pair_error.items():
        if retry_failed or not same_identity(
            failed.get(store.upper_failure_key(*pair)), _NO_IDENTITY
        ):
            store.write_upper_failure(*pair, res["error"], res["traceback"])
            failed_now.append(store.upper_failure_key(*pair))
    todo = [
        c
        for c in configs
        if (c.dataset, c.encoder) in identity and not is_done(c) and not skip_failed(c)
    ]
    upper = {}  # one upper bound per pair, on the pool of its main-grid runs
    for c in sorted(configs, key=lambda c: c.study != "main"):
        pair = (c.dataset, c.encoder)
        if pair in identity and pair not in upper:
            upper[pair] = {
                "dataset": c.dataset,
                "encoder": c.encoder,
                "clf": dict(c.clf),
                "pool_cap": c.pool_cap,
                "identity": identity[pair],
            }
    ukey = store.upper_failure_key
    upper = {
        p: u
        for p, u in upper.items()
        if not store.has_upper(*p, pool_cap=u["pool_cap"], clf=u["clf"], identity=u["identity"])
        and (retry_failed or not same_identity(failed.get(ukey(*p)), u["identity"]))
    }
    tasks, seen = [], set()
    for c in todo:  # each pair's upper bound just before its runs (embeddings reused)
        pair = (c.dataset, c.encoder)
        if pair in upper and pair not in seen:
            seen.add(pair)
            tasks.append(("upper", upper[pair]))
        tasks.append(("run", {"config": c.to_dict(), "identity": ident(c)}))
    tasks += [("upper", u) for p, u in upper.items() if p not in seen]
    store.write_provenance(
        n_configs=len(configs), jobs=jobs, scheduler=None if scheduler is None else str(scheduler)
    )
    # 3. run, claiming each task just before it starts (other runners may share the store)
    claims = {}

    def task_key(task):
        if task[0] == "upper":
            return ukey(task[1]["dataset"], task[1]["encoder"])
        return RunConfig.from_dict(task[1]["config"]).key()

    def claim(task):
        key = task_key(task)
        lock = store.claim(key)
        if lock is None:
            return False
        if task[0] == "run" and same_identity(store.run_identity(key), task[1]["identity"]):
            lock.release()  # finished by another runner since this one planned
            return False
        if task[0] == "upper" and store.has_upper(
            task[1]["dataset"],
            task[1]["encoder"],
            pool_cap=task[1]["pool_cap"],
            clf=task[1]["clf"],
            identity=task[1]["identity"],
        ):
            lock.release()
            return False
        claims[key] = lock
        return True

    n_done, n_upper, n_elsewhere = 0, 0, 0
    bar = tqdm(total=len(tasks), desc="grid", unit="task", disable=not progress)
    results = execute_all(tasks, scheduler, jobs, loader, threads, claim)
    try:
        for (kind, payload), res in results:
            key = task_key((kind, payload))
            if res is None:
                n_elsewhere += 1
            elif kind == "upper":
                d, e = payload["dataset"], payload["encoder"]
                if res["ok"]:
                    store.write_upper(
                        d,
                        e,
                        res["value"],
                        pool_cap=payload["pool_cap"],
                        clf=payload["clf"],
                        identity=payload["identity"],
                    )
                    n_upper += 1
                else:
                    store.write_upper_failure(
                        d, e, res["error"], res["traceback"], identity=payload["identity"]
                    )
                    failed_now.append(key)
            else:
                cfg = RunConfig.from_dict(payload["config"])
                if res["ok"]:
                    store.write_run(
                        cfg,
                        res["value"],
                        res["seconds"],
                        payload["identity"],
                        provenance=res.get("provenance"),
                    )
                    n_done += 1
                else:
                    store.write_failure(cfg, res["error"], res["traceback"], payload["identity"])
                    failed_now.append(key)
            lock = claims.pop(key, None)
            if lock is not None:
                lock.release()
            bar.set_postfix(
                done=n_done, failed=len(failed_now), left=bar.total - bar.n - 1, refresh=False
            )
            bar.update()
    finally:
        results.close()  # on SIGTERM / Ctrl-C: kill the local workers, cancel Dask futures
        for lock in claims.values():
            lock.release()
        bar.close()
    return {
        "total": len(configs),
        "already_done": already,
        "skipped_failed": n_skipped_failed,
        "claimed_elsewhere": n_elsewhere,
        "done": n_done,
        "failed": len(failed_now),
        "upper_bounds": n_upper,
        "seconds": round(time.perf_counter() - start, 2),
        "store": str(store.path),
        "failed_keys": failed_now,
    }
