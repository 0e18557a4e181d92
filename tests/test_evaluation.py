"""Video-level evaluation, between-model r, synthetic-truth analyses and long-recording windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from painsign_utils import evaluation as ev
from painsign_utils import paper
from painsign_utils.clustering import SignTypeClassifier
from painsign_utils.errors import DataError
from painsign_utils.evaluation.long import long_recording
from painsign_utils.evaluation.videos import label_to_int
from painsign_utils.sign import pain_sign


def _write(df: pd.DataFrame, path):
    df.to_csv(path, index=False)
    return path


def probs_table(p, fps=30.0, step=1):
    p = np.asarray(p, float)
    frames = np.arange(p.size) * step
    return pd.DataFrame({"frame": frames, "time": frames / fps, "prob": p})


def test_paper_constants_are_complete():
    assert set(paper.TABLE2_TEST) == {"vggface", "ncnn", "vit_b16"}
    t3 = ev.paper_table3()
    assert len(t3) == 9 and t3["n_pain"].sum() + t3["n_nopain"].sum() == 3 * 120


def test_summarize_video_hand_computed():
    p = np.r_[np.full(30, 0.2), np.full(30, 0.8)]
    p[10] = np.nan
    s = ev.summarize_video(probs_table(p), threshold=0.5)
    assert s["window"] == 30
    assert s["mean_prob"] == pytest.approx((0.2 * 29 + 0.8 * 30) / 59)
    assert s["prediction"] == 1
    assert s["crossings"] == 1  # the sign rises through 0.5 once, 15 samples into the rise
    assert s["face_fraction"] == pytest.approx(59 / 60)
    assert s["duration_s"] == pytest.approx(2.0)


def test_summarize_video_window_follows_analysed_sample_rate():
    # every 3rd frame of a 30-fps video: 10 samples per second -> a 10-sample window (1 s)
    s = ev.summarize_video(probs_table(np.linspace(0, 1, 50), step=3), threshold=0.5)
    assert s["window"] == 10


def test_summarize_video_all_nan_is_a_clear_error():
    with pytest.raises(DataError):
        ev.summarize_video(probs_table([np.nan] * 5), 0.5)


@pytest.fixture()
def runs(tmp_path):
    rng = np.random.default_rng(0)
    videos, runs = [], []
    for i in range(8):
        label = "pain" if i % 2 else "nopain"
        videos.append(
            {
                "path": f"videos/V{i:03d}.mp4",
                "label": label,
                "fps": 30.0,
                "scenario": "stable_pain" if i % 2 else "stable_rest",
                "subject": f"S{i}",
            }
        )
        for model, shift in (("ncnn", 0.0), ("vggface", 0.05)):
            level = 0.7 if i % 2 else 0.3
            p = np.clip(level + shift + rng.normal(0, 0.05, 60), 0, 1)
            path = tmp_path / model / f"V{i:03d}.csv"
            path.parent.mkdir(exist_ok=True)
            probs_table(p).to_csv(path, index=False)
            runs.append({"model": model, "video": f"V{i:03d}", "probs": str(path)})
    # one video without any face for ncnn
    probs_table([np.nan] * 60).to_csv(tmp_path / "ncnn" / "V000.csv", index=False)
    return pd.DataFrame(runs), pd.DataFrame(videos)


def test_summaries_metrics_and_table2(runs):
    run_df, videos = runs
    summary = ev.summarize_videos(run_df, videos, {"ncnn": 0.5, "vggface": 0.5})
    assert summary.attrs["no_face"] == [("ncnn", "V000")]
    assert len(summary) == 15
    assert set(summary["label"]) == {0, 1}
    m = ev.video_metrics(summary)
    assert m.loc["ncnn", "accuracy"] == 1.0 and m.loc["ncnn", "n"] == 7
    table = ev.table2_test(m, {"ncnn": "N-CNN", "vggface": "VGG-Face"})
    assert table.loc["AUC", "N-CNN (ours)"] == "100.0%"
    assert table.loc["AUC", "N-CNN (paper)"] == "74.0%"


def test_pearson_between_models(runs):
    run_df, videos = runs
    summary = ev.summarize_videos(run_df, videos, {"ncnn": 0.5, "vggface": 0.5})
    signs = ev.load_signs(run_df, summary)
    assert ("ncnn", "V000") not in signs and ("vggface", "V000") in signs
    pairs = ev.pearson_between_models(signs)
    assert len(pairs) == 7 and pairs["r"].between(-1, 1).all()
    t = np.linspace(0, 6, 200)
    same = {
        ("a", "v"): pd.DataFrame({"sign": np.sin(t)}),
        ("b", "v"): pd.DataFrame({"sign": 2 * np.sin(t) + 1}),
        ("c", "v"): pd.DataFrame({"sign": np.full(200, 0.3)}),
    }
    r = ev.pearson_between_models(same).set_index(["model_a", "model_b"])["r"]
    assert r[("a", "b")] == pytest.approx(1.0)
    assert np.isnan(r[("a", "c")])  # r is undefined for a constant sign
    s = ev.pearson_summary(pairs, {"ncnn": "N-CNN", "vggface": "VGG-Face"})
    assert s.loc[0, "r (paper)"] == "0.52 ± 0.36"


def test_sign_tracks_latent_intensity_and_frame_auc():
    rng = np.random.default_rng(1)
    t = np.arange(600) / 30
    signs, truths = {}, {}
    for v in range(4):
        intensity = 0.5 + 0.4 * np.sin(2 * np.pi * t / (5 + v))
        prob = np.clip(intensity + rng.normal(0, 0.15, t.size), 0, 1)
        prob[100:130] = np.nan  # a hand over the face
        df = probs_table(prob)
        signs[("ncnn", f"v{v}")] = df.assign(sign=pain_sign(prob))
        truths[f"v{v}"] = pd.DataFrame({"frame": df["frame"], "intensity": intensity})
    truths["flat"] = pd.DataFrame({"frame": np.arange(600), "intensity": np.full(600, 0.1)})
    signs[("ncnn", "flat")] = probs_table(np.full(600, 0.1)).assign(sign=0.1)
    r = ev.truth_correlation(signs, truths)
    varying = r[r["varying"]]
    assert len(varying) == 4 and varying["r"].min() > 0.8
    assert (varying["r_smoothed"] >= varying["r"] - 1e-9).all()  # lag removed
    assert not r.set_index("video").loc["flat", "varying"]
    ideal = ev.oracle_signs(signs, truths)
    assert set(ideal) == {("perfect classifier", v) for v in ("v0", "v1", "v2", "v3", "flat")}
    np.testing.assert_array_equal(
        np.isnan(ideal[("perfect classifier", "v0")]["prob"]),
        np.isnan(signs[("ncnn", "v0")]["prob"]),
    )  # same face gaps
    r_ideal = ev.truth_correlation(ideal, truths)
    assert (r_ideal.loc[r_ideal["varying"], "r_smoothed"] > 0.99).all()
    auc = ev.frame_level_auc(signs, truths)
    assert auc.loc[0, "auc_prob"] > 0.9 and auc.loc[0, "auc_sign"] > 0.9
    assert auc.loc[0, "frames"] == 3000


def test_scenario_agreement_beats_chance_only_when_it_should():
    scen = np.repeat(["stable_rest", "stable_pain", "irregular", "unstable"], 10)
    expected = np.array([ev.SCENARIO_TYPES[s] for s in scen])
    good = pd.DataFrame({"model": "m", "scenario": scen, "sign_type": expected})
    res = ev.scenario_agreement(good, n_perm=200)
    assert res.loc[0, "ari_expected"] == 1.0 and res.loc[0, "agreement"] == 1.0
    assert res.loc[0, "p_perm"] < 0.01
    rng = np.random.default_rng(0)
    bad = good.assign(sign_type=rng.permutation(expected))
    assert ev.scenario_agreement(bad, n_perm=200).loc[0, "p_perm"] > 0.05


def test_long_recording_segments_and_horizons():
    rate = 10.0
    calm = probs_table(np.full(600, 0.1), fps=rate)
    switching = probs_table(np.tile(np.r_[np.full(15, 0.9), np.full(15, 0.1)], 20), fps=rate)
    joined = long_recording([calm, calm, switching])
    assert len(joined) == 1800 and np.all(np.diff(joined["time"]) > 0)
    assert joined["time"].iloc[-1] == pytest.approx(179.9)
    sign = pain_sign(joined["prob"].to_numpy(), 10)
    train = pd.DataFrame(
        {
            "entropy": [0.0, 0.1, 0.2, 2.0, 2.2, 2.4, 0.3, 0.2],
            "crossings": [0, 0, 1, 12, 13, 14, 1, 0],
        }
    )
    clf = SignTypeClassifier(k_max=3).fit(train)
    seg = ev.segment_types(sign, 0.5, rate, clf.predict)
    assert len(seg) == 9 and seg["end_s"].iloc[-1] == pytest.approx(180)
    assert (seg["sign_type"].iloc[:6] == "stable").all()
    assert seg["sign_type"].iloc[-1] == "unstable"
    hz = ev.horizon_summary(sign, 0.5, rate, seg).set_index("horizon")
    assert hz.loc["last minute", "dominant_type"] == "unstable"
    assert hz.loc["last minute", "covered_s"] == pytest.approx(60)
    assert hz.loc["last hour", "covered_s"] == pytest.approx(180)  # capped at the recording
    assert hz.loc["last hour", "share_stable"] == pytest.approx(6 / 9)
    odd = ev.segment_types(sign[:1700], 0.5, rate, clf.predict)  # 170 s: 8 segments + 10 s
    assert odd["end_s"].iloc[-1] == pytest.approx(170) and odd["start_s"].iloc[0] == pytest.approx(
        10
    )
    with pytest.raises(DataError, match="shorter"):
        ev.segment_types(sign[:50], 0.5, rate, clf.predict)


def test_run_video_inference_caches_and_loads_lazily(tmp_path):
    videos = pd.DataFrame({"path": ["a/V1.mp4", "a/V2.mp4"], "detections": ["d1.csv", "d2.csv"]})
    for d in ("d1.csv", "d2.csv"):
        pd.DataFrame({"frame": [0, 1], "time": [0, 1 / 30], "found": [True, False]}).to_csv(
            tmp_path / d, index=False
        )
    best = pd.DataFrame({"model": ["ncnn"], "checkpoint": ["best.pt"], "threshold": [0.5]})
    calls = {"load": 0, "engine": 0}

    def loader(path):
        calls["load"] += 1
        return "model"

    def engine(path, models, dets, caches, progress):
        calls["engine"] += 1
        for cache in caches.values():
            probs_table([0.4, np.nan]).to_csv(cache, index=False)
        return {m: probs_table([0.4, np.nan]) for m in models}

    def resolve(p):
        return tmp_path / p

    (tmp_path / "best.pt").write_bytes(b"weights of one training run")
    (tmp_path / "cache" / "ncnn").mkdir(parents=True)
    out = ev.run_video_inference(videos, best, tmp_path / "cache", resolve, loader, engine)
    assert list(out["video"]) == ["V1", "V2"] and calls == {"load": 1, "engine": 2}
    assert out["seconds"].notna().all()
    again = ev.run_video_inference(videos, best, tmp_path / "cache", resolve, loader, engine)
    assert calls == {"load": 1, "engine": 2}  # everything cached: no checkpoint loaded
    assert again["seconds"].isna().all() and list(again["probs"]) == list(out["probs"])
    (tmp_path / "best.pt").write_bytes(b"weights of a later training run")
    ev.run_video_inference(videos, best, tmp_path / "cache", resolve, loader, engine)
    assert calls == {"load": 2, "engine": 4}  # another model: its probabilities are recomputed
    # Other detections for V2 (a replaced video, another frame step): only V2 is recomputed.
    pd.DataFrame({"frame": [0, 2], "time": [0, 2 / 30], "found": [True, True]}).to_csv(
        tmp_path / "d2.csv", index=False
    )
    ev.run_video_inference(videos, best, tmp_path / "cache", resolve, loader, engine)
    assert calls == {"load": 2, "engine": 5}  # the same checkpoint stays loaded in this process
    # A video file replaced by another (new size / time) recomputes that video alone.
    real = pd.DataFrame({"path": ["V3.mp4"], "detections": ["d1.csv"]})
    (tmp_path / "V3.mp4").write_bytes(b"first recording")
    ev.run_video_inference(real, best, tmp_path / "cache", resolve, loader, engine)
    assert calls["engine"] == 6
    ev.run_video_inference(real, best, tmp_path / "cache", resolve, loader, engine)
    assert calls["engine"] == 6
    (tmp_path / "V3.mp4").write_bytes(b"a corrected, longer recording")
    ev.run_video_inference(real, best, tmp_path / "cache", resolve, loader, engine)
    assert calls["engine"] == 7


def test_run_video_inference_decodes_each_video_once_for_all_models(tmp_path):
    videos = pd.DataFrame({"path": ["V1.mp4", "V2.mp4"], "detections": ["d1.csv", "d2.csv"]})
    for d in ("d1.csv", "d2.csv"):
        pd.DataFrame({"frame": [0], "time": [0.0], "found": [True]}).to_csv(tmp_path / d)
    for m in ("ncnn", "vggface", "vit_b16"):
        (tmp_path / f"{m}.pt").write_bytes(f"weights of {m}".encode())
    best = pd.DataFrame({"model": ["ncnn", "vggface"], "checkpoint": ["ncnn.pt", "vggface.pt"]})
    seen = []

    def engine(path, models, dets, caches, progress):
        seen.append((path.name, sorted(models)))  # one call = one decoding of the video
        for cache in caches.values():
            pd.DataFrame({"frame": [0], "time": [0.0], "prob": [0.5]}).to_csv(cache, index=False)
        return {m: pd.DataFrame() for m in models}

    def run(best):
        return ev.run_video_inference(
            videos, best, tmp_path / "inf", lambda p: tmp_path / p, str, engine, progress=False
        )

    out = run(best)
    assert seen == [("V1.mp4", ["ncnn", "vggface"]), ("V2.mp4", ["ncnn", "vggface"])]
    assert list(zip(out["model"], out["video"])) == [
        ("ncnn", "V1"),
        ("ncnn", "V2"),
        ("vggface", "V1"),
        ("vggface", "V2"),
    ]
    assert out["seconds"].notna().all()  # the engine's time, shared between the models
    seen.clear()
    assert run(best)["seconds"].isna().all() and seen == []  # all reused
    # A third model runs only its own work; a retrained one only its own videos.
    more = pd.concat([best, pd.DataFrame({"model": ["vit_b16"], "checkpoint": ["vit_b16.pt"]})])
    run(more)
    assert seen == [("V1.mp4", ["vit_b16"]), ("V2.mp4", ["vit_b16"])]
    seen.clear()
    (tmp_path / "ncnn.pt").write_bytes(b"weights of a retrained ncnn")
    run(more)
    assert seen == [("V1.mp4", ["ncnn"]), ("V2.mp4", ["ncnn"])]


def test_label_to_int():
    assert list(label_to_int(["pain", "nopain", 1, 0])) == [1, 0, 1, 0]
    with pytest.raises(DataError):
        label_to_int(["maybe"])


# --- figures (painsign_utils.figures.sign) -------------------------------------------------------


def test_privacy_filter_blurs_only_when_faces_are_not_allowed():
    from painsign_utils.faces import privacy_filter

    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    np.testing.assert_array_equal(privacy_filter(img, True), img)
    blurred = privacy_filter(img, False)
    assert blurred.shape == img.shape and blurred.dtype == np.uint8
    # high-frequency detail is gone: neighbouring pixels nearly equal
    assert (
        np.abs(np.diff(blurred.astype(int), axis=1)).mean()
        < 0.2 * np.abs(np.diff(img.astype(int), axis=1)).mean()
    )


def test_strip_frames_one_per_second_capped():
    from painsign_utils.figures.sign import strip_frames

    t = np.arange(600) / 30
    np.testing.assert_array_equal(strip_frames(t), np.arange(20) * 30)
    assert len(strip_frames(np.arange(36000) / 30)) == 20


def test_frame_strip_reads_crops_from_a_video(tmp_path):
    from painsign_utils.figures.sign import frame_strip
    from painsign_utils.video import VideoWriter

    path = tmp_path / "v.mp4"
    with VideoWriter(path, 10, (80, 60)) as w:
        for i in range(30):
            w.write(np.full((60, 80, 3), 8 * i, np.uint8))
    n = 30
    dets = pd.DataFrame(
        {
            "frame": np.arange(n),
            "time": np.arange(n) / 10,
            "found": np.arange(n) % 2 == 0,
            "score": 0.9,
            "x": 20.0,
            "y": 10.0,
            "w": 30.0,
            "h": 30.0,
        }
    )
    for c in ("le_x", "le_y", "re_x", "re_y", "no_x", "no_y", "ml_x", "ml_y", "mr_x", "mr_y"):
        dets[c] = 30.0
    strip = frame_strip(path, dets, size=32, allowed=False)
    assert [round(t) for t, _, _ in strip] == [0, 1, 2]
    assert all(img.shape == (32, 32, 3) for _, img, _ in strip)
    assert [found for _, _, found in strip] == [True, True, True]

    # the pipeline's per-video figure: signs of two models, the strip below, blurred faces noted
    import matplotlib

    matplotlib.use("Agg")
    from painsign_utils.figures.sign import plot_video_sign

    probs = pd.DataFrame(
        {
            "frame": dets["frame"],
            "time": dets["time"],
            "prob": np.where(dets["found"], np.linspace(0.2, 0.8, n), np.nan),
        }
    )
    signs = {
        (m, "v"): probs.assign(sign=pain_sign(probs["prob"].to_numpy(), 10))
        for m in ("ncnn", "vit_b16")
    }
    summary = pd.DataFrame(
        [
            {"model": m, "video": "v", "threshold": 0.5, **ev.summarize_video(probs, 0.5)}
            for m in ("ncnn", "vit_b16")
        ]
    )
    fig = plot_video_sign(
        "v",
        {"path": path, "detections": _write(dets, tmp_path / "d.csv"), "label": "pain"},
        signs,
        summary,
        faces_allowed=False,
    )
    assert len(fig.axes) == 1 + 3
    assert any("blurred" in t.get_text() for t in fig.texts)


def test_sign_figures_draw(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from painsign_utils import figures
    from painsign_utils.clustering import classify_signs, table3
    from painsign_utils.figures import sign as fs

    t = np.arange(600) / 30
    traces = {
        m: pd.DataFrame({"time": t, "sign": 0.5 + 0.3 * np.sin(t + k)})
        for k, m in enumerate(("vggface", "ncnn", "vit_b16"))
    }
    summ = {m: {"score": 0.5, "prediction": 1, "entropy": 2.0, "crossings": 6} for m in traces}
    strip = [(float(i), np.zeros((16, 16, 3), np.uint8), i % 2 == 0) for i in range(20)]
    fig = fs.plot_sign(
        traces,
        paper.THRESHOLDS,
        summ,
        "pain",
        strip=strip,
        truth=pd.DataFrame({"time": t, "intensity": 0.5 + 0.3 * np.sin(t)}),
        strip_note="faces blurred",
    )
    legend = [x.get_text() for x in fig.axes[0].get_legend().get_texts()]
    assert legend[0] == "Ground truth: pain" and "crossings 6" in legend[1]
    assert len(fig.axes) == 21
    figures.save(fig, tmp_path / "sign.png")

    rng = np.random.default_rng(0)
    feats = pd.DataFrame(
        {
            "model": np.repeat(["vggface", "ncnn", "vit_b16"], 30),
            "entropy": np.tile(
                np.r_[rng.normal(0.3, 0.1, 10), rng.normal(2, 0.1, 10), rng.normal(2.6, 0.1, 10)], 3
            ),
            "crossings": np.tile(np.r_[np.zeros(10), np.full(10, 2), np.full(10, 7)], 3)
            + rng.integers(0, 2, 90),
            "label": rng.integers(0, 2, 90),
            "mean_prob": rng.random(90),
            "threshold": 0.5,
        }
    )
    feats["score"] = feats["mean_prob"]
    labels, clfs = classify_signs(feats, "causal", k_max=4, n_init=3)
    feats["sign_type"] = labels["sign_type"].astype(object)
    figures.save(fs.plot_sign_types(feats, clfs), tmp_path / "types.png")
    figures.save(fs.plot_silhouettes(clfs), tmp_path / "sil.png")
    figures.save(fs.plot_decision_matrix(table3(feats, clfs)), tmp_path / "fig5.png")
    figures.save(fs.plot_video_scores(feats), tmp_path / "roc.png")
    segs = pd.DataFrame(
        {"start_s": [0, 10], "end_s": [10, 20], "sign_type": ["stable", "unstable"]}
    )
    figures.save(
        fs.plot_long_recording(t, traces["ncnn"]["sign"].to_numpy(), 0.5, segs, boundaries=[10]),
        tmp_path / "long.png",
    )
    assert all(
        (tmp_path / f).stat().st_size > 0
        for f in ("sign.png", "types.png", "sil.png", "fig5.png", "long.png", "roc.png")
    )


def test_pick_examples_follow_the_paper_descriptions():
    rows = []
    for model in ("a", "b"):
        for video, (e, c) in {
            "calm": (0.1, 0),
            "occluded": (2.2, 1),
            "switching": (2.6, 9),
            "hovering": (0.4, 8),
        }.items():
            rows.append({"model": model, "video": video, "entropy": e, "crossings": c})
    ex = ev.pick_examples(pd.DataFrame(rows))
    assert ex == {
        "stable": "calm",
        "irregular": "occluded",
        "unstable": "switching",
        "indeterminate": "hovering",
    }


def test_inference_speed_and_cached_runs(tmp_path, runs):
    run_df, videos = runs
    summary = ev.summarize_videos(run_df, videos, {"ncnn": 0.5, "vggface": 0.5})
    timed = run_df.assign(seconds=np.where(run_df["model"] == "ncnn", 0.5, np.nan))
    speed = ev.inference_speed(timed, summary)
    assert list(speed.index) == ["ncnn"]
    assert speed.loc["ncnn", "realtime_factor"] == pytest.approx(2.0 / 0.5)  # 2-s videos in 0.5 s
    cache = run_df["probs"].iloc[0].rsplit("/", 2)[0]
    rebuilt = ev.cached_runs(cache, summary)
    assert len(rebuilt) == len(summary)
    with pytest.raises(DataError, match="run chapter 3"):
        ev.cached_runs(tmp_path / "nowhere", summary)


# -- protocol: authors (valid sign, sign-mean video score) ------------------------------------------


def _authors_reference(p: np.ndarray, threshold: float, w: int = 30):
    """The authors' code, written out: np.interp, np.convolve 'valid', np.histogram, scipy entropy."""
    from scipy.stats import entropy

    idx = np.arange(p.size)
    ok = ~np.isnan(p)
    x = np.interp(idx, idx[ok], p[ok])
    sign = np.convolve(x, np.ones(w), "valid") / w
    counts, _ = np.histogram(sign, bins=np.linspace(0, 1, 11))
    h = entropy(counts / len(sign), base=2)
    crossings = len(np.where(np.diff(np.sign(sign - threshold)))[0])
    return sign, h, crossings


