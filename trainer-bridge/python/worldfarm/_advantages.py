"""GRPO's group-relative advantage, in verl's convention."""

from __future__ import annotations

import math
from typing import List

from ._types import Group

__all__ = ["grpo_advantages"]


def grpo_advantages(group: Group, norm_by_std: bool = True, epsilon: float = 1e-6) -> List[float]:
    """One advantage per trajectory, in the group's order: (r - mean) / (std + epsilon).

    As verl's `compute_grpo_outcome_advantage`: std is the sample standard deviation
    (n - 1, torch.std's default) and `norm_by_std=False` gives r - mean (Dr. GRPO).

    Members at loss weight 0 (failed or cancelled rollouts) take no part: the mean and std
    are over the weight-1 members only, so a crash does not shift the others' advantages,
    and they get 0. Where fewer than two members count there is nothing to compare against
    and every advantage is 0. (verl instead gives a lone member r / (1 + epsilon); a group of
    one carries no relative signal, so this bridge does not train on it.)
    """
    weights = [t["loss_weight"] for t in group["trajectories"]]
    rewards = [t["reward"] for t in group["trajectories"] if t["loss_weight"] == 1]
    if len(rewards) < 2:
        return [0.0] * len(weights)
    mean = sum(rewards) / len(rewards)
    std = math.sqrt(sum((r - mean) ** 2 for r in rewards) / (len(rewards) - 1))
    scale = std + epsilon if norm_by_std else 1.0
    return [(t["reward"] - mean) / scale if w == 1 else 0.0 for t, w in zip(group["trajectories"], weights)]
