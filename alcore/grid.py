"""Run a grid of :class:`~alcore.experiment.RunConfig` into a :class:`~alcore.store.ResultStore`.

:func:`run_grid` skips the runs the store already holds, computes the full-data upper bound
once per (dataset, encoder), and runs the rest on one of two executors:

Local (default)
    ``jobs=1`` runs in this process; ``jobs=N`` uses N joblib/loky worker processes. Each
    task pins the BLAS/OpenMP threads of its process with threadpoolctl (``threads``,
    default 1, never above ``cpu_count // jobs``), so N workers do not oversubscribe the
    cores. If a worker process dies,
    its runs in flight are re-run one at a time; a run that kills its worker three times
    is recorded as failed.
Dask distributed
    ``scheduler="tcp://HOST:PORT"`` (an existing cluster) or a ``distributed.Client``.
    Every run is one task submitted with ``retries=2``: a worker that dies has its task
    retried elsewhere; a task that still fails is recorded as failed, never dropped.
    Embeddings never travel through the scheduler: workers call ``load_embeddings``
    themselves, reading the embedding cache, so ``ALCORE_HOME`` must be a path that every
    worker sees (a shared file system). Fill the cache first with ``alcore embed``.

Runs are ordered by (dataset, encoder) and every worker process keeps the last embeddings it
loaded, so a worker loads each (dataset, encoder) once where possible. Results come back to
the calling process, which alone writes the store (atomically, one file per finished run): a
grid killed at any moment resumes with nothing lost, duplicated or half-written.

SLURM with dask-jobqueue (the driver runs on a login node; ``$ALCORE_HOME`` on shared disk)::

    from dask_jobqueue import SLURMCluster
    from distributed import Client
    from alcore.experiment import load_profile
    from alcore.grid import run_grid

    cluster = SLURMCluster(cores=4, processes=4, memory="16GB", walltime="04:00:00",
                           job_script_prologue=["export ALCORE_HOME=/shared/alcore",
                                                "export OMP_NUM_THREADS=1"])
    cluster.scale(jobs=10)                    # 10 SLURM jobs x 4 single-threaded workers
    with Client(cluster) as client:
        run_grid(load_profile("paper").configs(), "results/paper", scheduler=client)

or, from the command line against a running scheduler:
``alcore run --profile paper --scheduler tcp://HOST:8786``.
"""

from __future__ import annotations

import importlib
import os
import time
import traceback
import warnings
from collections import Counter, OrderedDict, deque

from .experiment import RunConfig, cap_pool
from .store import ResultStore

__all__ = ["run_grid", "run_one", "upper_bound"]

_EMB_CACHE: OrderedDict = OrderedDict()  # per worker process: the last embeddings loaded
_EMB_CACHE_SIZE = 1
MAX_WORKER_DEATHS = 3  # local executor: a run that kills its worker this often is failed


def _resolve_loader(loader):
    """``None`` -> alcore.embed.load_embeddings; ``"module:function"`` -> that function."""
    if loader is None:
        from .embed import load_embeddings

        return load_embeddings
    if isinstance(loader, str):
        module, _, name = loader.partition(":")
        if not name:
            raise ValueError(f"load_embeddings {loader!r} must be 'module:function'")
        return getattr(importlib.import_module(module), name)
    return loader


def _embeddings(dataset, encoder, loader):
    key = (str(loader), dataset, encoder)
    if key not in _EMB_CACHE:
        emb = _resolve_loader(loader)(dataset, encoder)
        _EMB_CACHE[key] = emb
        while len(_EMB_CACHE) > _EMB_CACHE_SIZE:
            _EMB_CACHE.popitem(last=False)
    _EMB_CACHE.move_to_end(key)
    return _EMB_CACHE[key]


def run_one(config: RunConfig, load_embeddings=None):
    """Run one config; return ``(cycles DataFrame, run_seconds)``.

    ``picked`` indices refer to the training pool after ``pool_cap`` (see
    :func:`alcore.experiment.cap_pool`, reproducible with ``random_state=0``).
    """
    from .loop import run_al

    emb = _embeddings(config.dataset, config.encoder, load_embeddings)
    idx = cap_pool(emb.y_train, config.pool_cap, random_state=0)
    start = time.perf_counter()
    df = run_al(emb.X_train[idx], emb.y_train[idx], emb.X_test, emb.y_test, ips=config.ips,
                k0=config.k0, strategy="random" if config.strategy == "none" else config.strategy,
                budget=config.budget, cycles=config.cycles, random_state=config.seed,
                clf_params=dict(config.clf), strategy_params=dict(config.strategy_params))
    return df, time.perf_counter() - start