def test_valid_mode_summary_equals_the_authors_computation():
    rng = np.random.default_rng(3)
    for _ in range(5):
        p = np.clip(0.5 + np.cumsum(rng.normal(0, 0.05, 600)), 0, 1)
        p[rng.random(600) < 0.15] = np.nan
        p[:4] = np.nan
        probs = pd.DataFrame({"frame": np.arange(600), "time": np.arange(600) / 30, "prob": p})
        thr = float(rng.uniform(0.3, 0.7))
        ref, h, x = _authors_reference(p, thr)
        s = ev.summarize_video(probs, thr, mode="valid", video_score="sign_mean")
        assert s["n_sign"] == 571 and s["sign_mode"] == "valid" and s["video_score"] == "sign_mean"
        assert s["score"] == pytest.approx(ref.mean()) and s["sign_mean"] == pytest.approx(
            ref.mean()
        )
        assert s["prediction"] == int(ref.mean() >= thr)
        assert s["entropy"] == pytest.approx(h, abs=1e-12)
        assert s["crossings"] == x  # no sample equals θ exactly on these curves
        assert s["mean_prob"] == pytest.approx(np.nanmean(p))
        face = ev.summarize_video(probs, thr, mode="valid", video_score="face_mean")
        assert face["score"] == pytest.approx(np.nanmean(p)) and face["entropy"] == s["entropy"]


