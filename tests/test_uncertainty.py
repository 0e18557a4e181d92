"""MC-dropout, fold ensembles, spread-based rejection and the sign's band."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from painsign_utils import sign, uncertainty
from painsign_utils.errors import ConfigError, DataError
from painsign_utils.models import PainModel, create_model
from painsign_utils.models.base import active_dropouts


def _crops(n=6, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 40, 40, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def vgg():
    torch.manual_seed(0)
    return create_model("vggface", weights="random", input_size=32)


def test_the_head_only_shortcut_equals_full_passes(vgg):
    vgg.eval()
    prefix, rest = vgg.stochastic_split()
    assert prefix is vgg.features  # the frozen backbone runs once
    fast = uncertainty.mc_dropout(vgg, _crops(), passes=5, seed=3, batch_size=4)
    full = uncertainty.mc_dropout(vgg, _crops(), passes=5, seed=3, batch_size=4, shortcut=False)
    assert fast.shape == (5, 6)
    np.testing.assert_allclose(fast, full, rtol=0, atol=1e-6)
    assert fast.std(0).max() > 0  # dropout is on
    assert not vgg.training


@pytest.fixture(scope="module")
def ncnn():
    torch.manual_seed(0)
    return create_model("ncnn", weights="random").eval()


def test_ncnn_runs_its_branches_once_and_samples_the_same_bits_as_full_passes(ncnn):
    # N-CNN has no frozen part and its dropout sits inside: the default would take full passes.
    assert isinstance(PainModel.stochastic_split(ncnn)[0], torch.nn.Identity)
    prefix, rest = ncnn.stochastic_split()
    drops = set(active_dropouts(ncnn))
    assert not isinstance(prefix, torch.nn.Identity) and not active_dropouts(prefix)
    assert set(active_dropouts(rest)) == drops and len(drops) == 3
    x = ncnn.preprocess(_crops(5, seed=4))
    with torch.no_grad():
        assert prefix(x).shape == (5, 131, 12, 12)
        for xx in (x, x.contiguous()):  # channels-last (as preprocessed) and plain NCHW
            assert torch.equal(rest(prefix(xx)), ncnn(xx))  # eval: dropout off
            for d in drops:
                d.train()
            try:
                torch.manual_seed(7)
                full = ncnn(xx)
                torch.manual_seed(7)
                assert torch.equal(rest(prefix(xx)), full)  # same masks, same order
            finally:
                ncnn.eval()
    for n, passes, bs, seed in ((1, 3, 64, 0), (7, 5, 3, 1), (15, 4, 64, 2)):
        crops = _crops(n, seed=seed)
        fast = uncertainty.mc_dropout(ncnn, crops, passes=passes, seed=seed, batch_size=bs)
        full = uncertainty.mc_dropout(ncnn, crops, passes, seed, bs, shortcut=False)
        assert fast.shape == (passes, n) and np.array_equal(fast, full)
    assert fast.std(0).max() > 0  # dropout is on
    assert not ncnn.training


def test_vit_samples_only_its_head():
    torch.manual_seed(0)
    vit = create_model("vit_b16", weights="random", input_size=32).eval()
    prefix, rest = vit.stochastic_split()
    assert not isinstance(prefix, torch.nn.Identity)
    assert active_dropouts(rest) == [vit.vit.head_drop]
    fast = uncertainty.mc_dropout(vit, _crops(4), passes=3, seed=1)
    full = uncertainty.mc_dropout(vit, _crops(4), passes=3, seed=1, shortcut=False)
    np.testing.assert_allclose(fast, full, rtol=0, atol=1e-6)
    torch.manual_seed(1)
    other = create_model("vit_b16", weights="random", input_size=32).eval()
    other.vit.load_state_dict(
        {k: v for k, v in vit.vit.state_dict().items() if not k.startswith("head.")}, strict=False
    )
    assert uncertainty._same_frozen(vit, other)  # folds share the backbone, not the head
    out = uncertainty.ensemble([vit, other], _crops(4))
    np.testing.assert_allclose(out[1], other.predict_proba(_crops(4)), atol=1e-6)


def test_mc_dropout_with_zero_rate_has_zero_spread_and_equals_the_plain_prediction(vgg):
    rates = {m: m.p for m in vgg.modules() if isinstance(m, torch.nn.Dropout)}
    try:
        for m in rates:
            m.p = 0.0
        samples = uncertainty.mc_dropout(vgg, _crops(), passes=4)
    finally:
        for m, p in rates.items():
            m.p = p
    assert np.all(samples.std(0) == 0)
    np.testing.assert_allclose(samples[0], vgg.predict_proba(_crops()), atol=1e-6)


def test_an_ensemble_sharing_a_backbone_gives_each_models_own_prediction(vgg):
    torch.manual_seed(1)
    other = create_model("vggface", weights="random", input_size=32)
    other.features.load_state_dict(vgg.features.state_dict())  # same frozen backbone, own head
    out = uncertainty.ensemble([vgg, other], _crops())
    assert out.shape == (2, 6)
    np.testing.assert_allclose(out[0], vgg.predict_proba(_crops()), atol=1e-6)
    np.testing.assert_allclose(out[1], other.predict_proba(_crops()), atol=1e-6)
    assert not np.allclose(out[0], out[1])


def test_error_auroc_risk_coverage_and_the_reject_band_by_hand():
    y = np.array([1, 1, 0, 0])
    p = np.array([0.9, 0.4, 0.6, 0.1])  # frames 1 and 2 are wrong at 0.5
    assert uncertainty.error_auroc(y, p, [0.0, 0.3, 0.2, 0.1]) == 1.0
    assert uncertainty.error_auroc(y, p, [0.3, 0.0, 0.1, 0.2]) == 0.0
    rc = uncertainty.risk_coverage(y, p, [0.0, 0.3, 0.2, 0.1])
    assert rc["coverage"].tolist() == [0.25, 0.5, 0.75, 1.0]
    assert rc["risk"].tolist() == pytest.approx([0, 0, 1 / 3, 0.5])
    band = uncertainty.reject_band(y, p, 0.2, 0.8)
    assert band == {"coverage": 0.5, "risk": 0.0, "risk_all": 0.5}
    assert uncertainty.spread_threshold([0.1, 0.2, 0.3, 0.4, 0.5], 0.5) == pytest.approx(0.3)
    with pytest.raises(ConfigError, match="reject band"):
        uncertainty.reject_band(y, p, 0.8, 0.2)
    with pytest.raises(DataError, match="differ in length"):
        uncertainty.error_auroc(y, p, [0.1])


def test_the_band_goes_through_the_signs_interpolation_and_average():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.2, 0.8, 60)
    p[[5, 6, 30]] = np.nan
    s = np.where(np.isnan(p), np.nan, 0.1)
    lo, hi = sign.band(p, s, window=5)
    mid = sign.pain_sign(p, 5)
    np.testing.assert_allclose(hi - mid, 0.1, atol=1e-12)
    np.testing.assert_allclose(mid - lo, 0.1, atol=1e-12)
    lo0, hi0 = sign.band(p, np.where(np.isnan(p), np.nan, 0.0), window=5, mode="valid")
    np.testing.assert_array_equal(lo0, sign.pain_sign(p, 5, "valid"))
    np.testing.assert_array_equal(hi0, lo0)
    with pytest.raises(DataError, match="NaN on the same frames"):
        sign.band(p, np.full(60, 0.1), window=5)


def test_frame_scores_gathers_the_spread_measures_of_one_models_samples():
    y = np.array([1, 1, 0, 0])
    samples = np.array([[0.9, 0.1, 0.9, 0.1], [0.9, 0.7, 0.3, 0.1]])  # means 0.9, 0.4, 0.6, 0.1
    out = uncertainty.frame_scores(y, samples, 0.5, (0.2, 0.8), theta3=0.1, groups=list("aabb"))
    mean, spread = samples.mean(0), samples.std(0)
    assert out["error_auroc"] == uncertainty.error_auroc(y, mean, spread) == 1.0
    assert (out["coverage_theta2"], out["risk_theta2"], out["risk_all"]) == (0.5, 0.0, 0.5)
    assert (out["coverage_theta3"], out["risk_theta3"]) == (0.5, 0.0)  # keeps the two sure frames
    assert out["spread_a"] == pytest.approx(0.15) and out["spread_b"] == pytest.approx(0.15)
    assert np.isnan(uncertainty.frame_scores(y, samples)["coverage_theta3"])
    with pytest.raises(DataError, match="shape"):
        uncertainty.frame_scores(y, samples[0])


def test_the_monitors_scenario_classifiers_return_the_mean_and_keep_the_spread(vgg):
    from painsign_utils.inference import FrameClassifier
    from painsign_utils.monitor.scenarios import EnsembleClassifier, MCDropoutClassifier

    crops = _crops()
    one = FrameClassifier(vgg, batch_size=4).predict(crops)
    both = EnsembleClassifier([vgg, vgg], batch_size=4)
    np.testing.assert_allclose(both.predict(crops), one, atol=1e-6)
    assert both.spread_.shape == (6,) and both.spread_.max() < 1e-6
    mc = MCDropoutClassifier(vgg, passes=5, seed=3, batch_size=4)
    expected = uncertainty.mc_dropout(vgg, crops, 5, 3, 4)
    np.testing.assert_allclose(mc.predict(crops), expected.mean(0), atol=1e-6)
    np.testing.assert_allclose(mc.spread_, expected.std(0), atol=1e-6)
    assert not np.allclose(mc.predict(crops), expected.mean(0))  # the next call draws new masks
    with pytest.raises(ConfigError):
        MCDropoutClassifier(vgg, passes=0)
    from painsign_utils.monitor import PainMonitor

    assert PainMonitor(mc, fps=30).classifier is mc  # a monitor runs it as it is
