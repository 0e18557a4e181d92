"""The two analysis protocols of the book: ``authors`` (what produced the paper's numbers) and ``causal``.

Every profile names ``protocol: authors | causal`` for the offline analyses (chapters 02-07); the
real-time monitor is always causal. A :class:`Protocol` is a frozen record of every method element
that differs between them, so a notebook asks ``get_protocol(name).sign_mode`` instead of spelling
out rules; chapter 10 (the methods ledger) describes each element in words from the same record.
Where the paper's text and the authors' code disagree, the code that produced the numbers wins
under ``authors``.

The facts about the authors' code come from their public repository
(``darkrubiks/AI-Assessment-of-Pain-in-Newborns``, branch ``develop``: ``lancet.ipynb``,
``7_icopevid.ipynb``, ``data_augmentation.py``, ``XAI/IntegratedGradients.py``, the model
configs; the VGG fine-tuning settings from an earlier ``train.py``). :data:`AUTHORS_OUTPUTS` keeps
the numbers their code printed that the paper does not (the paper's own numbers are in
:mod:`painsign_utils.paper`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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
class AuthorsOutputs:
    """Numbers printed by the authors' public code that the paper does not print.

    Attributes
    ----------
    silhouettes : tuple of (k, mean silhouette)
        Their k-means on unscaled (entropy, crossings), printed for k = 2..9: the two highest,
        nearly equal; they fitted k = 3.
    same_type_pairs : tuple of (model, model, share)
        Share of the videos both models put in the same sign type, per model pair (the paper's
        "60 %" is such a pairwise rate).
    same_type_all : float
        Share of the videos all three models put in the same sign type.
    """

    silhouettes: tuple[tuple[int, float], ...] = ((2, 0.596), (3, 0.597))
    same_type_pairs: tuple[tuple[str, str, float], ...] = (
        ("ncnn", "vit_b16", 0.600),
        ("vggface", "vit_b16", 0.658),
        ("vggface", "ncnn", 0.575),
    )
    same_type_all: float = 0.442


#: The authors' printed outputs (read by chapter 10's ledger).
AUTHORS_OUTPUTS = AuthorsOutputs()