def upper_bound(dataset, encoder, clf=None, load_embeddings=None) -> dict:
    """Full-data accuracy (the whole training split) of ``(dataset, encoder)``."""
    from .loop import full_data_accuracy

    emb = _embeddings(dataset, encoder, load_embeddings)
    start = time.perf_counter()
    scores = full_data_accuracy(emb.X_train, emb.y_train, emb.X_test, emb.y_test,
                                clf_params=clf)
    return {**scores, "n_train": len(emb.y_train), "seconds": time.perf_counter() - start}


def _execute(kind, payload, loader, threads):
    """One task (module-level, picklable): returns a result dict; never raises."""
    from threadpoolctl import threadpool_limits

    try:
        with threadpool_limits(limits=threads):
            if kind == "upper":
                return {"ok": True, "value": upper_bound(*payload, load_embeddings=loader)}
            df, seconds = run_one(RunConfig.from_dict(payload), load_embeddings=loader)
            return {"ok": True, "value": df, "seconds": seconds}
    except Exception as exc:  # noqa: BLE001 - recorded in the store, the grid goes on
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc()}


def _local(tasks, jobs, loader, threads):
    """Yield ``(task, result)``; jobs=1 in-process, else loky worker processes.

    At most ``jobs`` tasks are in flight. If a worker process dies, the tasks in flight then
    are suspects: they are re-run one at a time (so a death names its task exactly) before
    the rest goes on in parallel; a task that kills its worker 3 times is recorded failed.
    """
    if jobs == 1:
        for task in tasks:
            yield task, _execute(task[0], task[1], loader, threads)
        return
    from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, wait

    from joblib.externals.loky import get_reusable_executor

    # loky restarts a worker whose memory grew (its leak check; large pools load large
    # embeddings) and says so with this warning; the restart loses no task
    warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given")
    queue, suspects, deaths = deque(enumerate(tasks)), deque(), Counter()
    while queue or suspects:
        solo = bool(suspects)
        source, limit = (suspects, 1) if solo else (queue, jobs)
        executor = get_reusable_executor(max_workers=jobs)
        running, broken = {}, False
        while (source and not broken) or running:
            while source and not broken and len(running) < limit:
                i, task = source.popleft()
                running[executor.submit(_execute, task[0], task[1], loader, threads)] = (i, task)
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                i, task = running.pop(fut)
                try:
                    result = fut.result()
                except BrokenExecutor as exc:
                    broken = True
                    deaths[i] += solo
                    if deaths[i] >= MAX_WORKER_DEATHS:
                        yield task, {"ok": False, "traceback": "", "error": (
                            f"worker process died {deaths[i]} time(s) running it: {exc}")}
                    else:
                        suspects.append((i, task))
                    continue
                yield task, result


def _dask(tasks, scheduler, loader, threads):
    """Yield ``(task, result)`` from a Dask cluster; a task lost for good is a failure."""
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = {}
        for n, task in enumerate(tasks):
            name = task[1]["dataset"] if task[0] == "run" else task[1][0]
            fut = client.submit(_execute, task[0], task[1], loader, threads, retries=2,
                                pure=False, key=f"alcore-{task[0]}-{name}-{n}",
                                priority=len(tasks) - n)
            futures[fut] = task
        for fut in as_completed(futures):
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker after the retries
                result = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                          "traceback": traceback.format_exc()}
            yield futures.pop(fut), result
    finally:
        if client is not scheduler:
            client.close()