def test_video_score_is_validated():
    probs = pd.DataFrame(
        {"frame": np.arange(40), "time": np.arange(40) / 30, "prob": np.full(40, 0.5)}
    )
    with pytest.raises(Exception, match="unknown video score"):
        ev.summarize_video(probs, 0.5, video_score="median")


def test_aligned_sign_puts_valid_samples_at_their_centres():
    p = np.linspace(0, 1, 100)
    a = ev.aligned_sign(p, 30, "valid")
    assert a.shape == (100,) and np.isnan(a[:14]).all() and np.isnan(a[-15:]).all()
    core = np.convolve(p, np.ones(30), "valid") / 30
    assert np.allclose(a[14:85], core)
    # on a straight line the centred mean equals the value at the centre (frame j + 14.5)
    assert a[14] == pytest.approx((p[14] + p[15]) / 2)
    assert np.array_equal(ev.aligned_sign(p, 30, "causal"), pain_sign(p, 30))


def test_load_signs_and_downstream_use_the_summary_sign_mode(tmp_path):
    rng = np.random.default_rng(0)
    rows, truths = [], {}
    for model in ("a", "b"):
        for v in ("v1", "v2"):
            p = np.clip(0.5 + np.cumsum(rng.normal(0, 0.04, 120)), 0, 1)
            p[10:15] = np.nan
            path = tmp_path / f"{model}_{v}.csv"
            pd.DataFrame({"frame": np.arange(120), "time": np.arange(120) / 30, "prob": p}).to_csv(
                path, index=False
            )
            rows.append({"model": model, "video": v, "probs": str(path)})
            truths[v] = pd.DataFrame({"frame": np.arange(120), "intensity": rng.random(120)})
    runs = pd.DataFrame(rows)
    videos = pd.DataFrame({"path": ["x/v1.mp4", "x/v2.mp4"], "label": ["pain", "nopain"]})
    summary = ev.summarize_videos(
        runs, videos, {"a": 0.5, "b": 0.5}, mode="valid", video_score="sign_mean"
    )
    assert (summary["sign_mode"] == "valid").all() and (summary["n_sign"] == 91).all()
    signs = ev.load_signs(runs, summary)
    s = signs[("a", "v1")]["sign"].to_numpy()
    assert len(s) == 120 and np.isnan(s).sum() == 29
    assert np.nanmean(s) == pytest.approx(
        summary.set_index(["model", "video"]).loc[("a", "v1"), "score"]
    )
    pairs = ev.pearson_between_models(signs)
    a, b = signs[("a", "v1")]["sign"].to_numpy(), signs[("b", "v1")]["sign"].to_numpy()
    ok = np.isfinite(a)
    assert pairs.loc[pairs["video"] == "v1", "r"].iloc[0] == pytest.approx(
        np.corrcoef(a[ok], b[ok])[0, 1]
    )
    assert np.isfinite(ev.frame_level_auc(signs, truths, summary)["auc_sign"]).all()
    oracle = ev.oracle_signs(signs, truths, mode="valid")
    assert np.isnan(oracle[("perfect classifier", "v1")]["sign"].to_numpy()).sum() == 29
    r = ev.truth_correlation(signs, truths, mode="valid")
    assert len(r) == 4 and r["r"].notna().all()


