"""``painsign pretrain``: synthetic-face pretraining of a profile's backbones from the command line.

Parsing imports nothing heavy; the work is :func:`painsign_utils.pretrain.pretrain`, the same code
chapter 02 runs, so the cache it fills is the one chapter 02 reuses.
"""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Register ``painsign pretrain`` on the CLI's subparsers."""
    p = sub.add_parser(
        "pretrain",
        help="pretrain a backbone on synthetic faces (chapter 02 reuses it)",
        description="Synthetic-face pretraining of VGG-16 or ViT-B/16 with the settings of a "
        "profile's chapter 02; the weights and their card are cached per machine.",
    )
    from ..registry import pretrainable

    p.add_argument(
        "--model",
        choices=pretrainable(),
        action="append",
        help="model(s) to pretrain (default: every model the profile pretrains)",
    )
    p.add_argument(
        "--profile",
        default="demo",
        help="profile whose chapter-02 settings to use (default: %(default)s)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cli_pretrain)


def _cli_pretrain(args: Any) -> int:
    from ..errors import ConfigError
    from ..pretrain import pretrain, profile_plan, read_card

    plan = profile_plan(args.profile)
    wanted = args.model or list(plan)
    missing = [m for m in wanted if m not in plan]
    if missing:
        raise ConfigError(
            f"profile {args.profile!r} does not pretrain {', '.join(missing)}; it pretrains "
            f"{', '.join(plan) or 'nothing'}"
        )
    for name in wanted:
        size, cfg = plan[name]
        run = pretrain(name, size, cfg, progress=not args.quiet)
        card = read_card(run)
        print(
            f"{name} ({size} px): {run / 'weights.pt'} | {card['corpus']['faces']} faces, {card['epochs']} epochs, "
            f"held-out identity top-1 {card['identity_top1']:.2f}, unseen action r {card['unseen_action_r']:.2f}, "
            f"unseen identity 1-NN {card['unseen_identity_1nn']:.2f} (random start "
            f"{card['unseen_identity_1nn_random']:.2f}), {card['total_seconds']:.0f} s"
        )
    return 0
