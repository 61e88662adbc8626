"""A group as rows in verl's and TRL's field names: one row per sample.

A trajectory has several samples where truncation or the chat template rewrote its
history; each sample is a row carrying its trajectory's reward and advantage. A
trajectory with no samples (it failed before the policy answered, or the policy
returns no token ids) still gives one empty row, so a group keeps one row per member.
A loss-weight-0 member's rows keep their tokens but have an all-zero mask, and say
`loss_weight: 0`, so a trainer that reads only the mask still never trains on them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ._advantages import grpo_advantages
from ._types import Group, Sample

__all__ = ["to_verl", "to_trl"]

_EMPTY: Sample = {"prompt_ids": [], "response_ids": [], "response_mask": [], "response_logprobs": [], "turns": [0, 0], "starts_because": "start"}


def _rows(group: Group, advantages: Optional[Sequence[float]]) -> List[Dict[str, Any]]:
    advantages = grpo_advantages(group) if advantages is None else advantages
    if len(advantages) != len(group["trajectories"]):
        raise ValueError(f"got {len(advantages)} advantages for a group of {len(group['trajectories'])}")
    rows = []
    for trajectory, advantage in zip(group["trajectories"], advantages):
        weight = trajectory["loss_weight"]
        for index, sample in enumerate(trajectory["samples"] or [_EMPTY]):
            mask = sample["response_mask"] if weight == 1 else [0] * len(sample["response_mask"])
            rows.append({"trajectory": trajectory, "sample": sample, "index": index, "mask": mask, "advantage": float(advantage) if weight == 1 else 0.0})
    return rows


def to_verl(group: Group, advantages: Optional[Sequence[float]] = None) -> List[Dict[str, Any]]:
    """One dict per sample with verl's names: the fields of its agent loop's `AgentLoopOutput`
    (prompt_ids, response_ids, response_mask, response_logprobs, reward_score, num_turns) and of
    the DataProto its trainer builds (rollout_log_probs, token_level_scores with the reward on the
    last response token, advantages per token, uid = the group id GRPO groups by).

    Args:
        group: a group from `Farm.groups`.
        advantages: one per trajectory; `grpo_advantages(group)` when omitted.
    """
    out = []
    for row in _rows(group, advantages):
        trajectory, sample = row["trajectory"], row["sample"]
        length = len(sample["response_ids"])
        scores = [0.0] * length
        if length:
            scores[-1] = float(trajectory["reward"])
        out.append({
            "uid": group["group_id"],
            "trajectory_id": trajectory["trajectory_id"],
            "sample_index": row["index"],
            "starts_because": sample["starts_because"],
            "prompt_ids": list(sample["prompt_ids"]),
            "response_ids": list(sample["response_ids"]),
            "response_mask": row["mask"],
            "response_logprobs": list(sample["response_logprobs"]),
            "rollout_log_probs": list(sample["response_logprobs"]),
            "reward_score": float(trajectory["reward"]),
            "token_level_scores": scores,
            "advantages": [row["advantage"] * m for m in row["mask"]],
            "num_turns": trajectory["num_turns"],
            "loss_weight": trajectory["loss_weight"],
        })
    return out


def to_trl(group: Group, advantages: Optional[Sequence[float]] = None) -> Dict[str, List[Any]]:
    """The group as the dict of lists a TRL `GRPOTrainer` `rollout_func` returns: prompt_ids,
    completion_ids, logprobs and env_mask (1 where the model generated the token, 0 for tool
    output, which TRL multiplies into the completion mask), one entry per sample; the extra
    keys (reward, advantages, uid, trajectory_id, loss_weight, num_turns) reach reward
    functions as keyword arguments, so `lambda reward, **_: reward` scores with the farm's reward.
    """
    rows = _rows(group, advantages)
    return {
        "prompt_ids": [list(r["sample"]["prompt_ids"]) for r in rows],
        "completion_ids": [list(r["sample"]["response_ids"]) for r in rows],
        "logprobs": [list(r["sample"]["response_logprobs"]) for r in rows],
        "env_mask": [r["mask"] for r in rows],
        "reward": [float(r["trajectory"]["reward"]) for r in rows],
        "advantages": [r["advantage"] for r in rows],
        "uid": [group["group_id"] for _ in rows],
        "trajectory_id": [r["trajectory"]["trajectory_id"] for r in rows],
        "loss_weight": [r["trajectory"]["loss_weight"] for r in rows],
        "num_turns": [r["trajectory"]["num_turns"] for r in rows],
    }
