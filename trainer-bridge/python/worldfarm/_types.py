"""The wire format as typed dictionaries: what `Farm.groups` yields, field for field.

The schema is defined once, in zod, in workers/shared/group.ts (worldfarm.group.v1);
these TypedDicts describe it for type checkers and readers and check nothing at run time.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict

__all__ = ["Sample", "GroupTurn", "Trajectory", "Group", "BatchCreated", "JSON"]

JSON = Dict[str, Any]


class Sample(TypedDict):
    """One training sample: prompt_ids are exactly what the policy received at its first turn;
    response_ids interleave generated tokens (mask 1) with tool output and template tokens (mask 0).
    A logprob is None under mask 0 and where the policy server sent none."""

    prompt_ids: List[int]
    response_ids: List[int]
    response_mask: List[int]
    response_logprobs: List[Optional[float]]
    turns: List[int]
    starts_because: Literal["start", "truncated", "prefix_mismatch"]


class GroupTurn(TypedDict):
    turn: int
    truncated: bool
    outcome: Literal["calls", "answer", "violation"]
    violation: Optional[str]
    format_ok: bool
    finish_reason: Optional[str]
    prompt_token_ids: Optional[List[int]]
    completion_token_ids: Optional[List[int]]
    logprobs: Optional[List[float]]
    tool_results: List[JSON]


class Trajectory(TypedDict):
    trajectory_id: str
    status: Literal["completed", "failed", "cancelled"]
    stop_reason: str
    error: Optional[str]
    reward: float
    reward_components: JSON
    loss_weight: Literal[0, 1]
    num_turns: int
    answer: Optional[str]
    messages: List[JSON]
    turns: List[GroupTurn]
    samples: List[Sample]


class Group(TypedDict):
    """One finished GRPO group: every rollout of one task, failed members included at loss weight 0."""

    schema: Literal["worldfarm.group.v1"]
    type: Literal["group"]
    seq: int
    group_id: str
    batch_id: str
    task: JSON
    policy: JSON
    trajectories: List[Trajectory]
    stats: JSON
    finished_at: str


class BatchCreated(TypedDict):
    batchId: str
    streamUrl: str
    rollouts: int
