"""InPlaceRMSprop: the same numbers as torch.optim.RMSprop, state dicts interchangeable."""

import pytest
import torch

from painsign_utils.training.optim import InPlaceRMSprop


def _run(opt_cls, steps=6, state=None, **kw):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(40, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    opt = opt_cls(net.parameters(), **kw)
    if state is not None:
        opt.load_state_dict(state)
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x, y = torch.randn(8, 40, generator=g), torch.rand(8, generator=g).round()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x).reshape(-1), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return net, opt


@pytest.mark.parametrize("weight_decay", [0.0, 1e-5, 0.1])
def test_bit_identical_to_torch_rmsprop(weight_decay):
    ref, ref_opt = _run(torch.optim.RMSprop, lr=1e-3, weight_decay=weight_decay)
    net, opt = _run(InPlaceRMSprop, lr=1e-3, weight_decay=weight_decay)
    for a, b in zip(ref.parameters(), net.parameters()):
        assert torch.equal(a, b)
    for sa, sb in zip(ref_opt.state.values(), opt.state.values()):
        assert torch.equal(sa["square_avg"], sb["square_avg"]) and float(sa["step"]) == float(
            sb["step"]
        )


def test_state_dict_loads_into_torch_rmsprop_and_back():
    _, opt = _run(InPlaceRMSprop, lr=1e-3)
    _, ref_opt = _run(torch.optim.RMSprop, lr=1e-3)
    a, _ = _run(torch.optim.RMSprop, steps=3, state=opt.state_dict(), lr=1e-3)
    b, _ = _run(InPlaceRMSprop, steps=3, state=ref_opt.state_dict(), lr=1e-3)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


def test_rejects_bad_settings():
    with pytest.raises(ValueError, match="invalid RMSprop"):
        InPlaceRMSprop([torch.nn.Parameter(torch.zeros(1))], lr=-1.0)
    with pytest.raises(ValueError, match="no closure"):
        InPlaceRMSprop([torch.nn.Parameter(torch.zeros(1))], lr=1.0).step(lambda: 0.0)


def test_freed_memory_is_kept_and_can_be_switched_off(monkeypatch):
    """The allocator setting is applied on import on Linux/glibc and honours the opt-out."""
    import sys

    from painsign_utils.runtime import keep_freed_memory

    monkeypatch.setenv("PAINSIGN_SYSTEM_MALLOC", "1")
    assert keep_freed_memory() is False
    monkeypatch.delenv("PAINSIGN_SYSTEM_MALLOC")
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            _ = ctypes.CDLL("libc.so.6").gnu_get_libc_version
        except (OSError, AttributeError):
            pytest.skip("not glibc")
        assert keep_freed_memory() is True
