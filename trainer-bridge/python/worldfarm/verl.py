"""worldfarm for verl: an agent loop that runs each dataset row on the farm, and the GRPO
advantage estimator that keeps the members it leaves out out of the group statistics.

Written against verl b178a3cd (2026-01-29): `AgentLoopBase`, `AgentLoopOutput`,
`AgentLoopMetrics` and `register` in verl/experimental/agent_loop/agent_loop.py;
`register_adv_est` and `compute_grpo_outcome_advantage` in verl/trainer/ppo/core_algos.py;
`compute_advantage` in verl/trainer/ppo/ray_trainer.py. Importing this module imports verl,
torch and ray; nothing else in `worldfarm` does.

    python -m worldfarm.verl <verl's main_ppo overrides>, with
    actor_rollout_ref.rollout.agent.default_agent_loop=worldfarm
    actor_rollout_ref.rollout.agent.agent_loop_config_path=<a yaml listing
        - name: worldfarm
          _target_: worldfarm.verl.WorldfarmAgentLoop>
    algorithm.adv_estimator=worldfarm_grpo
    custom_reward_function.path=<worldfarm/verl_reward.py> custom_reward_function.name=compute_score

The farm is named by WORLDFARM_URL (and FARM_ADMIN_TOKEN for a deployed one) in the agent loop
workers' environment; WORLDFARM_BATCH_OPTIONS may hold `Farm.create_batch` keyword arguments as
JSON (max_turns, tool_format, truncation, reward, ...).
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any, Dict, List
from uuid import uuid4

import numpy as np
import torch
from verl.experimental.agent_loop.agent_loop import AgentLoopBase, AgentLoopMetrics, AgentLoopOutput, register
from verl.trainer.ppo.core_algos import register_adv_est

from ._client import Farm
from ._verl_loop import FarmAgentRunner, grpo_advantage_leaving_out_masked, row_task, served_model

__all__ = ["WorldfarmAgentLoop", "compute_worldfarm_grpo_advantage", "task_rows"]


def _runner() -> FarmAgentRunner:
    url = os.environ.get("WORLDFARM_URL")
    if not url:
        raise RuntimeError("set WORLDFARM_URL (and FARM_ADMIN_TOKEN for a deployed farm) in the agent loop workers' environment")
    return FarmAgentRunner(Farm(url, os.environ.get("FARM_ADMIN_TOKEN")), json.loads(os.environ.get("WORLDFARM_BATCH_OPTIONS", "{}")))


@register("worldfarm")
class WorldfarmAgentLoop(AgentLoopBase):
    """One trajectory per call, run on the farm against this worker's own vLLM server."""

    _models: Dict[str, str] = {}

    async def run(self, sampling_params: Dict[str, Any], **kwargs: Any) -> AgentLoopOutput:
        task = row_task(kwargs)
        # The server verl would send this request to; its OpenAI API serves the farm's rollout.
        server = self.server_manager._choose_server(uuid4().hex)
        host, port = await server.get_server_address.remote()
        host = f"[{host}]" if ":" in host else host
        base_url = f"http://{host}:{port}/v1"
        rollout = self.config.actor_rollout_ref.rollout
        prompt_ids = await self.apply_chat_template(kwargs["raw_prompt"])
        loop = asyncio.get_running_loop()
        if base_url not in self._models:
            self._models[base_url] = await loop.run_in_executor(None, served_model, base_url)
        output = await loop.run_in_executor(None, lambda: _runner().run(
            task, base_url=base_url, model=self._models[base_url], sampling_params=sampling_params,
            prompt_length=rollout.prompt_length, response_length=rollout.response_length,
            fallback_prompt_ids=prompt_ids, pad_token_id=self.tokenizer.pad_token_id or 0,
        ))
        output["metrics"] = AgentLoopMetrics(**output["metrics"])
        return AgentLoopOutput(**output)


@register_adv_est("worldfarm_grpo")
def compute_worldfarm_grpo_advantage(token_level_rewards: torch.Tensor, response_mask: torch.Tensor, index: np.ndarray, config: Any = None, **kwargs: Any):
    """verl's GRPO outcome advantage, except that rows with an all-zero response mask (members
    the agent loop left out: failed, cancelled, split, without logprobs) neither count in their
    group's mean and std nor get an advantage. verl calls a registered estimator with
    token_level_rewards, response_mask, config and index (ray_trainer.compute_advantage)."""
    norm = bool(config.get("norm_adv_by_std_in_grpo", True)) if config is not None else True
    scores: List[float] = token_level_rewards.sum(dim=-1).tolist()
    mask_sums: List[float] = response_mask.sum(dim=-1).tolist()
    advantages = grpo_advantage_leaving_out_masked(scores, mask_sums, list(index), norm_adv_by_std_in_grpo=norm)
    out = torch.tensor(advantages, dtype=token_level_rewards.dtype, device=token_level_rewards.device).unsqueeze(-1) * response_mask
    return out, out


def task_rows(farm: Farm, envs: Dict[str, Any]) -> List[Dict[str, Any]]:
    """verl dataset rows (RLHFDataset's prompt / data_source / extra_info columns) for the tasks
    `envs` selects ({"shop": "all"} or {"shop": ["task-id", ...]}), with the farm's task prompts."""
    from ._tasks import task_list

    return [{"data_source": "worldfarm", "prompt": [{"role": "user", "content": t["prompt"]}],
             "extra_info": {"env": t["env"], "task_id": t["task_id"]}} for t in task_list(farm, envs)]


def main() -> None:
    """verl's main_ppo (verl/trainer/main_ppo.py at b178a3cd) with this module imported where verl's trainer runs:
    `run_ppo` runs the trainer in a `TaskRunner` ray actor, whose process must have `worldfarm_grpo` registered."""
    import hydra
    import ray
    from verl.trainer import main_ppo
    from verl.utils.device import auto_set_device

    class WorldfarmTaskRunner(main_ppo.TaskRunner):
        def run(self, config: Any) -> Any:
            import worldfarm.verl  # noqa: F401  registers the estimator in the trainer's process

            return super().run(config)

    @hydra.main(config_path=os.path.join(os.path.dirname(main_ppo.__file__), "config"), config_name="ppo_trainer", version_base=None)
    def run(config: Any) -> None:
        auto_set_device(config)
        main_ppo.run_ppo(config, task_runner_class=ray.remote(num_cpus=1)(WorldfarmTaskRunner))

    run()


if __name__ == "__main__":
    main()
