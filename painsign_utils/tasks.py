"""Heavy independent units of work as Dask tasks: the folds of chapter 02, the videos of chapter 03,
the pretraining runs; and the reuse of a heavy result computed here (:func:`cached_result`).

Owns :class:`TaskRunner`: where the tasks run (:meth:`TaskRunner.start`: this process, a
``LocalCluster``, or an existing Dask scheduler), submit, then gather in order with a progress bar.
A ``LocalCluster`` starts with the first task submitted: a re-run whose units are all finished
submits none and never pays for starting worker processes.

Every task writes its results as files, atomically, and returns small summaries, so the tables are
the same whichever worker ran which unit. One thing would still differ: PyTorch's CPU kernels split
their sums among threads, so a fold trained with 1 thread and with 2 threads differ in the last
bits. Each task therefore runs with the same number of threads, ``threads`` (this machine's default,
resolved once where the work is submitted), whatever the worker count: the tables are
byte-identical with no cluster, one worker or several. The price is on a single machine: N workers
run N × ``threads`` threads, so more than one worker oversubscribes the cores (``benchmarks/tasks.py``
measured 2 workers at 0.7× the speed of 1 on 2 cores); several workers pay off on several machines
or GPUs.

Where the tasks run::

    scheduler="tcp://host:8786"   an existing cluster (dask-jobqueue, Kubernetes, dask-cuda workers)
    PAINSIGN_DASK_SCHEDULER=...   the same, from the environment (wins over ``workers``)
    workers=N (N >= 1)            a LocalCluster of N single-threaded worker processes (started
                                  when the first task is submitted)
    workers=0                     no Dask: the tasks run here, one after another
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError
from .storage import atomic_path, content_digest, reset_if_changed

#: Environment variable naming an existing Dask scheduler (``tcp://host:8786``).
SCHEDULER_ENV = "PAINSIGN_DASK_SCHEDULER"


def scheduler_address(scheduler: str = "") -> str:
    """The scheduler to use: ``scheduler`` if given, else ``$PAINSIGN_DASK_SCHEDULER``, else ``""``."""
    return (scheduler or os.environ.get(SCHEDULER_ENV, "")).strip()


def default_threads() -> int:
    """Threads each task gives PyTorch: what PyTorch uses in this process (the physical cores)."""
    import torch

    return int(torch.get_num_threads())


class _Deferred:
    """A task for this process: it runs when its result is first asked for, then keeps it."""

    def __init__(self, threads: int, fn: Callable, args: tuple, kwargs: dict) -> None:
        self._call = (threads, fn, args, kwargs)
        self._value: Any = None
        self._done = False

    def result(self) -> Any:
        if not self._done:
            threads, fn, args, kwargs = self._call
            args = tuple(_resolve(a) for a in args)
            kwargs = {k: _resolve(v) for k, v in kwargs.items()}
            self._value, self._done = _with_threads(threads, fn, *args, **kwargs), True
        return self._value


def _resolve(arg: Any) -> Any:
    return arg.result() if isinstance(arg, _Deferred) else arg


def _with_threads(threads: int, fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn`` with PyTorch using exactly ``threads`` threads, then restore the old count."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return fn(*args, **kwargs)
    finally:
        torch.set_num_threads(before)


class TaskRunner:
    """Submit independent units of work and gather their results in submission order.

    Parameters
    ----------
    client : distributed.Client or None
        Where the tasks run; None runs each task at once, in this process.
    threads : int, optional
        PyTorch threads of every task (default :func:`default_threads`), the same wherever it runs.

    Examples
    --------
    >>> runner = TaskRunner(None, threads=1)
    >>> futures = [runner.submit(pow, 2, k) for k in range(4)]
    >>> runner.gather(futures, desc="powers", progress=False)
    [1, 2, 4, 8]
    """

    def __init__(self, client: Any = None, threads: int | None = None) -> None:
        self.client = client
        self.threads = int(threads or default_threads())
        if self.threads < 1:
            raise ConfigError(f"threads per task must be >= 1, got {self.threads}")
        self._cluster: Any = None
        self._local_workers = 0  # a LocalCluster of this many workers, started by the first submit

    @classmethod
    def start(
        cls,
        workers: int = 0,
        scheduler: str = "",
        threads: int | None = None,
        timeout: float = 20.0,
    ) -> TaskRunner:
        """Tasks on an existing scheduler, on a new ``LocalCluster`` of ``workers``, or here.

        Parameters
        ----------
        workers : int
            Worker processes of a LocalCluster (single-threaded as Dask counts them; each task
            sets PyTorch's threads itself); 0 runs the tasks in this process. Ignored when a
            scheduler is named.
        scheduler : str
            Address of a running Dask scheduler (``tcp://host:8786``); ``""`` reads
            ``$PAINSIGN_DASK_SCHEDULER``.
        threads : int, optional
            PyTorch threads of every task; default :func:`default_threads` of this process.
        timeout : float
            Seconds to wait for a named scheduler before giving up with one error line.

        Returns
        -------
        TaskRunner
            Close it (or use it in a ``with`` block) to stop the LocalCluster it started.
        """
        address = scheduler_address(scheduler)
        if workers < 0:
            raise ConfigError(f"dask_workers must be >= 0, got {workers}")
        if not address and workers == 0:
            return cls(None, threads)
        if address:
            from distributed import Client

            try:
                return cls(Client(address, timeout=f"{timeout}s"), threads)
            except OSError as exc:
                raise ConfigError(
                    f"cannot reach the Dask scheduler {address} ({exc}); "
                    f"start it (`dask scheduler`) or unset {SCHEDULER_ENV}"
                ) from None
        runner = cls(None, threads)
        runner._local_workers = workers
        return runner

    def _start_local(self) -> None:
        """Start the LocalCluster :meth:`start` asked for (on the first submitted task)."""
        from distributed import Client, LocalCluster

        # Loopback only, no dashboard, and no log lines or port warnings in the executed notebooks
        # (the scheduler's small HTTP server moves to a free port when 8787 is taken).
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = LocalCluster(
                n_workers=self._local_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        self.client, self._cluster, self._local_workers = Client(cluster), cluster, 0

    def close(self) -> None:
        """Disconnect from the scheduler and stop the LocalCluster this runner started, if any."""
        if self.client is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
        self.client = self._cluster = None
        self._local_workers = 0

    def __enter__(self) -> TaskRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def workers(self) -> int:
        """Number of workers (0: this process; a LocalCluster not yet started: the number asked for)."""
        if self.client is None:
            return self._local_workers
        return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))

    def submit(self, fn: Callable, *args: Any, key: str | None = None, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` as a task; arguments may be earlier submits (their results).

        Without a client the task runs in this process when :meth:`gather` (or another task that
        takes it as an argument) asks for its result.

        ``key`` names the task on the cluster's dashboard (it must be unique within a run).
        """
        if self.client is None and self._local_workers:
            self._start_local()
        if self.client is None:
            return _Deferred(self.threads, fn, args, kwargs)
        extra = {"key": key} if key else {}
        return self.client.submit(
            _with_threads, self.threads, fn, *args, pure=False, **extra, **kwargs
        )

    def gather(self, futures: Sequence[Any], desc: str = "tasks", progress: bool = True) -> list:
        """Wait for every task and return the results in the order they were submitted.

        The first task that failed raises its own exception here (the other tasks are cancelled).
        """
        from .runtime import progress as bar_for

        bar = bar_for(total=len(futures), desc=desc, disable=not progress)
        try:
            if self.client is None:
                results = []
                for f in futures:  # each runs now, in submission order
                    results.append(f.result())
                    bar.update(1)
                return results
            from distributed import as_completed

            for done in as_completed(list(futures)):
                if done.status == "error":
                    self.client.cancel(list(futures))
                    done.result()  # raises the task's exception
                bar.update(1)
            return [f.result() for f in futures]
        finally:
            bar.close()


def cached_result(folder: str | Path, key: dict, make: Callable[[], Any], what: str) -> Any:
    """``make()``, or the result an earlier call with the same ``key`` pickled in ``folder``.

    For heavy results computed in this process (bootstraps, permutation tests, refits). ``key``
    names everything the result depends on (input tables and files, settings); each value counts
    by its :func:`~painsign_utils.storage.content_digest`, so an input re-written with the same
    content reuses the result. Another key discards the saved one
    (:func:`~painsign_utils.storage.reset_if_changed`, whose line names ``what``); ``make`` runs
    again. The pickle returns the very object ``make`` returned: a table written from it has the
    same bytes.
    """
    stamp = {k: content_digest(v) for k, v in key.items()}
    stamp["pandas"] = pd.__version__  # the pickle's format
    reset_if_changed(folder, stamp, what)
    path = Path(folder) / "result.pkl"
    if path.is_file():
        return pd.read_pickle(path)
    value = make()
    with atomic_path(path) as tmp:
        pd.to_pickle(value, tmp)
    return value
