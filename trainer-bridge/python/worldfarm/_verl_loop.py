"""What `worldfarm.verl` does, without verl: run one dataset row on the farm, and verl's GRPO
advantage with left-out members kept out of the group. Standard library only, so the logic is
tested here against the contracts read from verl's source (verl b178a3cd).
"""

from __future__ import annotations

import json
import math
import time
import urllib.request
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ._adapters import verl_output
from ._client import Farm
from ._errors import WorldfarmError

__all__ = ["row_task", "served_model", "FarmAgentRunner", "grpo_advantage_leaving_out_masked"]


def row_task(kwargs: Mapping[str, Any]) -> Dict[str, str]:
    """The farm task a verl dataset row names: `extra_info: {"env": ..., "task_id": ...}`
    (verl passes a row's columns to `AgentLoopBase.run` as keyword arguments)."""
    info = kwargs.get("extra_info")
    if not isinstance(info, Mapping) or not isinstance(info.get("env"), str) or not isinstance(info.get("task_id"), str):
        raise WorldfarmError("a worldfarm dataset row needs extra_info = {'env': <environment>, 'task_id': <task id>}; "
                             "worldfarm.verl.task_rows(farm) builds such rows")
    return {"env": info["env"], "taskId": info["task_id"]}


def served_model(base_url: str, timeout: float = 30.0) -> str:
    """The model name a vLLM OpenAI server answers to (verl serves it under the model's path)."""
    with urllib.request.urlopen(f"{base_url}/models", timeout=timeout) as response:
        models = json.load(response).get("data") or []
    if not models or not isinstance(models[0].get("id"), str):
        raise WorldfarmError(f"{base_url}/models lists no model")
    return models[0]["id"]


class FarmAgentRunner:
    """Runs one row as a farm rollout against a given vLLM server and shapes verl's output.

    Args:
        farm: the farm client.
        batch_options: `Farm.create_batch` keyword arguments for every rollout (max_turns,
            tool_format, truncation, reward, rollout_timeout_ms, ...); group_size is always 1,
            since verl runs each of a prompt's n samples as its own agent loop and groups them by uid.
        policy_options: merged into the policy spec, in the farm's camelCase (e.g. `extraBody`).
    """

    def __init__(self, farm: Farm, batch_options: Optional[Mapping[str, Any]] = None, policy_options: Optional[Mapping[str, Any]] = None) -> None:
        self.farm = farm
        self.batch_options = dict(batch_options or {})
        self.batch_options.pop("group_size", None)
        self.policy_options = dict(policy_options or {})

    def policy(self, base_url: str, model: str, sampling_params: Mapping[str, Any], response_length: int) -> Dict[str, Any]:
        spec: Dict[str, Any] = {
            "kind": "openai", "baseUrl": base_url, "model": model,
            # One sample per trajectory whatever the chat template does (see worldfarm._rows).
            "tokenInTokenOut": True, "logprobs": True, "returnTokenIds": True,
            "maxTokens": response_length,
        }
        if "temperature" in sampling_params:
            spec["temperature"] = float(sampling_params["temperature"])
        if "top_p" in sampling_params:
            spec["topP"] = float(sampling_params["top_p"])
        spec.update(self.policy_options)
        return spec

    def run(
        self,
        task: Mapping[str, str],
        *,
        base_url: str,
        model: str,
        sampling_params: Mapping[str, Any],
        prompt_length: int,
        response_length: int,
        fallback_prompt_ids: Sequence[int],
        pad_token_id: int,
        policy_version: Optional[str] = None,
    ) -> Dict[str, Any]:
        """One rollout of `task`: exactly one AgentLoopOutput's keyword arguments."""
        started = time.monotonic()
        options = dict(self.batch_options)
        if policy_version is not None:
            options["policy_version"] = policy_version
        created = self.farm.create_batch([dict(task)], self.policy(base_url, model, sampling_params, response_length), group_size=1, **options)
        groups = list(self.farm.groups(created["batchId"]))
        if len(groups) != 1 or len(groups[0]["trajectories"]) != 1:
            raise WorldfarmError(f"batch {created['batchId']} gave {len(groups)} groups for one rollout")
        [group] = groups
        output = verl_output(group["trajectories"][0], prompt_length=prompt_length, response_length=response_length,
                             fallback_prompt_ids=fallback_prompt_ids, pad_token_id=pad_token_id, group_id=group["group_id"])
        output["metrics"]["generate_sequences"] = time.monotonic() - started
        return output


def grpo_advantage_leaving_out_masked(
    scores: Sequence[float], mask_sums: Sequence[float], index: Sequence[Any], *, epsilon: float = 1e-6, norm_adv_by_std_in_grpo: bool = True
) -> List[float]:
    """verl's `compute_grpo_outcome_advantage` per row, except that rows with no trainable token
    (mask all 0: members left out, whose reward_score was None) are neither in their group's mean
    and std nor given an advantage. Otherwise verl's arithmetic exactly: std over n - 1, a lone
    counted member has mean 0 and std 1."""
    if not (len(scores) == len(mask_sums) == len(index)):
        raise ValueError("scores, mask_sums and index must have one entry per row")
    by_group: Dict[Any, List[float]] = {}
    for score, mask_sum, uid in zip(scores, mask_sums, index):
        if mask_sum > 0:
            by_group.setdefault(uid, []).append(float(score))
    stats: Dict[Any, "tuple[float, float]"] = {}
    for uid, values in by_group.items():
        if len(values) == 1:
            stats[uid] = (0.0, 1.0)
        else:
            mean = sum(values) / len(values)
            stats[uid] = (mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)))
    out = []
    for score, mask_sum, uid in zip(scores, mask_sums, index):
        if mask_sum <= 0:
            out.append(0.0)
            continue
        mean, std = stats[uid]
        out.append((float(score) - mean) / (std + epsilon) if norm_adv_by_std_in_grpo else float(score) - mean)
    return out
