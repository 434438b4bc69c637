"""Local worker processes that leave Ctrl-C to the runner: :func:`start_workers`."""

from __future__ import annotations

import signal
import threading
import time

__all__ = ["start_workers"]


def _ignore_sigint():
    """Worker initializer: Ctrl-C is the runner's to handle (it stops the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_workers(get_executor, jobs):
    """The worker pool, its processes deaf to Ctrl-C, so that a Ctrl-C ends the grid with the
    runner's one line instead of a traceback from every worker.

    SIGINT is blocked while the worker processes start (a process started so inherits the
    blocked signal, from its first import on); workers started later ignore it from their
    initializer on. Blocked, not ignored: a Ctrl-C during the start (seconds, on a loaded
    machine) stays pending and reaches the runner as soon as the workers are up.
    """
    main = _in_main_thread()
    if main:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        executor = get_executor(max_workers=jobs, initializer=_ignore_sigint)
        future = executor.submit(int)  # the pool forks its workers now, not at the first task
        deadline = time.monotonic() + 10
        while len(getattr(executor, "_processes", None) or ()) < jobs and not future.done():
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        return executor
    finally:
        if main:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
