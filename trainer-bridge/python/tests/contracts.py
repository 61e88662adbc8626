"""What verl and TRL require of the rows they are handed, read from their source and held here, in one place.

Neither library can be installed here (no PyPI), so the integrations are tested against these
transcriptions. Each names the file and commit it was read from; when a library moves, this is
the file to update, and the tests then say which integration no longer fits.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional, Sequence

VERL = "volcengine/verl@b178a3cd5"
TRL = "huggingface/trl@f2cd57710"

# verl/experimental/agent_loop/agent_loop.py @ b178a3cd5: class AgentLoopOutput(BaseModel).
# name -> (required, check); pydantic ignores unknown keys by default, but the integration sends none.
AGENT_LOOP_OUTPUT = {
    "prompt_ids": (True, lambda v: isinstance(v, list) and all(isinstance(i, int) for i in v)),
    "response_ids": (True, lambda v: isinstance(v, list) and all(isinstance(i, int) for i in v)),
    "response_mask": (True, lambda v: isinstance(v, list) and all(i in (0, 1) for i in v)),
    "response_logprobs": (False, lambda v: v is None or (isinstance(v, list) and all(isinstance(x, float) for x in v))),
    "routed_experts": (False, lambda v: True),
    "multi_modal_data": (False, lambda v: v is None or isinstance(v, dict)),
    "reward_score": (False, lambda v: v is None or isinstance(v, float)),
    "num_turns": (False, lambda v: isinstance(v, int)),
    "metrics": (True, lambda v: isinstance(v, dict) and set(v) <= set(AGENT_LOOP_METRICS)),
    "extra_fields": (False, lambda v: isinstance(v, dict)),
}
# Same file: class AgentLoopMetrics(BaseModel).
AGENT_LOOP_METRICS = {"generate_sequences": float, "tool_calls": float, "num_preempted": int}


def check_agent_loop_output(output: Mapping[str, Any], prompt_length: int, response_length: int) -> None:
    """AgentLoopOutput(**output) validates, and AgentLoopWorker._agent_loop_postprocess can pad it:
    it pads prompt_ids to rollout.prompt_length and response_ids, response_mask to
    rollout.response_length with tokenizer.pad (which never truncates), and logprobs with
    `output.response_logprobs + [0.0] * (response_length - len(...))`."""
    for name, (required, check) in AGENT_LOOP_OUTPUT.items():
        if required and name not in output:
            raise AssertionError(f"AgentLoopOutput needs {name}")
        if name in output and not check(output[name]):
            raise AssertionError(f"AgentLoopOutput.{name} has the wrong type: {output[name]!r:.200}")
    unknown = set(output) - set(AGENT_LOOP_OUTPUT)
    if unknown:
        raise AssertionError(f"not AgentLoopOutput fields: {sorted(unknown)}")
    for name, kind in AGENT_LOOP_METRICS.items():
        if name in output["metrics"] and not isinstance(output["metrics"][name], kind):
            raise AssertionError(f"AgentLoopMetrics.{name} must be {kind.__name__}")
    n = len(output["response_ids"])
    if not 0 < len(output["prompt_ids"]) <= prompt_length:
        raise AssertionError(f"prompt of {len(output['prompt_ids'])} ids does not fit prompt_length {prompt_length}")
    if not 0 < n <= response_length:
        raise AssertionError(f"response of {n} ids does not fit response_length {response_length}")
    if len(output["response_mask"]) != n:
        raise AssertionError("response_mask must have one entry per response id")
    if output.get("response_logprobs") is not None and len(output["response_logprobs"]) != n:
        raise AssertionError("response_logprobs must have one entry per response id")


def check_agent_loop_batch(outputs: Sequence[Mapping[str, Any]]) -> None:
    """AgentLoopWorker._postprocess: `if inputs[0].response_logprobs is not None` it torch.cat's every
    row's logprobs, so they are all lists or all None; rm_scores are set only when every reward_score is
    not None, else verl's reward loop (reward_model.use_reward_loop, default True) scores the None ones."""
    kinds = {o.get("response_logprobs") is None for o in outputs}
    if len(kinds) > 1:
        raise AssertionError("response_logprobs must be given for every row of a batch or for none")


def verl_grpo(scores: Sequence[float], index: Sequence[Any], epsilon: float = 1e-6, norm_adv_by_std_in_grpo: bool = True) -> List[float]:
    """verl/trainer/ppo/core_algos.py @ b178a3cd5, compute_grpo_outcome_advantage, per row: a lone
    member gets mean 0 and std 1; otherwise torch.mean and torch.std (n - 1)."""
    groups: Dict[Any, List[float]] = {}
    for s, i in zip(scores, index):
        groups.setdefault(i, []).append(s)
    stats = {}
    for i, values in groups.items():
        if len(values) == 1:
            stats[i] = (0.0, 1.0)
        else:
            mean = sum(values) / len(values)
            stats[i] = (mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)))
    return [(s - stats[i][0]) / (stats[i][1] + epsilon) if norm_adv_by_std_in_grpo else s - stats[i][0] for s, i in zip(scores, index)]


