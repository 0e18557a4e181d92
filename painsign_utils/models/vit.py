"""ViT-B/16: timm's ViT-B/16 with ImageNet weights; only the head (dropout 0.1 + FC 768→1) is
trained. Input 224×224 (or a multiple of 16) normalized with timm's mean/std."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..errors import ModelError
from .base import Compose, PainModel
from .weights import read_state_dict

#: timm architecture of the ViT (its default tag is ImageNet-21k pre-trained, fine-tuned on 1k).
VIT_ARCH = "vit_base_patch16_224"


class ViTB16(PainModel):
    """timm ViT-B/16 whose backbone stays frozen; only dropout 0.1 + FC 768→1 is trained.

    ``input_size`` other than 224 builds the ViT with ``img_size=input_size`` (a multiple of
    16); pretrained position embeddings are resampled to the new grid.
    """

    name = "vit_b16"

    def __init__(self, input_size: int = 224, hf_pretrained: bool = False) -> None:
        import timm

        if input_size % 16:
            raise ModelError(f"ViT-B/16 needs an input size divisible by 16, got {input_size}")
        super().__init__(input_size)
        self.vit = timm.create_model(
            VIT_ARCH, pretrained=hf_pretrained, num_classes=1, drop_rate=0.1, img_size=input_size
        )
        cfg = self.vit.pretrained_cfg
        self.register_buffer("mean", torch.tensor(cfg["mean"]).view(1, 3, 1, 1) * 255.0)
        self.register_buffer("std", torch.tensor(cfg["std"]).view(1, 3, 1, 1) * 255.0)
        self.reshape_transform = self._tokens_to_map

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.vit.forward_head(self.vit.forward_features(x)).squeeze(1)

    def split(self, phase: int = 1) -> tuple[nn.Module, nn.Module]:
        if phase != 1:
            raise ModelError(f"ViT-B/16 has one training phase, not {phase}")
        # Wrappers built on demand (not attributes) so the state dict names each weight once.
        return _ViTBackbone(self.vit), Compose(self.vit.head_drop, self.vit.head)

    def embedding(self) -> tuple[nn.Module, int]:
        return _ViTBackbone(self.vit), int(self.vit.num_features)

    def _tokens_to_map(self, tokens: torch.Tensor) -> torch.Tensor:
        """(N, prefix + G*G, C) tokens → (N, C, G, G) map, dropping the class token."""
        g = self.input_size // 16
        x = tokens[:, self.vit.num_prefix_tokens :, :]
        return x.reshape(x.shape[0], g, g, x.shape[2]).permute(0, 3, 1, 2)

    def load_pretrained(self, path: Path) -> None:
        """Load timm ViT-B/16 weights from a local ``.pth``/``.bin``/``.safetensors`` file."""
        from timm.layers import resample_abs_pos_embed

        sd = read_state_dict(path)
        sd = {k: v for k, v in sd.items() if not k.startswith("head.")}
        if "pos_embed" not in sd:
            raise ModelError(f"{path} is not a timm ViT state dict (no pos_embed)")
        if sd["pos_embed"].shape != self.vit.pos_embed.shape:
            g = self.input_size // 16
            sd["pos_embed"] = resample_abs_pos_embed(
                sd["pos_embed"], [g, g], num_prefix_tokens=self.vit.num_prefix_tokens
            )
        missing, unexpected = self.vit.load_state_dict(sd, strict=False)
        missing = [k for k in missing if not k.startswith("head.")]
        if missing or unexpected:
            raise ModelError(
                f"{path} does not fit ViT-B/16: {len(missing)} missing, {len(unexpected)} unexpected keys"
            )
        self.weights_source = str(path)


class _ViTBackbone(nn.Module):
    """ViT up to the pre-logits feature (class token after the final norm), shape (N, 768)."""

    def __init__(self, vit: nn.Module) -> None:
        super().__init__()
        self.vit = vit

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.vit.forward_features(x)
        x = self.vit.pool(x) if hasattr(self.vit, "pool") else x[:, 0]
        return self.vit.fc_norm(x)
