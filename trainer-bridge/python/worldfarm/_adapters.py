"""A group as the rows verl's agent loop and TRL's `rollout_func` return: one per trajectory.

Both libraries compute advantages themselves from the rewards they are given, so the rows
carry rewards, not advantages: None for a member left out (see `worldfarm._rows`), which TRL
keeps out of its group baseline and `worldfarm.verl`'s estimator keeps out of verl's.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ._rows import chat_turns, trajectory_row
from ._types import Group, Trajectory

__all__ = ["to_verl", "to_trl", "verl_output"]


def verl_output(
    trajectory: Trajectory,
    *,
    prompt_length: int,
    response_length: int,
    fallback_prompt_ids: Sequence[int] = (),
    pad_token_id: int = 0,
    group_id: Optional[str] = None,
) -> Dict[str, Any]:
    """One trajectory as the keyword arguments of verl's `AgentLoopOutput` (verl b178a3cd,
    verl/experimental/agent_loop/agent_loop.py), cut to the rollout's `prompt_length` and
    `response_length` as verl's padding needs (it pads to those lengths and never truncates).

    A prompt longer than `prompt_length` keeps its last tokens and the row is left out: the
    policy never generated in that shortened context. `extra_fields["worldfarm"]` says what was
    done and why; `metrics` are verl's `AgentLoopMetrics` fields (the agent loop fills in times).
    """
    row = trajectory_row(trajectory)
    prompt, response, mask = row.tokens(fallback_prompt_ids, pad_token_id)
    reason = row.reason
    if len(prompt) > prompt_length:
        prompt = prompt[-prompt_length:]
        reason = reason or "prompt_too_long"
    if reason is not None:
        mask = [0] * len(mask)
    response_truncated = len(response) > response_length
    response, mask = response[:response_length], mask[:response_length]
    return {
        "prompt_ids": prompt,
        "response_ids": response,
        "response_mask": mask,
        "response_logprobs": row.logprobs(len(response)),
        "multi_modal_data": {},
        "reward_score": float(trajectory["reward"]) if reason is None else None,
        "num_turns": chat_turns(trajectory),
        "metrics": {"generate_sequences": 0.0, "tool_calls": 0.0, "num_preempted": -1},
        "extra_fields": {
            "worldfarm": {
                "trajectory_id": trajectory["trajectory_id"],
                "group_id": group_id,
                "status": trajectory["status"],
                "stop_reason": trajectory["stop_reason"],
                "farm_reward": float(trajectory["reward"]),
                "left_out": reason,
                "response_truncated": response_truncated,
                "policy_turns": trajectory["num_turns"],
            },
        },
    }


def to_verl(group: Group, *, prompt_length: int, response_length: int, fallback_prompt_ids: Sequence[int] = (), pad_token_id: int = 0) -> List[Dict[str, Any]]:
    """The group as verl `AgentLoopOutput` keyword arguments, one per trajectory in order
    (see `verl_output`); `extra_fields["worldfarm"]["group_id"]` names the group."""
    return [
        verl_output(t, prompt_length=prompt_length, response_length=response_length, fallback_prompt_ids=fallback_prompt_ids,
                    pad_token_id=pad_token_id, group_id=group["group_id"])
        for t in group["trajectories"]
    ]


def to_trl(group: Group, *, eos_token_id: int, fallback_prompt_ids: Sequence[int] = ()) -> Dict[str, List[Any]]:
    """The group as the dict of lists a TRL `GRPOTrainer` `rollout_func` returns (TRL f2cd5771,
    trl/trainer/grpo_trainer.py), one entry per trajectory in order.

    `prompt_ids`, `completion_ids` (never empty: TRL reads `ids[-1]`), `logprobs`, `env_mask`
    (1 where the model generated the token; TRL multiplies it into the completion mask), and
    for reward functions `reward` (None for a member left out: TRL's unscorable value, kept out
    of the group's mean and std), `left_out`, `trajectory_id`, `group_id`.
    A member with no tokens takes `fallback_prompt_ids` and `[eos_token_id]` under mask 0.
    """
    out: Dict[str, List[Any]] = {k: [] for k in ("prompt_ids", "completion_ids", "logprobs", "env_mask", "reward", "left_out", "trajectory_id", "group_id")}
    for trajectory in group["trajectories"]:
        row = trajectory_row(trajectory)
        prompt, completion, mask = row.tokens(fallback_prompt_ids, eos_token_id)
        out["prompt_ids"].append(prompt)
        out["completion_ids"].append(completion)
        out["logprobs"].append(row.logprobs(len(completion)))
        out["env_mask"].append(mask)
        out["reward"].append(row.reward)
        out["left_out"].append(row.reason)
        out["trajectory_id"].append(trajectory["trajectory_id"])
        out["group_id"].append(group["group_id"])
    return out