# verl/trainer/ppo/ray_trainer.py @ b178a3cd5, compute_advantage: a registered estimator other than
# GAE and GRPO is called with exactly these keyword arguments (index when the batch has uid).
VERL_ESTIMATOR_KWARGS = ("token_level_rewards", "response_mask", "config", "index")

# trl/trainer/grpo_trainer.py @ f2cd57710, GRPOTrainer._generate: the keys a rollout_func must return;
# every other key is an extra field, `env_mask` is popped as the tool mask, the rest reach reward
# functions as `inp[key] = values[i]`.
ROLLOUT_FUNC_REQUIRED = ("prompt_ids", "completion_ids", "logprobs")


def check_rollout_func_output(output: Mapping[str, Any], prompts: Sequence[Any]) -> None:
    """GRPOTrainer._generate and _generate_and_score_completions: one row per prompt, in order (rewards
    are grouped by position with view(-1, num_generations)); `ids[-1]` is read from every completion;
    logprobs and env_mask are per completion token."""
    missing = [k for k in ROLLOUT_FUNC_REQUIRED if k not in output]
    if missing:
        raise AssertionError(f"rollout_func must return keys {missing}")
    for key, values in output.items():
        if isinstance(values, list) and len(values) != len(prompts):
            raise AssertionError(f"{key} has {len(values)} entries for {len(prompts)} prompts")
    for i, ids in enumerate(output["completion_ids"]):
        if not ids:
            raise AssertionError(f"completion {i} is empty (TRL reads ids[-1])")
        if len(output["logprobs"][i]) != len(ids):
            raise AssertionError(f"logprobs {i} must have one entry per completion id")
        if not all(isinstance(x, float) for x in output["logprobs"][i]):
            raise AssertionError(f"logprobs {i} must be floats: TRL turns them into a tensor")
        if "env_mask" in output and len(output["env_mask"][i]) != len(ids):
            raise AssertionError(f"env_mask {i} must have one entry per completion id")


def trl_advantages(rewards: Sequence[Optional[float]], num_generations: int, scale_rewards: str = "group") -> List[float]:
    """_generate_and_score_completions, sum_then_normalize with one reward function of weight 1: None
    is NaN (unscorable), nanmean per group of `num_generations` consecutive rows, nanstd (n - 1, NaN for
    fewer than two), advantages / (std + 1e-4) unless scale_rewards is "none", then nan_to_num(0)."""
    values = [math.nan if r is None else float(r) for r in rewards]

    def nanstd(xs: Sequence[float]) -> float:
        kept = [x for x in xs if not math.isnan(x)]
        if len(kept) < 2:
            return math.nan
        mean = sum(kept) / len(kept)
        return math.sqrt(sum((x - mean) ** 2 for x in kept) / (len(kept) - 1))

    out = []
    for start in range(0, len(values), num_generations):
        group = values[start:start + num_generations]
        kept = [x for x in group if not math.isnan(x)]
        mean = sum(kept) / len(kept) if kept else math.nan
        std = nanstd(values) if scale_rewards == "batch" else nanstd(group)
        for x in group:
            a = x - mean
            if scale_rewards != "none":
                a = a / (std + 1e-4)
            out.append(0.0 if math.isnan(a) else a)
    return out


# trl/experimental/async_grpo/async_rollout_worker.py @ f2cd57710: @dataclass RolloutSample.
ROLLOUT_SAMPLE_FIELDS = ("prompt", "completion", "input_ids", "completion_mask", "old_log_probs", "advantage", "model_version", "group_id", "metrics")
# trl/experimental/async_grpo/async_grpo_trainer.py @ f2cd57710: RolloutWorkerProtocol.
ROLLOUT_WORKER_METHODS = ("start", "stop", "update_model_version", "check_health")


def check_rollout_sample(sample: Mapping[str, Any]) -> None:
    """RolloutSample's fields, and what RolloutQueueDataset.__iter__ yields from them to the trainer:
    input_ids (prompt included), completion_mask (1 = train) and old_log_probs (0.0 where mask is 0),
    one entry per input id."""
    if tuple(sample) != ROLLOUT_SAMPLE_FIELDS:
        raise AssertionError(f"RolloutSample fields are {ROLLOUT_SAMPLE_FIELDS}, got {tuple(sample)}")
    n = len(sample["input_ids"])
    if len(sample["completion_mask"]) != n or len(sample["old_log_probs"]) != n:
        raise AssertionError("completion_mask and old_log_probs must have one entry per input id")
    if any(lp != 0.0 for lp, m in zip(sample["old_log_probs"], sample["completion_mask"]) if m == 0):
        raise AssertionError("old_log_probs are 0.0 where the mask is 0")
    if not isinstance(sample["group_id"], int) or not isinstance(sample["model_version"], int):
        raise AssertionError("group_id and model_version are ints")


def trl_async_advantages(rewards: Sequence[Optional[float]]) -> List[float]:
    """_AsyncRolloutLoop._score_group: None is NaN and gets advantage 0; the others
    (r - mean) / (np.std + 1e-8), std over n."""
    kept = [r for r in rewards if r is not None]
    if not kept:
        return [0.0] * len(rewards)
    mean = sum(kept) / len(kept)
    std = math.sqrt(sum((r - mean) ** 2 for r in kept) / len(kept))
    return [0.0 if r is None else (r - mean) / (std + 1e-8) for r in rewards]
