"""Rendering jobs on worker processes ("spawn"), ended cleanly on Ctrl-C, SIGTERM or an error."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..errors import PainsignError
from ..runtime import progress as tqdm


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's worker processes now (Ctrl-C, SIGTERM or an error), not after their jobs."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout=5)
        if proc.is_alive():  # pragma: no cover - a worker that ignores SIGTERM
            proc.kill()
            proc.join(timeout=5)
    # The workers are gone: let the pool's manager thread finish and release its queues now, so
    # that nothing (a leaked-semaphore warning of the resource tracker) is printed at exit.
    pool.shutdown(wait=True, cancel_futures=True)


def _worker_init() -> None:
    """Workers leave Ctrl-C to the main process, which ends them (no traceback from each worker)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_jobs(jobs: list, fn, n_jobs: int, desc: str, progress: bool) -> Iterator[dict]:
    """``fn`` over ``jobs`` in order, on ``n_jobs`` spawned processes (in this one when 1)."""
    if n_jobs <= 1 or len(jobs) <= 1:
        yield from (fn(j) for j in tqdm(jobs, desc=desc, disable=not progress))
        return
    # "spawn", not fork: forking a process whose PyTorch/ONNX thread pools are already running can
    # deadlock the children (seen when tests import torch before generating data).
    pool = ProcessPoolExecutor(
        max_workers=n_jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
    )
    try:
        yield from tqdm(
            pool.map(fn, jobs, chunksize=4), total=len(jobs), desc=desc, disable=not progress
        )
    except BrokenProcessPool:
        _end_workers(pool)
        raise PainsignError(
            f"a worker process died while rendering {desc} (killed, or out of memory?); "
            "run again to continue where it stopped, or with --jobs 1"
        ) from None
    except BaseException:  # Ctrl-C, SIGTERM (raised as KeyboardInterrupt by the CLI), errors
        _end_workers(pool)
        raise
    else:
        pool.shutdown(wait=True)
