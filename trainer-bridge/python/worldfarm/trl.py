"""worldfarm for TRL: a `rollout_func` for `GRPOTrainer`, and a rollout worker for the
experimental `AsyncGRPOTrainer`, both running the trainer's prompts as farm rollouts.

Written against TRL f2cd5771: `GRPOTrainer.__init__(rollout_func=...)`, `_generate` and
`_generate_and_score_completions` in trl/trainer/grpo_trainer.py; `RolloutWorkerProtocol` in
trl/experimental/async_grpo/async_grpo_trainer.py; `RolloutSample` and `_score_group` in
trl/experimental/async_grpo/async_rollout_worker.py. TRL itself is imported only when the
async worker starts and builds its first `RolloutSample`.
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ._adapters import to_trl
from ._advantages import grpo_advantages
from ._client import Farm
from ._errors import WorldfarmError
from ._tasks import task_list
from ._types import Group

__all__ = ["FarmRollouts", "FarmRolloutWorker", "async_rows", "prompt_text"]


def prompt_text(prompt: Any) -> str:
    """A dataset prompt's text: the string, or the last user message's content."""
    if isinstance(prompt, str):
        return prompt
    users = [m for m in prompt if isinstance(m, Mapping) and m.get("role") == "user"]
    if not users or not isinstance(users[-1].get("content"), str):
        raise WorldfarmError(f"a prompt must be a string or messages with a user message, not {prompt!r}")
    return users[-1]["content"]


def _tokenizer(trainer: Any) -> Any:
    processing = trainer.processing_class
    return getattr(processing, "tokenizer", processing)


def _farm_policy(policy: Mapping[str, Any]) -> Dict[str, Any]:
    # One sample per trajectory whatever the chat template does (see worldfarm._rows).
    return {**dict(policy), "tokenInTokenOut": True, "logprobs": True, "returnTokenIds": True}


class FarmRollouts:
    """TRL `rollout_func`: `GRPOTrainer(..., train_dataset=rollouts.dataset(), rollout_func=rollouts)`.

    TRL's sampler repeats each prompt `num_generations` times in a row and groups rewards by
    position; this runs each such run of one prompt as one farm group of that size and returns
    exactly `len(prompts)` rows in the prompts' order. A row is never empty; a member the farm
    could not train on (failed, cancelled, split, without token ids or logprobs) has
    `env_mask` all 0 and `reward` None, which TRL leaves out of its group baseline.
    Score with the farm's reward: `reward_funcs=[worldfarm.trl.farm_reward]`.

    Args:
        farm: the farm client.
        policy: the policy spec (the vLLM server TRL syncs weights into, with its OpenAI API).
        envs: the tasks to train on, {"shop": "all"} or {"shop": ["task-id", ...]}.
        batch_options: `Farm.create_batch` keyword arguments (max_turns, tool_format, ...).
    """

    def __init__(self, farm: Farm, policy: Mapping[str, Any], envs: Mapping[str, Any], **batch_options: Any) -> None:
        self.farm = farm
        self.policy = _farm_policy(policy)
        self.batch_options = batch_options
        self.batch_options.pop("group_size", None)
        self.tasks = {t["prompt"]: t for t in task_list(farm, envs)}

    def dataset(self) -> List[Dict[str, Any]]:
        """One row per task, conversational: {"prompt": [{"role": "user", "content": ...}], "env", "task_id"}."""
        return [{"prompt": [{"role": "user", "content": p}], "env": t["env"], "task_id": t["task_id"]} for p, t in self.tasks.items()]

    def _task(self, prompt: Any) -> Dict[str, str]:
        text = prompt_text(prompt)
        if text not in self.tasks:
            raise WorldfarmError(f"no farm task has the prompt {text[:80]!r}; build the dataset with FarmRollouts.dataset()")
        return self.tasks[text]

    def __call__(self, prompts: Sequence[Any], trainer: Any) -> Dict[str, List[Any]]:
        runs: List[Tuple[Dict[str, str], int, Any]] = []
        for _, same in itertools.groupby(prompts, key=prompt_text):
            same = list(same)
            runs.append((self._task(same[0]), len(same), same[0]))
        step = getattr(getattr(trainer, "state", None), "global_step", None)
        groups: Dict[int, Group] = {}
        for size in sorted({size for _, size, _ in runs}):
            wanted = [i for i, (_, s, _) in enumerate(runs) if s == size]
            tasks = [{"env": runs[i][0]["env"], "taskId": runs[i][0]["task_id"]} for i in wanted]
            created = self.farm.create_batch(tasks, self.policy, group_size=size,
                                             **({"policy_version": f"step-{step}"} if step is not None else {}), **self.batch_options)
            waiting = list(wanted)
            for group in self.farm.groups(created["batchId"]):
                match = next((i for i in waiting if runs[i][0]["env"] == group["task"]["env"] and runs[i][0]["task_id"] == group["task"]["task_id"]), None)
                if match is None or len(group["trajectories"]) != size:
                    raise WorldfarmError(f"batch {created['batchId']} sent group {group['group_id']} that no run of prompts asked for")
                waiting.remove(match)
                groups[match] = group
            if waiting:
                raise WorldfarmError(f"batch {created['batchId']} ended without a group for {len(waiting)} of its tasks")
        tokenizer = _tokenizer(trainer)
        out: Dict[str, List[Any]] = {}
        for i, (_, _, prompt) in enumerate(runs):
            group = groups[i]
            fallback: Sequence[int] = ()
            if any(not t["samples"] for t in group["trajectories"]):
                fallback = tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=True) if not isinstance(prompt, str) else tokenizer.encode(prompt)
            for key, values in to_trl(group, eos_token_id=tokenizer.eos_token_id, fallback_prompt_ids=fallback).items():
                out.setdefault(key, []).extend(values)
        return out


def farm_reward(reward: Sequence[Optional[float]], **_: Any) -> List[Optional[float]]:
    """A TRL reward function returning the farm's reward column: None (unscorable) for a member left out."""
    return list(reward)


