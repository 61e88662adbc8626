"""GRPO's group-relative advantage, in the convention of the library that will train on it.

Each library computes its own advantages from the rewards it is given; these reproduce them,
named, so a trainer that uses the farm's groups directly gets the numbers its library would:

- "verl": `compute_grpo_outcome_advantage` (verl b178a3cd, verl/trainer/ppo/core_algos.py):
  (r - mean) / (std + 1e-6), std over n - 1 (torch.std); a lone member has mean 0 and std 1,
  so its advantage is r / (1 + 1e-6). `norm_by_std=False` is Dr. GRPO's r - mean.
- "trl": `GRPOTrainer._generate_and_score_completions` (TRL f2cd5771, trl/trainer/grpo_trainer.py):
  (r - nanmean) / (nanstd + 1e-4), nanstd over n - 1 and NaN for a lone member, which
  `nan_to_num` turns into advantage 0; `scale_rewards` "group" (default), "batch" (std over every
  counted member of `batch`) or "none" (r - mean).
- "trl_async": `_AsyncRolloutLoop._score_group` (TRL f2cd5771,
  trl/experimental/async_grpo/async_rollout_worker.py): (r - mean) / (std + 1e-8), std over n
  (numpy's default).

In every convention a member at loss weight 0 (failed or cancelled) counts as TRL's unscorable
`None` reward: it stays out of the mean and std and gets advantage 0, so a crash never shifts the
others' advantages. (Stock verl has no such notion; `worldfarm.verl` registers an estimator that
gives it one.)
"""

from __future__ import annotations

import math
from typing import List, Optional, Sequence

from ._types import Group

__all__ = ["grpo_advantages", "CONVENTIONS"]

CONVENTIONS = ("verl", "trl", "trl_async")


def _counted(group: Group) -> List[float]:
    return [float(t["reward"]) for t in group["trajectories"] if t["loss_weight"] == 1]


def _std(values: Sequence[float], ddof: int) -> float:
    if len(values) - ddof <= 0:
        return math.nan
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - ddof))


def grpo_advantages(
    group: Group,
    convention: str = "verl",
    *,
    norm_by_std: bool = True,
    scale_rewards: str = "group",
    batch: Optional[Sequence[Group]] = None,
) -> List[float]:
    """One advantage per trajectory, in the group's order, as `convention` computes it.

    Args:
        group: a group from `Farm.groups`.
        convention: "verl", "trl" or "trl_async" (see the module's doc for each formula).
        norm_by_std: verl's `norm_adv_by_std_in_grpo`; False gives r - mean.
        scale_rewards: TRL's `GRPOConfig.scale_rewards`: "group", "batch" or "none".
        batch: for TRL's "batch" scaling, the groups whose counted rewards make the std
            (this group alone when omitted).
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, not {convention!r}")
    rewards = _counted(group)
    weights = [t["loss_weight"] for t in group["trajectories"]]
    if not rewards:
        return [0.0] * len(weights)
    mean = sum(rewards) / len(rewards)
    if convention == "verl":
        if len(rewards) == 1:
            mean, std = 0.0, 1.0
        else:
            std = _std(rewards, 1)
        scale = std + 1e-6 if norm_by_std else 1.0
    elif convention == "trl":
        if scale_rewards not in ("group", "batch", "none"):
            raise ValueError(f"scale_rewards must be 'group', 'batch' or 'none', not {scale_rewards!r}")
        if scale_rewards == "none":
            scale = 1.0
        elif scale_rewards == "batch":
            scale = _std([r for g in (batch or [group]) for r in _counted(g)], 1) + 1e-4
        else:
            scale = _std(rewards, 1) + 1e-4
    else:
        scale = _std(rewards, 0) + 1e-8
    out = []
    for trajectory, weight in zip(group["trajectories"], weights):
        value = (float(trajectory["reward"]) - mean) / scale if weight == 1 else 0.0
        out.append(0.0 if math.isnan(value) else value)
    return out
