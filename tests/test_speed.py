"""Tests of the speed-measurement helpers (the timing itself is the benchmark's job, not a test's)."""

from __future__ import annotations

import numpy as np

from painsign_utils import speed


def test_agreement_of_identical_and_shifted_paths():
    rng = np.random.default_rng(0)
    ref = rng.random(120)
    ref[10:20] = np.nan
    same = speed.agreement(ref, ref.copy())
    assert same["max_dp"] == 0 and same["face_agree"] == 1 and same["sign_r"] == 1
    other = ref + 0.01
    other[30] = np.nan  # one face missed
    got = speed.agreement(ref, other[:100])
    assert got["frames"] == 100
    assert np.isclose(got["max_dp"], 0.01) and np.isclose(got["face_agree"], 0.99)
    skipped = ref.copy()
    skipped[1::2] = np.nan  # classify every 2nd frame: skipped frames are not "missed faces"
    assert speed.agreement(ref, skipped, classify_every=2)["face_agree"] == 1
    flat = np.full(50, 0.4)
    assert np.isnan(
        speed.agreement(flat, flat + rng.normal(0, 1e-4, 50))["sign_r"]
    )  # r of noise: not shown


def test_paths_and_speedup_table():
    paths = speed.default_paths({"vit_b16": 64}, models=["ncnn", "vit_b16"])
    labels = {m: [p.label for p in ps] for m, ps in paths.items()}
    assert labels == {
        "ncnn": ["naive", "exact", "optimized"],
        "vit_b16": ["naive", "exact", "optimized"],
    }
    naive, exact, opt = paths["vit_b16"]
    assert naive.input_size == 224 and naive.batch_size == 1 and not naive.reorder
    assert exact.input_size == 64 and not exact.quantize and opt.quantize
    import pandas as pd

    df = pd.DataFrame(
        [
            {
                "model": "ncnn",
                "path": "naive",
                "settings": "a",
                "classify_fps": 10.0,
                "e2e_fps": 5.0,
                "e2e_cpu_fps": 6.0,
            },
            {
                "model": "ncnn",
                "path": "optimized",
                "settings": "b",
                "classify_fps": 40.0,
                "e2e_fps": 30.0,
                "e2e_cpu_fps": 31.0,
                "max_dp": 0.01,
                "sign_r": 0.99,
            },
        ]
    )
    t = speed.speedup_table(df)
    assert t["classify ratio"].iloc[0] == 4.0 and t["e2e ratio"].iloc[0] == 6.0
    assert speed.keeps_up(t, 30.0).to_dict() == {"ncnn": True}
    assert speed.keeps_up(t, 30.5).to_dict() == {"ncnn": False}


def test_cached_benchmark_reuses_the_measurement_until_an_input_or_the_machine_changes(
    tmp_path, monkeypatch
):
    import importlib

    import pandas as pd

    module = importlib.import_module("painsign_utils.speed.benchmark")
    calls = []

    def fake(video, paths, budget_s, ref_frames, checkpoints=None, **kwargs):
        calls.append(budget_s)
        return pd.DataFrame({"model": list(paths), "e2e_fps": [1.0 / 3 + len(calls)] * len(paths)})

    monkeypatch.setattr(module, "benchmark", fake)
    clip, ckpt = tmp_path / "clip.mp4", tmp_path / "best.pt"
    clip.write_bytes(b"clip")
    ckpt.write_bytes(b"weights")
    paths = speed.default_paths({"ncnn": 120}, models=["ncnn"])
    folder = tmp_path / "cache"

    def run(**kw):
        args = dict(budget_s=2.0, ref_frames=150, checkpoints={"ncnn": ckpt}) | kw
        return speed.cached_benchmark(folder, clip, paths, **args)

    first = run()
    again = run()
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again, first)  # the very table, timings included
    run(budget_s=3.0)
    assert len(calls) == 2
    ckpt.write_bytes(b"retrained weights")  # another size and time: another file key
    run(budget_s=3.0)
    assert len(calls) == 3
    monkeypatch.setattr(module, "machine_key", lambda: {"cpu": "another CPU"})
    run(budget_s=3.0)
    assert len(calls) == 4
    run(budget_s=3.0)
    assert len(calls) == 4
    key = speed.machine_key()
    assert {"cpu", "cores", "torch", "dtype"} <= set(key) and key["dtype"] == "float32"
