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

    SIGINT is ignored while the worker processes are forked (a process started so keeps
    ignoring it, from its first import on), a few milliseconds; workers started later ignore
    it from their initializer on.
    """
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _in_main_thread() else None
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
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
