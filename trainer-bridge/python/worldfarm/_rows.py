"""Which of a trajectory's tokens a trainer may learn from, decided once for every integration.

verl's agent loop and TRL's `rollout_func` take exactly one row per trajectory. A trajectory
is trainable as one row when it completed and is one sample: its turns' prompts extend each
other, so every generated token sits in the row exactly once, in the context it was sampled
in, and the reward is counted once. The policy's token-in-token-out mode
(`"tokenInTokenOut": true`, which the integrations turn on) makes that so whatever the chat
template does; only a truncation that rewrote the history still splits a trajectory.

Anything else is *left out*: the row keeps tokens so the library's shapes hold, under an
all-zero mask, with reward None, and `reason` says why:

- "failed" / "cancelled": the rollout did not finish (loss weight 0);
- "no_token_ids": the policy server returned no token ids, so there is nothing to train on;
- "split": several samples (history truncation); one row cannot hold them without training
  tokens in a context the policy never saw. TRL's async trainer takes one row per sample
  (`worldfarm.trl.FarmRolloutWorker`), so there a split trajectory is trained whole;
- "no_logprobs": a generated token came without its logprob. verl and TRL would use a
  stand-in as the sampling probability, so the integrations refuse the row instead (see
  `Row.logprobs`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ._types import Sample, Trajectory

__all__ = ["Row", "trajectory_row", "chat_turns"]


class Row:
    """One trajectory as a single training row, before any library's shapes are applied."""

    __slots__ = ("trajectory", "sample", "reason")

    def __init__(self, trajectory: Trajectory, sample: Optional[Sample], reason: Optional[str]) -> None:
        self.trajectory = trajectory
        self.sample = sample
        self.reason = reason

    @property
    def trainable(self) -> bool:
        return self.reason is None

    @property
    def reward(self) -> Optional[float]:
        """The farm's reward, or None for a row left out (TRL's and verl's "no reward" value)."""
        return float(self.trajectory["reward"]) if self.trainable else None

    def tokens(self, fallback_prompt_ids: Sequence[int], filler_id: int) -> "tuple[List[int], List[int], List[int]]":
        """prompt ids, response ids and mask; a row left out is all mask 0, and never empty.

        A trajectory without samples has no tokens of its own: it takes `fallback_prompt_ids`
        (the task's prompt, tokenized by the caller) and one `filler_id` as its response, since
        both libraries index the last response token.
        """
        if self.sample is None:
            if not fallback_prompt_ids:
                raise ValueError("a trajectory without token ids needs the task's prompt ids to fill its row")
            return list(fallback_prompt_ids), [filler_id], [0]
        prompt = list(self.sample["prompt_ids"])
        response = list(self.sample["response_ids"]) or [filler_id]
        mask = list(self.sample["response_mask"]) if self.trainable else [0] * len(response)
        return prompt, response, mask or [0]

    def logprobs(self, length: int) -> List[float]:
        """Logprobs for `length` response tokens: 0.0 under mask 0, where neither library reads
        them into the loss (verl pads with 0.0 there itself). A trainable row always has every
        generated token's logprob, so no stand-in ever lands under mask 1."""
        if self.sample is None or not self.trainable:
            return [0.0] * length
        return [0.0 if lp is None else float(lp) for lp in self.sample["response_logprobs"]][:length]


def trajectory_row(trajectory: Trajectory) -> Row:
    """The trajectory as one row, or the reason it is left out."""
    samples = trajectory["samples"]
    last = samples[-1] if samples else None
    if trajectory["loss_weight"] != 1:
        return Row(trajectory, last, "cancelled" if trajectory["status"] == "cancelled" else "failed")
    if not samples:
        return Row(trajectory, None, "no_token_ids")
    if len(samples) > 1:
        return Row(trajectory, last, "split")
    sample = samples[0]
    if any(lp is None for lp, m in zip(sample["response_logprobs"], sample["response_mask"]) if m == 1):
        return Row(trajectory, sample, "no_logprobs")
    return Row(trajectory, sample, None)


def chat_turns(trajectory: Trajectory) -> int:
    """verl's `num_turns`: every chat message but the system prompt (user, assistant, tool)."""
    messages: List[Dict[str, Any]] = trajectory["messages"]
    return sum(1 for m in messages if m.get("role") != "system")
