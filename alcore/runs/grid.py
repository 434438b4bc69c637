"""Run a grid of :class:`~alcore.runs.experiment.RunConfig` into a
:class:`~alcore.runs.store.ResultStore`.

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

Identity. Before any run, one cheap task per (dataset, encoder) computes the identity of its
data and embeddings (:func:`pair_identity`: the dataset's content hash and the embedding
cache sidecars' sha256, or a hash of a custom loader's arrays); a run's identity adds the
versions of its strategies and of the loop (:func:`alcore.engine.identity.code_identity`). A run
is skipped only when the store holds it with that identity; each run checks that the
embeddings it loaded still have it. A pair whose identity cannot be computed (its loader
fails) has all its runs recorded as failed, without running them.

Sharing a store. Several ``run_grid`` calls (processes, machines on one file system) may
run the same grid into one store: each run is claimed with a file lock
(:meth:`ResultStore.claim`) just before it is computed, and skipped if another runner holds
it or has finished it. SIGTERM (and Ctrl-C) shut the local worker processes down at once and
cancel Dask futures; the finished runs stay in the store.

SLURM with dask-jobqueue (the driver runs on a login node; ``$ALCORE_HOME`` on shared disk)::

    from dask_jobqueue import SLURMCluster
    from distributed import Client
    from alcore.runs.experiment import load_profile
    from alcore.runs.grid import run_grid

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

import hashlib
import importlib
import json
import os
import signal
import threading
import time
import traceback
import warnings
from collections import Counter, OrderedDict, deque

from alcore.embedding.embed import cached_sha256
from alcore.engine.identity import code_identity
from alcore.runs.experiment import RunConfig, cap_pool
from alcore.runs.store import ResultStore, same_identity
from alcore.runs.workers import start_workers

__all__ = [
    "pair_identity",
    "planned_identity",
    "resolve_loader",
    "run_grid",
    "run_one",
    "upper_bound",
]

_EMB_CACHE: OrderedDict = OrderedDict()  # per worker process: the last embeddings loaded
_EMB_CACHE_SIZE = 1
MAX_WORKER_DEATHS = 3  # local executor: a run that kills its worker this often is failed
DASK_IN_FLIGHT = 256  # Dask: tasks submitted (and claimed) at a time
_NO_IDENTITY = {"data": None, "embeddings": None}  # of a pair whose loader failed


def resolve_loader(loader):
    """``None`` -> alcore.embedding.embed.load_embeddings; ``"module:function"`` -> that function.

    Raises ValueError naming the loader when the module cannot be imported or lacks the
    function, so a bad ``--embeddings`` fails before any work.
    """
    if loader is None:
        from alcore.embedding.embed import load_embeddings

        return load_embeddings
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


def _embeddings(dataset, encoder, loader):
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
    import numpy as np

    parts = []
    for name in ("X_train", "y_train", "X_test", "y_test"):
        a = np.ascontiguousarray(np.asarray(getattr(emb, name)))
        parts += [name, a.dtype.str, a.shape, hashlib.sha256(a.tobytes()).hexdigest()]
    return "arrays:" + _sha(*parts)


def _sidecar_fp(emb) -> str | None:
    """The embedding cache sidecars' sha256 of both splits, from the paths in ``emb.meta``."""
    meta = getattr(emb, "meta", None) or {}
    shas = []
    for split in ("train", "test"):
        path = meta.get(f"path_{split}")
        if not path:
            return None
        side = os.path.splitext(path)[0] + ".json"
        with open(side, encoding="utf-8") as fh:
            shas.append(json.load(fh)["sha256"])
    return "cache:" + _sha(*shas)


def _emb_fp(dataset, encoder, loader) -> str:
    """Fingerprint of the embeddings ``loader`` gives (cached with them in this process)."""
    _embeddings(dataset, encoder, loader)
    entry = _EMB_CACHE[(str(loader), dataset, encoder)]
    if entry[1] is None:
        entry[1] = (_sidecar_fp(entry[0]) if loader is None else None) or _arrays_fp(entry[0])
    return entry[1]


def _data_fp(dataset) -> str | None:
    """The dataset's content hash (texts, labels, split), or None if alcore does not know it."""
    from alcore import data

    try:
        return str(data.dataset_fingerprint(dataset))
    except (KeyError, LookupError, FileNotFoundError):
        return None  # a name only a custom loader knows: its arrays carry the identity


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
    return {"data": _data_fp(dataset) if known else None, "embeddings": emb}


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
    return {"data": _data_fp(dataset), "embeddings": emb}