def async_rows(group: Group, model_version: int, group_id: int) -> List[Dict[str, Any]]:
    """A group as TRL async GRPO `RolloutSample` fields: one row per sample, so a trajectory split
    by history truncation is trained whole, each of its rows carrying the trajectory's one advantage
    (TRL's "one advantage per conversation, stamped on every training row it produced").

    Members that cannot be trained on (failed, cancelled, no token ids, a generated token without
    logprob) give no rows and, as TRL's NaN rewards, stay out of the mean and std. Advantages follow
    TRL async's `_score_group`: std over n, epsilon 1e-8.
    """
    usable = []
    for t in group["trajectories"]:
        ok = t["loss_weight"] == 1 and bool(t["samples"]) and all(
            lp is not None for s in t["samples"] for lp, m in zip(s["response_logprobs"], s["response_mask"]) if m == 1)
        usable.append(ok)
    counted = {**group, "trajectories": [{**t, "loss_weight": 1 if ok else 0} for t, ok in zip(group["trajectories"], usable)]}
    advantages = grpo_advantages(counted, "trl_async")
    rewards = [float(t["reward"]) for t, ok in zip(group["trajectories"], usable) if ok]
    mean = sum(rewards) / len(rewards) if rewards else math.nan
    std = math.sqrt(sum((r - mean) ** 2 for r in rewards) / len(rewards)) if rewards else math.nan
    rows = []
    for trajectory, ok, advantage in zip(group["trajectories"], usable, advantages):
        if not ok:
            continue
        messages = trajectory["messages"]
        prompt = [m for m in messages[:2] if m["role"] in ("system", "user")]
        for sample in trajectory["samples"]:
            context = [0] * len(sample["prompt_ids"])
            rows.append({
                "prompt": prompt,
                "completion": messages[len(prompt):],
                "input_ids": list(sample["prompt_ids"]) + list(sample["response_ids"]),
                "completion_mask": context + list(sample["response_mask"]),
                "old_log_probs": [0.0] * len(context) + [0.0 if lp is None else float(lp) for lp in sample["response_logprobs"]],
                "advantage": float(advantage),
                "model_version": model_version,
                "group_id": group_id,
                "metrics": {"reward": float(trajectory["reward"]), "reward_std": std},
            })
    return rows


def _rollout_sample() -> Callable[..., Any]:
    from trl.experimental.async_grpo.async_rollout_worker import RolloutSample

    return RolloutSample


class FarmRolloutWorker:
    """A `rollout_worker` for TRL's `AsyncGRPOTrainer`: keeps farm batches of `tasks` running
    against the policy server, tagged with the live model version, and puts each finished group's
    `RolloutSample`s on `rollout_buffer` as it arrives.

    Args:
        farm: the farm client.
        policy: the policy spec (the vLLM server the trainer streams weights into).
        tasks: Farm.create_batch's task selection, run once per batch.
        group_size: rollouts per task (TRL's num_generations).
        batch_options: further `Farm.create_batch` keyword arguments.
        sample_factory: builds one sample from `async_rows` fields; TRL's `RolloutSample` by default.
    """

    def __init__(self, farm: Farm, policy: Mapping[str, Any], tasks: Any, group_size: int, *, queue_maxsize: int = 0,
                 sample_factory: Optional[Callable[..., Any]] = None, **batch_options: Any) -> None:
        self.farm = farm
        self.policy = _farm_policy(policy)
        self.tasks = tasks
        self.group_size = group_size
        self.batch_options = batch_options
        self.rollout_buffer: "queue.Queue[Any]" = queue.Queue(maxsize=queue_maxsize)
        self._factory = sample_factory
        self._model_version = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._error: Optional[BaseException] = None
        self._batch_id: Optional[str] = None
        self._progress = time.monotonic()
        self._groups = itertools.count()

    def start(self) -> None:
        if self._thread is not None:
            raise WorldfarmError("the rollout worker was already started")
        if self._factory is None:
            self._factory = _rollout_sample()
        self._thread = threading.Thread(target=self._run, name="worldfarm-rollouts", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._batch_id is not None:
            try:
                self.farm.cancel(self._batch_id)
            except WorldfarmError:
                pass  # the batch may have ended on its own meanwhile
        if self._thread is not None:
            self._thread.join(timeout=60)

    def update_model_version(self, model_version: int) -> None:
        self._model_version = model_version

    def check_health(self, stale_after_s: float) -> None:
        if self._error is not None:
            raise WorldfarmError(f"the rollout worker failed: {self._error}") from self._error
        if self._thread is None or not self._thread.is_alive():
            raise WorldfarmError("the rollout worker is not running")
        if time.monotonic() - self._progress > stale_after_s:
            raise WorldfarmError(f"the rollout worker produced nothing for {stale_after_s} s")

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                version = self._model_version
                created = self.farm.create_batch(self.tasks, self.policy, group_size=self.group_size, policy_version=f"v{version}", **self.batch_options)
                self._batch_id = created["batchId"]
                for group in self.farm.groups(created["batchId"]):
                    self._progress = time.monotonic()
                    for row in async_rows(group, version, next(self._groups)):
                        self._put(self._factory(**row))
                    if self._stop.is_set():
                        return
        except BaseException as err:  # reported to the trainer through check_health
            self._error = err

    def _put(self, sample: Any) -> None:
        while not self._stop.is_set():
            try:
                self.rollout_buffer.put(sample, timeout=0.5)
                return
            except queue.Full:
                continue