def test_scenario_agreement_counts_a_flagged_indeterminate_video_as_recovered():
    summary = pd.DataFrame(
        {
            "model": ["m"] * 4,
            "scenario": ["indeterminate", "indeterminate", "unstable", "stable_rest"],
            "sign_type": ["unstable", "unstable", "unstable", "stable"],
            "indeterminate": [True, False, False, False],
        }
    )
    got = ev.scenario_agreement(summary, n_perm=10).iloc[0]
    assert got["agreement"] == pytest.approx(3 / 4)  # the unflagged indeterminate video is missed
    causal = ev.scenario_agreement(summary.drop(columns="indeterminate"), n_perm=10).iloc[0]
    assert causal["agreement"] == pytest.approx(2 / 4)


def test_recording_sign_trims_the_valid_sign_and_marks_video_boundaries():
    from painsign_utils.evaluation import horizon_names, recording_sign

    parts = [
        pd.DataFrame(
            {"frame": np.arange(n), "time": np.arange(n) / 10.0, "prob": np.linspace(0, 1, n)}
        )
        for n in (50, 40)
    ]
    rec, sign, bounds = recording_sign(parts, window=10, mode="valid")
    assert len(rec) == len(sign) == 90 - 9 and np.isfinite(sign).all()
    assert np.allclose(bounds, [5.0])  # the first video ends after 50 samples at 10 per second
    rec_c, sign_c, _ = recording_sign(parts, window=10, mode="causal")
    assert len(sign_c) == 90
    assert horizon_names([60, 3600, 90]) == {"last minute": 60, "last hour": 3600, "last 90 s": 90}
