"""The ablation of the video world's causes (issue 22): which cause makes which finding of the paper.

Owns ``tables/domain_ablation.csv``: for every row of :func:`ablation_worlds` (``all on``: the
icopevid-like world; ``without <cause>``: that cause alone off; ``all off``: the matched world) a
small balanced video set is generated with the same seed, so the worlds differ only by the causes.
The videos are rendered at the analysed frame rate ``fps`` (the frames chapter 01 would skip are
never made: every cause is timed in seconds), faces are detected in every frame, and every model's
best checkpoint scores
the videos as chapter 03 does (:func:`~painsign_utils.evaluation.videos.run_video_inference`,
:func:`~painsign_utils.evaluation.summary.summarize_videos`). Per world and model the table holds
the validation AUC (chapter 02), the video AUC, sensitivity, specificity and accuracy, the frame
AUC against the *pain* truth, the median correlation of the sign with the smoothed truth and the
ARI of the sign types against the scenarios' intended types (the model-health measures of
:mod:`painsign_utils.quality`), the mean pairwise agreement of sign types between the models
(:func:`~painsign_utils.clustering.pairwise_agreement`) and the silhouette's best k
(:func:`~painsign_utils.clustering.best_k`). Each world's rows are cached under its folder, keyed
by the world, the checkpoints and the settings (:func:`~painsign_utils.tasks.cached_result`).

:func:`finding_causes` names, per model and finding of the paper, the cause whose removal alone
moves the finding most toward its ``all off`` value (a code, for chapter 09's verdicts).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..clustering import best_k, classify_signs, pairwise_agreement
from ..errors import ConfigError
from ..protocol import get_protocol
from ..runtime import progress as bar
from ..synthetic import CAUSES, SynthConfig, World, generate, make_world
from ..tasks import TaskRunner, cached_result
from .agreement import pearson_between_models
from .summary import load_signs, summarize_videos
from .tables import video_metrics
from .truth import expected_type_ari, frame_level_auc, truth_correlation
from .videos import run_video_inference

#: Row names of the world with every cause on and of the matched world.
ALL_ON, ALL_OFF = "all on", "all off"
#: The columns of :func:`domain_ablation`'s table; chapter 03 writes all but ``seconds`` (a wall
#: time, which would make the same parameters write a different file) to
#: ``tables/domain_ablation.csv``.
COLUMNS: tuple[str, ...] = (
    "cause",
    "model",
    "val_auc",
    "video_auc",
    "sensitivity",
    "specificity",
    "accuracy",
    "frame_auc",
    "truth_r",
    "scenario_ari",
    "agreement",
    "pearson",
    "best_k",
    "n_videos",
    "seconds",
)
#: The paper's findings the ablation explains, each a number per (world, model): the drop from
#: validation to video AUC, sensitivity minus specificity, video accuracy, pairwise agreement of
#: sign types, the silhouette's best k and the mean Pearson r between two models' signs; then the
#: model-health measures a world can break (frame AUC against the pain truth, truth r, scenario
#: ARI).
FINDINGS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "test_drop": lambda t: t["val_auc"] - t["video_auc"],
    "sens_over_spec": lambda t: t["sensitivity"] - t["specificity"],
    "video_accuracy": lambda t: t["accuracy"],
    "same_type": lambda t: t["agreement"],
    "best_k": lambda t: t["best_k"].astype(float),
    "pearson": lambda t: t["pearson"],
    "frame_auc": lambda t: t["frame_auc"],
    "truth_r": lambda t: t["truth_r"],
    "scenario_ari": lambda t: t["scenario_ari"],
}
#: Codes of :func:`finding_causes` when no single cause is named.
NO_GAP, NO_CAUSE = "no_gap", "none"


def without(cause: str) -> str:
    """The row name of the world with ``cause`` alone off."""
    return f"without {cause}"


def ablation_worlds(causes: Sequence[str] | None = None) -> dict[str, World]:
    """``{row name: world}``: every cause on, each of ``causes`` (default all) off alone, all off."""
    rows = {ALL_ON: make_world("icopevid-like")}
    rows.update({without(c): make_world("icopevid-like", {c: False}) for c in causes or CAUSES})
    rows[ALL_OFF] = make_world("matched")
    return rows


@dataclass(frozen=True)
class AblationSettings:
    """What each world's video set and analysis are made of (every field keys the cache).

    Attributes
    ----------
    n_videos : int
        Videos per world, half of them pain (the odd one no pain).
    fps : float
        Analysed frames per second: the videos are rendered at this rate and every frame is
        analysed (chapter 01's ``video_frame_step`` 10 of a 30-fps video is 3).
    seconds : float
        Length of each video.
    video_size : (int, int)
        Width, height of the videos.
    seed : int
        The same seed in every world, so the worlds differ only by their causes.
    window_seconds : float
        Moving-average length of the sign (chapter 03's ``window_seconds``).
    pain_cut : float
        A frame is pain when its latent pain intensity reaches this.
    protocol : str
        Sign, video score and sign types as under this protocol.
    """

    n_videos: int = 12
    fps: float = 3.0
    seconds: float = 20.0
    video_size: tuple[int, int] = (320, 240)
    seed: int = 0
    window_seconds: float = 1.0
    pain_cut: float = 0.5
    protocol: str = "authors"

    def __post_init__(self) -> None:
        # A world needs a pain and a no-pain video for its AUC, and frames to analyse.
        if int(self.n_videos) < 2:
            raise ConfigError(f"ablation_videos must be at least 2, got {self.n_videos}")
        if not (self.fps > 0 and self.seconds > 0):
            raise ConfigError(
                f"ablation_fps and ablation_seconds must be positive, got {self.fps} and "
                f"{self.seconds}"
            )

    def synth_config(self, world: World) -> SynthConfig:
        """The synthetic set of one world: only ``world`` differs between the rows."""
        pain = self.n_videos // 2
        return SynthConfig(
            seed=self.seed,
            video_subjects=self.n_videos,
            video_pain=pain,
            video_nopain=self.n_videos - pain,
            video_seconds=self.seconds,
            video_fps=self.fps,
            video_size=tuple(self.video_size),
            world=world,
        )


def world_metrics(
    folder: str | Path,
    world: World,
    best: pd.DataFrame,
    settings: AblationSettings,
    tasks: TaskRunner | None = None,
    detector=None,
) -> pd.DataFrame:
    """One world's video set made, its faces found, scored by every model; one row per model.

    Parameters
    ----------
    folder : path
        The world's folder: ``data/`` (the videos), ``detections/``, ``inference/``.
    world : World
    best : DataFrame
        ``training/best_models.csv``: ``model, checkpoint, threshold``.
    settings : AblationSettings
    tasks : TaskRunner, optional
        Runs the videos' inference (default: this process).
    detector : FaceDetector, optional
        Default :func:`painsign_utils.faces.get_detector`.

    Returns
    -------
    DataFrame with columns ``model, video_auc, sensitivity, specificity, accuracy, frame_auc,
    truth_r, scenario_ari, agreement, pearson, best_k, n_videos`` (``agreement`` and ``pearson``,
    means over the model pairs, are the same in every row; NaN with one model).
    """
    from ..faces import detect_videos

    folder = Path(folder)
    proto = get_protocol(settings.protocol)
    cfg = settings.synth_config(world)
    manifest = generate(folder / "data", cfg, images=False, n_jobs=1, progress=False)["videos"]
    videos = pd.read_csv(manifest)
    for col in ("path", "truth"):
        videos[col] = [str(manifest.parent / p) for p in videos[col]]
    videos = detect_videos(videos, folder / "detections", 1, detector, progress=False)
    runs = run_video_inference(videos, best, folder / "inference", progress=False, tasks=tasks)
    thresholds = dict(zip(best["model"], best["threshold"].astype(float)))
    summary = summarize_videos(
        runs,
        videos,
        thresholds,
        seconds=settings.window_seconds,
        mode=proto.sign_mode,
        video_score=proto.video_score,
    )
    metrics = video_metrics(summary)
    truths = {Path(p).stem: pd.read_csv(p) for p in videos["truth"]}
    signs = load_signs(runs, summary)
    frames = frame_level_auc(signs, truths, pain_cut=settings.pain_cut).set_index("model")[
        "auc_prob"
    ]
    r = truth_correlation(signs, truths, seconds=settings.window_seconds, mode=proto.sign_mode)
    truth_r = r[r["varying"]].groupby("model")["r_smoothed"].median()
    labels, classifiers = classify_signs(summary, proto)
    typed = summary.assign(
        sign_type=labels["sign_type"], indeterminate=labels["indeterminate"].astype(bool)
    )
    pairs = pairwise_agreement(typed, list(metrics.index)) if len(metrics) > 1 else None
    agreement = float(pairs["agreement"].mean()) if pairs is not None else float("nan")
    r_pairs = pearson_between_models(signs)["r"].dropna()
    pearson = float(r_pairs.mean()) if len(r_pairs) else float("nan")
    rows = []
    for model, m in metrics.iterrows():
        k = best_k(classifiers[model].silhouettes_)
        rows.append(
            {
                "model": model,
                "video_auc": float(m["auc"]),
                "sensitivity": float(m["sensitivity"]),
                "specificity": float(m["specificity"]),
                "accuracy": float(m["accuracy"]),
                "frame_auc": float(frames.get(model, np.nan)),
                "truth_r": float(truth_r.get(model, np.nan)),
                "scenario_ari": expected_type_ari(typed[typed["model"] == model]),
                "agreement": agreement,
                "pearson": pearson,
                "best_k": np.nan if k is None else k,
                "n_videos": int(m["n"]),
            }
        )
    return pd.DataFrame(rows)


def domain_ablation(
    folder: str | Path,
    best: pd.DataFrame,
    val_auc: Mapping[str, float],
    settings: AblationSettings | None = None,
    causes: Sequence[str] | None = None,
    tasks: TaskRunner | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """The ablation table: every world of :func:`ablation_worlds` scored by every model.

    Parameters
    ----------
    folder : path
        One sub-folder per world (``all_on``, ``without_<cause>``, ``all_off``), each reused while
        its world, the checkpoints and ``settings`` stay the same.
    best : DataFrame
        ``training/best_models.csv`` (``model, checkpoint, threshold``); checkpoint paths are
        resolved as chapter 03 resolves them.
    val_auc : mapping model → validation AUC
        Chapter 02's mean over the folds (``training/metrics.csv``), the same in every row.
    settings : AblationSettings, optional
    causes : sequence of str, optional
        The causes switched off one at a time (default: all of them).
    tasks : TaskRunner, optional
        Runs the videos' inference.
    progress : bool
        A bar over the worlds (the book's terminal shows it).

    Returns
    -------
    DataFrame with :data:`COLUMNS`, rows in :func:`ablation_worlds` order, models in ``best``'s
    order; ``seconds`` is the wall time of the row's world when it was computed (the same in each
    of its rows, kept with the cache: what the ablation cost, not this call).
    """
    from ..models import checkpoint_fingerprint
    from ..storage import find_artifact

    settings = settings or AblationSettings()
    fingerprints = {
        m: checkpoint_fingerprint(find_artifact(c))
        for m, c in zip(best["model"], best["checkpoint"])
    }
    tables = []
    worlds = ablation_worlds(causes)
    for row, world in bar(
        worlds.items(), total=len(worlds), desc="ablation: worlds", disable=not progress
    ):
        sub = Path(folder) / row.replace(" ", "_")
        key = {
            "world": world.record(),
            "checkpoints": fingerprints,
            "thresholds": best[["model", "threshold"]].reset_index(drop=True),
            "settings": asdict(settings),
            "columns": COLUMNS,  # a table cached before a column was added is made again
        }
        table = cached_result(
            sub / "result",
            key,
            lambda sub=sub, world=world: _timed(world_metrics, sub, world, best, settings, tasks),
            f"ablation {row}",
        )
        tables.append(table.assign(cause=row))
    out = pd.concat(tables, ignore_index=True)
    out["val_auc"] = out["model"].map(dict(val_auc)).astype(float)
    return out[list(COLUMNS)]


def _timed(fn: Callable[..., pd.DataFrame], *args) -> pd.DataFrame:
    """``fn(*args)`` with its wall time in seconds as the column ``seconds``."""
    start = time.perf_counter()
    table = fn(*args)
    return table.assign(seconds=time.perf_counter() - start)


def finding_values(table: pd.DataFrame) -> pd.DataFrame:
    """Each finding of :data:`FINDINGS` per row of an ablation table: ``cause, model`` and one
    column per finding."""
    return table[["cause", "model"]].assign(**{k: f(table) for k, f in FINDINGS.items()})


def finding_causes(table: pd.DataFrame, tol: float = 1e-9) -> pd.DataFrame:
    """For each model and finding, the cause whose removal alone moves it most toward ``all off``.

    The *share* of a cause is how much of the gap between ``all on`` and ``all off`` removing it
    alone closes: ``(without - all on) / (all off - all on)``; 1 closes the whole gap, 0 changes
    nothing, a negative share moves the finding away from ``all off``.

    Parameters
    ----------
    table : DataFrame
        :func:`domain_ablation`'s table (rows ``all on``, ``without <cause>``, ``all off``).
    tol : float
        A gap no larger than this is no gap.

    Returns
    -------
    DataFrame, one row per (model, finding): ``model, finding, all_on, all_off, cause, share``.
    ``cause`` is the cause's name, :data:`NO_GAP` when ``all on`` equals ``all off``, or
    :data:`NO_CAUSE` when no single cause moves the finding toward ``all off``; ``share`` is the
    named cause's share (NaN without one).
    """
    values = finding_values(table)
    rows = []
    for model, g in values.groupby("model", sort=False):
        g = g.set_index("cause")
        causes = [r.removeprefix("without ") for r in g.index if r.startswith("without ")]
        for finding in FINDINGS:
            on, off = float(g.loc[ALL_ON, finding]), float(g.loc[ALL_OFF, finding])
            cause, share = NO_GAP, float("nan")
            gap = off - on
            if np.isfinite(gap) and abs(gap) > tol:
                shares = {c: (float(g.loc[without(c), finding]) - on) / gap for c in causes}
                shares = {c: s for c, s in shares.items() if np.isfinite(s)}
                top = max(shares, key=shares.get, default=None)
                cause, share = (top, shares[top]) if top and shares[top] > 0 else (NO_CAUSE, share)
            rows.append(
                {
                    "model": model,
                    "finding": finding,
                    "all_on": on,
                    "all_off": off,
                    "cause": cause,
                    "share": share,
                }
            )
    return pd.DataFrame(rows, columns=["model", "finding", "all_on", "all_off", "cause", "share"])


def toward_paper(named: pd.DataFrame, finding: str, paper: float) -> bool:
    """True when the world's causes bring ``finding`` closer to the paper's value ``paper``.

    For most models (of :func:`finding_causes`' table ``named``), the finding with every cause on
    lies nearer ``paper`` than with all off. When it does not, the world does not explain how the
    build differs from the paper: the difference lies in the method or the models.
    """
    g = named[named["finding"] == finding]
    closer = (g["all_on"] - paper).abs() < (g["all_off"] - paper).abs()
    return bool(len(g)) and float(closer.mean()) > 0.5


def main_causes(named: pd.DataFrame) -> dict[str, str]:
    """Per finding, the cause :func:`finding_causes` names for the most models (on a tie, the
    first such model's)."""
    out = {}
    for finding, g in named.groupby("finding", sort=False):
        counts = g["cause"].value_counts(sort=False)
        out[finding] = str(counts.idxmax())
    return out