def run_grid(configs, store, jobs=1, scheduler=None, retry_failed=False, progress=True,
             load_embeddings=None, threads=None):
    """Run every config not yet in ``store``; return a summary dict.

    Parameters
    ----------
    configs : iterable of RunConfig
        The runs (duplicates by key are run once).
    store : ResultStore, str or Path
        Where finished runs go; checked to be writable before any work.
    jobs : int, default=1
        Local worker processes (ignored with ``scheduler``).
    scheduler : str, distributed.Client or None
        A Dask scheduler address (``tcp://HOST:PORT``) or client; None = local executor.
    retry_failed : bool, default=False
        Re-run the runs recorded as failed (otherwise they are skipped).
    progress : bool, default=True
        A tqdm bar over the tasks (done, failed, left, ETA).
    load_embeddings : callable, "module:function" or None
        ``f(dataset, encoder) -> Embeddings``; default :func:`alcore.embed.load_embeddings`.
        For Dask it must be importable on the workers (a module-level function).
    threads : int, optional
        BLAS/OpenMP threads per task, at most ``cpu_count // jobs`` locally. Default 1: the
        fits are small (a few thousand rows at most), and on a busy 2-core machine a
        2-thread OpenBLAS made one 30-sample LBFGS fit 10x slower (0.36 s vs 0.03 s) than
        one thread; parallelise across runs with ``jobs`` instead.

    Returns
    -------
    dict
        ``total, already_done, skipped_failed, done, failed, upper_bounds, seconds, store,
        failed_keys``.
    """
    from tqdm.auto import tqdm

    store = store if isinstance(store, ResultStore) else ResultStore(store)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive int, got {jobs!r}")
    configs = list({c.key(): c for c in configs}.values())
    for c in configs:
        if not isinstance(c, RunConfig):
            raise ValueError(f"configs must be RunConfig objects, got {type(c).__name__}")
    store.check_writable()
    start = time.perf_counter()
    done, failed = store.done_keys(), store.failed_keys()
    todo = [c for c in configs if c.key() not in done
            and (retry_failed or c.key() not in failed)]
    todo.sort(key=lambda c: (c.dataset, c.encoder))
    pairs = {}
    for c in sorted(configs, key=lambda c: (c.dataset, c.encoder)):
        if not store.has_upper(c.dataset, c.encoder) and (
                retry_failed or store.upper_failure_key(c.dataset, c.encoder) not in failed):
            pairs.setdefault((c.dataset, c.encoder), c.clf)
    # one upper-bound task per pair, placed before that pair's runs (embeddings reused)
    tasks, seen = [], set()
    for c in todo:
        pair = (c.dataset, c.encoder)
        if pair in pairs and pair not in seen:
            seen.add(pair)
            tasks.append(("upper", (c.dataset, c.encoder, dict(pairs[pair]))))
        tasks.append(("run", c.to_dict()))
    tasks += [("upper", (d, e, dict(clf))) for (d, e), clf in pairs.items() if (d, e) not in seen]
    store.write_provenance(n_configs=len(configs), jobs=jobs,
                           scheduler=None if scheduler is None else str(scheduler))
    if threads is None:
        threads = 1
    threads = max(1, min(int(threads), (os.cpu_count() or 1) // (1 if scheduler else jobs)))
    results = (_dask(tasks, scheduler, load_embeddings, threads) if scheduler is not None
               else _local(tasks, jobs, load_embeddings, threads))
    n_done, failed_now, n_upper = 0, [], 0
    bar = tqdm(total=len(tasks), desc="grid", unit="task", disable=not progress)
    for (kind, payload), res in results:
        if kind == "upper":
            if res["ok"]:
                store.write_upper(payload[0], payload[1], res["value"])
                n_upper += 1
            else:
                store.write_upper_failure(payload[0], payload[1], res["error"], res["traceback"])
                failed_now.append(store.upper_failure_key(payload[0], payload[1]))
        else:
            cfg = RunConfig.from_dict(payload)
            if res["ok"]:
                store.write_run(cfg, res["value"], res["seconds"])
                n_done += 1
            else:
                store.write_failure(cfg, res["error"], res["traceback"])
                failed_now.append(cfg.key())
        bar.set_postfix(done=n_done, failed=len(failed_now), left=bar.total - bar.n - 1,
                        refresh=False)
        bar.update()
    bar.close()
    summary = {"total": len(configs), "already_done": sum(c.key() in done for c in configs),
               "skipped_failed": 0 if retry_failed else sum(
                   c.key() in failed and c.key() not in done for c in configs),
               "done": n_done, "failed": len(failed_now), "upper_bounds": n_upper,
               "seconds": round(time.perf_counter() - start, 2), "store": str(store.path),
               "failed_keys": failed_now}
    return summary
