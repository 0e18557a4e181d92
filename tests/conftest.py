"""Shared fixtures: a tiny synthetic data set made once per test session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("PAINSIGN_PROGRESS", "0")


@pytest.fixture(scope="session")
def tiny_synth(tmp_path_factory):
    """A small synthetic set: a few images per subset and a few 3-second videos."""
    from painsign_utils.synthetic import SynthConfig, generate

    cfg = SynthConfig(
        seed=7,
        icope_subjects=2,
        icope_pain=3,
        icope_nopain=3,
        unifesp_subjects=2,
        unifesp_pain=3,
        unifesp_nopain=3,
        video_subjects=4,
        video_pain=3,
        video_nopain=3,
        video_seconds=3.0,
    )
    out = tmp_path_factory.mktemp("synth")
    paths = generate(out, cfg, n_jobs=2, progress=False)
    return {"root": out, "cfg": cfg, **paths}


@pytest.fixture()
def dask_scheduler(tmp_path):
    """The address of a `dask scheduler` with one `dask worker`, separate programs on 127.0.0.1."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    from painsign_utils.storage import read_json

    dask = Path(sys.executable).parent / "dask"
    info = tmp_path / "scheduler.json"
    common = ["--scheduler-file", str(info), "--no-dashboard"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0", *common], **quiet
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        cmd = [str(dask), "worker", "--nworkers", "1", "--nthreads", "1", *common]
        procs.append(subprocess.Popen(cmd, **quiet))
        yield read_json(info)["address"]
    finally:
        for proc in procs[::-1]:
            proc.terminate()
            proc.wait(timeout=30)


def pytest_collection_modifyitems(session, config, items):
    """Run the notebook execution first and the browser check of the built book last."""

    def rank(item):
        name = item.nodeid
        return 0 if "test_notebooks.py" in name else 2 if "test_browser.py" in name else 1

    items.sort(key=rank)
