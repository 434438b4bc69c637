"""The grid's executors: this process, local worker processes (loky) or a Dask cluster.

A task is ``(kind, payload)``: ``("identity", (dataset, encoder))``, ``("upper", {...})`` or
``("run", {"config": ..., "identity": ...})``. :func:`execute` runs one in whatever process
it lands in and never raises: it returns ``{"ok": True, "value": ...}`` (a run adds
``seconds`` and ``provenance``, the run provenance record of the process that computed it)
or ``{"ok": False, "error": ..., "traceback": ...}``. :func:`execute_all` yields
``(task, result)`` pairs as they finish; a task that ``claim`` refuses (another runner has it)
is yielded with result None.

Local
    ``jobs=1`` runs in this process; ``jobs=N`` uses N loky worker processes. Each task
    caps the BLAS/OpenMP threads of its process at ``threads``, so N workers do not
    oversubscribe the cores (a run pins its own threads anyway,
    :func:`alcore.engine.loop.run_al`). If a worker process dies, its tasks in flight are
    re-run one at a time (so a death names its task); a task that kills its worker
    :data:`MAX_WORKER_DEATHS` times is failed. On any exit (SIGTERM, Ctrl-C) the workers are
    killed at once.
Dask distributed
    ``scheduler="tcp://HOST:PORT"`` or a ``distributed.Client``; every task is submitted with
    ``retries=2`` (a dead worker's task is retried elsewhere); at most ``in_flight`` tasks
    are submitted (and claimed) at a time; a task lost for good is a failure.
"""

from __future__ import annotations

import os
import traceback
import warnings
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor
from concurrent.futures import wait as wait_futures

from distributed import Client
from distributed import wait as wait_dask
from joblib.externals.loky import get_reusable_executor
from threadpoolctl import threadpool_limits

from alcore.runs.experiment import RunConfig
from alcore.runs.grid_inputs import pair_identity, run_one, upper_bound
from alcore.runs.grid_provenance import run_provenance
from alcore.runs.workers import start_workers

__all__ = ["DASK_IN_FLIGHT", "MAX_WORKER_DEATHS", "GridTerminated", "execute", "execute_all"]

MAX_WORKER_DEATHS = 3  # local executor: a run that kills its worker this often is failed
DASK_IN_FLIGHT = 256  # Dask: tasks submitted (and claimed) at a time


class GridTerminated(SystemExit):
    """Raised in the runner by SIGTERM: the workers are stopped, finished runs are kept."""


def on_sigterm(signum, frame):
    """SIGTERM handler of the runner: stop as Ctrl-C would."""
    raise GridTerminated(128 + signum)


def execute(kind, payload, loader, threads):
    """One task (module-level, picklable): returns a result dict; never raises."""
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
            return {"ok": True, "value": df, "seconds": seconds, "provenance": run_provenance()}
    except Exception as exc:
        return {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }


def execute_all(tasks, scheduler, jobs, loader, threads, claim=None, in_flight=None):
    """Yield ``(task, result)`` from the local executor (``scheduler`` None) or Dask."""
    if scheduler is not None:
        return _dask(tasks, scheduler, loader, threads, claim, in_flight or DASK_IN_FLIGHT)
    return _local(tasks, in_flight or jobs, loader, threads, claim)


def _pull(source, claim):
    """``(item, [])`` if ``claim`` accepts the next task of ``source``, else ``(None, [item])``."""
    item = source.popleft()
    return (item, []) if claim is None or claim(item[1]) else (None, [item])


def _died(task, deaths, exc):
    return (
        task,
        {
            "ok": False,
            "traceback": "",
            "error": f"worker process died {deaths} time(s) running it: {exc}",
        },
    )


def _local(tasks, jobs, loader, threads, claim=None):
    """Yield ``(task, result)``; jobs=1 in-process, else loky worker processes."""
    if jobs == 1:
        for task in tasks:
            if claim is not None and not claim(task):
                yield task, None
                continue
            yield task, execute(task[0], task[1], loader, threads)
        return
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
                        fut = executor.submit(execute, item[1][0], item[1][1], loader, threads)
                        running[fut] = item
                if not running:
                    continue
                finished, _ = wait_futures(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i, task = running.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenExecutor as exc:
                        broken = True
                        deaths[i] += solo
                        if deaths[i] >= MAX_WORKER_DEATHS:
                            yield _died(task, deaths[i], exc)
                        else:
                            suspects.append((i, task))
                        continue
                    yield task, result
    except BaseException:
        if executor is not None:  # SIGTERM, Ctrl-C, a closed generator: no lingering workers
            executor.shutdown(wait=False, kill_workers=True)
        raise


def _dask(tasks, scheduler, loader, threads, claim=None, in_flight=DASK_IN_FLIGHT):
    """Yield ``(task, result)`` from a Dask cluster; a task lost for good is a failure."""
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
                    execute,
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
            done = wait_dask(list(futures), return_when="FIRST_COMPLETED").done
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
