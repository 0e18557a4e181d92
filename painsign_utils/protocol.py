"""The two analysis protocols of the book: ``authors`` (what produced the paper's numbers) and ``causal``.

Every profile names ``protocol: authors | causal`` for the offline analyses (chapters 02-07); the
real-time monitor is always causal. A :class:`Protocol` is a frozen record of every method element
that differs between them, so a notebook asks ``get_protocol(name).sign_mode`` instead of spelling
out rules, and the methods ledger (:func:`ledger_rows`) is generated from the same record: for each
element, the paper's words, what the authors' public code does, and what the book does under each
protocol. Where the paper's text and the authors' code disagree, the code that produced the numbers
wins under ``authors``.

The facts about the authors' code come from their public repository
(``darkrubiks/AI-Assessment-of-Pain-in-Newborns``, branch ``develop``: ``lancet.ipynb``,
``7_icopevid.ipynb``, ``data_augmentation.py``, ``XAI/IntegratedGradients.py``, the model
configs; the VGG fine-tuning settings from an earlier ``train.py``). They are summarized here in our
own words.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from .errors import ConfigError

#: Protocol names, the default first.
PROTOCOLS: tuple[str, ...] = ("authors", "causal")
#: The protocol every profile uses unless it says otherwise (the comparison page replicates the paper).
DEFAULT_PROTOCOL = "authors"


@dataclass(frozen=True)
class Protocol:
    """Every method element that differs between the two protocols.

    Attributes
    ----------
    name : str
        ``"authors"`` or ``"causal"``.
    sign_mode : str
        :func:`painsign_utils.sign.pain_sign` mode: ``"valid"`` (centred, ``n - 29`` samples) or
        ``"causal"`` (trailing, same length).
    video_score : str
        ``"sign_mean"`` (mean of the analysis sign, pain when >= θ) or ``"face_mean"`` (mean of the
        per-frame probabilities of the frames with a face).
    threshold_rule : str
        ``"validation_folds"``: θ_k = Youden on fold k's validation predictions
        (:func:`painsign_utils.metrics.fold_thresholds`), Table 2 per fold at θ_k, the videos at the
        mean θ; ``"training_folds"``: Youden on the training folds' predictions (no leak).
    clustering : str
        ``"kmeans3"``: ``KMeans(n_clusters=3, random_state=0, n_init="auto")`` on unscaled
        (entropy, crossings); ``"silhouette_zscore"``: z-scored features, k = 2..10 by silhouette.
    kmeans_k : int or None
        Fixed number of clusters (3), or None when the silhouette chooses.
    kmeans_n_init : int or str
        ``n_init`` of scikit-learn's KMeans.
    kmeans_random_state : int
    scale_features : bool
        Standardize (entropy, crossings) before k-means.
    indeterminate : str
        ``"overlay"``: a boolean flag drawn over the three clusters (low entropy, crossings above
        every irregular sign's); ``"type"``: a fourth sign type that overrides the cluster's name.
    ig_postprocess : str
        ``"clamp"`` (channel-summed IG clamped at 0) or ``"abs"`` (absolute value).
    ig_baseline : str
        IG baseline, a name of :data:`painsign_utils.explain.IG_BASELINES`: ``"zeros"`` (zero in the
        model's normalized input) or ``"black"`` (a black image).
    augment_style : str
        ``"albumentations"`` or ``"keras"`` semantics of the App. A ranges
        (:class:`painsign_utils.augment.AugmentParams`).
    weight_decay : float
        RMSprop weight decay.
    vgg_finetune_lr : float
        Learning rate of VGG-Face's fine-tuning phase (last two convolution blocks unfrozen).
    """

    name: str
    sign_mode: str
    video_score: str
    threshold_rule: str
    clustering: str
    kmeans_k: int | None
    kmeans_n_init: int | str
    kmeans_random_state: int
    scale_features: bool
    indeterminate: str
    ig_postprocess: str
    ig_baseline: str
    augment_style: str
    weight_decay: float
    vgg_finetune_lr: float

    @property
    def realtime_sign_mode(self) -> str:
        """The real-time monitor's sign mode: always ``"causal"`` (a monitor cannot look ahead)."""
        return "causal"

    def as_dict(self) -> dict[str, object]:
        """The settings as a plain dict (for provenance tables and cache stamps)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


_PROTOCOLS: dict[str, Protocol] = {
    "authors": Protocol(
        name="authors",
        sign_mode="valid",
        video_score="sign_mean",
        threshold_rule="validation_folds",
        clustering="kmeans3",
        kmeans_k=3,
        kmeans_n_init="auto",
        kmeans_random_state=0,
        scale_features=False,
        indeterminate="overlay",
        ig_postprocess="clamp",
        ig_baseline="zeros",
        augment_style="albumentations",
        weight_decay=1e-5,
        vgg_finetune_lr=1e-6,
    ),
    "causal": Protocol(
        name="causal",
        sign_mode="causal",
        video_score="face_mean",
        threshold_rule="training_folds",
        clustering="silhouette_zscore",
        kmeans_k=None,
        kmeans_n_init=10,
        kmeans_random_state=0,
        scale_features=True,
        indeterminate="type",
        ig_postprocess="abs",
        ig_baseline="black",
        augment_style="keras",
        weight_decay=0.0,
        vgg_finetune_lr=1e-4,
    ),
}


def get_protocol(name: str | Protocol = DEFAULT_PROTOCOL) -> Protocol:
    """The :class:`Protocol` called ``name`` (``"authors"`` or ``"causal"``); a Protocol passes through.

    Raises
    ------
    ConfigError
        One line naming the known protocols, for any other name.
    """
    if isinstance(name, Protocol):
        return name
    key = str(name).strip().lower() if isinstance(name, str) else name
    if key not in _PROTOCOLS:
        raise ConfigError(f"unknown protocol {name!r}; use one of: {', '.join(PROTOCOLS)}")
    return _PROTOCOLS[key]


@dataclass(frozen=True)
class LedgerElement:
    """One row of the methods ledger: an element, the paper's words and the authors' code.

    ``fields`` names the :class:`Protocol` attributes the element is about; the two protocol
    columns of the ledger are written from them (``describe``), so the ledger cannot drift from
    what the code does.
    """

    element: str
    paper: str
    authors_code: str
    fields: tuple[str, ...]


#: Plain-language description of each protocol setting value, for the ledger.
_DESCRIBE: dict[tuple[str, object], str] = {
    (
        "sign_mode",
        "valid",
    ): "centred 30-sample mean (np.convolve 'valid'): 600 frames -> 571 samples",
    ("sign_mode", "causal"): "trailing 30-sample mean, same length as the video (bedside view)",
    ("video_score", "sign_mean"): "mean of the analysis sign; pain when >= θ",
    ("video_score", "face_mean"): "mean probability over frames with a face; pain when >= θ",
    ("threshold_rule", "validation_folds"): (
        "θ_k = Youden on fold k's validation predictions; Table 2 per fold at θ_k; "
        "videos at mean θ (± sd)"
    ),
    ("threshold_rule", "training_folds"): "θ = Youden on the training folds' predictions (no leak)",
    (
        "clustering",
        "kmeans3",
    ): "k-means, k = 3, unscaled, random_state=0, n_init='auto'; silhouettes shown",
    ("clustering", "silhouette_zscore"): "k-means on z-scores, k = 2..10 by best silhouette",
    (
        "indeterminate",
        "overlay",
    ): "flag over the 3 clusters: low entropy, crossings > every irregular sign's",
    ("indeterminate", "type"): "fourth type overriding the cluster: many crossings, low entropy",
    ("ig_postprocess", "clamp"): "channel sum clamped at 0 (evidence for the explained class only)",
    ("ig_postprocess", "abs"): "absolute value of the channel sum",
    ("ig_baseline", "zeros"): "zero in the normalized input",
    ("ig_baseline", "black"): "black image",
    ("augment_style", "albumentations"): (
        "albumentations-style Affine (scale 0.7-1.5 zooms in above 1, shear ±10°, shift ±0.2, "
        "rotate ±30°), brightness/contrast ±0.2 p 0.5, flip p 0.5, redrawn until 5 keypoints stay in"
    ),
    ("augment_style", "keras"): (
        "Keras ImageDataGenerator semantics (zoom above 1 zooms out, shear 0.15°, brightness 0.5-1.1)"
    ),
}

#: Wording of numeric settings, for the ledger.
_NUMERIC: dict[str, str] = {
    "weight_decay": "RMSprop lr 1e-4, weight decay {:g}",
    "vgg_finetune_lr": "fine-tuning learning rate {:g}",
}

#: The ledger's elements, in the order of the paper.
LEDGER: tuple[LedgerElement, ...] = (
    LedgerElement(
        "Pain-sign smoothing (§2.4)",
        "a moving average filter of 30 samples, equaling 1 s of video",
        "np.interp over missing frames, then np.convolve(x, np.ones(30), 'valid') / 30",
        ("sign_mode",),
    ),
    LedgerElement(
        "Video score (§2.5, Table 2 test)",
        "the average prediction probability served as the final classification of the videos",
        "mean of the smoothed sign; pain when the mean >= θ",
        ("video_score",),
    ),
    LedgerElement(
        "Classification threshold (§2.5, §3)",
        "Youden's Index, calculated during the training folds to prevent information leakage",
        "Youden (argmax tpr - fpr) on each fold's validation predictions; videos use the mean of "
        "the ten θ_k (0.542 / 0.494 / 0.431)",
        ("threshold_rule",),
    ),
    LedgerElement(
        "Sign-type clustering (§2.5, Table 3)",
        "k-means on entropy and crossings; k from 2 to 10 by the highest silhouette score",
        "KMeans(n_clusters=3, random_state=0, n_init='auto') on unscaled features; silhouettes "
        "printed for k = 2-9 (0.596 at k = 2, 0.597 at k = 3); clusters named by hand",
        ("clustering",),
    ),
    LedgerElement(
        "Indeterminate sign (§3, Fig. 4)",
        "a fourth type: many threshold crossings but low entropy; one N-CNN sign",
        "a quadrant drawn over the clusters: entropy below a hand-set line (1.25 VGG-Face, 1.75 "
        "otherwise), crossings at least the irregular maximum + 1",
        ("indeterminate",),
    ),
    LedgerElement(
        "Same sign type across models (§3)",
        "60% of the videos were classified under the same sign type across models",
        "pairwise agreement (N-CNN/ViT 0.600, VGG/ViT 0.658, VGG/N-CNN 0.575); all three 0.442",
        (),
    ),
    LedgerElement(
        "Pearson r between models (§3)",
        "average Pearson correlation between signs, e.g. r = 0.52 ± 0.36 for VGG-Face and N-CNN",
        "scipy pearsonr of two models' smoothed ('valid') signs per video; mean ± np.std (ddof 0)",
        ("sign_mode",),
    ),
    LedgerElement(
        "Integrated Gradients (§2.3)",
        "IG assesses the contribution of each pixel; Carlini et al. post-processing",
        "zero baseline in the normalized input; channel sum clamped at 0, divided by its maximum",
        ("ig_postprocess", "ig_baseline"),
    ),
    LedgerElement(
        "Data augmentation (App. A)",
        "rotation 30°, shear 0.15, shift 0.20, brightness 0.5-1.1, zoom 0.7-1.5, horizontal "
        "flip; 20 images each; face still detectable",
        "albumentations Affine(scale 0.7-1.5, translate ±0.2, rotate ±30, shear ±10), "
        "RandomBrightnessContrast(0.2, 0.2, p 0.5), HorizontalFlip(p 0.5); redrawn until all 5 "
        "keypoints stay in the image",
        ("augment_style",),
    ),
    LedgerElement(
        "Optimizer (App. B)",
        "RMSProp with a learning rate of 1e-4",
        "RMSprop(lr 1e-4, weight_decay 1e-5)",
        ("weight_decay",),
    ),
    LedgerElement(
        "VGG-Face fine-tuning (App. B)",
        "the last two convolution layer groups trained once the error stalls for 5 epochs",
        "features[17:31] unfrozen with lr 1e-6",
        ("vgg_finetune_lr",),
    ),
)


def describe(protocol: str | Protocol, field_names: tuple[str, ...]) -> str:
    """What the book does under ``protocol`` for the settings ``field_names``, in words."""
    p = get_protocol(protocol)
    parts = []
    for name in field_names:
        value = getattr(p, name)
        text = _DESCRIBE.get((name, value))
        if text is None:
            text = _NUMERIC[name].format(value) if name in _NUMERIC else f"{name} = {value}"
        parts.append(text)
    return "; ".join(parts) if parts else "pairwise and three-way agreement both reported"


def ledger_rows() -> pd.DataFrame:
    """The methods ledger, one row per element.

    Returns
    -------
    DataFrame, shape (n_elements, 5)
        Columns ``element, paper text, authors' code, authors protocol, causal protocol``; the
        book adds a measured-effect column from its own run.
    """
    rows = [
        {
            "element": e.element,
            "paper text": e.paper,
            "authors' code": e.authors_code,
            "authors protocol": describe("authors", e.fields),
            "causal protocol": describe("causal", e.fields),
        }
        for e in LEDGER
    ]
    return pd.DataFrame(
        rows,
        columns=["element", "paper text", "authors' code", "authors protocol", "causal protocol"],
    )