def _is_alcore_dataset(dataset) -> bool:
    from alcore.runs.experiment import _dataset_names

    try:
        return dataset in _dataset_names(dataset)
    except Exception:
        return False


def run_one(config: RunConfig, load_embeddings=None, identity=None):
    """Run one config; return ``(cycles DataFrame, run_seconds)``.

    ``picked`` indices refer to the training pool after ``pool_cap`` (see
    :func:`alcore.runs.experiment.cap_pool`, reproducible with ``random_state=0``). With
    ``identity``, the embeddings loaded must still have that fingerprint (else RuntimeError:
    they changed since the grid was planned).
    """
    from alcore.engine.loop import run_al

    emb = _embeddings(config.dataset, config.encoder, load_embeddings)
    _check_identity(config.dataset, config.encoder, load_embeddings, identity)
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


def _check_identity(dataset, encoder, loader, identity):
    if identity is None:
        return
    found = _emb_fp(dataset, encoder, loader)
    if found != identity.get("embeddings"):
        raise RuntimeError(
            f"the embeddings of {dataset} x {encoder} changed while the grid "
            f"ran ({identity.get('embeddings')} planned, {found} loaded); run "
            "the grid again to recompute with the new ones"
        )


def upper_bound(
    dataset, encoder, clf=None, load_embeddings=None, pool_cap=None, identity=None
) -> dict:
    """Full-data accuracy of ``(dataset, encoder)`` on the runs' training pool.

    The pool is the training split after ``pool_cap`` (:func:`cap_pool`), the same pool the
    runs draw from, so the bound is within their reach.
    """
    from alcore.engine.loop import full_data_accuracy

    emb = _embeddings(dataset, encoder, load_embeddings)
    _check_identity(dataset, encoder, load_embeddings, identity)
    idx = cap_pool(emb.y_train, pool_cap, random_state=0)
    start = time.perf_counter()
    scores = full_data_accuracy(
        emb.X_train[idx], emb.y_train[idx], emb.X_test, emb.y_test, clf_params=clf
    )
    return {**scores, "n_train": len(idx), "seconds": time.perf_counter() - start}


def _execute(kind, payload, loader, threads):
    """One task (module-level, picklable): returns a result dict; never raises."""
    from threadpoolctl import threadpool_limits

    try:
        with threadpool_limits(limits=threads):
            if kind == "identity":
                return {"ok": True, "value": pair_identity(*payload, load_embeddings=loader)}
            if kind == "upper":
                return {"ok": True, "value": upper_bound(**payload, load_embeddings=loader)}
            df, seconds = run_one(
                RunConfig.from_dict(payload["config"]),
                load_embeddings=loader,
                identity=payload["identity"],
            )
            return {"ok": True, "value": df, "seconds": seconds}
    except Exception as exc:
        return {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }


def _pull(source, claim):
    """``(item, [])`` if ``claim`` accepts the next task of ``source``, else ``(None, [item])``."""
    item = source.popleft()
    return (item, []) if claim is None or claim(item[1]) else (None, [item])


