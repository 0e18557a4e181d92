"""Where heavy work runs and when its result is reused: the lazy LocalCluster of
:class:`~painsign_utils.tasks.TaskRunner`, :func:`~painsign_utils.tasks.cached_result` and the
content keys of :func:`~painsign_utils.storage.content_digest`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from painsign_utils import storage
from painsign_utils.tasks import TaskRunner, cached_result


def test_a_local_cluster_starts_with_the_first_task_only(monkeypatch):
    started = []

    def fake_start(self):  # stands in for the LocalCluster; the tasks then run here
        started.append(self._local_workers)
        self._local_workers = 0

    monkeypatch.setattr(TaskRunner, "_start_local", fake_start)
    tasks = TaskRunner.start(workers=2, threads=1)
    assert tasks.client is None and tasks.workers == 2 and not started
    assert tasks.gather([], progress=False) == []  # nothing submitted: nothing started
    assert tasks.gather([tasks.submit(pow, 2, 5)], progress=False) == [32]
    assert started == [2]
    tasks.close()
    with TaskRunner.start(workers=1, threads=1) as unused:
        assert unused.workers == 1
    assert started == [2]  # closed without a task: no cluster was ever started


def test_cached_result_reuses_until_its_key_changes(tmp_path):
    calls = []

    def make():
        calls.append(1)
        return pd.DataFrame({"x": [0.1, 1 / 3, np.nan], "g": ["001", "1", None]})

    table = tmp_path / "in.csv"
    table.write_text("a,b\n1,2\n")
    key = {"table": table, "n": 3}
    first = cached_result(tmp_path / "c", key, make, "test result")
    table.write_text("a,b\n1,2\n")  # re-written, same bytes
    again = cached_result(tmp_path / "c", key, make, "test result")
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again, first)
    assert again.to_csv(index=False) == first.to_csv(index=False)
    cached_result(tmp_path / "c", {"table": table, "n": 4}, make, "test result")
    assert len(calls) == 2
    table.write_text("a,b\n1,3\n")
    cached_result(tmp_path / "c", {"table": table, "n": 4}, make, "test result")
    assert len(calls) == 3


def test_content_digest_tells_tables_apart_by_values_labels_and_types(tmp_path):
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    digest = storage.content_digest
    assert digest(df) == digest(df.copy())
    assert digest(df) != digest(df.assign(a=[1.0, 2.000001]))
    assert digest(df) != digest(df.rename(columns={"b": "c"}))
    assert digest(df) != digest(df.astype({"a": "float32"}))
    assert digest(df) != digest(df.iloc[::-1])
    assert digest({"t": df, "n": 1}) == digest({"n": 1, "t": df.copy()})
    assert digest([1, 2]) != digest([2, 1]) and digest({"a": 1}) != digest({"a": "1"})
    missing, empty = tmp_path / "missing.csv", tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert digest(missing) != digest(empty)
