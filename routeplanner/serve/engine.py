"""Where the planner's CPU-bound work runs: a pool of worker processes, or one thread.

:class:`ProcessEngine` starts one worker process per core, each loading the region
once (from the network cache) and keeping its own search caches, so concurrent
users neither block each other nor share mutable state; only queries and results
(plain data and bytes) cross between processes.  :class:`LocalEngine` runs a
planner already loaded in this process on one thread (the tests' ASGI client, and
machines with a single core).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from routeplanner.serve.planner import Planner, init_worker, run_in_worker

__all__ = ["Engine", "LocalEngine", "ProcessEngine", "default_workers"]

log = logging.getLogger("routeplanner.serve")


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Engine:
    """Runs :class:`~routeplanner.serve.planner.Planner` methods off the event loop."""

    workers: int = 1

    async def call(self, method: str, *args: Any) -> Any:
        """Run ``Planner.method(*args)`` and return its result."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop the workers (queries under way are abandoned)."""


class LocalEngine(Engine):
    """One thread over a planner loaded in this process."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="planner")

    async def call(self, method: str, *args: Any) -> Any:
        """Run the method on the planner's one thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, getattr(self.planner, method), *args)

    def close(self) -> None:
        """Stop the thread."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _worker_start(load: Callable[..., Any], args: tuple[Any, ...], profile: str | None) -> None:
    # Ctrl-C reaches the whole process group: the server stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init_worker(load, args, profile)


def _ping() -> int:
    return os.getpid()


class ProcessEngine(Engine):
    """A pool of worker processes, each with its own copy of the region.

    Parameters
    ----------
    load
        A picklable function returning the loaded region (called as ``load(*args)``
        once in each worker).
    args
        Its arguments.
    profile_file
        The runner profile that ``profile=1`` queries use.
    workers
        Number of processes (default: one per core).
    """

    def __init__(
        self,
        load: Callable[..., Any],
        args: tuple[Any, ...],
        profile_file: str | None = None,
        workers: int | None = None,
    ) -> None:
        self.workers = workers or default_workers()
        self._initargs = (load, args, profile_file)
        self._pool: Executor = self._new_pool()

    def _new_pool(self) -> Executor:
        # "spawn": a worker starts clean, with no copy of the server's threads or sockets.
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_start,
            initargs=self._initargs,
        )

    def warm(self) -> None:
        """Start every worker and wait until each has loaded the region."""
        futures = [self._pool.submit(_ping) for _ in range(self.workers)]
        for f in futures:
            f.result()

    async def call(self, method: str, *args: Any) -> Any:
        """Run the method in a free worker; a pool whose worker died is started again."""
        loop = asyncio.get_running_loop()
        pool = self._pool
        try:
            return await loop.run_in_executor(pool, run_in_worker, method, *args)
        except BrokenProcessPool:
            # A worker was killed (out of memory, by hand): this query fails, the next
            # ones get fresh workers instead of failing forever.
            if self._pool is pool:
                log.warning("a planner worker died: starting the workers again")
                self._pool = self._new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self) -> None:
        """Stop the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)
