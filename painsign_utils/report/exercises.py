"""The exercises at the end of every chapter: a task, a hint and a worked answer each (prose only)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    """One exercise: a task (a parameter to change, what to look for), a hint, a worked answer.

    The answer says what to expect and how to reason about it, never a number of one build: the
    numbers depend on the profile and the machine. Parameter names are written in backticks;
    tests/test_report.py checks that each one is declared by the chapter's notebook.
    """

    task: str
    hint: str
    solution: str


#: A few exercises per chapter, each with a hint and a hidden solution.
EXERCISES: dict[str, list[Exercise]] = {
    "00_data": [
        Exercise(
            "Set `synthetic_scale` to 0.3 and compare Table 1 with the paper's: which counts shrink, "
            "and does the pain / no-pain balance hold?",
            "The scale multiplies the number of newborns and samples of each data set, not the "
            "share of each label.",
            "Every count shrinks to about 30%, but the proportion of pain and no-pain samples stays "
            "close to the paper's (e.g. 60 / 63 in iCOPE): the generator draws labels per subject in "
            "the paper's ratios. Fewer newborns per fold make the validation metrics of chapter 02 "
            "noisier, which is why the smoke profile's numbers should not be compared with the paper.",
        ),
        Exercise(
            "Set `video_seconds` to 60: longer clips hold more changes of expression. Look at the "
            "scenario strip: where would a single label per video be most wrong?",
            "Look at the *irregular* and *unstable* scenarios: how much of the clip lies on each side "
            "of the pain / no-pain boundary?",
            "In stable scenarios one label describes every second; in unstable and indeterminate ones "
            "the intensity spends long stretches on both sides of the boundary, so any single label "
            "is wrong for a large part of the clip. This is the paper's argument for a sign instead "
            "of a label (paper §3).",
        ),
        Exercise(
            "Raise `gallery_subjects` and look for the confounders (sleep, yawns, fussing): which "
            "ones would fool a human observer?",
            "Compare the mouth in a yawn with the mouth in pain, and the eyes in sleep with the eye "
            "squeeze of pain.",
            "A yawn opens the mouth like the vertical mouth stretch of pain but without brow bulge "
            "or eye squeeze; sleep closes the eyes without squeezing them. A rater (or model) that "
            "looks at one facial action alone is fooled; the NFCS scores several actions together "
            "for this reason.",
        ),
    ],
    "01_preprocessing": [
        Exercise(
            "Raise `score_threshold` to 0.99: how many frames lose their face, and in which scenarios?",
            "The detection table gives the share of frames with a face per data set; the scenario "
            "column of the video manifest tells which videos hold occlusions.",
            "More frames lose their face, mostly where a hand covers it or the head is rolled: "
            "the detector is less sure there. Each lost frame becomes a gap that the sign fills by "
            "interpolation (chapter 04), so a strict detector makes the sign smoother but blinder.",
        ),
        Exercise(
            "Set `video_frame_step` to 1 (the paper's every frame) and compare the time taken with "
            "this build's; the sign's one-second window then holds 30 samples.",
            "Detection time grows about linearly with the number of frames analysed.",
            "With step 1 detection takes about `step` times longer than with the build's step. The "
            "sign's window is one second whatever the step, so the sign changes little: a face "
            "does not change much in a tenth of a second.",
        ),
        Exercise(
            "Set `margin` to 0 and look at the crops: what part of the face does a tight box cut off?",
            "RetinaFace's box is fitted to the face, not to the head.",
            "The forehead and chin are cut: the brow bulge and chin quiver of the NFCS sit at the "
            "edges of the box, so a model trained on tight crops sees less of them.",
        ),
    ],
    "02_training": [
        Exercise(
            "Lower `max_epochs` and watch the learning curves: where does early stopping end training?",
            "Early stopping ends a fold when the validation loss has not improved for `patience` "
            "epochs; the best checkpoint is kept.",
            "With fewer epochs most folds stop at the limit rather than by early stopping; their "
            "validation loss is still falling, so the models are under-trained and the validation "
            "AUC drops. The learning curves show it as lines that end while still descending.",
        ),
        Exercise(
            "Set `n_augment` to 0 and compare the validation AUC across folds: how much does "
            "augmentation help on so few newborns?",
            "Compare the spread of the fold AUCs, not only their mean.",
            "Without augmentation the models see each face once and overfit faster: the mean AUC "
            "usually falls and the fold-to-fold spread grows, most for the model trained from "
            "scratch (N-CNN). The paper used 20 augmentations per image (its Appendix A).",
        ),
    ],
    "03_test_evaluation": [
        Exercise(
            "Set `window_seconds` to 3: the sign smooths more. Do entropy and crossings fall, and does "
            "the video-level AUC change?",
            "The video's label is the mean of its sign; a moving average hardly changes a mean.",
            "Entropy and crossings fall (a smoother sign visits fewer bins and crosses the threshold "
            "less often), but the video-level AUC barely moves, because the mean of a moving average "
            "is almost the mean of the probabilities. The window changes how the sign *looks*, not "
            "the single label.",
        ),
        Exercise(
            "Move `pain_cut` to 0.3 and 0.7: how does the frame-level AUC respond, and why does the "
            "video-level AUC not move?",
            "`pain_cut` only defines which *frames* count as pain in the synthetic ground truth.",
            "The frame-level AUC changes because the frame truth changes; the video labels come "
            "from the manifest and do not depend on `pain_cut`, so the video-level AUC is the same.",
        ),
    ],
    "04_pain_sign": [
        Exercise(
            "Set `focus_model` to another model: is its sign built from noisier probabilities?",
            "Compare how far the grey dots (frame probabilities) scatter around the coloured line.",
            "A model whose frame probabilities jump between 0 and 1 gives a sign with more "
            "crossings and higher entropy even on a steady face; the one-second average hides part "
            "of that noise but not all. The correlation with the true intensity (section 4) says "
            "which model's noise is noise and which follows the face.",
        ),
        Exercise(
            "Set `strip_every_s` to 0.5 and find a crossing marker: what did the face do at that moment?",
            "The sign is a trailing one-second average: look at the faces up to a second *before* "
            "the marker.",
            "A crossing usually follows a change of expression (eye squeeze, mouth opening) or a "
            "hand coming over the face by about half a second, the lag of a one-second causal "
            "average.",
        ),
    ],
    "05_sign_clustering": [
        Exercise(
            'Re-run this chapter with `protocol` set to "causal" (k chosen by the silhouette on '
            "z-scored features, indeterminate a fourth type): does k stay 3, and which videos change "
            "type?",
            "Compare the sign-type column of `tables/sign_types.csv` between the two runs; chapter 10 "
            "measures the same switch on this build's signs.",
            "On unscaled features the crossings (0 to about 20) outweigh the entropy (0 to 3.3 bits), "
            "so the authors' three clusters are mostly bands of crossings. z-scoring gives both axes "
            "equal weight: videos near the band edges move, and the silhouette may prefer another k "
            "(the authors' own silhouettes were 0.596 at k = 2 and 0.597 at k = 3, a tie).",
        ),
        Exercise(
            "Under the causal protocol, lower `n_init` to 1 and re-run with another `seed`: are the "
            "sign types stable?",
            "k-means starts from random centres and can end in a different local optimum.",
            "With one start the clusters can change between seeds, most for small data sets; with "
            "several starts k-means keeps the best of them and the types become reproducible. The "
            "authors' code (`protocol: authors`) uses scikit-learn's automatic number of starts.",
        ),
    ],
    "06_explainability": [
        Exercise(
            'Set `ig_baseline` to "blur": do the Integrated Gradients maps still point at the brow, '
            "eyes and mouth?",
            "IG attributes the change of output between the baseline and the face: a blurred face "
            "already holds the face's colours and shape.",
            "With a blurred baseline IG attributes only what blurring removed, the fine detail of "
            "furrows and edges, so the maps concentrate on creases around eyes, brow and mouth and "
            "lose the skin areas a black baseline highlights. The choice of baseline is part of the "
            "explanation.",
        ),
        Exercise(
            "Change `mask_levels` to 3: is the red / yellow / green picture easier to read?",
            "The post-processing of Carlini et al. quantizes the map into that many k-means levels.",
            "Fewer levels give larger, flatter regions: easier to read at a glance, coarser in "
            "where exactly the model looks. It changes the picture, not the model.",
        ),
    ],
    "07_average_faces": [
        Exercise(
            "Set `bin_width` to 0.2: fewer, fuller bins. Is the rise of the expression above 50% clearer?",
            "Each bin averages more faces, so each average face is less noisy, but there are only "
            "five of them.",
            "The average faces are smoother and the trend of the mean intensity per bin is "
            "estimated from fewer points; with only five bins a rank correlation needs a perfect "
            "order to be significant.",
        ),
        Exercise(
            "Restrict `models` to one model and compare its correct and incorrect frames.",
            "Incorrect frames disagree with the label of their *video*, not with the face.",
            "Many incorrect frames with high probability show a pain-like face in a no-pain video: "
            "they are errors of the single video label, not of the model (paper Fig. 6b).",
        ),
    ],
    "08_realtime_monitor": [
        Exercise(
            "Lower `alert_delta` to 0.15 and re-run: how many alerts fire now, and how many of them "
            "would you want at the bedside?",
            "An alert fires when the sign changes by `alert_delta` within `alert_seconds`.",
            "A lower delta fires more alerts, many on changes a nurse would not act on: the price "
            "of sensitivity is alarm fatigue (see the ethics page). A clinical team would tune "
            "both parameters on recordings of its own unit.",
        ),
        Exercise(
            "Re-run under another profile and compare the measured frames per second with the 30 fps "
            "of the paper's videos: could this machine keep up at the bedside?",
            "Look at the end-to-end column of the speed table, not the classification alone: face "
            "detection and decoding also take time.",
            "A model keeps up when its end-to-end rate is at or above the camera's frame rate; "
            "classifying every n-th frame multiplies the rate by about n at the small cost in the "
            "sign the table measures.",
        ),
    ],
    "09_paper_comparison": [
        Exercise(
            "Run the book under the `demo` and the `smoke` profiles and compare this page: which of "
            "our numbers move most with the amount of data?",
            "The verdict table gives the measured reason of each verdict: compare those.",
            "The validation metrics and the per-type rates of Table 3 move most: they rest on a "
            "few newborns or videos per fold or type. Counts and thresholds move less.",
        ),
        Exercise(
            'Put pretrained VGG-Face and ViT-B/16 weights in `$PAINSIGN_WEIGHTS` (see "Run it on the '
            "real datasets\") and re-run: which rows move toward the paper's?",
            "The paper's VGG-Face starts from face-recognition weights; the offline stand-in starts "
            "from synthetic-face pretraining or random weights.",
            "Validation AUC of VGG-Face and ViT-B/16 rises most, and with it the claim that VGG-Face "
            "leads; N-CNN, trained from scratch in both, moves least.",
        ),
        Exercise(
            "In the fairness section, change the number of bootstrap resamples `n_boot` and the "
            "`seed`: which subgroup differences survive?",
            "A difference between two groups is only worth reporting when their confidence "
            "intervals do not overlap much; the intervals are widest for the smallest groups.",
            "The point estimates do not move, the intervals move a little with the seed, and "
            "narrow with more resamples only up to the limit set by the number of frames and "
            "videos per group. On few videos per skin-tone group most differences lie within the "
            "intervals: absence of evidence, not evidence of fairness.",
        ),
    ],
    "10_methods_ledger": [
        Exercise(
            "Set `protocol` to causal in the profile's common section, re-run the book "
            "and open this page again: which column did the chapters follow, and which measured "
            "effects changed?",
            "The measured effects are recomputed both ways from the same predictions; what the "
            "protocol changes is what the chapters trained, reported and classified with.",
            "The chapters now follow the causal column. The sign, video-score and clustering rows "
            "are measured on this build's per-frame probabilities both times, so they move only as "
            "much as the models do (training follows the protocol's augmentation and weight decay, "
            "so the models differ a little). The threshold row keeps its direction: θ_k is the best "
            "cut for its own fold under either protocol.",
        ),
        Exercise(
            "Change `seed` and re-run this chapter alone: which numbers of the ledger move?",
            "`seed` draws only the augmentations of the test card; k-means runs with a fixed "
            "random_state.",
            "Only the augmentation row moves, a little: every other effect is computed without "
            "randomness from the artifacts of the run. A difference that depended on the seed would "
            "not be a measured effect of the protocol.",
        ),
        Exercise(
            "Compare this page under the `smoke` and `demo` profiles: which effects keep their "
            "direction, and which flip?",
            "With two folds and a few videos, one video more or less changes a rate by several "
            "points.",
            "Sensitivity + specificity at θ_k is never below the training-fold rule's, by "
            "construction, under every profile. The valid-vs-causal and sign-mean-vs-face-mean rows "
            "are small and can flip on a small build; the clustering ARI varies most, since few "
            "videos per type make k-means unstable.",
        ),
    ],
}