def _local(tasks, jobs, loader, threads, claim=None):
    """Yield ``(task, result)``; jobs=1 in-process, else loky worker processes.

    At most ``jobs`` tasks are in flight. ``claim(task)`` is asked just before a task starts;
    a task it refuses is yielded with result None (another runner has it). If a worker
    process dies, the tasks in flight then are suspects: they are re-run one at a time (so
    a death names its task exactly) before the rest goes on in parallel; a task that kills
    its worker 3 times is recorded failed. On any exit (SIGTERM, Ctrl-C) the workers are
    killed at once.
    """
    if jobs == 1:
        for task in tasks:
            if claim is not None and not claim(task):
                yield task, None
                continue
            yield task, _execute(task[0], task[1], loader, threads)
        return
    from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, wait

    from joblib.externals.loky import get_reusable_executor

    # loky restarts a worker whose memory grew (its leak check; large pools load large
    # embeddings) and says so with this warning; the restart loses no task
    warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given")
    queue, suspects, deaths = deque(enumerate(tasks)), deque(), Counter()
    executor = None
    try:
        while queue or suspects:
            solo = bool(suspects)
            source, limit = (suspects, 1) if solo else (queue, jobs)
            executor = start_workers(get_reusable_executor, jobs)
            running, broken = {}, False
            while (source and not broken) or running:
                while source and not broken and len(running) < limit:
                    item, skipped = _pull(source, None if solo else claim)
                    for _, task in skipped:
                        yield task, None
                    if item is not None:
                        i, task = item
                        running[executor.submit(_execute, task[0], task[1], loader, threads)] = (
                            i,
                            task,
                        )
                if not running:
                    continue
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i, task = running.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenExecutor as exc:
                        broken = True
                        deaths[i] += solo
                        if deaths[i] >= MAX_WORKER_DEATHS:
                            yield (
                                task,
                                {
                                    "ok": False,
                                    "traceback": "",
                                    "error": (
                                        f"worker process died {deaths[i]} time(s) running it: {exc}"
                                    ),
                                },
                            )
                        else:
                            suspects.append((i, task))
                        continue
                    yield task, result
    except BaseException:
        if executor is not None:  # SIGTERM, Ctrl-C, a closed generator: no lingering workers
            executor.shutdown(wait=False, kill_workers=True)
        raise


def _dask(tasks, scheduler, loader, threads, claim=None, in_flight=DASK_IN_FLIGHT):
    """Yield ``(task, result)`` from a Dask cluster; a task lost for good is a failure.

    At most ``in_flight`` tasks are submitted (and claimed) at a time.
    """
    from distributed import Client, wait

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    queue, futures = deque(enumerate(tasks)), {}
    try:
        while queue or futures:
            while queue and len(futures) < in_flight:
                n, task = queue.popleft()
                if claim is not None and not claim(task):
                    yield task, None
                    continue
                name = task[0] if task[0] != "run" else task[1]["config"]["dataset"]
                fut = client.submit(
                    _execute,
                    task[0],
                    task[1],
                    loader,
                    threads,
                    retries=2,
                    pure=False,
                    key=f"alcore-{task[0]}-{name}-{n}-{os.getpid()}",
                    priority=-n,
                )
                futures[fut] = task
            if not futures:
                continue
            done = wait(list(futures), return_when="FIRST_COMPLETED").done
            for fut in done:
                try:
                    result = fut.result()
                except Exception as exc:
                    result = {
                        "ok": False,
                        "error": f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc(),
                    }
                yield futures.pop(fut), result
    finally:
        if futures:
            client.cancel(list(futures))
        if client is not scheduler:
            client.close()


class GridTerminated(SystemExit):
    """Raised in the runner by SIGTERM: the workers are stopped, finished runs are kept."""


def _on_sigterm(signum, frame):
    raise GridTerminated(128 + signum)


def _execute_all(tasks, scheduler, jobs, loader, threads, claim=None, in_flight=None):
    if scheduler is not None:
        return _dask(tasks, scheduler, loader, threads, claim, in_flight or DASK_IN_FLIGHT)
    return _local(tasks, in_flight or jobs, loader, threads, claim)


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
        BLAS/OpenMP threads per task, at most ``cpu_count // jobs`` locally. Default 1: the
        fits are small (a few thousand rows at most), and on a busy 2-core machine a
        2-thread OpenBLAS made one 30-sample LBFGS fit 10x slower (0.36 s vs 0.03 s) than
        one thread; parallelise across runs with ``jobs`` instead.

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
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        return _run_grid(
            configs, store, jobs, scheduler, retry_failed, progress, load_embeddings, threads
        )
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def _run_grid(configs, store, jobs, scheduler, retry_failed, progress, loader, threads):
    from tqdm.auto import tqdm

    start = time.perf_counter()
    configs.sort(key=lambda c: (c.dataset, c.encoder))
    pairs = list(dict.fromkeys((c.dataset, c.encoder) for c in configs))
    # 1. the identity of every pair's data and embeddings (cheap: sidecars, or one load)
    identity, pair_error = {}, {}
    # one at a time on Dask: a loader that kills its worker takes no other pair's task along
    for (_kind, (d, e)), res in _execute_all(
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
    results = _execute_all(tasks, scheduler, jobs, loader, threads, claim)
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
                    store.write_run(cfg, res["value"], res["seconds"], payload["identity"])
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
